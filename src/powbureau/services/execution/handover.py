"""Entering an exchange carried out: the scans, the sheet's results, the discrepancies.

:func:`record_execution` takes everything at once or nothing: the lines, the signed
handover list's scan with its SHA-256, an ``exchanged`` event for every man handed over
or received (through the registry's own rules and version guard), and the discrepancies,
which get no event until :func:`resolve_discrepancy`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from powbureau.domain.errors import Conflict, InvalidInput, NotFound, PowBureauError, RuleViolation
from powbureau.domain.events import utc_now
from powbureau.domain.exchanges import ExchangeState
from powbureau.domain.execution import (
    DiscrepancyKind,
    Handover,
    HandoverEntry,
    IdentityCheck,
    Resolution,
    UnexpectedMan,
    Valuables,
    check_resolution,
    parse_day,
    plan_execution,
)
from powbureau.services.exchanges import agreed_list
from powbureau.services.registry import enter_event
from powbureau.store.uow import UnitOfWork

__all__ = [
    "HANDED_OVER",
    "MAX_SCAN_BYTES",
    "RECEIVED",
    "ExecutionResult",
    "ResolutionResult",
    "ScanFile",
    "ScanInfo",
    "agreed_persons",
    "attach_scan",
    "exchange_key",
    "executed_handover",
    "record_execution",
    "resolve_discrepancy",
    "scan_infos",
    "today",
]

MAX_SCAN_BYTES = 64 * 1_048_576
_SCAN_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
HANDED_OVER, RECEIVED = "handed_over", "received"


@dataclass(frozen=True)
class ScanFile:
    """A scanned document to attach: the file, and the name it had."""

    path: Path
    filename: str


@dataclass(frozen=True)
class ScanInfo:
    """An attached scan: its hash proves later which paper was signed."""

    scan_id: int
    exchange_id: str
    filename: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ExecutionResult:
    """What entering a sheet wrote."""

    exchange_id: str
    exchanged: list[tuple[str, int]]
    discrepancies: list[int]
    scans: list[ScanInfo]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ResolutionResult:
    """A discrepancy resolved, and the event written if the man was exchanged after all."""

    discrepancy_id: int
    outcome: str
    person_id: str | None
    event_id: int | None
    warnings: list[str] = field(default_factory=list)


def today() -> date:
    """Today in UTC: what a date entered is checked against (none may be in the future)."""
    return datetime.now(UTC).date()


def exchange_key(exchange_id: str) -> str:
    """An exchange id as stored: trimmed, 1 to 64 characters.

    Raises:
        InvalidInput: empty or too long.
    """
    text = (exchange_id or "").strip()
    if not text or len(text) > 64:
        raise InvalidInput("an exchange id has 1 to 64 characters", field="exchange_id")
    return text


def agreed_persons(*, uow: UnitOfWork, exchange_id: str, given: Sequence[str] = ()) -> list[str]:
    """The registry ids agreed for an exchange, from the exchange model.

    A list given (``given``) must be the agreed one, so nobody prints or executes another.

    Raises:
        RuleViolation: no agreed list can be had, or the one given is not the agreed one.
    """
    agreed = [str(p) for p in agreed_list(uow=uow, exchange_id=exchange_id)]
    if given and set(given) != set(agreed):
        raise RuleViolation(f"the men named are not the agreed list of exchange {exchange_id}")
    return agreed


def executed_handover(uow: UnitOfWork, exchange_id: str) -> dict[str, Any]:
    """The handover of an exchange, on an open unit of work.

    Raises:
        NotFound: the exchange has not been entered.
    """
    done = uow.execution.execution(exchange_id)
    if done is None:
        raise NotFound(f"exchange {exchange_id} has not been carried out yet (no handover was entered)")
    return done


def _read_scan(scan: ScanFile) -> tuple[bytes, str]:
    """The scan's bytes and media type, told from its first bytes (never from its name)."""
    if not scan.path.is_file():
        raise InvalidInput(f"{scan.path}: no such file", field="scan")
    size = scan.path.stat().st_size
    if size == 0:
        raise InvalidInput(f"{scan.filename}: the scan is empty", field="scan")
    if size > MAX_SCAN_BYTES:
        raise InvalidInput(f"{scan.filename}: scans are limited to {MAX_SCAN_BYTES} bytes", field="scan")
    content = scan.path.read_bytes()
    for magic, media_type in _SCAN_TYPES:
        if content.startswith(magic):
            return content, media_type
    raise InvalidInput(f"{scan.filename}: a scan is a PDF, JPEG, PNG or TIFF file", field="scan")


def _store_scan(
    uow: UnitOfWork, exchange_id: str, scan: ScanFile, content: bytes, media_type: str, by: str
) -> None:
    name = Path(scan.filename or scan.path.name).name[:200] or "scan"
    uow.execution.add_scan(
        {
            "exchange_id": exchange_id,
            "filename": name,
            "media_type": media_type,
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "content": content,
            "attached_at": utc_now(),
            "attached_by": by,
        }
    )


