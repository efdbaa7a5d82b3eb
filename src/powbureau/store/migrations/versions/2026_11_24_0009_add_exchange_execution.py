"""add exchange execution: the border sheet entered afterwards, handovers, discrepancies, releases to families

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_executions",
        sa.Column("exchange_id", sa.String(64), nullable=False),
        sa.Column("executed_on", sa.String(10), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("officer", sa.Text(), nullable=False),
        sa.Column("icrc_delegate", sa.Text(), nullable=False),
        sa.Column("other_party_officer", sa.Text()),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("exchange_id", name=op.f("pk_exchange_executions")),
    )
    op.create_table(
        "execution_entries",
        sa.Column("exchange_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("line", sa.Integer()),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("identity_methods", sa.Text()),
        sa.Column("identity_checked", sa.Text()),
        sa.Column("medical_state", sa.String(24)),
        sa.Column("valuables_packet", sa.Text()),
        sa.Column("valuables_note", sa.Text()),
        sa.Column("record_version", sa.Integer()),
        sa.Column("note", sa.Text()),
        sa.Column("event_id", sa.Integer()),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange_executions.exchange_id"],
            name=op.f("fk_execution_entries_exchange_id_exchange_executions"),
        ),
        sa.PrimaryKeyConstraint("exchange_id", "person_id", name=op.f("pk_execution_entries")),
    )
    op.create_index("ix_execution_entries_person_id", "execution_entries", ["person_id"])
    op.create_table(
        "execution_discrepancies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("exchange_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("person_id", sa.String(32)),
        sa.Column("name_as_written", sa.Text()),
        sa.Column("line", sa.Integer()),
        sa.Column("note", sa.Text()),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16)),
        sa.Column("resolved_by", sa.Text()),
        sa.Column("resolved_at", sa.String(32)),
        sa.Column("reason", sa.Text()),
        sa.Column("resolution", sa.Text()),
        sa.Column("event_id", sa.Integer()),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange_executions.exchange_id"],
            name=op.f("fk_execution_discrepancies_exchange_id_exchange_executions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_execution_discrepancies")),
    )
    op.create_index("ix_execution_discrepancies_exchange_id", "execution_discrepancies", ["exchange_id"])
    op.create_table(
        "handover_scans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("exchange_id", sa.String(64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("attached_at", sa.String(32), nullable=False),
        sa.Column("attached_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_scans")),
    )
    op.create_index("ix_handover_scans_exchange_id", "handover_scans", ["exchange_id"])
    op.create_table(
        "family_releases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("released_on", sa.String(10), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("released_by", sa.Text(), nullable=False),
        sa.Column("consent_form", sa.String(24), nullable=False),
        sa.Column("consent_recorded_on", sa.String(10), nullable=False),
        sa.Column("consent_recorded_by", sa.Text(), nullable=False),
        sa.Column("identity_methods", sa.Text(), nullable=False),
        sa.Column("identity_checked", sa.Text(), nullable=False),
        sa.Column("family_name", sa.Text(), nullable=False),
        sa.Column("family_relation", sa.Text(), nullable=False),
        sa.Column("family_document_type", sa.Text(), nullable=False),
        sa.Column("family_document_number", sa.Text(), nullable=False),
        sa.Column("family_relation_evidence", sa.Text()),
        sa.Column("icrc_informed_on", sa.String(10), nullable=False),
        sa.Column("icrc_informed_how", sa.String(24), nullable=False),
        sa.Column("icrc_note", sa.Text()),
        sa.Column("note", sa.Text()),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_releases")),
    )
    op.create_index("ix_family_releases_person_id", "family_releases", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_family_releases_person_id", table_name="family_releases")
    op.drop_table("family_releases")
    op.drop_index("ix_handover_scans_exchange_id", table_name="handover_scans")
    op.drop_table("handover_scans")
    op.drop_index("ix_execution_discrepancies_exchange_id", table_name="execution_discrepancies")
    op.drop_table("execution_discrepancies")
    op.drop_index("ix_execution_entries_person_id", table_name="execution_entries")
    op.drop_table("execution_entries")
    op.drop_table("exchange_executions")
