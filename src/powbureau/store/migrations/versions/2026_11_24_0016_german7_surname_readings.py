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
    """Drop the column and the keys of the readings it held: 0015's code stores nobody under
    them (its ``verify`` would report them as stray keys)."""
    bind = op.get_bind()
    profiles = sa.table("match_profiles", sa.column("person_id"), sa.column("surname_alt"))
    keys = sa.table("match_keys", sa.column("key"), sa.column("person_id"))
    held = bind.execute(
        sa.select(profiles.c.person_id, profiles.c.surname_alt).where(profiles.c.surname_alt != "")
    )
    for person_id, readings in held.all():
        for reading in readings.split():
            bind.execute(
                keys.delete().where(
                    keys.c.person_id == person_id,
                    sa.or_(
                        keys.c.key.startswith(f"n:{reading}|", autoescape=True),
                        keys.c.key.startswith(f"y:{reading}|", autoescape=True),
                    ),
                )
            )
    with op.batch_alter_table("match_profiles") as batch:
        batch.drop_column("surname_alt")
