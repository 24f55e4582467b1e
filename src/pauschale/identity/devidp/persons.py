"""The test persons of the development IdP and how it derives their bPK2.

All persons are invented. bPK2 is BundID's per-service pseudonym; here it is
base64(HMAC-SHA256(secret of this IdP, user name + "\\n" + SP entity id)), so
the same user name always gets the same bPK2 at one SP, and another at another.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from pauschale.programs.spec import TrustLevel

from .. import attributes as oid
from ..attributes import stork_level
from ..keys import generated_secret

# The login method BundID names in AssertionProvedBy for each trust level.
PROVED_BY = {
    TrustLevel.BASIS: "Benutzername",
    TrustLevel.SUBSTANTIELL: "Elster",
    TrustLevel.HOCH: "eID",
}
# CalVer of the interface, as BundID sends it in the Version attribute.
INTERFACE_VERSION = "2025.1.0"


@dataclass(frozen=True)
class DevPerson:
    username: str
    given_names: str
    family_name: str
    birth_date: date
    street: str
    postal_code: str
    city: str
    trust_level: TrustLevel

    @property
    def display_name(self) -> str:
        return f"{self.given_names} {self.family_name}"


PRESETS = {
    "basis": DevPerson(
        username="joerg.uebelhoer",
        given_names="Jörg",
        family_name="Übelhör",
        birth_date=date(2001, 4, 17),
        street="Gänseblümchenweg 3",
        postal_code="06108",
        city="Halle (Saale)",
        trust_level=TrustLevel.BASIS,
    ),
    "substantiell": DevPerson(
        username="anna-lena.weissmueller",
        given_names="Anna-Lena",
        family_name="Weißmüller",
        birth_date=date(2003, 11, 2),
        street="Mühlenstraße 12",
        postal_code="39104",
        city="Magdeburg",
        trust_level=TrustLevel.SUBSTANTIELL,
    ),
    "hoch": DevPerson(
        username="erika.mustermann",
        given_names="Erika",
        family_name="Mustermann",
        birth_date=date(2002, 8, 12),
        street="Heidestraße 17",
        postal_code="51147",
        city="Köln",
        trust_level=TrustLevel.HOCH,
    ),
}


def bpk2(username: str, sp_entity_id: str) -> str:
    """The stable pseudonym of ``username`` at the SP ``sp_entity_id``."""
    message = f"{username}\n{sp_entity_id}".encode()
    digest = hmac.new(generated_secret("devidp-bpk2"), message, hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def person_attributes(person: DevPerson, sp_entity_id: str) -> dict[str, str]:
    """Every attribute the IdP knows of ``person``, by OID; empty ones left out."""
    values = {
        oid.BPK2: bpk2(person.username, sp_entity_id),
        oid.GIVEN_NAME: person.given_names,
        oid.SURNAME: person.family_name,
        oid.BIRTHDATE: person.birth_date.isoformat(),
        oid.POSTAL_ADDRESS: person.street,
        oid.POSTAL_CODE: person.postal_code,
        oid.LOCALITY_NAME: person.city,
        oid.COUNTRY: "DE",
        oid.EID_CITIZEN_QAA_LEVEL: stork_level(person.trust_level),
        oid.ASSERTION_PROVED_BY: PROVED_BY[person.trust_level],
        oid.VERSION: INTERFACE_VERSION,
    }
    return {name: value for name, value in values.items() if value}
