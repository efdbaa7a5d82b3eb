"""Fixtures for the synthetic-data generator: one small registry shared by the tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # `bench` is a top-level folder, not an installed package
    sys.path.insert(0, str(ROOT))

from bench.synth import write_exchange_list, write_inquiries, write_registry  # noqa: E402


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry of 3,000 men with 600 inquiries and an exchange list of 300 rows."""
    d = tmp_path_factory.mktemp("synth")
    write_registry(d / "reg", persons=3000, seed=11)
    write_inquiries(d / "reg", d / "inq", count=600, seed=12)
    write_exchange_list(d / "reg", d / "ex", rows=300, seed=13)
    return d
