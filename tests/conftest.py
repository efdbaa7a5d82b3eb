"""Shared fixtures: a fresh registry per test, on SQLite and (when configured) PostgreSQL.

``registry`` is parametrised over ``sqlite`` and ``postgres``:

* SQLite: a new file database in ``tmp_path`` (WAL, as the embedded default runs).
* PostgreSQL: ``$POWBUREAU_TEST_POSTGRES`` names a server (trust auth). Each test gets a
  schema of its own (``t_<random>``), reached through ``options=-csearch_path=...`` in
  the URL, migrated with ``powbureau.store.migrate.upgrade`` and dropped with CASCADE
  afterwards. When the variable is set the PostgreSQL tests must run: an unreachable
  server is an error, never a skip. When it is unset they skip, saying why.

The helpers behind these fixtures live in ``tests/builders.py`` (importable from any test);
test data is built through the services, never by raw inserts.
"""

from __future__ import annotations

import os

# Before powbureau is imported: argon2id with the least work in the tests' own processes and
# the servers they start (tests/integration/test_accounts.py checks the real parameters).
os.environ.setdefault("POWBUREAU_TEST_FAST_PASSWORD_HASHING", "1")

from collections.abc import Iterator
from pathlib import Path

import pytest

from builders import BACKENDS, Registry, make_registry, postgres_base_url, postgres_schema


@pytest.fixture(params=BACKENDS)
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    """A fresh, migrated registry, once on SQLite and once on PostgreSQL."""
    with make_registry(request.param, tmp_path) as reg:
        yield reg


@pytest.fixture
def sqlite_registry(tmp_path: Path) -> Iterator[Registry]:
    """A fresh, migrated registry on SQLite only."""
    with make_registry("sqlite", tmp_path) as reg:
        yield reg


@pytest.fixture
def postgres_registry(tmp_path: Path) -> Iterator[Registry]:
    """A fresh, migrated registry on PostgreSQL only (skips when none is configured)."""
    with make_registry("postgres", tmp_path) as reg:
        yield reg


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """The URL of a fresh PostgreSQL schema that nobody has migrated."""
    with postgres_schema(postgres_base_url()) as url:
        yield url
