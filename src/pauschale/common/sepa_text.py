"""Text in the SEPA basic Latin character set, as pain.001 files must carry it.

Here rather than in ``payouts`` because the applicant's form (``applications``,
to the left of ``payouts``) checks with the same conversion that an account
holder's name keeps something a bank can read.
"""

import re
import unicodedata

SEPA_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ "
)
"""The EPC basic Latin set that every bank in SEPA must accept."""

# The DK banks' own transliteration for German letters (REFERENCE.md §2.4), the
# EPC's "+" for "&", and letters that have no Unicode decomposition to a base
# letter, so that NFKD alone would drop them.
_TRANSLITERATION = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "Ä": "Ae",
        "Ö": "Oe",
        "Ü": "Ue",
        "ß": "ss",
        "ẞ": "SS",
        "&": "+",
        "æ": "ae",
        "Æ": "Ae",
        "œ": "oe",
        "Œ": "Oe",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
        "ħ": "h",
        "Ħ": "H",
        "ŧ": "t",
        "Ŧ": "T",
        "ŋ": "n",
        "Ŋ": "N",
        "ſ": "s",
        "‘": "'",
        "’": "'",
        "ʼ": "'",
        "´": "'",
        "`": "'",
        "‐": "-",
        "‑": "-",
        "–": "-",
        "—": "-",
    }
)


def to_sepa_text(text: str, max_len: int) -> str:
    """``text`` in the SEPA basic Latin set, whitespace collapsed, cut to ``max_len``.

    German letters become two letters (ä → ae, ß → ss), ``&`` becomes ``+``, other
    letters with diacritics lose them (é → e, ł → l); every other character
    outside the set is dropped. The result may be empty.
    """
    if max_len < 1:
        raise ValueError("max_len must be at least 1")
    text = unicodedata.normalize("NFC", text).translate(_TRANSLITERATION)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
    text = _OUTSIDE_SEPA.sub("", _WHITESPACE.sub(" ", text))
    return " ".join(text.split())[:max_len].rstrip()


_WHITESPACE = re.compile(r"\s")
_OUTSIDE_SEPA = re.compile(r"[^a-zA-Z0-9/\-?:().,'+ ]")
