"""Pages of the Land authority: applications, referred cases, paper applications."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pauschale.applications.messages import refusal_text
from pauschale.applications.models import Application
from pauschale.applications.services import (
    PaperIdentity,
    PaperRefused,
    submit_paper_application,
)
from pauschale.audit.services import record
from pauschale.decisions.models import Decision
from pauschale.decisions.reasons import reason_text
from pauschale.decisions.services import ReferralError, decide_referral

from .. import scoping
from ..access import staff_view
from ..forms import ApplicationSearchForm, PaperApplicationForm, ReferralDecisionForm
from ..models import LAND_ROLES

land_view = staff_view(*LAND_ROLES)
PAGE_SIZE = 50


def _search(staff, data) -> tuple:
    applications = scoping.applications(staff).select_related("decision")
    if data.get("application_id"):
        applications = applications.filter(pk=data["application_id"])
    if data.get("code_id"):
        applications = applications.filter(access_code_id=data["code_id"])
    if data.get("status"):
        applications = applications.filter(status=data["status"])
    if data.get("channel"):
        applications = applications.filter(channel=data["channel"])
    zone = timezone.get_default_timezone()
    if data.get("submitted_from"):
        start = datetime.combine(data["submitted_from"], time(0), tzinfo=zone)
        applications = applications.filter(submitted_at__gte=start)
    if data.get("submitted_to"):
        end = datetime.combine(
            data["submitted_to"] + timedelta(days=1), time(0), tzinfo=zone
        )
        applications = applications.filter(submitted_at__lt=end)
    return applications.order_by("-submitted_at", "-pk")


@land_view
def application_list(request):
    form = ApplicationSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = Paginator(_search(request.staff, data), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "backoffice/application_list.html", context)


@land_view
def referral_list(request):
    referred = (
        scoping.applications(request.staff)
        .filter(status=Application.Status.REFERRED)
        .select_related("decision")
        .order_by("submitted_at", "pk")
    )
    page = Paginator(referred, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/referral_list.html", {"page": page})


def _application(staff, pk) -> Application:
    return get_object_or_404(
        scoping.applications(staff).select_related("land", "access_code__institution"),
        pk=pk,
    )


@land_view
def application_detail(request, pk):
    staff = request.staff
    application = _application(staff, pk)
    # Reading a person's data is itself an action the audit trail keeps.
    record(
        staff.user.username,
        "application_viewed",
        application,
        land=application.land_id,
    )
    return _render_detail(request, application, ReferralDecisionForm())


def _render_detail(request, application, form, status=200):
    decision = Decision.objects.filter(application=application).first()
    reasons = [
        (code, reason_text(code)) for code in (decision.reasons if decision else [])
    ]
    referral_reasons = [
        (code, reason_text(code))
        for code in (decision.referral_reasons if decision else [])
    ]
    context = {
        "application": application,
        "decision": decision,
        "reasons": reasons,
        "referral_reasons": referral_reasons,
        "payments": application.payments.order_by("attempt", "pk"),
        "iban_masked": _mask(application.iban),
        "form": form,
    }
    return render(request, "backoffice/application_detail.html", context, status=status)


def _mask(iban: str) -> str:
    compact = (iban or "").replace(" ", "")
    return f"{compact[:4]} •••• •••• {compact[-4:]}" if len(compact) > 8 else "••••"


@land_view
@require_POST
def application_decide(request, pk):
    staff = request.staff
    application = _application(staff, pk)
    form = ReferralDecisionForm(request.POST)
    if form.is_valid():
        try:
            decide_referral(
                application,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
                decided_by=staff.user.username,
            )
        except ReferralError as exc:
            if not exc.reasons:  # decided meanwhile, in another tab or by a colleague
                messages.error(
                    request,
                    _(
                        "This application is no longer waiting for a decision; "
                        "nothing was changed. Its decision is shown below."
                    ),
                )
                return redirect("backoffice:application", pk=application.pk)
            texts = [reason_text(code) for code in exc.reasons]
            form.add_error(
                None, " ".join([_("This application cannot be approved.")] + texts)
            )
        else:
            messages.success(request, _("The decision has been recorded."))
            return redirect("backoffice:application", pk=application.pk)
    application.refresh_from_db()
    return _render_detail(request, application, form, status=400)


@land_view
def paper_new(request):
    staff = request.staff
    form = PaperApplicationForm(request.POST or None, land=staff.land_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = submit_paper_application(
                program=data["program"],
                code_text=data["access_code"],
                land=staff.land_id,
                identity=PaperIdentity(
                    family_name=data["family_name"].strip(),
                    given_names=data["given_names"].strip(),
                    birth_date=data["birth_date"],
                ),
                received_on=data["received_on"],
                account_holder=data["account_holder"].strip(),
                iban=data["iban"],
                declarations=form.declaration_ids,
                entered_by=staff.user.username,
            )
        except PaperRefused as refused:
            form.add_error("access_code", _paper_refusal(refused))
        else:
            messages.success(
                request,
                _("Paper application %(id)s has been entered and decided.")
                % {"id": application.pk},
            )
            return redirect("backoffice:application", pk=application.pk)
    context = {"form": form}
    return render(request, "backoffice/paper_new.html", context)


def _paper_refusal(refused: PaperRefused) -> str:
    if refused.reason == "already_submitted":
        return _("An application with this code exists already (number %(id)s).") % {
            "id": refused.application.pk
        }
    if refused.reason == "wrong_land":
        return _("This code was issued in another federal state.")
    return refusal_text(refused.reason)
