"""The refs one import has seen so far, and on which line: a temporary table.

A file may not name one person_ref twice. Remembering every ref in memory would make an
import of a million rows grow with the file; a temporary table in the import's own
transaction keeps memory flat and vanishes with it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

__all__ = ["ImportLedger"]

_CHUNK = 500


class ImportLedger:
    """Refs seen by the running import (one per unit of work)."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        suffix = " ON COMMIT DROP" if connection.dialect.name == "postgresql" else ""
        self._conn.execute(
            text(f"CREATE TEMP TABLE IF NOT EXISTS import_seen (ref TEXT PRIMARY KEY, line INTEGER){suffix}")
        )
        self._conn.execute(text("DELETE FROM import_seen"))
        self._mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"

    def seen(self, refs: Sequence[str]) -> dict[str, int]:
        """The line on which each of ``refs`` already appeared in this import."""
        found: dict[str, int] = {}
        for start in range(0, len(refs), _CHUNK):
            chunk = list(refs[start : start + _CHUNK])
            marks = ", ".join([self._mark] * len(chunk))
            rows = self._conn.exec_driver_sql(
                f"SELECT ref, line FROM import_seen WHERE ref IN ({marks})", tuple(chunk)
            )
            found.update({r[0]: int(r[1]) for r in rows})
        return found

    def add(self, rows: Sequence[tuple[str, int]]) -> None:
        """Remember refs and their lines."""
        if rows:
            self._conn.exec_driver_sql(
                f"INSERT INTO import_seen (ref, line) VALUES ({self._mark}, {self._mark})", list(rows)
            )
