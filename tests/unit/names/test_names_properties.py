"""Property tests: a name and any of its transliterations share a key.

The transliterations are made by two independent packages, test-only dependencies:
``iuliia`` (Russian schemes, with each standard's own rules) and ``translitua``
(Ukrainian and Russian tables). The names are the real Russian and Ukrainian names of
the vendored data files. Where a scheme provably loses a letter (ICAO writes ъ as
"ie" and drops ь; "sh" is both с+г and ш in most Ukrainian tables), the name is
excluded with the reason, below.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import powbureau.names as names
from powbureau.names import given_name_keys, phonetic_key, surname_key, to_cyrillic

iuliia = pytest.importorskip("iuliia", reason="test extra: pip install iuliia")
translitua = pytest.importorskip("translitua", reason="test extra: pip install translitua")

DATA = Path(names.__file__).parent / "data"
SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _column(file: str, col: int) -> list[str]:
    with (DATA / file).open(encoding="utf-8") as fh:
        return sorted({row[col] for row in list(csv.reader(fh))[1:]})


RU_SURNAMES = _column("nt_surnames.csv", 1)
UK_SURNAMES = _column("nt_surnames.csv", 0)
RU_GIVEN = _column("given_names.csv", 0) + _column("nt_first_names.csv", 1)[::5]
UK_GIVEN = [form for forms in _column("given_names.csv", 2) for form in forms.split("|") if form] + _column(
    "nt_first_names.csv", 0
)[::5]

# Russian schemes in iuliia read back exactly (surname_key / given-name ids).
RU_EXACT = [
    "gost_52535",
    "icao_doc_9303",
    "bgn_pcgn",
    "bgn_pcgn_alt",
    "wikipedia",
    "mosmetro",
    "mvd_310",
    "mvd_782",
    "gost_52290",
    "yandex_maps",
    "yandex_money",
    "ala_lc",
    "ala_lc_alt",
    "bs_2979",
    "bs_2979_alt",
    "iso_9_1968_alt",
]
# ISO 9 family: h/x/c are ambiguous in a word without a diacritic (Badica: к or ц?).
RU_ISO = ["gost_779", "scientific", "ungegn_1987", "iso_9_1954", "iso_9_1968", "gost_16876"]
_ISO_LETTER = re.compile("[čšžŝûâèìė]")

# Letters a scheme loses, per scheme: names containing them are excluded.
LOSSES: dict[str, tuple[str, str]] = {
    "icao_doc_9303": ("ъ|ьо|ьё", "ICAO writes ъ as 'ie' and drops ь before о"),
    "gost_52535": ("ьо|ьё", "drops ь before о (Альозий -> Alozii)"),
    "yandex_maps": ("ьо|ьё", "drops ь before о"),
    "yandex_money": ("ьо|ьё", "drops ь before о"),
}
UK_TABLES = [
    "UkrainianKMU",
    "UkrainianPassport2007",
    "UkrainianNational1996",
    "UkrainianBGN",
    "UkrainianSimple",
    "UkrainianALALC",
    "UkrainianALALCModified",
    "UkrainianBritish",
]
RU_TABLES = [
    "RussianGOST2006",
    "RussianICAO",
    "RussianInternationalPassport1997",
    "RussianInternationalPassport1997Reduced",
    "RussianDriverLicense",
    "RussianALALC",
]
# Ukrainian tables write с+г as "sh" and к+г as "kh"; all but KMU write з+г as "zh".
UK_LOSS = re.compile("сг|кг|зг|ьо")
RU_TABLE_LOSS = re.compile("ъ|ьо|ьё")


def _iuliia(schema: str) -> Callable[[str], str]:
    translate: Callable[[str], str] = iuliia.schemas.get(schema).translate
    return translate


def _table(name: str) -> Callable[[str], str]:
    table = getattr(translitua, name)
    return lambda text: str(translitua.translit(text, table))


def _allowed(name: str, schema: str) -> bool:
    loss = LOSSES.get(schema)
    return loss is None or re.search(loss[0], name.lower()) is None


@SETTINGS
@given(name=st.sampled_from(RU_SURNAMES), schema=st.sampled_from(RU_EXACT))
def test_russian_surname_and_its_iuliia_transliteration_share_a_key(name: str, schema: str) -> None:
    latin = _iuliia(schema)(name)
    if _allowed(name, schema):
        assert surname_key(latin) == surname_key(name), (schema, latin)
    assert phonetic_key(latin)


@SETTINGS
@given(name=st.sampled_from(RU_GIVEN), schema=st.sampled_from(RU_EXACT))
def test_russian_given_name_and_its_iuliia_transliteration_share_an_id(name: str, schema: str) -> None:
    latin = _iuliia(schema)(name)
    if _allowed(name, schema):
        assert given_name_keys(latin) & given_name_keys(name), (schema, latin)


@SETTINGS
@given(name=st.sampled_from(RU_SURNAMES), schema=st.sampled_from(RU_ISO))
def test_iso9_family_word_with_a_diacritic_reads_back(name: str, schema: str) -> None:
    latin = _iuliia(schema)(name)
    assume(_ISO_LETTER.search(latin.lower()) is not None)
    assert surname_key(latin) == surname_key(name), (schema, latin)


@pytest.mark.parametrize(
    ("schema", "exact", "phonetic"),
    [("gost_779", 0.9, 0.95), ("iso_9_1968", 0.87, 0.93), ("scientific", 0.87, 0.87)],
)
def test_iso9_family_single_words_without_context(schema: str, exact: float, phonetic: float) -> None:
    """A lone word without diacritics is ambiguous (Badica: к or ц? Ahmet: г or х?);
    the share of all vendored surnames that still meet, exactly and phonetically."""
    fn = _iuliia(schema)
    assert _schemes_meet_rate(RU_SURNAMES, fn) >= exact
    ph = sum(phonetic_key(fn(n)) == phonetic_key(n) for n in RU_SURNAMES) / len(RU_SURNAMES)
    assert ph >= phonetic


@SETTINGS
@given(
    surname=st.sampled_from(RU_SURNAMES),
    given_name=st.sampled_from(["Иван", "Пётр", "Сергей", "Юрий", "Дмитрий", "Михаил"]),
    patronymic=st.sampled_from(["Иванович", "Петрович", "Сергеевич", "Юрьевич"]),
    schema=st.sampled_from(RU_ISO),
)
def test_iso9_full_name_reads_back_word_for_word(
    surname: str, given_name: str, patronymic: str, schema: str
) -> None:
    """A patronymic in -ovič marks the whole name as ISO 9, so every word reads back."""
    cyrillic = f"{surname} {given_name} {patronymic}"
    assert to_cyrillic(_iuliia(schema)(cyrillic)) == to_cyrillic(cyrillic)


@SETTINGS
@given(name=st.sampled_from(UK_SURNAMES), table=st.sampled_from(UK_TABLES))
def test_ukrainian_surname_and_its_transliteration_share_a_key(name: str, table: str) -> None:
    latin = _table(table)(name)
    if UK_LOSS.search(name) is None:
        assert surname_key(latin) == surname_key(name), (table, latin)


@SETTINGS
@given(name=st.sampled_from(UK_GIVEN), table=st.sampled_from(UK_TABLES))
def test_ukrainian_given_name_and_its_transliteration_share_an_id(name: str, table: str) -> None:
    latin = _table(table)(name)
    if UK_LOSS.search(name.lower()) is None:
        assert given_name_keys(latin) & given_name_keys(name), (table, latin)


@SETTINGS
@given(name=st.sampled_from(RU_SURNAMES + RU_GIVEN), table=st.sampled_from(RU_TABLES))
def test_russian_name_and_its_translitua_transliteration_share_a_key(name: str, table: str) -> None:
    latin = _table(table)(name)
    if RU_TABLE_LOSS.search(name.lower()) is None:
        assert surname_key(latin) == surname_key(name), (table, latin)


def _schemes_meet_rate(names_: list[str], fn: Callable[[str], str]) -> float:
    ok = sum(surname_key(fn(n)) == surname_key(n) for n in names_)
    return ok / len(names_)


@pytest.mark.parametrize("schema", ["icao_doc_9303", "gost_52535", "bgn_pcgn", "wikipedia"])
def test_passport_schemes_meet_on_all_vendored_russian_surnames(schema: str) -> None:
    """No exclusions: the share of all ~3,800 surnames that meet, per scheme."""
    assert _schemes_meet_rate(RU_SURNAMES, _iuliia(schema)) >= 0.995


def test_kmu_meets_on_all_vendored_ukrainian_surnames() -> None:
    assert _schemes_meet_rate(UK_SURNAMES, _table("UkrainianKMU")) >= 0.995


# ------------------------------------------------------------ generic properties

_CANONICAL = set("абвгдежзиклмнопрстуфхцчш ")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
@example("OOU")  # a doubled letter before a cluster (оо + у) once folded twice
@example("EIN`O")  # ио and a glide made an -ине after the French -ine had been looked at
def test_any_text_gives_a_canonical_idempotent_form(text: str) -> None:
    out = to_cyrillic(text)
    assert set(out) <= _CANONICAL
    assert to_cyrillic(out) == out
    surname_key(text), given_name_keys(text), phonetic_key(text), names.parse_full_name(text)
    assert 0.0 <= names.name_similarity(text, "Коваленко") <= 1.0


@SETTINGS
@given(name=st.sampled_from(RU_SURNAMES + UK_SURNAMES + UK_GIVEN))
def test_case_does_not_matter(name: str) -> None:
    assert to_cyrillic(name.upper()) == to_cyrillic(name) == to_cyrillic(name.lower())
    latin = _table("UkrainianKMU")(name)
    assert surname_key(latin.upper()) == surname_key(latin)


_HOMOGLYPHS = {
    "а": "a",
    "с": "c",
    "е": "e",
    "о": "o",
    "р": "p",
    "х": "x",
    "у": "y",
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
}


@SETTINGS
@given(name=st.sampled_from(RU_SURNAMES + UK_SURNAMES), data=st.data())
def test_latin_homoglyphs_inside_a_cyrillic_word(name: str, data: st.DataObject) -> None:
    name = name.capitalize()
    spots = [i for i, ch in enumerate(name) if ch in _HOMOGLYPHS]
    if not spots:
        return
    chosen = data.draw(st.sets(st.sampled_from(spots), max_size=max(1, len(name) // 2 - 1)))
    mixed = "".join(_HOMOGLYPHS[ch] if i in chosen else ch for i, ch in enumerate(name))
    assert surname_key(mixed) == surname_key(name), mixed


def test_nfd_input_is_the_same_name() -> None:
    for name in ["Йосип", "Ковалёв", "Їжакевич", "Ûrij", "Čajkovskij"]:
        assert to_cyrillic(unicodedata.normalize("NFD", name)) == to_cyrillic(name)
