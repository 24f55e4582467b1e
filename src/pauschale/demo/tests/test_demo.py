"""``pauschale demo`` as a user runs it: a subprocess on its own SQLite file.

The demo does not care which database the suite runs on, so it runs once, in
the SQLite pass.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from pauschale.payouts.bank_files import read_bank_file
from pauschale.payouts.sepa import validate_pain001

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the demo always runs on its own SQLite file",
)
APPLICANTS = 40
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pauschale.config.settings.dev",
        "PAUSCHALE_VAR_DIR": str(out / "var"),
        "DATABASE_URL": "",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pauschale.cli",
            "demo",
            "--applicants",
            str(APPLICANTS),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((out / "summary.json").read_text())
    return out, summary, done


def test_the_summary_accounts_for_every_applicant(demo):
    _, summary, _ = demo
    assert summary["program"] == "eppsg-2023"
    assert summary["lands"] == 16
    assert summary["institutions"] > 800
    assert summary["applicants"] == APPLICANTS
    assert summary["problems"] == []
    # Everyone applies once; those with a second code apply twice.
    second_codes = summary["rejections_by_reason"].get("duplicate_person", 0)
    assert summary["applications"] == APPLICANTS + second_codes
    assert summary["approved"] + summary["rejected"] == summary["applications"]
    assert summary["codes_redeemed"] == summary["applications"]
    assert summary["codes_issued"] > summary["codes_redeemed"]


def test_the_mistakes_are_refused_or_rejected_with_their_reasons(demo):
    _, summary, _ = demo
    assert set(summary["refused_at_entry"]) == {
        "unknown_code",
        "wrong_land",
        "pin_missing",
        "pin_wrong",
    }
    assert set(summary["rejections_by_reason"]) == {"duplicate_person", "iban_not_sepa"}
    assert summary["form_errors"] == {"iban_invalid": 1}


def test_every_approval_is_paid_once_in_valid_pain001_files(demo):
    out, summary, _ = demo
    assert summary["payments"] == summary["approved"]
    assert summary["total_amount_eur"] == f"{summary['approved'] * 200}.00"

    end_to_end_ids, debtors = [], set()
    for relative in summary["payment_files"]:
        path = out / relative
        file_summary = validate_pain001(path)
        assert file_summary.sha256 == summary["payment_file_sha256"][relative]
        document = etree.parse(str(path))
        end_to_end_ids += document.xpath(
            "//p:CdtTrfTxInf/p:PmtId/p:EndToEndId/text()", namespaces=NS
        )
        debtors.add(document.xpath("string(//p:DbtrAcct/p:Id/p:IBAN)", namespaces=NS))
    assert len(end_to_end_ids) == summary["payments"] == len(set(end_to_end_ids))
    assert len(debtors) == len(
        summary["payment_files"]
    )  # one Land, one payer, per file
    assert all(
        Path(out / f).parent.name == "payments" for f in summary["payment_files"]
    )


def test_the_report_and_logs_carry_no_personal_data(demo):
    out, _, done = demo
    assert "Payments:" in done.stdout
    log = (out / "demo.log").read_text()
    assert '"event": "application_submitted"' in log
    text = done.stdout + done.stderr + log
    for file in (out / "payments").glob("*.xml"):
        document = etree.parse(str(file))
        for name in document.xpath("//p:Cdtr/p:Nm/text()", namespaces=NS)[:5]:
            for part in name.split():
                assert f'"{part}"' not in text and f" {part} " not in text
        for iban in document.xpath("//p:CdtrAcct/p:Id/p:IBAN/text()", namespaces=NS)[
            :5
        ]:
            assert iban not in text


def test_bank_returns_are_imported_once_corrected_and_repaid(demo):
    out, summary, done = demo
    returns = summary["bank_returns"]
    assert returns["files"] >= 1
    assert returns["reimported_unchanged"] == returns["files"]
    # Three returns at least (AC01, AC04, MD07 in turn) and one unknown EndToEndId.
    assert returns["matched"] >= 3
    assert returns["unmatched"] == 1
    assert returns["flagged"] == 0
    assert returns["imported"] == returns["matched"] + returns["unmatched"]
    assert set(returns["by_reason"]) == {"AC01", "AC04", "MD07"}
    assert sum(returns["by_reason"].values()) == returns["matched"]
    assert returns["case_handling"] == returns["by_reason"]["MD07"]
    assert (
        returns["corrected"]
        == returns["by_reason"]["AC01"] + returns["by_reason"]["AC04"]
    )
    assert returns["repaid"] == returns["corrected"]
    assert returns["repaid_amount_eur"] == f"{returns['repaid'] * 200}.00"
    assert returns["released_by_second_person"] is True
    assert "Bank returns:" in done.stdout


def test_the_bank_files_are_valid_camt054_and_the_second_run_holds_the_corrections(
    demo,
):
    out, summary, _ = demo
    returns = summary["bank_returns"]
    returned = []
    for relative in returns["bank_files"]:
        content = read_bank_file((out / relative).read_bytes(), relative)
        returned += [r.end_to_end_id for r in content.returns]

    repaid = []
    for relative in returns["second_run_files"]:
        file_summary = validate_pain001(out / relative)
        assert file_summary.sha256 == returns["second_run_file_sha256"][relative]
        repaid += etree.parse(str(out / relative)).xpath(
            "//p:EndToEndId/text()", namespaces=NS
        )
    assert len(repaid) == returns["repaid"]
    # Each repaid transfer is attempt 2 of an application whose first came back.
    first_attempts = {r.rsplit("-", 1)[0] for r in returned}
    assert all(r.endswith("-2") for r in repaid)
    assert {r.rsplit("-", 1)[0] for r in repaid} < first_attempts
