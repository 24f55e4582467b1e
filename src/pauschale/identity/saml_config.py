"""The pysaml2 configuration of our service provider, built from the settings.

djangosaml2 calls ``sp_config`` (``SAML_CONFIG_LOADER``) on every SAML request.
The configuration is cached for an hour, so that BundID's metadata is not
fetched for every login and a rotated BundID certificate still arrives.
"""

import time
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from saml2 import BINDING_HTTP_POST, md, xmldsig
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_TRANSIENT
from saml2.sigver import get_xmlsec_binary
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from .attributes import attribute_converters
from .keys import key_pair

ACS_PATH = "/saml2/acs/"
CONFIG_LIFETIME_SECONDS = 3600
# Allowed clock difference between BundID and us when checking NotBefore and
# NotOnOrAfter.
ACCEPTED_TIME_DIFF_SECONDS = 60


def sp_config(request=None) -> SPConfig:
    """The SP configuration for djangosaml2 (the request is not used)."""
    return _cached_sp_config(_settings_fingerprint(), _time_bucket())


def sp_metadata_xml() -> str:
    """Our SP metadata (REFERENCE.md §3.1: no validUntil, no ID attribute)."""
    descriptor = entity_descriptor(_load(with_idp_metadata=False))
    # pysaml2 lists every algorithm xmlsec1 knows (MD5 and SHA-1 among them) as
    # metadata extensions; BundID does not read them, so leave them out.
    descriptor.extensions = None
    return metadata_string(descriptor)


def metadata_string(descriptor) -> str:
    prefixes = {"md": md.NAMESPACE, "ds": xmldsig.NAMESPACE}
    return descriptor.to_string(nspair=prefixes).decode()


def acs_url() -> str:
    return settings.SAML_BASE_URL.rstrip("/") + ACS_PATH


def _settings_fingerprint() -> tuple:
    return (
        settings.SAML_SP_ENTITY_ID,
        settings.SAML_BASE_URL,
        str(settings.SAML_KEY_DIR),
        settings.SAML_IDP_METADATA,
        settings.PAUSCHALE_DEV_IDP,
        settings.SAML_ORGANIZATION_DISPLAY_NAME,
    )


def _time_bucket() -> int:
    return int(time.time() // CONFIG_LIFETIME_SECONDS)


@lru_cache(maxsize=4)
def _cached_sp_config(fingerprint: tuple, time_bucket: int) -> SPConfig:
    return _load(with_idp_metadata=True)


def _load(with_idp_metadata: bool) -> SPConfig:
    config = SPConfig()
    config.load(_config_dict(with_idp_metadata))
    # Never the FriendlyName-based maps pysaml2 ships: only BundID's OIDs.
    config.attribute_converters = attribute_converters()
    return config


def _config_dict(with_idp_metadata: bool) -> dict:
    signing = key_pair("sp-signing")
    encryption = key_pair("sp-encryption")
    config = {
        "entityid": settings.SAML_SP_ENTITY_ID,
        "xmlsec_binary": get_xmlsec_binary(),
        "key_file": str(signing.key_file),
        "cert_file": str(signing.cert_file),
        "encryption_keypairs": [
            {
                "key_file": str(encryption.key_file),
                "cert_file": str(encryption.cert_file),
            }
        ],
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "accepted_time_diff": ACCEPTED_TIME_DIFF_SECONDS,
        "service": {
            "sp": {
                "name": settings.SAML_ORGANIZATION_DISPLAY_NAME,
                "endpoints": {
                    "assertion_consumer_service": [(acs_url(), BINDING_HTTP_POST)],
                },
                "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                "name_id_policy_format": NAMEID_FORMAT_TRANSIENT,
                "authn_requests_signed": True,
                "want_assertions_signed": True,
                # BundID signs the Response as well as the assertion inside it.
                "want_response_signed": True,
                "allow_unsolicited": False,
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
            }
        },
    }
    if with_idp_metadata:
        config["metadata"] = _idp_metadata()
    return config


def _idp_metadata() -> dict:
    source = settings.SAML_IDP_METADATA
    if source.startswith("http://"):
        raise ImproperlyConfigured("SAML_IDP_METADATA must be an https URL or a file.")
    if source.startswith("https://"):
        return {"remote": [{"url": source}]}
    if source:
        return {"local": [source]}
    if settings.PAUSCHALE_DEV_IDP:
        from .devidp.config import idp_metadata_xml

        return {"inline": [idp_metadata_xml()]}
    raise ImproperlyConfigured("SAML_IDP_METADATA (BundID's metadata) is not set.")
