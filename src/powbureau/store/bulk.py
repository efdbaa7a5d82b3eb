"""Bulk writes and chunked reads shared by the repositories."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Table

__all__ = ["BULK_INDEXES", "chunks", "defer_indexes", "insert_many", "sorting_threads", "writes_in_process"]

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


#: The secondary indexes of the tables bulk intake fills (not the primary keys, which hold
#: the rows of ``match_keys`` and ``match_profiles`` and which the import itself reads).
BULK_INDEXES = ("ix_events_person_id", "ix_person_refs_person_id", "ix_match_profiles_custody")


def defer_indexes(conn: Connection) -> Callable[[], None]:
    """On SQLite, drop the bulk tables' secondary indexes in the open transaction; the
    function returned creates them again, as they were, from the rows then there.

    Sorting every row once costs less than keeping an index up to date row by row when
    most of its rows are new (and far less once the index outgrows the page cache). SQLite's
    DDL is transactional: the indexes come back with the commit, or with a rollback if the
    import fails or its process dies, and other connections see them all along. On other
    databases nothing is dropped.
    """
    if conn.dialect.name != "sqlite":
        return lambda: None
    marks = ", ".join("?" * len(BULK_INDEXES))
    found = conn.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN ({marks})", BULK_INDEXES
    ).all()
    for name, _sql in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')

    def create() -> None:
        with sorting_threads(conn):
            for _name, sql in found:
                conn.exec_driver_sql(sql)

    return create


#: SQLite's sorter holds up to the page cache's size of rows in memory per thread before it
#: writes them out as a sorted run to a temporary file and merges the runs (three runs at
#: once with ``threads = 2``: 192 MiB with the 64 MiB page cache, the largest thing an import
#: of a million rows held). In runs of 16 MiB a sort takes at most about 50 MB whatever the
#: file's size, and less CPU for a large sort (4 million match keys: 4.7 s against 5.8-6.0 s);
#: a 100k-row file's index builds still fit in one run each.
SORT_RUN_KIB = 16 << 10


@contextmanager
def sorting_threads(conn: Connection) -> Iterator[None]:
    """SQLite: let the sorts of an index build or an ordered insert take the second core,
    each sorting in runs of :data:`SORT_RUN_KIB` (the sorter's memory follows the page
    cache's size, which is lowered meanwhile: an index build or an ordered insert reads and
    writes each page once, and needs no large cache)."""
    cache_size = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SORT_RUN_KIB}")
    conn.exec_driver_sql("PRAGMA threads = 2")
    try:
        yield
    finally:
        conn.exec_driver_sql("PRAGMA threads = 0")
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(cache_size)}")


def writes_in_process(conn: Connection) -> bool:
    """True when the database's own work runs in this process (SQLite), not in a server's."""
    return conn.dialect.name == "sqlite"
