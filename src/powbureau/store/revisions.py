"""Whether a registry's schema is the newest, without Alembic.

Every command checks this before it opens the registry; importing Alembic and loading each
migration script for it cost every command about 0.1 s of CPU. The packaged migrations'
newest revisions (Alembic's "heads") are read from the scripts' ``revision`` and
``down_revision`` lines, and the database's from Alembic's own table. A unit test holds
:func:`packaged_heads` equal to Alembic's answer.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, inspect, text

__all__ = ["current_revisions", "heads_in", "is_current", "packaged_heads"]

VERSIONS = Path(__file__).parent / "migrations" / "versions"
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)


@cache
def packaged_heads() -> frozenset[str]:
    """The newest revisions of the packaged migrations."""
    return heads_in(VERSIONS)


def heads_in(folder: Path) -> frozenset[str]:
    """The revisions of the migration scripts in ``folder`` that no other script revises."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in folder.glob("*.py"):
        for name, value in _ASSIGNMENT.findall(script.read_text(encoding="utf-8")):
            literal = ast.literal_eval(value)
            if name == "revision":
                revisions.add(literal)
            elif isinstance(literal, str):
                revised.add(literal)
            elif literal is not None:
                revised.update(literal)
    return frozenset(revisions - revised)


def current_revisions(engine: Engine) -> frozenset[str]:
    """The revisions the database says it is at (none before ``powbureau init``)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return frozenset()
        return frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest revision."""
    return current_revisions(engine) == packaged_heads()
