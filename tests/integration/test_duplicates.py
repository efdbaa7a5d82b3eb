"""One man registered twice, in two scripts, goes to a merge review."""

from __future__ import annotations

from builders import READER, Registry, register
from powbureau.services import registry as services


def test_a_second_registration_in_another_script_is_shown_for_a_merge_review(registry: Registry) -> None:
    first = register(
        registry,
        fields={
            "surname": "Коваленко",
            "given_name": "Дмитро",
            "patronymic": "Сергійович",
            "birth_date": "2001-03-14",
        },
    )
    other = register(registry, fields={"surname": "Шевчук", "given_name": "Олег", "birth_date": "1990"})
    second = register(
        registry,
        fields={
            "surname": "KOVALENKO",
            "given_name": "Dmitrii",
            "patronymic": "Sergeevich",
            "birth_date": "2001-03-14",
        },
    )
    found = services.possible_duplicates(uow=registry.uow(write=False), reader=READER, ref=second)
    assert [pid for pid, _, _ in found] == [first]
    assert found[0][1] > 0.9
    assert services.possible_duplicates(uow=registry.uow(write=False), reader=READER, ref=other) == []


def test_duplicates_are_looked_for_only_among_the_same_custody(registry: Registry) -> None:
    register(
        registry,
        fields={
            "surname": "Коваленко",
            "given_name": "Дмитро",
            "birth_date": "2001-03-14",
            "category": "missing",
        },
    )
    ours = register(
        registry, fields={"surname": "Коваленко", "given_name": "Дмитро", "birth_date": "2001-03-14"}
    )
    assert services.possible_duplicates(uow=registry.uow(write=False), reader=READER, ref=ours) == []
