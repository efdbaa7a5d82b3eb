"""add match keys: tracing's candidate keys and comparison values per person

Both tables are derived from the persons projection (``store/match_index.py`` writes
them in the registration's transaction; ``verify`` rebuilds and compares them). This
migration fills them for persons registered before it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_PROFILE_COLUMNS = (
    "surname",
    "given",
    "patronymic",
    "birth",
    "unit",
    "service",
    "mother_given",
    "mother_surname",
    "captured_on",
    "capture_place",
)


def upgrade() -> None:
    op.create_table(
        "match_profiles",
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("custody", sa.String(8), nullable=False),
        *(sa.Column(name, sa.Text(), nullable=False) for name in _PROFILE_COLUMNS),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_match_profiles")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_match_profiles_custody", "match_profiles", ["custody", "surname"])
    op.create_table(
        "match_keys",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("custody", sa.String(8), nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("key", "custody", "person_id", name=op.f("pk_match_keys")),
        sqlite_with_rowid=False,
    )
    _fill_existing()


def _fill_existing() -> None:
    """Index the persons already registered (a registry migrated from 0001)."""
    from powbureau.store.match_index import rebuild_match_index

    rebuild_match_index(op.get_bind())


def downgrade() -> None:
    op.drop_table("match_keys")
    op.drop_index("ix_match_profiles_custody", table_name="match_profiles")
    op.drop_table("match_profiles")
