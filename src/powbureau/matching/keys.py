"""Candidate (blocking) keys: few per registered person, many per inquiry.

A registered person is stored under a handful of keys (``registry_keys``), each a
combination of his canonical names and birth date. An inquiry asks for every key its
man could have been stored under (``query_keys``): its own, and those its likely
mistakes lead to. Writing variants on the inquiry's side costs nothing in storage, so
a typo in the surname, a day and month swapped or a year off by one still meet:

* ``n:surname|given``: the surname (and, for the inquiry, every key one edit away and the
  keys of the spellings one typing error from its surname as written, ``surname_near``)
  with each given-name id (diminutives and both languages meet on the ids; the inquiry's
  given name, when the tables do not know it, also as the names one typing error away); a Latin
  surname that could be German is stored and asked for under its other readings too
  (``Profile.surname_alt``: Koslow under козлов as well). A man registered without a given
  name is stored as ``n:surname|``, and every inquiry asks for that too;
* ``y:surname|year|given``: surname and birth year, with the given-name ids after them
  (inquiry: the year and its neighbours, read as a range of keys): finds him when the
  given name is mistyped or a diminutive the tables do not know. The ids in the key let
  the index pass over his namesakes with another given name without reading their
  profiles (see :class:`KeyQuery`);
* ``d:given|date``: given name and full birth date (inquiry: swapped, one digit off,
  a year off): finds him when the surname is badly mistyped;
* ``p:given|father|year``: given name, father's name and birth year;
* ``sn:digits``: the digits of the service number (inquiry: one digit off);
* ``a:reading``: each German reading of a registered man's Latin surname, alone: read only
  to find who bears a surname among his readings (a Cyrillic surname-only inquiry or a
  registry search for Козлов finds a man registered as Koslow), never asked for by
  :func:`key_query`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Final

from powbureau.matching.compare import name_ids_level
from powbureau.matching.profile import Profile
from powbureau.names.keys import is_known_given, surname_word_key
from powbureau.names.typos import typo_given_ids

__all__ = [
    "ALT_KEYS",
    "PAIR_KEYS",
    "KeyQuery",
    "alt_key",
    "date_variants",
    "key_query",
    "pair_prefix",
    "query_keys",
    "registry_keys",
    "surname_edits",
    "typo_read_given",
]

#: The alphabet of the names layer's canonical Cyrillic form.
ALPHABET: Final = "абвгдежзиклмнопрстуфхцчш"
_MIN_SERVICE_DIGITS: Final = 4
#: Every ``p:given|father|year`` key starts so: one per dated man and pair of first-name ids.
PAIR_KEYS: Final = "p:"


#: ``a:`` + one German reading of a registered man's surname (``Profile.surname_alt``).
ALT_KEYS: Final = "a:"


def alt_key(reading: str) -> str:
    """The key under which every man with this German surname reading is stored."""
    return f"{ALT_KEYS}{reading}"


def pair_prefix(given: str, father: str) -> str:
    """The start of the keys of every dated man with this given-name and father's-name id."""
    return f"{PAIR_KEYS}{given}|{father}|"


def registry_keys(profile: Profile) -> list[str]:
    """The keys a registered person is stored under (sorted, no repeats)."""
    s, given, birth = profile.surname, profile.given, profile.birth
    surnames = (s, *profile.surname_alt) if s else ()
    keys = [f"n:{x}|{g}" for x in surnames for g in given or ("",)]
    keys.extend(alt_key(x) for x in profile.surname_alt)
    if birth:
        year = birth[:4]
        keys.extend(f"y:{x}|{year}|{' '.join(given)}" for x in surnames)
        if len(birth) == 10:
            keys.extend(f"d:{g}|{birth}" for g in given)
        keys.extend(f"p:{g}|{f}|{year}" for g in given for f in profile.patronymic)
    if profile.service:
        digits = profile.service.partition("|")[2]
        if len(digits) >= _MIN_SERVICE_DIGITS:
            keys.append(f"sn:{digits}")
    return sorted(set(keys))


@dataclass(frozen=True)
class KeyQuery:
    """What an inquiry looks up: exact keys, and ranges of surname-and-year keys.

    Attributes:
        exact: keys looked up as they are (sorted).
        year_prefixes: ``y:surname|year|`` for the inquiry's year and its neighbours;
            every stored key starting with one is read, and :meth:`admits_given` decides
            from the given-name ids at its end whether its person is a candidate.
        given: the inquiry's given-name ids.
        any_given: the inquiry gives no given name, or one the tables do not know (a
            typo, an unlisted diminutive): every namesake of that surname and year is
            a candidate. Otherwise a namesake whose given name plainly disagrees is not:
            his weight is as low as that of the namesakes born in other years, whom no
            key finds either.
        given_less: ``n:surname|`` for each spelling: the men registered without a given
            name. They are always candidates, but finding only them is finding nobody: the
            surname-only lookup still runs (:meth:`.CandidateIndex.candidates`).
    """

    exact: tuple[str, ...]
    year_prefixes: tuple[str, ...]
    given: tuple[str, ...]
    any_given: bool
    given_less: tuple[str, ...] = ()

    def admits_given(self, stored: str) -> bool:
        """Whether a person stored with these given-name ids (space-separated) is a candidate."""
        if self.any_given or not stored:
            return True
        return name_ids_level(self.given, tuple(stored.split(" "))) != "disagree"

    def admits(self, key: str) -> bool:
        """Whether a stored key makes its person a candidate of this inquiry."""
        if key in self._exact or key in self.given_less:
            return True
        for prefix in self.year_prefixes:
            if key.startswith(prefix):
                return self.admits_given(key[len(prefix) :])
        return False

    @cached_property
    def _exact(self) -> frozenset[str]:
        return frozenset(self.exact)


