"""Signed values of the waiting room: the ticket cookie and the admission token.

Both are signed with Django's ``SECRET_KEY`` (HMAC-SHA256 through
``django.core.signing``) under salts of their own, so that neither can be
forged or passed off as the other.

- The **ticket cookie** ``wr-<program>`` names the visitor's ticket, so that
  the poll endpoint can answer without the session (and without the database).
- The **admission token** lives in the session. It names the program, the
  ticket and a random **browser id** kept in the same session, and says until
  when it may start a login and until when it may submit. The browser id
  survives ``cycle_key()`` (which the code entry and the login call), the
  session key does not; binding to it is what stops a token from working in
  another session.
"""

import json
from dataclasses import asdict, dataclass

from django.core import signing

TICKET_SALT = "pauschale.waitingroom.ticket"
ADMISSION_SALT = "pauschale.waitingroom.admission"
COOKIE_PREFIX = "wr-"


def ticket_cookie_name(slug: str) -> str:
    return f"{COOKIE_PREFIX}{slug}"


def sign_ticket(slug: str, ticket: str, cohort: str) -> str:
    value = f"{ticket}.{cohort}"
    return signing.Signer(salt=f"{TICKET_SALT}:{slug}").sign(value)


def read_ticket(slug: str, signed: str | None) -> tuple[str, str] | None:
    """(ticket id, cohort) from the cookie value, or None if it is not ours."""
    if not signed:
        return None
    try:
        value = signing.Signer(salt=f"{TICKET_SALT}:{slug}").unsign(signed)
    except signing.BadSignature:
        return None
    ticket, _, cohort = value.partition(".")
    return ticket, cohort


@dataclass(frozen=True)
class Admission:
    program: str
    browser: str
    ticket: str
    """Empty for a program without a waiting room."""
    cohort: str
    issued_at: float
    login_by: float
    """The login must start before this (seconds since the epoch)."""
    submit_by: float
    """The application must be submitted before this."""

    def sign(self) -> str:
        return signing.dumps(asdict(self), salt=ADMISSION_SALT, compress=False)

    @classmethod
    def read(cls, token: str | None) -> "Admission | None":
        """The admission a token carries, or None if it was not signed by us."""
        if not token:
            return None
        try:
            return cls(**signing.loads(token, salt=ADMISSION_SALT))
        except (signing.BadSignature, TypeError, json.JSONDecodeError):
            return None
