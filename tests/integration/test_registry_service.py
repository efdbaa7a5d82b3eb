"""The registry's use cases on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from builders import OPERATOR, READER, People, Registry, add_places, event, register
from powbureau.domain.errors import (
    AmbiguousReference,
    DuplicateReference,
    InvalidInput,
    PersonNotFound,
    PlaceNotFound,
    RuleViolation,
)
from powbureau.services import registry as services
from powbureau.services.integrity import verify_registry


def show(reg: Registry, ref: str) -> services.PersonView:
    return services.show_person(uow=reg.uow(write=False), reader=READER, ref=ref)


def history(reg: Registry, ref: str) -> tuple[str, list[object], dict[int, str]]:
    return services.person_history(uow=reg.uow(write=False), reader=READER, ref=ref)


def stats(reg: Registry) -> dict[str, object]:
    return services.registry_stats(uow=reg.uow(write=False))


def event_count(reg: Registry) -> int:
    return int(stats(reg)["events"])  # type: ignore[call-overload]


def assert_verified(reg: Registry) -> None:
    report = verify_registry(uow=reg.uow(write=False))
    assert report.ok, report.problems


# ---------------------------------------------------------------------------------------
# Register, show, history, list


def test_register_show_history_list(registry: Registry) -> None:
    people = People(1)
    fields = people.fields(surname="Коваленко", given_name="Дмитро", birth_date="1994-03")
    pid = register(registry, fields=fields, person_ref="UA-0001", source="icrc")
    view = show(registry, pid)
    assert view.person_id == pid
    for name, value in fields.items():
        assert view.row[name] == value, name
    assert view.row["custody"] == "ours" and view.row["status"] == "held"
    assert view.row["status_on"] == fields["captured_on"]
    assert view.refs == [("icrc", "UA-0001")]
    assert view.conflicts == []
    # every way of naming him
    for ref in (pid, "icrc:UA-0001", "UA-0001"):
        assert show(registry, ref).person_id == pid
    person_id, events, conflicts = history(registry, pid)
    assert person_id == pid and conflicts == {}
    assert events[0].kind == "registered"  # type: ignore[attr-defined]
    assert all(e.recorded_by == OPERATOR for e in events)  # type: ignore[attr-defined]
    listed = services.list_persons(uow=registry.uow(write=False), reader=READER, surname="Коваленко")
    assert [r["id"] for r in listed] == [pid]
    assert services.list_persons(uow=registry.uow(write=False), reader=READER, surname="Шевчук") == []
    assert stats(registry)["persons"] == 1
    assert_verified(registry)


def test_list_filters_by_custody_status_and_place(registry: Registry) -> None:
    people = People(2)
    add_places(registry, "CAMP-1", "CAMP-2")
    held = [register(registry, people) for _ in range(3)]
    missing = register(registry, fields=people.fields(category="missing", captured_on=None))
    event(registry, held[0], "transferred", place="CAMP-1", occurred_on="2024-06")
    event(registry, held[1], "transferred", place="CAMP-2", occurred_on="2024-06")

    def ids(**filters: object) -> set[str]:
        listed = services.list_persons(uow=registry.uow(write=False), reader=READER, **filters)
        return {r["id"] for r in listed}

    assert ids(custody="ours") == set(held)
    assert ids(custody="own") == {missing}
    assert ids(status="missing") == {missing}
    assert ids(place="CAMP-1") == {held[0]}
    assert ids(limit=2) <= set(held) | {missing} and len(ids(limit=2)) == 2
    by = stats(registry)
    assert by["persons"] == 4
    assert by["by_custody"] == {"own": 1, "ours": 3}


def test_a_reference_that_names_nobody_or_several(registry: Registry) -> None:
    register(registry, person_ref="R-1", source="icrc")
    register(registry, person_ref="R-1", source="ua-mod")
    with pytest.raises(AmbiguousReference, match="icrc:R-1"):
        show(registry, "R-1")
    assert show(registry, "ua-mod:R-1").refs == [("ua-mod", "R-1")]
    with pytest.raises(PersonNotFound):
        show(registry, "R-2")
    with pytest.raises(PersonNotFound):
        show(registry, "icrc:R-2")
    with pytest.raises(DuplicateReference, match="icrc:R-1"):
        register(registry, person_ref="R-1", source="icrc")
    assert stats(registry)["persons"] == 2


def test_a_bad_field_registers_nobody(registry: Registry) -> None:
    people = People(3)
    for bad in (
        {"birth_date": "1994-02-30"},
        {"captured_on": "14.03.2001"},
        {"sex": "X"},
        {"category": "hostage"},
        {"surname": None, "given_name": ""},
    ):
        with pytest.raises(InvalidInput):
            register(registry, fields=people.fields(**bad))
    with pytest.raises(PlaceNotFound):
        register(registry, people, place="NOWHERE")
    assert stats(registry)["persons"] == 0
    assert event_count(registry) == 0


# ---------------------------------------------------------------------------------------
# Events and rules


def test_events_move_the_person_and_are_kept_in_order(registry: Registry) -> None:
    add_places(registry, "CAMP-1", "HOSP-1")
    pid = register(registry, fields=People(4).fields(captured_on="2024-01-15"))
    first = event(registry, pid, "transferred", place="CAMP-1", occurred_on="2024-02")
    assert first.warnings == [] and first.version == len(history(registry, pid)[1])
    event(registry, pid, "hospitalised", place="HOSP-1", occurred_on="2024-03-01", note="рана")
    row = show(registry, pid).row
    assert (row["status"], row["place"], row["status_on"]) == ("hospitalised", "HOSP-1", "2024-03-01")
    event(registry, pid, "discharged", occurred_on="2024-03-20")
    row = show(registry, pid).row
    assert (row["status"], row["place"]) == ("held", "CAMP-1")
    event(registry, pid, "exchanged", occurred_on="2024-05")
    row = show(registry, pid).row
    assert (row["status"], row["place"], row["status_on"]) == ("exchanged", None, "2024-05")
    _, events, _ = history(registry, pid)
    kinds = [e.kind for e in events]  # type: ignore[attr-defined]
    assert kinds[-4:] == ["transferred", "hospitalised", "discharged", "exchanged"]
    assert json.loads(events[-3].payload) == {"note": "рана"}  # type: ignore[attr-defined]
    assert_verified(registry)


def test_an_impossible_entry_is_refused_and_nothing_is_written(registry: Registry) -> None:
    add_places(registry, "CAMP-1")
    pid = register(registry, fields=People(5).fields(captured_on="2024-01"))
    event(registry, pid, "died", occurred_on="2024-04-02", source="document")
    before = event_count(registry)
    with pytest.raises(RuleViolation, match="no transferred after a recorded death"):
        event(registry, pid, "transferred", place="CAMP-1", occurred_on="2024-05")
    assert event_count(registry) == before
    assert show(registry, pid).row["status"] == "deceased"
    assert_verified(registry)


def test_outside_news_that_does_not_fit_is_kept_as_a_conflict(registry: Registry) -> None:
    pid = register(registry, fields=People(6).fields(captured_on="2024-01"))
    event(registry, pid, "died", occurred_on="2024-04-02", source="document")
    kept = event(registry, pid, "released", occurred_on="2024-05", source="adversary list")
    assert kept.warnings and "released" in kept.warnings[0]
    view = show(registry, pid)
    assert view.row["status"] == "deceased"
    assert kept.event.id in dict(view.conflicts)
    assert view.row["open_conflicts"] == 1
    assert history(registry, pid)[2].keys() == {kept.event.id}
    conflicted = services.list_persons(uow=registry.uow(write=False), reader=READER, conflicts=True)
    assert [r["id"] for r in conflicted] == [pid]
    assert_verified(registry)


def test_late_news_is_kept_and_flagged(registry: Registry) -> None:
    add_places(registry, "CAMP-1", "HOSP-1")
    pid = register(registry, fields=People(7).fields(captured_on="2024-01"))
    event(registry, pid, "transferred", place="CAMP-1", occurred_on="2024-06-10")
    late = event(registry, pid, "hospitalised", place="HOSP-1", occurred_on="2024-06-01", source="ICRC")
    assert any("reported late" in w for w in late.warnings)
    view = show(registry, pid)
    assert (view.row["status"], view.row["place"]) == ("held", "CAMP-1")
    assert late.event.id in dict(view.conflicts)
    assert_verified(registry)


def test_bad_entries_are_refused_before_anything_is_written(registry: Registry) -> None:
    pid = register(registry, People(8))
    before = event_count(registry)
    with pytest.raises(InvalidInput, match="unknown event kind"):
        event(registry, pid, "vanished")
    with pytest.raises(InvalidInput, match="2001-03-14"):
        event(registry, pid, "transferred", occurred_on="14.03.2001")
    with pytest.raises(InvalidInput, match="future"):
        event(registry, pid, "released", occurred_on="2999-01")
    with pytest.raises(PlaceNotFound):
        event(registry, pid, "transferred", place="NOWHERE", occurred_on="2024")
    with pytest.raises(InvalidInput, match="corrects"):
        event(registry, pid, "retracted")
    with pytest.raises(InvalidInput):
        event(registry, pid, "registered")
    with pytest.raises(PersonNotFound):
        event(registry, "P-NOBODY", "released")
    assert event_count(registry) == before


def test_identity_corrected(registry: Registry) -> None:
    pid = register(registry, fields=People(9).fields(surname="Иванов", birth_date="1994"))
    recorded = event(
        registry,
        pid,
        "identity_corrected",
        changes={"surname": "Іванов", "birth_date": "1994-03-07"},
        source="document",
    )
    row = show(registry, pid).row
    assert (row["surname"], row["birth_date"]) == ("Іванов", "1994-03-07")
    payload = json.loads(recorded.event.payload)
    assert payload["changes"] == {"surname": ["Иванов", "Іванов"], "birth_date": ["1994", "1994-03-07"]}
    with pytest.raises(InvalidInput, match="changes nothing"):
        event(registry, pid, "identity_corrected", changes={"surname": "Іванов"})
    with pytest.raises(InvalidInput):
        event(registry, pid, "identity_corrected", changes={"birth_date": "1994-02-30"})
    with pytest.raises(InvalidInput, match="blood_group"):
        event(registry, pid, "identity_corrected", changes={"blood_group": "A+"})
    assert show(registry, pid).row["surname"] == "Іванов"
    assert_verified(registry)


def test_retracted_restores_the_state_before(registry: Registry) -> None:
    add_places(registry, "CAMP-1")
    pid = register(registry, fields=People(10).fields(captured_on="2024-01"))
    event(registry, pid, "transferred", place="CAMP-1", occurred_on="2024-02")
    before = dict(show(registry, pid).row)
    died = event(registry, pid, "died", occurred_on="2024-03", source="family")
    assert show(registry, pid).row["status"] == "deceased"
    retraction = event(registry, pid, "retracted", corrects=died.event.id, note="reported in error")
    after = dict(show(registry, pid).row)
    for column in ("status", "status_on", "place", "custody", "open_conflicts", "surname"):
        assert after[column] == before[column], column
    assert after["version"] == before["version"] + 2
    # the retracted event is still in the history: nothing is dropped
    kinds = [e.kind for e in history(registry, pid)[1]]  # type: ignore[attr-defined]
    assert kinds[-2:] == ["died", "retracted"]
    # retracting the retraction brings the death back
    event(registry, pid, "retracted", corrects=retraction.event.id)
    assert show(registry, pid).row["status"] == "deceased"
    assert_verified(registry)


def test_a_correction_replaces_the_last_event(registry: Registry) -> None:
    add_places(registry, "CAMP-1", "CAMP-2")
    pid = register(registry, fields=People(11).fields(captured_on="2024-01"))
    wrong = event(registry, pid, "transferred", place="CAMP-1", occurred_on="2024-02")
    fixed = event(
        registry, pid, "transferred", place="CAMP-2", occurred_on="2024-02", corrects=wrong.event.id
    )
    assert fixed.warnings == []
    row = show(registry, pid).row
    assert (row["place"], row["open_conflicts"]) == ("CAMP-2", 0)
    assert_verified(registry)


def test_a_correction_naming_another_persons_event_is_refused(registry: Registry) -> None:
    a, b = register(registry, People(12)), register(registry, People(13))
    other = history(registry, b)[1][0]
    with pytest.raises(InvalidInput, match="belongs to"):
        event(registry, a, "retracted", corrects=other.id)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------
# Optimistic versions (sequentially; the concurrent case is in test_concurrency)


def test_a_stale_version_is_refused_naming_who_changed_the_person(registry: Registry) -> None:
    pid = register(registry, People(14))
    seen = show(registry, pid).row["version"]
    services.record_event(
        uow=registry.uow(),
        ref=pid,
        kind="hospitalised",
        recorded_by="officer-a",
        occurred_on="2024-06",
        expected_version=seen,
    )
    from powbureau.domain.errors import ConcurrentModification

    with pytest.raises(ConcurrentModification, match="officer-a") as caught:
        services.record_event(
            uow=registry.uow(),
            ref=pid,
            kind="released",
            recorded_by="officer-b",
            occurred_on="2024-06",
            expected_version=seen,
        )
    assert f"version {seen}" in str(caught.value)
    assert show(registry, pid).row["status"] == "hospitalised"


# ---------------------------------------------------------------------------------------
# Merge and unmerge


def test_merge_and_unmerge(registry: Registry) -> None:
    people = People(15)
    add_places(registry, "CAMP-1")
    survivor = register(registry, people, person_ref="A-1", source="icrc")
    other = register(registry, people, person_ref="B-7", source="ua-mod")
    third = register(registry, people)
    event(registry, other, "transferred", place="CAMP-1", occurred_on="2024-06")
    assert stats(registry)["persons"] == 3
    events_before = event_count(registry)

    kept, merged = services.merge_persons(
        uow=registry.uow(),
        survivor_ref="icrc:A-1",
        other_ref="B-7",
        reason="same service number",
        recorded_by=OPERATOR,
    )
    assert (kept, merged) == (survivor, other)
    for ref in (survivor, other, "icrc:A-1", "ua-mod:B-7", "B-7"):
        assert show(registry, ref).person_id == survivor, ref
    assert stats(registry)["persons"] == 2
    assert event_count(registry) == events_before + 1
    listed = {r["id"] for r in services.list_persons(uow=registry.uow(write=False), reader=READER)}
    assert listed == {survivor, third}
    # the survivor's history includes the merged record's events
    kinds = [(e.person_id, e.kind) for e in history(registry, other)[1]]  # type: ignore[attr-defined]
    assert (other, "transferred") in kinds and (survivor, "registered") in kinds
    # an event for the merged id goes to the survivor
    recorded = event(registry, "ua-mod:B-7", "hospitalised", occurred_on="2024-07")
    assert recorded.event.person_id == survivor
    with pytest.raises(RuleViolation, match="already one record"):
        services.merge_persons(
            uow=registry.uow(), survivor_ref=survivor, other_ref=other, reason="again", recorded_by=OPERATOR
        )
    assert_verified(registry)

    restored, former = services.unmerge_person(
        uow=registry.uow(), ref=other, recorded_by=OPERATOR, reason="different fathers' names"
    )
    assert (restored, former) == (other, survivor)
    assert show(registry, other).person_id == other
    assert show(registry, "ua-mod:B-7").person_id == other
    assert show(registry, "icrc:A-1").person_id == survivor
    assert stats(registry)["persons"] == 3
    row = show(registry, other).row
    assert (row["status"], row["place"], row["merged_into"]) == ("held", "CAMP-1", None)
    assert_verified(registry)


def test_unmerge_by_the_survivor_and_refusals(registry: Registry) -> None:
    people = People(16)
    a, b, c = (register(registry, people) for _ in range(3))
    with pytest.raises(RuleViolation, match="not a merged record"):
        services.unmerge_person(uow=registry.uow(), ref=a, recorded_by=OPERATOR)
    with pytest.raises(InvalidInput, match="reason"):
        services.merge_persons(
            uow=registry.uow(), survivor_ref=a, other_ref=b, reason=" ", recorded_by=OPERATOR
        )
    services.merge_persons(
        uow=registry.uow(), survivor_ref=a, other_ref=b, reason="same man", recorded_by=OPERATOR
    )
    restored, _ = services.unmerge_person(uow=registry.uow(), ref=a, recorded_by=OPERATOR)
    assert restored == b
    services.merge_persons(
        uow=registry.uow(), survivor_ref=a, other_ref=b, reason="same man", recorded_by=OPERATOR
    )
    services.merge_persons(
        uow=registry.uow(), survivor_ref=a, other_ref=c, reason="same man", recorded_by=OPERATOR
    )
    assert stats(registry)["persons"] == 1
    with pytest.raises(RuleViolation, match="name the one to unmerge"):
        services.unmerge_person(uow=registry.uow(), ref=a, recorded_by=OPERATOR)
    services.unmerge_person(uow=registry.uow(), ref=c, recorded_by=OPERATOR)
    assert stats(registry)["persons"] == 2
    assert_verified(registry)


def test_records_of_different_custody_are_not_merged(registry: Registry) -> None:
    people = People(17)
    ours = register(registry, people)
    own = register(registry, fields=people.fields(category="missing", captured_on=None))
    with pytest.raises(RuleViolation, match="custody"):
        services.merge_persons(
            uow=registry.uow(), survivor_ref=ours, other_ref=own, reason="looks alike", recorded_by=OPERATOR
        )
    assert stats(registry)["persons"] == 2


def test_an_unidentified_person_is_registered_and_merged_later(registry: Registry) -> None:
    add_places(registry, "HOSP-1")
    with pytest.raises(InvalidInput, match="description"):
        register(registry, fields={}, unidentified=True, person_ref="TMP-1", source="field-hospital")
    unknown = register(
        registry,
        fields={"description": "мужчина ~30 лет, шрам на левой руке, жетон утерян", "sex": "M"},
        unidentified=True,
        person_ref="TMP-1",
        source="field-hospital",
    )
    row = show(registry, "field-hospital:TMP-1").row
    assert row["unidentified"] is True or row["unidentified"] == 1
    assert row["surname"] is None and row["status"] == "held"
    event(registry, "TMP-1", "hospitalised", place="HOSP-1", occurred_on="2024-06")
    # later, papers arrive: he is a man already on file
    named = register(
        registry,
        fields=People(18).fields(surname="Ткаченко", given_name="Андрій"),
        person_ref="UA-77",
        source="ua-mod",
    )
    services.merge_persons(
        uow=registry.uow(),
        survivor_ref=named,
        other_ref="field-hospital:TMP-1",
        reason="identified by photograph",
        recorded_by=OPERATOR,
    )
    assert show(registry, "TMP-1").person_id == named
    assert show(registry, unknown).row["surname"] == "Ткаченко"
    assert stats(registry)["persons"] == 1
    assert_verified(registry)


def test_an_unidentified_person_can_be_named_by_correction(registry: Registry) -> None:
    pid = register(
        registry,
        fields={"description": "без документов"},
        unidentified=True,
        person_ref="TMP-2",
        source="camp",
    )
    event(registry, pid, "identity_corrected", changes={"surname": "Мельник", "given_name": "Іван"})
    row = show(registry, "camp:TMP-2").row
    assert (row["surname"], row["given_name"], row["description"]) == ("Мельник", "Іван", "без документов")
    assert_verified(registry)


@pytest.mark.postgres
def test_a_write_after_a_scan_in_one_unit_of_work(postgres_registry: Registry) -> None:
    register(postgres_registry, People(19))
    with postgres_registry.uow() as uow:
        assert len(list(uow.persons.scan())) == 1
        assert len(list(uow.events.scan())) >= 1
        uow.places.add(
            {
                "code": "CAMP-9",
                "name": "Табір 9",
                "kind": "camp",
                "capacity": None,
                "address": None,
                "created_at": "2026-01-01T00:00:00.000000Z",
            }
        )
        uow.commit()
    assert [p["code"] for p in services.list_places(uow=postgres_registry.uow(write=False))] == ["CAMP-9"]
