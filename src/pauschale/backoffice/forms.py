from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from schwifty import IBAN
from schwifty import exceptions as iban_errors

from pauschale.applications.forms import iban_problem
from pauschale.applications.models import Application
from pauschale.common import clock
from pauschale.programs.models import Program
from pauschale.registry.eligible import MAX_BYTES as MAX_LIST_BYTES

INPUT = "kern-form-input__input"
SELECT = "kern-form-input__select"
CHECK = "kern-form-check__checkbox"
RADIO = "kern-form-check__radio"
MAX_WEB_BATCH = 5_000
MAX_ID = 2**63 - 1
"""The largest id a database row can have (a bigger number would overflow)."""
"""Codes per batch through the page; larger batches by ``pauschale issue_codes``."""


def _text(**attrs):
    return forms.TextInput(attrs={"class": INPUT, **attrs})


def _date(**attrs):
    return forms.DateInput(
        attrs={"class": INPUT, "type": "date", **attrs}, format="%Y-%m-%d"
    )


def programs_in(land: str) -> list[Program]:
    return [p for p in Program.objects.order_by("slug") if land in p.spec.lands]


class StaffForm(forms.Form):
    """Points each invalid input at its error message and hint (aria-describedby)."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            described = [f"{bound.auto_id}_error"]
            if self.fields[name].help_text:
                described.append(f"{bound.auto_id}_helptext")
            attrs = self.fields[name].widget.attrs
            attrs["aria-describedby"] = " ".join(described)
            attrs["aria-invalid"] = "true"


class ProgramField(forms.ModelChoiceField):
    """The program to act in; hidden when the Land runs only one."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Program.objects.none(),
            label=_("Program"),
            empty_label=None,
            widget=forms.Select(attrs={"class": SELECT}),
            **kwargs,
        )

    def label_from_instance(self, obj):
        return obj.spec.title.get(get_language() or "de")


class _WithProgram(StaffForm):
    program = ProgramField()

    def __init__(self, *args, land: str, **kwargs):
        super().__init__(*args, **kwargs)
        programs = programs_in(land)
        field = self.fields["program"]
        field.queryset = Program.objects.filter(pk__in=[p.pk for p in programs])
        if programs:
            field.initial = programs[0].pk
        if len(programs) == 1:
            field.widget = forms.HiddenInput()


class LoginForm(StaffForm):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=_text(autocomplete="username", autocapitalize="none"),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"class": INPUT, "autocomplete": "current-password"}
        ),
    )
    token = forms.CharField(
        label=_("Security code"),
        help_text=_("6 digits from your authenticator app."),
        max_length=10,
        widget=_text(autocomplete="one-time-code", inputmode="numeric"),
    )


