"""What a bank would send back, for the demo and the tests.

``camt054_returns`` writes a camt.054.001.08 debit/credit notification in which
each returned transfer is a booked credit entry with bank transaction code
PMNT/ICDT/RRTN, the original EndToEndId and the return reason, as German banks
report SCT returns. ``pain002_rejects`` writes a pain.002.001.10 status report
rejecting single transfers of one of our messages, or the whole message. Both
are checked against the official ISO XSD before they are returned.
"""

from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from .bank_files import CAMT_054, PAIN_002, schema
from .sepa import format_amount

CAMT_NS = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
PAIN_NS = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"


@dataclass(frozen=True)
class SimulatedReturn:
    end_to_end_id: str
    amount_cents: int
    reason_code: str


class _Builder:
    def __init__(self, namespace: str):
        self.namespace = namespace

    def __call__(self, parent, tag: str, text: str | None = None, **attributes):
        element = etree.SubElement(parent, f"{{{self.namespace}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element


def camt054_returns(
    *,
    account_iban: str,
    returns: list[SimulatedReturn],
    message_id: str,
    created_at: datetime,
    booking_date: date,
) -> bytes:
    """A camt.054.001.08 notification of ``account_iban`` with one credit entry
    per returned transfer."""
    e = _Builder(CAMT_NS)
    root = etree.Element(f"{{{CAMT_NS}}}Document", nsmap={None: CAMT_NS})
    notification = e(root, "BkToCstmrDbtCdtNtfctn")
    header = e(notification, "GrpHdr")
    e(header, "MsgId", message_id)
    e(header, "CreDtTm", created_at.isoformat(timespec="seconds"))
    account = e(notification, "Ntfctn")
    e(account, "Id", f"{message_id}-1"[:35])
    e(account, "CreDtTm", created_at.isoformat(timespec="seconds"))
    e(e(e(account, "Acct"), "Id"), "IBAN", account_iban)
    for number, returned in enumerate(returns, start=1):
        _return_entry(
            e, account, returned, f"{message_id}-{number}"[-35:], booking_date
        )
    return _checked(root, CAMT_054)


def _return_entry(e, account, returned: SimulatedReturn, reference, booked) -> None:
    amount = format_amount(returned.amount_cents)
    entry = e(account, "Ntry")
    e(entry, "Amt", amount, Ccy="EUR")
    e(entry, "CdtDbtInd", "CRDT")
    e(e(entry, "Sts"), "Cd", "BOOK")
    e(e(entry, "BookgDt"), "Dt", booked.isoformat())
    e(e(entry, "ValDt"), "Dt", booked.isoformat())
    e(entry, "AcctSvcrRef", reference)
    _transaction_code(e, e(entry, "BkTxCd"))
    details = e(e(entry, "NtryDtls"), "TxDtls")
    e(e(details, "Refs"), "EndToEndId", returned.end_to_end_id)
    e(details, "Amt", amount, Ccy="EUR")
    e(details, "CdtDbtInd", "CRDT")
    _transaction_code(e, e(details, "BkTxCd"))
    e(e(e(details, "RtrInf"), "Rsn"), "Cd", returned.reason_code)


def _transaction_code(e, holder) -> None:
    domain = e(holder, "Domn")
    e(domain, "Cd", "PMNT")
    family = e(domain, "Fmly")
    e(family, "Cd", "ICDT")
    e(family, "SubFmlyCd", "RRTN")


def pain002_rejects(
    *,
    original_message_id: str,
    rejects: list[tuple[str, str]],
    message_id: str,
    created_at: datetime,
    whole_message_reason: str = "",
) -> bytes:
    """A pain.002.001.10 report on our message ``original_message_id``: each
    ``(EndToEndId, reason)`` in ``rejects`` rejected, or with
    ``whole_message_reason`` the whole message."""
    e = _Builder(PAIN_NS)
    root = etree.Element(f"{{{PAIN_NS}}}Document", nsmap={None: PAIN_NS})
    report = e(root, "CstmrPmtStsRpt")
    header = e(report, "GrpHdr")
    e(header, "MsgId", message_id)
    e(header, "CreDtTm", created_at.isoformat(timespec="seconds"))
    group = e(report, "OrgnlGrpInfAndSts")
    e(group, "OrgnlMsgId", original_message_id)
    e(group, "OrgnlMsgNmId", "pain.001.001.09")
    if whole_message_reason:
        e(group, "GrpSts", "RJCT")
        e(e(e(group, "StsRsnInf"), "Rsn"), "Cd", whole_message_reason)
        return _checked(root, PAIN_002)
    e(group, "GrpSts", "PART")
    block = e(report, "OrgnlPmtInfAndSts")
    e(block, "OrgnlPmtInfId", original_message_id)
    e(block, "PmtInfSts", "PART")
    for end_to_end_id, reason in rejects:
        transaction = e(block, "TxInfAndSts")
        e(transaction, "OrgnlEndToEndId", end_to_end_id)
        e(transaction, "TxSts", "RJCT")
        e(e(e(transaction, "StsRsnInf"), "Rsn"), "Cd", reason)
    return _checked(root, PAIN_002)


def _checked(root, kind: str) -> bytes:
    schema(kind).assertValid(root)
    return etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
