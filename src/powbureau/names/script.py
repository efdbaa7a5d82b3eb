"""Script detection, homoglyph repair and word splitting."""

from __future__ import annotations

import re
import unicodedata
from enum import Enum
from typing import Final

__all__ = ["Script", "detect_script", "repair_homoglyphs", "split_words"]


class Script(Enum):
    """The script (and, for Cyrillic, the language) a name is written in."""

    CYRILLIC_RU = "cyrillic_ru"
    """Cyrillic with letters only Russian has (ы, э, ъ, ё)."""
    CYRILLIC_UK = "cyrillic_uk"
    """Cyrillic with letters only Ukrainian has (і, ї, є, ґ, an apostrophe)."""
    CYRILLIC = "cyrillic"
    """Cyrillic that could be either language (or has letters of both)."""
    LATIN = "latin"
    MIXED = "mixed"
    """Both Latin and Cyrillic letters (a homoglyph typo, or words in two scripts)."""
    EMPTY = "empty"
    """No letters at all."""
    OTHER = "other"
    """Letters of some other script (Greek, Georgian, Arabic...)."""


_RU_ONLY: Final = frozenset("ыэъё")
_UK_ONLY: Final = frozenset("іїєґ")
_APOSTROPHES: Final = frozenset("'’ʼ`")

# Latin letters that look like Cyrillic ones, case-sensitive (upper-case H is Н).
_LAT2CYR: Final[dict[str, str]] = {
    "a": "а",
    "c": "с",
    "e": "е",
    "i": "і",
    "o": "о",
    "p": "р",
    "x": "х",
    "y": "у",
    "k": "к",
    "ë": "ё",
    "ï": "ї",
    "A": "А",
    "B": "В",
    "C": "С",
    "E": "Е",
    "H": "Н",
    "I": "І",
    "K": "К",
    "M": "М",
    "O": "О",
    "P": "Р",
    "T": "Т",
    "X": "Х",
    "Y": "У",
    "Ë": "Ё",
    "Ï": "Ї",
}
_CYR2LAT: Final[dict[str, str]] = {v: k for k, v in _LAT2CYR.items()}
_LAT2CYR_TABLE: Final = str.maketrans(_LAT2CYR)
_CYR2LAT_TABLE: Final = str.maketrans(_CYR2LAT)

_LATIN_RE: Final = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CYRILLIC_RE: Final = re.compile(r"[\u0400-\u052f]")
_SPLIT_RE: Final = re.compile(r"[\s\-‐‑‒–—,;:/\\()\[\]{}.!?\d_+*&|<>=#№@]+")


def _is_cyr(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff" or "\u0500" <= ch <= "\u052f"


def _is_lat(ch: str) -> bool:
    return (ch.isascii() or "\u00c0" <= ch <= "\u024f") and ch.isalpha()


def repair_homoglyphs(word: str) -> str:
    """Fix a word written mostly in one script with look-alike letters of the other.

    Works on the original case (a Latin capital ``H`` looks like Cyrillic ``Н``,
    a lowercase ``h`` does not). A word whose foreign letters cannot all be mapped
    is returned unchanged (it is read script-run by script-run later).

    Args:
        word: a single word, any case.

    Returns:
        The word in one script where that is possible.

    Examples:
        >>> repair_homoglyphs("Кoвaленко")  # Latin o and a
        'Коваленко'
        >>> repair_homoglyphs("Kovalеnko")  # Cyrillic е
        'Kovalenko'
    """
    if word.isascii() or not _LATIN_RE.search(word) or not _CYRILLIC_RE.search(word):
        return word
    n_cyr = sum(1 for ch in word if _is_cyr(ch))
    n_lat = sum(1 for ch in word if _is_lat(ch))
    lat_ok = all(ch in _LAT2CYR for ch in word if _is_lat(ch))
    cyr_ok = all(ch in _CYR2LAT for ch in word if _is_cyr(ch))
    if lat_ok and (n_cyr >= n_lat or not cyr_ok):
        return word.translate(_LAT2CYR_TABLE)
    if cyr_ok:
        return word.translate(_CYR2LAT_TABLE)
    return word


def split_words(text: str) -> list[str]:
    """NFC-normalise and split a name into words (hyphens, commas, dots separate).

    Apostrophes stay inside words; combining stress marks on Cyrillic are dropped
    later, by the readers.
    """
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return [w for w in _SPLIT_RE.split(text) if w]


def detect_script(text: str) -> Script:
    """Tell which script (and which Cyrillic language) a name is written in.

    Args:
        text: any string.

    Returns:
        ``CYRILLIC_UK`` when a letter only Ukrainian has (і ї є ґ, or an apostrophe
        between Cyrillic letters) occurs and no Russian-only letter; ``CYRILLIC_RU``
        for the reverse (ы э ъ ё); ``CYRILLIC`` when neither or both occur;
        ``LATIN``; ``MIXED`` when Latin and Cyrillic letters are both present;
        ``EMPTY`` without letters; ``OTHER`` when letters of another script
        outnumber Latin and Cyrillic ones.

    Examples:
        >>> detect_script("Олександр").name
        'CYRILLIC'
        >>> detect_script("Сергійович").name
        'CYRILLIC_UK'
        >>> detect_script("Kovalenko").name
        'LATIN'
    """
    text = unicodedata.normalize("NFC", text)
    n_cyr = n_lat = n_other = 0
    ru = uk = False
    prev_cyr = False
    for i, ch in enumerate(text):
        if _is_cyr(ch):
            n_cyr += 1
            low = ch.lower()
            ru = ru or low in _RU_ONLY
            uk = uk or low in _UK_ONLY
            prev_cyr = True
            continue
        if ch in _APOSTROPHES and prev_cyr and i + 1 < len(text) and _is_cyr(text[i + 1]):
            uk = True
        prev_cyr = False
        if _is_lat(ch):
            n_lat += 1
        elif ch.isalpha():
            n_other += 1
    if not (n_cyr or n_lat or n_other):
        return Script.EMPTY
    if n_other > n_cyr + n_lat:
        return Script.OTHER
    if n_cyr and n_lat:
        return Script.MIXED
    if n_lat:
        return Script.LATIN
    if uk and not ru:
        return Script.CYRILLIC_UK
    if ru and not uk:
        return Script.CYRILLIC_RU
    return Script.CYRILLIC
