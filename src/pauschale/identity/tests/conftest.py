"""Fixtures and helpers for the identity tests: a whole browser round trip
through the development IdP, driven by Django's test client."""

import base64
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup

from pauschale.identity.session import SESSION_KEY, VerifiedIdentity
from pauschale.waitingroom.testing import admit

BASE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def _saml_settings(saml_settings, db):
    assert saml_settings.SAML_BASE_URL == BASE_URL


def form_fields(form) -> dict:
    """What a browser would send for ``form``, except the submit buttons."""
    return {
        field["name"]: field.get("value", "")
        for field in form.find_all("input")
        if field.get("name")
    }


def path_of(url: str) -> str:
    return urlparse(url).path


def start_login(client, next_path="/antrag/"):
    """GET our login page (with an admission from the waiting room); return the
    POST-binding form's action and fields."""
    admit(client)
    response = client.get("/saml2/login/", {"next": next_path})
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    form = page.find("form", attrs={"data-autosubmit": True})
    return path_of(form["action"]), form_fields(form)


def authn_request_xml(fields: dict) -> bytes:
    return base64.b64decode(fields["SAMLRequest"])


def open_idp_login(client, next_path="/antrag/"):
    """Run the SP's POST form to the dev IdP; return the login page's soup."""
    action, fields = start_login(client, next_path)
    response = client.post(action, fields)
    assert response.status_code == 200, response.content
    return BeautifulSoup(response.content, "html.parser")


def choose_person(client, login_page, person="hoch", **custom):
    """Press a preset's button, or fill in the own-person form with ``custom``."""
    forms = login_page.find_all("form", action="/dev-idp/login/")
    if custom:
        data = {**form_fields(forms[1]), **custom, "person": "custom"}
    else:
        data = {**form_fields(forms[0]), "person": person}
    response = client.post("/dev-idp/login/", data)
    assert response.status_code == 200, response.content
    return BeautifulSoup(response.content, "html.parser")


def post_response_form(client, response_page):
    """Post the IdP's auto-posting form to our ACS, as a browser would."""
    form = response_page.find("form", attrs={"data-autosubmit": True})
    return client.post(path_of(form["action"]), form_fields(form))


def log_in(client, person="hoch", next_path="/antrag/", **custom):
    """The whole round trip; returns the response of ``identity:complete``."""
    login_page = open_idp_login(client, next_path)
    response_page = choose_person(client, login_page, person, **custom)
    acs = post_response_form(client, response_page)
    assert acs.status_code == 302, acs.content
    assert acs["Location"] == "/saml2/complete/"
    return client.get(acs["Location"])


def saml_session(client) -> dict:
    """What djangosaml2's own session (the ``saml_session`` cookie) holds."""
    from importlib import import_module

    from django.conf import settings

    cookie = client.cookies.get(settings.SAML_SESSION_COOKIE_NAME)
    if not cookie or not cookie.value:
        return {}
    store = import_module(settings.SESSION_ENGINE).SessionStore(cookie.value)
    return dict(store.items())


def session_identity(client) -> VerifiedIdentity | None:
    data = client.session.get(SESSION_KEY)
    return VerifiedIdentity.from_dict(data) if data else None


def verified_request(client, next_path="/antrag/"):
    """Start a login at our SP and let the dev IdP verify its AuthnRequest.

    Returns the IdP ``VerifiedRequest`` and the RelayState, so that a test can
    build a response of its own making.
    """
    from pauschale.identity.devidp.protocol import (
        IncomingRequest,
        idp_server,
        verify_request,
    )

    _action, fields = start_login(client, next_path)
    incoming = IncomingRequest(
        saml_request=fields["SAMLRequest"],
        binding="post",
        relay_state=fields["RelayState"],
    )
    return verify_request(idp_server(), incoming), fields["RelayState"]


def post_to_acs(client, response_xml: str, relay_state: str = ""):
    from pauschale.identity.devidp.protocol import encode_response

    data = {"SAMLResponse": encode_response(response_xml), "RelayState": relay_state}
    return client.post("/saml2/acs/", data)
