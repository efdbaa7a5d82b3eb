"""The registry's schema check reads the migrations' heads without Alembic, as Alembic would."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from powbureau.store.migrate import alembic_config
from powbureau.store.revisions import heads_in, packaged_heads


def test_packaged_heads_are_alembics() -> None:
    assert packaged_heads() == frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def _script(folder: Path, revision: str, down: str) -> None:
    body = f'"""Revision ID: {revision}"""\n\nrevision: str = "{revision}"\ndown_revision = {down}\n'
    (folder / f"{revision}.py").write_text(body + "\n\ndef upgrade() -> None:\n    pass\n", encoding="utf-8")


def test_heads_follow_branches_and_merges(tmp_path: Path) -> None:
    _script(tmp_path, "a", "None")
    _script(tmp_path, "b", '"a"')
    _script(tmp_path, "c", '"a"')
    assert heads_in(tmp_path) == {"b", "c"}
    _script(tmp_path, "d", '("b", "c")')
    assert heads_in(tmp_path) == {"d"}
