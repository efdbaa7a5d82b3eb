"""Carried-out exchanges and releases to families in the database.

``exchange_executions`` holds one handover per exchange (when, where, who signed);
``execution_entries`` a line per man on the agreed list, with the ``exchanged`` event
written for him; ``execution_discrepancies`` the absent and unexpected men, open until
resolved; ``handover_scans`` the signed paper lists, their bytes with their SHA-256;
``family_releases`` each release into a family's hands with its consent and checks.
The exchange is named by its id only: these tables do not reach into the exchange
model's own (its lists and proposals), so either can change without the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    and_,
    insert,
    select,
    update,
)

from powbureau.domain.errors import Conflict, NotFound
from powbureau.store.tables import metadata

__all__ = [
    "EXECUTION_TABLES",
    "ExecutionRepository",
    "exchange_executions",
    "execution_discrepancies",
    "execution_entries",
    "family_releases",
    "handover_scans",
]

exchange_executions = Table(
    "exchange_executions",
    metadata,
    Column("exchange_id", String(64), primary_key=True),
    Column("executed_on", String(10), nullable=False),
    Column("place", Text, nullable=False),
    Column("officer", Text, nullable=False),
    Column("icrc_delegate", Text, nullable=False),
    Column("other_party_officer", Text),
    Column("recorded_at", String(32), nullable=False),
    Column("recorded_by", Text, nullable=False),
)

execution_entries = Table(
    "execution_entries",
    metadata,
    Column("exchange_id", String(64), ForeignKey("exchange_executions.exchange_id"), primary_key=True),
    Column("person_id", String(32), primary_key=True),
    Column("line", Integer),
    Column("present", Boolean, nullable=False),
    Column("identity_methods", Text),
    Column("identity_checked", Text),
    Column("medical_state", String(24)),
    Column("valuables_packet", Text),
    Column("valuables_note", Text),
    Column("record_version", Integer),
    Column("note", Text),
    Column("event_id", Integer),
)
Index("ix_execution_entries_person_id", execution_entries.c.person_id)

execution_discrepancies = Table(
    "execution_discrepancies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("exchange_id", String(64), ForeignKey("exchange_executions.exchange_id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("person_id", String(32)),
    Column("name_as_written", Text),
    Column("line", Integer),
    Column("note", Text),
    Column("recorded_at", String(32), nullable=False),
    Column("outcome", String(16)),
    Column("resolved_by", Text),
    Column("resolved_at", String(32)),
    Column("reason", Text),
    Column("resolution", Text),
    Column("event_id", Integer),
)
Index("ix_execution_discrepancies_exchange_id", execution_discrepancies.c.exchange_id)

handover_scans = Table(
    "handover_scans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("exchange_id", String(64), nullable=False),
    Column("filename", Text, nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("attached_at", String(32), nullable=False),
    Column("attached_by", Text, nullable=False),
)
Index("ix_handover_scans_exchange_id", handover_scans.c.exchange_id)

family_releases = Table(
    "family_releases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", String(32), nullable=False),
    Column("released_on", String(10), nullable=False),
    Column("place", Text, nullable=False),
    Column("released_by", Text, nullable=False),
    Column("consent_form", String(24), nullable=False),
    Column("consent_recorded_on", String(10), nullable=False),
    Column("consent_recorded_by", Text, nullable=False),
    Column("identity_methods", Text, nullable=False),
    Column("identity_checked", Text, nullable=False),
    Column("family_name", Text, nullable=False),
    Column("family_relation", Text, nullable=False),
    Column("family_document_type", Text, nullable=False),
    Column("family_document_number", Text, nullable=False),
    Column("family_relation_evidence", Text),
    Column("icrc_informed_on", String(10), nullable=False),
    Column("icrc_informed_how", String(24), nullable=False),
    Column("icrc_note", Text),
    Column("note", Text),
    Column("event_id", Integer, nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("recorded_by", Text, nullable=False),
)
Index("ix_family_releases_person_id", family_releases.c.person_id)

#: The tables this module adds (migration 0009).
EXECUTION_TABLES = frozenset(
    {
        "exchange_executions",
        "execution_entries",
        "execution_discrepancies",
        "handover_scans",
        "family_releases",
    }
)
_SCAN_INFO = [c for c in handover_scans.c if c.name != "content"]


class ExecutionRepository:
    """Handovers, their lines, discrepancies, scans and family releases; never commits."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def execution(self, exchange_id: str) -> dict[str, Any] | None:
        """The recorded handover of an exchange, or None if it was not carried out yet."""
        row = self._conn.execute(
            select(exchange_executions).where(exchange_executions.c.exchange_id == exchange_id)
        ).first()
        return None if row is None else dict(row._mapping)

    def executions(self, *, limit: int = 100) -> list[dict[str, Any]]:
        """The handovers recorded, the latest day first."""
        rows = self._conn.execute(
            select(exchange_executions)
            .order_by(exchange_executions.c.executed_on.desc(), exchange_executions.c.exchange_id)
            .limit(limit)
        )
        return [dict(r._mapping) for r in rows]

    def add_execution(self, row: Mapping[str, Any], entries: Sequence[Mapping[str, Any]]) -> None:
        """Store a handover and its lines."""
        self._conn.execute(insert(exchange_executions), [dict(row)])
        if entries:
            self._conn.execute(insert(execution_entries), [dict(e) for e in entries])

    def entries_of(self, exchange_id: str) -> list[dict[str, Any]]:
        """An exchange's lines, in the sheet's order."""
        rows = self._conn.execute(
            select(execution_entries)
            .where(execution_entries.c.exchange_id == exchange_id)
            .order_by(execution_entries.c.line, execution_entries.c.person_id)
        )
        return [dict(r._mapping) for r in rows]

    def add_discrepancy(self, row: Mapping[str, Any]) -> int:
        """Store a discrepancy; return its id."""
        result = self._conn.execute(
            insert(execution_discrepancies).returning(execution_discrepancies.c.id), [dict(row)]
        )
        return int(result.scalar_one())

    def discrepancies_of(self, exchange_id: str) -> list[dict[str, Any]]:
        """An exchange's discrepancies, first recorded first."""
        rows = self._conn.execute(
            select(execution_discrepancies)
            .where(execution_discrepancies.c.exchange_id == exchange_id)
            .order_by(execution_discrepancies.c.id)
        )
        return [dict(r._mapping) for r in rows]

    def discrepancy(self, exchange_id: str, discrepancy_id: int) -> dict[str, Any]:
        """One discrepancy of an exchange.

        Raises:
            NotFound: the exchange has no such discrepancy.
        """
        row = self._conn.execute(
            select(execution_discrepancies).where(
                and_(
                    execution_discrepancies.c.id == discrepancy_id,
                    execution_discrepancies.c.exchange_id == exchange_id,
                )
            )
        ).first()
        if row is None:
            raise NotFound(f"exchange {exchange_id} has no discrepancy #{discrepancy_id}")
        return dict(row._mapping)

    def resolve(self, discrepancy_id: int, **values: Any) -> None:
        """Record the resolution of a discrepancy that is still open.

        Raises:
            Conflict: someone resolved it first.
        """
        result = self._conn.execute(
            update(execution_discrepancies)
            .where(
                and_(
                    execution_discrepancies.c.id == discrepancy_id,
                    execution_discrepancies.c.resolved_at.is_(None),
                )
            )
            .values(**values)
        )
        if result.rowcount != 1:
            raise Conflict(f"discrepancy #{discrepancy_id} was resolved by someone else meanwhile")

    def add_scan(self, row: Mapping[str, Any]) -> int:
        """Store a scanned document with its hash; return its id."""
        result = self._conn.execute(insert(handover_scans).returning(handover_scans.c.id), [dict(row)])
        return int(result.scalar_one())

    def scans_of(self, exchange_id: str) -> list[dict[str, Any]]:
        """What is known of an exchange's scans (not their bytes), first attached first."""
        rows = self._conn.execute(
            select(*_SCAN_INFO)
            .where(handover_scans.c.exchange_id == exchange_id)
            .order_by(handover_scans.c.id)
        )
        return [dict(r._mapping) for r in rows]

    def scan_content(self, scan_id: int) -> bytes:
        """The bytes of one scan, as attached.

        Raises:
            NotFound: no scan has that id.
        """
        row = self._conn.execute(
            select(handover_scans.c.content).where(handover_scans.c.id == scan_id)
        ).first()
        if row is None:
            raise NotFound(f"no scan #{scan_id}")
        return bytes(row.content)

    def add_release(self, row: Mapping[str, Any]) -> int:
        """Store a release to a family; return its id."""
        result = self._conn.execute(insert(family_releases).returning(family_releases.c.id), [dict(row)])
        return int(result.scalar_one())

    def releases_of(self, person_id: str) -> list[dict[str, Any]]:
        """A man's releases to his family (normally one)."""
        rows = self._conn.execute(
            select(family_releases)
            .where(family_releases.c.person_id == person_id)
            .order_by(family_releases.c.id)
        )
        return [dict(r._mapping) for r in rows]
