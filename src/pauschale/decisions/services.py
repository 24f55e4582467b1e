"""Taking and recording the decision on a submitted application."""

from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q

from pauschale.applications.models import Application
from pauschale.common import clock
from pauschale.common.log import get_logger
from pauschale.programs.spec import TrustLevel

from .models import Decision
from .reasons import ReasonCode
from .rules import Case, evaluate
from .signals import decision_recorded

log = get_logger(__name__)


def _person_already_approved(application: Application) -> bool:
    same_person = Q(person_key=application.person_key)
    if application.subject_key:
        same_person |= Q(subject_key=application.subject_key)
    return (
        Application.objects.filter(same_person, program=application.program_id)
        .filter(status=Application.Status.APPROVED)
        .exclude(pk=application.pk)
        .exists()
    )


def _matches_institution(application: Application) -> bool | None:
    expected = application.access_code.expected_person_key
    if not expected:
        return None
    return expected == application.person_key


def build_case(application: Application) -> Case:
    spec = application.program.spec
    code = application.access_code
    submitted_on = application.submitted_at.astimezone(ZoneInfo(spec.timezone)).date()
    return Case(
        spec=spec,
        chosen_land=application.land_id,
        code_land=code.institution.land_id,
        code_revoked=code.revoked_at is not None,
        submitted_on=submitted_on,
        trust_level=TrustLevel(application.trust_level),
        pin_verified=application.pin_verified,
        iban=application.iban,
        declarations=frozenset(application.declarations),
        person_already_approved=_person_already_approved(application),
        identity_matches_institution=_matches_institution(application),
    )


def _set_status(application: Application, status: str) -> None:
    Application.objects.filter(pk=application.pk).update(status=status)
    application.status = status


def _approve(application: Application) -> bool:
    """Mark approved; False when the database says the person already has an approval
    (two submissions of the same person that raced past the rule)."""
    try:
        with transaction.atomic():
            _set_status(application, Application.Status.APPROVED)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def decide(application: Application, decided_by: str = "rules") -> Decision:
    """Run the rules on a submitted application, record the decision, hand it on."""
    reasons = evaluate(build_case(application))
    if not reasons and not _approve(application):
        reasons = [ReasonCode.DUPLICATE_PERSON]
    if reasons:
        _set_status(application, Application.Status.REJECTED)

    spec = application.program.spec
    decision = Decision.objects.create(
        application=application,
        outcome=Decision.Outcome.REJECTED if reasons else Decision.Outcome.APPROVED,
        reasons=[str(r) for r in reasons],
        decided_at=clock.now(),
        decided_by=decided_by,
        amount_cents=0 if reasons else spec.amount_cents,
        program_sha256=application.program.source_sha256,
    )
    log.info(
        "decision_recorded",
        application_id=application.pk,
        decision_id=decision.pk,
        land=application.land_id,
        outcome=decision.outcome,
        reasons=decision.reasons,
    )
    decision_recorded.send(sender=Decision, decision=decision)
    return decision
