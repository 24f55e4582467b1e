"""The applicant's progress through the pages, kept in the session.

Only identifiers live here (program slug, access code id, Land, whether the PIN
was verified); the identity itself is kept by the identity module.
"""

from dataclasses import asdict, dataclass

SESSION_KEY = "pauschale_application"


@dataclass
class Flow:
    program: str
    access_code_id: int
    land: str
    pin_verified: bool = False


def start_flow(request, flow: Flow) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = asdict(flow)


def get_flow(request, program_slug: str) -> Flow | None:
    data = request.session.get(SESSION_KEY)
    if not data or data.get("program") != program_slug:
        return None
    return Flow(**data)


def save_flow(request, flow: Flow) -> None:
    request.session[SESSION_KEY] = asdict(flow)


def end_flow(request) -> None:
    request.session.pop(SESSION_KEY, None)
