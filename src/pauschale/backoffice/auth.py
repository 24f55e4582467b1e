"""Staff login: user name, password and a TOTP code, all three or nothing.

Lockout is our own small counter on ``StaffProfile`` (not django-axes): after
``PAUSCHALE_STAFF_MAX_FAILED_LOGINS`` wrong logins in a row the account takes no
login for ``PAUSCHALE_STAFF_LOCKOUT_SECONDS``, whatever is typed. django-otp
also throttles wrong TOTP codes and refuses a code used once already.

A staff session ends after ``PAUSCHALE_STAFF_IDLE_SECONDS`` without a request
and at the latest ``PAUSCHALE_STAFF_MAX_SESSION_SECONDS`` after login.
"""

import enum
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import auth
from django.db import transaction
from django.db.models import F

import django_otp
from django_otp.plugins.otp_totp.models import TOTPDevice

from pauschale.audit.services import record
from pauschale.common import clock
from pauschale.common.log import get_logger

from .models import StaffProfile

log = get_logger(__name__)

LOGIN_AT = "staff_login_at"
SEEN_AT = "staff_seen_at"
_TOUCH_AFTER = timedelta(seconds=60)


class LoginResult(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"
    """User name, password or code wrong; which one is not said."""
    LOCKED = "locked"


def log_in(request, username: str, password: str, token: str) -> LoginResult:
    """Check all three factors and start the staff session, or count a failure."""
    profile = (
        StaffProfile.objects.select_related("user")
        .filter(user__username=username)
        .first()
    )
    now = clock.now()
    if profile is not None and profile.locked_until and profile.locked_until > now:
        log.info("staff_login_refused", user_id=profile.user_id, reason="locked")
        return LoginResult.LOCKED

    user = auth.authenticate(request, username=username, password=password)
    device = _verified_device(user, token) if user is not None else None
    if profile is None or user is None or device is None or user.pk != profile.user_id:
        return _count_failure(profile, now)

    StaffProfile.objects.filter(pk=profile.pk).update(
        failed_logins=0, locked_until=None
    )
    auth.login(request, user)
    django_otp.login(request, device)
    request.session[LOGIN_AT] = now.isoformat()
    request.session[SEEN_AT] = now.isoformat()
    record(user.username, "staff_login", user, **_scope_of(profile))
    log.info("staff_login", user_id=user.pk, role=profile.role)
    return LoginResult.OK


def _verified_device(user, token: str) -> TOTPDevice | None:
    token = "".join(token.split())
    if not token.isdigit():
        return None
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


@transaction.atomic
def _count_failure(profile: StaffProfile | None, now: datetime) -> LoginResult:
    if profile is None:
        log.info("staff_login_refused", reason="unknown_user")
        return LoginResult.WRONG
    StaffProfile.objects.filter(pk=profile.pk).update(
        failed_logins=F("failed_logins") + 1
    )
    profile.refresh_from_db(fields=["failed_logins"])
    locked = profile.failed_logins >= settings.PAUSCHALE_STAFF_MAX_FAILED_LOGINS
    if locked:
        profile.locked_until = now + timedelta(
            seconds=settings.PAUSCHALE_STAFF_LOCKOUT_SECONDS
        )
        profile.failed_logins = 0
        profile.save(update_fields=["locked_until", "failed_logins"])
    record(
        profile.user.username,
        "staff_login_locked" if locked else "staff_login_failed",
        profile.user,
        **_scope_of(profile),
    )
    log.info("staff_login_refused", user_id=profile.user_id, reason="wrong")
    return LoginResult.LOCKED if locked else LoginResult.WRONG


def _scope_of(profile: StaffProfile) -> dict:
    return {"land": profile.land_id or "", "institution": profile.institution_id}


def log_out(request) -> None:
    user = request.user
    if user.is_authenticated:
        profile = getattr(user, "staff", None)
        scope = _scope_of(profile) if profile else {}
        record(user.username, "staff_logout", user, **scope)
    auth.logout(request)


def session_is_current(request) -> bool:
    """Whether the staff session is within its idle and total limits; touches it."""
    try:
        login_at = datetime.fromisoformat(request.session[LOGIN_AT])
        seen_at = datetime.fromisoformat(request.session[SEEN_AT])
    except (KeyError, ValueError):
        return False
    now = clock.now()
    idle = timedelta(seconds=settings.PAUSCHALE_STAFF_IDLE_SECONDS)
    total = timedelta(seconds=settings.PAUSCHALE_STAFF_MAX_SESSION_SECONDS)
    if now - seen_at > idle or now - login_at > total:
        return False
    if now - seen_at > _TOUCH_AFTER:
        request.session[SEEN_AT] = now.isoformat()
    return True
