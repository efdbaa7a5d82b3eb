"""persons: an index on (custody, rank, merged_into) for reconciliation's rank frequencies

Reconciliation reads how common each rank is in the custody a list is matched against
(``PersonRepository.rank_counts``); without an index that is a scan of the whole persons
projection (about half a second of a 1,000-row list's ten at 1,000,000 persons). The index
holds the three columns the count reads, so it is counted from the index alone.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.create_index("ix_persons_custody_rank", ["custody", "rank", "merged_into"])


def downgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.drop_index("ix_persons_custody_rank")
