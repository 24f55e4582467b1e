"""The account holder's name must reach the bank: the pain.001 carries it in the
SEPA character set, and a name that keeps no letter there would go out as
NOTPROVIDED."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pauschale.applications.forms import AccountForm
from pauschale.applications.models import Application
from pauschale.common import clock

from .applicant import Applicant, path, soup
from .factories import code_for

IBAN = "DE89370400440532013000"


def holder_errors(name: str) -> list[str]:
    form = AccountForm({"account_holder": name, "iban": IBAN})
    form.is_valid()
    return [error.code for error in form.errors.as_data().get("account_holder", [])]


@pytest.mark.parametrize("name", ["王小明", "Иван Петров", "Ἀλέξανδρος", "  -  ' "])
def test_a_name_without_latin_letters_is_refused(name):
    assert holder_errors(name) == ["holder_not_latin"]


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u200b \u2060\ufeff ", "", "   "])
def test_a_name_of_invisible_characters_only_is_missing(name):
    assert holder_errors(name) == ["required"]


@pytest.mark.parametrize(
    "name",
    [
        "Zoë O'Brien-Müller",
        "Ærøskøbing Łukasz",
        "Jürgen Weiß",
        "François Désirée",
        "Şule Yılmaz",
        "Erika Musterfrau",
    ],
)
def test_latin_names_with_umlauts_accents_apostrophes_and_hyphens_pass(name):
    assert holder_errors(name) == []


def test_invisible_characters_are_removed_from_the_name():
    form = AccountForm(
        {"account_holder": "\u200bErika\u00ad Muster\u200dfrau ", "iban": IBAN}
    )
    assert form.is_valid()
    assert form.cleaned_data["account_holder"] == "Erika Musterfrau"


@pytest.mark.parametrize("name", ["王小明", "Иван Петров", "\u200b\u200b"])
def test_the_application_form_explains_and_stores_nothing(
    client, saml_settings, program, name
):
    clock.set_now(datetime(2023, 3, 20, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    applicant = Applicant(client)
    applicant.start(code_for(program, "DE-BY").code, "DE-BY")

    page = applicant.submit(holder=name)

    assert path(page) == "/eppsg-2023/antrag/"
    error = soup(page).select_one("#id_account_holder_error").get_text(" ", strip=True)
    if name.strip("\u200b"):
        assert "wie ihn Ihre Bank führt, in lateinischen Buchstaben" in error
    else:
        assert "Dieses Feld ist zwingend erforderlich." in error
    assert not Application.objects.exists()
