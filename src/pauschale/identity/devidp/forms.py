"""The form of a self-made test person (field names documented in __init__)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pauschale.programs.spec import TrustLevel

from .persons import DevPerson

TRUST_LEVEL_CHOICES = [
    (TrustLevel.BASIS.value, _("Level 1 – basic (user name and password)")),
    (TrustLevel.SUBSTANTIELL.value, _("Level 3 – substantial (ELSTER certificate)")),
    (TrustLevel.HOCH.value, _("Level 4 – high (eID card)")),
]


def _text(label, required=True, max_length=100, **attrs):
    widget = forms.TextInput(attrs={"class": "kern-form-input__input", **attrs})
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=widget
    )


class PersonForm(forms.Form):
    username = _text(_("User name"), autocomplete="off")
    given_names = _text(_("Given names"))
    family_name = _text(_("Family name"))
    birth_date = forms.DateField(
        label=_("Date of birth"),
        help_text=_("As YYYY-MM-DD, e.g. 2002-05-31."),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(
            format="%Y-%m-%d", attrs={"class": "kern-form-input__input", "type": "date"}
        ),
    )
    street = _text(_("Street and house number"), required=False)
    postal_code = _text(_("Postal code"), required=False, max_length=10)
    city = _text(_("City"), required=False)
    trust_level = forms.TypedChoiceField(
        label=_("Trust level"),
        choices=TRUST_LEVEL_CHOICES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "kern-form-check__radio"}),
    )

    def person(self) -> DevPerson:
        data = self.cleaned_data
        return DevPerson(
            username=data["username"],
            given_names=data["given_names"],
            family_name=data["family_name"],
            birth_date=data["birth_date"],
            street=data["street"],
            postal_code=data["postal_code"],
            city=data["city"],
            trust_level=TrustLevel(data["trust_level"]),
        )
