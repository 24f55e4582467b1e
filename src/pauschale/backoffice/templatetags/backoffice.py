from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def euros(cents) -> str:
    """Cents as euros in the active language's format: ``1.234,50 €``."""
    if cents in (None, ""):
        return "–"
    return f"{number_format(int(cents) / 100, 2, force_grouping=True)} €"
