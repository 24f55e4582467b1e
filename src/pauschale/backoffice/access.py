"""The gate of every staff page: logged in with both factors, session current,
role allowed. Views then read records only through ``scoping``."""

from functools import wraps

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.cache import add_never_cache_headers

from .auth import session_is_current
from .models import LAND_ROLES, Role, StaffProfile

# Who may do what with the money of their own Land; the pages and the commands
# (``payment_run``, ``import_bank_file``) both ask these.
PREPARES_RUNS = (Role.CLERK,)
"""Prepare the payment runs of the Land."""
RELEASES_RUNS = (Role.APPROVER,)
"""Release a prepared run of the Land that somebody else prepared."""
CANCELS_RUNS = LAND_ROLES
"""Discard a prepared run of the Land."""
IMPORTS_BANK_FILES = LAND_ROLES
"""Import the bank's files about the Land's payer account."""


def current_staff(request) -> StaffProfile | None:
    """The staff profile of a fully logged-in, current session, else None."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_verified()):
        return None
    profile = StaffProfile.objects.filter(user=user).select_related(
        "user", "land", "institution"
    )
    staff = profile.first()
    if staff is None or not session_is_current(request):
        return None
    return staff


def staff_view(*roles: str):
    """Let in staff of ``roles`` (any role if none given); others get 403, the
    logged-out the login page. Responses are never cached: they hold case data."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            staff = current_staff(request)
            if staff is None:
                if request.user.is_authenticated:
                    logout(request)  # expired or without second factor
                return redirect_to_login(request.get_full_path())
            if roles and staff.role not in roles:
                raise PermissionDenied
            request.staff = staff
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response

        return wrapper

    return decorator
