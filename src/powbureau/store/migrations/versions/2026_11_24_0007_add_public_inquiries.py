"""add public inquiries: the web form's queue, follow-up secrets (hashed) and released answers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_inquiries",
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("submitted", sa.Text(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("case_id", sa.String(32)),
        sa.Column("inquirer_id", sa.Integer()),
        sa.Column("filed_at", sa.String(32)),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.String(32)),
        sa.Column("released", sa.Text()),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_public_inquiries")),
    )
    op.create_index("ix_public_inquiries_state", "public_inquiries", ["state", "received_at"])
    op.create_index("ix_public_inquiries_inquirer_id", "public_inquiries", ["inquirer_id"])


def downgrade() -> None:
    op.drop_index("ix_public_inquiries_inquirer_id", table_name="public_inquiries")
    op.drop_index("ix_public_inquiries_state", table_name="public_inquiries")
    op.drop_table("public_inquiries")
