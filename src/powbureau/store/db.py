"""Engines for the embedded SQLite default and for PostgreSQL.

SQLite runs in WAL mode with foreign keys, ``synchronous=FULL`` and a busy timeout;
its write transactions start with ``BEGIN IMMEDIATE`` so that the chain head is
locked before anything is read. Opening a registry never creates one: only
``powbureau init`` does.
"""

from __future__ import annotations

import os
import sqlite3
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url

from powbureau.domain.errors import NoRegistry

__all__ = ["DEFAULT_URL", "WRITE", "database_url", "dispose_engines", "open_engine", "sqlite_path"]

DEFAULT_URL = "sqlite:///powbureau.db"
#: Execution option that makes a SQLite transaction start with BEGIN IMMEDIATE.
WRITE = "powbureau_write"


def database_url(url: str | None) -> str:
    """The URL to use: the given one, else ``$POWBUREAU_DB``, else the embedded default."""
    return url or os.environ.get("POWBUREAU_DB") or DEFAULT_URL


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for other databases and in-memory ones."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _normalise(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def _as_is(value: Any) -> Any:
    return value


# Python's sqlite3 (3.11) looks for an adapter for every parameter that is not exactly an
# int, float, str or bytes; for None and bool the look-up fails by raising and clearing an
# AttributeError, which made binding a NULL cost more than binding a name (bulk intake
# binds millions). Registered adapters are found at once; these give back the same value,
# bound as before (NULL; 0 or 1).
sqlite3.register_adapter(type(None), _as_is)
sqlite3.register_adapter(bool, int)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk intake touches random pages
        # Reads through the OS page cache without a copy: every audited read commits, which
        # empties the other connections' page caches, and tracing reads thousands of rows.
        cursor.execute("PRAGMA mmap_size=2147418112")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def open_engine(url: str | None = None, *, create: bool = False) -> Engine:
    """Open the registry's database.

    Args:
        url: a SQLAlchemy URL; ``None`` takes ``$POWBUREAU_DB`` or the default.
        create: allow a SQLite file that does not exist yet (only ``init`` does).

    Raises:
        NoRegistry: when the SQLite file does not exist and ``create`` is false.
    """
    resolved = database_url(url)
    path = sqlite_path(resolved)
    if path is not None and not create and not path.exists():
        raise NoRegistry(f"no registry at {resolved}; run `powbureau init`")
    if path is not None and create:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(_normalise(resolved), future=True)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    _OPENED.add(engine)
    return engine


_OPENED: weakref.WeakSet[Engine] = weakref.WeakSet()


def dispose_engines() -> None:
    """Close the idle connections of every engine :func:`open_engine` made in this process,
    as the interpreter's teardown would (the last SQLite connection removes the WAL file)."""
    for engine in list(_OPENED):
        engine.dispose()


def require_registry(engine: Engine) -> None:
    """Refuse a database that ``powbureau init`` has not brought to the newest schema."""
    from powbureau.store.revisions import is_current

    if not inspect(engine).has_table("events") or not is_current(engine):
        url = engine.url.render_as_string(hide_password=True)
        raise NoRegistry(f"no registry at {url}; run `powbureau init`")
