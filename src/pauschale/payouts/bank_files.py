"""Reading what the bank sends back: camt.054.001.08 returns, pain.002.001.10 rejects.

Each file is checked against the official ISO XSD first (put into
``PAUSCHALE_SCHEMA_DIR`` by ``scripts/fetch-iso-schemas``) and only then read.
A file with a document type declaration is refused before that: bank files
have none, and entities are never resolved. A file that fails is refused as a
whole with the line and field of each problem; values from the file never
appear in a message, because a bank file holds names and IBANs. Nothing here
touches the database.

- camt.054: an entry is a return when its bank transaction code is
  PMNT/ICDT/RRTN or its transaction details carry return information; the
  original EndToEndId is in ``TxDtls/Refs/EndToEndId``, the reason in
  ``TxDtls/RtrInf/Rsn/Cd`` (REFERENCE.md §2.6).
- pain.002: a transaction with ``TxSts`` RJCT is a reject
  (``OrgnlEndToEndId``, ``StsRsnInf/Rsn/Cd``); a whole message or payment
  block with status RJCT and no transaction details rejects every transfer of
  the original message.
"""

import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext, gettext_noop

from lxml import etree

from .sepa import parse_amount

CAMT_054 = "camt.054"
PAIN_002 = "pain.002"
NAMESPACES = {
    "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08": CAMT_054,
    "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10": PAIN_002,
}
XSD_FILES = {CAMT_054: "camt.054.001.08.xsd", PAIN_002: "pain.002.001.10.xsd"}
MAX_FILE_BYTES = 200 * 1024 * 1024
"""A bank's return or status file is small; anything this large is refused."""
RETURN_CODE = ("PMNT", "ICDT", "RRTN")
"""Bank transaction code (domain, family, sub-family) of a returned transfer."""
_REJECTED = "RJCT"


@dataclass(frozen=True)
class Problem:
    """One reason a file is refused. ``message`` is English and a msgid of this
    module's catalogue; ``detail`` fills its ``%(detail)s`` (libxml2's words or
    a code, with values replaced) and is never translated; ``values`` fills
    further placeholders (ids, dates, XSD type names), never a value of the file."""

    line: int
    field: str
    message: str
    detail: str = ""
    values: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        """In English, for the command and logs."""
        return self._shown(self.message, "line %(line)s")

    @property
    def text(self) -> str:
        """In the active language, for the pages."""
        return self._shown(gettext(self.message), gettext("line %(line)s"))

    def _shown(self, message: str, line: str) -> str:
        where = [line % {"line": self.line}] if self.line else []
        if self.field:
            where.append(self.field)
        message = message % {"detail": self.detail, **self.values}
        return f"{', '.join(where)}: {message}" if where else message


class BankFileError(Exception):
    """A file from the bank cannot be used; names the file, and line and field of
    each problem. Carries no value from the file."""

    def __init__(self, name: str, problems: list[Problem]):
        self.name = name
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{name}: {shown}{more}")


@dataclass(frozen=True)
class ReportedReturn:
    """One returned or rejected transfer as the file reports it."""

    position: int
    line: int
    end_to_end_id: str
    reason_code: str
    amount_cents: int | None = None
    booking_date: date | None = None
    bank_reference: str = ""


@dataclass(frozen=True)
class RejectedMessage:
    """A pain.002 that rejects a whole original message or payment block."""

    message_id: str
    reason_code: str
    line: int


@dataclass(frozen=True)
class NotifiedAccount:
    """camt.054: an account the notification is about, and where the file names it."""

    iban: str
    """Empty if the account is not identified by an IBAN."""
    line: int


