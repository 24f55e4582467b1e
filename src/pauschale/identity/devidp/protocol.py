"""The SAML side of the development IdP: check an AuthnRequest as BundID
does, and answer it with a signed response carrying an encrypted, signed
assertion.
"""

import base64
import secrets
import time
from dataclasses import dataclass

import defusedxml.ElementTree as DefusedET
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
from saml2.samlp import STATUS_RESPONDER
from saml2.server import Server
from saml2.sigver import (
    RSA_OAEP_MGF1P,
    get_pem_wrapped_unwrapped,
    make_temp,
    pre_encryption_part,
)
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256
from saml2.xmldsig import NAMESPACE as DS_NS

from pauschale.programs.spec import TrustLevel

from ..attributes import (
    LOCAL_NAMES,
    UnknownTrustLevel,
    stork_level,
    trust_level_from_stork,
)
from ..authn_request import AKDB_NS, CLASSIC_UI_NS
from .config import load_config
from .persons import DevPerson, person_attributes

# Content encryption as BundID plans it (SB §5.4, BSI TR-03116-4). The key
# transport is RSA-OAEP with MGF1/SHA-1: xmlsec1 1.2.37 has no xmlenc11#rsa-oaep
# with SHA-256.
AES256_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
BINDINGS = {"post": BINDING_HTTP_POST, "redirect": BINDING_HTTP_REDIRECT}


class RequestRefused(Exception):
    """BundID would refuse this AuthnRequest; ``code`` is its error code."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class IncomingRequest:
    """An AuthnRequest as it arrived, in its transport encoding."""

    saml_request: str
    binding: str
    """``"post"`` or ``"redirect"``."""
    relay_state: str = ""
    sig_alg: str = ""
    signature: str = ""


@dataclass(frozen=True)
class VerifiedRequest:
    """A signed AuthnRequest with BundID's extension, from an SP we know."""

    response_args: dict
    """Where and to whom the response goes (pysaml2's ``response_args``)."""
    requested_attributes: frozenset[str]
    minimum_level: TrustLevel


class DevIdpServer(Server):
    """pysaml2's IdP, encrypting assertions with AES-256-GCM instead of 3DES."""

    def _encrypt_assertion(self, encrypt_cert, sp_entity_id, response, node_xpath=None):
        _name, cert = self.metadata.certs(sp_entity_id, "any", "encryption")[0]
        wrapped, unwrapped = get_pem_wrapped_unwrapped(cert)
        cert_file = make_temp(wrapped.encode("ascii"), decode=False)
        template = pre_encryption_part(
            msg_enc=AES256_GCM, key_enc=RSA_OAEP_MGF1P, encrypt_cert=unwrapped
        )
        return self.sec.encrypt_assertion(
            response,
            cert_file.name,
            template,
            key_type="aes-256",
            node_xpath=node_xpath,
        )


def idp_server() -> DevIdpServer:
    """An IdP that knows our SP from its metadata; make one per request."""
    return DevIdpServer(config=load_config(with_sp_metadata=True))


def verify_request(server: Server, incoming: IncomingRequest) -> VerifiedRequest:
    """Check signature and extension of an AuthnRequest; raise RequestRefused."""
    binding = BINDINGS.get(incoming.binding)
    if binding is None or not incoming.saml_request:
        raise RequestRefused("saml-request-invalid")
    if not _carries_signature(incoming):
        raise RequestRefused("saml-request-not-signed")

    try:
        parsed = server.parse_authn_request(
            incoming.saml_request,
            binding,
            relay_state=incoming.relay_state or None,
            sigalg=incoming.sig_alg or None,
            signature=incoming.signature or None,
        )
        response_args = server.response_args(parsed.message, [BINDING_HTTP_POST])
    except Exception:
        # Bad signature, unknown SP, unknown ACS URL, broken XML: BundID has
        # no finer code for these that an SP could act on.
        raise RequestRefused("saml-request-invalid") from None

    message = parsed.message
    return VerifiedRequest(
        response_args=response_args,
        requested_attributes=_requested_attributes(message),
        minimum_level=_minimum_level(message),
    )


