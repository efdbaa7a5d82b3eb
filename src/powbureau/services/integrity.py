"""``verify``: recompute the hash chain, rebuild every projection from the events, check the audit chain."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from powbureau.domain.events import GENESIS_HASH, Event, event_hash
from powbureau.domain.lifecycle import replay
from powbureau.services.audit import check_audit
from powbureau.store.match_index import row_match_rows
from powbureau.store.repositories import projection_row
from powbureau.store.uow import UnitOfWork

__all__ = ["VerifyReport", "verify_registry"]


@dataclass
class VerifyReport:
    """What ``verify`` found: counts, and the first problems of each kind."""

    events: int = 0
    persons: int = 0
    audit_records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.problems


def _check_chain(events: Iterator[Event], report: VerifyReport, head: tuple[int, str]) -> None:
    expected_id, prev = 1, GENESIS_HASH
    for event in events:
        report.events += 1
        if event.id != expected_id:
            report.problems.append(
                f"event #{event.id}: expected event #{expected_id} here; events are missing"
            )
            return
        if event.prev_hash != prev:
            report.problems.append(
                f"event #{event.id}: prev_hash does not match event #{event.id - 1}; "
                "the chain was cut or an event replaced"
            )
            return
        digest = event_hash(
            id=event.id,
            person_id=event.person_id,
            kind=event.kind,
            occurred_on=event.occurred_on,
            place=event.place,
            recorded_at=event.recorded_at,
            recorded_by=event.recorded_by,
            source=event.source,
            payload=event.payload,
            corrects=event.corrects,
            prev_hash=event.prev_hash,
        )
        if digest != event.hash:
            report.problems.append(
                f"event #{event.id} (person {event.person_id}, {event.kind}): its stored "
                "columns do not match its hash; it was changed after it was written"
            )
            return
        prev, expected_id = event.hash, expected_id + 1
    if head != (expected_id - 1, prev):
        report.problems.append(
            f"chain head says event #{head[0]} is the last, but the chain ends at "
            f"#{expected_id - 1}: events were removed or the head was changed"
        )


def _check_projections(uow: UnitOfWork, report: VerifyReport) -> None:
    """Replay each person's events and compare with his stored rows, all streamed by id."""
    stored = uow.persons.scan()
    refs = uow.persons.scan_refs(by_person=True)
    current: Mapping[str, Any] | None = next(stored, None)
    ref = next(refs, None)
    for person_id, group in groupby(uow.events.scan(order_by_person=True), key=lambda e: e.person_id):
        report.persons += 1
        state = replay(person_id, list(group))
        if current is not None and current["id"] < person_id:
            report.problems.append(f"person {current['id']}: a projection row with no events")
            return
        if current is None or current["id"] != person_id:
            report.problems.append(f"person {person_id}: has events but no projection row")
            return
        for column, value in projection_row(state).items():
            if current[column] != value:
                report.problems.append(
                    f"person {person_id}: stored {column} is {current[column]!r}, the events say {value!r}"
                )
                return
        stored_refs: list[tuple[str, str]] = []
        while ref is not None and ref[2] <= person_id:
            if ref[2] < person_id:
                report.problems.append(f"reference {ref[0]}:{ref[1]}: names {ref[2]}, who has no events")
                return
            stored_refs.append((ref[0], ref[1]))
            ref = next(refs, None)
        if sorted(stored_refs) != sorted(state.refs):
            report.problems.append(
                f"person {person_id}: stored references {sorted(stored_refs)} but his registrations "
                f"say {sorted(state.refs)}"
            )
            return
        current = next(stored, None)
    if current is not None:
        report.problems.append(f"person {current['id']}: a projection row with no events")
    elif ref is not None:
        report.problems.append(f"reference {ref[0]}:{ref[1]}: names {ref[2]}, who has no events")


def _check_match_index(uow: UnitOfWork, report: VerifyReport) -> None:
    """Recompute every person's tracing profile and keys from his projection and compare.

    Persons, stored profiles and stored keys are three streams in registry-id order,
    compared person by person, so memory stays flat and every key is checked.
    """
    stored = uow.matches.scan_profiles()
    current = next(stored, None)
    keys = uow.matches.scan_keys()
    key_row = next(keys, None)
    for row in uow.persons.scan():
        profile, expected = row_match_rows(row)
        if profile is None:
            continue
        person_id = profile[0]
        if current is None or current[0] > person_id:
            report.problems.append(f"person {person_id}: tracing keys missing (run `powbureau init`?)")
            return
        if current[0] < person_id:
            report.problems.append(f"person {current[0]}: tracing keys of a merged or unknown person")
            return
        if current != profile:
            report.problems.append(
                f"person {person_id}: stored tracing profile {current!r}, his record gives {profile!r}"
            )
            return
        stored_keys: list[tuple[str, str]] = []
        while key_row is not None and key_row[0] <= person_id:
            if key_row[0] < person_id:
                report.problems.append(f"tracing key {key_row[1]!r} of {key_row[0]}, who has no profile")
                return
            stored_keys.append((key_row[1], key_row[2]))
            key_row = next(keys, None)
        wanted = sorted((k, c) for k, c, _ in expected)
        if sorted(stored_keys) != wanted:
            missing = sorted(set(wanted) - set(stored_keys)) or sorted(set(stored_keys) - set(wanted))
            report.problems.append(
                f"person {person_id}: tracing key {missing[0][0]!r} does not fit his record"
            )
            return
        current = next(stored, None)
    if current is not None:
        report.problems.append(f"person {current[0]}: tracing keys of a merged or unknown person")
    elif key_row is not None:
        report.problems.append(f"tracing key {key_row[1]!r} of {key_row[0]}, who has no profile")


def verify_registry(*, uow: UnitOfWork) -> VerifyReport:
    """Recompute the chain over every stored column, rebuild the projections, check the audit chain.

    The audit chain is checked even when the registry fails: it is a record of its own.

    Returns:
        A report naming the first event or projection row that does not fit, then the
        first audit record that does not.
    """
    report = VerifyReport()
    with uow:
        _check_chain(uow.events.scan(), report, uow.events.head())
        if report.ok:
            _check_projections(uow, report)
        if report.ok:
            _check_match_index(uow, report)
        audit = check_audit(uow)
    report.audit_records = audit.records
    report.problems.extend(audit.problems)
    return report
