"""Turn what pysaml2 verified into a ``VerifiedIdentity``, or refuse it."""

import unicodedata
from datetime import date, datetime

from django.core.exceptions import PermissionDenied

from saml2.response import StatusError, UnsolicitedResponse
from saml2.sigver import DecryptError, MissingKey, SignatureError
from saml2.validate import ResponseLifetimeExceed, ToEarly

from pauschale.programs.spec import TrustLevel

from . import attributes as oid
from .attributes import LOCAL_NAMES, UnknownTrustLevel, trust_level_from_stork
from .session import VerifiedIdentity


class IdentityRejected(PermissionDenied):
    """A verified assertion that still cannot make a login; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def identity_from_session_info(session_info: dict, now: datetime) -> VerifiedIdentity:
    """Build the identity from pysaml2's ``session_info`` of a verified response.

    Raises ``IdentityRejected`` when a required attribute is missing or
    malformed, or the trust level is unknown.
    """
    ava = session_info.get("ava") or {}
    try:
        birth_date = date.fromisoformat(_required(ava, oid.BIRTHDATE))
    except ValueError:
        raise IdentityRejected("attribute_invalid") from None

    return VerifiedIdentity(
        subject=_required(ava, oid.BPK2),
        given_names=_required(ava, oid.GIVEN_NAME),
        family_name=_required(ava, oid.SURNAME),
        birth_date=birth_date,
        trust_level=_trust_level(session_info, ava),
        street=_optional(ava, oid.POSTAL_ADDRESS),
        postal_code=_optional(ava, oid.POSTAL_CODE),
        city=_optional(ava, oid.LOCALITY_NAME),
        country=_country(_optional(ava, oid.COUNTRY)),
        authenticated_at=now,
    )


def failure_class(exception: BaseException | None) -> str:
    """A short, value-free name for why a SAML response was refused."""
    if isinstance(exception, IdentityRejected):
        return exception.reason
    for types, name in _FAILURE_CLASSES:
        if isinstance(exception, types):
            return name
    if "AudienceRestrictions" in str(exception):
        return "audience"
    return "invalid"


_FAILURE_CLASSES = [
    ((SignatureError, MissingKey), "signature"),
    (DecryptError, "decryption"),
    (ResponseLifetimeExceed, "expired"),
    (ToEarly, "not_yet_valid"),
    (UnsolicitedResponse, "unsolicited"),
    (StatusError, "idp_status"),
]


def _values(ava: dict, attribute_oid: str) -> list[str]:
    values = ava.get(LOCAL_NAMES[attribute_oid]) or []
    return [unicodedata.normalize("NFC", str(value)).strip() for value in values]


def _required(ava: dict, attribute_oid: str) -> str:
    values = _values(ava, attribute_oid)
    if len(values) != 1 or not values[0]:
        raise IdentityRejected("attribute_missing")
    return values[0]


def _optional(ava: dict, attribute_oid: str) -> str:
    values = _values(ava, attribute_oid)
    return values[0] if values else ""


def _country(value: str) -> str:
    # The eID card says "D" for Germany; BundID usually turns it into "DE".
    return "DE" if value == "D" else value


def _trust_level(session_info: dict, ava: dict) -> TrustLevel:
    """The lower of the AuthnContextClassRef and the EID-CITIZEN-QAA-LEVEL."""
    names = [ref for ref, *_ in session_info.get("authn_info", []) if ref]
    names += _values(ava, oid.EID_CITIZEN_QAA_LEVEL)
    if not names:
        raise IdentityRejected("trust_level_missing")
    try:
        return min(trust_level_from_stork(name) for name in names)
    except UnknownTrustLevel:
        raise IdentityRejected("trust_level_unknown") from None
