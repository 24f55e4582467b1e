"""BundID's attributes and trust levels (REFERENCE.md §3.2).

Attributes are identified by their OID ``Name`` with NameFormat uri, never by
FriendlyName. Both the service provider and the development identity provider
use the one attribute map below, so that pysaml2 knows no other names.
"""

from saml2.attribute_converter import AttributeConverter
from saml2.saml import NAME_FORMAT_URI

from pauschale.programs.spec import TrustLevel

BPK2 = "urn:oid:1.3.6.1.4.1.25484.494450.3"
GIVEN_NAME = "urn:oid:2.5.4.42"
SURNAME = "urn:oid:2.5.4.4"
BIRTHDATE = "urn:oid:1.2.40.0.10.2.1.1.55"
POSTAL_ADDRESS = "urn:oid:2.5.4.16"
POSTAL_CODE = "urn:oid:2.5.4.17"
LOCALITY_NAME = "urn:oid:2.5.4.7"
COUNTRY = "urn:oid:1.2.40.0.10.2.1.1.225599"
EID_CITIZEN_QAA_LEVEL = "urn:oid:1.2.40.0.10.2.1.1.261.94"
ASSERTION_PROVED_BY = "urn:oid:1.3.6.1.4.1.25484.494450.2"
VERSION = "urn:oid:1.3.6.1.4.1.25484.494450.1"

# OID -> the local name pysaml2 gives the attribute in its ``ava`` dictionary;
# they are BundID's friendly names, but only the OID is ever read.
LOCAL_NAMES = {
    BPK2: "bPK2",
    GIVEN_NAME: "givenName",
    SURNAME: "surname",
    BIRTHDATE: "birthdate",
    POSTAL_ADDRESS: "postalAddress",
    POSTAL_CODE: "postalCode",
    LOCALITY_NAME: "localityName",
    COUNTRY: "country",
    EID_CITIZEN_QAA_LEVEL: "EID-CITIZEN-QAA-LEVEL",
    ASSERTION_PROVED_BY: "AssertionProvedBy",
    VERSION: "Version",
}

# What the service provider asks BundID for, and whether it must be there.
# Address attributes are optional: not every BundID account carries them.
REQUESTED_ATTRIBUTES = {
    BPK2: True,
    GIVEN_NAME: True,
    SURNAME: True,
    BIRTHDATE: True,
    POSTAL_ADDRESS: False,
    POSTAL_CODE: False,
    LOCALITY_NAME: False,
    COUNTRY: False,
    EID_CITIZEN_QAA_LEVEL: True,
}

_STORK_PREFIX = "STORK-QAA-Level-"


class UnknownTrustLevel(ValueError):
    """The identity provider named a trust level this platform does not know."""


def stork_level(level: TrustLevel) -> str:
    """``TrustLevel.SUBSTANTIELL`` -> ``"STORK-QAA-Level-3"``."""
    return f"{_STORK_PREFIX}{level.value}"


def trust_level_from_stork(value: str) -> TrustLevel:
    """``"STORK-QAA-Level-4"`` -> ``TrustLevel.HOCH``; anything else is refused."""
    number = value.strip().removeprefix(_STORK_PREFIX)
    if not value.strip().startswith(_STORK_PREFIX) or not number.isdigit():
        raise UnknownTrustLevel
    try:
        return TrustLevel(int(number))
    except ValueError:
        raise UnknownTrustLevel from None


def attribute_converters() -> list[AttributeConverter]:
    """The only attribute map pysaml2 gets: BundID's OIDs, NameFormat uri."""
    converter = AttributeConverter(NAME_FORMAT_URI)
    converter.from_dict({"identifier": NAME_FORMAT_URI, "fro": LOCAL_NAMES})
    return [converter]
