"""Dashboards of a Land (its clerks and approvers) and of all Länder (operators)."""

import csv
import io

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from pauschale.common import clock
from pauschale.registry.models import Land

from .. import dashboard, scoping
from ..access import staff_view
from ..forms import DashboardForm
from ..models import LAND_ROLES, Role

dashboard_view = staff_view(*LAND_ROLES, Role.OPERATOR)
TOP_INSTITUTIONS = 25


def _filters(request):
    """The Länder (None: all) and the day the staff member asked for, in scope."""
    allowed = scoping.dashboard_lands(request.staff)
    english = (get_language() or "de").startswith("en")
    choices = None
    if allowed is None:
        choices = [
            (land.code, land.name_en if english else land.name)
            for land in Land.objects.order_by("code")
        ]
    form = DashboardForm(request.GET or None, lands=choices)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    lands = allowed
    if allowed is None and data.get("land"):
        lands = [data["land"]]
    return form, lands, data.get("day") or clock.today()


def _chart(bars, *, unit_cents=False):
    """Bars with their share of the longest, for the SVG."""
    top = max((bar.value for bar in bars), default=0) or 1
    rows = []
    for index, bar in enumerate(bars):
        width = round(360 * bar.value / top, 1)
        y = 4 + index * 24
        rows.append(
            {
                "bar": bar,
                "width": width,
                "y": y,
                "text_y": y + 15,
                "value_x": 196 + width,
                "text": _euros(bar.value) if unit_cents else str(bar.value),
            }
        )
    return rows


def _euros(cents: int) -> str:
    return f"{cents / 100:,.2f} €".replace(",", " ").replace(".", ",")


@dashboard_view
def dashboard_page(request):
    form, lands, day = _filters(request)
    hours = dashboard.applications_per_hour(lands, day)
    outcomes = _labelled_outcomes(dashboard.decisions_by_outcome(lands))
    reasons = dashboard.decisions_by_reason(lands)
    money = _labelled_money(dashboard.money(lands))
    codes = dashboard.codes_per_institution(lands, limit=TOP_INSTITUTIONS)
    context = {
        "form": form,
        "lands": lands,
        "day": day,
        "charts": [
            _section("hours", _("Applications per hour"), _chart(hours)),
            _section("outcomes", _("Decisions by outcome"), _chart(outcomes)),
            _section(
                "reasons",
                _("Reasons of decisions other than approval"),
                _chart(reasons),
            ),
            _section("money", _("Money"), _chart(money, unit_cents=True)),
        ],
        "codes": codes,
        "top": TOP_INSTITUTIONS,
        "query": request.GET.urlencode(),
    }
    return render(request, "backoffice/dashboard.html", context)


def _section(key, title, rows):
    return {"key": key, "title": title, "rows": rows, "height": 8 + 24 * len(rows)}


def _labelled_outcomes(bars):
    labels = {
        "approved": _("approved"),
        "rejected": _("rejected"),
        "referred": _("referred to a clerk"),
    }
    return [type(bar)(bar.key, labels.get(bar.key, bar.key), bar.value) for bar in bars]


def _labelled_money(bars):
    labels = {
        "approved": _("approved"),
        "released": _("released in payment runs"),
        "returned": _("returned or rejected by banks"),
    }
    return [type(bar)(bar.key, labels[bar.key], bar.value) for bar in bars]


DATASETS = ("hours", "outcomes", "reasons", "money", "codes")


@dashboard_view
def dashboard_csv(request, dataset):
    if dataset not in DATASETS:
        raise Http404
    _, lands, day = _filters(request)
    buffer = io.StringIO(newline="")
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    for row in _csv_rows(dataset, lands, day):
        writer.writerow(row)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    scope = "-".join(lands) if lands else "alle"
    name = f"dashboard-{dataset}-{scope}-{day:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv_rows(dataset, lands, day):
    if dataset == "hours":
        yield ["date", "hour", "applications"]
        for bar in dashboard.applications_per_hour(lands, day):
            yield [day.isoformat(), bar.key, bar.value]
    elif dataset == "outcomes":
        yield ["outcome", "decisions"]
        for bar in dashboard.decisions_by_outcome(lands):
            yield [bar.key, bar.value]
    elif dataset == "reasons":
        yield ["reason", "decisions"]
        for bar in dashboard.decisions_by_reason(lands):
            yield [bar.key, bar.value]
    elif dataset == "money":
        yield ["measure", "cents"]
        for bar in dashboard.money(lands):
            yield [bar.key, bar.value]
    else:
        yield ["institution_id", "institution", "land", "issued", "redeemed", "revoked"]
        for row in dashboard.codes_per_institution(lands):
            name = row.name
            if name[:1] in ("=", "+", "-", "@"):
                name = f"'{name}"
            yield [
                row.institution_id,
                name,
                row.land,
                row.issued,
                row.redeemed,
                row.revoked,
            ]
