"""A person's or an inquiry's comparison values: names as keys, dates, unit, numbers, places.

A :class:`Profile` is computed once per registration (and stored, see
``store/match_index.py``) and once per inquiry, so that scoring never reads raw names.
Names go through :mod:`powbureau.names`; the rest is normalised here. Pure code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Final, NamedTuple

from powbureau.domain.dates import parse_partial_date
from powbureau.domain.errors import InvalidInput
from powbureau.names import (
    german_surname_keys,
    given_name_keys,
    name_scheme,
    parse_full_name,
    patronymic_keys,
    place_key,
    surname_key,
    surname_typo_keys,
    to_cyrillic,
)
from powbureau.names.keys import is_known_given, is_patronymic

__all__ = [
    "PROFILE_COLUMNS",
    "Profile",
    "capture_place_key",
    "normal_date",
    "profile_from_fields",
    "profile_from_row",
    "profile_row",
    "service_number_key",
    "unit_key",
    "unit_number_keys",
]


class Profile(NamedTuple):
    """Normalised comparison values; an empty string or tuple means "not known".

    For a registered person ``captured_on`` and ``capture_place`` are those of his
    capture; for an inquiry they hold when and where he was last seen. (A named tuple:
    one is built for every registration, and a tuple is the cheapest to build.)
    """

    person_id: str = ""
    custody: str = ""
    surname: str = ""  # names.surname_key: one value for every spelling and both sexes
    given: tuple[str, ...] = ()  # names.given_name_keys, sorted
    patronymic: tuple[str, ...] = ()  # father's-name ids of the patronymic and father's name
    birth: str = ""  # ISO 8601, full or partial
    unit: str = ""  # "kind:number" (":number" when the kind is not said)
    service: str = ""  # "letters|digits"
    mother_given: tuple[str, ...] = ()
    mother_surname: str = ""
    captured_on: str = ""
    capture_place: str = ""  # names.place_key: one key for a town however it is written
    surname_alt: tuple[str, ...] = ()  # names.german_surname_keys: other readings (Koslow: козлов)
    # An inquiry's only, never stored: names.surname_typo_keys, the keys of the spellings one
    # typing error from its surname as written (ЕВРНИДУБ: вернидуб).
    surname_near: frozenset[str] = frozenset()


#: The stored columns: every field but the inquiry's ``surname_near``.
PROFILE_COLUMNS: tuple[str, ...] = Profile._fields[:-1]


def profile_row(profile: Profile) -> tuple[str, ...]:
    """The profile as a row of text cells (tuples joined by spaces), in column order."""
    p = profile
    return (
        p.person_id,
        p.custody,
        p.surname,
        " ".join(p.given),
        " ".join(p.patronymic),
        p.birth,
        p.unit,
        p.service,
        " ".join(p.mother_given),
        p.mother_surname,
        p.captured_on,
        p.capture_place,
        " ".join(p.surname_alt),
    )


def profile_from_row(row: tuple[str | None, ...] | Mapping[str, str | None]) -> Profile:
    """Read back a row written by :func:`profile_row` (a tuple or a mapping)."""
    cells = [row[n] for n in PROFILE_COLUMNS] if isinstance(row, Mapping) else row
    pid, custody, surname, given, fathers, birth, unit, service, mother, maiden, on, place, alt = (
        c or "" for c in cells
    )
    return Profile(
        pid,
        custody,
        surname,
        _split(given),
        _split(fathers),
        birth,
        unit,
        service,
        _split(mother),
        maiden,
        on,
        place,
        _split(alt),
    )


def _split(cell: str) -> tuple[str, ...]:
    return tuple(cell.split(" ")) if cell else ()


def profile_from_fields(
    fields: Mapping[str, str | None], *, person_id: str = "", custody: str = "", inquiry: bool = False
) -> Profile:
    """The comparison values of identity fields (persons.csv or inquiries.csv columns).

    Args:
        fields: cells by column name; for an inquiry ``last_seen_on`` and
            ``last_seen_place`` take the place of ``captured_on`` and ``capture_place``.
        inquiry: read the inquiry's columns for the last news, and key the spellings one
            typing error from its surname (``surname_near``).

    Examples:
        >>> p = profile_from_fields({"surname": "Коваленко", "given_name": "Дима", "unit": "в/ч 12345"})
        >>> p.given, p.unit
        (('дмитрий',), 'вч:12345')
    """
    get = fields.get  # every registration passes here: plain lookups, cached helpers
    surname, given, patronymic = get("surname") or "", get("given_name") or "", get("patronymic") or ""
    scheme = name_scheme(surname, given, patronymic)  # a whole name is written in one scheme
    mother = get("mother_name") or ""
    mother_given, mother_surname = _mother(mother) if mother.strip() else ((), "")
    seen_on, seen_place = ("last_seen_on", "last_seen_place") if inquiry else ("captured_on", "capture_place")
    return Profile(
        person_id,
        custody,
        _surname(surname, scheme),
        _given(given, scheme),
        _fathers(patronymic, get("father_name") or "", scheme),
        normal_date(get("birth_date") or ""),
        unit_key(get("unit") or ""),
        service_number_key(get("service_number") or ""),
        mother_given,
        mother_surname,
        normal_date(get(seen_on) or ""),
        capture_place_key(get(seen_place) or ""),
        _surname_alt(surname, scheme),
        surname_typo_keys(surname, scheme) if inquiry and surname else frozenset(),
    )


@lru_cache(maxsize=1 << 16)
def _surname(text: str, scheme: int = 0) -> str:
    return surname_key(text, scheme) if text.strip() else ""


@lru_cache(maxsize=1 << 15)
def _surname_alt(text: str, scheme: int = 0) -> tuple[str, ...]:
    return german_surname_keys(text, scheme) if text.strip() else ()


@lru_cache(maxsize=1 << 15)
def _given(text: str, scheme: int = 0) -> tuple[str, ...]:
    return tuple(sorted(k for k in given_name_keys(text, scheme) if k)) if text.strip() else ()


@lru_cache(maxsize=1 << 15)
def _fathers(patronymic: str, father: str, scheme: int = 0) -> tuple[str, ...]:
    ids: set[str] = set()
    if patronymic.strip():
        ids |= patronymic_keys(patronymic, scheme)
    if father.strip():
        ids |= given_name_keys(father)
    return tuple(sorted(k for k in ids if k))


@lru_cache(maxsize=1 << 15)
def _mother_word(word: str) -> tuple[str, tuple[str, ...], str]:
    """One word of a mother's name: ("patronymic" | "given" | "surname", given ids, surname key)."""
    if is_patronymic(word)[0]:
        return "patronymic", (), ""
    if is_known_given(word):
        return "given", _given(word), ""
    return "surname", (), _surname(word)