def scan_infos(uow: UnitOfWork, exchange_id: str) -> list[ScanInfo]:
    """What is known of an exchange's scans, on an open unit of work, first attached first."""
    return [
        ScanInfo(r["id"], r["exchange_id"], r["filename"], r["media_type"], r["size"], r["sha256"])
        for r in uow.execution.scans_of(exchange_id)
    ]


def attached_scans(*, uow: UnitOfWork, exchange_id: str) -> list[ScanInfo]:
    """The scans attached to an exchange so far (names and hashes only; no person is named)."""
    with uow:
        return scan_infos(uow, exchange_key(exchange_id))


def attach_scan(*, uow: UnitOfWork, exchange_id: str, scan: ScanFile, attached_by: str) -> ScanInfo:
    """Keep a scanned document of an exchange (the signed handover list) with its SHA-256.

    Scans may come before the results are entered, or after (a second page).

    Raises:
        InvalidInput: no such file, empty, too large, or not a PDF, JPEG, PNG or TIFF.
    """
    exchange_id = exchange_key(exchange_id)
    content, media_type = _read_scan(scan)
    with uow:
        _store_scan(uow, exchange_id, scan, content, media_type, attached_by)
        info = scan_infos(uow, exchange_id)[-1]
        uow.commit()
    return info


def _at(line: int | None, exc: PowBureauError) -> PowBureauError:
    """The same refusal, naming the sheet's line."""
    if line is None or isinstance(exc, NotFound):
        return exc
    again = type(exc)(f"line {line}: {exc}")
    if isinstance(exc, InvalidInput) and isinstance(again, InvalidInput):
        again.field = exc.field
    return again


def record_execution(
    *,
    uow: UnitOfWork,
    exchange_id: str,
    persons: Sequence[str],
    handover: Handover,
    entries: Sequence[HandoverEntry],
    unexpected: Sequence[UnexpectedMan] = (),
    scan: ScanFile | None = None,
    recorded_by: str,
) -> ExecutionResult:
    """Enter the filled-in sheet of an exchange afterwards: all of it, or nothing.

    Args:
        persons: the agreed list (registry ids), from the exchange model.
        handover: when, where, the officer and the ICRC delegate.
        entries: a line for every man of the list, present or absent.
        unexpected: men at the border who were not on the list.
        scan: the signed handover list; needed unless one was attached already.

    Raises:
        InvalidInput: a line that cannot be right, named.
        RuleViolation: the sheet does not fit the list, no scan, or an event the registry
            refuses (a man already released), with his line.
        ConcurrentModification: a man's record changed since the sheet was printed.
        Conflict: the exchange was entered already.
    """
    exchange_id = exchange_key(exchange_id)
    plan = plan_execution(handover, agreed=persons, entries=entries, unexpected=unexpected, today=today())
    scan_bytes = _read_scan(scan) if scan is not None else None
    h = plan.handover
    warnings: list[str] = []
    with uow:
        done = uow.execution.execution(exchange_id)
        if done is not None:
            raise Conflict(
                f"exchange {exchange_id} was entered already (carried out on {done['executed_on']}, "
                f"entered by {done['recorded_by']} at {done['recorded_at']}); "
                "resolve its discrepancies instead"
            )
        named = [(e.person_id, e.line) for e in plan.absent]
        named += [(m.person_id, m.line) for m in unexpected if m.person_id]
        for person_id, line in named:
            try:
                uow.persons.resolve(person_id)
            except PowBureauError as exc:
                raise _at(line, exc) from None
        event_ids: dict[str, int] = {}
        for entry in plan.exchanged:
            try:
                recorded = enter_event(
                    uow,
                    ref=entry.person_id,
                    kind="exchanged",
                    recorded_by=recorded_by,
                    occurred_on=h.executed_on,
                    place=h.place,
                    source="bureau",
                    expected_version=entry.record_version,
                    details={"exchange_id": exchange_id},
                )
            except PowBureauError as exc:
                raise _at(entry.line, exc) from None
            event_ids[entry.person_id] = recorded.event.id
            warnings += [f"{entry.person_id}: {w}" for w in recorded.warnings]
        if scan is not None and scan_bytes is not None:
            _store_scan(uow, exchange_id, scan, scan_bytes[0], scan_bytes[1], recorded_by)
        scans = scan_infos(uow, exchange_id)
        if not scans:
            raise RuleViolation(
                f"exchange {exchange_id}: attach the scan of the signed handover list (--scan); "
                "it is the proof of what was handed over"
            )
        now = utc_now()
        uow.execution.add_execution(
            {
                "exchange_id": exchange_id,
                "executed_on": h.executed_on,
                "place": h.place,
                "officer": h.officer,
                "icrc_delegate": h.icrc_delegate,
                "other_party_officer": h.other_party_officer,
                "recorded_at": now,
                "recorded_by": recorded_by,
            },
            [_entry_row(exchange_id, e, event_ids.get(e.person_id)) for e in (*plan.exchanged, *plan.absent)],
        )
        discrepancy_ids = [
            uow.execution.add_discrepancy(
                {
                    "exchange_id": exchange_id,
                    "kind": d.kind.value,
                    "person_id": d.person_id,
                    "name_as_written": d.name_as_written,
                    "line": d.line,
                    "note": d.note,
                    "recorded_at": now,
                }
            )
            for d in plan.discrepancies
        ]
        _mark_executed(uow, exchange_id, at=now, by=recorded_by)
        uow.commit()
    return ExecutionResult(exchange_id, list(event_ids.items()), discrepancy_ids, scans, warnings)


