"""The demo's payment lifecycle after the first files: four eyes, bank returns,
corrected accounts through the status page, and the second payment run.

Two invented staff members prepare and release the runs. Then the bank sends
some transfers back, as a bank would, in one camt.054.001.08 file per Land
(reasons AC01, AC04 and MD07 in turn, plus one entry whose EndToEndId is
nobody's). The platform imports each file, and a second time to show that
nothing changes; the applicants concerned log in again with code and BundID
over HTTP and give a corrected account on their status page; a second run
must then hold exactly the corrected payments. Everything reported is read
back from the database and the files.
"""

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.test.utils import override_settings

from lxml import etree
from schwifty import IBAN

from pauschale.common import clock
from pauschale.common.log import get_logger
from pauschale.payouts.bank_files import read_bank_file
from pauschale.payouts.bank_simulator import SimulatedReturn, camt054_returns
from pauschale.payouts.models import BankReturn, Payment, PaymentRun
from pauschale.payouts.returns import import_bank_file
from pauschale.payouts.sepa import PAIN_001_NAMESPACE
from pauschale.payouts.services import create_payment_runs, release_run
from pauschale.registry.services import find_code

from .browser import ApplicantBrowser, DemoFlowError, Page
from .people import Person
from .server import live_server

log = get_logger(__name__)

CLERK = "demo-sachbearbeitung"
APPROVER = "demo-freigabe"
RETURN_SHARE = 0.05
MIN_RETURNS = 3
REASONS = ("AC01", "AC04", "MD07")
"""Return reasons in turn: two a new account fixes, one for case handling."""
RETURNED_AFTER = timedelta(days=3)
CORRECTED_AFTER = timedelta(days=5)
SECOND_RUN_AFTER = timedelta(days=7)


@dataclass
class BankReturnsResult:
    files: list[Path] = field(default_factory=list)
    reimported_unchanged: int = 0
    returned: dict[int, str] = field(default_factory=dict)
    """Payment id → reason code of every transfer the bank sent back."""
    corrected: int = 0
    case_handling_seen: int = 0
    second_runs: list[PaymentRun] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def create_staff() -> tuple[str, str]:
    """The two staff members of the four-eyes rule (no password: no login)."""
    users = get_user_model().objects
    for name in (CLERK, APPROVER):
        if not users.filter(username=name).exists():
            users.create_user(name)
    return CLERK, APPROVER


def prepare_and_release(program, payment_dir: Path) -> list[PaymentRun]:
    """Payment runs prepared by the clerk and released by the approver."""
    runs = create_payment_runs(program, out_dir=payment_dir, actor=CLERK)
    return [release_run(run, approver=APPROVER) for run in runs]


def run_bank_returns(
    program, people: list[Person], rng: random.Random, out_dir: Path
) -> BankReturnsResult:
    result = BankReturnsResult()
    start = clock.now()
    clock.set_now(start + RETURNED_AFTER)
    chosen = _choose_returns(rng)
    result.files = _write_return_files(program, chosen, out_dir / "bank")
    _import_twice(result)
    result.returned = {p.pk: reason for p, reason in chosen}

    clock.set_now(start + CORRECTED_AFTER)
    owners = _code_owners(program, people)
    _correct_through_status_pages(program, chosen, owners, rng, result)

    clock.set_now(start + SECOND_RUN_AFTER)
    result.second_runs = prepare_and_release(program, out_dir / "payments")
    _check_second_run(result)
    return result


def _choose_returns(rng: random.Random) -> list[tuple[Payment, str]]:
    sent = list(Payment.objects.filter(status=Payment.Status.SENT).order_by("id"))
    count = min(len(sent), max(MIN_RETURNS, round(RETURN_SHARE * len(sent))))
    chosen = sorted(rng.sample(sent, count), key=lambda p: p.pk)
    return [(p, REASONS[n % len(REASONS)]) for n, p in enumerate(chosen)]


def _write_return_files(program, chosen, bank_dir: Path) -> list[Path]:
    """One camt.054 per Land with returns, as each Land's bank would send it."""
    bank_dir.mkdir(parents=True, exist_ok=True)
    for old in bank_dir.glob("*.xml"):
        old.unlink()
    by_land: dict[str, list[SimulatedReturn]] = defaultdict(list)
    for payment, reason in chosen:
        by_land[payment.land_id].append(
            SimulatedReturn(payment.end_to_end_id, payment.amount_cents, reason)
        )
    first_land = min(by_land)
    prefix = program.spec.payment.end_to_end_prefix
    # A return nobody can match, as happens when a bank mixes up references.
    by_land[first_land].append(
        SimulatedReturn(f"{prefix}-{first_land[3:]}-999999999-1", 20_000, "AC01")
    )

    paths = []
    today = clock.today()
    for land, returns in sorted(by_land.items()):
        message_id = f"CAMT054-{land[3:]}-{today:%Y%m%d}-1"
        data = camt054_returns(
            account_iban=program.spec.lands[land].payer.iban,
            returns=returns,
            message_id=message_id,
            created_at=clock.now(),
            booking_date=today,
        )
        read_bank_file(data, message_id)  # checked against the ISO XSD, as on import
        path = bank_dir / f"{message_id}.xml"
        path.write_bytes(data)
        paths.append(path)
    return paths


