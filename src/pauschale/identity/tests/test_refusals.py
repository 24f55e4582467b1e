"""The SP refuses every response it cannot trust, with a 403 page and nothing
stored; the reason reaches the log and the round-trip signal, nothing else."""

import dataclasses
import logging

from django.test import Client

import pytest

from pauschale.identity.devidp.config import load_config
from pauschale.identity.devidp.persons import PRESETS
from pauschale.identity.devidp.protocol import (
    DevIdpServer,
    build_response,
    idp_server,
)
from pauschale.identity.saml_config import sp_metadata_xml
from pauschale.waitingroom.signals import saml_round_trip

from .conftest import (
    choose_person,
    form_fields,
    log_in,
    open_idp_login,
    post_to_acs,
    saml_session,
    session_identity,
    verified_request,
)

ERIKA = PRESETS["hoch"]


@pytest.fixture
def round_trips():
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    saml_round_trip.connect(receiver)
    yield received
    saml_round_trip.disconnect(receiver)


def assert_refused(client, response, round_trips, failure_class):
    assert response.status_code == 403
    assert session_identity(client) is None
    assert "identity_pending" not in saml_session(client)
    assert "_saml2_identities" not in saml_session(client)
    assert round_trips[-1]["outcome"] == "failure"
    assert round_trips[-1]["failure_class"] == failure_class
    # Nothing can complete the refused login afterwards.
    assert client.get("/saml2/complete/").status_code == 403
    assert session_identity(client) is None


def test_unsigned_assertion_is_refused(client, round_trips):
    request, relay_state = verified_request(client)
    xml = build_response(idp_server(), request, ERIKA, sign_assertion=False)

    response = post_to_acs(client, xml, relay_state)

    assert_refused(client, response, round_trips, "signature")


class TamperingServer(DevIdpServer):
    """Changes the given name after the assertion was signed."""

    def _encrypt_assertion(self, encrypt_cert, sp_entity_id, response, node_xpath=None):
        assert ">Erika<" in response
        response = response.replace(">Erika<", ">Eva<")
        return super()._encrypt_assertion(
            encrypt_cert, sp_entity_id, response, node_xpath
        )


def test_tampered_assertion_is_refused(client, round_trips):
    request, relay_state = verified_request(client)
    server = TamperingServer(config=load_config(with_sp_metadata=True))
    xml = build_response(server, request, ERIKA)

    response = post_to_acs(client, xml, relay_state)

    assert_refused(client, response, round_trips, "signature")


def test_response_for_another_audience_is_refused(client, round_trips, settings):
    request, relay_state = verified_request(client)
    other_sp = "https://other-service.example/saml2/metadata"
    config = load_config(with_sp_metadata=True)
    config.metadata.load(
        "inline", sp_metadata_xml().replace(settings.SAML_SP_ENTITY_ID, other_sp)
    )
    to_other_sp = dataclasses.replace(
        request, response_args={**request.response_args, "sp_entity_id": other_sp}
    )
    xml = build_response(DevIdpServer(config=config), to_other_sp, ERIKA)

    response = post_to_acs(client, xml, relay_state)

    assert_refused(client, response, round_trips, "audience")


def test_replayed_response_is_refused(client, round_trips):
    login_page = open_idp_login(client)
    response_page = choose_person(client, login_page, "substantiell")
    form = response_page.find("form", attrs={"data-autosubmit": True})
    fields = form_fields(form)
    assert client.post("/saml2/acs/", fields).status_code == 302
    # Between ACS and completion the SAML session holds our identity only.
    assert "identity_pending" in saml_session(client)
    assert "_saml2_identities" not in saml_session(client)
    client.get("/saml2/complete/")
    client.session.flush()

    response = client.post("/saml2/acs/", fields)

    assert_refused(client, response, round_trips, "unsolicited")


def test_unsolicited_response_is_refused(client, round_trips):
    request, relay_state = verified_request(client)
    xml = build_response(idp_server(), request, ERIKA)
    stranger = Client()

    response = post_to_acs(stranger, xml, relay_state)

    assert_refused(stranger, response, round_trips, "unsolicited")


def test_expired_response_is_refused(client, round_trips, monkeypatch):
    from saml2 import time_util

    request, relay_state = verified_request(client)
    xml = build_response(idp_server(), request, ERIKA)
    ten_minutes_later = time_util.utc_now() + 600
    monkeypatch.setattr(time_util, "utc_now", lambda: ten_minutes_later)

    response = post_to_acs(client, xml, relay_state)

    assert_refused(client, response, round_trips, "expired")


def test_garbage_is_refused(client, round_trips):
    verified_request(client)

    response = client.post("/saml2/acs/", {"SAMLResponse": "bm90IHhtbA=="})

    assert response.status_code == 403
    assert session_identity(client) is None


def test_post_without_saml_response_is_refused(client, round_trips):
    verified_request(client)

    response = client.post("/saml2/acs/", {})

    assert_refused(client, response, round_trips, "invalid")


def test_complete_without_login_is_refused(client):
    response = client.get("/saml2/complete/")

    assert response.status_code == 403
    assert session_identity(client) is None


def test_error_page_is_german_and_english(client):
    german = client.get("/saml2/complete/")
    english = client.get("/saml2/complete/", HTTP_ACCEPT_LANGUAGE="en")

    assert "Anmeldung fehlgeschlagen" in german.content.decode()
    assert "Login failed" in english.content.decode()


def test_logs_carry_no_attribute_values(client, caplog):
    caplog.set_level(logging.DEBUG)
    log_in(client, "hoch")
    identity = session_identity(client)
    request, relay_state = verified_request(client)
    post_to_acs(
        client, build_response(idp_server(), request, ERIKA, False), relay_state
    )

    assert "saml_login_verified" in caplog.text
    assert "saml_login_refused" in caplog.text
    for value in (
        identity.subject,
        identity.given_names,
        identity.family_name,
        identity.birth_date.isoformat(),
        identity.street,
        identity.postal_code,
        identity.city,
    ):
        assert value not in caplog.text
