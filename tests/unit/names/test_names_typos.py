"""Typing errors made on the written word: surnames (``surname_typo_keys``) and doubled vowels."""

from __future__ import annotations

import pytest

from powbureau.names import surname_key, surname_typo_keys, typo_given_ids
from powbureau.names.canon import fold_word


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("ЕВРНИДУБ", "Вернидуб"),  # Е moved from the start: the key writes it with a glide
        ("Еуликов", "Куликов"),  # К typed as Е
        ("Ярбчин", "Рябчин"),  # я carries a glide too
        ("Ряябошапка", "Рябошапка"),
        ("Прохроенко", "Прохоренко"),  # о before е: the е takes a glide
        ("Габеелко", "Габелко"),
        ("Телиев", "Теличев"),  # the dropped ч leaves -иев, which the key folds
        ("Воронцоуа", "Воронцова"),  # оу is folded to у
        ("Овчинниов", "Овчинников"),
        ("Peetrov", "Petrov"),  # a doubled Latin vowel
        ("Shevcehnko", "Shevchenko"),  # Latin neighbours swapped
    ],
)
def test_a_typing_error_on_the_written_surname_reaches_its_key(typed: str, written: str) -> None:
    assert surname_key(typed) != surname_key(written)
    assert surname_key(written) in surname_typo_keys(typed)


def test_the_surname_own_key_and_strangers_are_not_among_them() -> None:
    keys = surname_typo_keys("Коваленко")
    assert surname_key("Коваленко") not in keys
    assert surname_key("Коваленко".replace("о", "а", 1)) in keys
    assert surname_key("Шевченко") not in keys and surname_key("Ковальчук") not in keys


@pytest.mark.parametrize("surname", ["Ли", "Дин", "Римский-Корсаков", "", "   "])
def test_short_and_compound_surnames_get_none(surname: str) -> None:
    assert surname_typo_keys(surname) == frozenset()


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("Деенис", "денис"), ("Алеексей", "алексей"), ("Сеергей", "сергей"), ("Євгеен", "евгений")],
)
def test_a_doubled_vowel_in_a_given_name_is_one_typing_error(typed: str, meant: str) -> None:
    # the fold writes the second е with a glide (деиенис): two edits from денис by letters
    assert meant in typo_given_ids(fold_word(typed.lower()))


def test_a_glide_the_fold_wrote_after_a_typing_error_is_not_counted_as_an_error() -> None:
    # Лаексей: а and л swapped put е after a vowel, which the fold writes with a glide
    assert "алексей" in typo_given_ids(fold_word("лаексей"))
