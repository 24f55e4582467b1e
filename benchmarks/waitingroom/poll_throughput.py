"""Waiting-room polls per second on one machine, with Redis and 2 app processes.

Measures with wrk on loopback, each for a bounded time:

1. gunicorn, 2 workers (sync, then gthread), the WSGI entry point
   ``pauschale.config.wsgi``: ``hello`` (``/healthz``, the ceiling of that
   server); ``poll`` (``/warteraum/<program>/status/``, answered by the
   waiting room's WSGI front: signed cookie, one Lua call to Redis, JSON);
   the same poll through Django's whole middleware stack, for comparison;
2. uvicorn, 2 workers (asyncio with h11, then uvloop with httptools), the
   ASGI entry point ``pauschale.config.asgi``: ``hello`` and ``poll`` as
   above, answered by the asynchronous front; then the ``reference``, a
   minimal Starlette endpoint doing one Redis GET, on the same server settings.

The room holds 10,000 waiting tickets; wrk polls 1,000 of them at random.
All measurements run once per round (default 3 rounds), and the ratios are
medians over the rounds.
Run:  .venv/bin/python benchmarks/waitingroom/poll_throughput.py [--seconds 10]
Starts its own Redis (``redis-server`` on 127.0.0.1:6391, no persistence) and
stops it at the end; needs wrk (Debian package ``wrk``; installed if missing)
and the ``bench`` extra (``pip install -e '.[bench]'``).
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_PORT = 6391
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"
SLUG = "eppsg-2023"
NAMESPACE = "bench"
TICKETS = 10_000
POLLED = 1_000
LOOPS = {"h11": "asyncio", "httptools": "uvloop"}


def django_setup(var_dir: Path) -> None:
    os.environ.update(server_env(var_dir))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def server_env(var_dir: Path) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "pauschale.config.settings.dev",
        "DJANGO_DEBUG": "0",
        "PAUSCHALE_VAR_DIR": str(var_dir),
        "PAUSCHALE_CLOCK_START": "",  # the real clock, the same in every worker
        "REDIS_URL": REDIS_URL,
        "PAUSCHALE_WAITING_ROOM_NAMESPACE": NAMESPACE,
        "LOG_LEVEL": "WARNING",
    }


def fill_room() -> list[str]:
    """A room of TICKETS waiting people; the cookie values of POLLED of them."""
    from pauschale.programs.loader import load_program_file
    from pauschale.waitingroom.backends.redis import RedisBackend
    from pauschale.waitingroom.room import new_ticket_id, room_config
    from pauschale.waitingroom.tokens import sign_ticket

    spec = load_program_file(ROOT / "programs" / "eppsg-2023.toml")
    backend = RedisBackend(REDIS_URL, namespace=NAMESPACE)
    backend.client.flushdb()
    config = room_config(spec.waiting_room, spec.title.de, spec.title.en)
    config = config.__class__(**{**config.__dict__, "rate": 0.001})
    cookies, now = [], time.time()
    for number in range(TICKETS):
        ticket = new_ticket_id()
        backend.join(SLUG, ticket, 0, config, now)
        if number % (TICKETS // POLLED) == 0:
            cookies.append(sign_ticket(SLUG, ticket, ""))
    backend.client.set("bench:reference", b'{"state":"waiting","position":1}')
    return cookies[:POLLED]


def wrk_script(cookies: list[str], directory: Path) -> Path:
    script = directory / "poll.lua"
    values = ",\n".join(f'  "wr-{SLUG}={c}"' for c in cookies)
    script.write_text(
        "local cookies = {\n" + values + "\n}\n"
        "request = function()\n"
        "  local cookie = cookies[math.random(#cookies)]\n"
        '  return wrk.format("GET", nil, {["Cookie"] = cookie})\n'
        "end\n"
    )
    return script


def start(command: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own commands
        command,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)  # noqa: S310
            return process
        except urllib.error.HTTPError:
            return process  # it answers
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"server on port {port} did not start: {command}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


def wrk(url: str, seconds: int, connections: int, script: Path | None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    latency = dict(re.findall(r"\s+(50|90|99)%\s+([\d.]+\w+)", out))
    return {
        "requests_per_s": rps,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
        "latency": latency,
    }


def check_poll(url: str, cookie: str) -> dict:
    headers = {"Cookie": f"wr-{SLUG}={cookie}"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http only
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return json.loads(response.read())


def machine() -> dict:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    redis_version = subprocess.run(  # noqa: S603
        [shutil.which("redis-server"), "--version"], capture_output=True, text=True
    ).stdout.split()[2]
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "redis": redis_version.removeprefix("v="),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--threads", type=int, default=4, help="threads of gthread")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        ensure = str(ROOT / "scripts" / "ensure-debian-packages")
        subprocess.run([ensure, "wrk"], check=True)  # noqa: S603

    var_dir = Path(tempfile.mkdtemp(prefix="bench-waitingroom-"))
    redis_server = start_redis(var_dir)
    try:
        measure_all(args, var_dir)
    finally:
        stop(redis_server)
        shutil.rmtree(var_dir, ignore_errors=True)


def start_redis(var_dir: Path) -> subprocess.Popen:
    command = [shutil.which("redis-server"), "--port", str(REDIS_PORT)]
    command += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    command += ["--dir", str(var_dir)]
    process = subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.DEVNULL, start_new_session=True
    )
    import redis

    for _ in range(50):
        try:
            redis.Redis.from_url(REDIS_URL).ping()
            return process
        except redis.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("the benchmark's Redis did not start")


def measure_all(args, var_dir: Path) -> None:
    """Every measurement once per round; the rounds interleave them, so that a
    burst of load from elsewhere on the machine does not land on one side only."""
    django_setup(var_dir)
    env = {**server_env(var_dir), "PYTHONPATH": str(ROOT / "src")}
    results = []
    for number in range(1, args.rounds + 1):
        for label, command, port, path, polls in runs(args):
            result = measure(args, var_dir, env, command, port, path, polls)
            results.append({"round": number, "run": label, **result})
            latency = result["latency"]
            print(  # noqa: T201
                f"{number} {label:62} {result['requests_per_s']:7.0f} req/s"
                f"  p50 {latency.get('50', '?'):>8}  p99 {latency.get('99', '?'):>8}"
                f"  non-2xx {result['non_2xx']}",
                flush=True,
            )

    by_round = [
        ratios([r for r in results if r["round"] == number])
        for number in range(1, args.rounds + 1)
    ]
    medians = {
        key: round(statistics.median(r[key] for r in by_round), 3)
        for key in by_round[0]
    }
    summary = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "seconds": args.seconds,
        "connections": args.connections,
        "rounds": args.rounds,
        "results": results,
        "ratios_by_round": by_round,
        "ratios_median": medians,
    }
    print(json.dumps(medians, indent=1))  # noqa: T201
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")


def measure(args, var_dir: Path, env: dict, command, port, path, polls) -> dict:
    cookies = fill_room()
    script = wrk_script(cookies, var_dir) if polls else None
    process = start(command, env, port)
    try:
        url = f"http://127.0.0.1:{port}{path}"
        if polls:
            state = check_poll(url, cookies[-1])["state"]
            assert state == "waiting", state
        time.sleep(1)
        return wrk(url, args.seconds, args.connections, script)
    finally:
        stop(process)


def runs(args) -> list[tuple]:
    """(label, command, port, path, polls) of every measurement, in order."""
    status = f"/warteraum/{SLUG}/status/"
    app = "pauschale.config.wsgi:application"
    plain = "pauschale.config.wsgi:django_application"
    result = []
    for worker in ("sync", "gthread"):
        gunicorn = [str(BIN / "gunicorn"), "-w", "2", "-k", worker]
        gunicorn += ["--log-level", "warning", "-b", "127.0.0.1:8701"]
        if worker == "gthread":
            gunicorn += ["--threads", str(args.threads), "--keep-alive", "5"]
        name = f"gunicorn 2 {worker} workers"
        result += [
            (f"hello: /healthz ({name})", [*gunicorn, app], 8701, "/healthz", False),
            (f"poll: WSGI front ({name})", [*gunicorn, app], 8701, status, True),
            (
                f"poll through Django's middleware ({name})",
                [*gunicorn, plain],
                8701,
                status,
                True,
            ),
        ]
    asgi = "pauschale.config.asgi:application"
    for loop, http in (("asyncio", "h11"), ("uvloop", "httptools")):
        uvicorn = [str(BIN / "uvicorn"), "--workers", "2", "--loop", loop]
        uvicorn += ["--http", http, "--log-level", "warning", "--no-access-log"]
        name = f"uvicorn 2 workers, {loop}, {http}"
        ours = [*uvicorn, "--port", "8702", asgi]
        reference = [
            *uvicorn,
            "--port",
            "8703",
            "--app-dir",
            str(Path(__file__).parent),
        ]
        result += [
            (f"hello: /healthz ({name})", ours, 8702, "/healthz", False),
            (f"poll: ASGI front ({name})", ours, 8702, status, True),
            (
                f"reference: Starlette + 1 Redis GET ({name})",
                [*reference, "starlette_ref:app"],
                8703,
                "/get",
                False,
            ),
        ]
    return result


def ratios(results: list[dict]) -> dict:
    rps = {r["run"]: r["requests_per_s"] for r in results}

    def find(prefix):
        return next(v for k, v in rps.items() if k.startswith(prefix))

    out = {}
    for worker in ("sync", "gthread"):
        poll = find(f"poll: WSGI front (gunicorn 2 {worker}")
        out[f"poll_{worker}_vs_hello_{worker}"] = round(
            poll / find(f"hello: /healthz (gunicorn 2 {worker}"), 3
        )
        for http in ("h11", "httptools"):
            reference = find(
                f"reference: Starlette + 1 Redis GET (uvicorn 2 workers, {LOOPS[http]}, {http}"
            )
            out[f"poll_{worker}_vs_reference_{http}"] = round(poll / reference, 3)
    for http, loop in LOOPS.items():
        name = f"uvicorn 2 workers, {loop}, {http})"
        poll = find(f"poll: ASGI front ({name}")
        out[f"poll_asgi_{http}_vs_hello_asgi_{http}"] = round(
            poll / find(f"hello: /healthz ({name}"), 3
        )
        for ref_http, ref_loop in LOOPS.items():
            reference = find(
                f"reference: Starlette + 1 Redis GET (uvicorn 2 workers, {ref_loop}, {ref_http}"
            )
            out[f"poll_asgi_{http}_vs_reference_{ref_http}"] = round(
                poll / reference, 3
            )
    return out


if __name__ == "__main__":
    main()