def build_response(
    server: Server,
    request: VerifiedRequest,
    person: DevPerson,
    sign_assertion: bool = True,
) -> str:
    """The signed ``samlp:Response`` XML with the encrypted assertion.

    ``sign_assertion=False`` exists only to let tests prove the SP refuses it.
    """
    sp_entity_id = request.response_args["sp_entity_id"]
    attributes = person_attributes(person, sp_entity_id)
    identity = {
        LOCAL_NAMES[name]: [value]
        for name, value in attributes.items()
        if name in request.requested_attributes
    }
    name_id = NameID(
        format=NAMEID_FORMAT_TRANSIENT,
        text=secrets.token_urlsafe(24),
        name_qualifier=server.config.entityid,
        sp_name_qualifier=sp_entity_id,
    )
    return server.create_authn_response(
        identity,
        name_id=name_id,
        authn={
            "class_ref": stork_level(person.trust_level),
            "authn_instant": time.time(),
        },
        sign_assertion=sign_assertion,
        sign_response=True,
        encrypt_assertion=True,
        sign_alg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256,
        **request.response_args,
    )


def build_error_response(server: Server, request: VerifiedRequest) -> str:
    """A signed response with status ``Responder`` and no assertion, as an
    overloaded identity provider answers."""
    args = request.response_args
    response = server.create_error_response(
        args["in_response_to"],
        args["destination"],
        (STATUS_RESPONDER, "temporarily unavailable"),
        sign=True,
        sign_alg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256,
    )
    return str(response)


def encode_response(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


def _carries_signature(incoming: IncomingRequest) -> bool:
    if incoming.binding == "redirect":
        return bool(incoming.signature and incoming.sig_alg)
    try:
        root = DefusedET.fromstring(base64.b64decode(incoming.saml_request))
    except Exception:
        raise RequestRefused("saml-request-invalid") from None
    return root.find(f"{{{DS_NS}}}Signature") is not None


def _akdb_request(message):
    extensions = message.extensions.extension_elements if message.extensions else []
    for element in extensions:
        if element.namespace == AKDB_NS and element.tag == "AuthenticationRequest":
            return element
    raise RequestRefused("akdb-extension-missing")


def _children(element, tag: str, namespace: str = AKDB_NS) -> list:
    return [c for c in element.children if c.tag == tag and c.namespace == namespace]


def _requested_attributes(message) -> frozenset[str]:
    akdb = _akdb_request(message)
    if akdb.attributes.get("Version") != "2":
        raise RequestRefused("akdb-extension-v1-deprecated")

    methods = [m for group in _children(akdb, "AuthnMethods") for m in group.children]
    if not any(_enabled(method) for method in methods):
        raise RequestRefused("empty-authentication-methods")

    requested = [
        attribute
        for group in _children(akdb, "RequestedAttributes")
        for attribute in _children(group, "RequestedAttribute")
    ]
    if not requested:
        raise RequestRefused("requested-attributes-empty")
    names = [attribute.attributes.get("Name") for attribute in requested]
    if not all(names):
        raise RequestRefused("requested-attributes-missing-name")

    display = [
        name
        for info in _children(akdb, "DisplayInformation")
        for version in _children(info, "Version", CLASSIC_UI_NS)
        for name in _children(version, "OrganizationDisplayName", CLASSIC_UI_NS)
        if (name.text or "").strip()
    ]
    if not display:
        raise RequestRefused("organization-display-name-missing")
    return frozenset(names)


def _enabled(method) -> bool:
    return any(
        (flag.text or "").strip() == "true" for flag in _children(method, "Enabled")
    )


def _minimum_level(message) -> TrustLevel:
    context = message.requested_authn_context
    refs = context.authn_context_class_ref if context else []
    if not refs:
        return TrustLevel.BASIS
    try:
        return trust_level_from_stork(refs[0].text or "")
    except UnknownTrustLevel:
        raise RequestRefused("saml-request-invalid") from None
