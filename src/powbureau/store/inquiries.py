"""Tracing cases in the database: the cases, who asked, candidates for review, the case log.

``case_log`` is append-only: every step of a case (opened, inquirer added, candidates
found, a decision, an answer, a state change) is a row, so the history of an answer
can be read back. The re-check cursor records the last registry event that open cases
were checked against, so a crash never skips anyone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    func,
    insert,
    or_,
    select,
    update,
)

from powbureau.domain.errors import ConcurrentModification, NotFound
from powbureau.store.tables import metadata

__all__ = [
    "CaseRepository",
    "case_candidates",
    "case_log",
    "inquirers",
    "recheck_cursor",
    "tracing_cases",
]


def _like(text: str) -> str:
    """``text`` for a LIKE pattern, its wildcards escaped (escape character ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


tracing_cases = Table(
    "tracing_cases",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("state", String(24), nullable=False),
    Column("closure", String(24)),
    Column("sought", Text, nullable=False),
    Column("opened_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("assigned_to", Text),
    Column("person_id", String(32)),
    Column("confirmation", Text),
    Column("answer", Text),
    Column("answered_version", Integer),
)
Index("ix_tracing_cases_state", tracing_cases.c.state)
Index("ix_tracing_cases_person_id", tracing_cases.c.person_id)

inquirers = Table(
    "inquirers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), ForeignKey("tracing_cases.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("relation", Text, nullable=False),
    Column("contact", Text, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("language", String(8), nullable=False),
    Column("knows", Text, nullable=False),
    Column("source", Text),
    Column("query_ref", Text),
    Column("verification", String(24)),
    Column("verified_by", Text),
    Column("verified_at", String(32)),
    Column("received_at", String(32), nullable=False),
)
Index("ix_inquirers_case_id", inquirers.c.case_id)

case_candidates = Table(
    "case_candidates",
    metadata,
    Column("case_id", String(32), ForeignKey("tracing_cases.id"), primary_key=True),
    Column("person_id", String(32), primary_key=True),
    Column("probability", Float, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("found_at", String(32), nullable=False),
    Column("decision", String(12), nullable=False),
    Column("decided_by", Text),
    Column("decided_at", String(32)),
)

case_log = Table(
    "case_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), ForeignKey("tracing_cases.id"), nullable=False),
    Column("at", String(32), nullable=False),
    Column("by", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", Text, nullable=False),
)
Index("ix_case_log_case_id", case_log.c.case_id, case_log.c.id)

recheck_cursor = Table(
    "recheck_cursor",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("last_event_id", Integer, nullable=False),
)


class CaseRepository:
    """Tracing cases, their inquirers and candidates; never commits."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, row: Mapping[str, Any]) -> None:
        """Store a new case."""
        self._conn.execute(insert(tracing_cases), [dict(row)])

    def get(self, case_id: str) -> dict[str, Any]:
        """One case by id."""
        row = self._conn.execute(select(tracing_cases).where(tracing_cases.c.id == case_id)).first()
        if row is None:
            raise NotFound(f"no tracing case {case_id!r}")
        return dict(row._mapping)

    def save(self, case_id: str, *, expected_version: int, **values: Any) -> int:
        """Change a case if nobody changed it since ``expected_version``; the new version.

        Raises:
            ConcurrentModification: someone else changed it first.
        """
        result = self._conn.execute(
            update(tracing_cases)
            .where(and_(tracing_cases.c.id == case_id, tracing_cases.c.version == expected_version))
            .values(version=expected_version + 1, **values)
        )
        if result.rowcount != 1:
            current = self.get(case_id)
            raise ConcurrentModification(
                f"case {case_id} was changed at {current['updated_at']} (now version "
                f"{current['version']}, you had {expected_version}); reload it"
            )
        return expected_version + 1

    def add_inquirer(self, row: Mapping[str, Any]) -> int:
        """Store an inquirer; return his id."""
        result = self._conn.execute(insert(inquirers).returning(inquirers.c.id), [dict(row)])
        return int(result.scalar_one())

    def inquirers_of(self, case_id: str) -> list[dict[str, Any]]:
        """Who asked about this case's man, first first."""
        rows = self._conn.execute(
            select(inquirers).where(inquirers.c.case_id == case_id).order_by(inquirers.c.id)
        )
        return [dict(r._mapping) for r in rows]

    def inquirer(self, inquirer_id: int) -> dict[str, Any]:
        """One inquirer by id."""
        row = self._conn.execute(select(inquirers).where(inquirers.c.id == inquirer_id)).first()
        if row is None:
            raise NotFound(f"no inquirer #{inquirer_id}")
        return dict(row._mapping)

    def update_inquirer(self, inquirer_id: int, **values: Any) -> None:
        """Record something about an inquirer (his verification)."""
        self._conn.execute(update(inquirers).where(inquirers.c.id == inquirer_id).values(**values))

    def has_query_ref(self, source: str, query_ref: str) -> str | None:
        """The case a bulk list's line was already filed under, if any."""
        row = self._conn.execute(
            select(inquirers.c.case_id).where(
                and_(inquirers.c.source == source, inquirers.c.query_ref == query_ref)
            )
        ).first()
        return None if row is None else str(row.case_id)

    def put_candidates(self, case_id: str, rows: Sequence[Mapping[str, Any]]) -> list[str]:
        """Add candidates not seen before for this case; return the new person ids."""
        known = {
            r.person_id
            for r in self._conn.execute(
                select(case_candidates.c.person_id).where(case_candidates.c.case_id == case_id)
            )
        }
        new = [{**r, "case_id": case_id} for r in rows if r["person_id"] not in known]
        if new:
            self._conn.execute(insert(case_candidates), new)
        for r in rows:
            if r["person_id"] in known:
                self._conn.execute(
                    update(case_candidates)
                    .where(
                        and_(
                            case_candidates.c.case_id == case_id,
                            case_candidates.c.person_id == r["person_id"],
                            case_candidates.c.decision == "pending",
                        )
                    )
                    .values(probability=r["probability"], explanation=r["explanation"])
                )
        return [r["person_id"] for r in new]

    def candidates_of(self, case_id: str) -> list[dict[str, Any]]:
        """A case's candidates, most probable first."""
        rows = self._conn.execute(
            select(case_candidates)
            .where(case_candidates.c.case_id == case_id)
            .order_by(case_candidates.c.probability.desc(), case_candidates.c.person_id)
        )
        return [dict(r._mapping) for r in rows]

    def decide(self, case_id: str, person_id: str, *, decision: str, by: str, at: str) -> None:
        """Record an officer's decision on one candidate."""
        result = self._conn.execute(
            update(case_candidates)
            .where(and_(case_candidates.c.case_id == case_id, case_candidates.c.person_id == person_id))
            .values(decision=decision, decided_by=by, decided_at=at)
        )
        if result.rowcount != 1:
            raise NotFound(f"{person_id} is not a candidate of case {case_id}")

    def log(self, case_id: str, *, at: str, by: str, action: str, detail: Mapping[str, Any]) -> None:
        """Append a step to the case's history."""
        self._conn.execute(
            insert(case_log),
            [
                {
                    "case_id": case_id,
                    "at": at,
                    "by": by,
                    "action": action,
                    "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
                }
            ],
        )

    def history(self, case_id: str) -> list[dict[str, Any]]:
        """The case's log, oldest first."""
        rows = self._conn.execute(
            select(case_log).where(case_log.c.case_id == case_id).order_by(case_log.c.id)
        )
        return [dict(r._mapping) for r in rows]

    def search(
        self,
        *,
        states: Sequence[str] = (),
        person_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
        case_id: str | None = None,
        sought_surnames: Sequence[str] = (),
        opened_before: str | None = None,
    ) -> list[dict[str, Any]]:
        """Cases by state, confirmed person, id, the sought man's surname (any of the
        spellings given, as the start of the surname written) or opening time, oldest first."""
        query = select(tracing_cases)
        if states:
            query = query.where(tracing_cases.c.state.in_(list(states)))
        if person_id:
            query = query.where(tracing_cases.c.person_id == person_id)
        if case_id:
            query = query.where(tracing_cases.c.id == case_id)
        if sought_surnames:
            query = query.where(
                or_(
                    *(
                        tracing_cases.c.sought.like(
                            f'%"surname": "{_like(json.dumps(s, ensure_ascii=False)[1:-1])}%', escape="\\"
                        )
                        for s in sought_surnames
                    )
                )
            )
        if opened_before:
            query = query.where(tracing_cases.c.opened_at < opened_before)
        query = query.order_by(tracing_cases.c.opened_at, tracing_cases.c.id).limit(limit).offset(offset)
        return [dict(r._mapping) for r in self._conn.execute(query)]

    def count_by_state(self) -> dict[str, int]:
        """How many cases are in each state."""
        rows = self._conn.execute(select(tracing_cases.c.state, func.count()).group_by(tracing_cases.c.state))
        return {r[0]: int(r[1]) for r in rows}

    def persons_changed_since(self, after: int, through: int) -> list[str]:
        """Persons with events after event ``after`` up to ``through``, in id order."""
        from powbureau.store.tables import events

        rows = self._conn.execute(
            select(events.c.person_id)
            .where(and_(events.c.id > after, events.c.id <= through))
            .distinct()
            .order_by(events.c.person_id)
        )
        return [r.person_id for r in rows]

    def cursor(self, name: str = "standing") -> int:
        """The last registry event the open cases were re-checked against (locked for update)."""
        query = select(recheck_cursor.c.last_event_id).where(recheck_cursor.c.name == name)
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return 0 if row is None else int(row.last_event_id)

    def move_cursor(self, last_event_id: int, name: str = "standing") -> None:
        """Record how far the re-check has come."""
        result = self._conn.execute(
            update(recheck_cursor).where(recheck_cursor.c.name == name).values(last_event_id=last_event_id)
        )
        if result.rowcount == 0:
            self._conn.execute(insert(recheck_cursor), [{"name": name, "last_event_id": last_event_id}])
