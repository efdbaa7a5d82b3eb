"""parse_full_name on the orders and forms names are typed in."""

from __future__ import annotations

import pytest

from powbureau.names import FullName, parse_full_name


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
