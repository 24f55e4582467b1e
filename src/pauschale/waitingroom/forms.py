from django import forms
from django.utils.translation import gettext_lazy as _

from pauschale.programs.waiting_room_spec import (
    MAX_ADMISSION_RATE_PER_S,
    MIN_OPERATOR_RATE_PER_S,
)


class RateForm(forms.Form):
    """An operator's new admission rate, with the reason shown to the others."""

    rate = forms.FloatField(
        label=_("Admissions per second"),
        min_value=MIN_OPERATOR_RATE_PER_S,
        max_value=MAX_ADMISSION_RATE_PER_S,
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
