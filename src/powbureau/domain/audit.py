"""The audit log: one sealed record per read of persons' data, in a hash chain of its own.

A record says who read (the session user, or ``os:<login>`` for the command line), when,
through which channel, what kind of read it was, which persons it named, and why: the case
the read came through, or else a typed reason (or none), in which case the record is
flagged to the auditor. An export carries the SHA-256 of the file written. A record never
holds a copy of the data read: the log must not become a second registry to protect.

The hash covers every stored field (canonical JSON of all fields but the hash itself) and
each record names the hash of the one before it, as events do (``events.py``), so that
changing, inserting or removing any record breaks every hash after it. The chain is
separate from the event chain: a read never waits for the registry's writers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple

from powbureau.domain.access import Channel, Reader
from powbureau.domain.events import GENESIS_HASH, canonical_json

__all__ = [
    "AuditAction",
    "AuditRecord",
    "ChainCheck",
    "NewRead",
    "PersonRead",
    "audit_hash",
    "check_chain",
    "new_read",
    "seal_read",
]

_SHA256 = re.compile(r"[0-9a-f]{64}")


class AuditAction(StrEnum):
    """What kind of read it was; the stored text is the value."""

    SHOW = "show"  # one person's current record
    HISTORY = "history"  # one person's events (with the records merged into him)
    LIST = "list"  # a list of persons
    DUPLICATES = "duplicates"  # persons who may be one man registered twice
    TRACE = "trace"  # candidates for the man a family asks about
    TRACE_BATCH = "trace_batch"  # trace-results.csv written for a list of inquiries
    CANDIDATES = "candidates"  # the records of candidates, shown to an officer
    CASE = "case"  # a tracing case with its candidates
    CASES = "cases"  # a list of cases naming their confirmed persons
    REVIEW = "review"  # the review queue of pending candidates
    EXPORT = "export"  # persons.csv written out (or a list for the other party of an exchange)
    ANSWER = "answer"  # the confirmed man's state, read to answer an inquirer
    EXCHANGE = "exchange"  # an exchange's proposal, exclusions or list rows naming persons
    EXECUTION_SHEET = "execution_sheet"  # the printable sheet of an exchange's agreed list
    EXECUTION = "execution"  # an exchange's handover as entered, discrepancies included
    EXCHANGE_REPORT = "exchange_report"  # the executed list written for the other party or the ICRC
    RECONCILE = "reconcile"  # an exchange list matched against the registry (reconciliation.csv)


class NewRead(NamedTuple):
    """A read not yet in the chain."""

    user: str
    channel: str
    action: str
    person_ids: tuple[str, ...]
    case_id: str | None
    reason: str | None
    file_sha256: str | None

    @property
    def flagged(self) -> bool:
        """True when the read came through no case: the auditor looks at it."""
        return self.case_id is None


class AuditRecord(NamedTuple):
    """A record in the audit chain: every field below is stored and hashed."""

    id: int
    at: str
    user: str
    channel: str
    action: str
    person_ids: tuple[str, ...]
    case_id: str | None
    reason: str | None
    flagged: bool
    file_sha256: str | None
    prev_hash: str
    hash: str


class PersonRead(NamedTuple):
    """One read of one person, as ``who-read`` lists it (not the whole record)."""

    audit_id: int
    at: str
    user: str
    channel: str
    action: str
    person_id: str
    persons: int  # how many persons the record names in all
    case_id: str | None
    reason: str | None
    flagged: bool
    file_sha256: str | None


def new_read(
    reader: Reader, action: str, person_ids: Iterable[str], *, file_sha256: str | None = None
) -> NewRead:
    """The record of one read by ``reader``: persons sorted and once each, the reason trimmed.

    Raises:
        ValueError: an unknown action, no user, or a file hash that is not SHA-256 hex.
    """
    kind = AuditAction(action)
    if not reader.user.strip():
        raise ValueError("a read is recorded with the user who made it")
    if file_sha256 is not None and not _SHA256.fullmatch(file_sha256):
        raise ValueError(f"not a SHA-256 in lower-case hex: {file_sha256!r}")
    reason = (reader.reason or "").strip() or None
    return NewRead(
        user=reader.user,
        channel=Channel(reader.channel).value,
        action=kind.value,
        person_ids=tuple(sorted(set(person_ids))),
        case_id=reader.case_id or None,
        reason=reason,
        file_sha256=file_sha256,
    )


def audit_hash(record: AuditRecord) -> str:
    """SHA-256 of the canonical JSON of every stored field of a record but its hash."""
    fields = record._asdict()
    del fields["hash"]
    fields["person_ids"] = list(record.person_ids)
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def seal_read(new: NewRead, *, id: int, prev_hash: str, at: str) -> AuditRecord:
    """Give a read its place in the audit chain."""
    unsealed = AuditRecord(
        id=id,
        at=at,
        user=new.user,
        channel=new.channel,
        action=new.action,
        person_ids=new.person_ids,
        case_id=new.case_id,
        reason=new.reason,
        flagged=new.flagged,
        file_sha256=new.file_sha256,
        prev_hash=prev_hash,
        hash="",
    )
    return unsealed._replace(hash=audit_hash(unsealed))


class ChainCheck(NamedTuple):
    """What checking the audit chain found: records checked and the first problem, if any."""

    records: int
    problem: str | None


def check_chain(records: Iterable[AuditRecord], head: tuple[int, str]) -> ChainCheck:
    """Recompute the audit chain over every stored field; name the first record that does not fit.

    Args:
        records: every stored record in id order (streamed).
        head: the stored audit head: the last record's id and hash.
    """
    expected_id, prev, seen = 1, GENESIS_HASH, 0
    for record in records:
        seen += 1
        if record.id != expected_id:
            return ChainCheck(
                seen,
                f"audit record #{record.id}: expected audit record #{expected_id} here; records are missing",
            )
        if record.prev_hash != prev:
            return ChainCheck(
                seen,
                f"audit record #{record.id}: prev_hash does not match audit record #{record.id - 1}; "
                "the audit chain was cut or a record replaced",
            )
        digest = audit_hash(record)
        if digest != record.hash:
            return ChainCheck(
                seen,
                f"audit record #{record.id} ({record.action} by {record.user} at {record.at}): its stored "
                "columns or persons do not match its hash; it was changed after it was written",
            )
        if record.flagged != (record.case_id is None):
            return ChainCheck(seen, f"audit record #{record.id}: flagged does not fit its case")
        prev, expected_id = record.hash, expected_id + 1
    if head != (expected_id - 1, prev):
        return ChainCheck(
            seen,
            f"audit head says audit record #{head[0]} is the last, but the audit chain ends at "
            f"#{expected_id - 1}: records were removed or the head was changed",
        )
    return ChainCheck(seen, None)
