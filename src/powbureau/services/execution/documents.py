"""What leaves the bureau on paper or in files: the execution sheet, the executed list.

Every one of them is a read of persons' data and is audited, with the file's SHA-256.
The executed list names only the men of the agreed list (exchanged, or not handed over)
and men added at the border with both parties' agreement; the bureau's notes and the
reasons of its resolutions never leave it. The ICRC's list adds how each man travelled.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from powbureau.domain.access import Reader
from powbureau.domain.audit import AuditAction
from powbureau.domain.errors import RuleViolation
from powbureau.domain.events import utc_now
from powbureau.domain.execution import DiscrepancyKind, Outcome
from powbureau.domain.people import Custody, display_name
from powbureau.interchange.execution_files import EXECUTED_LIST_COLUMNS, ICRC_COLUMNS
from powbureau.interchange.execution_files import executed_list_csv as _csv_bytes
from powbureau.services.audit import record_read
from powbureau.services.execution.handover import (
    HANDED_OVER,
    RECEIVED,
    ScanInfo,
    exchange_key,
    executed_handover,
    scan_infos,
)
from powbureau.store.uow import UnitOfWork

__all__ = [
    "Audience",
    "Document",
    "ExecutedList",
    "ExecutionSheet",
    "SheetLine",
    "executed_list",
    "executed_list_csv",
    "executed_list_pdf",
    "execution_sheet",
    "execution_sheet_pdf",
    "execution_view",
]


class Audience(StrEnum):
    """Whom a report is written for."""

    OTHER_PARTY = "other_party"
    ICRC = "icrc"


@dataclass(frozen=True)
class Document:
    """A file the bureau wrote, with the SHA-256 its audit record names."""

    filename: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        """The SHA-256 of the content, in lower-case hex."""
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class SheetLine:
    """A line of the printed sheet: the man as his record names him; the rest is filled by hand."""

    line: int
    person_id: str
    version: int
    name: str
    birth_date: str
    rank: str
    service_number: str
    direction: str


@dataclass(frozen=True)
class ExecutionSheet:
    """The printable sheet of an exchange's agreed list."""

    exchange_id: str
    lines: tuple[SheetLine, ...]


@dataclass(frozen=True)
class ExecutedList:
    """The executed list for one audience: only what may leave the bureau."""

    exchange_id: str
    audience: Audience
    handover: dict[str, Any]
    rows: list[dict[str, Any]]
    scans: list[ScanInfo]

    @property
    def person_ids(self) -> list[str]:
        """The men the list names."""
        return [r["person_id"] for r in self.rows]


def _sheet(uow: UnitOfWork, exchange_id: str, persons: Sequence[str]) -> ExecutionSheet:
    lines: list[SheetLine] = []
    for n, ref in enumerate(dict.fromkeys(persons), start=1):
        person_id = uow.persons.resolve(ref)
        row = uow.persons.get(person_id)
        lines.append(
            SheetLine(
                line=n,
                person_id=person_id,
                version=int(row["version"]),
                name=display_name(row),
                birth_date=row["birth_date"] or "",
                rank=row["rank"] or "",
                service_number=row["service_number"] or "",
                direction=RECEIVED if row["custody"] == Custody.OWN else HANDED_OVER,
            )
        )
    if not lines:
        raise RuleViolation(f"the agreed list of exchange {exchange_id} is empty")
    return ExecutionSheet(exchange_id, tuple(lines))


def execution_sheet(
    *, uow: UnitOfWork, reader: Reader, exchange_id: str, persons: Sequence[str]
) -> ExecutionSheet:
    """The sheet's data: each man of the agreed list, his id and version, names as written; audited.

    Raises:
        PersonNotFound: a man of the list is not in the registry.
        RuleViolation: the list is empty.
    """
    exchange_id = exchange_key(exchange_id)
    with uow:
        sheet = _sheet(uow, exchange_id, persons)
    record_read(
        uow=uow,
        reader=reader,
        action=AuditAction.EXECUTION_SHEET,
        person_ids=[x.person_id for x in sheet.lines],
    )
    return sheet


