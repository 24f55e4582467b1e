"""The waiting room's answers to what other modules report."""

from django.dispatch import receiver

from pauschale.common.log import get_logger
from pauschale.programs.models import Program

from . import services
from .signals import saml_round_trip

log = get_logger(__name__)


@receiver(saml_round_trip, dispatch_uid="waitingroom_saml_round_trip")
def adapt_to_round_trip(sender, outcome, latency=None, program=None, **kwargs):
    if not program:
        return
    found = Program.objects.filter(slug=program).first()
    if found is None:
        return
    try:
        services.report_round_trip(found, outcome == "success", latency)
    except Exception:
        # The login itself must not fail because the room's store is away.
        log.exception("waiting_room_round_trip_not_recorded", program=program)
