"""The demo, the platform's main job: from an empty database to pain.001 files.

A fresh SQLite database, the real program and institution lists, access codes in
all 16 Länder, then invented applicants through the live HTTP and SAML flow on a
simulated clock, then the payment runs, released by a second person, then bank
returns, corrected accounts and a second run (``bank_returns``). Everything it
reports is read back from the database and the files, not from what the demo
meant to do.
"""

import json
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.models import Count
from django.test.utils import override_settings

from pauschale.applications.models import Application, EntryRefusal
from pauschale.common import clock
from pauschale.common.log import get_logger
from pauschale.decisions.models import Decision
from pauschale.payouts.models import PaymentRun
from pauschale.programs.services import install_program
from pauschale.registry.imports import import_institutions
from pauschale.registry.models import AccessCode, Institution
from pauschale.registry.services import issue_codes
from pauschale.waitingroom import services as waiting_room

from . import bank_returns
from .journeys import Journey, JourneyResult
from .people import Person, invent_people
from .scenarios import EXPECTATIONS, assign_behaviours, codes_needed, needs_pin_code
from .server import live_server

log = get_logger(__name__)

PROGRAM_FILE = "eppsg-2023.toml"
INSTITUTION_FILES = (
    "hochschulen_cc0_hsk_destatis_2023.csv",
    "hochschulen_destatis_hochschularten_cc0_2023.csv",
    "berufskollegs_nrw_schulgrunddaten_2022.csv",
)
# Applicants arrive over the first two weeks of the window, one every few minutes.
FIRST_ARRIVAL = datetime(2023, 3, 15, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))
SPREAD = timedelta(days=14)
# Browsers at work at the same time; the SAML signatures run in xmlsec1
# processes, so a few in parallel use both cores.
CONCURRENT_APPLICANTS = 6