#: Endings of women's surnames (folded), to tell a surname the tables also list among first
#: names (Ильина) from her given name.
_WOMAN_SURNAME_ENDINGS: Final = ("ова", "ева", "ина", "скаиа", "нко", "ук", "их")


def _mother(text: str) -> tuple[tuple[str, ...], str]:
    """Her given-name ids and surname key, word by word (every word's role is cached).

    ``parse_full_name`` would weigh every order of the words; for the mother's column,
    written on every registration, knowing which word is a given name is enough. When two
    words read as given names (the tables list some surnames among first names: Ильина),
    hers is the one before the patronymic, else the one without a surname's ending, else
    the second ("Surname Given", as lists write it); the other is her surname.
    """
    words = text.replace(",", " ").split()
    if len(words) == 1:
        return _given(words[0]), ""
    roles = [_mother_word(w) for w in words]
    givens = [i for i, (role, _, _) in enumerate(roles) if role == "given"]
    if not givens:
        name = parse_full_name(text)
        return _given(name.given_name or ""), _surname(name.surname or "")
    pick = givens[0]
    if len(givens) > 1:
        before = [i for i in givens if i + 1 < len(roles) and roles[i + 1][0] == "patronymic"]
        plain = [i for i in givens if not to_cyrillic(words[i]).endswith(_WOMAN_SURNAME_ENDINGS)]
        pick = (before or plain or [givens[1]])[0]
    surname = next(
        (_surname(words[i]) for i, (role, _, _) in enumerate(roles) if i != pick and role != "patronymic"), ""
    )
    return roles[pick][1], surname


