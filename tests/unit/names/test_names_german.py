"""Surnames written the German (Duden) way meet their Cyrillic form, and nothing else.

Rows cite their source: German Wikipedia article titles of Russian and Ukrainian people
(as they stood in 2024; the Duden transliteration is the one de.wikipedia uses), or the
Duden table itself (з = s, ж = sch, ц = z, с between vowels = ss, в = w, й = j; the Duden
column of de.wiktionary "Wiktionary:Russisch/Umschrift": с = s, х = ch, ш = sch, ч = tsch,
щ = schtsch, д = d). Letters whose spellings run together (с+х = sch, т+ш = tsch) are the
spelling's own ambiguity: de.wiktionary "Benutzer:AlB/Russisch (Umschrift)", note 3, reads
the schtsch of товарищ as щ, шч, штш, зхч and more. A
surname agrees when its key is the key of :func:`surname_key` or one of
:func:`german_surname_keys`, read with the whole name's scheme (:func:`name_scheme`) as the
matching profile reads it.
"""

from __future__ import annotations

import csv
import re
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powbureau.names import german_surname_keys, name_scheme, surname_key
from powbureau.names.german import MAX_GERMAN_KEYS, could_be_duden, german_readings


def readings(surname: str, given_name: str = "") -> set[str]:
    """Every key the whole name's surname may stand for."""
    scheme = name_scheme(surname, given_name)
    return {surname_key(surname, scheme), *german_surname_keys(surname, scheme)}


# (German surname, given name, Cyrillic surname, source)
MEET = [
    ("Jelzin", "Boris", "Ельцин", "de.wikipedia: Boris Jelzin"),
    ("Gorbatschow", "Michail", "Горбачёв", "de.wikipedia: Michail Gorbatschow"),
    ("Solschenizyn", "Alexander", "Солженицын", "de.wikipedia: Alexander Solschenizyn"),
    ("Schukow", "Georgi", "Жуков", "de.wikipedia: Georgi Schukow"),
    ("Chruschtschow", "Nikita", "Хрущёв", "de.wikipedia: Nikita Chruschtschow"),
    ("Saizew", "Wassili", "Зайцев", "de.wikipedia: Wassili Saizew"),
    ("Sacharow", "Andrei", "Сахаров", "de.wikipedia: Andrei Sacharow (Андрей Сахаров)"),
    ("Sacharow", "Matwei", "Захаров", "de.wikipedia: Matwei Sacharow (Матвей Захаров)"),
    ("Jeschow", "Nikolai", "Ежов", "de.wikipedia: Nikolai Jeschow"),
    ("Lyssenko", "Trofim", "Лысенко", "de.wikipedia: Trofim Lyssenko"),
    ("Kusnezow", "Nikolai", "Кузнецов", "de.wikipedia: Nikolai Gerassimowitsch Kusnezow"),
    ("Kossygin", "Alexei", "Косыгин", "de.wikipedia: Alexei Kossygin"),
    ("Jessenin", "Sergei", "Есенин", "de.wikipedia: Sergei Jessenin"),
    ("Breschnew", "Leonid", "Брежнев", "de.wikipedia: Leonid Breschnew"),
    ("Woroschilow", "Kliment", "Ворошилов", "de.wikipedia: Kliment Woroschilow"),
    ("Schirinowski", "Wladimir", "Жириновский", "de.wikipedia: Wladimir Schirinowski"),
    ("Sjuganow", "Gennadi", "Зюганов", "de.wikipedia: Gennadi Sjuganow"),
    ("Luschkow", "Juri", "Лужков", "de.wikipedia: Juri Luschkow"),
    ("Beresowski", "Boris", "Березовский", "de.wikipedia: Boris Beresowski"),
    ("Schoigu", "Sergei", "Шойгу", "de.wikipedia: Sergei Schoigu"),
    ("Koslow", "Andrej", "Козлов", "Duden: з = s, в = w"),
    ("Saporoschez", "Taras", "Запорожец", "Duden: з = s, ж = sch, ц = z"),
    ("Kasakow", "Iwan", "Казаков", "Duden: з = s, в = w"),
    ("Saizewa", "Anna", "Зайцева", "Duden: з = s, й = i before ц, ц = z"),
]


