"""Pages of institution staff: code batches, lists of eligible people, revoking."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from pauschale.registry import delivery as deliveries
from pauschale.registry.eligible import EligibleListError, read_eligible_people
from pauschale.registry.letters import pin_letters_pdf
from pauschale.registry.services import issue_codes, revoke_batch, revoke_code

from .. import scoping
from ..access import staff_view
from ..forms import BatchForm, EligibleListForm, RevokeCodeForm
from ..models import Role

institution_view = staff_view(Role.INSTITUTION)


def _batches(staff):
    return scoping.batches(staff).annotate(
        redeemed=Count("codes", filter=Q(codes__redeemed_at__isnull=False)),
        revoked=Count("codes", filter=Q(codes__revoked_at__isnull=False)),
        with_people=Count("codes", filter=~Q(codes__expected_person_key="")),
    )


@institution_view
def batch_list(request):
    staff = request.staff
    batches = _batches(staff).select_related("delivery").order_by("-created_at")
    context = {
        "batches": batches,
        "revoke_form": RevokeCodeForm(),
        "institution": staff.institution,
    }
    return render(request, "backoffice/batch_list.html", context)


@institution_view
def batch_new(request):
    staff = request.staff
    form = BatchForm(request.POST or None, land=staff.institution.land_id)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            batch, issued = issue_codes(
                form.cleaned_data["program"],
                staff.institution,
                form.cleaned_data["count"],
                with_pins=form.cleaned_data["with_pins"],
                created_by=staff.user.username,
            )
            deliveries.store_delivery(batch, issued)
        message = ngettext(
            "The code has been issued.",
            "The codes have been issued.",
            form.cleaned_data["count"],
        )
        messages.success(request, message)
        return redirect("backoffice:batch", pk=batch.pk)
    return render(request, "backoffice/batch_new.html", {"form": form})


@institution_view
def batch_upload(request):
    staff = request.staff
    form = EligibleListForm(
        request.POST or None, request.FILES or None, land=staff.institution.land_id
    )
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            people = read_eligible_people(upload.name, upload.read())
        except EligibleListError as exc:
            errors = exc.errors
        else:
            batch = _issue_for_people(staff, form.cleaned_data, people)
            count = len(people)
            message = ngettext(
                "%(count)s code has been issued, one per row.",
                "%(count)s codes have been issued, one per row.",
                count,
            )
            messages.success(request, message % {"count": count})
            return redirect("backoffice:batch", pk=batch.pk)
    context = {"form": form, "errors": errors}
    return render(request, "backoffice/batch_upload.html", context)


def _issue_for_people(staff, data, people):
    with transaction.atomic():
        batch, issued = issue_codes(
            data["program"],
            staff.institution,
            len(people),
            with_pins=data["with_pins"],
            created_by=staff.user.username,
            expected_person_keys=[person.person_key for person in people],
        )
        deliveries.store_delivery(batch, issued, people)
    return batch


def _delivery(batch):
    return getattr(batch, "delivery", None)


@institution_view
def batch_detail(request, pk):
    batch = get_object_or_404(_batches(request.staff), pk=pk)
    delivery = _delivery(batch)
    context = {
        "batch": batch,
        "delivery": delivery,
        "csv_available": bool(delivery)
        and deliveries.is_available(delivery, deliveries.CSV),
        "letter_parts": _letter_parts(batch, delivery),
    }
    return render(request, "backoffice/batch_detail.html", context)


def _letter_parts(batch, delivery) -> list[dict]:
    """The PIN letter files still to be downloaded, with the codes they hold."""
    if delivery is None:
        return []
    size, per_part = batch.size, deliveries.LETTERS_PER_PART
    return [
        {"number": n, "first": (n - 1) * per_part + 1, "last": min(n * per_part, size)}
        for n in range(1, deliveries.letter_parts(delivery) + 1)
        if deliveries.is_available(delivery, deliveries.LETTERS, n)
    ]


@institution_view
@require_POST
def batch_download(request, pk, kind, part=1):
    staff = request.staff
    batch = get_object_or_404(scoping.batches(staff), pk=pk)
    delivery = _delivery(batch)
    if delivery is None or kind not in (deliveries.CSV, deliveries.LETTERS):
        return _gone(request, batch)
    try:
        with transaction.atomic():
            codes = deliveries.take(delivery, kind, staff.user.username, part)
            if kind == deliveries.CSV:
                content = deliveries.codes_csv(batch, codes)
            else:
                content = pin_letters_pdf(
                    batch.program,
                    batch,
                    codes,
                    site_url=request.build_absolute_uri("/"),
                )
    except deliveries.DeliveryGone:
        return _gone(request, batch)
    return _attachment(batch, kind, part, content)


def _attachment(batch, kind, part, content: bytes) -> HttpResponse:
    if kind == deliveries.CSV:
        name, media = f"zugangscodes-{batch.pk}.csv", "text/csv; charset=utf-8"
    else:
        name, media = f"pin-briefe-{batch.pk}-teil-{part}.pdf", "application/pdf"
    response = HttpResponse(content, content_type=media)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _gone(request, batch):
    messages.error(
        request,
        _(
            "These codes cannot be downloaded any more. If the file is lost, revoke "
            "the batch and request a new one."
        ),
    )
    return redirect("backoffice:batch", pk=batch.pk)


@institution_view
@require_POST
def batch_destroy_codes(request, pk):
    staff = request.staff
    batch = get_object_or_404(scoping.batches(staff), pk=pk)
    delivery = _delivery(batch)
    if delivery is not None and deliveries.destroy(delivery, staff.user.username):
        messages.success(request, _("The clear codes have been deleted."))
    return redirect("backoffice:batch", pk=batch.pk)


@institution_view
@require_POST
def batch_revoke(request, pk):
    staff = request.staff
    batch = get_object_or_404(scoping.batches(staff), pk=pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Please confirm that the whole batch is revoked."))
        return redirect("backoffice:batch", pk=batch.pk)
    count = revoke_batch(batch, staff.user.username)
    messages.success(
        request, _("%(count)s codes have been revoked.") % {"count": count}
    )
    return redirect("backoffice:batch", pk=batch.pk)


@institution_view
@require_POST
def code_revoke(request):
    staff = request.staff
    form = RevokeCodeForm(request.POST)
    if form.is_valid():
        code = (
            scoping.access_codes(staff)
            .select_related("institution")
            .filter(pk=form.cleaned_data["code_id"])
            .first()
        )
        if code is None:
            form.add_error(
                "code_id", _("Your institution has no code with this number.")
            )
        elif not revoke_code(code, staff.user.username):
            form.add_error("code_id", _("This code was revoked already."))
        else:
            messages.success(
                request,
                _("Code %(id)s has been revoked.") % {"id": code.pk},
            )
            return redirect("backoffice:batches")
    batches = _batches(staff).select_related("delivery").order_by("-created_at")
    context = {
        "batches": batches,
        "revoke_form": form,
        "institution": staff.institution,
    }
    return render(request, "backoffice/batch_list.html", context, status=400)
