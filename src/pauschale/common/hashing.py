"""Keyed hashes of bearer secrets and personal keys.

Access codes, PINs, identity-provider subjects and person keys are stored only as
HMAC-SHA256 under ``PAUSCHALE_HMAC_KEY``. A purpose string separates the uses, so
that a code hash can never be confused with a PIN hash.
"""

import hashlib
import hmac
import re
import unicodedata
from datetime import date

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from anyascii import anyascii


def keyed_hash(purpose: str, value: str) -> str:
    key = settings.PAUSCHALE_HMAC_KEY
    if not key:
        raise ImproperlyConfigured("PAUSCHALE_HMAC_KEY is not set")
    message = f"{purpose}\x1f{value}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


# German letters fold as German spelling writes them without umlauts (Müller is
# Mueller); anyascii would make them u, o and a.
_GERMAN_FOLDS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)


def fold_name(name: str) -> str:
    """Reduce a name to lower-case ASCII letters and digits, without separators.

    "Müller-Lüdenscheidt" and "Mueller Luedenscheidt" fold alike, so that a name
    typed on paper matches the one the identity provider delivers; so do
    "Łukasz" and "Lukasz", "Ольга" and "Olga". Names in other scripts are
    transliterated (anyascii), never dropped. A name that keeps no letter or
    digit (punctuation, emoji) folds to itself, case-folded, so that it still
    tells people apart.
    """
    name = unicodedata.normalize("NFC", name)
    letters = "".join(ch for ch in name if unicodedata.category(ch)[0] in "LMN")
    folded = anyascii(letters.translate(_GERMAN_FOLDS)).casefold()
    folded = re.sub(r"[^a-z0-9]+", "", folded)
    return folded or " ".join(name.casefold().split())


def person_key(family_name: str, given_names: str, birth_date: date) -> str:
    """Keyed hash of a person's folded name and birth date: one key per person."""
    value = (
        f"{fold_name(family_name)}|{fold_name(given_names)}|{birth_date.isoformat()}"
    )
    return keyed_hash("person", value)


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