@dataclass
class BankFileContent:
    kind: str
    message_id: str
    created_at: datetime | None
    accounts: list[NotifiedAccount] = field(default_factory=list)
    """camt.054: the accounts notified about (the Land's payer account)."""
    original_message_ids: set[str] = field(default_factory=set)
    """pain.002: the MsgIds of our pain.001 files the report is about."""
    original_message_line: int = 0
    """pain.002: the line of ``OrgnlMsgId``."""
    returns: list[ReportedReturn] = field(default_factory=list)
    rejected_messages: list[RejectedMessage] = field(default_factory=list)
    other_entries: int = 0
    """Entries or statuses that are no return or reject (bookings, acceptances)."""

    @property
    def account_ibans(self) -> set[str]:
        return {account.iban for account in self.accounts if account.iban}


# --- schemas ------------------------------------------------------------------------


class SchemaMissing(RuntimeError):
    """The ISO XSDs are not in place: run ``make setup`` (scripts/fetch-iso-schemas)."""


@functools.cache
def _schema_document(kind: str):
    path = Path(settings.PAUSCHALE_SCHEMA_DIR) / XSD_FILES[kind]
    if not path.is_file():
        raise SchemaMissing(
            f"{path} is missing; run 'make setup' or scripts/fetch-iso-schemas "
            f"{settings.PAUSCHALE_SCHEMA_DIR}"
        )
    return etree.parse(str(path))


def schema(kind: str) -> etree.XMLSchema:
    """The official ISO XSD of ``kind`` (``camt.054`` or ``pain.002``), a new
    validator each time so that error logs of different files never mix."""
    return etree.XMLSchema(_schema_document(kind))


# --- reading --------------------------------------------------------------------------


def read_bank_file(data: bytes, name: str) -> BankFileContent:
    """Parse, validate and read a camt.054.001.08 or pain.002.001.10 file.

    Raises BankFileError naming line and field of every problem.
    """
    if len(data) > MAX_FILE_BYTES:
        message = gettext_noop("the file is larger than 200 MB")
        raise BankFileError(name, [Problem(0, "", message)])
    root = _parse(data, name)
    _refuse_doctype(root, data, name)
    kind = _kind_of(root, name)
    _validate(root, kind, name)
    if kind == CAMT_054:
        return _read_camt054(root, name)
    return _read_pain002(root, name)


def _parse(data: bytes, name: str):
    # Entities are never resolved and nothing is loaded, from the network or
    # from files; a document with a DTD is refused after parsing anyway.
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=True,
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        message = gettext_noop("not well-formed XML: %(detail)s")
        problem = Problem(exc.lineno or 0, "", message, _redact(exc.msg))
        raise BankFileError(name, [problem]) from None


def _refuse_doctype(root, data: bytes, name: str) -> None:
    """Bank files never have a DOCTYPE; one with a DTD, and so perhaps entities,
    is refused before the schema sees it (libxml2 cannot validate entity nodes)."""
    info = root.getroottree().docinfo
    if not info.doctype and info.internalDTD is None and info.externalDTD is None:
        return
    message = gettext_noop(
        "the file has a document type declaration (DOCTYPE); bank files never have one"
    )
    line = _line_of(data, info.encoding, "<!DOCTYPE")
    raise BankFileError(name, [Problem(line, "", message)])


def _line_of(data: bytes, encoding: str | None, text: str) -> int:
    """The line where ``text`` first appears; 0 if it cannot be told."""
    try:
        decoded = data.decode(encoding or "utf-8")
    except (LookupError, UnicodeDecodeError):
        return 0
    position = decoded.find(text)
    return decoded.count("\n", 0, position) + 1 if position >= 0 else 0


def _kind_of(root, name: str) -> str:
    qname = etree.QName(root)
    kind = NAMESPACES.get(qname.namespace or "")
    if kind is None or qname.localname != "Document":
        message = gettext_noop(
            "not a camt.054.001.08 or pain.002.001.10 document "
            "(namespace must be one of %(detail)s)"
        )
        expected = ", ".join(sorted(NAMESPACES))
        problem = Problem(root.sourceline or 0, qname.localname, message, expected)
        raise BankFileError(name, [problem])
    return kind


