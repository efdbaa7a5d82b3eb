"""Fixtures for the command-line tests: the real command on a fresh registry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import Cli

from builders import BACKENDS, make_registry


@pytest.fixture(params=BACKENDS)
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cli]:
    """The command on a fresh registry, once on SQLite and once on PostgreSQL."""
    with make_registry(request.param, tmp_path) as reg:
        reg.engine.dispose()
        yield Cli(reg.url, reg.backend, tmp_path)


@pytest.fixture
def sqlite_cli(tmp_path: Path) -> Iterator[Cli]:
    """The command on a fresh SQLite registry."""
    with make_registry("sqlite", tmp_path) as reg:
        reg.engine.dispose()
        yield Cli(reg.url, reg.backend, tmp_path)
