"""year keys with given names: ``y:surname|year|given ids``, read as byte-wise ranges

Tracing's surname-and-year key now ends with the person's given-name ids, so an inquiry
reads the range ``y:surname|year|`` and passes over namesakes with another given name
without reading their profiles. Keys compare byte-wise: on PostgreSQL the column takes
the ``C`` collation (SQLite compares text byte-wise already). The match index is rebuilt
from the persons projection.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _collate('"C"')
    _rebuild()


def downgrade() -> None:
    _collate('"default"')
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT key, custody, person_id FROM match_keys WHERE key LIKE 'y:%'")).all()
    bind.execute(sa.text("DELETE FROM match_keys WHERE key LIKE 'y:%'"))
    old = {(key.rsplit("|", 1)[0], custody, person_id) for key, custody, person_id in rows}
    if old:
        bind.execute(
            sa.text("INSERT INTO match_keys (key, custody, person_id) VALUES (:k, :c, :p)"),
            [{"k": k, "c": c, "p": p} for k, c, p in sorted(old)],
        )


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE match_keys ALTER COLUMN key TYPE text COLLATE {collation}")


def _rebuild() -> None:
    from powbureau.store.match_index import rebuild_match_index

    rebuild_match_index(op.get_bind())
