"""Payment runs (prepare, release by a second person, download) and bank files
(upload, matched and unmatched returns) of a Land, on the payouts services."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pauschale.payouts.bank_files import BankFileError
from pauschale.payouts.models import BankReturn, Payment, PaymentRun
from pauschale.payouts.returns import import_bank_file, returns_to_check
from pauschale.payouts.services import (
    ChecksumMismatch,
    RunRefused,
    cancel_run,
    create_payment_runs,
    open_payment_file,
    release_run,
)

from .. import scoping
from ..access import (
    CANCELS_RUNS,
    IMPORTS_BANK_FILES,
    PREPARES_RUNS,
    RELEASES_RUNS,
    staff_view,
)
from ..forms import BankFileForm, PrepareRunForm
from ..models import LAND_ROLES

land_view = staff_view(*LAND_ROLES)


# --- payment runs ----------------------------------------------------------------


def _open_payments(staff):
    return scoping.payments(staff).filter(status=Payment.Status.OPEN)


@land_view
def run_list(request):
    staff = request.staff
    runs = scoping.payment_runs(staff).order_by("-created_at", "-pk")
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    waiting = _open_payments(staff).aggregate(
        count=Count("id"), total=Sum("amount_cents")
    )
    context = {
        "page": page,
        "waiting": waiting,
        "form": PrepareRunForm(land=staff.land_id),
        "may_prepare": staff.role in PREPARES_RUNS,
    }
    return render(request, "backoffice/run_list.html", context)


@staff_view(*PREPARES_RUNS)
@require_POST
def run_prepare(request):
    staff = request.staff
    form = PrepareRunForm(request.POST, land=staff.land_id)
    if not form.is_valid():
        messages.error(request, _("Please choose a program."))
        return redirect("backoffice:runs")
    runs = create_payment_runs(
        form.cleaned_data["program"],
        lands=[staff.land_id],
        out_dir=settings.PAUSCHALE_PAYMENT_DIR,
        actor=staff.user.username,
    )
    if not runs:
        messages.info(request, _("There are no open payments; no run was prepared."))
        return redirect("backoffice:runs")
    messages.success(
        request,
        _("Payment run %(id)s has been prepared. A second person must release it.")
        % {"id": runs[0].pk},
    )
    return redirect("backoffice:run", pk=runs[0].pk)


@land_view
def run_detail(request, pk):
    staff = request.staff
    run = get_object_or_404(scoping.payment_runs(staff), pk=pk)
    context = {
        "run": run,
        "files": run.files.order_by("sequence"),
        "may_release": staff.role in RELEASES_RUNS
        and run.status == PaymentRun.Status.PREPARED
        and run.created_by != staff.user.username,
        "prepared_by_me": run.created_by == staff.user.username,
    }
    return render(request, "backoffice/run_detail.html", context)


@staff_view(*RELEASES_RUNS)
@require_POST
def run_release(request, pk):
    staff = request.staff
    run = get_object_or_404(scoping.payment_runs(staff), pk=pk)
    try:
        release_run(run, approver=staff.user.username)
    except ChecksumMismatch:
        messages.error(
            request,
            _(
                "The files of this run are no longer the ones that were prepared. "
                "The run was not released; please inform IT security."
            ),
        )
    except RunRefused:
        messages.error(request, _refusal(run, staff))
    else:
        messages.success(request, _("The payment run has been released."))
    return redirect("backoffice:run", pk=run.pk)


def _refusal(run, staff) -> str:
    if run.created_by == staff.user.username:
        return _("You prepared this run; another person must release it.")
    return _("This run cannot be released any more.")


@staff_view(*CANCELS_RUNS)
@require_POST
def run_cancel(request, pk):
    staff = request.staff
    run = get_object_or_404(scoping.payment_runs(staff), pk=pk)
    try:
        cancel_run(run, actor=staff.user.username)
    except RunRefused:
        messages.error(request, _("Only a prepared run can be discarded."))
    else:
        messages.success(
            request,
            _("The run has been discarded; its payments wait for the next run."),
        )
    return redirect("backoffice:run", pk=run.pk)


@land_view
def run_file_download(request, pk):
    staff = request.staff
    payment_file = get_object_or_404(scoping.payment_files(staff), pk=pk)
    try:
        download = open_payment_file(payment_file, actor=staff.user.username)
    except ChecksumMismatch:
        messages.error(
            request,
            _("This file differs from the one prepared and is not handed out."),
        )
        return redirect("backoffice:run", pk=payment_file.run_id)
    except RunRefused:
        messages.error(
            request, _("The files can be downloaded only after the run is released.")
        )
        return redirect("backoffice:run", pk=payment_file.run_id)
    response = FileResponse(
        download.content,
        as_attachment=True,
        filename=download.name,
        content_type="application/xml",
    )
    response["X-Checksum-SHA256"] = download.sha256
    return response


# --- bank files ------------------------------------------------------------------


@staff_view(*IMPORTS_BANK_FILES)
def bank_file_list(request):
    staff = request.staff
    form = BankFileForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_bank_file(
                upload.read(),
                name=upload.name,
                actor=staff.user.username,
                land=staff.land_id,
            )
        except BankFileError as exc:
            problems = exc.problems
        else:
            if result.created:
                messages.success(request, _("The file has been imported."))
            else:
                messages.info(
                    request,
                    _("This file had been imported before; nothing has changed."),
                )
            return redirect("backoffice:bank_file", pk=result.bank_file.pk)
    files = scoping.bank_files(staff).order_by("-imported_at", "-pk")
    context = {
        "form": form,
        "problems": problems,
        "page": Paginator(files, 50).get_page(request.GET.get("page")),
        "to_check": returns_to_check([staff.land_id])[:200],
    }
    status = 400 if problems else 200
    return render(request, "backoffice/bank_file_list.html", context, status=status)


@land_view
def bank_file_detail(request, pk):
    bank_file = get_object_or_404(scoping.bank_files(request.staff), pk=pk)
    entries = bank_file.returns.select_related("payment").order_by("position")
    context = {
        "bank_file": bank_file,
        "applied": [e for e in entries if e.outcome == BankReturn.Outcome.APPLIED],
        "unmatched": [e for e in entries if e.outcome == BankReturn.Outcome.UNMATCHED],
        "flagged": [e for e in entries if e.outcome == BankReturn.Outcome.FLAGGED],
    }
    return render(request, "backoffice/bank_file_detail.html", context)
