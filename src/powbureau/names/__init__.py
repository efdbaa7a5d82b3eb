"""Names layer of powbureau: reading, normalising and keying Russian and Ukrainian names.

Names arrive in Russian or Ukrainian Cyrillic or in any Latin transliteration, with
typos, diminutives and missing patronymics. Everything here brings them to one
canonical lowercase Cyrillic form first (:func:`to_cyrillic`) and builds keys on
it. Pure code: the only I/O is reading the vendored tables under ``data/``, once,
on first use (call :func:`preload` at start-up to pay that cost up front).

See ``docs/names.md`` for the schemes covered, the data sources and the limits.
"""

from __future__ import annotations

from .canon import to_cyrillic
from .forms import preload
from .keys import (
    german_surname_keys,
    given_name_keys,
    given_name_sex,
    is_diminutive,
    name_scheme,
    name_similarity,
    patronymic_keys,
    phonetic_key,
    surname_key,
)
from .parse import FullName, parse_full_name
from .places import place_key
from .script import Script, detect_script
from .typos import surname_typo_keys, typo_given_ids

__all__ = [
    "FullName",
    "Script",
    "detect_script",
    "german_surname_keys",
    "given_name_keys",
    "given_name_sex",
    "is_diminutive",
    "name_scheme",
    "name_similarity",
    "parse_full_name",
    "patronymic_keys",
    "phonetic_key",
    "place_key",
    "preload",
    "surname_key",
    "surname_typo_keys",
    "to_cyrillic",
    "typo_given_ids",
]