def _validate(root, kind: str, name: str) -> None:
    validator = schema(kind)
    if validator.validate(root):
        return
    problems = []
    for error in validator.error_log:
        element = _element_at(root, error.path)
        attribute = _ELEMENT_PREFIX.match(error.message)
        attribute = attribute.group("attribute") if attribute else None
        where = _field_of(root, element)
        if where and attribute:
            where = f"{where}/@{attribute}"
        type_name = ""
        if where and not attribute and _is_about_a_value(error.message):
            type_name = _declared_type(kind, where)
        if type_name:
            message = gettext_noop(
                "does not match the ISO schema (type %(type)s): %(detail)s"
            )
        else:
            message = gettext_noop("does not match the ISO schema: %(detail)s")
        detail = _clean(error.message, _document_values(element))
        values = {"type": type_name} if type_name else {}
        problems.append(Problem(error.line, where, message, detail, values))
    raise BankFileError(name, problems)


def _is_about_a_value(message: str) -> bool:
    """True for an error on an element's value (a facet or its simple type),
    where the XSD type says what was expected; False for the structure."""
    return "[facet '" in message or " is not a valid value of " in message


def _element_at(root, path: str | None):
    """The element an error of the schema validator points to, or None."""
    if not path:
        return None
    try:
        found = root.getroottree().xpath(path)
    except etree.XPathError:
        return None
    if not found or not isinstance(found[0], etree._Element):
        return None
    return found[0]


def _field_of(root, element) -> str:
    """The element path of an error in local names: ``Ntfctn/Ntry/Amt``."""
    names = []
    while element is not None and element is not root:
        names.append(etree.QName(element).localname)
        element = element.getparent()
    return "/".join(reversed(names))


_XS = "{http://www.w3.org/2001/XMLSchema}"


def _declared_type(kind: str, where: str) -> str:
    """The XSD type the schema gives the element at ``where`` (a path of local
    names below the document), e.g. ``IBAN2007Identifier``; empty if not found.

    The ISO schemas declare every type at the top level and every element
    inside the named type of its parent, so the path is followed type by type.
    """
    types = _schema_types(kind)
    type_name = "Document"
    for local_name in where.split("/"):
        declared = types.get(type_name)
        if declared is None:
            return ""
        element = next(
            (e for e in declared.iter(f"{_XS}element") if e.get("name") == local_name),
            None,
        )
        if element is None:
            return ""
        type_name = element.get("type", "")
    return type_name


@functools.cache
def _schema_types(kind: str) -> dict:
    root = _schema_document(kind).getroot()
    return {
        t.get("name"): t
        for t in root
        if t.tag in (f"{_XS}complexType", f"{_XS}simpleType") and t.get("name")
    }


def _document_values(element) -> list[str]:
    """The values an error message may quote: the text and attribute values of
    the element it is about, as written and as the schema sees them."""
    if element is None:
        return []
    written = [element.text or "", *element.attrib.values()]
    seen = {v for w in written for v in (w, w.strip(), " ".join(w.split())) if v}
    return sorted(seen, key=len, reverse=True)


_ELEMENT_PREFIX = re.compile(
    r"^Element '[^']*'(?:, attribute '(?P<attribute>[^']*)')?: "
)
_VALUE_SLOTS = (
    # libxml2 quotes the value of the document in these two places only; the
    # lookahead lets a value contain an apostrophe.
    re.compile(r"(?<=The value )'.*?'(?= (?:is|has|must|does) )", re.DOTALL),
    re.compile(r"^'.*?'(?= is not a valid value )", re.DOTALL),
)
_SCHEMA_SET = re.compile(r"(the set \{[^}]*\})")
_NAMESPACE = re.compile(r"\{[^{}'\s]*:[^{}'\s]*\}")
_QUOTED = re.compile(r"(facet |type |pattern |attribute |element )?'([^']*)'")


