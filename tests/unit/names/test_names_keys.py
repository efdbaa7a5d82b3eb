"""Keys, similarity, data files and the purity/speed requirements."""

from __future__ import annotations

import ast
import csv
import doctest
import importlib
from pathlib import Path

import pytest

import powbureau.names as names
from powbureau.names import (
    forms,
    given_name_keys,
    given_name_sex,
    is_diminutive,
    name_scheme,
    name_similarity,
    patronymic_keys,
    phonetic_key,
    surname_key,
    to_cyrillic,
)

PACKAGE = Path(names.__file__).parent
DATA = PACKAGE / "data"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Коваленко", "Ковеленко"),  # vowel typo
        ("Kusnezow", "Кузнецов"),  # German s/z
        ("Mihail", "Михаил"),  # ISO h without diacritics
        ("Schukow", "Жуков"),  # German sch for ж
        ("Szewczenko", "Шевченко"),
        ("Pietrow", "Петров"),
        ("Бабенко", "Папенко"),  # voicing slip
        ("Solschenizyn", "Солженицын"),
    ],
)
def test_phonetic_key_survives_common_slips(a: str, b: str) -> None:
    assert phonetic_key(a) == phonetic_key(b)


def test_phonetic_key_is_coarse_but_not_trivial() -> None:
    assert phonetic_key("Коваленко") != phonetic_key("Петренко")
    assert phonetic_key("Иван Петров") == "авн птрв"
    assert phonetic_key("") == ""


def test_name_similarity() -> None:
    assert name_similarity("Kovalenko", "Коваленко") == 1.0
    assert name_similarity("Bugul'mskiy", "Бугульмскій") == 1.0
    assert name_similarity("", "Коваленко") == 0.0
    near = name_similarity("Коваленко", "Коваленка")
    far = name_similarity("Коваленко", "Петренко")
    assert 0.85 < near < 1.0
    assert far < near
    assert name_similarity("Коваленко Дмитро", "Дмитрий Коваленко") > 0.9
    # code points, not bytes: one Cyrillic letter differs by one edit
    assert name_similarity("Щукин", "Шукин") == 1.0  # щ and ш are merged
    assert 0.0 <= name_similarity("Ёж", "Xyz") <= 1.0


def test_given_name_sex_and_diminutive() -> None:
    assert given_name_sex("Олександра") == "f"
    assert given_name_sex("Mykyta") == "m"
    assert given_name_sex("Саша") is None
    assert is_diminutive("Сашко") and is_diminutive("Dima") and is_diminutive("Вова")
    assert not is_diminutive("Дмитро") and not is_diminutive("Kovalenko")


def test_unknown_given_name_is_its_canonical_form() -> None:
    assert given_name_keys("Ксаверій") == {to_cyrillic("Ксаверій")} or given_name_keys(
        "Ксаверій"
    ) == given_name_keys("Ксаверий")
    assert given_name_keys("Zzyzx") == {to_cyrillic("Zzyzx")}
    assert given_name_keys("") == frozenset()
    assert patronymic_keys("") == frozenset()
    assert surname_key("") == ""


def test_double_names_and_compound_surnames() -> None:
    assert given_name_keys("Анна-Мария") == {"анна", "мария"}
    assert surname_key("Римская-Корсакова") == surname_key("Rimsky-Korsakov")


def test_surname_map_classes_are_small() -> None:
    sizes: dict[str, int] = {}
    for target in forms.surname_map().values():
        sizes[target] = sizes.get(target, 0) + 1
    assert max(sizes.values()) <= 10


def test_surname_dictionary_bridges_ukrainian_forms() -> None:
    # names-translator pairs the rules alone cannot join
    assert surname_key("Білоус") == surname_key("Белоус") == surname_key("Bilous")
    assert surname_key("Товстенко") == surname_key("Толстенко")