# Letters that run together: one German spelling, several Cyrillic letter sequences.
# (German surname, given name, Cyrillic surname, source)
RUN_TOGETHER = [
    ("Beschlebnaja", "Anna", "Бесхлебная", "Duden: с = s, х = ch (с+х = sch)"),
    ("Beschlebnaja", "Anna", "Безхлебная", "Duden: з = s, х = ch (з+х = sch)"),
    ("Beschlebnaja", "Anna", "Бешлебная", "Duden: ш = sch"),
    ("Ischakow", "Rinat", "Исхаков", "Duden: с = s, х = ch, в = w"),
    ("Aschabow", "Ruslan", "Асхабов", "Duden: с = s, х = ch, в = w"),
    ("Raschodow", "Andrej", "Расходов", "Duden: с = s, х = ch, в = w"),
    ("Dojesschak", "Andrej", "Доезжак", "Duden: е after a vowel = je, з = s, ж = sch (з+ж = ssch)"),
    ("Besschumnyj", "Andrej", "Безшумный", "Duden: з = s, ш = sch, ы = y, й = j (з+ш = ssch)"),
    ("Rasschiwin", "Andrej", "Разживин", "Duden: з = s, ж = sch, в = w (з+ж = ssch)"),
    ("Besschtschasnaja", "Anna", "Безщасная", "Duden: з = s, щ = schtsch"),
    ("Otschelnikow", "Andrej", "Отшельников", "Duden: т = t, ш = sch (т+ш = tsch), ь dropped"),
    ("Bessmertnyj", "Andrej", "Безсмертный", "Duden: з = s, с = s (з+с before a consonant = ss)"),
    ("Dschugaschwili", "Iossif", "Джугашвили", "Duden: д = d, ж = sch (дж = dsch), ш = sch, в = w"),
]


@pytest.mark.parametrize(("latin", "given_name", "cyrillic", "source"), [*MEET, *RUN_TOGETHER])
def test_a_german_spelling_reaches_the_cyrillic_surname_every_way_it_can_be_read(
    latin: str, given_name: str, cyrillic: str, source: str
) -> None:
    assert surname_key(cyrillic) in readings(latin, given_name), source


# (Latin surname, given name, Cyrillic surname it must NOT be taken for, why)
APART = [
    ("Kozlov", "Andrei", "Кослов", "English (v): z is з, s is с, no other reading"),
    ("Kosov", "Ivan", "Козов", "English (v): no German reading"),
    ("Lyssenko", "Trofim", "Лызенко", "ss is с, never з"),
    ("Kossow", "Iwan", "Козов", "ss is с, never з"),
    ("Saizew", "Wassili", "Зайчев", "z is ц, never ч"),
    ("Sorokin", "Oleg", "Зорокин", "no German marker in the whole name"),
    ("Kowalczyk", "Jan", "Ковальцзик", "Polish cz: not German"),
    ("Zaitsev", "Vasily", "Сайцев", "English (v): z is з, no German reading"),
    ("Schukow", "Georgi", "Схуков", "sch at the start of a word is ш or ж, never с+х"),
    ("Kalasch", "Andrej", "Каласх", "sch at the end of a word is ш or ж, never с+х"),
    ("Tschernow", "Andrej", "Тшернов", "tsch at the start of a word is ч only"),
    ("Kossygin", "Alexei", "Козсыгин", "ss between vowels is с only (Duden's intervocalic с)"),
]


@pytest.mark.parametrize(("latin", "given_name", "cyrillic", "why"), APART)
def test_a_spelling_is_not_taken_for_another_surname(
    latin: str, given_name: str, cyrillic: str, why: str
) -> None:
    assert surname_key(cyrillic) not in readings(latin, given_name), why


def test_only_a_name_that_could_be_german_has_other_readings() -> None:
    assert german_surname_keys("Козлов") == ()  # Cyrillic
    assert german_surname_keys("Kozlov", name_scheme("Kozlov", "Andrei")) == ()  # v, ei
    assert german_surname_keys("Koslow", name_scheme("Koslow", "Ivan")) == ()  # Ivan: v
    # the whole name decides, even when it has no marker at all (KMU 2010: Hrechko = Гречко)
    assert german_surname_keys("Hrechko", name_scheme("Hrechko", "Illia", "Volodymyrovych")) == ()
    assert german_surname_keys("Saizew-Koslow") == ()  # compound surnames: single words only
    assert german_surname_keys("Koslow", name_scheme("Koslow", "Andrej")) == (surname_key("Козлов"),)
    assert german_surname_keys("Petrow") == ()  # no s, z, sch or ch: one reading only
    assert not could_be_duden("kovalenko dmytro", 0)
    assert not could_be_duden("sorokin oleg", 0)  # no marker
    assert could_be_duden("saporoschez taras", 0)


def test_german_readings_are_few_and_in_a_fixed_order() -> None:
    assert german_readings("schukow") == ("шуков", "жуков")
    assert german_readings("lyssenko") == ("лиссенко",)
    # cheapest first: ш (0), ж (1), с+х (3), з+х (4)
    assert german_readings("beschlebnaja") == ("бешлебнайа", "бежлебнайа", "бесхлебнайа", "безхлебнайа")
    many = german_readings("sasosasosasos")  # seven ambiguous s: 128 readings, the 16 cheapest
    assert len(many) == 16 and many == tuple(dict.fromkeys(many))
    assert many[0] == "сасосасосасос" and german_readings("sasosasosasos") == many


