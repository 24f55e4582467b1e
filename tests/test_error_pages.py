"""The server-error page renders on its own: Django gives it no request and no
context processors, so it must need neither."""

from django.template.loader import render_to_string
from django.utils import translation


def test_the_server_error_page_renders_without_a_request_in_german():
    with translation.override("de"):
        page = render_to_string("500.html")

    assert "Fehler auf dem Server" in page
    assert "kern.min.css" in page
