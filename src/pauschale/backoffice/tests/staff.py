"""Invented staff for the back-office tests, and ways to log them in."""

from django.contrib.auth import get_user_model

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from pauschale.backoffice.auth import LOGIN_AT, SEEN_AT
from pauschale.backoffice.models import StaffProfile
from pauschale.common import clock

PASSWORD = "correct-horse-battery-staple-42"


def make_staff(username: str, role: str, *, land=None, institution=None):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    StaffProfile.objects.create(
        user=user, role=role, land_id=land, institution=institution
    )
    TOTPDevice.objects.create(user=user, name="staff", confirmed=True)
    return user


def device_of(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user)


def current_token(user) -> str:
    device = device_of(user)
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"


def log_in(client, user, *, token: str | None = None):
    """The real login form: user name, password, TOTP code."""
    return client.post(
        "/backoffice/login/",
        {
            "username": user.username,
            "password": PASSWORD,
            "token": token or current_token(user),
        },
    )


def sign_in(client, user) -> None:
    """A session as after a successful login, without spending a TOTP code."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device_of(user).persistent_id
    now = clock.now().isoformat()
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    session.save()
