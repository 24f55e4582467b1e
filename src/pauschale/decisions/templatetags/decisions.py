from django import template

from pauschale.decisions.reasons import reason_label as _reason_label
from pauschale.decisions.reasons import reason_text as _reason_text

register = template.Library()


@register.filter
def reason_text(code: str) -> str:
    """The applicant's sentence for a decision reason code."""
    return _reason_text(code)


@register.filter
def reason_label(code: str) -> str:
    """The short name of a decision reason code, for staff."""
    return _reason_label(code)