def _clean(message: str, values: list[str]) -> str:
    """libxml2's message on a schema error without the document's values.

    Names from the schema stay (element and attribute names, XSD types,
    facets, patterns, the allowed codes of an enumeration): they are the
    meaning of the message. The values of the element are replaced first,
    then whatever libxml2 quotes where it puts a value.
    """
    message = _ELEMENT_PREFIX.sub("", message)
    for value in values:
        message = message.replace(f"'{value}'", "[value]")
    for slot in _VALUE_SLOTS:
        message = slot.sub("[value]", message)
    parts = _SCHEMA_SET.split(message)
    # Odd parts are enumerations of the schema: their codes are kept.
    parts[::2] = [_redact(part) for part in parts[::2]]
    return _NAMESPACE.sub("", "".join(parts))


def _redact(message: str) -> str:
    """Drop quoted values (they may be names or IBANs); keep numbers and the
    names that follow 'facet', 'type', 'pattern', 'attribute' or 'element'."""
    return _QUOTED.sub(
        lambda m: m.group(0) if m.group(1) or m.group(2).isdigit() else "[value]",
        message,
    )


# --- camt.054 ---------------------------------------------------------------------------


def _local(element) -> str:
    return etree.QName(element).localname


def _child(element, *names: str):
    """The first descendant along ``names`` (local names), or None."""
    for name in names:
        if element is None:
            return None
        element = next((c for c in element if _is(c, name)), None)
    return element


def _children(element, name: str) -> list:
    return [c for c in element if _is(c, name)] if element is not None else []


def _is(element, name: str) -> bool:
    return isinstance(element.tag, str) and _local(element) == name


def _text(element, *names: str) -> str:
    found = _child(element, *names)
    return (found.text or "").strip() if found is not None else ""


# ISO 20022 allows a date-time without offset; a German bank then means its
# own local time.
_BANK_TIME_ZONE = ZoneInfo("Europe/Berlin")


def _datetime(text: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_BANK_TIME_ZONE)
    return value


def _date(element, *names: str) -> date | None:
    holder = _child(element, *names)
    if holder is None:
        return None
    text = _text(holder, "Dt") or _text(holder, "DtTm")[:10]
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _amount(element, problems: list[Problem]) -> int | None:
    """Cents of an amount element in EUR; a problem for other currencies."""
    if element is None:
        return None
    if element.get("Ccy") != "EUR":
        message = gettext_noop("the amount is not in EUR")
        problems.append(Problem(element.sourceline or 0, _path(element), message))
        return None
    try:
        return parse_amount(element.text or "")
    except ValueError:
        message = gettext_noop("the amount is not in euro with at most two decimals")
        problems.append(Problem(element.sourceline or 0, _path(element), message))
        return None


def _path(element) -> str:
    names = []
    while element is not None and element.getparent() is not None:
        names.append(_local(element))
        element = element.getparent()
    return "/".join(reversed(names))


def _read_camt054(root, name: str) -> BankFileContent:
    notification = _child(root, "BkToCstmrDbtCdtNtfctn")
    content = BankFileContent(
        kind=CAMT_054,
        message_id=_text(notification, "GrpHdr", "MsgId"),
        created_at=_datetime(_text(notification, "GrpHdr", "CreDtTm")),
    )
    problems: list[Problem] = []
    for account in _children(notification, "Ntfctn"):
        holder = _child(account, "Acct")
        content.accounts.append(
            NotifiedAccount(_text(holder, "Id", "IBAN"), holder.sourceline or 0)
        )
        for entry in _children(account, "Ntry"):
            if _is_return(entry):
                _read_return_entry(entry, content, problems)
            else:
                content.other_entries += 1
    if problems:
        raise BankFileError(name, problems)
    return content


def _is_return(entry) -> bool:
    if _text(entry, "Sts", "Cd") not in ("", "BOOK"):
        return False  # pending or information only: not a return yet
    domain = _child(entry, "BkTxCd", "Domn")
    code = (
        _text(domain, "Cd"),
        _text(domain, "Fmly", "Cd"),
        _text(domain, "Fmly", "SubFmlyCd"),
    )
    if code == RETURN_CODE:
        return True
    return any(
        _child(details, "RtrInf") is not None
        for group in _children(entry, "NtryDtls")
        for details in _children(group, "TxDtls")
    )


