"""The registry's search for the staff pages (name in any spelling, registry id or
reference, category) and the duplicate check made before a registration is saved."""

from __future__ import annotations

import pytest

from builders import READER, Registry, register
from powbureau.domain.errors import InvalidInput
from powbureau.services import registry as services
from powbureau.services.audit import who_read


def _ids(registry: Registry, **filters: object) -> list[str]:
    rows = services.list_persons(uow=registry.uow(write=False), reader=READER, **filters)
    return [str(r["id"]) for r in rows]


def test_a_name_finds_a_surname_in_any_spelling_or_a_name_as_written(registry: Registry) -> None:
    kovalenko = register(registry, fields={"surname": "Коваленко", "given_name": "Дмитро"})
    shevchenko = register(
        registry, fields={"surname": "Шевченко", "given_name": "Тарас", "category": "missing"}
    )
    assert _ids(registry, name="KOVALENKO") == [kovalenko]
    assert _ids(registry, name="Дмитро") == [kovalenko]
    assert _ids(registry, name="Тарас Шевченко") == [shevchenko]
    assert _ids(registry, name="Петренко") == []
    assert _ids(registry, category="pow") == [kovalenko]  # an empty category means pow
    assert _ids(registry, category="missing") == [shevchenko]


def test_a_surname_written_the_german_way_finds_its_cyrillic_form(registry: Registry) -> None:
    kozlov = register(registry, fields={"surname": "Козлов", "given_name": "Андрей"})
    register(registry, fields={"surname": "Кослов", "given_name": "Андрей"})
    assert kozlov in _ids(registry, name="Koslow Andrej")
    assert _ids(registry, name="Kozlov") == [kozlov]  # an English spelling has one reading


def test_a_cyrillic_search_finds_a_man_registered_the_german_way(registry: Registry) -> None:
    koslow = register(registry, fields={"surname": "Koslow", "given_name": "Andrej"})
    bare = register(registry, fields={"surname": "Koslow", "birth_date": ""})  # no n: or y: keys
    kozlov = register(registry, fields={"surname": "Козлов", "given_name": "Андрей"})
    beschlebnaja = register(registry, fields={"surname": "Beschlebnaja", "given_name": "Anna"})
    besxlebnaja = register(registry, fields={"surname": "Бесхлебная", "given_name": "Анна"})
    register(registry, fields={"surname": "Kozlov", "given_name": "Ivan"})  # English: read козлов
    assert {koslow, bare, kozlov} <= set(_ids(registry, name="Козлов"))
    assert {koslow, bare, kozlov} <= set(_ids(registry, name="Koslow"))
    assert set(_ids(registry, name="Бесхлебная")) == {beschlebnaja, besxlebnaja}  # с+х = sch
    assert set(_ids(registry, name="Beschlebnaja Anna")) == {beschlebnaja, besxlebnaja}
    assert _ids(registry, name="Бешлебная") == [beschlebnaja]  # her main reading
    assert _ids(registry, name="Петров") == []


def test_a_ref_narrows_to_the_person_it_names_and_an_unknown_ref_finds_none(registry: Registry) -> None:
    person = register(registry, fields={"surname": "Бойко"}, source="icrc", person_ref="A-1")
    register(registry, fields={"surname": "Бойко"})
    assert _ids(registry, ref=person) == [person]
    assert _ids(registry, ref="icrc:A-1") == [person]
    assert _ids(registry, ref="A-1") == [person]
    assert _ids(registry, ref="P0000000000000") == []
    assert _ids(registry, ref=person, status="released") == []


def test_duplicates_are_found_before_saving_and_the_read_is_audited(registry: Registry) -> None:
    first = register(
        registry,
        fields={
            "surname": "Коваленко",
            "given_name": "Дмитро",
            "patronymic": "Сергійович",
            "birth_date": "2001-03-14",
        },
    )
    typed = {
        "surname": "KOVALENKO",
        "given_name": "Dmitrii",
        "patronymic": "Sergeevich",
        "birth_date": "2001-03-14",
    }
    found = services.duplicates_before_registration(
        uow=registry.uow(write=False), reader=READER, fields=typed
    )
    assert [pid for pid, _, _ in found] == [first] and found[0][1] > 0.9
    assert [r.action for r in who_read(uow=registry.uow(write=False), ref=first)] == ["duplicates"]
    other = {"surname": "Шевчук", "given_name": "Олег", "birth_date": "1990"}
    assert (
        services.duplicates_before_registration(uow=registry.uow(write=False), reader=READER, fields=other)
        == []
    )
    missing = {**typed, "category": "missing"}  # our own people are another custody
    assert (
        services.duplicates_before_registration(uow=registry.uow(write=False), reader=READER, fields=missing)
        == []
    )


def test_the_check_before_saving_refuses_what_registering_would_refuse(registry: Registry) -> None:
    with pytest.raises(InvalidInput) as bad_date:
        services.duplicates_before_registration(
            uow=registry.uow(write=False),
            reader=READER,
            fields={"surname": "Бойко", "birth_date": "1990-02-30"},
        )
    assert bad_date.value.field == "birth_date"
    with pytest.raises(InvalidInput) as undescribed:
        services.duplicates_before_registration(
            uow=registry.uow(write=False), reader=READER, fields={}, unidentified=True
        )
    assert undescribed.value.field == "description"
