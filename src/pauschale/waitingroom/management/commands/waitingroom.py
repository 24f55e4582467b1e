"""Operate the waiting room of a program from the shell.

pauschale waitingroom status --program eppsg-2023
pauschale waitingroom set-rate 40 --program eppsg-2023 --reason "BundID asked"
pauschale waitingroom pause --program eppsg-2023
pauschale waitingroom resume --program eppsg-2023
"""

import getpass

from django.core.management.base import BaseCommand, CommandError

from pauschale.programs.models import Program
from pauschale.programs.waiting_room_spec import MIN_OPERATOR_RATE_PER_S
from pauschale.waitingroom import services
from pauschale.waitingroom.backends.base import rate_problem
from pauschale.waitingroom.display import local_time


class Command(BaseCommand):
    help = "Show the waiting room of a program, set its admission rate, pause or resume it."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "set-rate", "pause", "resume"])
        parser.add_argument("rate", nargs="?", type=float, help="admissions per second")
        parser.add_argument("--program", required=True)
        parser.add_argument("--reason", default="")

    def handle(self, *args, action, rate, program, reason, **options):
        found = Program.objects.filter(slug=program).first()
        if found is None:
            raise CommandError(f"no program {program}")
        if found.spec.waiting_room is None:
            raise CommandError(f"program {program} has no [waiting_room] table")
        actor = f"command:{getpass.getuser()}"

        if action == "set-rate":
            if rate is None:
                raise CommandError("set-rate needs a rate (admissions per second)")
            problem = rate_problem(rate)
            if problem:
                raise CommandError(f"set-rate {rate}: {problem}")
            if rate < MIN_OPERATOR_RATE_PER_S:
                raise CommandError(
                    f"set-rate {rate}: an operator's rate is at least "
                    f"{MIN_OPERATOR_RATE_PER_S} per second (one admission every "
                    f"100 s); to stop admitting, pause"
                )
            services.set_rate(found, rate, actor=actor, reason=reason)
        elif action == "pause":
            services.pause(found, actor=actor, reason=reason)
        elif action == "resume":
            services.resume(found, actor=actor, reason=reason)
        self.stdout.write(describe(found, services.overview(found)))


def describe(program, room: dict) -> str:
    measured = room["measured_rate"]
    error = room["mean_abs_eta_error_s"]
    lines = [
        f"Waiting room of {program.slug}: {'PAUSED' if room['paused'] else 'running'}",
        f"  rate: {room['rate']:.2f}/s (set by operators: {room['target']:.2f}/s; "
        f"measured: {'-' if measured is None else f'{measured:.2f}/s'})",
        f"  waiting: {room['waiting']}, in pre-queues: {room['prequeue']}, "
        f"admissions not yet used: {room['pending']}",
        f"  tickets: {room['tickets']}, admitted: {room['admitted']}, "
        f"highest position: {room['max_position']}",
        f"  mean error of the waits shown: {'-' if error is None else f'{error:.1f} s'}",
        f"  BundID logins in the last {room['window_seconds']} s: "
        f"{room['round_trips']} ({room['failures']} failed)",
    ]
    if room["reason"]:
        at = local_time(room["reason_at"])
        lines.append(
            f"  last change: {at:%Y-%m-%d %H:%M:%S} by {room['actor']}: {room['reason']}"
        )
    return "\n".join(lines)
