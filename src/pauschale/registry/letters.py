"""Printable PIN letters: one A4 page per code, as a tagged PDF/UA-1 file.

WeasyPrint writes PDF/UA: a structure tree (headings, paragraphs, lists), a real
text layer, the document language and title, and embedded fonts, so that screen
readers and search work on the letters. It needs Debian's pango.
"""

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from pauschale.common.log import get_logger
from pauschale.programs.models import Program

from .delivery import DeliveredCode
from .models import AccessCodeBatch

log = get_logger(__name__)

FONT = "kern/fonts/fira-sans/FiraSans-Book.woff2"
FONT_BOLD = "kern/fonts/fira-sans/FiraSans-SemiBold.woff2"


def _font_url(path: str) -> str:
    found = finders.find(path)
    return f"file://{found}" if found else ""


def grouped(code: str) -> str:
    """A code in groups of four, easier to read and to type: ``3f25 04e0 …``."""
    compact = code.replace("-", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def pin_letters_pdf(
    program: Program,
    batch: AccessCodeBatch,
    codes: list[DeliveredCode],
    *,
    site_url: str,
) -> bytes:
    """The PIN letters of ``codes``, one page each, in German."""
    from weasyprint import HTML

    letters = [
        {"code": code, "grouped": grouped(code.code), "name": _name(code)}
        for code in codes
    ]
    html = render_to_string(
        "registry/pin_letters.html",
        {
            "program": program,
            "spec": program.spec,
            "batch": batch,
            "institution": batch.institution,
            "letters": letters,
            "site_url": site_url.rstrip("/"),
            "font": _font_url(FONT),
            "font_bold": _font_url(FONT_BOLD) or _font_url(FONT),
        },
    )
    pdf = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    log.info("pin_letters_written", batch_id=batch.pk, pages=len(letters))
    return pdf


def _name(code: DeliveredCode) -> str:
    return f"{code.given_names} {code.family_name}".strip()
