from django import forms
from django.utils.translation import gettext_lazy as _


class RateForm(forms.Form):
    """An operator's new admission rate, with the reason shown to the others."""

    rate = forms.FloatField(
        label=_("Admissions per second"),
        min_value=0.01,
        max_value=100_000,
        widget=forms.NumberInput(
            attrs={"class": "kern-form-input__input", "step": "any"}
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "kern-form-input__input"}),
    )
