"""Migrations go up and down on both databases; an un-migrated database is no registry."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from builders import READER, People, Registry, event, register
from powbureau.domain.errors import NoRegistry
from powbureau.services import registry as services
from powbureau.services.integrity import verify_registry
from powbureau.store.db import open_engine, require_registry
from powbureau.store.migrate import downgrade, is_current, upgrade

TABLES = {"persons", "person_refs", "events", "chain_head", "places"}


def tables(reg: Registry) -> set[str]:
    return set(inspect(reg.engine).get_table_names())


def refuse_function_schemas(reg: Registry) -> list[str]:
    with reg.engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                    "WHERE p.proname = 'powbureau_refuse_change'"
                )
            ).scalars()
        )


def test_downgrade_to_base_and_upgrade_again(registry: Registry) -> None:
    register(registry, People(31))
    assert tables(registry) >= TABLES
    assert is_current(registry.engine)
    downgrade(registry.engine, "base")
    assert tables(registry) & TABLES == set()
    assert not is_current(registry.engine)
    with pytest.raises(NoRegistry, match="powbureau init"):
        require_registry(registry.engine)
    upgrade(registry.engine)
    assert tables(registry) >= TABLES
    assert is_current(registry.engine)
    require_registry(registry.engine)
    # the new schema is empty, protected and works
    assert services.registry_stats(uow=registry.uow(write=False))["persons"] == 0
    pid = register(registry, People(32))
    event(registry, pid, "hospitalised", occurred_on="2024-06")
    with pytest.raises(DBAPIError, match="append-only"), registry.engine.begin() as conn:
        conn.execute(text("UPDATE events SET place = 'X'"))
    assert verify_registry(uow=registry.uow(write=False)).ok


def test_upgrade_is_idempotent(registry: Registry) -> None:
    pid = register(registry, People(33))
    upgrade(registry.engine)
    upgrade(registry.engine)
    assert services.show_person(uow=registry.uow(write=False), reader=READER, ref=pid).person_id == pid


@pytest.mark.postgres
def test_the_trigger_function_lives_in_the_registry_schema(postgres_registry: Registry) -> None:
    with postgres_registry.engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    assert schema.startswith("t_")
    assert schema in refuse_function_schemas(postgres_registry)
    downgrade(postgres_registry.engine, "base")
    assert schema not in refuse_function_schemas(postgres_registry)
    upgrade(postgres_registry.engine)
    assert schema in refuse_function_schemas(postgres_registry)


@pytest.mark.postgres
def test_two_registries_in_one_database_do_not_collide(
    postgres_registry: Registry, empty_postgres_url: str
) -> None:
    """Schemas side by side (as the parallel tests run): each gets its own trigger function."""
    other = open_engine(empty_postgres_url)
    try:
        upgrade(other)
        downgrade(other, "base")
        upgrade(other)
        require_registry(other)
    finally:
        other.dispose()
    # the first registry is untouched and still protected
    register(postgres_registry, People(34))
    with pytest.raises(DBAPIError, match="append-only"), postgres_registry.engine.begin() as conn:
        conn.execute(text("DELETE FROM events"))


def test_an_empty_database_is_no_registry(tmp_path: object, registry: Registry) -> None:
    if registry.backend == "sqlite":
        with pytest.raises(NoRegistry, match="powbureau init"):
            open_engine(f"sqlite:///{tmp_path}/absent/registry.db")  # type: ignore[str-format]
    downgrade(registry.engine, "base")
    with pytest.raises(NoRegistry, match="powbureau init"):
        require_registry(registry.engine)
