"""The applicant's pages: code entry, PIN, form, status.

Views are thin: they read the session, call one action of ``services`` and
choose the next page.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pauschale.identity.session import clear_identity, get_identity
from pauschale.programs.models import Program
from pauschale.registry.models import AccessCode
from pauschale.waitingroom import gate as waiting_room

from . import corrections, services
from .flow import Flow, end_flow, get_flow, save_flow, start_flow
from .forms import AccountForm, ApplicationForm, PinForm, StartForm
from .messages import refusal_text
from .models import Application


def program_list(request):
    programs = list(Program.objects.order_by("slug"))
    if len(programs) == 1:
        return redirect("applications:start", slug=programs[0].slug)
    return render(request, "applications/program_list.html", {"programs": programs})


def _program(slug: str) -> Program:
    return get_object_or_404(Program, slug=slug)


def _login_url(program: Program) -> str:
    next_url = reverse("applications:continue", kwargs={"slug": program.slug})
    return f"{reverse('identity:login')}?{urlencode({'next': next_url})}"


def start(request, slug):
    program = _program(slug)
    # Everyone passes the waiting room before the code entry and the login.
    wait = waiting_room.enter(request, program, cohort=request.POST.get("land", ""))
    if wait is not None:
        return wait
    form = StartForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        land = form.cleaned_data["land"]
        if waiting_room.cohort_not_open(request, program, land=land):
            return waiting_room.refused(request, "cohort_not_open", program.slug)
        try:
            code = services.check_code_entry(
                program, form.cleaned_data["access_code"], form.cleaned_data["land"]
            )
        except services.EntryRefused as refused:
            form.add_error(None, refusal_text(refused.reason))
        else:
            clear_identity(request)
            start_flow(request, Flow(program.slug, code.pk, form.cleaned_data["land"]))
            return HttpResponseRedirect(_login_url(program))
    return render(
        request, "applications/start.html", {"program": program, "form": form}
    )


def _flow_and_identity(request, program):
    """The session's flow and identity, or a redirect back to the start."""
    flow = get_flow(request, program.slug)
    identity = get_identity(request)
    if flow is None or identity is None:
        return None, None, redirect("applications:start", slug=program.slug)
    return flow, identity, None


def continue_after_login(request, slug):
    """Where the login returns to: choose PIN, form or status."""
    program = _program(slug)
    flow, identity, back = _flow_and_identity(request, program)
    if back:
        return back
    if waiting_room.cohort_not_open(request, program, birth_date=identity.birth_date):
        return waiting_room.refused(request, "cohort_not_open", program.slug)

    application = Application.objects.filter(access_code_id=flow.access_code_id).first()
    if application is not None:
        if services.is_same_person(application, identity):
            return redirect("applications:status", slug=slug)
        return _refused(
            request, program, services.refuse(program, "other_person", flow.land)
        )

    if services.needs_pin(program, identity) and not flow.pin_verified:
        code = AccessCode.objects.get(pk=flow.access_code_id)
        if not code.has_pin:
            refused = services.refuse(program, "pin_not_issued", flow.land)
            return _refused(request, program, refused)
        return redirect("applications:pin", slug=slug)
    return redirect("applications:form", slug=slug)


def _refused(request, program, refused: services.EntryRefused):
    context = {
        "program": program,
        "message": refusal_text(refused.reason),
        "reason": refused.reason,
    }
    return render(request, "applications/refused.html", context, status=403)


def pin(request, slug):
    program = _program(slug)
    flow, identity, back = _flow_and_identity(request, program)
    if back:
        return back
    form = PinForm(request.POST or None)
    if request.method == "POST" and form.has_error("pin", "required"):
        # Counted like the other refusals, but costs no PIN attempt.
        services.refuse(program, "pin_missing", flow.land)
    if request.method == "POST" and form.is_valid():
        code = AccessCode.objects.select_related("institution").get(
            pk=flow.access_code_id
        )
        try:
            services.check_pin(program, code, form.cleaned_data["pin"])
        except services.EntryRefused as refused:
            if refused.reason == "pin_locked":
                return _refused(request, program, refused)
            form.add_error("pin", refusal_text(refused.reason, refused.attempts_left))
        else:
            flow.pin_verified = True
            save_flow(request, flow)
            return redirect("applications:form", slug=slug)
    return render(request, "applications/pin.html", {"program": program, "form": form})


def application_form(request, slug):
    program = _program(slug)
    flow, identity, back = _flow_and_identity(request, program)
    if back:
        return back
    if services.needs_pin(program, identity) and not flow.pin_verified:
        return redirect("applications:continue", slug=slug)

    if request.method == "POST":
        admission, reason = waiting_room.check(request, slug, at_submission=True)
        if admission is None:
            return waiting_room.refused(request, reason, slug)

    initial = {"account_holder": f"{identity.given_names} {identity.family_name}"}
    form = ApplicationForm(request.POST or None, program=program, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_application(
                program=program,
                access_code_id=flow.access_code_id,
                land=flow.land,
                identity=identity,
                pin_verified=flow.pin_verified,
                account_holder=form.cleaned_data["account_holder"],
                iban=form.cleaned_data["iban"],
                declarations=form.confirmed_declarations(),
            )
        except services.AlreadySubmitted:
            pass
        return redirect("applications:status", slug=slug)
    context = {"program": program, "form": form, "identity": identity}
    return render(request, "applications/form.html", context)


def status(request, slug):
    program = _program(slug)
    flow, identity, back = _flow_and_identity(request, program)
    if back:
        return back
    application = (
        Application.objects.select_related("decision", "land")
        .filter(access_code_id=flow.access_code_id)
        .first()
    )
    if application is None:
        return redirect("applications:continue", slug=slug)
    if not services.is_same_person(application, identity):
        return _refused(
            request, program, services.refuse(program, "other_person", flow.land)
        )
    account_form = None
    if corrections.payment_to_correct(application) is not None:
        account_form = AccountForm(request.POST or None)
        if request.method == "POST" and account_form.is_valid():
            return _correct_account(request, program, application, account_form)
    decision = getattr(application, "decision", None)
    if decision is not None and decision.outcome == "referred":
        # The rules referred it to a clerk of the Land authority: the case is
        # still open, so there is no decision to show yet.
        decision = None
    context = {
        "program": program,
        "application": application,
        "decision": decision,
        "referred": application.status == Application.Status.REFERRED,
        "automatic": decision is not None and decision.decided_by == "rules",
        "payment": application.payments.order_by("-pk").first(),
        "account_form": account_form,
    }
    return render(request, "applications/status.html", context)


def _correct_account(request, program, application, form):
    try:
        corrections.correct_account(
            application,
            account_holder=form.cleaned_data["account_holder"],
            iban=form.cleaned_data["iban"],
        )
    except corrections.CorrectionRefused:
        messages.error(
            request,
            _(
                "Your corrected bank account could not be taken. Please check the status below."
            ),
        )
    else:
        messages.success(
            request,
            _(
                "Thank you. Your corrected bank account has been saved; the payment will be made again with the next payment run."
            ),
        )
    return redirect("applications:status", slug=program.slug)


@require_POST
def logout(request, slug):
    program = _program(slug)
    end_flow(request)
    clear_identity(request)
    request.session.flush()
    return redirect("applications:start", slug=program.slug)
