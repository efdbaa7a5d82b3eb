"""parse_full_name on the orders and forms names are typed in."""

from __future__ import annotations

import pytest

from powbureau.names import FullName, parse_full_name
from powbureau.names.parse import columns_swapped, read_name_fields


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Дима Коваленко", FullName("Коваленко", "Дима", None)),
        ("Коваленко Дима", FullName("Коваленко", "Дима", None)),
        ("КОВАЛЕНКО Дмитрий Сергеевич", FullName("КОВАЛЕНКО", "Дмитрий", "Сергеевич")),
        ("Kovalenko Dmytro Serhiiovych", FullName("Kovalenko", "Dmytro", "Serhiiovych")),
        ("Дмитрий Сергеевич Коваленко", FullName("Коваленко", "Дмитрий", "Сергеевич")),
        ("Коваленко Д.С.", FullName("Коваленко", "Д.", "С.")),
        ("Коваленко Д. С.", FullName("Коваленко", "Д.", "С.")),
        ("Д.С. Коваленко", FullName("Коваленко", "Д.", "С.")),
        ("Kovalenko, Dmytro", FullName("Kovalenko", "Dmytro", None)),
        ("Dmytro Kovalenko", FullName("Kovalenko", "Dmytro", None)),
        ("Дмитрий Сергеевич", FullName(None, "Дмитрий", "Сергеевич")),
        ("Іванова Олена Петрівна", FullName("Іванова", "Олена", "Петрівна")),
        ("Олена Петрівна Іванова", FullName("Іванова", "Олена", "Петрівна")),
        ("Саша", FullName(None, "Саша", None)),
        ("Коваленко", FullName("Коваленко", None, None)),
        ("ИВАНОВ Иван Иванович", FullName("ИВАНОВ", "Иван", "Иванович")),
        ("Petrov Ivan Ivanovich", FullName("Petrov", "Ivan", "Ivanovich")),
        ("Римский-Корсаков Николай Андреевич", FullName("Римский-Корсаков", "Николай", "Андреевич")),
        ("Петрович Иван", FullName("Петрович", "Иван", None)),
        ("", FullName(None, None, None)),
    ],
)
def test_parse_full_name(text: str, expected: FullName) -> None:
    assert parse_full_name(text) == expected


def test_four_words_join_the_surname() -> None:
    parsed = parse_full_name("Ван дер Берг Иван")
    assert parsed.given_name == "Иван"


@pytest.mark.parametrize(
    ("surname", "given", "swapped"),
    [
        ("Никита", "Кондратенко", True),  # a form's two fields written into each other
        ("Nikita", "Kondratenko", True),
        ("ДЕНИС", "Shevchuk", True),
        ("Кондратенко", "Никита", False),  # as it should be
        ("Мирон", "Тарас", False),  # a surname that is a given name, beside a given name
        ("Роман", "Никиа", False),  # the given-name field is one typing error from Никита
        ("Никита", "Петров Иван", False),  # the given-name field's "Иван" is a given name
        ("Никита", "", False),
        ("Иван Петрович", "Кондратенко", False),  # two words in the surname field
        ("Никоалй", "Гришев", True),  # a given name with a typing error, and a surname's ending
        ("Андей", "Воробьев", True),
        ("Данилов", "Шамсулла", False),  # Данилов is one letter from Данило, but Шамсулла no surname
        ("Данилов", "Иван", False),
        # a surname made from a given name is one letter from it; the tables list Петров
        # among first names: with a surname's ending the word is a surname
        ("Алексей", "Петров", True),
        ("Daniil", "Kirillov", True),
        ("Владислав", "Павлов", True),
        ("Vladislav", "Kalinin", True),
        ("ИВАН", "ТИХОВ", True),
        ("Аттьяна", "Захарова", True),  # a mistyped given name beside a woman's surname
        ("Роман", "Константин", False),  # Константин ends in -ин but is a given name
        ("Роман", "Яков", False),  # Яков ends in -ов but is a given name, and short
        ("Петров", "Алексей", False),
    ],
)
def test_columns_swapped(surname: str, given: str, swapped: bool) -> None:
    assert columns_swapped(surname, given) is swapped


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # the whole name in one field, as a mother fills the first box of a form
        (("Коваленко Дмитрий Сергеевич", None, None), FullName("Коваленко", "Дмитрий", "Сергеевич")),
        ((None, "Коваленко Дмитрий Сергеевич", None), FullName("Коваленко", "Дмитрий", "Сергеевич")),
        (("Kovalenko Dmytro Serhiiovych", "", ""), FullName("Kovalenko", "Dmytro", "Serhiiovych")),
        (("Дмитрий Сергеевич Коваленко", None, None), FullName("Коваленко", "Дмитрий", "Сергеевич")),
        (("Коваленко Дмитрий", None, "Сергеевич"), FullName("Коваленко", "Дмитрий", "Сергеевич")),
        (("КОВАЛЕНКО Д.С.", None, None), FullName("КОВАЛЕНКО", "Д.", "С.")),
        # the given name and the patronymic together, or in each other's field
        (("Коваленко", "Дмитрий Сергеевич", None), FullName("Коваленко", "Дмитрий", "Сергеевич")),
        (("Коваленко", "Сергеевич", "Дмитрий"), FullName("Коваленко", "Дмитрий", "Сергеевич")),
        # the surname and the given name in each other's field
        (("Никита", "Кондратенко", None), FullName("Кондратенко", "Никита", None)),
        # kept as written
        (("Коваленко", "Дмитрий", "Сергеевич"), FullName("Коваленко", "Дмитрий", "Сергеевич")),
        (("Римский-Корсаков", "Николай", None), FullName("Римский-Корсаков", "Николай", None)),
        (("Ван дер Берг", None, None), FullName("Ван дер Берг", None, None)),
        (("Коваленко", "Дима Серёжин", None), FullName("Коваленко", "Дима Серёжин", None)),
        (
            ("Коваленко Дмитрий Сергеевич", None, "Петрович"),
            FullName("Коваленко Дмитрий Сергеевич", None, "Петрович"),
        ),
        ((None, None, None), FullName(None, None, None)),
    ],
)
def test_a_forms_name_fields_are_read_as_the_name_they_hold(
    fields: tuple[str | None, str | None, str | None], expected: FullName
) -> None:
    assert read_name_fields(*fields) == expected
