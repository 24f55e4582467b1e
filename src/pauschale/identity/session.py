"""The identity a BundID login proved, kept in the applicant's session.

No Django user is created for applicants: after a verified SAML login the
session holds one ``VerifiedIdentity``, and the application pages ask
``get_identity(request)`` for it.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from pauschale.programs.spec import TrustLevel

SESSION_KEY = "identity_verified"


@dataclass(frozen=True)
class VerifiedIdentity:
    """A person as BundID asserted them; personal fields stay out of ``repr``."""

    subject: str = field(repr=False)
    """bPK2: BundID's stable pseudonym of this person for this service."""
    given_names: str = field(repr=False)
    family_name: str = field(repr=False)
    birth_date: date = field(repr=False)
    trust_level: TrustLevel
    """Vertrauensniveau of this login."""
    street: str = field(repr=False)
    """Street and house number; empty when the account has no address."""
    postal_code: str = field(repr=False)
    city: str = field(repr=False)
    country: str = field(repr=False)
    """ISO 3166-1 alpha-2, e.g. ``DE``; empty when not delivered."""
    authenticated_at: datetime
    """When the service provider accepted the assertion (platform clock)."""

    def to_dict(self) -> dict:
        """A JSON-serialisable form, for the session."""
        data = asdict(self)
        data["birth_date"] = self.birth_date.isoformat()
        data["trust_level"] = int(self.trust_level)
        data["authenticated_at"] = self.authenticated_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "VerifiedIdentity":
        return cls(
            **{
                **data,
                "birth_date": date.fromisoformat(data["birth_date"]),
                "trust_level": TrustLevel(data["trust_level"]),
                "authenticated_at": datetime.fromisoformat(data["authenticated_at"]),
            }
        )


def save_identity(request, identity: VerifiedIdentity) -> None:
    """Log the person in: a new session key, then the identity into it."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = identity.to_dict()


def get_identity(request) -> VerifiedIdentity | None:
    """The identity of this session's login, or None if nobody has logged in."""
    data = request.session.get(SESSION_KEY)
    if not data:
        return None
    try:
        return VerifiedIdentity.from_dict(data)
    except (KeyError, TypeError, ValueError):
        # Written by an older version of this class: treat as logged out.
        return None


def clear_identity(request) -> None:
    """Log the person out of the platform (BundID's own session is untouched)."""
    request.session.pop(SESSION_KEY, None)
