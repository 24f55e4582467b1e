"""SEPA credit transfer files: pain.001.001.09 as German banks take it.

Writing streams the document with ``lxml.etree.xmlfile`` so that a file of
500,000 transfers never sits in memory as a tree, and every file is checked
against the official ISO XSD (shipped by ``sepaxml``) before anyone sees it.
The German banks' rules are in REFERENCE.md §2: UTF-8 without BOM, the SEPA
basic Latin character set, names ≤ 70, remittance ≤ 140, identifiers ≤ 35.
"""

import functools
import hashlib
import importlib.resources
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

from pauschale.common.log import get_logger

# The SEPA text conversion is shared with the applicant's form (pauschale.common);
# SEPA_CHARACTERS is re-exported for the callers that know it from here.
from pauschale.common.sepa_text import SEPA_CHARACTERS as SEPA_CHARACTERS
from pauschale.common.sepa_text import to_sepa_text

log = get_logger(__name__)

PAIN_001_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
PAIN_001_XSD = "pain.001.001.09.xsd"
MAX_NAME_LENGTH = 70
MAX_REMITTANCE_LENGTH = 140
MAX_IDENTIFIER_LENGTH = 35
NOT_PROVIDED = "NOTPROVIDED"
IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,35}$")
"""MsgId, PmtInfId and EndToEndId: the safe subset of the SEPA character set."""


def format_amount(cents: int) -> str:
    """An amount in euro cents as the decimal text pain.001 wants: ``200.00``."""
    if cents < 0:
        raise ValueError("amounts are never negative")
    return f"{cents // 100}.{cents % 100:02d}"


def parse_amount(text: str) -> int:
    """Euro cents of a pain.001 amount; raises ValueError beyond two decimals."""
    try:
        cents = Decimal(text.strip()).scaleb(2)
    except InvalidOperation:
        raise ValueError("not a decimal amount") from None
    if cents != cents.to_integral_value():
        raise ValueError("an amount in euro has at most two decimals")
    return int(cents)


@dataclass(frozen=True, slots=True)
class Debtor:
    """The paying account: the Land's cash office."""

    name: str
    iban: str
    bic: str


@dataclass(frozen=True, slots=True)
class Transfer:
    """One credit transfer; name and remittance are transliterated on writing."""

    end_to_end_id: str
    amount_cents: int
    creditor_name: str
    creditor_iban: str
    remittance: str


@dataclass(frozen=True, slots=True)
class Message:
    """Everything of one pain.001 file except its transfers.

    Count and sum go into the group header before the first transfer is
    written, so the caller states them; the writer checks them against the
    transfers it was given.
    """

    message_id: str
    created_at: datetime
    initiating_party: str
    debtor: Debtor
    execution_date: date
    transaction_count: int
    total_cents: int
    batch_booking: bool = True


@dataclass(frozen=True, slots=True)
class FileSummary:
    """What a written and validated file holds."""

    path: Path
    message_id: str
    sha256: str
    transaction_count: int
    total_cents: int


class SepaFileError(Exception):
    """A pain.001 file could not be written as stated."""


