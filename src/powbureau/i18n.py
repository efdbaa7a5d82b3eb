"""Text for people in their language: gettext catalogues for Ukrainian, Russian and English.

The catalogues live in ``powbureau/locale/<lang>/LC_MESSAGES/powbureau.po`` with the
compiled ``.mo`` beside each; English is the source language (its ``msgid``). Mail to
families goes through them now, the web UI will use the same ones. To change a text:
edit the code, then ``scripts/i18n`` (extract, update, compile; see docs/tracing.md,
"E-mail inquiries").
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path
from typing import Final

__all__ = ["DOMAIN", "LANGUAGES", "LOCALE_DIR", "N_", "language", "translations"]

#: The languages the bureau writes in; the first ones families write to it in.
LANGUAGES: Final = ("uk", "ru", "en")
DOMAIN: Final = "powbureau"
LOCALE_DIR: Final = Path(__file__).parent / "locale"


def language(code: str | None) -> str:
    """One of :data:`LANGUAGES` for a language code (``uk-UA``, ``ru_RU``, ``RU``); else ``en``."""
    base = (code or "").strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else "en"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang``; English (the source texts) for any other language."""
    chosen = language(lang)
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[chosen], fallback=True)


def N_(message: str) -> str:  # noqa: N802 (gettext's name for "mark for translation")
    """Mark a text for the catalogues; it is translated where it is shown."""
    return message
