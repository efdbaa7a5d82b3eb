"""Pairs from outside sources, each row cited (the ``source`` of every table).

* KMU-55-2010: Resolution of the Cabinet of Ministers of Ukraine No. 55, 27 Jan 2010,
  "On streamlining the transliteration of the Ukrainian alphabet into Latin", the
  example table (as reproduced at pasport.org.ua/vazhlivo/transliteratsiya).
* translitua-2.0-doctest: doctests of translitua 2.0 (MIT), UkrainianKMU table.
* uaroman-README: README example of the uaroman crate (KMU 2010 system).
* iuliia 0.13.0: the ``samples`` of each schema JSON (MIT), schema name per row.
* names-translator-2.1.0-README: the transliterations of "Чаплинський Дмитро
  Олександрович" listed in the package README (MIT).
* de/fr/pl.wikipedia article titles of well-known people.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from powbureau.names import given_name_keys, patronymic_keys, phonetic_key, surname_key
from powbureau.names import to_cyrillic as tc
from powbureau.names.canon import to_cyrillic_words

FIXTURES = Path(__file__).parent / "fixtures"


def _csv(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


KMU_ROWS = _csv("kmu2010_examples.csv")


@pytest.mark.parametrize(
    ("cyrillic", "latin", "source"),
    [(r["cyrillic"], r["latin"], r["source"]) for r in KMU_ROWS],
    ids=[r["latin"] for r in KMU_ROWS],
)
def test_ukrainian_national_2010_examples_read_back(cyrillic: str, latin: str, source: str) -> None:
    assert source
    assert tc(latin) == tc(cyrillic)
    assert surname_key(latin) == surname_key(cyrillic)


IULIIA = json.loads((FIXTURES / "iuliia_samples.json").read_text(encoding="utf-8"))
# Word pairs a scheme cannot give back unambiguously, with the reason.
IULIIA_KNOWN_MISSES: dict[tuple[str, str], str] = {
    ("telegram", "esce"): "Telegram sc=щ, informal, unsupported",
    ("telegram", "etih"): "Telegram h=х without diacritics, unsupported",
    ("telegram", "miagkih"): "Telegram h=х without diacritics, unsupported",
    ("telegram", "francuzskih"): "Telegram c=ц before u and h=х, unsupported",
}
IULIIA_ROWS = [
    (schema, cyr, lat) for schema, body in IULIIA["schemas"].items() for cyr, lat in body["samples"]
]


@pytest.mark.parametrize(("schema", "cyrillic", "latin"), IULIIA_ROWS)
def test_iuliia_schema_samples_read_back(schema: str, cyrillic: str, latin: str) -> None:
    source = f"iuliia {IULIIA['iuliia_version']} schema {schema}"
    cyr_words, lat_words = to_cyrillic_words(cyrillic), to_cyrillic_words(latin)
    assert len(cyr_words) == len(lat_words), source
    lat_raw = [w for w in latin.replace(",", " ").replace("-", " ").split() if w]
    for i, (a, b) in enumerate(zip(cyr_words, lat_words, strict=True)):
        if (schema, lat_raw[i] if i < len(lat_raw) else "") in IULIIA_KNOWN_MISSES:
            assert a != b, f"{source}: known miss now passes, remove it: {lat_raw[i]}"
            continue
        assert a == b, f"{source}: {cyrillic!r} / {latin!r} word {i}"


def test_iuliia_fixture_covers_the_passport_and_standard_schemes() -> None:
    assert {
        "gost_52535",
        "icao_doc_9303",
        "bgn_pcgn",
        "scientific",
        "gost_779",
        "wikipedia",
        "mosmetro",
    } <= set(IULIIA["schemas"])


README_ROWS = _csv("names_translator_readme.csv")
README_KNOWN_MISSES = {"Chaplyns'cyi": "Passport 2004 alt. table writes к as c, also before y"}


@pytest.mark.parametrize(
    ("surname", "given", "patronymic", "source"),
    [(r["surname"], r["given"], r["patronymic"], r["source"]) for r in README_ROWS],
)
def test_names_translator_readme_variants_share_keys(
    surname: str, given: str, patronymic: str, source: str
) -> None:
    assert source == "names-translator-2.1.0-README"
    assert "дмитрий" in given_name_keys(given)
    assert patronymic_keys(patronymic) == {"александр"}
    if surname in README_KNOWN_MISSES:
        assert surname_key(surname) != surname_key("Чаплинський")
        assert phonetic_key(surname)  # still produces a key
    else:
        assert surname_key(surname) == surname_key("Чаплинський")


WIKI_ROWS = _csv("wikipedia_titles.csv")


@pytest.mark.parametrize(
    ("cyrillic", "latin", "expect", "source"),
    [(r["cyrillic"], r["latin"], r["expect"], r["source"]) for r in WIKI_ROWS],
    ids=[r["latin"] for r in WIKI_ROWS],
)
def test_wikipedia_titles_in_other_languages(cyrillic: str, latin: str, expect: str, source: str) -> None:
    assert source.endswith(("article title", ")"))
    c_given, c_sur = cyrillic.split()
    l_given, l_sur = latin.split()
    assert given_name_keys(c_given) & given_name_keys(l_given)
    assert phonetic_key(c_sur) == phonetic_key(l_sur)
    if expect == "surname_key":
        assert surname_key(c_sur) == surname_key(l_sur)


#: French writes ш as ch and ж as j (fr.wikipedia, "Transcription du russe en français",
#: table of consonants); these diminutives carry no other French marker, so the given name
#: alone must be read the French way when the default reading knows no such name.
FRENCH_DIMINUTIVES = [
    ("Sacha", "Саша", "fr.wikipedia article title: Sacha (prénom), diminutif d'Alexandre"),
    ("Natacha", "Наташа", "fr.wikipedia article title: Natacha (prénom), diminutif de Natalia"),
    ("Macha", "Маша", "fr.wikipedia, Transcription du russe en français: ш = ch"),
    ("Micha", "Миша", "fr.wikipedia article title: Micha (mascotte), Misha of Moscow 1980"),
    ("Aliocha", "Алёша", "Aliocha Karamazov, French translations of Dostoevsky"),
    ("Gricha", "Гриша", "fr.wikipedia, Transcription du russe en français: ш = ch"),
]


@pytest.mark.parametrize(
    ("french", "cyrillic", "source"), FRENCH_DIMINUTIVES, ids=[r[0] for r in FRENCH_DIMINUTIVES]
)
def test_a_french_diminutive_without_other_marker_is_read_the_french_way(
    french: str, cyrillic: str, source: str
) -> None:
    assert source
    assert given_name_keys(french) == given_name_keys(cyrillic)
