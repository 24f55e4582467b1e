"""Who runs a back-office command: the staff member named by ``--by``.

The commands that move money answer to the same rules as the pages
(``access``): a role allowed to do it, and the Land of the records. The shell
has no login; ``--by`` names the person, and the audit trail records them.
"""

from django.core.management.base import CommandError

from pauschale.common.lands import LANDS

from ..models import StaffProfile


def staff_member(username: str | None, roles: tuple[str, ...], action: str):
    """The staff profile of the active user ``username`` if its role is one of
    ``roles``; else CommandError naming ``--by`` and what is missing. ``action``
    completes "may not ...", e.g. "release a payment run"."""
    if not username:
        raise CommandError(f"give --by USER: the staff member who is to {action}")
    staff = (
        StaffProfile.objects.filter(user__username=username, user__is_active=True)
        .select_related("user")
        .first()
    )
    if staff is None:
        raise CommandError(f"--by {username}: no active staff user of that name")
    if staff.role not in roles:
        raise CommandError(
            f"--by {username}: the role {staff.role} may not {action}; "
            f"that needs the role {' or '.join(roles)} of the Land"
        )
    return staff


def require_land(staff: StaffProfile, land: str, what: str) -> None:
    """CommandError unless ``land`` (of ``what``, e.g. "payment run 2") is a
    known Land and the staff member's own."""
    if land not in LANDS:
        raise CommandError(f"unknown Land {land}; use one of {', '.join(LANDS)}")
    if land != staff.land_id:
        raise CommandError(
            f"--by {staff.user.username} is {staff.role} of {staff.land_id}, "
            f"not of {land} ({what})"
        )
