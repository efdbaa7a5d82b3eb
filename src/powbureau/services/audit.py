"""Use cases of the audit log: record a read, verify the audit chain, list who read a person.

Every read service calls :func:`record_read` after its read succeeded and before it
returns the data, so no entry point (API, web UI, command line) can forget to audit; if
the record cannot be written, the read fails. The record is written in a unit of work of
its own (the read's own never commits) that locks the audit head, not the event chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from powbureau.domain.access import Reader
from powbureau.domain.audit import AuditAction, AuditRecord, PersonRead, check_chain, new_read
from powbureau.interchange.csvfiles import csv_writer, protect_cell
from powbureau.store.uow import UnitOfWork

__all__ = [
    "EXTRACT_COLUMNS",
    "AuditReport",
    "check_audit",
    "file_sha256",
    "recent_reads",
    "record_read",
    "verify_audit",
    "who_read",
    "write_audit_extract",
]


@dataclass
class AuditReport:
    """What checking the audit chain found."""

    records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.problems


def record_read(
    *,
    uow: UnitOfWork,
    reader: Reader,
    action: str,
    person_ids: Sequence[str],
    file_sha256: str | None = None,
) -> None:
    """Write one audit record for a read that succeeded, committed in a transaction of its own.

    A read that named nobody is not recorded (there is no one to answer for); an export
    always is, with the SHA-256 of the file written, even when the file is empty.

    Args:
        uow: the read's unit of work, already closed (on SQLite an open write
            transaction would hold the lock the record needs); the record is written
            through ``uow.audit_unit()``.
        reader: who read, through what channel, and the case or the reason.
        action: an :class:`AuditAction` value.
        person_ids: the registry ids of the persons the read named.
        file_sha256: the hash of the file an export wrote.
    """
    new = new_read(reader, action, person_ids, file_sha256=file_sha256)
    if not new.person_ids and file_sha256 is None and new.action != AuditAction.EXPORT:
        return
    with uow.audit_unit() as unit:
        unit.audit.append(new)
        unit.commit()


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file as written: what an export's audit record names instead of its data."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_audit(uow: UnitOfWork) -> AuditReport:
    """Recompute the audit chain on an open unit of work (``verify`` calls this too)."""
    head = uow.audit.head()
    checked = check_chain(uow.audit.scan(), head)
    report = AuditReport(records=checked.records)
    if checked.problem is not None:
        report.problems.append(checked.problem)
    stray = uow.audit.first_stray()
    if stray is not None:
        audit_id, person_id = stray
        report.problems.append(
            f"audit record #{audit_id} does not exist, yet a row names person {person_id} as read in it"
        )
    return report


def verify_audit(*, uow: UnitOfWork) -> AuditReport:
    """Recompute the audit chain over every stored column and person; name the first bad record."""
    with uow:
        return check_audit(uow)


def who_read(*, uow: UnitOfWork, ref: str) -> list[PersonRead]:
    """Every recorded read of a person, oldest first.

    ``ref`` is resolved as everywhere (registry id, ``SOURCE:person_ref``, a bare
    person_ref); the reads of the surviving record and of every record merged into it
    are listed, since they are one man. Listing them is the auditor's work and is not
    itself recorded.

    Raises:
        PersonNotFound: nothing answers to ``ref``.
        AmbiguousReference: a bare person_ref used by several sources.
    """
    with uow:
        survivor = uow.persons.resolve(ref)
        ids, todo = {survivor}, [survivor]
        while todo:
            for merged in uow.persons.merged_into(todo.pop()):
                if merged not in ids:
                    ids.add(merged)
                    todo.append(merged)
        return uow.audit.who_read(sorted(ids))


def recent_reads(*, uow: UnitOfWork, limit: int = 100, flagged_only: bool = False) -> list[AuditRecord]:
    """The auditor's list: the newest reads first; ``flagged_only``: reads through no case."""
    with uow:
        return uow.audit.recent(limit=limit, flagged_only=flagged_only)


#: The columns of an audit extract, in order.
EXTRACT_COLUMNS = (
    "id",
    "at",
    "user",
    "channel",
    "action",
    "person_ids",
    "case_id",
    "reason",
    "flagged",
    "file_sha256",
    "hash",
)


def write_audit_extract(
    *, uow: UnitOfWork, out: Path, flagged_only: bool = False, ref: str | None = None
) -> tuple[int, str]:
    """Write the audit log (or the reads of one person, or the flagged reads) to a CSV file
    for the auditor: every cell protected against spreadsheet formulas, no person data.

    Returns:
        (records written, the file's SHA-256).
    """
    reads = None if ref is None else {r.audit_id for r in who_read(uow=uow, ref=ref)}
    count = 0
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle, uow:
        writer = csv_writer(handle)
        writer.writerow(EXTRACT_COLUMNS)
        for record in uow.audit.scan():
            if flagged_only and not record.flagged:
                continue
            if reads is not None and record.id not in reads:
                continue
            row = [
                str(record.id),
                record.at,
                record.user,
                record.channel,
                record.action,
                " ".join(record.person_ids),
                record.case_id or "",
                record.reason or "",
                "1" if record.flagged else "0",
                record.file_sha256 or "",
                record.hash,
            ]
            writer.writerow([protect_cell(cell) for cell in row])
            count += 1
    partial.replace(out)
    return count, file_sha256(out)
