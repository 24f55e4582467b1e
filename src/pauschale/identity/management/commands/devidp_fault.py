"""Make the development IdP fail or slow down, or heal it again."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pauschale.identity.devidp import faults


class Command(BaseCommand):
    help = (
        "Let the development IdP answer a share of logins with SAML status "
        "Responder and/or delay every answer; --off heals it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fail-ratio", type=float, default=0.0)
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument("--off", action="store_true")

    def handle(self, *args, fail_ratio, latency_ms, off, **options):
        if not settings.PAUSCHALE_DEV_IDP:
            raise CommandError("the development IdP is not switched on here")
        if off:
            faults.clear()
            self.stdout.write("Development IdP: no faults.")
            return
        try:
            fault = faults.set_fault(fail_ratio, latency_ms)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Development IdP: {fault.fail_ratio:.0%} of logins fail, "
            f"{fault.latency_ms} ms delay."
        )