def key_query(profile: Profile) -> KeyQuery:
    """Every key the man an inquiry describes may be stored under."""
    keys: set[str] = set()
    s, year = profile.surname, profile.birth[:4]
    given = typo_read_given(profile.given)
    years = _years(year)
    prefixes: tuple[str, ...] = ()
    given_less: tuple[str, ...] = ()
    if s:
        spellings = surname_edits(s) | profile.surname_near | set(profile.surname_alt)
        keys.update(f"n:{v}|{g}" for v in spellings for g in given)
        given_less = tuple(sorted(f"n:{v}|" for v in spellings))
        prefixes = tuple(f"y:{x}|{y}|" for x in (s, *profile.surname_alt) for y in years)
    if len(profile.birth) == 10:
        keys.update(f"d:{g}|{d}" for d in date_variants(profile.birth) for g in given)
    keys.update(f"p:{g}|{f}|{y}" for g in given for f in profile.patronymic for y in years)
    digits = profile.service.partition("|")[2]
    if len(digits) >= _MIN_SERVICE_DIGITS:
        keys.update(f"sn:{d}" for d in _digit_variants(digits))
    any_given = not profile.given or not all(is_known_given(g) for g in profile.given)
    return KeyQuery(tuple(sorted(keys)), prefixes, profile.given, any_given, given_less)


def typo_read_given(given: tuple[str, ...]) -> tuple[str, ...]:
    """The inquiry's given-name ids, and those of the names one typing error from a word the
    tables do not know (Олксандр: олександр, Никиа: никита; :func:`.names.typo_given_ids`)."""
    typos = {i for g in given for i in typo_given_ids(g)}
    return tuple(sorted(set(given) | typos)) if typos else given


def query_keys(profile: Profile) -> list[str]:
    """The exact keys of :func:`key_query` (sorted, no repeats)."""
    return list(key_query(profile).exact)


def _years(year: str) -> list[str]:
    if not year:
        return []
    y = int(year)
    return [f"{y + d:04d}" for d in (-1, 0, 1) if 1 <= y + d <= 9999]


@lru_cache(maxsize=4096)
def surname_edits(key: str) -> frozenset[str]:
    """The key and every string one edit away (delete, transpose, replace, insert), each
    also as the surname key it reads as; and the letter dropped between two equal ones.

    A typo in an ending the key folds is one edit from the written form, not from the key:
    Голубес is one edit from Голубев, whose key is голубов (-ев is -ов), so each variant is
    also taken through the surname's folds (:func:`powbureau.names.keys.surname_word_key`).
    Only single-word keys of four letters or more are varied: shorter ones would pair too
    many strangers, and compound surnames match on their whole key.
    """
    if " " in key or len(key) < 4:
        return frozenset({key})
    out = {key}
    for i in range(len(key)):
        out.add(key[:i] + key[i + 1 :])
        if i + 1 < len(key):
            out.add(key[:i] + key[i + 1] + key[i] + key[i + 2 :])
        out.update(key[:i] + c + key[i + 1 :] for c in ALPHABET)
    for i in range(len(key) + 1):
        out.update(key[:i] + c + key[i:] for c in ALPHABET)
    # A letter dropped between two equal ones leaves a double, which the key folds: Таасенко
    # (Тарасенко) reads тасенко, two edits away. Put back the letter and the one folded away.
    for i in range(1, len(key) + 1):
        out.update(key[:i] + c + key[i - 1] + key[i:] for c in ALPHABET)
    return frozenset(out | {surname_word_key(v) for v in out})


@lru_cache(maxsize=4096)
def date_variants(iso: str) -> frozenset[str]:
    """A full date, its day and month swapped, one digit changed, and the year off by one.

    Examples:
        >>> "1994-07-03" in date_variants("1994-03-07") and "1995-03-07" in date_variants("1994-03-07")
        True
    """
    out = {iso}
    digits = iso.replace("-", "")
    for i, old in enumerate(digits):
        for new in "0123456789":
            if new != old:
                _add_date(out, digits[:i] + new + digits[i + 1 :])
    y, m, d = digits[:4], digits[4:6], digits[6:]
    _add_date(out, y + d + m)
    for dy in (-1, 1):
        _add_date(out, f"{int(y) + dy:04d}{m}{d}")
    return frozenset(out)


def _add_date(out: set[str], digits: str) -> None:
    y, m, d = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    if y >= 1 and 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]:
        out.add(f"{y:04d}-{m:02d}-{d:02d}")


def _digit_variants(digits: str) -> list[str]:
    out = [digits]
    for i, old in enumerate(digits):
        out.extend(digits[:i] + new + digits[i + 1 :] for new in "0123456789" if new != old)
    return out
