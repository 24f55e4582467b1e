"""Figures for the dashboards of a Land or of all Länder: counts only.

Every function takes ``lands``: a list of Land codes, or None for all. Nothing
here returns personal data; the views render the figures as SVG bars with a
table beside them, and as CSV.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncHour

from pauschale.applications.models import Application
from pauschale.decisions.models import Decision
from pauschale.decisions.reasons import reason_label
from pauschale.payouts.models import Payment, PaymentRun
from pauschale.registry.models import AccessCode


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: int


def _in_lands(queryset: QuerySet, lands: list[str] | None, field: str = "land_id"):
    return queryset if lands is None else queryset.filter(**{f"{field}__in": lands})


def applications_per_hour(lands: list[str] | None, day: date) -> list[Bar]:
    """Applications submitted in each hour of ``day`` (local time)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    rows = (
        _in_lands(Application.objects.all(), lands)
        .filter(submitted_at__gte=start, submitted_at__lt=end)
        .annotate(hour=TruncHour("submitted_at", tzinfo=zone))
        .values("hour")
        .annotate(count=Count("id"))
    )
    counts = {row["hour"].astimezone(zone).hour: row["count"] for row in rows}
    return [
        Bar(f"{hour:02d}", f"{hour:02d}:00–{hour:02d}:59", counts.get(hour, 0))
        for hour in range(24)
    ]


def decisions_by_outcome(lands: list[str] | None) -> list[Bar]:
    rows = (
        _in_lands(Decision.objects.all(), lands, "application__land_id")
        .values("outcome")
        .annotate(count=Count("id"))
    )
    counts = {row["outcome"]: row["count"] for row in rows}
    return [
        Bar(value, str(label), counts.get(value, 0))
        for value, label in Decision.Outcome.choices
    ]


def decisions_by_reason(lands: list[str] | None) -> list[Bar]:
    """How often each reason stands in a decision that is not an approval.

    Counted in Python over the decisions that are not approvals (a small share);
    the reasons are a JSON list, which SQLite and PostgreSQL unnest differently.
    """
    not_approved = _in_lands(
        Decision.objects.exclude(outcome=Decision.Outcome.APPROVED),
        lands,
        "application__land_id",
    )
    counts: Counter[str] = Counter()
    for reasons in not_approved.values_list("reasons", flat=True).iterator():
        counts.update(reasons)
    return [
        Bar(code, reason_label(code), count) for code, count in counts.most_common()
    ]


def money(lands: list[str] | None) -> list[Bar]:
    """Cents approved, released in runs, and returned or rejected by banks."""
    decided = _in_lands(
        Decision.objects.filter(outcome=Decision.Outcome.APPROVED),
        lands,
        "application__land_id",
    ).aggregate(total=Sum("amount_cents"))
    released = _in_lands(
        PaymentRun.objects.filter(status=PaymentRun.Status.RELEASED), lands
    ).aggregate(total=Sum("total_cents"))
    returned = _in_lands(
        Payment.objects.filter(status__in=Payment.ENDED), lands
    ).aggregate(total=Sum("amount_cents"))
    return [
        Bar("approved", "approved", decided["total"] or 0),
        Bar("released", "released", released["total"] or 0),
        Bar("returned", "returned", returned["total"] or 0),
    ]


@dataclass(frozen=True)
class InstitutionCodes:
    institution_id: int
    name: str
    land: str
    issued: int
    redeemed: int
    revoked: int


def codes_per_institution(
    lands: list[str] | None, *, institution_id: int | None = None, limit: int = 0
) -> list[InstitutionCodes]:
    """Codes issued, redeemed and revoked per institution, most issued first."""
    codes = _in_lands(AccessCode.objects.all(), lands, "institution__land_id")
    if institution_id is not None:
        codes = codes.filter(institution_id=institution_id)
    rows = (
        codes.values("institution_id", "institution__name", "institution__land_id")
        .annotate(
            issued=Count("id"),
            redeemed=Count("id", filter=Q(redeemed_at__isnull=False)),
            revoked=Count("id", filter=Q(revoked_at__isnull=False)),
        )
        .order_by("-issued", "institution_id")
    )
    if limit:
        rows = rows[:limit]
    return [
        InstitutionCodes(
            institution_id=row["institution_id"],
            name=row["institution__name"],
            land=row["institution__land_id"],
            issued=row["issued"],
            redeemed=row["redeemed"],
            revoked=row["revoked"],
        )
        for row in rows
    ]
