"""The pysaml2 configuration of the development identity provider."""

from functools import lru_cache

from django.conf import settings

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_TRANSIENT
from saml2.sigver import get_xmlsec_binary
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from ..attributes import attribute_converters
from ..keys import key_pair
from ..saml_config import metadata_string, sp_metadata_xml

# BundID's subject confirmation lasts five minutes (REFERENCE.md §3.1).
ASSERTION_LIFETIME_MINUTES = 5


def idp_entity_id() -> str:
    return _url("/dev-idp/metadata/")


def idp_metadata_xml() -> str:
    """The IdP's metadata, which the service provider loads in-process."""
    descriptor = entity_descriptor(load_config(with_sp_metadata=False))
    descriptor.extensions = None  # the list of every algorithm xmlsec1 knows
    return metadata_string(descriptor)


def _url(path: str) -> str:
    return settings.SAML_BASE_URL.rstrip("/") + path


def load_config(with_sp_metadata: bool) -> IdPConfig:
    """The IdP configuration; parsing the SP's metadata is done once per setting."""
    return _cached_config(
        with_sp_metadata, settings.SAML_BASE_URL, settings.SAML_SP_ENTITY_ID
    )


@lru_cache(maxsize=8)
def _cached_config(
    with_sp_metadata: bool, base_url: str, sp_entity_id: str
) -> IdPConfig:
    signing = key_pair("devidp-signing")
    config_dict = {
        "entityid": idp_entity_id(),
        "xmlsec_binary": get_xmlsec_binary(),
        "key_file": str(signing.key_file),
        "cert_file": str(signing.cert_file),
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "service": {
            "idp": {
                "name": "BundID (Entwicklung)",
                "endpoints": {
                    "single_sign_on_service": [
                        (_url("/dev-idp/sso/post/"), BINDING_HTTP_POST),
                        (_url("/dev-idp/sso/redirect/"), BINDING_HTTP_REDIRECT),
                    ],
                },
                "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                "want_authn_requests_signed": True,
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
                "policy": {
                    "default": {
                        "lifetime": {"minutes": ASSERTION_LIFETIME_MINUTES},
                        "name_form": NAME_FORMAT_URI,
                    }
                },
            }
        },
    }
    if with_sp_metadata:
        config_dict["metadata"] = {"inline": [sp_metadata_xml()]}
    config = IdPConfig()
    config.load(config_dict)
    config.attribute_converters = attribute_converters()
    return config
