"""The waiting room as the pages to its right see it.

- ``enter`` on the start page: a visitor with a valid admission passes; anyone
  else gets a ticket and passes at once while the rate allows, or is sent to
  the waiting page.
- ``use_for_login`` before the SAML login starts, and ``check`` before a
  submission: is there a valid admission token of this browser?
- ``cohort_not_open`` for programs with time slots: did the visitor queue for
  a cohort that is open, and is it the one they turn out to belong to?

A program without a ``[waiting_room]`` table hands out admissions without a
ticket, so that the login can insist on an admission in every case.
"""

import secrets
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from pauschale.common.log import get_logger

from .room import Room, opening_of
from .tokens import Admission, read_ticket, sign_ticket, ticket_cookie_name

log = get_logger(__name__)

ADMISSION_KEY = "waitingroom_admission"
BROWSER_KEY = "waitingroom_browser"
# How long the ticket cookie is kept by the browser; the room forgets sooner.
TICKET_COOKIE_SECONDS = 24 * 3600
# A program without a waiting room: how long its admission may start a login.
NO_ROOM_LOGIN_SECONDS = 900


def local_path(value: str | None, default: str = "/") -> str:
    """``value`` if it is a path on this site, else ``default``."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or not url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return default
    return value


def room_url(slug: str, next_path: str, **extra) -> str:
    query = urlencode({"next": next_path, **extra})
    return f"{reverse('waitingroom:room', kwargs={'slug': slug})}?{query}"


def browser_id(request) -> str:
    """The random id of this browser's session; made on first use."""
    browser = request.session.get(BROWSER_KEY)
    if not browser:
        browser = secrets.token_urlsafe(16)
        request.session[BROWSER_KEY] = browser
    return browser


# --- admission tokens ------------------------------------------------------------


def check(
    request, slug: str | None = None, *, at_submission: bool = False, room=None
) -> tuple[Admission | None, str]:
    """The session's valid admission, or None and why not.

    Reasons: ``missing``, ``forged``, ``other_program``, ``other_browser``
    (the token was made for another session), ``expired``.
    """
    token = request.session.get(ADMISSION_KEY)
    if not token:
        return None, "missing"
    admission = Admission.read(token)
    if admission is None:
        return None, "forged"
    if slug is not None and admission.program != slug:
        return None, "other_program"
    if admission.browser != request.session.get(BROWSER_KEY):
        return None, "other_browser"
    deadline = admission.submit_by if at_submission else admission.login_by
    if (room or Room()).now() > deadline:
        return None, "expired"
    return admission, ""


def grant(
    request, slug: str, ticket: str, cohort: str, login_by: float, room=None
) -> Admission:
    """Put a signed admission into the session."""
    now = (room or Room()).now()
    admission = Admission(
        program=slug,
        browser=browser_id(request),
        ticket=ticket,
        cohort=cohort,
        issued_at=now,
        login_by=login_by,
        submit_by=now + settings.SESSION_COOKIE_AGE,
    )
    request.session[ADMISSION_KEY] = admission.sign()
    log.info("waiting_room_admission_granted", program=slug, has_ticket=bool(ticket))
    return admission


def admit_ticket(request, slug: str, ticket: str, cohort: str, room=None) -> bool:
    """Turn an admitted ticket into this browser's admission; False if the
    ticket is not admitted (any more) or was claimed by another browser."""
    room = room or Room()
    admitted_at = room.claim(slug, ticket, browser_id(request))
    if admitted_at is None:
        return False
    status = room.poll(slug, ticket)
    if status.get("state") != "admitted":
        return False
    grant(request, slug, ticket, cohort, float(status["use_by"]), room)
    return True


