"""names: a Latin surname written the German way keeps its other readings; keys rebuilt

Without a strong German marker a Latin surname is read the English way: Koslow as Кослов,
Saporoschez as Сапорошез. When the whole name could be a German (Duden) spelling, the keys
of its German readings (Козлов, Запорожец) are now kept in ``match_profiles.surname_alt``
and the person is stored under them as well (``n:`` and ``y:`` keys), so the match index is
rebuilt from the persons projection.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("match_profiles") as batch:
        batch.add_column(sa.Column("surname_alt", sa.Text(), nullable=False, server_default=""))
    from powbureau.store.match_index import rebuild_match_index

    rebuild_match_index(op.get_bind())


def downgrade() -> None:
    """Drop the column; the keys stay those of the code that runs (0015 rebuilds none)."""
    with op.batch_alter_table("match_profiles") as batch:
        batch.drop_column("surname_alt")
