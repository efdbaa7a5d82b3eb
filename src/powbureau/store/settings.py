"""The registry's own settings: a few named values, such as whether it holds demo data."""

from __future__ import annotations

from sqlalchemy import Column, Connection, String, Table, Text, insert, select, update

from powbureau.store.tables import metadata

__all__ = ["SettingsRepository", "registry_settings"]

registry_settings = Table(
    "registry_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


class SettingsRepository:
    """Named values of the registry; never commits."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def get(self, name: str) -> str | None:
        """The value of ``name``, or None when it is not set."""
        value = self._conn.execute(
            select(registry_settings.c.value).where(registry_settings.c.name == name)
        ).scalar_one_or_none()
        return None if value is None else str(value)

    def put(self, name: str, value: str) -> None:
        """Set ``name`` to ``value``."""
        changed = self._conn.execute(
            update(registry_settings).where(registry_settings.c.name == name).values(value=value)
        ).rowcount
        if not changed:
            self._conn.execute(insert(registry_settings).values(name=name, value=value))
