"""The waiting page, its poll endpoint and the health check. The operators' page
is in the back office (``backoffice.views.operations``).

The waiting page reads the ticket from its signed cookie and asks the room's
backend; it touches neither the session nor the database until the visitor is
admitted, so that people waiting do not load PostgreSQL.
"""

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from pauschale.common.lands import LANDS
from pauschale.programs.models import Program

from . import gate
from .display import local_time, refresh_seconds, wait_text
from .polling import HEADERS, poll_body
from .room import Room
from .tokens import read_ticket, ticket_cookie_name

MONTHS = [
    gettext_lazy("January"),
    gettext_lazy("February"),
    gettext_lazy("March"),
    gettext_lazy("April"),
    gettext_lazy("May"),
    gettext_lazy("June"),
    gettext_lazy("July"),
    gettext_lazy("August"),
    gettext_lazy("September"),
    gettext_lazy("October"),
    gettext_lazy("November"),
    gettext_lazy("December"),
]


def _english() -> bool:
    return (get_language() or "de").startswith("en")


# --- the waiting page ----------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def room(request, slug):
    next_path = gate.local_path(request.GET.get("next"))
    if request.method == "POST":
        return _join(request, slug, next_path)
    held = read_ticket(slug, request.COOKIES.get(ticket_cookie_name(slug)))
    if held is None:
        if gate.check(request, slug)[0]:
            return redirect(next_path)
        return _join(request, slug, next_path)

    waiting_room = Room()
    status = waiting_room.poll(slug, held[0], verbose=True)
    state = status["state"]
    if state == "admitted":
        if gate.admit_ticket(request, slug, *held, room=waiting_room):
            return redirect(next_path)
        state = "lost"
    if state in ("waiting", "prequeue"):
        context = _room_context(request, slug, status, next_path, waiting_room)
        return render(request, "waitingroom/room.html", context)

    context = {
        "state": state,
        "again_url": gate.room_url(slug, next_path, note=state),
    }
    response = render(request, "waitingroom/lost.html", context)
    response.delete_cookie(ticket_cookie_name(slug))
    return response


def _room_context(request, slug, status, next_path, waiting_room) -> dict:
    now = waiting_room.now()
    title = status.get("title_en" if _english() else "title_de") or slug
    return {
        "slug": slug,
        "title": title,
        "status": status,
        "state": status["state"],
        "wait": wait_text(status.get("eta_seconds")),
        "opens_at": local_time(status.get("opens_at")),
        "updated_at": local_time(now),
        "refresh": refresh_seconds(status, now),
        "grace_minutes": max(1, round(float(status.get("grace_seconds", 120)) / 60)),
        "status_url": reverse("waitingroom:status", kwargs={"slug": slug}),
        "self_url": request.get_full_path(),
        "note": request.GET.get("note", ""),
        "next": next_path,
    }


class CohortForm(forms.Form):
    cohort = forms.ChoiceField(
        widget=forms.Select(attrs={"class": "kern-form-input__select"})
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        spec = program.spec.waiting_room
        field = self.fields["cohort"]
        if spec.cohort_kind == "land":
            field.label = _("Federal state of your institution")
            names = {
                code: LANDS[code][1 if _english() else 0] for code in program.spec.lands
            }
            choices = sorted(names.items(), key=lambda item: item[1])
        else:
            field.label = _("Month of your birth")
            choices = [(f"{n:02d}", MONTHS[n - 1]) for n in range(1, 13)]
        field.choices = [("", _("Please choose"))] + choices


def _join(request, slug, next_path):
    """Take a ticket, asking for the cohort first where the program has slots."""
    program = get_object_or_404(Program, slug=slug)
    if program.spec.waiting_room is None:
        return redirect(next_path)
    choices = gate.cohort_choices(program)
    form = CohortForm(request.POST or None, program=program) if choices else None
    if form is not None and not (request.method == "POST" and form.is_valid()):
        return render(
            request, "waitingroom/cohort.html", _cohort_context(program, form)
        )

    cohort = form.cleaned_data["cohort"] if form else ""
    note = request.GET.get("note", "")
    response = gate.join(request, program, cohort, next_path, note=note)
    return response or redirect(next_path)


def _cohort_context(program, form) -> dict:
    spec = program.spec.waiting_room
    english = _english()
    slots = []
    for slot in spec.slots:
        if slot.kind == "land":
            names = [LANDS[code][1 if english else 0] for code in slot.lands]
        else:
            names = [str(MONTHS[month - 1]) for month in slot.birth_months]
        slots.append({"opens_at": slot.opens_at, "names": ", ".join(names)})
    return {
        "program": program,
        "form": form,
        "slots": slots,
        "others_open_at": spec.opens_at,
    }


@never_cache
@require_GET
def status(request, slug):
    """The poll endpoint (the WSGI front answers the same URL in production)."""
    code, body = poll_body(slug, request.COOKIES)
    response = HttpResponse(body, status=code)
    for name, value in HEADERS:
        response[name] = value
    return response


# --- operators -------------------------------------------------------------------------


@require_GET
def healthz(request):
    """Alive and serving; touches neither the database nor the room."""
    response = HttpResponse("ok\n", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response