def use_for_login(request, room=None) -> tuple[Admission | None, str]:
    """Check the admission before the SAML login starts and mark it used.

    The first use ends the room's wait for it; an admission that is never
    used gives its capacity back when it lapses.
    """
    room = room or Room()
    admission, reason = check(request, room=room)
    if admission is None:
        log.warning("waiting_room_admission_refused", reason=reason, step="login")
        return None, reason
    if admission.ticket:
        room.use(admission.program, admission.ticket)
    return admission, ""


def refused(request, reason: str, slug: str | None = None):
    """The page for someone who reached a guarded step without an admission."""
    context = {
        "reason": reason,
        "start_url": room_url(slug, f"/{slug}/") if slug else "/",
    }
    return render(request, "waitingroom/refused.html", context, status=403)


# --- the start page ----------------------------------------------------------------


def enter(request, program, cohort: str = "", room=None):
    """None if the visitor may use the start page now, else where to go.

    ``cohort`` (a Land code) is taken as the visitor's cohort when the program
    has time slots by Land and the visitor has no ticket yet.
    """
    room = room or Room()
    slug = program.slug
    if check(request, slug, room=room)[0]:
        return None
    spec = program.spec.waiting_room
    if spec is None:
        grant(request, slug, "", "", room.now() + NO_ROOM_LOGIN_SECONDS, room)
        return None

    next_path = request.path
    held = read_ticket(slug, request.COOKIES.get(ticket_cookie_name(slug)))
    note = ""
    if held:
        state = room.poll(slug, held[0]).get("state")
        if state == "admitted" and admit_ticket(request, slug, *held, room=room):
            return None
        if state in ("waiting", "prequeue"):
            return redirect(room_url(slug, next_path))
        note = state if state in ("lost", "lapsed") else ""

    if spec.cohort_kind and not _valid_cohort(program, cohort):
        return redirect(room_url(slug, next_path))
    return join(request, program, cohort, next_path, room, note=note)


def join(request, program, cohort: str, next_path: str, room=None, note: str = ""):
    """Take a ticket; None if it passed at once, else the way to the waiting page.

    ``note`` (``lost`` or ``lapsed``) tells the waiting page why the visitor
    has a new place.
    """
    room = room or Room()
    ticket = room.join(program, cohort)
    log.info(
        "waiting_room_joined",
        program=program.slug,
        state=ticket.status["state"],
        position=ticket.status.get("position"),
    )
    if ticket.status["state"] == "admitted" and admit_ticket(
        request, program.slug, ticket.id, cohort, room
    ):
        return None
    extra = {"note": note} if note else {}
    response = redirect(room_url(program.slug, next_path, **extra))
    set_ticket_cookie(response, program.slug, ticket.id, cohort)
    return response


def set_ticket_cookie(response, slug: str, ticket: str, cohort: str) -> None:
    response.set_cookie(
        ticket_cookie_name(slug),
        sign_ticket(slug, ticket, cohort),
        max_age=TICKET_COOKIE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


# --- time slots ----------------------------------------------------------------------


def cohort_choices(program) -> list[str]:
    spec = program.spec.waiting_room
    if spec is None or spec.cohort_kind is None:
        return []
    if spec.cohort_kind == "land":
        return sorted(program.spec.lands)
    return [f"{month:02d}" for month in range(1, 13)]


def _valid_cohort(program, cohort: str) -> bool:
    return bool(cohort) and cohort in cohort_choices(program)


def cohort_not_open(
    request,
    program,
    *,
    land: str | None = None,
    birth_date: date | None = None,
    room=None,
) -> bool:
    """True if the person belongs to a cohort whose slot has not opened yet.

    The cohort chosen in the waiting room is a claim; the Land entered with the
    code and the birth date from BundID are the facts it is checked against.
    """
    spec = program.spec.waiting_room
    if spec is None or spec.cohort_kind is None:
        return False
    if spec.cohort_kind == "land":
        actual = land
    else:
        actual = f"{birth_date.month:02d}" if birth_date else None
    if actual is None:
        return False
    return opening_of(spec, actual) > (room or Room()).now()
