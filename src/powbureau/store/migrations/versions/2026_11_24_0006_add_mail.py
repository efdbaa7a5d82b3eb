"""add received e-mail: messages, attachments and transcriptions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_key", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text()),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source_path", sa.Text()),
        sa.Column("sender_address", sa.Text(), nullable=False),
        sa.Column("sender_name", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.String(32)),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("declared_charset", sa.String(40)),
        sa.Column("detected_charset", sa.String(40)),
        sa.Column("html_only", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("problem", sa.Text()),
        sa.Column("no_ack_reason", sa.Text()),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("case_id", sa.String(32)),
        sa.Column("inquirer_id", sa.Integer()),
        sa.Column("claimed_by", sa.Text()),
        sa.Column("claimed_at", sa.String(32)),
        sa.Column("transcribed_by", sa.Text()),
        sa.Column("transcribed_at", sa.String(32)),
        sa.Column("rejected_reason", sa.Text()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["tracing_cases.id"], name=op.f("fk_mail_messages_case_id_tracing_cases")
        ),
        sa.ForeignKeyConstraint(
            ["inquirer_id"], ["inquirers.id"], name=op.f("fk_mail_messages_inquirer_id_inquirers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
        sa.UniqueConstraint("message_key", name=op.f("uq_mail_messages_message_key")),
    )
    op.create_index("ix_mail_messages_state", "mail_messages", ["state", "id"])
    op.create_index("ix_mail_messages_inquirer_id", "mail_messages", ["inquirer_id"])
    op.create_table(
        "mail_attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["mail_messages.id"], name=op.f("fk_mail_attachments_message_id_mail_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_attachments")),
    )
    op.create_index("ix_mail_attachments_message_id", "mail_attachments", ["message_id"])
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("message_id", sa.Integer()),
        sa.Column("case_id", sa.String(32)),
        sa.Column("inquirer_id", sa.Integer()),
        sa.Column("answer", sa.String(24)),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("rfc_message_id", sa.Text(), nullable=False),
        sa.Column("eml", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("outbox", sa.Text(), nullable=False),
        sa.Column("path", sa.Text()),
        sa.Column("written_at", sa.String(32)),
        sa.ForeignKeyConstraint(
            ["message_id"], ["mail_messages.id"], name=op.f("fk_mail_outbox_message_id_mail_messages")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["tracing_cases.id"], name=op.f("fk_mail_outbox_case_id_tracing_cases")
        ),
        sa.ForeignKeyConstraint(
            ["inquirer_id"], ["inquirers.id"], name=op.f("fk_mail_outbox_inquirer_id_inquirers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index("ix_mail_outbox_message_id", "mail_outbox", ["message_id"])
    op.create_index("ix_mail_outbox_case_id", "mail_outbox", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_mail_outbox_case_id", table_name="mail_outbox")
    op.drop_index("ix_mail_outbox_message_id", table_name="mail_outbox")
    op.drop_table("mail_outbox")
    op.drop_index("ix_mail_attachments_message_id", table_name="mail_attachments")
    op.drop_table("mail_attachments")
    op.drop_index("ix_mail_messages_inquirer_id", table_name="mail_messages")
    op.drop_index("ix_mail_messages_state", table_name="mail_messages")
    op.drop_table("mail_messages")
