"""add exchanges: parties, formula, lists and their versions, reconciliation, proposals

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_PG_REFUSE = """
CREATE FUNCTION powbureau_refuse_proposal_log_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the proposal log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "exchanges",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("party", sa.Text(), nullable=False),
        sa.Column("power", sa.String(2)),
        sa.Column("formula", sa.Text(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("planned_on", sa.String(10)),
        sa.Column("place", sa.Text()),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("assigned_to", sa.Text()),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.String(32)),
        sa.Column("shortfall", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchanges")),
    )
    op.create_index("ix_exchanges_state", "exchanges", ["state"])
    op.create_table(
        "exchange_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("exchange_id", sa.String(32), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"], ["exchanges.id"], name=op.f("fk_exchange_log_exchange_id_exchanges")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_log")),
    )
    op.create_index("ix_exchange_log_exchange_id", "exchange_log", ["exchange_id", "id"])
    op.create_table(
        "exchange_lists",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("exchange_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("party", sa.String(8), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"], ["exchanges.id"], name=op.f("fk_exchange_lists_exchange_id_exchanges")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_lists")),
        sa.UniqueConstraint("exchange_id", "name", name=op.f("uq_exchange_lists_exchange_id")),
    )
    op.create_table(
        "exchange_list_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("dated", sa.String(10)),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("reconciled", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
        sa.Column("imported_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["exchange_lists.id"], name=op.f("fk_exchange_list_versions_list_id_exchange_lists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_list_versions")),
        sa.UniqueConstraint("list_id", "number", name=op.f("uq_exchange_list_versions_list_id")),
    )
    op.create_table(
        "exchange_list_rows",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("list_ref", sa.String(200), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("list_kind", sa.String(8), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("claimed_state", sa.String(16)),
        sa.Column("medical_category", sa.Text()),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.Column("change", sa.String(10), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["exchange_list_versions.id"],
            name=op.f("fk_exchange_list_rows_version_id_exchange_list_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "list_ref", name=op.f("pk_exchange_list_rows")),
    )
    op.create_table(
        "exchange_reconciliations",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("list_ref", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("person_id", sa.String(32)),
        sa.Column("person_ref", sa.Text()),
        sa.Column("probability", sa.Float()),
        sa.Column("candidates", sa.Text(), nullable=False),
        sa.Column("separating", sa.Text(), nullable=False),
        sa.Column("reconciled_in", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(12), nullable=False),
        sa.Column("decided_person_id", sa.String(32)),
        sa.Column("decided_by", sa.Text()),
        sa.Column("decided_at", sa.String(32)),
        sa.Column("decision_note", sa.Text()),
        sa.Column("event_id", sa.Integer()),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["exchange_list_versions.id"],
            name=op.f("fk_exchange_reconciliations_version_id_exchange_list_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "list_ref", name=op.f("pk_exchange_reconciliations")),
    )
    op.create_index("ix_exchange_reconciliations_person_id", "exchange_reconciliations", ["person_id"])
    op.create_index(
        "ix_exchange_reconciliations_decided_person_id", "exchange_reconciliations", ["decided_person_id"]
    )
    op.create_table(
        "exchange_proposals",
        sa.Column("exchange_id", sa.String(32), nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("how", sa.String(12), nullable=False),
        sa.Column("added_by", sa.Text(), nullable=False),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"], ["exchanges.id"], name=op.f("fk_exchange_proposals_exchange_id_exchanges")
        ),
        sa.PrimaryKeyConstraint("exchange_id", "person_id", name=op.f("pk_exchange_proposals")),
    )
    op.create_index("ix_exchange_proposals_person_id", "exchange_proposals", ["person_id"])
    op.create_table(
        "exchange_exclusions",
        sa.Column("exchange_id", sa.String(32), nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        sa.Column("held_back", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"], ["exchanges.id"], name=op.f("fk_exchange_exclusions_exchange_id_exchanges")
        ),
        sa.PrimaryKeyConstraint("exchange_id", "person_id", name=op.f("pk_exchange_exclusions")),
    )
    op.create_table(
        "exchange_proposal_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("exchange_id", sa.String(32), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("person_id", sa.String(32)),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"], ["exchanges.id"], name=op.f("fk_exchange_proposal_log_exchange_id_exchanges")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_proposal_log")),
    )
    op.create_index("ix_exchange_proposal_log_exchange_id", "exchange_proposal_log", ["exchange_id", "id"])
    if op.get_context().dialect.name == "postgresql":
        op.execute(_PG_REFUSE)
        op.execute(
            "CREATE TRIGGER exchange_proposal_log_append_only BEFORE UPDATE OR DELETE "
            "ON exchange_proposal_log FOR EACH ROW EXECUTE FUNCTION powbureau_refuse_proposal_log_change()"
        )
        op.execute(
            "CREATE TRIGGER exchange_proposal_log_no_truncate BEFORE TRUNCATE ON exchange_proposal_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION powbureau_refuse_proposal_log_change()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER exchange_proposal_log_no_{action.lower()} BEFORE {action} "
                "ON exchange_proposal_log "
                f"BEGIN SELECT RAISE(ABORT, 'the proposal log is append-only: {action} refused'); END"
            )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS exchange_proposal_log_no_truncate ON exchange_proposal_log")
        op.execute("DROP TRIGGER IF EXISTS exchange_proposal_log_append_only ON exchange_proposal_log")
        op.execute("DROP FUNCTION IF EXISTS powbureau_refuse_proposal_log_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS exchange_proposal_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS exchange_proposal_log_no_delete")
    op.drop_index("ix_exchange_proposal_log_exchange_id", table_name="exchange_proposal_log")
    op.drop_table("exchange_proposal_log")
    op.drop_table("exchange_exclusions")
    op.drop_index("ix_exchange_proposals_person_id", table_name="exchange_proposals")
    op.drop_table("exchange_proposals")
    op.drop_index("ix_exchange_reconciliations_decided_person_id", table_name="exchange_reconciliations")
    op.drop_index("ix_exchange_reconciliations_person_id", table_name="exchange_reconciliations")
    op.drop_table("exchange_reconciliations")
    op.drop_table("exchange_list_rows")
    op.drop_table("exchange_list_versions")
    op.drop_table("exchange_lists")
    op.drop_index("ix_exchange_log_exchange_id", table_name="exchange_log")
    op.drop_table("exchange_log")
    op.drop_index("ix_exchanges_state", table_name="exchanges")
    op.drop_table("exchanges")