def execution_sheet_pdf(
    *, uow: UnitOfWork, reader: Reader, exchange_id: str, persons: Sequence[str], language: str = "uk"
) -> Document:
    """The sheet as a PDF to print and take to the border; audited with the file's hash.

    Raises:
        PersonNotFound, RuleViolation: as :func:`execution_sheet`.
    """
    from powbureau.web.documents import render_pdf

    exchange_id = exchange_key(exchange_id)
    with uow:
        sheet = _sheet(uow, exchange_id, persons)
    content = render_pdf(
        "documents/execution_sheet.html",
        language,
        exchange_id=exchange_id,
        lines=sheet.lines,
        unexpected_lines=8,
        printed_at=utc_now()[:16].replace("T", " ") + " UTC",
    )
    document = Document(f"execution-sheet-{exchange_id}.pdf", "application/pdf", content)
    record_read(
        uow=uow,
        reader=reader,
        action=AuditAction.EXECUTION_SHEET,
        person_ids=[x.person_id for x in sheet.lines],
        file_sha256=document.sha256,
    )
    return document


def carried_out(*, uow: UnitOfWork, limit: int = 100) -> list[dict[str, Any]]:
    """The exchanges whose handover was entered, the latest first: day, border point, officer
    and ICRC delegate (no person is named, so nothing is audited)."""
    keys = ("exchange_id", "executed_on", "place", "officer", "icrc_delegate")
    with uow:
        return [{k: row[k] for k in keys} for row in uow.execution.executions(limit=limit)]


def execution_view(*, uow: UnitOfWork, reader: Reader, exchange_id: str) -> dict[str, Any]:
    """The handover as entered, for the bureau's own officers: lines, discrepancies with their
    notes and resolutions, scans; audited.

    Raises:
        NotFound: the exchange was not entered.
    """
    exchange_id = exchange_key(exchange_id)
    with uow:
        done = executed_handover(uow, exchange_id)
        entries = uow.execution.entries_of(exchange_id)
        discrepancies = uow.execution.discrepancies_of(exchange_id)
        scans = scan_infos(uow, exchange_id)
    for d in discrepancies:
        d["resolution"] = json.loads(d["resolution"]) if d["resolution"] else None
        d["state"] = "resolved" if d["resolved_at"] else "open"
    named = [e["person_id"] for e in entries] + [d["person_id"] for d in discrepancies if d["person_id"]]
    record_read(uow=uow, reader=reader, action=AuditAction.EXECUTION, person_ids=named)
    return {
        "exchange_id": exchange_id,
        "handover": done,
        "entries": entries,
        "discrepancies": discrepancies,
        "scans": [s.__dict__ for s in scans],
    }


def _executed(uow: UnitOfWork, exchange_id: str, audience: Audience) -> ExecutedList:
    """Build the executed list; only the agreed men, and men added with both parties' agreement."""
    done = executed_handover(uow, exchange_id)
    resolved: dict[str, dict[str, Any]] = {}
    added: list[dict[str, Any]] = []
    for d in uow.execution.discrepancies_of(exchange_id):
        if d["outcome"] != Outcome.EXCHANGED:
            continue
        details = json.loads(d["resolution"])
        if d["kind"] == DiscrepancyKind.ABSENT:
            resolved[d["person_id"]] = details
        else:
            added.append(details)
    day = done["executed_on"]
    lines: list[tuple[str, str, str, str | None, str | None]] = []
    for e in uow.execution.entries_of(exchange_id):
        if e["present"]:
            lines.append((e["person_id"], Outcome.EXCHANGED, day, e["valuables_packet"], e["medical_state"]))
        elif e["person_id"] in resolved:
            r = resolved[e["person_id"]]
            when = r.get("occurred_on") or day
            lines.append((e["person_id"], Outcome.EXCHANGED, when, r["valuables_packet"], r["medical_state"]))
        else:
            lines.append((e["person_id"], "not_handed_over", "", None, None))
    for r in added:
        when = r.get("occurred_on") or day
        lines.append((r["person_id"], Outcome.EXCHANGED, when, r["valuables_packet"], r["medical_state"]))
    rows: list[dict[str, Any]] = []
    for n, (person_id, outcome, when, packet, medical) in enumerate(lines, start=1):
        person = uow.persons.get(uow.persons.resolve(person_id))
        row = {
            "row": n,
            "person_id": person_id,
            **{k: person[k] or "" for k in ("surname", "given_name", "patronymic", "birth_date", "rank")},
            **{k: person[k] or "" for k in ("unit", "service_number")},
            "name": display_name(person),
            "direction": RECEIVED if person["custody"] == Custody.OWN else HANDED_OVER,
            "outcome": str(outcome),
            "executed_on": when,
            "place": done["place"] if when else "",
            "valuables_packet": packet or "",
        }
        if audience is Audience.ICRC:
            row["medical_state"] = medical or ""
        rows.append(row)
    handover = {
        k: done[k] for k in ("executed_on", "place", "officer", "icrc_delegate", "other_party_officer")
    }
    return ExecutedList(exchange_id, audience, handover, rows, scan_infos(uow, exchange_id))


