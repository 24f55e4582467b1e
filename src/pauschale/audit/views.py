"""The audit trail as staff read it: their own scope only, never editable.

audit is the last module in the path, so it may use the back office's scoping.
"""

from datetime import datetime, time, timedelta

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pauschale.backoffice import scoping
from pauschale.backoffice.access import staff_view

from .models import AuditEvent

INPUT = "kern-form-input__input"
PAGE_SIZE = 100


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"class": INPUT}),
    )
    object_id = forms.CharField(
        label=_("Record number"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"class": INPUT}),
    )
    actor = forms.CharField(
        label=_("Staff member or command"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"class": INPUT}),
    )
    day = forms.DateField(
        label=_("Day"),
        required=False,
        widget=forms.DateInput(attrs={"class": INPUT, "type": "date"}),
    )


def _filtered(events, data):
    if data.get("action"):
        events = events.filter(action__startswith=data["action"].strip())
    if data.get("object_id"):
        events = events.filter(object_id=data["object_id"].strip())
    if data.get("actor"):
        events = events.filter(actor=data["actor"].strip())
    if data.get("day"):
        zone = timezone.get_default_timezone()
        start = datetime.combine(data["day"], time(0), tzinfo=zone)
        events = events.filter(at__gte=start, at__lt=start + timedelta(days=1))
    return events


@staff_view()
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    events = _filtered(
        AuditEvent.objects.filter(**scoping.audit_scope(request.staff)), data
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "audit/list.html", context)
