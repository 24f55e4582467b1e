"""Our AuthnRequest as BundID expects it (REFERENCE.md §3.1)."""

from bs4 import BeautifulSoup
from lxml import etree

from pauschale.identity import attributes as oid
from pauschale.waitingroom.testing import admit

from .conftest import authn_request_xml, form_fields, start_login

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
AKDB = "https://www.akdb.de/request/2018/09"
UI = "https://www.akdb.de/request/2018/09/classic-ui/v1"
NS = {"samlp": SAMLP, "saml": SAML, "ds": DS, "akdb": AKDB, "ui": UI}


def login_request(client):
    action, fields = start_login(client)
    return action, fields, etree.fromstring(authn_request_xml(fields))


def test_request_goes_by_post_to_the_idp_with_a_button(client):
    admit(client)
    response = client.get("/saml2/login/", {"next": "/antrag/"})

    page = response.content.decode()
    assert 'method="post"' in page
    assert "http://testserver/dev-idp/sso/post/" in page
    assert 'type="submit"' in page  # works without JavaScript
    assert "Weiter zur BundID" in page


def test_request_is_signed_with_rsa_sha256(client):
    _action, _fields, root = login_request(client)

    signature = root.find("ds:Signature", NS)
    assert signature is not None
    method = signature.find("ds:SignedInfo/ds:SignatureMethod", NS)
    assert (
        method.get("Algorithm") == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    )
    reference = signature.find("ds:SignedInfo/ds:Reference", NS)
    assert reference.get("URI") == "#" + root.get("ID")


def test_akdb_extension_comes_before_requested_authn_context(client):
    _action, _fields, root = login_request(client)

    children = [etree.QName(child).localname for child in root]
    assert children.index("Extensions") < children.index("RequestedAuthnContext")
    context = root.find("samlp:RequestedAuthnContext", NS)
    assert context.get("Comparison") == "minimum"
    assert context.findtext("saml:AuthnContextClassRef", namespaces=NS) == (
        "STORK-QAA-Level-1"
    )


def test_akdb_extension_asks_for_the_attributes_and_shows_the_service(client):
    _action, _fields, root = login_request(client)

    akdb = root.find("samlp:Extensions/akdb:AuthenticationRequest", NS)
    assert akdb.get("Version") == "2"
    assert [etree.QName(child).localname for child in akdb] == [
        "AuthnMethods",
        "RequestedAttributes",
        "DisplayInformation",
    ]
    requested = {
        attribute.get("Name"): attribute.get("RequiredAttribute")
        for attribute in akdb.findall("akdb:RequestedAttributes/*", NS)
    }
    assert requested[oid.BPK2] == "true"
    for name in (oid.GIVEN_NAME, oid.SURNAME, oid.BIRTHDATE, oid.EID_CITIZEN_QAA_LEVEL):
        assert requested[name] == "true"
    for name in (oid.POSTAL_ADDRESS, oid.POSTAL_CODE, oid.LOCALITY_NAME, oid.COUNTRY):
        assert name in requested
    display = akdb.find("akdb:DisplayInformation/ui:Version", NS)
    assert display.findtext("ui:OrganizationDisplayName", namespaces=NS) == (
        "Einmalzahlung"
    )
    assert display.findtext("ui:Lang", namespaces=NS) == "de"
    assert display.findtext("ui:OnlineServiceId", namespaces=NS) == "BMI-TEST-0001"


def test_lang_follows_the_page_language(client):
    admit(client)
    response = client.get("/saml2/login/", HTTP_ACCEPT_LANGUAGE="en")

    page = BeautifulSoup(response.content, "html.parser")
    fields = form_fields(page.find("form", attrs={"data-autosubmit": True}))
    root = etree.fromstring(authn_request_xml(fields))
    assert "Continue to BundID" in page.get_text()
    assert root.findtext(".//ui:Lang", namespaces=NS) == "en"


def test_metadata_has_no_valid_until_and_no_id(client):
    response = client.get("/saml2/metadata/")

    root = etree.fromstring(response.content)
    assert root.get("entityID") == "https://pauschale.example/saml2/metadata"
    assert root.get("validUntil") is None
    assert root.get("ID") is None
    descriptor = root.find("{urn:oasis:names:tc:SAML:2.0:metadata}SPSSODescriptor")
    assert descriptor.get("AuthnRequestsSigned") == "true"
    assert descriptor.get("WantAssertionsSigned") == "true"
    uses = [key.get("use") for key in descriptor.iter("{*}KeyDescriptor")]
    assert sorted(uses) == ["encryption", "signing"]
    acs = descriptor.find("{*}AssertionConsumerService")
    assert acs.get("Location") == "http://testserver/saml2/acs/"
