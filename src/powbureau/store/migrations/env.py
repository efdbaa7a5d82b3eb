"""Alembic environment: runs on the connection ``powbureau.store.migrate`` hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from powbureau.store import accounts as _account_tables  # noqa: F401  (registers its tables)
from powbureau.store import audit as _audit_tables  # noqa: F401  (registers its tables)
from powbureau.store import exchanges as _exchange_tables  # noqa: F401  (registers its tables)
from powbureau.store import execution as _execution_tables  # noqa: F401  (registers its tables)
from powbureau.store import inquiries as _inquiry_tables  # noqa: F401  (registers its tables)
from powbureau.store import mail as _mail_tables  # noqa: F401  (registers its tables)
from powbureau.store import public_inquiries as _public_tables  # noqa: F401  (registers its tables)
from powbureau.store.tables import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("set sqlalchemy.url or run migrations through `powbureau init`")
        with create_engine(url).begin() as conn:
            _migrate(conn)
        return
    _migrate(connection)


def _migrate(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
