"""Exchanges in the database: the exchange, its lists and their versions, the reconciliation of
each row, the proposed list, and the append-only logs of what was done.

* ``exchanges``: one row per exchange (parties, formula, criteria, date and place, state,
  assigned officer); ``version`` guards concurrent changes.
* ``exchange_lists`` / ``exchange_list_versions`` / ``exchange_list_rows``: each list a party
  sends is kept version by version (v1 ... vN), with the SHA-256 of the file and every row as
  written, and whether the row was added, changed or unchanged since the version before.
* ``exchange_reconciliations``: per version and row, the engine's answer (status, reason,
  person, candidates, the detail that would separate them) and the officer's decision. A
  row unchanged since the version before keeps the result and decision it had.
* ``exchange_proposals``: the proposed list now (frozen once agreed); ``exchange_exclusions``:
  who the last proposal left out and why (internal only).
* ``exchange_log`` and ``exchange_proposal_log``: append-only, who did what, when and why.
  The proposal log also refuses UPDATE and DELETE in the database.

Other features (the execution sheet) read ``exchanges.state``, ``exchange_proposals`` and
``exchange_reconciliations``; they go through :class:`ExchangeRepository` or the services.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from powbureau.domain.errors import ConcurrentModification, NotFound
from powbureau.domain.events import REPATRIATION_KINDS
from powbureau.store.tables import events, metadata, persons

__all__ = [
    "ExchangeRepository",
    "exchange_exclusions",
    "exchange_list_rows",
    "exchange_list_versions",
    "exchange_lists",
    "exchange_log",
    "exchange_proposal_log",
    "exchange_proposals",
    "exchange_reconciliations",
    "exchanges",
]

exchanges = Table(
    "exchanges",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("title", Text, nullable=False),
    Column("party", Text, nullable=False),
    Column("power", String(2)),
    Column("formula", Text, nullable=False),
    Column("criteria", Text, nullable=False),
    Column("planned_on", String(10)),
    Column("place", Text),
    Column("state", String(16), nullable=False),
    Column("assigned_to", Text),
    Column("created_at", String(32), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("proposed_at", String(32)),
    Column("shortfall", Text, nullable=False),
)
Index("ix_exchanges_state", exchanges.c.state)

exchange_log = Table(
    "exchange_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("exchange_id", String(32), ForeignKey("exchanges.id"), nullable=False),
    Column("at", String(32), nullable=False),
    Column("by", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", Text, nullable=False),
)
Index("ix_exchange_log_exchange_id", exchange_log.c.exchange_id, exchange_log.c.id)

exchange_lists = Table(
    "exchange_lists",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("exchange_id", String(32), ForeignKey("exchanges.id"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("party", String(8), nullable=False),
    Column("created_at", String(32), nullable=False),
    UniqueConstraint("exchange_id", "name"),
)

exchange_list_versions = Table(
    "exchange_list_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list_id", Integer, ForeignKey("exchange_lists.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("file_name", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("dated", String(10)),
    Column("rows", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("reconciled", Integer, nullable=False),
    Column("imported_at", String(32), nullable=False),
    Column("imported_by", Text, nullable=False),
    UniqueConstraint("list_id", "number"),
)

exchange_list_rows = Table(
    "exchange_list_rows",
    metadata,
    Column("version_id", Integer, ForeignKey("exchange_list_versions.id"), primary_key=True),
    Column("list_ref", String(200), primary_key=True),
    Column("line", Integer, nullable=False),
    Column("list_kind", String(8), nullable=False),
    Column("fields", Text, nullable=False),
    Column("claimed_state", String(16)),
    Column("medical_category", Text),
    Column("extra", Text, nullable=False),
    Column("row_hash", String(64), nullable=False),
    Column("change", String(10), nullable=False),
)

exchange_reconciliations = Table(
    "exchange_reconciliations",
    metadata,
    Column("version_id", Integer, ForeignKey("exchange_list_versions.id"), primary_key=True),
    Column("list_ref", String(200), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("person_id", String(32)),
    Column("person_ref", Text),
    Column("probability", Float),
    Column("candidates", Text, nullable=False),
    Column("separating", Text, nullable=False),
    Column("reconciled_in", Integer, nullable=False),
    Column("decision", String(12), nullable=False),
    Column("decided_person_id", String(32)),
    Column("decided_by", Text),
    Column("decided_at", String(32)),
    Column("decision_note", Text),
    Column("event_id", Integer),
)
Index("ix_exchange_reconciliations_person_id", exchange_reconciliations.c.person_id)
Index("ix_exchange_reconciliations_decided_person_id", exchange_reconciliations.c.decided_person_id)

exchange_proposals = Table(
    "exchange_proposals",
    metadata,
    Column("exchange_id", String(32), ForeignKey("exchanges.id"), primary_key=True),
    Column("person_id", String(32), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("category", String(24), nullable=False),
    Column("reason", Text, nullable=False),
    Column("how", String(12), nullable=False),
    Column("added_by", Text, nullable=False),
    Column("added_at", String(32), nullable=False),
)
Index("ix_exchange_proposals_person_id", exchange_proposals.c.person_id)

exchange_exclusions = Table(
    "exchange_exclusions",
    metadata,
    Column("exchange_id", String(32), ForeignKey("exchanges.id"), primary_key=True),
    Column("person_id", String(32), primary_key=True),
    Column("category", String(24), nullable=False),
    Column("held_back", Boolean, nullable=False),
    Column("reasons", Text, nullable=False),
)

exchange_proposal_log = Table(
    "exchange_proposal_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("exchange_id", String(32), ForeignKey("exchanges.id"), nullable=False),
    Column("at", String(32), nullable=False),
    Column("by", Text, nullable=False),
    Column("action", String(16), nullable=False),
    Column("person_id", String(32)),
    Column("reason", Text, nullable=False),
)
Index("ix_exchange_proposal_log_exchange_id", exchange_proposal_log.c.exchange_id, exchange_proposal_log.c.id)


def _rows(result: Iterable[Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in result]


class ExchangeRepository:
    """Exchanges, their lists, reconciliations and proposals; never commits."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    # -- the exchange ------------------------------------------------------------------

    def add(self, row: Mapping[str, Any]) -> None:
        """Store a new exchange."""
        self._conn.execute(insert(exchanges), [dict(row)])

    def get(self, exchange_id: str) -> dict[str, Any]:
        """One exchange by id.

        Raises:
            NotFound: no such exchange.
        """
        row = self._conn.execute(select(exchanges).where(exchanges.c.id == exchange_id)).first()
        if row is None:
            raise NotFound(f"no exchange {exchange_id!r}")
        return dict(row._mapping)

    def save(self, exchange_id: str, *, expected_version: int, **values: Any) -> int:
        """Change an exchange if nobody changed it since ``expected_version``; the new version.

        Raises:
            ConcurrentModification: someone else changed it first.
        """
        result = self._conn.execute(
            update(exchanges)
            .where(and_(exchanges.c.id == exchange_id, exchanges.c.version == expected_version))
            .values(version=expected_version + 1, **values)
        )
        if result.rowcount != 1:
            current = self.get(exchange_id)
            raise ConcurrentModification(
                f"exchange {exchange_id} was changed by {current['updated_by']} at {current['updated_at']} "
                f"(now version {current['version']}, you had {expected_version}); reload it"
            )
        return expected_version + 1

    def search(
        self, *, states: Sequence[str] = (), limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Exchanges by state, newest first."""
        query = select(exchanges)
        if states:
            query = query.where(exchanges.c.state.in_(list(states)))
        query = query.order_by(exchanges.c.created_at.desc(), exchanges.c.id).limit(limit).offset(offset)
        return _rows(self._conn.execute(query))

    def log(self, exchange_id: str, *, at: str, by: str, action: str, detail: Mapping[str, Any]) -> None:
        """Append a step to the exchange's history."""
        self._conn.execute(
            insert(exchange_log),
            [
                {
                    "exchange_id": exchange_id,
                    "at": at,
                    "by": by,
                    "action": action,
                    "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
                }
            ],
        )

    def history(self, exchange_id: str) -> list[dict[str, Any]]:
        """The exchange's log, oldest first."""
        return _rows(
            self._conn.execute(
                select(exchange_log)
                .where(exchange_log.c.exchange_id == exchange_id)
                .order_by(exchange_log.c.id)
            )
        )

    # -- lists and versions ------------------------------------------------------------

    def list_named(self, exchange_id: str, name: str) -> dict[str, Any] | None:
        """A list of the exchange by name, if there is one."""
        row = self._conn.execute(
            select(exchange_lists).where(
                and_(exchange_lists.c.exchange_id == exchange_id, exchange_lists.c.name == name)
            )
        ).first()
        return None if row is None else dict(row._mapping)

    def add_list(self, *, exchange_id: str, name: str, party: str, at: str) -> int:
        """Store a new list of an exchange; its id."""
        result = self._conn.execute(
            insert(exchange_lists).returning(exchange_lists.c.id),
            [{"exchange_id": exchange_id, "name": name, "party": party, "created_at": at}],
        )
        return int(result.scalar_one())

    def lists_of(self, exchange_id: str) -> list[dict[str, Any]]:
        """The exchange's lists, in the order they were first received."""
        return _rows(
            self._conn.execute(
                select(exchange_lists)
                .where(exchange_lists.c.exchange_id == exchange_id)
                .order_by(exchange_lists.c.id)
            )
        )

    def versions_of(self, list_id: int) -> list[dict[str, Any]]:
        """A list's versions, v1 first."""
        return _rows(
            self._conn.execute(
                select(exchange_list_versions)
                .where(exchange_list_versions.c.list_id == list_id)
                .order_by(exchange_list_versions.c.number)
            )
        )

    def version(self, list_id: int, number: int | None = None) -> dict[str, Any] | None:
        """Version ``number`` of a list, or its latest when None; None if there is none."""
        query = select(exchange_list_versions).where(exchange_list_versions.c.list_id == list_id)
        if number is None:
            query = query.order_by(exchange_list_versions.c.number.desc()).limit(1)
        else:
            query = query.where(exchange_list_versions.c.number == number)
        row = self._conn.execute(query).first()
        return None if row is None else dict(row._mapping)

    def add_version(self, row: Mapping[str, Any]) -> int:
        """Store a new version of a list; its id."""
        result = self._conn.execute(
            insert(exchange_list_versions).returning(exchange_list_versions.c.id), [dict(row)]
        )
        return int(result.scalar_one())

    def add_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Store a version's rows as written."""
        if rows:
            self._conn.execute(insert(exchange_list_rows), [dict(r) for r in rows])

    def add_results(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Store a version's reconciliation results."""
        if rows:
            self._conn.execute(insert(exchange_reconciliations), [dict(r) for r in rows])

    def rows_of(self, version_id: int, *, list_ref: str | None = None) -> list[dict[str, Any]]:
        """A version's rows with their reconciliation, in the file's order (or the one row)."""
        r, c = exchange_list_rows, exchange_reconciliations
        query = (
            select(r, *(col for col in c.columns if col.name not in ("version_id", "list_ref")))
            .select_from(r.outerjoin(c, and_(c.c.version_id == r.c.version_id, c.c.list_ref == r.c.list_ref)))
            .where(r.c.version_id == version_id)
            .order_by(r.c.line, r.c.list_ref)
        )
        if list_ref is not None:
            query = query.where(r.c.list_ref == list_ref)
        return _rows(self._conn.execute(query))

    def result(self, version_id: int, list_ref: str) -> dict[str, Any]:
        """One row of a version with its reconciliation.

        Raises:
            NotFound: the version has no such row.
        """
        found = self.rows_of(version_id, list_ref=list_ref)
        if not found:
            raise NotFound(f"no row {list_ref!r} in this version of the list")
        return found[0]

    def decide(self, version_id: int, list_ref: str, **values: Any) -> None:
        """Record an officer's decision on one row of a version."""
        self._conn.execute(
            update(exchange_reconciliations)
            .where(
                and_(
                    exchange_reconciliations.c.version_id == version_id,
                    exchange_reconciliations.c.list_ref == list_ref,
                )
            )
            .values(**values)
        )

    def requested(self, exchange_id: str) -> set[str]:
        """Persons in our custody the other party asked for: the matched or confirmed rows of
        the latest version of each of its lists, on rows of kind ``request``."""
        out: set[str] = set()
        for lst in self.lists_of(exchange_id):
            if lst["party"] != "theirs":
                continue
            latest = self.version(lst["id"])
            if latest is None:
                continue
            for row in self.rows_of(latest["id"]):
                if row["list_kind"] != "request" or row["decision"] == "rejected":
                    continue
                if row["decision"] == "confirmed" and row["decided_person_id"]:
                    out.add(row["decided_person_id"])
                elif row["status"] == "matched" and row["person_id"]:
                    out.add(row["person_id"])
        return out

    def confirmed_on_their_lists(self, exchange_id: str, kinds: Sequence[str]) -> list[str]:
        """Persons an officer confirmed on rows of these kinds, in the latest versions of the
        other party's lists (the men it offers, or says it holds)."""
        out: list[str] = []
        for lst in self.lists_of(exchange_id):
            if lst["party"] != "theirs":
                continue
            latest = self.version(lst["id"])
            if latest is None:
                continue
            for row in self.rows_of(latest["id"]):
                person = row["decided_person_id"]
                confirmed = row["list_kind"] in kinds and row["decision"] == "confirmed"
                if confirmed and person and person not in out:
                    out.append(person)
        return out

    # -- the proposal ------------------------------------------------------------------

    def proposal(self, exchange_id: str) -> list[dict[str, Any]]:
        """The proposed list, in its order."""
        return _rows(
            self._conn.execute(
                select(exchange_proposals)
                .where(exchange_proposals.c.exchange_id == exchange_id)
                .order_by(exchange_proposals.c.position, exchange_proposals.c.person_id)
            )
        )

    def put_proposal(self, exchange_id: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Replace the proposed list."""
        self._conn.execute(delete(exchange_proposals).where(exchange_proposals.c.exchange_id == exchange_id))
        if rows:
            self._conn.execute(insert(exchange_proposals), [{**r, "exchange_id": exchange_id} for r in rows])

    def add_to_proposal(self, row: Mapping[str, Any]) -> None:
        """Put one man on the proposed list."""
        self._conn.execute(insert(exchange_proposals), [dict(row)])

    def remove_from_proposal(self, exchange_id: str, person_id: str) -> bool:
        """Take one man off the proposed list; False if he was not on it."""
        result = self._conn.execute(
            delete(exchange_proposals).where(
                and_(
                    exchange_proposals.c.exchange_id == exchange_id,
                    exchange_proposals.c.person_id == person_id,
                )
            )
        )
        return bool(result.rowcount)

    def exclusions(self, exchange_id: str) -> list[dict[str, Any]]:
        """Who the last proposal left out, and why."""
        return _rows(
            self._conn.execute(
                select(exchange_exclusions)
                .where(exchange_exclusions.c.exchange_id == exchange_id)
                .order_by(exchange_exclusions.c.held_back.desc(), exchange_exclusions.c.person_id)
            )
        )

    def put_exclusions(self, exchange_id: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Replace who the proposal leaves out."""
        self._conn.execute(
            delete(exchange_exclusions).where(exchange_exclusions.c.exchange_id == exchange_id)
        )
        if rows:
            self._conn.execute(insert(exchange_exclusions), [{**r, "exchange_id": exchange_id} for r in rows])

    def log_proposal(
        self, exchange_id: str, *, at: str, by: str, action: str, person_id: str | None, reason: str
    ) -> None:
        """Append one change of the proposal: who, when, what, why."""
        self._conn.execute(
            insert(exchange_proposal_log),
            [
                {
                    "exchange_id": exchange_id,
                    "at": at,
                    "by": by,
                    "action": action,
                    "person_id": person_id,
                    "reason": reason,
                }
            ],
        )

    def proposal_history(self, exchange_id: str) -> list[dict[str, Any]]:
        """Every change of the proposal, oldest first."""
        return _rows(
            self._conn.execute(
                select(exchange_proposal_log)
                .where(exchange_proposal_log.c.exchange_id == exchange_id)
                .order_by(exchange_proposal_log.c.id)
            )
        )

    def agreed_elsewhere(self, person_ids: Sequence[str], *, besides: str) -> dict[str, str]:
        """For each man, another exchange whose agreed (not yet executed) list names him."""
        if not person_ids:
            return {}
        out: dict[str, str] = {}
        ids = list(person_ids)
        for start in range(0, len(ids), 500):
            rows = self._conn.execute(
                select(exchange_proposals.c.person_id, exchanges.c.id)
                .select_from(
                    exchange_proposals.join(exchanges, exchanges.c.id == exchange_proposals.c.exchange_id)
                )
                .where(
                    and_(
                        exchange_proposals.c.person_id.in_(ids[start : start + 500]),
                        exchanges.c.state == "agreed",
                        exchanges.c.id != besides,
                    )
                )
                .order_by(exchanges.c.id)
            )
            for person_id, exchange_id in rows:
                out.setdefault(person_id, exchange_id)
        return out

    # -- whom the bureau might offer ---------------------------------------------------

    def pool(self, *, power: str | None) -> list[dict[str, Any]]:
        """Persons we hold now (held or hospitalised), current records only; with a Power
        given, those depending on it or on none recorded."""
        query = select(persons).where(
            and_(
                persons.c.custody == "ours",
                persons.c.merged_into.is_(None),
                persons.c.status.in_(["held", "hospitalised"]),
            )
        )
        if power:
            query = query.where(
                or_(
                    func.upper(persons.c.nationality) == power.upper(),
                    persons.c.nationality.is_(None),
                    persons.c.nationality == "",
                )
            )
        return _rows(self._conn.execute(query.order_by(persons.c.id)))

    def with_repatriation_records(self) -> set[str]:
        """Persons whose history holds a wish, proceedings or a medical category."""
        rows = self._conn.execute(
            select(events.c.person_id).where(events.c.kind.in_(sorted(REPATRIATION_KINDS))).distinct()
        )
        return {r.person_id for r in rows}
