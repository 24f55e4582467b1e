"""Domain actions of the applicant's path: entering a code, the PIN, submitting."""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction

from pauschale.audit.services import record
from pauschale.common import clock
from pauschale.common.hashing import keyed_hash, person_key
from pauschale.common.log import get_logger
from pauschale.programs.models import Program
from pauschale.programs.spec import TrustLevel
from pauschale.registry.models import AccessCode
from pauschale.registry.services import PinResult, find_code, verify_pin

from .models import Application, EntryRefusal
from .signals import application_submitted

log = get_logger(__name__)
Reason = EntryRefusal.Reason


class EntryRefused(Exception):
    """The applicant cannot go on; ``reason`` says why. Carries no input values."""

    def __init__(self, reason: str, attempts_left: int | None = None):
        self.reason = reason
        self.attempts_left = attempts_left
        super().__init__(reason)


class AlreadySubmitted(Exception):
    def __init__(self, application: Application):
        self.application = application
        super().__init__(f"application {application.pk} exists")


def refuse(
    program: Program, reason: str, land: str | None = None, **extra
) -> EntryRefused:
    EntryRefusal.objects.create(
        program=program, land_id=land, reason=reason, at=clock.now()
    )
    log.info("entry_refused", program=program.slug, land=land, reason=reason)
    return EntryRefused(reason, **extra)


def check_code_entry(program: Program, code_text: str, land: str) -> AccessCode:
    """The access code for this text and Land, or EntryRefused.

    A code that was already used is let through: its holder may look at the status.
    """
    code = find_code(program, code_text, include_revoked=True)
    if code is None:
        raise refuse(program, Reason.UNKNOWN_CODE, land)
    if code.revoked_at is not None:
        raise refuse(program, Reason.CODE_REVOKED, land)
    if code.institution.land_id != land:
        raise refuse(program, Reason.WRONG_LAND, land)
    if code.redeemed_at is None and not program.spec.is_open(land, clock.today()):
        raise refuse(program, Reason.WINDOW_CLOSED, land)
    return code


def identity_keys(identity) -> tuple[str, str]:
    """(subject key, person key) of a verified identity."""
    subject = keyed_hash("subject", identity.subject) if identity.subject else ""
    person = person_key(identity.family_name, identity.given_names, identity.birth_date)
    return subject, person


def is_same_person(application: Application, identity) -> bool:
    subject, person = identity_keys(identity)
    if subject and application.subject_key:
        return subject == application.subject_key
    return person == application.person_key


def check_pin(program: Program, code: AccessCode, pin: str) -> None:
    """Accept the PIN or raise EntryRefused (wrong, locked, missing)."""
    land = code.institution.land_id
    if not pin.strip():
        raise refuse(program, Reason.PIN_MISSING, land)
    max_attempts = program.spec.trust.pin_max_attempts
    result = verify_pin(code, pin.strip(), max_attempts)
    if result == PinResult.OK:
        return
    if result == PinResult.LOCKED:
        raise refuse(program, Reason.PIN_LOCKED, land)
    code.refresh_from_db(fields=["pin_failures"])
    raise refuse(
        program, Reason.PIN_WRONG, land, attempts_left=max_attempts - code.pin_failures
    )


def needs_pin(program: Program, identity) -> bool:
    return program.spec.trust.needs_pin(TrustLevel(identity.trust_level))


@transaction.atomic
def submit_application(
    *,
    program: Program,
    access_code_id: int,
    land: str,
    identity,
    pin_verified: bool,
    account_holder: str,
    iban: str,
    declarations: list[str],
    channel: str = Application.Channel.ONLINE,
    submitted_at: datetime | None = None,
) -> Application:
    """Store the application, redeem its code and have it decided, in one transaction.

    ``submitted_at`` is the time of receipt where it is not now (paper).
    """
    code = AccessCode.objects.select_for_update().get(pk=access_code_id)
    existing = Application.objects.filter(access_code=code).first()
    if existing is not None:
        raise AlreadySubmitted(existing)

    now = clock.now()
    subject, person = identity_keys(identity)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                program=program,
                access_code=code,
                land_id=land,
                channel=channel,
                submitted_at=submitted_at or now,
                subject_key=subject,
                person_key=person,
                trust_level=int(identity.trust_level),
                pin_verified=pin_verified,
                given_names=identity.given_names,
                family_name=identity.family_name,
                birth_date=identity.birth_date,
                account_holder=account_holder,
                iban=iban,
                declarations=sorted(declarations),
            )
    except IntegrityError:
        raise AlreadySubmitted(Application.objects.get(access_code=code)) from None
    AccessCode.objects.filter(pk=code.pk).update(redeemed_at=now)

    log.info(
        "application_submitted",
        application_id=application.pk,
        land=land,
        program=program.slug,
        channel=channel,
    )
    application_submitted.send(sender=Application, application=application)
    application.refresh_from_db(fields=["status"])
    return application


# --- paper applications ----------------------------------------------------------


@dataclass(frozen=True)
class PaperIdentity:
    """A person whose identity a clerk checked in person against an ID document.

    Counts as trust level "hoch": the check is at least as strong as the eID. No
    BundID account, so no subject; the person key alone finds the same person's
    online application.
    """

    family_name: str = field(repr=False)
    given_names: str = field(repr=False)
    birth_date: date = field(repr=False)
    subject: str = ""
    trust_level: int = TrustLevel.HOCH


class PaperRefused(Exception):
    """The paper application cannot be entered; ``reason`` is an EntryRefusal reason
    or ``already_submitted``. Carries no input values."""

    def __init__(self, reason: str, application: Application | None = None):
        self.reason = reason
        self.application = application
        super().__init__(reason)


def submit_paper_application(
    *,
    program: Program,
    code_text: str,
    land: str,
    identity: PaperIdentity,
    received_on: date,
    account_holder: str,
    iban: str,
    declarations: list[str],
    entered_by: str,
) -> Application:
    """Enter an application received by post; it then runs the online path's rules
    and payment path, with channel ``paper``.

    The code must be one of ``land``'s (the clerk's Land). The day of receipt
    counts for the application window, as the postmark would.
    """
    code = find_code(program, code_text, include_revoked=True)
    if code is None:
        raise PaperRefused(Reason.UNKNOWN_CODE)
    if code.institution.land_id != land:
        raise PaperRefused(Reason.WRONG_LAND)
    if code.revoked_at is not None:
        raise PaperRefused(Reason.CODE_REVOKED)
    existing = Application.objects.filter(access_code=code).first()
    if existing is not None:
        raise PaperRefused("already_submitted", existing)

    with transaction.atomic():
        try:
            application = submit_application(
                program=program,
                access_code_id=code.pk,
                land=land,
                identity=identity,
                pin_verified=False,
                account_holder=account_holder,
                iban=iban,
                declarations=declarations,
                channel=Application.Channel.PAPER,
                submitted_at=_receipt_time(program, received_on),
            )
        except AlreadySubmitted as exc:
            raise PaperRefused("already_submitted", exc.application) from None
        record(
            entered_by,
            "paper_application_entered",
            application,
            land=land,
            access_code_id=code.pk,
            received_on=received_on.isoformat(),
            status=application.status,
        )
    return application


def _receipt_time(program: Program, received_on: date) -> datetime:
    """Now if received today, else noon of the day of receipt in the program's zone."""
    now = clock.now()
    zone = ZoneInfo(program.spec.timezone)
    if received_on >= now.astimezone(zone).date():
        return now
    return datetime.combine(received_on, time(12, 0), tzinfo=zone)
