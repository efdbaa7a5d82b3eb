"""Counts for the dashboard: aggregates only, never a person's record."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from powbureau.store.exchanges import exchanges
from powbureau.store.inquiries import case_candidates, tracing_cases
from powbureau.store.tables import events, persons

__all__ = ["FigureQueries"]


class FigureQueries:
    """Aggregate queries over the registry, the cases and the exchanges; never commits."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def held(self, by: str) -> list[tuple[str, int]]:
        """Persons we hold now, counted by ``category`` or ``place`` (most first)."""
        column = persons.c.category if by == "category" else persons.c.place
        rows = self._conn.execute(
            select(column, func.count())
            .where(persons.c.merged_into.is_(None), persons.c.custody == "ours")
            .where(persons.c.status.in_(("held", "hospitalised")))
            .group_by(column)
            .order_by(func.count().desc(), column)
        )
        return [(str(key or ""), int(n)) for key, n in rows]

    def events_since(self, kinds: tuple[str, ...], since: str) -> list[tuple[str, str]]:
        """(kind, recorded_at) of events of ``kinds`` recorded at or after ``since``."""
        rows = self._conn.execute(
            select(events.c.kind, events.c.recorded_at)
            .where(events.c.kind.in_(kinds), events.c.recorded_at >= since)
            .order_by(events.c.id)
        )
        return [(str(k), str(at)) for k, at in rows]

    def open_cases(self) -> list[tuple[str, str]]:
        """(state, opened_at) of every case not closed."""
        rows = self._conn.execute(
            select(tracing_cases.c.state, tracing_cases.c.opened_at).where(tracing_cases.c.state != "closed")
        )
        return [(str(s), str(at)) for s, at in rows]

    def cases_under_review(self) -> int:
        """Cases with candidates waiting for an officer."""
        return int(
            self._conn.execute(
                select(func.count()).select_from(tracing_cases).where(tracing_cases.c.state == "under_review")
            ).scalar_one()
        )

    def candidates_waiting(self) -> int:
        """Candidates of open cases not yet decided."""
        return int(
            self._conn.execute(
                select(func.count())
                .select_from(
                    case_candidates.join(tracing_cases, case_candidates.c.case_id == tracing_cases.c.id)
                )
                .where(tracing_cases.c.state == "under_review", case_candidates.c.decision == "pending")
            ).scalar_one()
        )

    def exchanges_by_state(self) -> list[tuple[str, int]]:
        """Exchanges not closed, counted by state."""
        rows = self._conn.execute(
            select(exchanges.c.state, func.count())
            .where(exchanges.c.state != "closed")
            .group_by(exchanges.c.state)
            .order_by(exchanges.c.state)
        )
        return [(str(s), int(n)) for s, n in rows]