@dataclass
class DemoRun:
    applicants: int
    out_dir: Path
    seed: int = 2023
    results: list[JourneyResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def use_fresh_sqlite(path: Path) -> None:
    """Point the default database at a new, empty SQLite file."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    connections.close_all()
    db = connections.settings["default"]
    db.update(
        ENGINE="django.db.backends.sqlite3",
        NAME=str(path),
        OPTIONS=dict(settings.SQLITE_OPTIONS),
        HOST="",
        PORT="",
        USER="",
        PASSWORD="",
    )
    del connections["default"]
    call_command("migrate", verbosity=0, interactive=False)


def use_fresh_waiting_room(path: Path) -> None:
    """Keep the waiting room in a new SQLite file of its own, beside the demo's."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    settings.PAUSCHALE_WAITING_ROOM_REDIS_URL = None
    settings.PAUSCHALE_WAITING_ROOM_FILE = path


def keep_files_under(out_dir: Path) -> None:
    """Write the payment files and the kept copies of imported bank files under
    ``out_dir``, never into the ``var/`` of the development instance."""
    payments = out_dir / "payments"
    imported = out_dir / "bank" / "imported"
    for old in [*payments.glob("*.xml"), *imported.glob("*.xml")]:
        old.unlink()
    settings.PAUSCHALE_PAYMENT_DIR = payments
    settings.PAUSCHALE_BANK_FILE_DIR = imported


def summarise_waiting_room(run: DemoRun, program, rate: float) -> dict:
    """What the room counted, and how the waits shown compared with the real ones.

    ``mean_abs_eta_error_s`` is the room's own measure: from the moment a wait
    was first shown until the room admitted the person. The ``seen`` figures
    are the browsers': until the page actually let them through, which adds
    up to one refresh interval.
    """
    room = waiting_room.overview(program)
    waits = [wait for result in run.results for wait in result.waits]
    shown = [w for w in waits if w.shown_seconds is not None]
    seen_errors = [abs(w.waited_seconds - w.shown_seconds) for w in shown]
    return {
        "tickets": room["tickets"],
        "admitted": room["admitted"],
        "max_position": room["max_position"],
        "admission_rate_per_s": rate,
        "mean_abs_eta_error_s": _rounded(room["mean_abs_eta_error_s"]),
        "waits_measured": room["eta_error_n"],
        "browsers_that_waited": len(waits),
        "mean_wait_seen_s": _rounded(_mean([w.waited_seconds for w in waits])),
        "max_wait_seen_s": _rounded(
            max((w.waited_seconds for w in waits), default=None)
        ),
        "mean_abs_eta_error_seen_s": _rounded(_mean(seen_errors)),
    }


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def load_reference_data():
    program = install_program(Path(settings.PAUSCHALE_PROGRAM_DIR) / PROGRAM_FILE)
    data_dir = Path(settings.PAUSCHALE_DATA_DIR) / "institutions"
    for name in INSTITUTION_FILES:
        import_institutions(data_dir / name)
    return program


def _choose_institutions(people: list[Person], rng: random.Random, lands: list[str]):
    """An institution per code: every Land gets some, the rest at random."""
    by_land: dict[str, list[Institution]] = {}
    for institution in Institution.objects.filter(is_active=True, land__in=lands):
        by_land.setdefault(institution.land_id, []).append(institution)
    everyone = [i for group in by_land.values() for i in group]
    wanted: list[tuple[Person, Institution]] = []
    for number, person in enumerate(people):
        for extra in range(codes_needed(person)):
            if extra == 0 and number < len(lands):
                institution = rng.choice(by_land[lands[number]])
            else:
                institution = rng.choice(everyone)
            wanted.append((person, institution))
    return wanted


def issue_demo_codes(program, people: list[Person], rng: random.Random) -> int:
    """Issue codes where the invented people study; returns how many were issued.

    Each institution issues a batch a fifth larger than the demo uses, as
    institutions do for students who never apply.
    """
    wanted = _choose_institutions(people, rng, sorted(program.spec.lands))
    groups: dict[tuple[int, bool], list[Person]] = {}
    institutions = {}
    for person, institution in wanted:
        with_pins = needs_pin_code(person) or institution.pk % 2 == 0
        groups.setdefault((institution.pk, with_pins), []).append(person)
        institutions[institution.pk] = institution

    issued_total = 0
    for (institution_id, with_pins), holders in sorted(groups.items()):
        institution = institutions[institution_id]
        size = len(holders) + max(1, len(holders) // 5)
        _, issued = issue_codes(
            program, institution, size, with_pins=with_pins, created_by="demo"
        )
        issued_total += len(issued)
        for holder, code in zip(holders, issued, strict=False):
            holder.codes.append((code.code, code.pin, institution.land_id))
    return issued_total


def _journey(base_url: str, program_slug: str, number: int, person: Person):
    try:
        return Journey(base_url, program_slug, person).run(), None
    except Exception as exc:  # noqa: BLE001 - reported, the demo goes on
        log.warning(
            "demo_journey_failed",
            applicant=number,
            behaviour=person.behaviour,
            error=type(exc).__name__,
        )
        return None, f"applicant {number} ({person.behaviour}): {exc}"


def drive_applicants(
    run: DemoRun, program, people: list[Person], base_url: str
) -> None:
    """Send the people through the live server, a few at a time, as browsers would.

    The clock moves on between groups, so that the arrivals spread over the
    first weeks of the window; within a group the applicants arrive together.
    """
    step = SPREAD / max(1, len(people))
    with ThreadPoolExecutor(max_workers=CONCURRENT_APPLICANTS) as pool:
        for first in range(0, len(people), CONCURRENT_APPLICANTS):
            clock.set_now(FIRST_ARRIVAL + first * step)
            group = list(
                enumerate(people[first : first + CONCURRENT_APPLICANTS], start=first)
            )
            futures = [
                pool.submit(_journey, base_url, program.slug, n, p) for n, p in group
            ]
            for future in futures:
                result, failure = future.result()
                if result:
                    run.results.append(result)
                if failure:
                    run.failures.append(failure)


def _expected_counts(people: list[Person]) -> tuple[Counter, Counter]:
    outcomes, refusals = Counter(), Counter()
    for person in people:
        expectation = EXPECTATIONS[person.behaviour]
        outcomes[expectation.outcome] += 1
        refusals.update(expectation.refusals)
        if expectation.second_outcome:
            outcomes[expectation.second_outcome] += 1
    return outcomes, refusals


def check_against_expectations(
    run: DemoRun, people: list[Person], summary: dict
) -> None:
    outcomes, refusals = _expected_counts(people)
    if (
        summary["approved"] != outcomes["approved"]
        or summary["rejected"] != outcomes["rejected"]
    ):
        run.failures.append(
            f"expected {outcomes['approved']} approved and {outcomes['rejected']} rejected, "
            f"got {summary['approved']} and {summary['rejected']}"
        )
    if dict(refusals) != summary["refused_at_entry"]:
        run.failures.append(
            f"expected refusals {dict(refusals)}, got {summary['refused_at_entry']}"
        )
    for result in run.results:
        expected = EXPECTATIONS[result.person.behaviour]
        wanted = [expected.outcome] + (
            [expected.second_outcome] if expected.second_outcome else []
        )
        if result.outcomes != wanted:
            run.failures.append(
                f"{result.person.behaviour}: pages showed {result.outcomes}, expected {wanted}"
            )


def summarise(run: DemoRun, program, codes_issued: int, runs: list[PaymentRun]) -> dict:
    out_dir = run.out_dir.resolve()
    applications = Application.objects.filter(program=program)
    rejections = Counter()
    for reasons in Decision.objects.filter(outcome="rejected").values_list(
        "reasons", flat=True
    ):
        rejections.update(reasons)
    refused = (
        EntryRefusal.objects.filter(program=program)
        .values("reason")
        .annotate(n=Count("pk"))
    )
    files = [f for r in runs for f in r.files.order_by("sequence")]
    total_cents = sum(r.total_cents for r in runs)
    form_errors = Counter(e for result in run.results for e in result.form_errors)
    return {
        "program": program.slug,
        "institutions": Institution.objects.filter(is_active=True).count(),
        "lands": len(program.spec.lands),
        "codes_issued": codes_issued,
        "codes_redeemed": AccessCode.objects.filter(
            program=program, redeemed_at__isnull=False
        ).count(),
        "applicants": run.applicants,
        "applications": applications.count(),
        "approved": applications.filter(status=Application.Status.APPROVED).count(),
        "rejected": applications.filter(status=Application.Status.REJECTED).count(),
        "refused_at_entry": {
            row["reason"]: row["n"] for row in refused.order_by("reason")
        },
        "rejections_by_reason": dict(sorted(rejections.items())),
        "form_errors": dict(sorted(form_errors.items())),
        "status_checked_again": sum(r.saw_status_again for r in run.results),
        "payments": sum(r.payment_count for r in runs),
        "total_amount_eur": f"{total_cents // 100}.{total_cents % 100:02d}",
        "payment_runs": [
            {
                "land": r.land_id,
                "payments": r.payment_count,
                "amount_eur": f"{r.total_cents / 100:.2f}",
            }
            for r in runs
        ],
        "payment_files": [
            str(Path(f.path).resolve().relative_to(out_dir)) for f in files
        ],
        "payment_file_sha256": {
            str(Path(f.path).resolve().relative_to(out_dir)): f.sha256 for f in files
        },
        "simulated_clock": {
            "first_arrival": FIRST_ARRIVAL.isoformat(),
            "last_arrival": (FIRST_ARRIVAL + SPREAD).isoformat(),
        },
    }


def run_demo(
    applicants: int,
    out_dir: Path,
    seed: int = 2023,
    waiting_room_rate: float | None = None,
) -> tuple[dict, DemoRun]:
    """The whole cycle; with ``waiting_room_rate`` (admissions per second) the
    applicants pass the waiting room at that low rate, and wait."""
    run = DemoRun(applicants=applicants, out_dir=Path(out_dir), seed=seed)
    run.out_dir.mkdir(parents=True, exist_ok=True)
    keep_files_under(run.out_dir)
    payment_dir = settings.PAUSCHALE_PAYMENT_DIR

    use_fresh_sqlite(run.out_dir / "demo.sqlite3")
    use_fresh_waiting_room(run.out_dir / "waitingroom.sqlite3")
    clock.set_now(FIRST_ARRIVAL - timedelta(days=1))
    program = load_reference_data()
    if waiting_room_rate:
        waiting_room.set_rate(
            program, waiting_room_rate, actor="demo", reason="demo of a busy launch"
        )
    rng = random.Random(seed)
    people = invent_people(applicants, seed)
    assign_behaviours(people, rng)
    codes_issued = issue_demo_codes(program, people, rng)

    with (
        live_server() as base_url,
        override_settings(SAML_BASE_URL=base_url, DEBUG=False),
    ):
        drive_applicants(run, program, people, base_url)
    room_summary = (
        summarise_waiting_room(run, program, waiting_room_rate)
        if waiting_room_rate
        else None
    )

    clock.set_now(FIRST_ARRIVAL + SPREAD + timedelta(days=1))
    bank_returns.create_staff()
    runs = bank_returns.prepare_and_release(program, payment_dir)
    summary = summarise(run, program, codes_issued, runs)
    check_against_expectations(run, people, summary)
    returns = bank_returns.run_bank_returns(program, people, rng, run.out_dir)
    run.failures += returns.failures
    summary["bank_returns"] = bank_returns.summarise(returns, run.out_dir)
    if room_summary is not None:
        summary["waiting_room"] = room_summary
    summary["problems"] = run.failures
    (run.out_dir / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    )
    return summary, run
