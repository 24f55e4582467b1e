from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from schwifty import IBAN
from schwifty import exceptions as iban_errors

from pauschale.programs.models import Program
from pauschale.registry.models import Land

INPUT = "kern-form-input__input"


def land_choices(program: Program) -> list[tuple[str, str]]:
    english = (get_language() or "de").startswith("en")
    lands = Land.objects.filter(code__in=program.spec.lands).order_by("name")
    choices = [(land.code, land.name_en if english else land.name) for land in lands]
    return [("", _("Please choose"))] + sorted(choices, key=lambda c: c[1])


class StartForm(forms.Form):
    access_code = forms.CharField(
        label=_("Access code"),
        help_text=_("36 characters, as in the letter from your university or school."),
        max_length=60,
        widget=forms.TextInput(
            attrs={"class": INPUT, "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    land = forms.ChoiceField(
        label=_("Federal state of your institution"),
        widget=forms.Select(attrs={"class": "kern-form-input__select"}),
    )

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["land"].choices = land_choices(program)


class PinForm(forms.Form):
    pin = forms.CharField(
        label=_("PIN"),
        help_text=_("6 digits, from the same letter as your access code."),
        required=False,
        max_length=12,
        widget=forms.PasswordInput(
            attrs={"class": INPUT, "autocomplete": "off", "inputmode": "numeric"}
        ),
    )


def iban_problem(exc: Exception) -> str:
    """A sentence for the applicant about what is wrong with an IBAN."""
    if isinstance(
        exc, iban_errors.InvalidChecksumDigits | iban_errors.InvalidBBANChecksum
    ):
        return _("The check digits of this IBAN do not match; is there a typo?")
    if isinstance(exc, iban_errors.InvalidLength):
        return _("This IBAN has the wrong number of characters for its country.")
    if isinstance(exc, iban_errors.InvalidCountryCode):
        return _("This IBAN does not start with a known country code.")
    return _("This IBAN is not valid. Please check it.")


class AccountForm(forms.Form):
    """The bank account the payment goes to: on the application, and again on
    the status page when the bank sent the payment back."""

    account_holder = forms.CharField(
        label=_("Account holder"),
        max_length=70,
        widget=forms.TextInput(attrs={"class": INPUT, "autocomplete": "name"}),
    )
    iban = forms.CharField(
        label=_("IBAN"),
        help_text=_(
            "The account the payment goes to, e.g. DE12 3456 7890 1234 5678 90."
        ),
        max_length=42,
        widget=forms.TextInput(
            attrs={"class": INPUT, "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean_iban(self) -> str:
        try:
            return IBAN(self.cleaned_data["iban"]).compact
        except iban_errors.SchwiftyException as exc:
            # schwifty's own messages repeat the IBAN; ours never do.
            raise forms.ValidationError(
                iban_problem(exc), code="iban_invalid"
            ) from None


class ApplicationForm(AccountForm):
    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language() or "de"
        self.declaration_ids = [d.id for d in program.spec.declarations]
        for declaration in program.spec.declarations:
            self.fields[f"declaration_{declaration.id}"] = forms.BooleanField(
                label=declaration.text.get(language),
                required=True,
                error_messages={"required": _("Please confirm this declaration.")},
                widget=forms.CheckboxInput(
                    attrs={"class": "kern-form-check__checkbox"}
                ),
            )

    def declaration_fields(self):
        return [self[f"declaration_{d}"] for d in self.declaration_ids]

    def confirmed_declarations(self) -> list[str]:
        return [
            d for d in self.declaration_ids if self.cleaned_data.get(f"declaration_{d}")
        ]
