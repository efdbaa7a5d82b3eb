"""Reading what a family writes: names and a birth date in free text."""

from __future__ import annotations

import pytest

from powbureau.domain.errors import InvalidInput
from powbureau.matching import TraceQuery, parse_birth, query_from_text


@pytest.mark.parametrize(
    ("text", "surname", "given", "patronymic", "born"),
    [
        ("Дима Коваленко born 14.03.2001", "Коваленко", "Дима", None, "2001-03-14"),
        ("KOVALENKO Dmytro 2001-03", "KOVALENKO", "Dmytro", None, "2001-03"),
        ("Коваленко Дмитро Сергійович, 2001-03", "Коваленко", "Дмитро", "Сергійович", "2001-03"),
        ("Иванов Иван 1990 года рождения", "Иванов", "Иван", None, "1990"),
        ("Иванов Иван, р. 1990", "Иванов", "Иван", None, "1990"),
        ("Kovalenko, Dmytro b. 03.2001", "Kovalenko", "Dmytro", None, "2001-03"),
        ("Коваленко Дмитро Сергійович", "Коваленко", "Дмитро", "Сергійович", None),
        ("Шевчук Олег 1985 г.р.", "Шевчук", "Олег", None, "1985"),
    ],
)
def test_free_text(text: str, surname: str, given: str, patronymic: str | None, born: str | None) -> None:
    query = query_from_text(text)
    assert (query.surname, query.given_name, query.patronymic, query.birth_date) == (
        surname,
        given,
        patronymic,
        born,
    )


def test_named_fields_override_the_text() -> None:
    query = query_from_text("Коваленко Дима", given_name="Дмитро", unit="в/ч 12345", mother_name=None)
    assert query.given_name == "Дмитро" and query.unit == "в/ч 12345" and query.mother_name is None
    with pytest.raises(InvalidInput, match="unknown inquiry field"):
        query_from_text("Коваленко", shoe_size="42")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2001", "2001"),
        ("born 2001", "2001"),
        ("14.03.2001", "2001-03-14"),
        ("2001-03", "2001-03"),
        ("03.2001", "2001-03"),
        ("14/03/2001", "2001-03-14"),
    ],
)
def test_birth_dates_as_people_type_them(text: str, iso: str) -> None:
    assert parse_birth(text) == iso


@pytest.mark.parametrize("text", ["1994-02-30", "31.02.2001", "abc", "2001 and more", "1.1"])
def test_unreadable_birth_dates_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="birth date"):
        parse_birth(text)


def test_an_empty_inquiry_is_empty() -> None:
    assert TraceQuery().is_empty()
    assert not TraceQuery(service_number="АБ-1").is_empty()
    assert TraceQuery(birth_date="2001").is_empty()


def test_a_surname_and_given_name_written_into_each_other_are_read_the_right_way_round() -> None:
    as_written = TraceQuery(surname="Никита", given_name="Кондратенко", birth_date="1987").profile()
    right = TraceQuery(surname="Кондратенко", given_name="Никита", birth_date="1987").profile()
    assert as_written == right
    kept = TraceQuery(surname="Мирон", given_name="Тарас").profile()
    assert kept.surname == TraceQuery(surname="Мирон").profile().surname
