"""The development IdP refuses what BundID refuses and answers like BundID."""

import base64

from django.conf import settings

from lxml import etree
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client

from pauschale.identity.authn_request import akdb_extensions, requested_authn_context
from pauschale.identity.devidp.persons import PRESETS, bpk2
from pauschale.identity.devidp.protocol import (
    build_response,
    idp_server,
)
from pauschale.identity.saml_config import sp_config
from pauschale.programs.spec import TrustLevel

from .conftest import choose_person, open_idp_login, start_login, verified_request

SSO_POST = "http://testserver/dev-idp/sso/post/"


def own_request(sign=True, extensions=True, binding=BINDING_HTTP_POST):
    """An AuthnRequest of our SP, built by hand to leave parts out."""
    client = Saml2Client(sp_config())
    kwargs = {"requested_authn_context": requested_authn_context(TrustLevel.BASIS)}
    if extensions:
        kwargs["extensions"] = akdb_extensions("Einmalzahlung", "de", "BMI-1")
    _id, request = client.create_authn_request(SSO_POST, sign=sign, **kwargs)
    return base64.b64encode(str(request).encode()).decode()


def refusal_code(response) -> str:
    assert response.status_code == 400
    return etree.HTML(response.content).findtext(".//code")


def test_unsigned_request_is_refused(client):
    response = client.post(
        "/dev-idp/sso/post/", {"SAMLRequest": own_request(sign=False)}
    )

    assert refusal_code(response) == "saml-request-not-signed"


def test_request_without_akdb_extension_is_refused(client):
    saml_request = own_request(extensions=False)

    response = client.post("/dev-idp/sso/post/", {"SAMLRequest": saml_request})

    assert refusal_code(response) == "akdb-extension-missing"


def test_request_with_broken_signature_is_refused(client):
    _action, fields = start_login(client)
    xml = base64.b64decode(fields["SAMLRequest"]).replace(
        b"Einmalzahlung", b"Eimalzahlung"
    )
    fields["SAMLRequest"] = base64.b64encode(xml).decode()

    response = client.post("/dev-idp/sso/post/", fields)

    assert refusal_code(response) == "saml-request-invalid"


def test_redirect_binding_needs_and_checks_the_query_signature(client):
    saml_client = Saml2Client(sp_config())
    _id, info = saml_client.prepare_for_authenticate(
        binding=BINDING_HTTP_REDIRECT,
        sign=True,
        sigalg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        extensions=akdb_extensions("Einmalzahlung", "de", "BMI-1"),
        relay_state="/antrag/",
    )
    location = dict(info["headers"])["Location"]
    path_and_query = location.removeprefix("http://testserver")

    signed = client.get(path_and_query)
    unsigned = client.get(path_and_query.split("&Signature=")[0])

    assert signed.status_code == 200
    assert "Erika Mustermann" in signed.content.decode()
    assert refusal_code(unsigned) == "saml-request-not-signed"


def test_login_page_offers_presets_and_own_person_form(client):
    page = open_idp_login(client)

    buttons = {
        button["value"] for button in page.find_all("button", attrs={"name": "person"})
    }
    assert buttons == {"basis", "substantiell", "hoch", "custom"}
    names = {field["name"] for field in page.find_all(["input", "select"])}
    assert {
        "SAMLRequest",
        "RelayState",
        "binding",
        "username",
        "given_names",
        "family_name",
        "birth_date",
        "street",
        "postal_code",
        "city",
        "trust_level",
    } <= names
    assert page.find("script") is None  # nothing needs JavaScript
    assert "Niveau 1 – basis (Benutzername und Passwort)" in page.get_text()


def test_invalid_own_person_shows_the_form_again(client):
    page = open_idp_login(client)
    forms = page.find_all("form", action="/dev-idp/login/")
    data = {
        field["name"]: field.get("value", "") for field in forms[1].find_all("input")
    }
    data.update(person="custom", username="x", birth_date="31.12.2001", trust_level="3")

    response = client.post("/dev-idp/login/", data)

    assert response.status_code == 200
    assert 'name="given_names"' in response.content.decode()
    assert "SAMLResponse" not in response.content.decode()


def test_response_is_signed_and_encrypted_with_aes_gcm(client):
    page = open_idp_login(client)
    response_page = choose_person(client, page, "hoch")

    form = response_page.find("form", attrs={"data-autosubmit": True})
    assert form["action"] == "http://testserver/saml2/acs/"
    assert form.find("button", attrs={"type": "submit"}) is not None
    xml = base64.b64decode(form.find("input", attrs={"name": "SAMLResponse"})["value"])
    root = etree.fromstring(xml)
    ns = {
        "ds": "http://www.w3.org/2000/09/xmldsig#",
        "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
        "xenc": "http://www.w3.org/2001/04/xmlenc#",
    }
    assert root.find("ds:Signature", ns) is not None
    assert root.find("saml:Assertion", ns) is None
    method = root.find(
        "saml:EncryptedAssertion/xenc:EncryptedData/xenc:EncryptionMethod", ns
    )
    assert method.get("Algorithm") == "http://www.w3.org/2009/xmlenc11#aes256-gcm"
    assert b"Mustermann" not in xml


def test_decrypted_assertion_is_bundid_shaped(client):
    request, relay_state = verified_request(client)
    xml = build_response(idp_server(), request, PRESETS["substantiell"])

    parsed = Saml2Client(sp_config()).parse_authn_request_response(
        base64.b64encode(xml.encode()).decode(),
        BINDING_HTTP_POST,
        {request.response_args["in_response_to"]: "/"},
    )

    assertion = parsed.assertion
    assert assertion.subject.name_id.format.endswith(":transient")
    confirmation = assertion.subject.subject_confirmation[0]
    assert confirmation.method == "urn:oasis:names:tc:SAML:2.0:cm:bearer"
    context = assertion.authn_statement[0].authn_context
    assert context.authn_context_class_ref.text == "STORK-QAA-Level-3"
    names = {a.name: a for a in assertion.attribute_statement[0].attribute}
    assert {a.name_format for a in names.values()} == {
        "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
    }
    birthdate = names["urn:oid:1.2.40.0.10.2.1.1.55"].attribute_value[0].text
    assert birthdate == "2003-11-02"
    # Only what was asked for: AssertionProvedBy and Version were not requested.
    assert "urn:oid:1.3.6.1.4.1.25484.494450.2" not in names
    assert "urn:oid:1.3.6.1.4.1.25484.494450.1" not in names


def test_bpk2_is_stable_per_user_name_and_differs_per_service():
    sp = settings.SAML_SP_ENTITY_ID

    assert bpk2("erika.mustermann", sp) == bpk2("erika.mustermann", sp)
    assert bpk2("erika.mustermann", sp) != bpk2("erika.mustermann2", sp)
    assert bpk2("erika.mustermann", sp) != bpk2(
        "erika.mustermann", "https://other.example"
    )


def test_metadata_offers_post_and_redirect(client):
    response = client.get("/dev-idp/metadata/")

    root = etree.fromstring(response.content)
    bindings = {sso.get("Binding") for sso in root.iter("{*}SingleSignOnService")}
    assert bindings == {BINDING_HTTP_POST, BINDING_HTTP_REDIRECT}
    assert root.find("{*}IDPSSODescriptor").get("WantAuthnRequestsSigned") == "true"
