"""The ``[waiting_room]`` table of a program definition.

Launch day of a program: the waiting room admits people to the BundID login at
a rate upstream can bear. Everything here is optional except the initial rate;
a program without the table has no waiting room.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from pauschale.common.lands import LANDS

MAX_ADMISSION_RATE_PER_S = 100_000
"""The highest admission rate a program or an operator may set: far above what
any identity provider bears, low enough to catch a typo (1e9, inf)."""
MIN_OPERATOR_RATE_PER_S = 0.01
"""The lowest rate an operator may set: one admission every 100 seconds. Below
that the waits shown lose all meaning; to stop admitting, operators pause."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AdaptiveRate(_Strict):
    """How the admission rate follows the health of the identity provider.

    Every SAML round trip reports success or failure and its latency. When the
    recent ones are unhealthy the rate is cut at once; when they are healthy it
    climbs back in small steps, never above the rate the operators set.
    """

    window_seconds: int = Field(default=60, ge=5, le=3600)
    """Round trips of this recent span (and since the last change) are judged."""
    min_round_trips: int = Field(default=10, ge=1, le=10_000)
    """Fewer round trips than this say nothing either way."""
    max_failure_ratio: float = Field(default=0.2, gt=0, le=1)
    max_latency_seconds: float = Field(default=60.0, gt=0)
    """Bound of the median time from our AuthnRequest to BundID's answer. It
    includes the person's own time at BundID, so it must be generous."""
    decrease_factor: float = Field(default=0.5, gt=0, lt=1)
    """The rate is multiplied by this when upstream is unhealthy."""
    increase_step: float = Field(default=0.1, gt=0, le=1)
    """Share of the operators' rate added per step while upstream is healthy."""
    step_seconds: int = Field(default=30, ge=1, le=3600)
    """At least this long between two increases."""
    min_rate_per_s: float = Field(default=0.5, gt=0)
    """The rate never falls below this by itself (nor below the operators' rate,
    if that is lower)."""


class TimeSlot(_Strict):
    """A cohort with its own opening time: by Land or by month of birth."""

    opens_at: AwareDatetime
    lands: list[str] = []
    """ISO 3166-2 codes of the Land of the person's institution."""
    birth_months: list[Annotated[int, Field(ge=1, le=12)]] = []

    @model_validator(mode="after")
    def _one_kind(self) -> "TimeSlot":
        if bool(self.lands) == bool(self.birth_months):
            raise ValueError("a slot names either lands or birth_months")
        unknown = sorted(set(self.lands) - set(LANDS))
        if unknown:
            raise ValueError(f"unknown Land code(s) {', '.join(unknown)}")
        return self

    @property
    def kind(self) -> Literal["land", "birth_month"]:
        return "land" if self.lands else "birth_month"

    @property
    def cohorts(self) -> list[str]:
        return list(self.lands) or [f"{month:02d}" for month in self.birth_months]


class WaitingRoomSpec(_Strict):
    admission_rate_per_s: float = Field(gt=0, le=MAX_ADMISSION_RATE_PER_S)
    """Initial admissions per second; operators change it while the room runs."""
    opens_at: AwareDatetime | None = None
    """Before this, arrivals join a pre-queue whose order is drawn at random at
    opening; without it the room is open from the start."""
    burst_seconds: float = Field(default=1.0, gt=0, le=60)
    """Unused admissions are saved up for at most this many seconds of rate."""
    grace_seconds: int = Field(default=120, ge=10, le=3600)
    """A waiting person who stops polling keeps the place this long."""
    token_lifetime_seconds: int = Field(default=300, ge=30, le=3600)
    """An admission must be used to start the login within this time; unused,
    its capacity returns to the room."""
    poll_seconds: int = Field(default=5, ge=1, le=60)
    """How often the waiting page asks for news (JavaScript)."""
    adaptive: AdaptiveRate = AdaptiveRate()
    slots: list[TimeSlot] = []

    @model_validator(mode="after")
    def _consistent(self) -> "WaitingRoomSpec":
        if self.grace_seconds < 3 * self.poll_seconds:
            raise ValueError("grace_seconds must be at least three poll_seconds")
        if len({slot.kind for slot in self.slots}) > 1:
            raise ValueError("all slots must be of one kind (lands or birth_months)")
        seen: set[str] = set()
        for slot in self.slots:
            twice = seen & set(slot.cohorts)
            if twice:
                raise ValueError(f"{', '.join(sorted(twice))} named in two slots")
            seen |= set(slot.cohorts)
        return self

    @property
    def cohort_kind(self) -> Literal["land", "birth_month"] | None:
        """What a visitor is asked before taking a ticket, if anything."""
        return self.slots[0].kind if self.slots else None

    def openings(self) -> dict[str, datetime]:
        """Opening time per cohort; ``""`` is everyone not named in a slot."""
        result = {"": self.opens_at} if self.opens_at else {}
        for slot in self.slots:
            result.update(dict.fromkeys(slot.cohorts, slot.opens_at))
        return result
