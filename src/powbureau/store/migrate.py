"""Create or migrate the registry's schema with Alembic (only ``powbureau init`` calls it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from powbureau.store.keyring import Keyring
from powbureau.store.revisions import is_current

__all__ = ["alembic_config", "downgrade", "is_current", "upgrade"]

_HERE = Path(__file__).parent


def alembic_config() -> Config:
    """The Alembic configuration of the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(_HERE / "migrations"))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def upgrade(engine: Engine, revision: str = "head", *, keyring: Keyring | None = None) -> None:
    """Bring the schema up to ``revision`` in one transaction.

    ``keyring`` seals TOTP secrets stored in clear by older versions (else the configured
    keyring is looked up, only if there are any).
    """
    config = alembic_config()
    with _migrating(engine) as connection:
        config.attributes["connection"] = connection
        config.attributes["keyring"] = keyring
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema down to ``revision`` (tests of the migrations use it)."""
    config = alembic_config()
    with _migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """One transaction for the migrations.

    On SQLite a batch migration copies a table and drops the old one, which the foreign
    keys of other tables refer to; as SQLite's documentation prescribes for such changes,
    foreign keys are switched off on this connection (only possible outside a transaction)
    and ``PRAGMA foreign_key_check`` must find nothing before the commit.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with connection.begin():
                yield connection
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migration left rows without their parents: {broken[:5]}")
        finally:
            raw.execute("PRAGMA foreign_keys = ON")
