"""add tracing cases, inquirers, candidates for review, the case log and the re-check cursor

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracing_cases",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("closure", sa.String(24)),
        sa.Column("sought", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("assigned_to", sa.Text()),
        sa.Column("person_id", sa.String(32)),
        sa.Column("confirmation", sa.Text()),
        sa.Column("answer", sa.Text()),
        sa.Column("answered_version", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracing_cases")),
    )
    op.create_index("ix_tracing_cases_state", "tracing_cases", ["state"])
    op.create_index("ix_tracing_cases_person_id", "tracing_cases", ["person_id"])
    op.create_table(
        "inquirers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("relation", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("knows", sa.Text(), nullable=False),
        sa.Column("source", sa.Text()),
        sa.Column("query_ref", sa.Text()),
        sa.Column("verification", sa.String(24)),
        sa.Column("verified_by", sa.Text()),
        sa.Column("verified_at", sa.String(32)),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["tracing_cases.id"], name=op.f("fk_inquirers_case_id_tracing_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquirers")),
    )
    op.create_index("ix_inquirers_case_id", "inquirers", ["case_id"])
    op.create_table(
        "case_candidates",
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("found_at", sa.String(32), nullable=False),
        sa.Column("decision", sa.String(12), nullable=False),
        sa.Column("decided_by", sa.Text()),
        sa.Column("decided_at", sa.String(32)),
        sa.ForeignKeyConstraint(
            ["case_id"], ["tracing_cases.id"], name=op.f("fk_case_candidates_case_id_tracing_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", "person_id", name=op.f("pk_case_candidates")),
    )
    op.create_table(
        "case_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["tracing_cases.id"], name=op.f("fk_case_log_case_id_tracing_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_log")),
    )
    op.create_index("ix_case_log_case_id", "case_log", ["case_id", "id"])
    op.create_table(
        "recheck_cursor",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_recheck_cursor")),
    )


def downgrade() -> None:
    op.drop_table("recheck_cursor")
    op.drop_index("ix_case_log_case_id", table_name="case_log")
    op.drop_table("case_log")
    op.drop_table("case_candidates")
    op.drop_index("ix_inquirers_case_id", table_name="inquirers")
    op.drop_table("inquirers")
    op.drop_index("ix_tracing_cases_person_id", table_name="tracing_cases")
    op.drop_index("ix_tracing_cases_state", table_name="tracing_cases")
    op.drop_table("tracing_cases")
