"""``verify`` and the append-only event log: tampering is refused or caught, on both databases."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from builders import People, Registry, add_places, event, import_file, register, write_csv
from powbureau.domain.events import Event
from powbureau.domain.people import FORMAT_COLUMNS
from powbureau.services import registry as services
from powbureau.services.integrity import verify_registry


@dataclass
class Story:
    """A small registry: imported and registered persons, events, a correction, a merge."""

    persons: list[str]
    target: Event  # an event with every column filled, with events after it
    events: int


def build_story(reg: Registry, tmp_path: object) -> Story:
    people = People(21)
    add_places(reg, "CAMP-1", "CAMP-2", "HOSP-1")
    import_file(reg, write_csv(tmp_path / "p.csv", people.rows(5), FORMAT_COLUMNS))  # type: ignore[operator]
    a = register(reg, fields=people.fields(captured_on="2024-01"), person_ref="A", source="icrc")
    b = register(reg, fields=people.fields(captured_on="2024-01"))
    wrong = event(reg, a, "transferred", place="CAMP-1", occurred_on="2024-02")
    target = event(
        reg,
        a,
        "transferred",
        place="CAMP-2",
        occurred_on="2024-02",
        corrects=wrong.event.id,
        note="перевод уточнён",
        source="document",
    ).event
    event(reg, b, "hospitalised", place="HOSP-1", occurred_on="2024-03")
    event(reg, a, "identity_corrected", changes={"rank": "старшина (уточнено)"})
    services.merge_persons(
        uow=reg.uow(), survivor_ref=a, other_ref=b, reason="same man", recorded_by="officer"
    )
    stats = services.registry_stats(uow=reg.uow(write=False))
    return Story([a, b], target, int(stats["events"]))


def problems(reg: Registry) -> list[str]:
    return verify_registry(uow=reg.uow(write=False)).problems


def _drop_protection(conn: Connection, backend: str) -> None:
    """What whoever holds the database file (or the owner's password) can do."""
    if backend == "sqlite":
        names = (
            conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
            )
            .scalars()
            .all()
        )
        assert names, "no triggers protect the events table"
        for name in names:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    else:
        conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER USER")


def tamper(reg: Registry, sql: str, **params: object) -> int:
    with reg.engine.begin() as conn:
        _drop_protection(conn, reg.backend)
        changed = conn.execute(text(sql), params).rowcount
    assert changed == 1
    return changed


def names_event(message: str, event_id: int) -> bool:
    return re.search(rf"#{event_id}\b", message) is not None


def test_an_untouched_registry_verifies(registry: Registry, tmp_path: object) -> None:
    story = build_story(registry, tmp_path)
    report = verify_registry(uow=registry.uow(write=False))
    assert report.ok, report.problems
    assert report.events == story.events
    assert report.persons == 7


def _changed_value(story: Story, column: str) -> object:
    """A plausible forgery of one column of the target event."""
    target = story.target
    value = getattr(target, column)
    if column == "id":
        return target.id + 100000
    if column == "corrects":
        return target.id - 2
    if column in ("prev_hash", "hash"):
        return ("0" if value[0] != "0" else "1") + value[1:]
    if column == "recorded_at":
        return value[:-2] + ("1Z" if value[-2] != "1" else "2Z")
    return {
        "person_id": story.persons[1],
        "kind": "released",
        "occurred_on": "2024-03",
        "place": "CAMP-1",
        "recorded_by": "someone-else",
        "source": "ICRC",
        "payload": value.replace("уточнён", "уточнен"),
    }[column]


COLUMNS = [
    "id",
    "person_id",
    "kind",
    "occurred_on",
    "place",
    "recorded_at",
    "recorded_by",
    "source",
    "payload",
    "corrects",
    "prev_hash",
    "hash",
]


@pytest.mark.parametrize("column", COLUMNS)
def test_changing_any_stored_column_of_an_event_is_caught(
    registry: Registry, tmp_path: object, column: str
) -> None:
    story = build_story(registry, tmp_path)
    assert problems(registry) == []
    value = _changed_value(story, column)
    assert value != getattr(story.target, column)
    tamper(registry, f"UPDATE events SET {column} = :value WHERE id = :id", value=value, id=story.target.id)
    found = problems(registry)
    assert found, f"verify passed after events.{column} was changed"
    assert names_event(found[0], story.target.id), found


