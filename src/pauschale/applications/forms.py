import re
import unicodedata

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from schwifty import IBAN
from schwifty import exceptions as iban_errors

from pauschale.common.sepa_text import to_sepa_text
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


PIN_FORMAT = re.compile(r"[0-9]{6}")
PIN_NOT_SIX_DIGITS = _("The PIN has exactly 6 digits. Please check your input.")


class PinForm(forms.Form):
    """The PIN, checked for its form here so that a typo costs no attempt."""

    pin = forms.CharField(
        label=_("PIN"),
        help_text=_("6 digits, from the same letter as your access code."),
        max_length=12,
        error_messages={
            "required": _("Please enter the PIN from the letter with your code."),
            "max_length": PIN_NOT_SIX_DIGITS,
        },
        widget=forms.PasswordInput(
            attrs={"class": INPUT, "autocomplete": "off", "inputmode": "numeric"}
        ),
    )

    def clean_pin(self) -> str:
        # A letter may print the PIN in groups; spaces and hyphens are not part of it.
        pin = re.sub(r"[\s-]", "", self.cleaned_data["pin"])
        if not PIN_FORMAT.fullmatch(pin):
            raise forms.ValidationError(PIN_NOT_SIX_DIGITS, code="pin_format")
        return pin


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


class NameField(forms.CharField):
    """A name without invisible format characters (Unicode category Cf, such as
    zero-width spaces), removed before the required check."""

    def to_python(self, value):
        if isinstance(value, str):
            value = "".join(c for c in value if unicodedata.category(c) != "Cf")
        return super().to_python(value)


class AccountForm(forms.Form):
    """The bank account the payment goes to: on the application, and again on
    the status page when the bank sent the payment back."""

    account_holder = NameField(
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

    def clean_account_holder(self) -> str:
        name = self.cleaned_data["account_holder"]
        # The pain.001 carries the name in the SEPA character set; a name that
        # keeps no letter there would reach the bank as NOTPROVIDED.
        sepa_name = to_sepa_text(name, self.fields["account_holder"].max_length)
        if not any(character.isalpha() for character in sepa_name):
            raise forms.ValidationError(
                _(
                    "Please enter the name of the account holder as your bank holds "
                    "it, in Latin letters (for example Ivan Petrov)."
                ),
                code="holder_not_latin",
            )
        return name

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
