"""What our AuthnRequest asks BundID for (REFERENCE.md §3.1, SB §9).

BundID reads its own request extension, ``<akdb:AuthenticationRequest
Version="2">``, from ``<samlp:Extensions>`` of a signed AuthnRequest: the login
methods offered, the attributes wanted, and what to show the person.
"""

from saml2 import ExtensionElement
from saml2.saml import AuthnContextClassRef
from saml2.samlp import Extensions, RequestedAuthnContext

from pauschale.programs.spec import TrustLevel

from .attributes import REQUESTED_ATTRIBUTES, stork_level

AKDB_NS = "https://www.akdb.de/request/2018/09"
CLASSIC_UI_NS = "https://www.akdb.de/request/2018/09/classic-ui/v1"
NAMESPACE_PREFIXES = {"akdb": AKDB_NS, "classic-ui": CLASSIC_UI_NS}

# Login methods in BundID's order. On: the user-name account and the verified
# methods (eID card, EU eID via eIDAS, ELSTER certificate). Off: Bavaria's own
# Authega account, the Ukrainian Diia app and FINK.
# TODO: which methods a program admits is the program owner's decision, not
# code's — can go when the program definition names its login methods.
AUTHN_METHODS = {
    "Authega": False,
    "Benutzername": True,
    "eID": True,
    "eIDAS": True,
    "Diia": False,
    "Elster": True,
    "FINK": False,
}
LANGUAGES = ("de", "en", "ru", "uk")
# BundID shows at most 50 characters of the organisation's name.
DISPLAY_NAME_LIMIT = 50


def akdb_extensions(
    organization_display_name: str, language: str, online_service_id: str
) -> Extensions:
    """``<samlp:Extensions>`` with BundID's request extension, version 2."""
    methods = _akdb(
        "AuthnMethods",
        children=[
            _akdb(name, children=[_akdb("Enabled", text=_bool(enabled))])
            for name, enabled in AUTHN_METHODS.items()
        ],
    )
    attributes = _akdb(
        "RequestedAttributes",
        children=[
            _akdb(
                "RequestedAttribute",
                attributes={"Name": oid, "RequiredAttribute": _bool(required)},
            )
            for oid, required in REQUESTED_ATTRIBUTES.items()
        ],
    )
    display = [
        _classic_ui(
            "OrganizationDisplayName", organization_display_name[:DISPLAY_NAME_LIMIT]
        ),
        _classic_ui("Lang", language if language in LANGUAGES else "de"),
    ]
    if online_service_id:
        display.append(_classic_ui("OnlineServiceId", online_service_id))
    display_information = _akdb(
        "DisplayInformation",
        children=[
            ExtensionElement("Version", namespace=CLASSIC_UI_NS, children=display)
        ],
    )
    request = _akdb(
        "AuthenticationRequest",
        attributes={"Version": "2"},
        children=[methods, attributes, display_information],
    )
    return Extensions(extension_elements=[request])


def requested_authn_context(minimum: TrustLevel) -> RequestedAuthnContext:
    """BundID supports only ``Comparison="minimum"`` (SB §5.1)."""
    return RequestedAuthnContext(
        authn_context_class_ref=[AuthnContextClassRef(text=stork_level(minimum))],
        comparison="minimum",
    )


def _akdb(tag, attributes=None, children=(), text=None) -> ExtensionElement:
    return ExtensionElement(
        tag,
        namespace=AKDB_NS,
        attributes=attributes,
        children=list(children),
        text=text,
    )


def _classic_ui(tag: str, text: str) -> ExtensionElement:
    return ExtensionElement(tag, namespace=CLASSIC_UI_NS, text=text)


def _bool(value: bool) -> str:
    return "true" if value else "false"