def test_data_files_are_documented_and_licensed() -> None:
    repo_data = Path(__file__).parents[3] / "src" / "powbureau" / "names" / "data"
    sources = (repo_data / "SOURCES.md").read_text(encoding="utf-8")
    for path in DATA.glob("*.csv"):
        assert path.name in sources, path.name
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert len({len(r) for r in rows}) == 1, path.name  # rectangular
    assert (DATA / "LICENSE.names-translator").read_text().startswith("The MIT License")


def test_names_is_pure_code() -> None:
    forbidden = {"sqlalchemy", "fastapi", "requests", "httpx", "urllib", "socket", "psycopg"}
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                mods = [node.module or ""]
            else:
                continue
            for mod in mods:
                assert mod.split(".")[0] not in forbidden, (path.name, mod)
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 320, path.name


@pytest.mark.parametrize("module", ["script", "translit", "canon", "keys", "parse", "german"])
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"powbureau.names.{module}"))
    assert result.failed == 0 and result.attempted > 0


def test_public_api() -> None:
    assert set(names.__all__) >= {
        "Script",
        "FullName",
        "detect_script",
        "to_cyrillic",
        "surname_key",
        "given_name_keys",
        "patronymic_keys",
        "phonetic_key",
        "parse_full_name",
        "name_similarity",
    }
    for name in names.__all__:
        assert getattr(names, name).__doc__, name


@pytest.mark.parametrize(
    ("pet", "full"),
    [
        ("Єгорко", "Єгор"),  # Єгор + -ко
        ("Yehorko", "Егор"),  # the same, Ukrainian national Latin
        ("Глібко", "Гліб"),
        ("Hlibko", "Глеб"),
        ("Данилко", "Данило"),  # Данил(о) + -ко
    ],
)
def test_ukrainian_pet_forms_in_ko_are_read_from_the_full_name(pet: str, full: str) -> None:
    assert given_name_keys(pet) == given_name_keys(full)
    assert is_diminutive(pet)


def test_a_full_name_in_ko_is_no_pet_form() -> None:
    assert given_name_keys("Марко") == {"марко"}  # Марко is a name of its own
    assert not is_diminutive("Марко")
    assert given_name_keys("Юко") == {to_cyrillic("Юко")}  # too short to hold a name


@pytest.mark.parametrize(
    ("surname", "given", "patronymic", "cyrillic"),
    [
        # German: the patronymic's tsch says ch is х and z is ц in the other parts too
        ("Stelmach", "Taras", "Wjatscheslawowitsch", ("Стельмах", "Тарас", "Вячеславович")),
        ("Lubenez", "Alexej", "Sergejewitsch", ("Лубенец", "Алексей", "Сергеевич")),
        # French: the given name's final eï says ch is ш in the surname
        ("Chapoval", "Alexeï", "", ("Шаповал", "Алексей", "")),
    ],
)
def test_a_whole_name_is_read_in_one_scheme(
    surname: str, given: str, patronymic: str, cyrillic: tuple[str, ...]
) -> None:
    scheme = name_scheme(surname, given, patronymic)
    assert surname_key(surname, scheme) == surname_key(cyrillic[0])
    assert surname_key(surname) != surname_key(cyrillic[0])  # the surname alone carries no marker
    assert given_name_keys(given, scheme) == given_name_keys(cyrillic[1])
    if patronymic:
        assert patronymic_keys(patronymic, scheme) == patronymic_keys(cyrillic[2])


def test_a_name_in_cyrillic_has_no_scheme() -> None:
    assert name_scheme("Коваленко", "Дмитро", "Сергійович") == 0
    assert name_scheme("", "", "") == 0


@pytest.mark.parametrize(
    ("german", "cyrillic"),
    [("Nasar", "Назар"), ("Sachar", "Захар"), ("Baschen", "Бажен"), ("Oleschka", "Олежка")],
)
def test_a_german_given_name_is_read_again_with_voiced_s_and_sch(german: str, cyrillic: str) -> None:
    assert given_name_keys(german) == given_name_keys(cyrillic)


def test_the_german_second_reading_never_replaces_a_name_found() -> None:
    assert given_name_keys("Boris") == {"борис"}  # not Бориз
    assert given_name_keys("Denis") == {"денис"}