@lru_cache(maxsize=1 << 16)
def normal_date(text: str) -> str:
    """An ISO 8601 date as the registry writes it, or "" when empty or unreadable."""
    if not text.strip():
        return ""
    try:
        return str(parse_partial_date(text))
    except InvalidInput:
        return ""


_UNIT_KINDS: Final = (  # (kind, words that name it), checked in this order
    ("полк", ("полк", "regiment", "regt", "pulk", "polk")),
    ("див", ("дивиз", "дивіз", "division", "div.")),
    ("бр", ("бригад", "brigade", "bde", "brygad")),
    ("бат", ("батальон", "батальйон", "battalion", "bn")),
    ("вч", ("в/ч", "вч", "в. ч", "в.ч", "часть", "частина", "military unit", "v/ch", "w/tsch", "unit")),
)
_UNIT_NUMBER: Final = re.compile(r"(?:(?<![^\W\d_])([^\W\d_]))?(\d{1,6})(?!\d)")
_LOOKALIKE: Final = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")


@lru_cache(maxsize=1 << 14)
def unit_key(text: str) -> str:
    """``kind:number`` for a military unit as written in any language.

    Examples:
        >>> unit_key("в/ч 12345"), unit_key("military unit 12345"), unit_key("1065th Motor Rifle Regiment")
        ('вч:12345', 'вч:12345', 'полк:1065')
        >>> unit_key("в/ч А1234") == unit_key("v/ch A1234")
        True
    """
    if not text:
        return ""
    low = text.lower()
    kind = next((k for k, words in _UNIT_KINDS if any(w in low for w in words)), "")
    match = _UNIT_NUMBER.search(text)
    if match is None:
        return f"{kind}:{to_cyrillic(text).replace(' ', '')}" if kind else ""
    letter, digits = match.groups()
    prefix = (letter or "").upper().translate(_LOOKALIKE)
    return f"{kind}:{prefix}{int(digits)}"


_DIGITS: Final = re.compile(r"\d+")


#: Every kind a unit key can have ("" when the text names no kind, only a number).
UNIT_KINDS: Final = ("", *(kind for kind, _words in _UNIT_KINDS))


def unit_number_keys(key: str) -> tuple[str, ...]:
    """Every unit key with the number of ``key``, whatever its kind (what the ``number``
    level of the unit comparison agrees with), ``key`` among them; none for no unit.

    Examples:
        >>> unit_number_keys("полк:1065")
        (':1065', 'бат:1065', 'бр:1065', 'вч:1065', 'див:1065', 'полк:1065')
    """
    if not key:
        return ()
    number = key.partition(":")[2]
    return tuple(sorted(f"{kind}:{number}" for kind in UNIT_KINDS))


_NOT_LETTERS: Final = re.compile(r"[\d\W_]+")


def service_number_key(text: str) -> str:
    """``letters|digits`` of a service number; letters read back to Cyrillic.

    Examples:
        >>> service_number_key("АБ-123456") == service_number_key("AB 123456")
        True
    """
    if not text:
        return ""
    digits = "".join(_DIGITS.findall(text))
    cyr = _letters(_NOT_LETTERS.sub("", text))
    return f"{cyr}|{digits}" if digits or cyr else ""


@lru_cache(maxsize=4096)
def _letters(letters: str) -> str:
    return to_cyrillic(letters).replace(" ", "") if letters else ""


def capture_place_key(text: str) -> str:
    """One key for a place however it is written (:func:`powbureau.names.place_key`).

    Examples:
        >>> capture_place_key("р-н Купянск") == capture_place_key("Kupiansk, Kharkiv Oblast")
        True
    """
    return place_key(text)