def _mark_executed(uow: UnitOfWork, exchange_id: str, *, at: str, by: str) -> None:
    """The handover took place: an agreed exchange becomes executed, in the same transaction.
    (A sheet entered for a list kept outside the exchange model changes no exchange.)"""
    try:
        row = uow.exchanges.get(exchange_id)
    except NotFound:
        return
    if row["state"] != ExchangeState.AGREED.value:
        return
    uow.exchanges.save(
        exchange_id,
        expected_version=row["version"],
        state=ExchangeState.EXECUTED.value,
        updated_at=at,
        updated_by=by,
    )
    uow.exchanges.log(
        exchange_id,
        at=at,
        by=by,
        action="state",
        detail={
            "from": ExchangeState.AGREED,
            "to": ExchangeState.EXECUTED,
            "reason": "the handover was entered",
        },
    )


def _entry_row(exchange_id: str, entry: HandoverEntry, event_id: int | None) -> dict[str, Any]:
    identity = entry.identity
    valuables = entry.valuables or Valuables()
    return {
        "exchange_id": exchange_id,
        "person_id": entry.person_id,
        "line": entry.line,
        "present": entry.present,
        "identity_methods": " ".join(identity.methods) if identity else None,
        "identity_checked": " ".join(identity.checked) if identity else None,
        "medical_state": entry.medical.value if entry.medical else None,
        "valuables_packet": (valuables.packet or "").strip() or None,
        "valuables_note": (valuables.note or "").strip() or None,
        "record_version": entry.record_version,
        "note": entry.note,
        "event_id": event_id,
    }


def _identity_json(identity: IdentityCheck | None) -> dict[str, list[str]] | None:
    return (
        None if identity is None else {"methods": list(identity.methods), "checked": list(identity.checked)}
    )


def resolve_discrepancy(
    *, uow: UnitOfWork, exchange_id: str, discrepancy_id: int, resolution: Resolution, recorded_by: str
) -> ResolutionResult:
    """Resolve an absent or unexpected man: exchanged after all (an event), or not exchanged.

    Raises:
        NotFound: no such discrepancy of that exchange.
        RuleViolation: resolved already, a man of the list named for an unexpected one, or
            a handover lacking its identity check, medical state or valuables.
        InvalidInput: no officer, no reason, a bad date.
    """
    exchange_id = exchange_key(exchange_id)
    with uow:
        found = uow.execution.discrepancy(exchange_id, discrepancy_id)
        kind = DiscrepancyKind(found["kind"])
        person = check_resolution(
            resolution, kind=kind, listed_person=found["person_id"], resolved_by=found["resolved_by"]
        )
        event_id: int | None = None
        occurred_on: str | None = None
        warnings: list[str] = []
        if person is not None:
            person = uow.persons.resolve(person)
            if kind is DiscrepancyKind.UNEXPECTED and any(
                e["person_id"] == person for e in uow.execution.entries_of(exchange_id)
            ):
                raise RuleViolation(
                    f"{person} is on the agreed list of exchange {exchange_id}, not unexpected"
                )
            done = executed_handover(uow, exchange_id)
            occurred_on = parse_day(
                resolution.occurred_on or done["executed_on"], field="occurred_on", today=today()
            )
            recorded = enter_event(
                uow,
                ref=person,
                kind="exchanged",
                recorded_by=recorded_by,
                occurred_on=occurred_on,
                place=done["place"],
                source="bureau",
                details={"exchange_id": exchange_id, "discrepancy": str(discrepancy_id)},
            )
            event_id, warnings = recorded.event.id, recorded.warnings
        details = {
            "person_id": person,
            "occurred_on": occurred_on,
            "identity": _identity_json(resolution.identity),
            "medical_state": resolution.medical.value if resolution.medical else None,
            "valuables_packet": (resolution.valuables or Valuables()).packet,
            "valuables_note": (resolution.valuables or Valuables()).note,
            "entered_by": recorded_by,
        }
        uow.execution.resolve(
            discrepancy_id,
            outcome=resolution.outcome.value,
            resolved_by=resolution.by.strip(),
            resolved_at=utc_now(),
            reason=resolution.reason.strip(),
            resolution=json.dumps(details, ensure_ascii=False, sort_keys=True),
            event_id=event_id,
        )
        uow.commit()
    return ResolutionResult(discrepancy_id, resolution.outcome.value, person, event_id, warnings)
