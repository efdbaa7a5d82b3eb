"""Name tables, spellings and hard-case functions of the synthetic-data generator."""

from __future__ import annotations

import random
import re

import pytest
from bench.synth.crossforms import female_patronymic, feminine, ru_to_uk, uk_to_ru
from bench.synth.identity import Man, People
from bench.synth.names import MALE
from bench.synth.translit import transliterate
from bench.synth.variants import (
    Draft,
    birth_day_month_swap,
    birth_digit_typo,
    birth_year_off,
    choose_form,
    one_letter_edit,
)
from rapidfuzz.distance import Levenshtein


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [  # examples printed with Cabinet of Ministers Resolution No. 55 (2010)
        ("Згорани", "Zghorany"),
        ("Єнакієве", "Yenakiieve"),
        ("Наєнко", "Naienko"),
        ("Їжакевич", "Yizhakevych"),
        ("Кадиївка", "Kadyivka"),
        ("Йосипівка", "Yosypivka"),
        ("Стрий", "Stryi"),
        ("Олексій", "Oleksii"),
        ("Марʼїне", "Marine"),
        ("Юрій", "Yurii"),
        ("Крюківка", "Kriukivka"),
        ("Яготин", "Yahotyn"),
        ("Ічня", "Ichnia"),
        ("Гоща", "Hoshcha"),
        ("Біла Церква", "Bila Tserkva"),
        ("Ґалаґан", "Galagan"),
    ],
)
def test_ukrainian_2010(cyrillic: str, latin: str) -> None:
    assert transliterate("ua_2010", cyrillic) == latin


@pytest.mark.parametrize(
    ("scheme", "cyrillic", "latin"),
    [
        ("iso9", "Щукин Юрий", "Ŝukin Ûrij"),
        ("iso9", "Григорьев", "Grigorʹev"),
        ("iso9", "Ґудзь Євген Ілліч", "G̀udzʹ Êvgen Ìllìč"),
        ("informal_de", "Чернов Юрий", "Tschernow Jurij"),
        ("informal_de", "Коваленко Дмитрий", "Kowalenko Dmitrij"),
        ("informal_fr", "Сергей Юрьевич", "Sergueï Iourievitch"),
        ("informal_pl", "Сергей Иванов", "Siergiej Iwanow"),
        ("informal_pl", "Коваленко Илья", "Kowalenko Ilja"),
        ("gost_52535", "Щукин", "Shchukin"),
        ("bgn_pcgn", "Юрий", "Yuriy"),
        ("scientific", "Артём", "Artëm"),
        ("ua_2010", "ЩУКІН", "SHCHUKIN"),
    ],
)
def test_other_schemes(scheme: str, cyrillic: str, latin: str) -> None:
    assert transliterate(scheme, cyrillic) == latin


def test_male_table_has_forms_and_pet_names() -> None:
    assert len(MALE) >= 60
    assert len({m.ru for m in MALE}) == len(MALE)
    pets = {p for m in MALE for p in m.ru_diminutives + m.uk_diminutives}
    assert {"Дима", "Саша", "Женя", "Влад", "Слава"} <= pets
    for m in MALE:
        assert re.fullmatch(r"[А-ЯЁа-яё]+(ич|вна)?", m.ru_patronymic)
        assert not re.search("[іїєґʼ]", m.ru + m.ru_patronymic), m.ru
        assert not re.search("[ыэёъ]", m.uk + "".join(m.uk_patronymic)), m.uk
    pairs = {(m.ru, m.uk) for m in MALE}
    assert {("Дмитрий", "Дмитро"), ("Александр", "Олександр"), ("Егор", "Єгор")} <= pairs


def test_cross_spellings() -> None:
    assert ru_to_uk("Иванов") == "Іванов"
    assert ru_to_uk("Бугульмский") == "Бугульмський"
    assert ru_to_uk("Аверкий", given=True) == "Аверкій"
    assert uk_to_ru("Демʼянчук") == "Демьянчук"
    assert uk_to_ru("Гаєвський") == "Гаевский"
    assert feminine("Гаєвський", "uk") == "Гаєвська"
    assert feminine("Иванов", "ru") == "Иванова"
    assert female_patronymic("Сергійович", "uk") == "Сергіївна"
    assert female_patronymic("Ильич", "ru") == "Ильинична"


def test_one_letter_edit_is_one_edit() -> None:
    rng = random.Random(1)
    for word in ("Коваленко", "Kovalenko", "Ŝukin", "ШЕВЧУК", "Іваненко"):
        for _ in range(50):
            assert Levenshtein.distance(word, one_letter_edit(word, rng)) == 1


def draft(birth: str) -> Draft:
    return Draft("ru_cyr", "Иванов", "Иван", "Иванович", birth)


def some_man() -> Man:
    return People(random.Random(3)).man("S1", "pow", "RU", "ru")


def test_date_errors_stay_valid_dates() -> None:
    rng, m = random.Random(2), some_man()
    for _ in range(200):
        d = draft("2000-02-29")
        birth_year_off(d, m, rng)
        assert d.birth_date in {"1999-02-28", "2001-02-28"}
        d = draft("1994-03-07")
        birth_digit_typo(d, m, rng)
        assert d.birth_date != "1994-03-07"
        assert sum(a != b for a, b in zip(d.birth_date, "1994-03-07", strict=True)) == 1
    d = draft("1994-03-07")
    assert birth_day_month_swap(d, m, rng) and d.birth_date == "1994-07-03"
    d = draft("1994-03-17")
    assert not birth_day_month_swap(d, m, rng) and d.birth_date == "1994-03-17"


def test_choose_form_rate() -> None:
    rng = random.Random(5)
    weights = (("ru_cyr", 1.0), ("uk_cyr", 1.0), ("ua_2010", 1.0))
    forms = [choose_form(rng, "ru_cyr_upper", 0.3, weights) for _ in range(4000)]
    assert 0.27 < sum(f != "ru_cyr" for f in forms) / len(forms) < 0.33
    assert {"uk_cyr", "ua_2010", "ru_cyr"} == set(forms)
