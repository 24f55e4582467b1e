from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from ..access import current_staff, staff_view
from ..auth import LoginResult, log_in, log_out
from ..forms import LoginForm
from ..models import Role

HOME_OF_ROLE = {
    Role.INSTITUTION: "backoffice:batches",
    Role.CLERK: "backoffice:applications",
    Role.APPROVER: "backoffice:applications",
    Role.OPERATOR: "backoffice:dashboard",
}


@never_cache
@csrf_protect
def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if current_staff(request) is not None:
        return redirect(next_url or "backoffice:home")

    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = log_in(
            request,
            form.cleaned_data["username"],
            form.cleaned_data["password"],
            form.cleaned_data["token"],
        )
        if result == LoginResult.OK:
            return redirect(next_url or "backoffice:home")
        if result == LoginResult.LOCKED:
            minutes = settings.PAUSCHALE_STAFF_LOCKOUT_SECONDS // 60
            form.add_error(
                None,
                _(
                    "Too many failed logins. This account is locked for %(minutes)s "
                    "minutes."
                )
                % {"minutes": minutes},
            )
        else:
            form.add_error(
                None,
                _(
                    "User name, password or security code is not correct. A security "
                    "code is accepted only once: if you have just logged in with it, "
                    "wait for the next one."
                ),
            )
    return render(request, "backoffice/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request):
    log_out(request)
    return redirect("backoffice:login")


@staff_view()
def home(request):
    return redirect(HOME_OF_ROLE[request.staff.role])
