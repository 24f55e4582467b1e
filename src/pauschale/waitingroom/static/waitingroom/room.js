// The waiting page keeps itself up to date. Without JavaScript the page
// reloads itself instead (a meta refresh inside <noscript>).
(() => {
  const room = document.querySelector("[data-waiting-room]");
  if (!room) return;

  const lang = document.documentElement.lang || "de";
  const numbers = new Intl.NumberFormat(lang);
  const times = new Intl.DateTimeFormat(lang, { timeStyle: "medium" });
  const pollSeconds = Math.max(1, Number(room.dataset.pollSeconds) || 5);
  const graceSeconds = Number(room.dataset.graceSeconds) || 120;
  const field = (name) => room.querySelector(`[data-field="${name}"]`);

  const waitText = (seconds, paused) => {
    if (paused || seconds === undefined || seconds === null) return room.dataset.textPaused;
    if (seconds < 60) return room.dataset.textSoon;
    const minutes = Math.ceil(seconds / 60);
    if (minutes === 1) return room.dataset.textMinute;
    if (minutes < 90) return room.dataset.textMinutes.replace("{n}", numbers.format(minutes));
    return room.dataset.textHours
      .replace("{h}", numbers.format(Math.floor(minutes / 60)))
      .replace("{m}", numbers.format(minutes % 60));
  };

  // As the page without JavaScript does (display.refresh_seconds): ask just
  // after the expected turn near the front, rarely far back, always well
  // within the grace period.
  const nextPollMs = (status) => {
    const eta = status && status.state === "waiting" && !status.paused ? status.eta_seconds : null;
    let wanted = pollSeconds;
    if (eta !== null && eta !== undefined) {
      wanted = eta < pollSeconds ? Math.ceil(eta + 0.5) : Math.max(pollSeconds, eta / 10);
    }
    return Math.max(1, Math.min(wanted, 30, graceSeconds / 3)) * 1000;
  };

  const setText = (name, text) => {
    const element = field(name);
    if (element && element.textContent !== text) element.textContent = text;
  };

  const show = (status) => {
    if (status.state !== room.dataset.state || Boolean(status.paused) !== Boolean(room.querySelector("[data-paused]"))) {
      // Admitted, lost, opened or paused: the page itself says what happens next.
      window.location.assign(room.dataset.reloadUrl);
      return false;
    }
    if (status.state === "waiting") {
      setText("position", numbers.format(status.position));
      setText("ahead", numbers.format(status.ahead));
      setText("wait", waitText(status.eta_seconds, status.paused));
      const wait = field("wait");
      if (wait) wait.dataset.etaSeconds = Math.round(status.eta_seconds ?? "");
    }
    setText("updated", times.format(new Date()));
    return true;
  };

  const poll = async () => {
    let again = true;
    let status = null;
    try {
      const response = await fetch(room.dataset.statusUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (response.ok || response.status === 404) {
        status = await response.json();
        again = show(status);
      }
    } catch (error) {
      // Offline for a moment: try again; the place is kept for the grace period.
    }
    if (again) window.setTimeout(poll, nextPollMs(status));
  };

  const wait = room.querySelector("[data-eta-seconds]");
  const first = wait && wait.dataset.etaSeconds !== "" ? Number(wait.dataset.etaSeconds) : null;
  window.setTimeout(poll, nextPollMs({ state: room.dataset.state, eta_seconds: first }));
})();
