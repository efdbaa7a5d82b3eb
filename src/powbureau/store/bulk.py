"""Bulk writes and chunked reads shared by the repositories."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table

__all__ = ["chunks", "insert_many"]

T = TypeVar("T")


def insert_many(conn: Connection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows given as tuples in the table's column order, inside the open transaction.

    Bulk intake spends most of its time here. SQLite gets the driver's ``executemany``
    (below SQLAlchemy's per-row parameter processing, which doubles its speed);
    PostgreSQL gets ``COPY ... FROM STDIN``, which sends the rows as one stream instead
    of one statement per row.
    """
    if not rows:
        return
    names = ", ".join(c.name for c in table.columns)
    if conn.dialect.name == "postgresql":
        driver: Any = conn.connection.dbapi_connection  # a psycopg 3 connection
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    marks = ", ".join([mark] * len(table.columns))
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", list(rows))


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
