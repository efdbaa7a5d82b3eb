"""The gettext catalogues: complete for the code, translated, and compiled from what is in the .po.

When one of these fails: run ``scripts/i18n`` (extract, update, compile), translate what
it left empty in uk and ru, and compile again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from powbureau.i18n import LANGUAGES, LOCALE_DIR, language, translations

SRC = Path(__file__).resolve().parents[3] / "src" / "powbureau"


def po(lang: str) -> Catalog:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "powbureau.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def mo(lang: str) -> Catalog:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "powbureau.mo").open("rb") as handle:
        return read_mo(handle)


def translated(catalog: Catalog) -> dict[Any, Any]:
    """Every translated, non-fuzzy message (a plural compiled as its own msgids is untranslated)."""
    out = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = tuple(message.id) if isinstance(message.id, list | tuple) else message.id
        strings = tuple(message.string) if isinstance(message.string, list | tuple) else (message.string,)
        ids = key if isinstance(key, tuple) else (key,)
        if all(strings) and strings[: len(ids)] != ids:
            out[key] = strings
    return out


def marked_in_code() -> set[Any]:
    found = set()
    templates = "**/templates/**.html"
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(SRC),
        method_map=[("**.py", "python"), (templates, "jinja2")],
        options_map={templates: {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message)
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_mo_is_compiled_from_its_po(lang: str) -> None:
    source, compiled = po(lang), mo(lang)
    assert translated(compiled) == translated(source)
    assert compiled.plural_forms == source.plural_forms


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_ukrainian_and_russian_translate_every_message(lang: str) -> None:
    catalog = po(lang)
    messages = [m for m in catalog if m.id]
    assert messages
    untranslated = [m.id for m in messages if m.fuzzy or not translated(_single(m))]
    assert untranslated == []
    assert catalog.num_plurals == 3
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []


def _single(message: Any) -> Catalog:
    catalog = Catalog()
    catalog[message.id] = message
    return catalog


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogues_hold_exactly_the_texts_the_code_marks(lang: str) -> None:
    in_code = marked_in_code()
    assert len(in_code) >= 20
    ids = {m.id for m in po(lang) if m.id}
    assert ids == in_code, {"missing": in_code - ids, "obsolete": ids - in_code}


def test_translations_by_language_code() -> None:
    assert translations("uk").gettext("Please contact us.") == "Будь ласка, зв’яжіться з нами."
    assert translations("ru_RU").gettext("Please contact us.") == "Пожалуйста, свяжитесь с нами."
    assert translations("en").gettext("Please contact us.") == "Please contact us."
    assert translations("de").gettext("Please contact us.") == "Please contact us."
    assert [language(c) for c in ("uk-UA", "RU", "", None, "be")] == ["uk", "ru", "en", "en", "en"]
