"""Taking and recording the decision on a submitted application."""

from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q

from pauschale.applications.models import Application
from pauschale.audit.services import record
from pauschale.common import clock
from pauschale.common.log import get_logger
from pauschale.programs.spec import ProgramSpec, TrustLevel

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


def referral_problems(spec: ProgramSpec) -> list[str]:
    """What is wrong with the program's ``review.refer``: names that are no
    reason code, as ``key: problem`` (empty if nothing)."""
    known = [reason.value for reason in ReasonCode]
    unknown = [name for name in spec.review.refer if name not in known]
    if not unknown:
        return []
    return [
        f"review.refer: unknown reason code(s) {', '.join(unknown)}; "
        f"use one of {', '.join(known)}"
    ]


def referable_reasons(spec: ProgramSpec) -> frozenset[ReasonCode]:
    """The reasons that refer an application to a clerk (program TOML ``review``).

    Raises ValueError for a name that is no reason code.
    """
    problems = referral_problems(spec)
    if problems:
        raise ValueError("; ".join(problems))
    return frozenset(ReasonCode(name) for name in spec.review.refer)


def _outcome(spec: ProgramSpec, reasons: list[ReasonCode]) -> str:
    if not reasons:
        return Decision.Outcome.APPROVED
    if set(reasons) <= referable_reasons(spec):
        return Decision.Outcome.REFERRED
    return Decision.Outcome.REJECTED


_STATUS_OF = {
    Decision.Outcome.REJECTED: Application.Status.REJECTED,
    Decision.Outcome.REFERRED: Application.Status.REFERRED,
}


@transaction.atomic
def decide(application: Application, decided_by: str = "rules") -> Decision:
    """Run the rules on a submitted application, record the decision, hand it on.

    An application against which the rules found only reasons that the program
    refers to a person is recorded as ``referred``; ``decide_referral`` ends it.
    """
    spec = application.program.spec
    reasons = evaluate(build_case(application))
    if not reasons and not _approve(application):
        reasons = [ReasonCode.DUPLICATE_PERSON]
    outcome = _outcome(spec, reasons)
    if outcome != Decision.Outcome.APPROVED:
        _set_status(application, _STATUS_OF[outcome])

    decision = Decision.objects.create(
        application=application,
        outcome=outcome,
        reasons=[str(r) for r in reasons],
        decided_at=clock.now(),
        decided_by=decided_by,
        amount_cents=spec.amount_cents if outcome == Decision.Outcome.APPROVED else 0,
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


class ReferralError(Exception):
    """A referred application cannot be decided as asked; ``reasons`` say why."""

    def __init__(self, message: str, reasons: list[str] | None = None):
        self.reasons = reasons or []
        super().__init__(message)


@transaction.atomic
def decide_referral(
    application: Application, *, approve: bool, note: str, decided_by: str
) -> Decision:
    """A clerk's decision on a referred application, with the clerk's reasoning.

    Approving runs the rules again: a reason that the program does not refer
    (the person was approved meanwhile under another code, say) still forbids
    it. The decision is then handed on like an automatic one, so an approval
    gets its payment.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    decision = Decision.objects.select_for_update().get(application=application)
    if decision.outcome != Decision.Outcome.REFERRED:
        raise ReferralError(f"application {application.pk} is not referred")
    if not note.strip():
        raise ReferralError("a clerk's decision needs a note")

    spec = application.program.spec
    referred = list(decision.reasons)
    if approve:
        _check_nothing_but_referable(application, spec)
        if not _approve(application):
            raise ReferralError(
                "the person has an approved application already",
                [ReasonCode.DUPLICATE_PERSON],
            )
    else:
        _set_status(application, Application.Status.REJECTED)

    decision.outcome = (
        Decision.Outcome.APPROVED if approve else Decision.Outcome.REJECTED
    )
    decision.reasons = [] if approve else referred
    decision.referral_reasons = referred
    decision.note = note.strip()
    decision.decided_at = clock.now()
    decision.decided_by = decided_by
    decision.amount_cents = spec.amount_cents if approve else 0
    decision.save()

    record(
        decided_by,
        "referral_decided",
        application,
        land=application.land_id,
        decision_id=decision.pk,
        outcome=decision.outcome,
        referral_reasons=referred,
    )
    log.info(
        "referral_decided",
        application_id=application.pk,
        decision_id=decision.pk,
        land=application.land_id,
        outcome=decision.outcome,
    )
    decision_recorded.send(sender=Decision, decision=decision)
    return decision


def _check_nothing_but_referable(application: Application, spec: ProgramSpec) -> None:
    reasons = evaluate(build_case(application))
    hard = [str(r) for r in reasons if r not in referable_reasons(spec)]
    if hard:
        raise ReferralError("rules forbid an approval", hard)