class SepaValidationError(SepaFileError):
    """A pain.001 file does not satisfy the XSD or its own counts and sums.

    ``errors`` holds ``(line, message)`` pairs; values from the file are redacted
    from the messages, because they may be names or IBANs.
    """

    def __init__(self, path: Path, errors: list[tuple[int, str]]):
        self.path = Path(path)
        self.errors = errors
        shown = "; ".join(f"line {line}: {message}" for line, message in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(
            f"{self.path} is not a valid {PAIN_001_XSD} file: {shown}{more}"
        )


# --- writing ----------------------------------------------------------------------


def write_pain001(
    path: Path, message: Message, transfers: Iterable[Transfer]
) -> FileSummary:
    """Write one pain.001.001.09 file with one PmtInf, then validate it.

    The file appears under ``path`` only when it is complete and valid; it is
    written beside it first and never replaces an existing file (a MsgId is sent
    once). On any failure nothing is left behind and SepaFileError (or
    SepaValidationError) is raised. Files hold personal data, so they are
    readable by the owner only.
    """
    path = Path(path)
    partial = path.with_name(f".{path.name}.part")
    try:
        sha256, count, total = _write_document(partial, message, transfers)
        if (count, total) != (message.transaction_count, message.total_cents):
            raise SepaFileError(
                f"{path}: stated {message.transaction_count} transfers of "
                f"{format_amount(message.total_cents)} EUR, given {count} of "
                f"{format_amount(total)} EUR"
            )
        try:
            validate_pain001(partial)
        except SepaValidationError as exc:
            raise SepaValidationError(path, exc.errors) from None
        # A hard link fails if the target exists, unlike a rename.
        os.link(partial, path)
    except FileExistsError:
        raise SepaFileError(
            f"{path} exists already; a message is written once"
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return FileSummary(
        path=path,
        message_id=message.message_id,
        sha256=sha256,
        transaction_count=count,
        total_cents=total,
    )


class _HashingFile:
    """A binary file that also computes the SHA-256 of what passes through."""

    def __init__(self, raw):
        self.raw = raw
        self.hash = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        return self.raw.write(data)

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.hash.update(data)
        return data


class _Writer:
    """Opens elements in the pain.001 namespace, one per line, indented."""

    def __init__(self, xf):
        self.xf = xf
        self.depth = 0

    @contextmanager
    def element(self, tag: str) -> Iterator[None]:
        self.xf.write("\n" + "  " * self.depth)
        self.depth += 1
        with self.xf.element(f"{{{PAIN_001_NAMESPACE}}}{tag}"):
            yield
            self.depth -= 1
            self.xf.write("\n" + "  " * self.depth)

    def leaf(self, tag: str, text: str, **attributes: str) -> None:
        self.xf.write("\n" + "  " * self.depth)
        with self.xf.element(f"{{{PAIN_001_NAMESPACE}}}{tag}", attributes):
            self.xf.write(text)


def _write_document(
    path: Path, message: Message, transfers: Iterable[Transfer]
) -> tuple[str, int, int]:
    """Stream the document to ``path``; returns its SHA-256, count and sum."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "wb") as raw:
        out = _HashingFile(raw)
        with etree.xmlfile(out, encoding="UTF-8") as xf:
            xf.write_declaration()
            with xf.element(
                f"{{{PAIN_001_NAMESPACE}}}Document", nsmap={None: PAIN_001_NAMESPACE}
            ):
                w = _Writer(xf)
                w.depth = 1
                with w.element("CstmrCdtTrfInitn"):
                    _write_group_header(w, message)
                    with w.element("PmtInf"):
                        _write_payment_information(w, message)
                        count, total = _write_transfers(w, transfers)
    return out.hash.hexdigest(), count, total


def _write_group_header(w: _Writer, message: Message) -> None:
    with w.element("GrpHdr"):
        w.leaf("MsgId", message.message_id)
        w.leaf("CreDtTm", message.created_at.isoformat(timespec="seconds"))
        w.leaf("NbOfTxs", str(message.transaction_count))
        w.leaf("CtrlSum", format_amount(message.total_cents))
        with w.element("InitgPty"):
            w.leaf("Nm", to_sepa_text(message.initiating_party, MAX_NAME_LENGTH))


def _write_payment_information(w: _Writer, message: Message) -> None:
    debtor = message.debtor
    w.leaf("PmtInfId", message.message_id)
    w.leaf("PmtMtd", "TRF")
    w.leaf("BtchBookg", "true" if message.batch_booking else "false")
    w.leaf("NbOfTxs", str(message.transaction_count))
    w.leaf("CtrlSum", format_amount(message.total_cents))
    with w.element("PmtTpInf"), w.element("SvcLvl"):
        w.leaf("Cd", "SEPA")
    with w.element("ReqdExctnDt"):
        w.leaf("Dt", message.execution_date.isoformat())
    with w.element("Dbtr"):
        w.leaf("Nm", to_sepa_text(debtor.name, MAX_NAME_LENGTH))
    with w.element("DbtrAcct"), w.element("Id"):
        w.leaf("IBAN", debtor.iban)
    with w.element("DbtrAgt"), w.element("FinInstnId"):
        w.leaf("BICFI", debtor.bic)
    w.leaf("ChrgBr", "SLEV")


def _creditor_name(transfer: Transfer) -> str:
    name = to_sepa_text(transfer.creditor_name, MAX_NAME_LENGTH)
    if name:
        return name
    # A name in a script without Latin letters leaves nothing. The bank credits
    # by IBAN, so the transfer goes out with the placeholder SEPA uses for
    # missing text rather than the whole file failing the XSD.
    log.warning("sepa_creditor_name_empty", end_to_end_id=transfer.end_to_end_id)
    return NOT_PROVIDED


def _write_transfers(w: _Writer, transfers: Iterable[Transfer]) -> tuple[int, int]:
    count = total = 0
    for transfer in transfers:
        with w.element("CdtTrfTxInf"):
            with w.element("PmtId"):
                w.leaf("EndToEndId", transfer.end_to_end_id)
            with w.element("Amt"):
                w.leaf("InstdAmt", format_amount(transfer.amount_cents), Ccy="EUR")
            # IBAN only: within SEPA the creditor's BIC is optional, and a
            # domestic or EEA transfer needs no creditor address.
            with w.element("Cdtr"):
                w.leaf("Nm", _creditor_name(transfer))
            with w.element("CdtrAcct"), w.element("Id"):
                w.leaf("IBAN", transfer.creditor_iban)
            with w.element("RmtInf"):
                w.leaf(
                    "Ustrd", to_sepa_text(transfer.remittance, MAX_REMITTANCE_LENGTH)
                )
        count += 1
        total += transfer.amount_cents
    return count, total


# --- validation -------------------------------------------------------------------


@functools.cache
def _pain001_xsd():
    resource = importlib.resources.files("sepaxml") / "schemas" / PAIN_001_XSD
    with importlib.resources.as_file(resource) as xsd_path:
        return etree.parse(str(xsd_path))


def pain001_schema() -> etree.XMLSchema:
    """The official ISO 20022 XSD of pain.001.001.09, as shipped by sepaxml.

    A new object each time (about a millisecond): a schema object collects the
    errors of every document it has seen, so sharing one would mix reports.
    """
    return etree.XMLSchema(_pain001_xsd())


def validate_pain001(path: Path) -> FileSummary:
    """Check a pain.001.001.09 file against the XSD and its own counts and sums.

    Reads the file in bounded memory. Raises SepaValidationError with the line
    and message of each problem; returns what the file holds.
    """
    path = Path(path)
    schema = pain001_schema()
    errors: list[tuple[int, str]] = []
    sums = _Sums()
    # lxml reports the errors of earlier documents of this thread along with a
    # parse error unless its error log is emptied first.
    etree.clear_error_log()
    try:
        with open(path, "rb") as raw:
            source = _HashingFile(raw)
            for _event, element in etree.iterparse(
                source, events=("end",), schema=schema, huge_tree=True
            ):
                sums.see(element, errors)
                if element.tag == _TX_TAG:
                    _drop_previous_transfers(element)
    except etree.XMLSyntaxError as exc:
        schema_errors = [e for e in exc.error_log if e.domain_name == "SCHEMASV"]
        if any(e.domain_name == "PARSER" for e in exc.error_log) or not schema_errors:
            errors.append((exc.lineno or 0, f"not well-formed XML: {_redact(exc.msg)}"))
        else:
            errors.extend(_locate_schema_errors(path, schema, schema_errors))
    except OSError as exc:
        raise SepaFileError(f"{path} cannot be read: {exc.strerror}") from None
    if errors:
        raise SepaValidationError(path, errors)
    return FileSummary(
        path=path,
        message_id=sums.message_id,
        sha256=source.hash.hexdigest(),
        transaction_count=sums.file_count,
        total_cents=sums.file_total,
    )


def _qname(tag: str) -> str:
    return f"{{{PAIN_001_NAMESPACE}}}{tag}"


_TX_TAG = _qname("CdtTrfTxInf")
_PMTINF_TAG = _qname("PmtInf")
_GRPHDR_TAG = _qname("GrpHdr")
_END_TO_END_TAG = _qname("EndToEndId")


def _drop_previous_transfers(element) -> None:
    parent = element.getparent()
    for previous in list(element.itersiblings(_TX_TAG, preceding=True)):
        parent.remove(previous)


_LOCATED_ERRORS = 5


def _locate_schema_errors(path: Path, schema, streamed) -> list[tuple[int, str]]:
    """Find the lines of the errors that streaming validation reported without.

    libxml2 validates a stream without knowing positions, so the file is read a
    second time and each PmtInf header, and each transfer in turn, is validated
    as a small document of its own; lines are mapped back to the file. Stops
    after a few transfers with errors. A failure path only: it is slow.
    """
    located: list[tuple[int, str]] = []
    failed_transfers = 0
    skeleton = None
    try:
        for _event, element in etree.iterparse(
            str(path), events=("end",), huge_tree=True
        ):
            if element.tag != _TX_TAG:
                continue
            if skeleton is None or skeleton.block is not element.getparent():
                skeleton = _Skeleton(element.getparent())
                located.extend(skeleton.header_errors(schema, element))
            tx_errors = skeleton.transfer_errors(schema, element)
            located.extend(tx_errors)
            failed_transfers += bool(tx_errors)
            if failed_transfers >= _LOCATED_ERRORS:
                break
            _drop_previous_transfers(element)
    except etree.XMLSyntaxError as exc:
        located.append((exc.lineno or 0, f"not well-formed XML: {_redact(exc.msg)}"))
    located = list(dict.fromkeys(located))
    if not located:
        # Nothing found transfer by transfer: the error lies outside the
        # transfers (e.g. a missing PmtInf); report it without a line.
        located = [(0, _redact(e.message)) for e in streamed[:_LOCATED_ERRORS]]
    return located


class _Skeleton:
    """The document around one PmtInf, without its transfers, as text."""

    _MARK = "<!--transfer-->"

    def __init__(self, block):
        self.block = block
        root = block.getroottree().getroot()
        initiation = block.getparent()
        copy_root = etree.Element(root.tag, nsmap=root.nsmap)
        copy_initiation = etree.SubElement(copy_root, initiation.tag)
        copy_initiation.text = initiation.text
        for child in initiation:
            if child.tag == _GRPHDR_TAG:
                copy_initiation.append(_copy_with_tail(child))
        copy_block = etree.SubElement(copy_initiation, block.tag)
        copy_block.text = block.text
        for child in block:
            if child.tag == _TX_TAG:
                break
            copy_block.append(_copy_with_tail(child))
        copy_block.append(etree.Comment("transfer"))
        text = etree.tostring(copy_root, xml_declaration=True, encoding="UTF-8")
        self.head, self.tail = text.decode("utf-8").split(self._MARK)
        self.transfer_line = self.head.count("\n") + 1
        self.block_line = self.head[: self.head.rindex("<PmtInf")].count("\n") + 1

    def _errors(self, schema, transfer) -> list:
        body = etree.tostring(transfer, encoding="unicode", with_tail=False)
        document = etree.fromstring((self.head + body + self.tail).encode("utf-8"))
        schema.validate(document)
        return list(schema.error_log)

    def header_errors(self, schema, transfer) -> list[tuple[int, str]]:
        shift = (self.block.sourceline or 0) - self.block_line
        return [
            (
                e.line + shift if e.line >= self.block_line else e.line,
                _redact(e.message),
            )
            for e in self._errors(schema, transfer)
            if e.line < self.transfer_line
        ]

    def transfer_errors(self, schema, transfer) -> list[tuple[int, str]]:
        shift = (transfer.sourceline or 0) - self.transfer_line
        reference = transfer.findtext(f"*/{_END_TO_END_TAG}") or "?"
        return [
            (e.line + shift, f"transfer {reference}: {_redact(e.message)}")
            for e in self._errors(schema, transfer)
            if e.line >= self.transfer_line
        ]


def _copy_with_tail(element):
    copied = deepcopy(element)
    copied.tail = element.tail
    return copied


class _Sums:
    """Counts transfers and adds amounts while parsing, per PmtInf and per file."""

    def __init__(self):
        self.message_id = ""
        self.header: dict[str, tuple[int, str]] = {}
        self.block: dict[str, tuple[int, str]] = {}
        self.block_count = self.block_total = 0
        self.file_count = self.file_total = 0

    def see(self, element, errors: list[tuple[int, str]]) -> None:
        tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
        parent = element.getparent()
        if tag in ("MsgId", "NbOfTxs", "CtrlSum") and parent is not None:
            stated = (element.sourceline or 0, (element.text or "").strip())
            if parent.tag == _GRPHDR_TAG:
                self.header[tag] = stated
            elif parent.tag == _PMTINF_TAG:
                self.block[tag] = stated
        elif tag == "InstdAmt":
            try:
                self.block_total += parse_amount(element.text or "")
            except ValueError as exc:
                errors.append((element.sourceline or 0, f"InstdAmt: {exc}"))
        elif element.tag == _TX_TAG:
            self.block_count += 1
        elif element.tag == _PMTINF_TAG:
            self._check(
                self.block, self.block_count, self.block_total, "PmtInf", errors
            )
            self.file_count += self.block_count
            self.file_total += self.block_total
            self.block, self.block_count, self.block_total = {}, 0, 0
        elif element.tag == _GRPHDR_TAG:
            self.message_id = self.header.get("MsgId", (0, ""))[1]
        elif parent is None:
            self._check(self.header, self.file_count, self.file_total, "GrpHdr", errors)

    @staticmethod
    def _check(stated, count: int, total: int, where: str, errors) -> None:
        if "NbOfTxs" in stated and stated["NbOfTxs"][1] != str(count):
            line = stated["NbOfTxs"][0]
            errors.append(
                (line, f"{where}/NbOfTxs is not the number of transfers ({count})")
            )
        if "CtrlSum" in stated:
            line, text = stated["CtrlSum"]
            try:
                matches = parse_amount(text) == total
            except ValueError:
                matches = False
            if not matches:
                message = f"{where}/CtrlSum is not the sum of the transfers"
                errors.append((line, f"{message} ({format_amount(total)})"))


# libxml2 quotes the offending value in some messages ("The value 'DE00' is not
# accepted by the pattern ..."); it may be a name or an IBAN, so it never leaves
# this module.
_QUOTED_VALUE = re.compile(r"(?:The value |^|: )'.*'(?= is not )")


def _redact(message: str) -> str:
    message = message.replace(f"{{{PAIN_001_NAMESPACE}}}", "")
    return _QUOTED_VALUE.sub(lambda m: m.group(0).split("'", 1)[0] + "[value]", message)
