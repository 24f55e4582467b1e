import logging
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pauschale.demo.runner import run_demo


class Command(BaseCommand):
    help = (
        "Run the whole payment cycle on a fresh SQLite database: program, real "
        "institution lists, access codes, invented applicants through the live HTTP "
        "and SAML flow, payment runs with pain.001 files released by a second "
        "person, bank returns and corrected accounts, and a second run."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--applicants", type=int, default=500)
        parser.add_argument("--out", type=Path, default=Path("var/demo"))
        parser.add_argument("--seed", type=int, default=2023)
        parser.add_argument(
            "--waiting-room",
            action="store_true",
            help="send the applicants through the waiting room at a low rate",
        )
        parser.add_argument(
            "--waiting-room-rate",
            type=float,
            default=1.0,
            help="admissions per second with --waiting-room (default 1)",
        )

    def handle(self, *args, applicants, out, seed, **options):
        if applicants < 1:
            raise CommandError("--applicants must be at least 1")
        rate = options["waiting_room_rate"] if options["waiting_room"] else None
        if rate is not None and rate <= 0:
            raise CommandError("--waiting-room-rate must be above zero")
        started = time.monotonic()
        try:
            _log_to_file(out / "demo.log")
        except OSError as exc:
            raise CommandError(
                f"cannot write to the output directory {out}: {exc.strerror}"
            ) from None
        summary, run = run_demo(applicants, out, seed, waiting_room_rate=rate)
        self.stdout.write(report(summary, out, time.monotonic() - started))
        if run.failures:
            raise CommandError(
                f"{len(run.failures)} problem(s); see 'problems' in summary.json"
            )


def _log_to_file(path: Path) -> Path:
    """Send the platform's log lines to a file, so the terminal shows the report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    for old in list(root.handlers):
        if isinstance(old, logging.StreamHandler) and not isinstance(
            old, logging.FileHandler
        ):
            handler.setFormatter(old.formatter)
            root.removeHandler(old)
    root.addHandler(handler)
    return path


def _waiting_room_lines(room: dict | None) -> list[str]:
    if not room:
        return []
    return [
        f"  Waiting room at {room['admission_rate_per_s']}/s: {room['tickets']} tickets, "
        f"{room['admitted']} admitted, highest position {room['max_position']}; "
        f"{room['browsers_that_waited']} browsers waited (longest "
        f"{room['max_wait_seen_s']} s); mean error of the waits shown "
        f"{room['mean_abs_eta_error_s']} s"
    ]


def report(summary: dict, out: Path, seconds: float) -> str:
    lines = [
        f"Demo of {summary['program']} finished in {seconds:.0f} s.",
        f"  Institutions: {summary['institutions']} in {summary['lands']} Länder",
        f"  Access codes issued: {summary['codes_issued']}, redeemed: {summary['codes_redeemed']}",
        f"  Applicants: {summary['applicants']}; applications: {summary['applications']} "
        f"({summary['approved']} approved, {summary['rejected']} rejected)",
        f"  Refused at entry: {_counts(summary['refused_at_entry'])}",
        f"  Rejections by reason: {_counts(summary['rejections_by_reason'])}",
        f"  Form errors corrected by the applicant: {_counts(summary['form_errors'])}",
        f"  Payments: {summary['payments']} totalling {summary['total_amount_eur']} EUR "
        f"in {len(summary['payment_files'])} pain.001 file(s) under {out / 'payments'}",
        _bank_returns_line(summary.get("bank_returns")),
        *_waiting_room_lines(summary.get("waiting_room")),
        f"  Summary: {out / 'summary.json'}; log lines: {out / 'demo.log'}",
    ]
    for problem in summary["problems"]:
        lines.append(f"  PROBLEM: {problem}")
    return "\n".join(lines)


def _bank_returns_line(returns: dict | None) -> str:
    if not returns:
        return "  Bank returns: none"
    return (
        f"  Bank returns: {returns['imported']} imported from {returns['files']} "
        f"camt.054 file(s) ({returns['matched']} matched, {returns['unmatched']} "
        f"unmatched; by reason {_counts(returns['by_reason'])}); "
        f"{returns['corrected']} corrected by the applicants, {returns['repaid']} "
        f"repaid in the second run; importing again changed nothing"
    )


def _counts(counts: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"
