"""The create_staff command: role, scope, TOTP URI printed once."""

import io

from django.core.management import CommandError, call_command

import pytest

from pauschale.backoffice.models import StaffProfile

from .staff import current_token

pytestmark = pytest.mark.django_db


def test_a_land_approver_is_created_with_a_totp_device(client):
    out = io.StringIO()

    call_command(
        "create_staff",
        "--username",
        "anna-by",
        "--role",
        "approver",
        "--land",
        "de-by",
        stdout=out,
    )

    text = out.getvalue()
    profile = StaffProfile.objects.select_related("user").get(user__username="anna-by")
    assert (profile.role, profile.land_id, profile.institution_id) == (
        "approver",
        "DE-BY",
        None,
    )
    assert "otpauth://totp/" in text
    password = text.split("password (shown once): ", 1)[1].split()[0]
    response = client.post(
        "/backoffice/login/",
        {
            "username": "anna-by",
            "password": password,
            "token": current_token(profile.user),
        },
    )
    assert response.status_code == 302


def test_an_institution_account_needs_an_institution(uni_by):
    with pytest.raises(CommandError):
        call_command(
            "create_staff",
            "--username",
            "x",
            "--role",
            "institution",
            "--land",
            "DE-BY",
        )

    call_command(
        "create_staff",
        "--username",
        "x",
        "--role",
        "institution",
        "--institution",
        str(uni_by.pk),
        stdout=io.StringIO(),
    )
    assert StaffProfile.objects.get(user__username="x").institution == uni_by


@pytest.mark.parametrize("username", ["clerk-by", "CLERK-BY"])
def test_an_existing_user_is_not_overwritten(clerk_by, username):
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_staff", "--username", username, "--role", "operator")

    assert StaffProfile.objects.count() == 1


def test_an_unknown_land_is_named_with_the_known_ones():
    with pytest.raises(CommandError) as caught:
        call_command(
            "create_staff", "--username", "x", "--role", "clerk", "--land", "DE-XX"
        )

    message = str(caught.value)
    assert message.startswith("unknown Land DE-XX; use one of DE-BW, DE-BY,")
    assert "DE-TH" in message
    assert not StaffProfile.objects.exists()


@pytest.mark.parametrize("institution_id", ["0", "999999", str(2**63)])
def test_an_unknown_institution_is_named(institution_id):
    with pytest.raises(CommandError, match=f"^no institution {institution_id}$"):
        call_command(
            "create_staff",
            "--username",
            "x",
            "--role",
            "institution",
            "--institution",
            institution_id,
        )

    assert not StaffProfile.objects.exists()


@pytest.mark.parametrize(
    ("username", "problem"),
    [
        (
            "a" * 300,
            "--username: Ensure this value has at most 150 characters (it has 300).",
        ),
        ("anna by", "--username: Enter a valid username."),
        ("", "--username: This field cannot be blank."),
        ("clerk-\u0432y", "--username: use only ASCII letters"),  # Cyrillic в
        ("d\u0435v-clerk", "--username: use only ASCII letters"),  # Cyrillic е
    ],
)
def test_a_user_name_that_could_never_log_in_is_refused(username, problem):
    with pytest.raises(CommandError) as refused:
        call_command(
            "create_staff",
            "--username",
            username,
            "--role",
            "operator",
            stdout=io.StringIO(),
        )

    assert str(refused.value).startswith(problem)
    assert not StaffProfile.objects.exists()
