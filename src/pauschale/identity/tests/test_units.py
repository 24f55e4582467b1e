from datetime import datetime

from django.core.exceptions import ImproperlyConfigured

import pytest

from pauschale.identity.assertion import IdentityRejected, identity_from_session_info
from pauschale.identity.attributes import UnknownTrustLevel, trust_level_from_stork
from pauschale.identity.keys import key_pair
from pauschale.programs.spec import TrustLevel

NOW = datetime(2023, 3, 20, 9, 0)


def session_info(level="STORK-QAA-Level-4", attribute_level="STORK-QAA-Level-4", **ava):
    return {
        "authn_info": [(level, [], "2023-03-20T08:00:00Z")],
        "ava": {
            "bPK2": ["c3RhYmxl"],
            "givenName": ["Grete"],
            "surname": ["Weiß"],
            "birthdate": ["2001-01-31"],
            "EID-CITIZEN-QAA-LEVEL": [attribute_level],
            **ava,
        },
    }


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("STORK-QAA-Level-1", TrustLevel.BASIS),
        ("STORK-QAA-Level-3", TrustLevel.SUBSTANTIELL),
        ("STORK-QAA-Level-4", TrustLevel.HOCH),
    ],
)
def test_stork_levels_map_onto_trust_levels(value, level):
    assert trust_level_from_stork(value) is level


@pytest.mark.parametrize(
    "value", ["STORK-QAA-Level-2", "STORK-QAA-Level-5", "substantiell", "", "Level-4"]
)
def test_unknown_stork_level_is_refused(value):
    with pytest.raises(UnknownTrustLevel):
        trust_level_from_stork(value)


def test_unknown_trust_level_refuses_the_login():
    with pytest.raises(IdentityRejected) as refused:
        identity_from_session_info(session_info(level="STORK-QAA-Level-2"), NOW)

    assert refused.value.reason == "trust_level_unknown"


def test_the_lower_of_context_and_attribute_counts():
    info = session_info(level="STORK-QAA-Level-4", attribute_level="STORK-QAA-Level-3")

    assert identity_from_session_info(info, NOW).trust_level is TrustLevel.SUBSTANTIELL


def test_missing_bpk2_refuses_the_login():
    info = session_info()
    del info["ava"]["bPK2"]

    with pytest.raises(IdentityRejected) as refused:
        identity_from_session_info(info, NOW)

    assert refused.value.reason == "attribute_missing"


def test_malformed_birth_date_refuses_the_login():
    with pytest.raises(IdentityRejected) as refused:
        identity_from_session_info(session_info(birthdate=["31.01.2001"]), NOW)

    assert refused.value.reason == "attribute_invalid"


def test_eid_country_d_becomes_de():
    identity = identity_from_session_info(session_info(country=["D"]), NOW)

    assert identity.country == "DE"


def test_missing_keys_are_an_error_unless_generation_is_allowed(settings, tmp_path):
    settings.SAML_KEY_DIR = tmp_path
    settings.SAML_GENERATE_KEYS = False

    with pytest.raises(ImproperlyConfigured, match="sp-signing.key"):
        key_pair("sp-signing")
    assert list(tmp_path.iterdir()) == []