def _read_return_entry(entry, content: BankFileContent, problems) -> None:
    entry_amount = _amount(_child(entry, "Amt"), problems)
    booked = _date(entry, "BookgDt") or _date(entry, "ValDt")
    entry_reference = _text(entry, "AcctSvcrRef")
    transactions = [
        details
        for group in _children(entry, "NtryDtls")
        for details in _children(group, "TxDtls")
    ]
    if not transactions:
        # A return without details: kept, so that staff can look for it.
        content.returns.append(
            ReportedReturn(
                position=len(content.returns) + 1,
                line=entry.sourceline or 0,
                end_to_end_id="",
                reason_code="",
                amount_cents=entry_amount,
                booking_date=booked,
                bank_reference=entry_reference,
            )
        )
        return
    for details in transactions:
        amount = _child(details, "Amt")
        if amount is None:
            amount = _child(details, "AmtDtls", "TxAmt", "Amt")
        cents = _amount(amount, problems)
        if amount is None and len(transactions) == 1:
            cents = entry_amount
        reason = _child(details, "RtrInf", "Rsn")
        content.returns.append(
            ReportedReturn(
                position=len(content.returns) + 1,
                line=details.sourceline or 0,
                end_to_end_id=_text(details, "Refs", "EndToEndId"),
                reason_code=(_text(reason, "Cd") or _text(reason, "Prtry"))[:4],
                amount_cents=cents,
                booking_date=booked,
                bank_reference=_text(details, "Refs", "AcctSvcrRef") or entry_reference,
            )
        )


# --- pain.002 ----------------------------------------------------------------------------


def _status_reason(element) -> str:
    reason = _child(element, "StsRsnInf", "Rsn")
    return (_text(reason, "Cd") or _text(reason, "Prtry"))[:4]


def _read_pain002(root, name: str) -> BankFileContent:
    report = _child(root, "CstmrPmtStsRpt")
    group = _child(report, "OrgnlGrpInfAndSts")
    original = _text(group, "OrgnlMsgId")
    content = BankFileContent(
        kind=PAIN_002,
        message_id=_text(report, "GrpHdr", "MsgId"),
        created_at=_datetime(_text(report, "GrpHdr", "CreDtTm")),
        original_message_ids={original},
        original_message_line=_child(group, "OrgnlMsgId").sourceline or 0,
    )
    blocks = _children(report, "OrgnlPmtInfAndSts")
    has_transactions = any(_children(b, "TxInfAndSts") for b in blocks)
    if _text(group, "GrpSts") == _REJECTED and not has_transactions:
        content.rejected_messages.append(
            RejectedMessage(original, _status_reason(group), group.sourceline or 0)
        )
        return content

    problems: list[Problem] = []
    for block in blocks:
        transactions = _children(block, "TxInfAndSts")
        if _text(block, "PmtInfSts") == _REJECTED and not transactions:
            content.rejected_messages.append(
                RejectedMessage(
                    _text(block, "OrgnlPmtInfId"),
                    _status_reason(block) or _status_reason(group),
                    block.sourceline or 0,
                )
            )
            continue
        for transaction in transactions:
            if _text(transaction, "TxSts") != _REJECTED:
                content.other_entries += 1
                continue
            amount = _child(transaction, "OrgnlTxRef", "Amt", "InstdAmt")
            content.returns.append(
                ReportedReturn(
                    position=len(content.returns) + 1,
                    line=transaction.sourceline or 0,
                    end_to_end_id=_text(transaction, "OrgnlEndToEndId"),
                    reason_code=_status_reason(transaction)
                    or _status_reason(block)
                    or _status_reason(group),
                    amount_cents=_amount(amount, problems),
                    bank_reference=_text(transaction, "AcctSvcrRef"),
                )
            )
    if not blocks:
        content.other_entries += 1  # a status of the whole message only (e.g. ACTC)
    if problems:
        raise BankFileError(name, problems)
    return content
