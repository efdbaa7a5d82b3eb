"""The audit log in the database: records, the persons each names, and the audit head.

``audit_log`` holds one row per read and ``audit_persons`` one row per person a read
named, keyed by record and indexed by person, so that "who read this man" is an index
lookup however many persons an export names. The hash of a record covers its persons
too, so removing or adding a row in ``audit_persons`` breaks the chain as surely as
changing the record. ``audit_head`` holds the last id and hash, as ``chain_head`` does
for events; an append locks it (``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN
IMMEDIATE`` on SQLite), never the event chain head.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)

from powbureau.domain.audit import AuditRecord, NewRead, PersonRead, seal_read
from powbureau.domain.events import utc_now
from powbureau.store.bulk import chunks, insert_many
from powbureau.store.tables import metadata

__all__ = ["AuditLog", "audit_head", "audit_log", "audit_persons"]

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("user_name", Text, nullable=False),  # ``user`` is a reserved word in SQL
    Column("channel", String(8), nullable=False),
    Column("action", String(24), nullable=False),
    Column("case_id", String(32)),
    Column("reason", Text),
    Column("flagged", Boolean, nullable=False),
    Column("file_sha256", String(64)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_persons = Table(
    "audit_persons",
    metadata,
    Column("audit_id", Integer, ForeignKey("audit_log.id"), primary_key=True),
    Column("person_id", String(32), primary_key=True),
)
Index("ix_audit_persons_person_id", audit_persons.c.person_id, audit_persons.c.audit_id)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_id", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
)


def _record(row: Any, person_ids: tuple[str, ...]) -> AuditRecord:
    return AuditRecord(
        id=int(row.id),
        at=row.at,
        user=row.user_name,
        channel=row.channel,
        action=row.action,
        person_ids=person_ids,
        case_id=row.case_id,
        reason=row.reason,
        flagged=bool(row.flagged),
        file_sha256=row.file_sha256,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class AuditLog:
    """The audit chain: ``append`` and readers, nothing else; never commits."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def append(self, new: NewRead, *, at: str | None = None) -> AuditRecord:
        """Seal one read onto the audit head and store it with the persons it names.

        The head is locked until the unit of work ends, so concurrent readers queue here
        and the audit chain never forks.
        """
        query = select(audit_head.c.last_id, audit_head.c.last_hash).where(audit_head.c.id == 1)
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        head = self._conn.execute(query).one()
        record = seal_read(new, id=int(head.last_id) + 1, prev_hash=str(head.last_hash), at=at or utc_now())
        self._conn.execute(
            insert(audit_log),
            [
                {
                    "id": record.id,
                    "at": record.at,
                    "user_name": record.user,
                    "channel": record.channel,
                    "action": record.action,
                    "case_id": record.case_id,
                    "reason": record.reason,
                    "flagged": record.flagged,
                    "file_sha256": record.file_sha256,
                    "prev_hash": record.prev_hash,
                    "hash": record.hash,
                }
            ],
        )
        insert_many(self._conn, audit_persons, [(record.id, p) for p in record.person_ids])
        self._conn.execute(
            update(audit_head).where(audit_head.c.id == 1).values(last_id=record.id, last_hash=record.hash)
        )
        return record

    def scan(self, *, batch: int = 5000) -> Iterator[AuditRecord]:
        """Every stored record in id order with its persons, streamed (two cursors side by side)."""
        records = self._conn.execute(
            select(audit_log).order_by(audit_log.c.id).execution_options(stream_results=True, yield_per=batch)
        )
        links = iter(
            self._conn.execute(
                select(audit_persons.c.audit_id, audit_persons.c.person_id)
                .order_by(audit_persons.c.audit_id, _bytewise(self._conn, audit_persons.c.person_id))
                .execution_options(stream_results=True, yield_per=batch)
            )
        )
        link = next(links, None)
        for row in records:
            persons: list[str] = []
            while link is not None and link.audit_id <= row.id:
                if link.audit_id == row.id:
                    persons.append(link.person_id)
                link = next(links, None)
            yield _record(row, tuple(persons))

    def recent(self, *, limit: int, flagged_only: bool = False) -> list[AuditRecord]:
        """The newest records first, with their persons (for the auditor's list)."""
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if flagged_only:
            query = query.where(audit_log.c.flagged.is_(True))
        rows = list(self._conn.execute(query))
        persons: dict[int, list[str]] = {}
        if rows:
            links = self._conn.execute(
                select(audit_persons.c.audit_id, audit_persons.c.person_id)
                .where(audit_persons.c.audit_id.in_([r.id for r in rows]))
                .order_by(audit_persons.c.audit_id, _bytewise(self._conn, audit_persons.c.person_id))
            )
            for link in links:
                persons.setdefault(int(link.audit_id), []).append(str(link.person_id))
        return [_record(row, tuple(persons.get(int(row.id), []))) for row in rows]

    def first_stray(self) -> tuple[int, str] | None:
        """The first row of ``audit_persons`` naming a record that does not exist, if any."""
        row = self._conn.execute(
            select(audit_persons.c.audit_id, audit_persons.c.person_id)
            .outerjoin(audit_log, audit_log.c.id == audit_persons.c.audit_id)
            .where(audit_log.c.id.is_(None))
            .order_by(audit_persons.c.audit_id)
            .limit(1)
        ).first()
        return None if row is None else (int(row.audit_id), str(row.person_id))

    def head(self) -> tuple[int, str]:
        """The stored audit head: the last record's id and hash."""
        row = self._conn.execute(
            select(audit_head.c.last_id, audit_head.c.last_hash).where(audit_head.c.id == 1)
        ).one()
        return int(row.last_id), str(row.last_hash)

    def who_read(self, person_ids: Sequence[str]) -> list[PersonRead]:
        """Every read naming any of these persons, oldest first (one line per person read)."""
        found: list[PersonRead] = []
        others = audit_persons.alias("all_named")
        named = (
            select(func.count())
            .select_from(others)
            .where(others.c.audit_id == audit_log.c.id)
            .scalar_subquery()
        )
        for chunk in chunks(sorted(set(person_ids)), 500):
            rows = self._conn.execute(
                select(audit_log, audit_persons.c.person_id, named.label("persons"))
                .join(audit_persons, audit_persons.c.audit_id == audit_log.c.id)
                .where(audit_persons.c.person_id.in_(chunk))
            )
            found.extend(
                PersonRead(
                    audit_id=int(r.id),
                    at=r.at,
                    user=r.user_name,
                    channel=r.channel,
                    action=r.action,
                    person_id=r.person_id,
                    persons=int(r.persons),
                    case_id=r.case_id,
                    reason=r.reason,
                    flagged=bool(r.flagged),
                    file_sha256=r.file_sha256,
                )
                for r in rows
            )
        return sorted(found, key=lambda read: (read.audit_id, read.person_id))


def _bytewise(conn: Connection, column: Any) -> Any:
    """Order person ids byte-wise on every database, as Python sorts them (and hashes them)."""
    return column.collate("C") if conn.dialect.name == "postgresql" else column