def test_a_removed_event_is_caught(registry: Registry, tmp_path: object) -> None:
    story = build_story(registry, tmp_path)
    tamper(registry, "DELETE FROM events WHERE id = :id", id=story.target.id)
    found = problems(registry)
    assert found and names_event(found[0], story.target.id), found


def test_a_removed_last_event_is_caught(registry: Registry, tmp_path: object) -> None:
    story = build_story(registry, tmp_path)
    tamper(registry, "DELETE FROM events WHERE id = :id", id=story.events)
    found = problems(registry)
    assert found and names_event(found[0], story.events), found


def test_the_chain_head_is_checked(registry: Registry, tmp_path: object) -> None:
    story = build_story(registry, tmp_path)
    with registry.engine.begin() as conn:
        conn.execute(text("UPDATE chain_head SET last_id = last_id - 1"))
    found = problems(registry)
    assert found and "head" in found[0], found
    assert story.events


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("status", "released"),
        ("place", "CAMP-9"),
        ("surname", "Подменённый"),
        ("version", 99),
        ("custody", "own"),
        ("merged_into", None),
        ("extra", '{"x": "y"}'),
        ("open_conflicts", 3),
    ],
)
def test_a_changed_projection_row_is_caught_naming_the_person(
    registry: Registry, tmp_path: object, column: str, value: object
) -> None:
    story = build_story(registry, tmp_path)
    person = story.persons[1] if column == "merged_into" else story.persons[0]
    with registry.engine.begin() as conn:
        changed = conn.execute(
            text(f"UPDATE persons SET {column} = :value WHERE id = :id"), {"value": value, "id": person}
        ).rowcount
    assert changed == 1
    found = problems(registry)
    assert found and person in found[0] and column in found[0], found


def test_a_changed_reference_is_caught(registry: Registry, tmp_path: object) -> None:
    story = build_story(registry, tmp_path)
    with registry.engine.begin() as conn:
        conn.execute(
            text("UPDATE person_refs SET person_id = :other WHERE source = 'icrc'"),
            {"other": story.persons[1]},
        )
    found = problems(registry)
    assert found and re.search(r"icrc\W+A\b", found[0]), found


def test_sqlite_triggers_refuse_update_and_delete(sqlite_registry: Registry, tmp_path: object) -> None:
    story = build_story(sqlite_registry, tmp_path)
    for sql in ("UPDATE events SET place = 'X' WHERE id = 3", "DELETE FROM events WHERE id = 3"):
        with pytest.raises(DBAPIError, match="append-only"), sqlite_registry.engine.begin() as conn:
            conn.execute(text(sql))
    assert problems(sqlite_registry) == []
    assert services.registry_stats(uow=sqlite_registry.uow(write=False))["events"] == story.events


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE events SET place = 'X' WHERE id = 3",
        "UPDATE events SET kind = kind",
        "DELETE FROM events WHERE id = 3",
        "DELETE FROM events",
        "TRUNCATE events",
        "TRUNCATE events CASCADE",
    ],
)
def test_postgres_refuses_changing_events_even_to_the_owner(
    postgres_registry: Registry, tmp_path: object, sql: str
) -> None:
    story = build_story(postgres_registry, tmp_path)
    with postgres_registry.engine.connect() as conn:
        owner, superuser = conn.execute(
            text(
                "SELECT tableowner = current_user, "
                "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
                "FROM pg_tables WHERE tablename = 'events' AND schemaname = current_schema()"
            )
        ).one()
    assert owner and superuser
    with pytest.raises(DBAPIError, match="append-only"), postgres_registry.engine.begin() as conn:
        conn.execute(text(sql))
    assert problems(postgres_registry) == []
    stats = services.registry_stats(uow=postgres_registry.uow(write=False))
    assert stats["events"] == story.events
