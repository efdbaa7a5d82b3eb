"""seal the staff accounts' TOTP secrets: ``totp_secret`` (clear) becomes ``totp_sealed``

Every stored secret is sealed with the registry's keyring (AES-256-GCM, the account's id as
associated data; see ``store.keyring``) and the clear column is dropped. ``powbureau init``
passes the keyring it prepared; otherwise the configured one is used, and only when there
is a secret to seal. Downgrading opens the secrets again into the clear column.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from powbureau.store.keyring import Keyring, keyring_for

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _keyring() -> Keyring:
    given: Keyring | None = context.config.attributes.get("keyring")
    if given is not None:
        return given
    return keyring_for(op.get_bind().engine.url.render_as_string(hide_password=False))


def upgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(sa.Column("totp_sealed", sa.Text(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, totp_secret FROM staff_accounts ORDER BY id")).all()
    if rows:
        keys = _keyring()
        bind.execute(
            sa.text("UPDATE staff_accounts SET totp_sealed = :sealed WHERE id = :id"),
            [{"id": row.id, "sealed": keys.seal(row.totp_secret, row.id)} for row in rows],
        )
    with op.batch_alter_table("staff_accounts") as batch:
        batch.alter_column("totp_sealed", existing_type=sa.Text(), nullable=False)
        batch.drop_column("totp_secret")


def downgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, totp_sealed FROM staff_accounts ORDER BY id")).all()
    if rows:
        keys = _keyring()
        bind.execute(
            sa.text("UPDATE staff_accounts SET totp_secret = :secret WHERE id = :id"),
            [{"id": row.id, "secret": keys.unseal(row.totp_sealed, row.id)} for row in rows],
        )
    with op.batch_alter_table("staff_accounts") as batch:
        batch.alter_column("totp_secret", existing_type=sa.String(64), nullable=False)
        batch.drop_column("totp_sealed")