class BatchForm(_WithProgram):
    count = forms.IntegerField(
        label=_("Number of codes"),
        help_text=_("At most %(max)s per batch.") % {"max": MAX_WEB_BATCH},
        min_value=1,
        max_value=MAX_WEB_BATCH,
        widget=forms.NumberInput(attrs={"class": INPUT}),
    )
    with_pins = forms.BooleanField(
        label=_("With PINs (for logins with user name and password)"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": CHECK}),
    )


class EligibleListForm(_WithProgram):
    file = forms.FileField(
        label=_("List of eligible people"),
        help_text=_(
            "CSV (semicolon or comma, UTF-8 or Windows-1252) or XLSX with the "
            "columns Familienname, Vornamen, Geburtsdatum (DD.MM.YYYY or "
            "YYYY-MM-DD); optionally Matrikelnummer."
        ),
        widget=forms.ClearableFileInput(
            attrs={"class": INPUT, "accept": ".csv,.txt,.xlsx"}
        ),
    )
    with_pins = BatchForm.base_fields["with_pins"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_LIST_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.")
                % {"mb": MAX_LIST_BYTES // 1024**2}
            )
        return upload


class RevokeCodeForm(StaffForm):
    code_id = forms.IntegerField(
        label=_("Code number"),
        help_text=_("The code number printed on the letter and in the CSV file."),
        min_value=1,
        max_value=MAX_ID,
        widget=forms.NumberInput(attrs={"class": INPUT}),
    )


STATUS_CHOICES = [("", _("any"))] + [
    (Application.Status.SUBMITTED, _("submitted")),
    (Application.Status.APPROVED, _("approved")),
    (Application.Status.REJECTED, _("rejected")),
    (Application.Status.REFERRED, _("referred to a clerk")),
]
CHANNEL_CHOICES = [
    ("", _("any")),
    (Application.Channel.ONLINE, _("online")),
    (Application.Channel.PAPER, _("paper")),
]


class ApplicationSearchForm(StaffForm):
    application_id = forms.IntegerField(
        label=_("Application number"),
        required=False,
        min_value=1,
        max_value=MAX_ID,
        widget=forms.NumberInput(attrs={"class": INPUT}),
    )
    code_id = forms.IntegerField(
        label=_("Code number"),
        required=False,
        min_value=1,
        max_value=MAX_ID,
        widget=forms.NumberInput(attrs={"class": INPUT}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=STATUS_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": SELECT}),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=CHANNEL_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": SELECT}),
    )
    submitted_from = forms.DateField(
        label=_("Submitted from"), required=False, widget=_date()
    )
    submitted_to = forms.DateField(
        label=_("Submitted until"), required=False, widget=_date()
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and end < start:
            self.add_error("submitted_to", _("This date lies before the first one."))
        return data


class ReferralDecisionForm(StaffForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect(attrs={"class": RADIO}),
    )
    note = forms.CharField(
        label=_("Reasoning"),
        help_text=_(
            "Why you decide so, e.g. which document shows the change of name. "
            "Stored with the decision."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "kern-form-input__input", "rows": 4}),
    )


class PaperApplicationForm(_WithProgram):
    access_code = forms.CharField(
        label=_("Access code"),
        help_text=_("From the applicant's letter; 36 characters."),
        max_length=60,
        widget=_text(autocomplete="off", spellcheck="false"),
    )
    received_on = forms.DateField(
        label=_("Received on"),
        help_text=_("Date of receipt of the paper application."),
        widget=_date(),
    )
    family_name = forms.CharField(
        label=_("Family name"), max_length=200, widget=_text(autocomplete="off")
    )
    given_names = forms.CharField(
        label=_("Given names"), max_length=200, widget=_text(autocomplete="off")
    )
    birth_date = forms.DateField(label=_("Date of birth"), widget=_date())
    account_holder = forms.CharField(
        label=_("Account holder"), max_length=70, widget=_text(autocomplete="off")
    )
    iban = forms.CharField(
        label=_("IBAN"), max_length=42, widget=_text(autocomplete="off")
    )
    identity_checked = forms.BooleanField(
        label=_(
            "I have checked the applicant's identity in person against an official "
            "identity document."
        ),
        error_messages={"required": _("A paper application needs this check.")},
        widget=forms.CheckboxInput(attrs={"class": CHECK}),
    )

    def __init__(self, *args, land: str, **kwargs):
        super().__init__(*args, land=land, **kwargs)
        self.fields["received_on"].initial = clock.today()
        programs = programs_in(land)
        self.declaration_ids = []
        if programs:
            language = get_language() or "de"
            for declaration in programs[0].spec.declarations:
                self.declaration_ids.append(declaration.id)
                self.fields[f"declaration_{declaration.id}"] = forms.BooleanField(
                    label=declaration.text.get(language),
                    error_messages={
                        "required": _("The paper form must confirm this declaration.")
                    },
                    widget=forms.CheckboxInput(attrs={"class": CHECK}),
                )

    def declaration_fields(self):
        return [self[f"declaration_{d}"] for d in self.declaration_ids]

    def clean_iban(self) -> str:
        try:
            return IBAN(self.cleaned_data["iban"]).compact
        except iban_errors.SchwiftyException as exc:
            raise forms.ValidationError(
                iban_problem(exc), code="iban_invalid"
            ) from None

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        if value > clock.today():
            raise forms.ValidationError(_("The date of receipt lies in the future."))
        return value

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value >= clock.today():
            raise forms.ValidationError(_("The date of birth lies in the future."))
        return value


class DashboardForm(StaffForm):
    day = forms.DateField(
        label=_("Day for applications per hour"), required=False, widget=_date()
    )
    land = forms.ChoiceField(
        label=_("Federal state"),
        required=False,
        widget=forms.Select(attrs={"class": SELECT}),
    )

    def __init__(self, *args, lands: list[tuple[str, str]] | None, **kwargs):
        super().__init__(*args, **kwargs)
        if lands is None:
            del self.fields["land"]
        else:
            self.fields["land"].choices = [("", _("all"))] + lands


class PrepareRunForm(_WithProgram):
    """Only the program: the run takes every open payment of the clerk's Land."""


class BankFileForm(StaffForm):
    file = forms.FileField(
        label=_("File from the bank"),
        help_text=_(
            "camt.054 (returned transfers) or pain.002 (status report), as XML. "
            "A file imported before changes nothing."
        ),
        widget=forms.ClearableFileInput(attrs={"class": INPUT, "accept": ".xml"}),
    )