def _import_twice(result: BankReturnsResult) -> None:
    for path in result.files:
        import_bank_file(path.read_bytes(), name=path.name, actor=CLERK)
    before = _state()
    for path in result.files:
        again = import_bank_file(path.read_bytes(), name=path.name, actor=CLERK)
        if not again.created and _state() == before:
            result.reimported_unchanged += 1
        else:
            result.failures.append(f"importing {path.name} again changed something")


def _state() -> tuple:
    return (
        BankReturn.objects.count(),
        tuple(Payment.objects.order_by("id").values_list("status", "return_reason")),
    )


def _code_owners(program, people: list[Person]) -> dict[int, tuple[Person, str, str]]:
    """Access code id → (person, clear code, Land) for everyone's codes."""
    owners = {}
    for person in people:
        for code, _pin, land in person.codes:
            found = find_code(program, code)
            if found is not None:
                owners[found.pk] = (person, code, land)
    return owners


def _correct_through_status_pages(program, chosen, owners, rng, result) -> None:
    with (
        live_server() as base_url,
        override_settings(SAML_BASE_URL=base_url, DEBUG=False),
    ):
        for payment, reason in chosen:
            person, code, land = owners[payment.application.access_code_id]
            try:
                corrected = _visit_status_page(
                    ApplicantBrowser(base_url, program.slug),
                    person,
                    code,
                    land,
                    reason,
                    IBAN.random(country_code="DE", random=rng).compact,
                )
            except DemoFlowError as exc:
                result.failures.append(
                    f"return {reason} of payment {payment.pk}: {exc}"
                )
                continue
            if corrected:
                result.corrected += 1
            else:
                result.case_handling_seen += 1


def _visit_status_page(
    browser: ApplicantBrowser, person, code, land, reason, new_iban
) -> bool:
    """Log in again, read the reason; give a corrected account if asked for one.

    Returns True if the account was corrected, False for case handling.
    """
    page = browser.log_in(browser.enter_code(code, land), person, person.trust_level)
    shown = page.soup.select_one("[data-return-reason]")
    if shown is None or shown["data-return-reason"] != reason:
        raise DemoFlowError(f"status page does not show the return reason ({page.url})")
    form = page.soup.select_one("form[data-form=corrected-account]")
    if reason == "MD07":
        if form is not None:
            raise DemoFlowError("MD07 must go to case handling, not to the form")
        return False
    if form is None:
        raise DemoFlowError("status page asks for no corrected account")

    holder = f"{person.given_names} {person.family_name}"
    page = browser.submit(page, {"account_holder": holder, "iban": new_iban}, form=form)
    _expect_corrected(page)
    return True


def _expect_corrected(page: Page) -> None:
    status = page.soup.select_one("[data-payment-status]")
    if status is None or status["data-payment-status"] != "open":
        raise DemoFlowError(
            f"after the correction the payment is not open ({page.url})"
        )
    if page.soup.select_one("[data-corrected-at]") is None:
        raise DemoFlowError("the status page does not confirm the corrected account")


def _check_second_run(result: BankReturnsResult) -> None:
    expected = set(
        Payment.objects.filter(attempt=2, replaces__isnull=False).values_list(
            "end_to_end_id", flat=True
        )
    )
    in_files = set()
    for run in result.second_runs:
        for payment_file in run.files.all():
            document = etree.parse(payment_file.path)
            in_files.update(
                document.xpath(
                    "//p:EndToEndId/text()", namespaces={"p": PAIN_001_NAMESPACE}
                )
            )
    if in_files != expected or len(expected) != result.corrected:
        result.failures.append(
            f"the second run holds {len(in_files)} transfers; "
            f"{len(expected)} corrected payments were expected"
        )


def summarise(result: BankReturnsResult, out_dir: Path) -> dict:
    """The ``bank_returns`` section of summary.json, read back from the database."""
    out_dir = out_dir.resolve()
    returns = BankReturn.objects.all()
    outcomes = Counter(returns.values_list("outcome", flat=True))
    by_reason = Counter(
        returns.filter(outcome=BankReturn.Outcome.APPLIED).values_list(
            "reason_code", flat=True
        )
    )
    second_files = [f for r in result.second_runs for f in r.files.order_by("sequence")]
    repaid_cents = sum(r.total_cents for r in result.second_runs)
    return {
        "files": len(result.files),
        "bank_files": [str(p.resolve().relative_to(out_dir)) for p in result.files],
        "imported": returns.count(),
        "matched": outcomes[BankReturn.Outcome.APPLIED],
        "unmatched": outcomes[BankReturn.Outcome.UNMATCHED],
        "flagged": outcomes[BankReturn.Outcome.FLAGGED],
        "reimported_unchanged": result.reimported_unchanged,
        "by_reason": dict(sorted(by_reason.items())),
        "corrected": Payment.objects.filter(replaces__isnull=False).count(),
        "case_handling": result.case_handling_seen,
        "repaid": sum(r.payment_count for r in result.second_runs),
        "repaid_amount_eur": f"{repaid_cents // 100}.{repaid_cents % 100:02d}",
        "second_run_files": [
            str(Path(f.path).resolve().relative_to(out_dir)) for f in second_files
        ],
        "second_run_file_sha256": {
            str(Path(f.path).resolve().relative_to(out_dir)): f.sha256
            for f in second_files
        },
        "released_by_second_person": all(
            r.released_by and r.released_by != r.created_by
            for r in PaymentRun.objects.all()
        ),
    }
