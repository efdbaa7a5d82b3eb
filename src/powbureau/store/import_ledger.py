"""The refs one import has seen so far, and on which line: a temporary table.

A file may not name one person_ref twice. Remembering every ref in memory would make an
import of a million rows grow with the file; a temporary table in the import's own
transaction keeps memory flat and vanishes with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

__all__ = ["ImportLedger"]

_CHUNK = 500


class ImportLedger:
    """Refs seen by the running import (one per unit of work)."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        # SQLite: the primary key is the table (one b-tree to write instead of a table and its index)
        suffix = " ON COMMIT DROP" if connection.dialect.name == "postgresql" else " WITHOUT ROWID"
        self._conn.execute(
            text(f"CREATE TEMP TABLE IF NOT EXISTS import_seen (ref TEXT PRIMARY KEY, line INTEGER){suffix}")
        )
        self._conn.execute(text("DELETE FROM import_seen"))
        self._postgres = connection.dialect.name == "postgresql"

    def claim(self, refs: Sequence[tuple[str, int]]) -> dict[str, int]:
        """Remember refs (each once) with their lines; give the earlier line of those seen before.

        The refs claimed before keep their first line; the others are now claimed.
        """
        if not refs:
            return {}
        if self._postgres:
            return self._claim_postgres(refs)
        # Insert and let the primary key say whether any was there: in the usual case all are
        # new and nothing needs looking up.
        driver: Any = self._conn.connection.driver_connection  # a sqlite3 connection
        before = driver.total_changes
        self._conn.exec_driver_sql("INSERT OR IGNORE INTO import_seen (ref, line) VALUES (?, ?)", list(refs))
        if driver.total_changes - before == len(refs):
            return {}
        return self._earlier(refs)

    def _earlier(self, refs: Sequence[tuple[str, int]]) -> dict[str, int]:
        """The refs whose line in the ledger is not theirs: claimed before, with that line."""
        earlier: dict[str, int] = {}
        for start in range(0, len(refs), _CHUNK):
            chunk = [ref for ref, _line in refs[start : start + _CHUNK]]
            marks = ", ".join("?" * len(chunk))
            rows = self._conn.exec_driver_sql(
                f"SELECT ref, line FROM import_seen WHERE ref IN ({marks})", tuple(chunk)
            )
            earlier.update({r[0]: int(r[1]) for r in rows})
        return {ref: earlier[ref] for ref, line in refs if earlier[ref] != line}

    def _claim_postgres(self, refs: Sequence[tuple[str, int]]) -> dict[str, int]:
        # Insert and let the primary key say which were there: a look-up first would be planned
        # on a temporary table that is never analysed, and scanned whole for every chunk.
        # Never a prepared statement, whose generic plan is worse still.
        driver: Any = self._conn.connection.dbapi_connection  # a psycopg 3 connection
        names = [ref for ref, _line in refs]
        with driver.cursor() as cursor:
            cursor.execute(
                "INSERT INTO import_seen (ref, line) SELECT * FROM unnest(%s::text[], %s::integer[]) "
                "ON CONFLICT (ref) DO NOTHING RETURNING ref",
                (names, [line for _ref, line in refs]),
                prepare=False,
            )
            claimed = {r[0] for r in cursor.fetchall()}
            before = [ref for ref in names if ref not in claimed]
            if not before:
                return {}
            cursor.execute("SELECT ref, line FROM import_seen WHERE ref = ANY(%s)", (before,), prepare=False)
            return {r[0]: int(r[1]) for r in cursor.fetchall()}
