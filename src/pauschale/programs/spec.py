"""The schema of a program definition (a TOML file in ``programs/``).

Everything that makes one lump-sum scheme different from another lives here and
in its TOML file; no Python code knows about a particular program.
"""

from datetime import date, timedelta
from decimal import Decimal
from enum import IntEnum
from string import Formatter
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from pauschale.common.lands import LANDS
from pauschale.common.sepa_text import to_sepa_text

from .waiting_room_spec import WaitingRoomSpec


class TrustLevel(IntEnum):
    """Vertrauensniveau of a login, ordered so that higher means stronger."""

    BASIS = 1
    """User name and password, self-registered and unverified (STORK-QAA-Level-1)."""
    SUBSTANTIELL = 3
    """ELSTER certificate (STORK-QAA-Level-3)."""
    HOCH = 4
    """eID card: Personalausweis, eAT or EU card (STORK-QAA-Level-4)."""

    @classmethod
    def from_name(cls, name: str) -> "TrustLevel":
        return cls[name.strip().upper()]


# A pilot may start before the general opening, but not by more than a year.
_PILOT_LIMIT = timedelta(days=366)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class LocalizedText(_Strict):
    de: Text
    en: Text

    def get(self, language: str) -> str:
        return self.en if language.startswith("en") else self.de


class Declaration(_Strict):
    """A statement the applicant must confirm before submitting."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    text: LocalizedText


class TrustPolicy(_Strict):
    pin_required_below: str = "substantiell"
    """Logins below this level must also give the PIN issued with the code."""
    pin_max_attempts: int = Field(default=5, ge=1, le=20)
    """Wrong PINs in a row after which the access code is locked."""

    @field_validator("pin_required_below")
    @classmethod
    def _known_level(cls, value: str) -> str:
        try:
            TrustLevel.from_name(value)
        except KeyError:
            names = ", ".join(level.name.lower() for level in TrustLevel)
            raise ValueError(
                f"unknown trust level {value!r}; use one of {names}"
            ) from None
        return value.lower()

    def needs_pin(self, level: TrustLevel) -> bool:
        return level < TrustLevel.from_name(self.pin_required_below)


class PayerAccount(_Strict):
    """The account of the Land's cash office that the transfers are debited from."""

    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=70)
    ]
    iban: str
    bic: str

    @field_validator("iban")
    @classmethod
    def _valid_iban(cls, value: str) -> str:
        try:
            iban = IBAN(value)
        except SchwiftyException as exc:
            raise ValueError(f"not a valid IBAN: {exc}") from None
        if not iban.in_sepa_zone:
            raise ValueError(
                f"the IBAN's country {iban.country_code} is not in the SEPA area"
            )
        return iban.compact

    @field_validator("bic")
    @classmethod
    def _valid_bic(cls, value: str) -> str:
        try:
            return str(BIC(value))
        except SchwiftyException as exc:
            raise ValueError(f"not a valid BIC: {exc}") from None


class LandSettings(_Strict):
    authority: Text
    """The zuständige Stelle that decides and pays for this Land."""
    start: date | None = None
    """First day of applications in this Land, if it differs from the program's."""
    payer: PayerAccount


class Window(_Strict):
    start: date
    end: date
    """Last day on which an application is accepted (inclusive)."""

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        if self.end < self.start:
            raise ValueError("end lies before start")
        return self


REMITTANCE_PLACEHOLDERS = ("reference",)
"""What ``payment.remittance`` may contain in braces; ``Payment.remittance_text``
fills in exactly these (``reference`` is the payment's EndToEndId)."""
MAX_REMITTANCE_LENGTH = 140
"""SEPA's unstructured remittance text, with the placeholders filled in."""
_LONGEST_VALUES = {"reference": "X" * 35}
"""The longest value of each placeholder: an EndToEndId has at most 35 characters."""


