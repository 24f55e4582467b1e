from datetime import date

import pytest

from pauschale.identity.session import VerifiedIdentity
from pauschale.programs.spec import TrustLevel
from pauschale.waitingroom.signals import saml_round_trip

from .conftest import log_in, saml_session, session_identity


@pytest.mark.parametrize(
    ("preset", "level", "given_names", "family_name"),
    [
        ("basis", TrustLevel.BASIS, "Jörg", "Übelhör"),
        ("substantiell", TrustLevel.SUBSTANTIELL, "Anna-Lena", "Weißmüller"),
        ("hoch", TrustLevel.HOCH, "Erika", "Mustermann"),
    ],
)
def test_round_trip_stores_identity_with_trust_level(
    client, preset, level, given_names, family_name
):
    response = log_in(client, preset, next_path="/antrag/form/")

    assert response.status_code == 302
    assert response["Location"] == "/antrag/form/"
    identity = session_identity(client)
    assert identity.trust_level is level
    assert identity.given_names == given_names
    assert identity.family_name == family_name
    assert isinstance(identity.birth_date, date)
    assert identity.country == "DE"
    assert len(identity.subject) == 44  # base64 of 32 bytes


def test_custom_person_arrives_with_every_attribute(client):
    log_in(
        client,
        username="max.kuehn",
        given_names="Maximilian Jürgen",
        family_name="Kühn-Öztürk",
        birth_date="2004-02-29",
        street="Ährenweg 7a",
        postal_code="01067",
        city="Dresden",
        trust_level="3",
    )

    identity = session_identity(client)
    assert identity.given_names == "Maximilian Jürgen"
    assert identity.family_name == "Kühn-Öztürk"
    assert identity.birth_date == date(2004, 2, 29)
    assert (identity.street, identity.postal_code, identity.city) == (
        "Ährenweg 7a",
        "01067",
        "Dresden",
    )
    assert identity.trust_level is TrustLevel.SUBSTANTIELL


def test_custom_person_without_address_logs_in(client):
    log_in(
        client,
        username="ohne.adresse",
        given_names="Lene",
        family_name="Öhm",
        birth_date="2000-01-01",
        trust_level="1",
    )

    identity = session_identity(client)
    assert identity.street == ""
    assert identity.trust_level is TrustLevel.BASIS


def test_same_user_name_gets_same_bpk2(client, django_user_model):
    person = {
        "given_names": "Till",
        "family_name": "Bärwald",
        "birth_date": "2001-06-01",
        "trust_level": "4",
    }
    log_in(client, username="till.baerwald", **person)
    first = session_identity(client).subject
    client.logout()
    log_in(client, username="till.baerwald", **person)
    second = session_identity(client).subject
    log_in(client, username="till.baerwald2", **person)
    other = session_identity(client).subject

    assert first == second
    assert other != first


def test_login_sends_round_trip_signal_with_latency(client):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    saml_round_trip.connect(receiver)
    try:
        log_in(client)
    finally:
        saml_round_trip.disconnect(receiver)

    assert len(received) == 1
    assert received[0]["outcome"] == "success"
    assert received[0]["failure_class"] is None
    assert 0 <= received[0]["latency"] < 60


def test_next_must_be_a_local_path(client):
    response = log_in(client, next_path="https://evil.example/")

    assert response["Location"] == "/"


def test_no_django_user_is_created_and_the_saml_session_is_emptied(
    client, django_user_model
):
    log_in(client)

    assert django_user_model.objects.count() == 0
    assert "_auth_user_id" not in client.session
    assert saml_session(client) == {}


def test_repr_reveals_no_personal_data(client):
    log_in(client, "hoch")
    identity = session_identity(client)

    text = repr(identity) + str(identity)
    for value in ("Erika", "Mustermann", identity.subject, "2002", "Köln", "51147"):
        assert value not in text
    assert "HOCH" in text


def test_identity_survives_the_session_round_trip():
    identity = VerifiedIdentity(
        subject="abc",
        given_names="Ute",
        family_name="Ödegaard",
        birth_date=date(1999, 12, 31),
        trust_level=TrustLevel.SUBSTANTIELL,
        street="",
        postal_code="",
        city="",
        country="DE",
        authenticated_at=__import__("datetime").datetime(2023, 3, 20, 9, 0),
    )

    assert VerifiedIdentity.from_dict(identity.to_dict()) == identity