def test_a_surname_has_few_other_keys_and_always_the_same() -> None:
    word = "Saschoschaschosch"  # four sch and a leading s: hundreds of readings
    scheme = name_scheme(word, "Andrej")
    keys = german_surname_keys(word, scheme)
    assert len(keys) == MAX_GERMAN_KEYS
    german_surname_keys.cache_clear()
    german_readings.cache_clear()
    assert german_surname_keys(word, scheme) == keys


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="aeoschtzwjk", min_size=1, max_size=24))
def test_no_spelling_gets_more_than_a_few_other_keys(word: str) -> None:
    keys = german_surname_keys(word.capitalize(), name_scheme(word, "Andrej"))
    assert len(keys) <= MAX_GERMAN_KEYS and keys == tuple(sorted(set(keys)))


# --- property: a vendored surname written the Duden way reaches its own key ---------------

_DUDEN = {
    **dict(
        zip(
            "абвгдежзийклмноп",
            ["a", "b", "w", "g", "d", "e", "sch", "s", "i", "j", "k", "l", "m", "n", "o", "p"],
            strict=True,
        )
    ),
    **dict(
        zip(
            "рстуфхцчшщыэ",
            ["r", "s", "t", "u", "f", "ch", "z", "tsch", "sch", "schtsch", "y", "e"],
            strict=True,
        )
    ),
}
_VOWELS = "аеёиоуыэюя"
#: Letter pairs whose German spellings run together into letters read otherwise (с+ц = sz,
#: Polish; т+х = tch, French; о+у = ou; с+з, з+з = ss, which is с; з+с before a vowel, ss
#: between vowels is с): a limit of the spelling, not of the reader. (з+х, с+х = sch; з+ж,
#: з+ш, с+ш = ssch; т+ш = tsch; з+с before a consonant are read.)
_RUN_TOGETHER = re.compile("зц|сц|тх|оу|сз|зз|зс[аеёиоуыэюя]")
#: Three ambiguous letters whose own reading is costlier than the four cheaper other keys
#: kept (``MAX_GERMAN_KEYS``): з, з+ж in Sajesschaj.
_BEYOND_THE_CAP = frozenset(("заезжай", "заезжена"))


def duden(word: str) -> str:
    """The Duden transliteration of a Russian word (the table on de.wikipedia,
    "Transkription aus dem Russischen"): е is je at the start and after a vowel, ё jo
    (o after ж ч ш щ), ю ju, я ja, ь and ъ are dropped (j before е and ё), с between
    vowels ss."""
    out: list[str] = []
    w = word.lower()
    for i, c in enumerate(w):
        prev, nxt = (w[i - 1] if i else ""), (w[i + 1] if i + 1 < len(w) else "")
        soft = not prev or prev in _VOWELS or prev in "ьъ"
        if c == "е":
            out.append("je" if soft else "e")
        elif c == "ё":
            out.append("o" if prev in "жчшщ" else "jo")
        elif c in "юя":
            out.append("j" + ("u" if c == "ю" else "a"))
        elif c in "ьъ":
            out.append("j" if nxt and nxt in "ео" else "")
        elif c == "с" and prev and nxt and prev in _VOWELS and nxt in _VOWELS:
            out.append("ss")
        else:
            out.append(_DUDEN.get(c, c))
    return "".join(out).capitalize()


def _russian_surnames() -> list[str]:
    path = resources.files("powbureau.names") / "data" / "nt_surnames.csv"
    with path.open(encoding="utf-8") as f:
        names = {row["ru"].strip().lower() for row in csv.DictReader(f)}
    return sorted(
        n for n in names if n.isalpha() and not _RUN_TOGETHER.search(n) and n not in _BEYOND_THE_CAP
    )


RUSSIAN = _russian_surnames()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(RUSSIAN))
def test_a_vendored_surname_written_the_duden_way_reaches_its_key(cyrillic: str) -> None:
    latin = duden(cyrillic)
    assert surname_key(cyrillic) in readings(latin, "Andrej"), latin


def test_the_duden_writer_of_the_property_writes_the_cited_titles() -> None:
    assert [duden(c) for c in ("Ельцин", "Горбачёв", "Солженицын", "Лысенко", "Ежов")] == [
        "Jelzin",
        "Gorbatschow",
        "Solschenizyn",
        "Lyssenko",
        "Jeschow",
    ]