def _remittance_problem(template: str) -> str | None:
    try:
        fields = [
            (name, form, conversion)
            for _, name, form, conversion in Formatter().parse(template)
            if name is not None
        ]
    except ValueError as exc:
        return f"{exc}; write a literal brace twice ({{{{ or }}}})"
    known = ", ".join(f"{{{name}}}" for name in REMITTANCE_PLACEHOLDERS)
    unknown = [
        f"{{{name}}}" for name, _, _ in fields if name not in REMITTANCE_PLACEHOLDERS
    ]
    if unknown:
        return f"unknown placeholder(s) {', '.join(unknown)}; use {known}"
    if any(form or conversion for _, form, conversion in fields):
        return f"write the placeholders as {known}, without a format"
    literal = "".join(text for text, _, _, _ in Formatter().parse(template))
    dropped = sorted(
        {ch for ch in literal if not ch.isspace() and not to_sepa_text(ch, 8)}
    )
    if dropped:
        return (
            f"{' '.join(dropped)} is not in the SEPA character set and would be "
            "dropped from the transfer"
        )
    # As written into the file: ä becomes ae, so the text can grow.
    written = to_sepa_text(
        template.format_map(_LONGEST_VALUES), 10 * MAX_REMITTANCE_LENGTH
    )
    if len(written) > MAX_REMITTANCE_LENGTH:
        return (
            f"the text can reach {len(written)} characters in the SEPA file once "
            f"the placeholders are filled in (an EndToEndId has up to 35, ä is "
            f"written ae); SEPA allows {MAX_REMITTANCE_LENGTH}"
        )
    return None


class Payment(_Strict):
    remittance: Annotated[
        str, StringConstraints(min_length=1, max_length=MAX_REMITTANCE_LENGTH)
    ]
    """Remittance text; ``{reference}`` is replaced by the payment's EndToEndId.
    It names the law because that protects the payment from seizure."""
    end_to_end_prefix: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,8}$")]
    max_transactions_per_file: int = Field(default=100_000, ge=1, le=500_000)
    execution_days_after_run: int = Field(default=1, ge=0, le=30)

    @field_validator("remittance")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        problem = _remittance_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    def remittance_text(self, *, reference: str) -> str:
        """The remittance text of one payment (the values of
        ``REMITTANCE_PLACEHOLDERS`` filled in)."""
        return self.remittance.format_map({"reference": reference})


class Review(_Strict):
    """Which decisions go to a person instead of being taken by the rules."""

    refer: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]] = []
    """Reason codes (``decisions.reasons.ReasonCode``) that refer an application
    to the Land authority's clerk instead of rejecting it, when every reason
    against it is one of these. The decisions module checks the names."""


class ProgramSpec(_Strict):
    slug: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,48}$")]
    title: LocalizedText
    law: Text
    amount_eur: Decimal = Field(gt=0, max_digits=9, decimal_places=2)
    cutoff_date: date
    window: Window
    timezone: str = "Europe/Berlin"
    """The zone whose calendar says on which day an application came in."""
    trust: TrustPolicy = TrustPolicy()
    payment: Payment
    declarations: list[Declaration] = Field(min_length=1)
    lands: dict[str, LandSettings] = Field(min_length=1)
    waiting_room: WaitingRoomSpec | None = None
    """Launch-day waiting room in front of the login; none without the table."""
    review: Review = Review()

    @field_validator("amount_eur", mode="before")
    @classmethod
    def _amount_as_text(cls, value: object) -> object:
        if isinstance(value, float):
            raise ValueError('write the amount as a string, e.g. "200.00", not a float')
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin"
            ) from None
        return value

    @field_validator("lands")
    @classmethod
    def _known_lands(cls, value: dict[str, LandSettings]) -> dict[str, LandSettings]:
        unknown = sorted(set(value) - set(LANDS))
        if unknown:
            raise ValueError(
                f"unknown Land code(s) {', '.join(unknown)}; use ISO 3166-2 codes such as DE-BY"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "ProgramSpec":
        ids = [d.id for d in self.declarations]
        if len(ids) != len(set(ids)):
            raise ValueError("declaration ids must be unique")
        for code, land in self.lands.items():
            if land.start and not (
                self.window.start - _PILOT_LIMIT <= land.start <= self.window.end
            ):
                raise ValueError(
                    f"lands.{code}.start lies outside the application window"
                )
        room = self.waiting_room
        for slot in room.slots if room else []:
            foreign = sorted(set(slot.lands) - set(self.lands))
            if foreign:
                raise ValueError(
                    f"waiting_room.slots: {', '.join(foreign)} not among the lands"
                )
        return self

    @property
    def amount_cents(self) -> int:
        return int(self.amount_eur * 100)

    def land_start(self, land_code: str) -> date:
        land = self.lands[land_code]
        return land.start or self.window.start

    def is_open(self, land_code: str, day: date) -> bool:
        """Whether applications from this Land are accepted on this day."""
        if land_code not in self.lands:
            return False
        return self.land_start(land_code) <= day <= self.window.end
