"""Staff login: password and TOTP code, lockout, session limits, logout."""

from datetime import timedelta

from django.test import override_settings

import pytest

from pauschale.audit.models import AuditEvent
from pauschale.common import clock

from .staff import current_token, log_in, sign_in

pytestmark = pytest.mark.django_db


def _wrong(token: str) -> str:
    return f"{(int(token) + 1) % 10**6:06d}"


def test_password_and_current_totp_code_log_a_clerk_in(client, clerk_by):
    response = log_in(client, clerk_by)

    assert response.status_code == 302
    page = client.get("/backoffice/applications/")
    assert page.status_code == 200
    assert "clerk-by" in page.content.decode()
    assert AuditEvent.objects.filter(actor="clerk-by", action="staff_login").exists()


def test_a_wrong_totp_code_is_refused(client, clerk_by):
    response = log_in(client, clerk_by, token=_wrong(current_token(clerk_by)))

    assert response.status_code == 200
    assert "nicht korrekt" in response.content.decode()
    assert client.get("/backoffice/applications/").status_code == 302
    assert AuditEvent.objects.filter(action="staff_login_failed").count() == 1


def test_a_code_used_for_a_login_is_refused_the_second_time_and_says_so(
    client, clerk_by
):
    token = current_token(clerk_by)
    assert log_in(client, clerk_by, token=token).status_code == 302
    client.post("/backoffice/logout/")

    response = log_in(client, clerk_by, token=token)

    assert response.status_code == 200
    assert "Ein Sicherheitscode gilt nur einmal" in response.content.decode()
    assert client.get("/backoffice/applications/").status_code == 302


def test_a_wrong_password_with_the_right_code_is_refused(client, clerk_by):
    response = client.post(
        "/backoffice/login/",
        {"username": "clerk-by", "password": "wrong", "token": current_token(clerk_by)},
    )

    assert response.status_code == 200
    assert client.get("/backoffice/applications/").status_code == 302


def test_password_alone_is_not_a_session(client, clerk_by):
    client.force_login(clerk_by)  # as if someone skipped the second factor

    response = client.get("/backoffice/applications/")

    assert response.status_code == 302
    assert response["Location"].startswith("/backoffice/login/")


@override_settings(PAUSCHALE_STAFF_MAX_FAILED_LOGINS=3)
def test_the_account_locks_after_wrong_logins_even_for_the_right_code(client, clerk_by):
    wrong = _wrong(current_token(clerk_by))
    for _ in range(3):
        log_in(client, clerk_by, token=wrong)

    response = log_in(client, clerk_by)

    assert "gesperrt" in response.content.decode()
    assert client.get("/backoffice/applications/").status_code == 302
    assert AuditEvent.objects.filter(action="staff_login_locked").count() == 1


def test_an_idle_session_ends(client, clerk_by):
    sign_in(client, clerk_by)
    assert client.get("/backoffice/applications/").status_code == 200

    clock.set_now(clock.now() + timedelta(minutes=31))

    response = client.get("/backoffice/applications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/backoffice/login/")


def test_logout_ends_the_session_and_is_audited(client, clerk_by):
    sign_in(client, clerk_by)

    client.post("/backoffice/logout/")

    assert client.get("/backoffice/applications/").status_code == 302
    assert AuditEvent.objects.filter(actor="clerk-by", action="staff_logout").exists()


def test_staff_pages_are_not_cached(client, clerk_by):
    sign_in(client, clerk_by)

    response = client.get("/backoffice/applications/")

    assert "no-store" in response["Cache-Control"]


def test_the_login_page_is_german_first_and_english_on_request(client):
    german = client.get("/backoffice/login/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/backoffice/login/").content.decode()

    assert "Anmeldung für Beschäftigte" in german and 'lang="de"' in german
    assert "Staff login" in english and 'lang="en"' in english
