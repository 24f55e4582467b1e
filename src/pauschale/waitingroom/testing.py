"""Helpers for tests of the modules to the right that need an admission."""

import secrets

from pauschale.common import clock

from .gate import ADMISSION_KEY, BROWSER_KEY
from .tokens import Admission


def admit(client, slug: str = "eppsg-2023", seconds: float = 300) -> Admission:
    """Put a valid admission without a ticket into the test client's session,
    as a program without a waiting room would."""
    session = client.session
    browser = session.get(BROWSER_KEY) or secrets.token_urlsafe(16)
    now = clock.now().timestamp()
    admission = Admission(slug, browser, "", "", now, now + seconds, now + 3600)
    session[BROWSER_KEY] = browser
    session[ADMISSION_KEY] = admission.sign()
    session.save()
    return admission