def executed_list(*, uow: UnitOfWork, reader: Reader, exchange_id: str, audience: Audience) -> ExecutedList:
    """The executed list's data for the other party or the ICRC; audited.

    Raises:
        NotFound: the exchange was not entered.
    """
    exchange_id = exchange_key(exchange_id)
    with uow:
        report = _executed(uow, exchange_id, audience)
    record_read(uow=uow, reader=reader, action=AuditAction.EXCHANGE_REPORT, person_ids=report.person_ids)
    return report


def executed_list_csv(*, uow: UnitOfWork, reader: Reader, exchange_id: str, audience: Audience) -> Document:
    """The executed list as CSV, formula-protected; audited with the file's hash.

    Raises:
        NotFound: the exchange was not entered.
    """
    exchange_id = exchange_key(exchange_id)
    with uow:
        report = _executed(uow, exchange_id, audience)
    columns = ICRC_COLUMNS if audience is Audience.ICRC else EXECUTED_LIST_COLUMNS
    document = Document(
        f"executed-{exchange_id}-{audience.value}.csv",
        "text/csv; charset=utf-8",
        _csv_bytes(report.rows, columns),
    )
    record_read(
        uow=uow,
        reader=reader,
        action=AuditAction.EXCHANGE_REPORT,
        person_ids=report.person_ids,
        file_sha256=document.sha256,
    )
    return document


def executed_list_pdf(
    *, uow: UnitOfWork, reader: Reader, exchange_id: str, audience: Audience, language: str = "uk"
) -> Document:
    """The executed list as PDF (names in Cyrillic, the font embedded); audited with its hash.

    Raises:
        NotFound: the exchange was not entered.
    """
    from powbureau.web.documents import render_pdf

    exchange_id = exchange_key(exchange_id)
    with uow:
        report = _executed(uow, exchange_id, audience)
    counts = {
        "handed_over": sum(
            r["outcome"] == Outcome.EXCHANGED and r["direction"] == HANDED_OVER for r in report.rows
        ),
        "received": sum(
            r["outcome"] == Outcome.EXCHANGED and r["direction"] == RECEIVED for r in report.rows
        ),
        "not_handed_over": sum(r["outcome"] != Outcome.EXCHANGED for r in report.rows),
    }
    content = render_pdf(
        "documents/executed_list.html",
        language,
        exchange_id=exchange_id,
        audience=audience.value,
        handover=report.handover,
        rows=report.rows,
        counts=counts,
        scans=report.scans,
        written_at=utc_now()[:16].replace("T", " ") + " UTC",
    )
    document = Document(f"executed-{exchange_id}-{audience.value}.pdf", "application/pdf", content)
    record_read(
        uow=uow,
        reader=reader,
        action=AuditAction.EXCHANGE_REPORT,
        person_ids=report.person_ids,
        file_sha256=document.sha256,
    )
    return document
