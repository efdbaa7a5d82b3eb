"""create the registry: persons, external references, events, chain head, places

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from powbureau.domain.people import IDENTITY_FIELDS

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_PG_REFUSE = """
CREATE FUNCTION powbureau_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("custody", sa.String(8), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("status_on", sa.String(10)),
        sa.Column("place", sa.Text()),
        sa.Column("merged_into", sa.String(32)),
        sa.Column("unidentified", sa.Boolean(), nullable=False),
        sa.Column("open_conflicts", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Text()) for name in IDENTITY_FIELDS),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
    )
    op.create_table(
        "person_refs",
        sa.Column("person_ref", sa.String(200), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_person_refs_person_id_persons")),
        sa.PrimaryKeyConstraint("person_ref", "source", name=op.f("pk_person_refs")),
    )
    op.create_index("ix_person_refs_person_id", "person_refs", ["person_id"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("occurred_on", sa.String(10)),
        sa.Column("place", sa.Text()),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("source", sa.Text()),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("corrects", sa.Integer()),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_person_id", "events", ["person_id", "id"])
    op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_head")),
    )
    op.execute("INSERT INTO chain_head (id, last_id, last_hash) VALUES (1, 0, '" + "0" * 64 + "')")
    op.create_table(
        "places",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("capacity", sa.Integer()),
        sa.Column("address", sa.Text()),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_places")),
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(_PG_REFUSE)
        op.execute(
            "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION powbureau_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
            "FOR EACH STATEMENT EXECUTE FUNCTION powbureau_refuse_change()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER events_no_{action.lower()} BEFORE {action} ON events "
                f"BEGIN SELECT RAISE(ABORT, 'events are append-only: {action} refused'); END"
            )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_no_truncate ON events")
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP FUNCTION IF EXISTS powbureau_refuse_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")
    op.drop_table("places")
    op.drop_table("chain_head")
    op.drop_index("ix_events_person_id", table_name="events")
    op.drop_table("events")
    op.drop_index("ix_person_refs_person_id", table_name="person_refs")
    op.drop_table("person_refs")
    op.drop_table("persons")
