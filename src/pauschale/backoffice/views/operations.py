"""The operators' page of a program's waiting room: rate, queue, pause."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pauschale.programs.models import Program
from pauschale.waitingroom import services
from pauschale.waitingroom.display import local_time
from pauschale.waitingroom.forms import RateForm

from ..access import staff_view
from ..models import Role


@staff_view(Role.OPERATOR)
def waiting_rooms(request):
    """The programs with a waiting room; with only one, straight to it."""
    programs = [p for p in Program.objects.order_by("slug") if p.spec.waiting_room]
    if len(programs) == 1:
        return redirect("backoffice:waiting_room", slug=programs[0].slug)
    return render(request, "backoffice/waiting_rooms.html", {"programs": programs})


@staff_view(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def waiting_room(request, slug):
    program = get_object_or_404(Program, slug=slug)
    if program.spec.waiting_room is None:
        raise Http404("no waiting room")
    actor = request.user.get_username()
    action = request.POST.get("action")
    rate_form = RateForm(request.POST if action == "set_rate" else None)

    if action == "set_rate" and rate_form.is_valid():
        services.set_rate(
            program,
            rate_form.cleaned_data["rate"],
            actor=actor,
            reason=rate_form.cleaned_data["reason"],
        )
        messages.success(request, _("The admission rate was changed."))
        return redirect(request.path)
    if action in ("pause", "resume"):
        change = services.pause if action == "pause" else services.resume
        change(program, actor=actor, reason=request.POST.get("reason", "")[:200])
        messages.success(request, _("Done."))
        return redirect(request.path)

    overview = services.overview(program)
    context = {
        "program": program,
        "room": overview,
        "rate_form": rate_form,
        "reason_at": local_time(overview.get("reason_at")),
        "changes": [
            {**change, "at": local_time(change["at"])} for change in overview["changes"]
        ],
        "next_open": local_time(overview.get("next_open")),
    }
    return render(request, "waitingroom/operations.html", context)
