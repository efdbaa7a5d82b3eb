"""Comparisons: for each field, which level of agreement two profiles reach.

Each comparison returns the name of a level, or ``None`` when either side does not
know the field (missing is no evidence either way). Levels run from the strongest
agreement to disagreement; :mod:`.settings` gives each level its m and u.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Final

from rapidfuzz.distance import DamerauLevenshtein, Hamming, JaroWinkler

from powbureau.domain.dates import PartialDate, parse_partial_date
from powbureau.domain.errors import InvalidInput
from powbureau.matching.profile import Profile
from powbureau.names.typos import typo_given_ids

__all__ = ["COMPARISONS", "FIELD_LABELS", "LEVELS", "compare_all", "name_ids_level"]

Comparator = Callable[[Profile, Profile, bool], str | None]

_CLOSE: Final = 0.88
_SEEN_BEFORE_CAPTURE_DAYS: Final = 62


@lru_cache(maxsize=1 << 16)
def name_ids_level(a: tuple[str, ...], b: tuple[str, ...]) -> str | None:
    """Sets of name ids: exact, close (a typo or a stem), initial, or disagree.

    Cached: ids come from a small vocabulary, and a common surname brings hundreds of
    candidates whose given names and patronymics are compared with the same few.
    """
    if not a or not b:
        return None
    if not set(a).isdisjoint(b):
        return "exact"
    short = [x for x in (*a, *b) if len(x) == 1]
    if short:
        long_a = {x[0] for x in a}
        long_b = {x[0] for x in b}
        return "initial" if long_a & long_b else "disagree"
    for x in a:
        for y in b:
            if (len(x) >= 4 and y.startswith(x)) or (len(y) >= 4 and x.startswith(y)):
                return "close"
            if JaroWinkler.similarity(x, y) >= 0.9:
                return "close"
    return "disagree"


def surname(q: Profile, r: Profile, _inquiry: bool = True) -> str | None:
    """exact, part (of a compound surname), typo (one edit), close, disagree.

    exact also when one side's key is another reading of the other side's Latin surname
    written the German way (``surname_alt``: Koslow = Козлов, Saporoschez = Запорожец);
    typo also when the inquiry's surname is one typing error from the other as written
    (``surname_near``: ЕВРНИДУБ, Вернидуб), however far apart the keys.
    """
    a, b = q.surname, r.surname
    if not a or not b:
        return None
    if a == b or a in r.surname_alt or b in q.surname_alt:
        return "exact"
    if (" " in a or " " in b) and not set(a.split()).isdisjoint(b.split()):
        return "part"
    if DamerauLevenshtein.distance(a, b, score_cutoff=1) <= 1 or b in q.surname_near or a in r.surname_near:
        return "typo"
    return "close" if JaroWinkler.similarity(a, b) >= _CLOSE else "disagree"


def given_name(q: Profile, r: Profile, _inquiry: bool = True) -> str | None:
    """exact (an id in common), close (also: a name the tables do not know one typing error
    from the other side's, :func:`.names.typo_given_ids`), initial, disagree."""
    level = name_ids_level(q.given, r.given)
    if level == "disagree" and (_typo_meets(q.given, r.given) or _typo_meets(r.given, q.given)):
        return "close"
    return level


def _typo_meets(words: tuple[str, ...], ids: tuple[str, ...]) -> bool:
    return any(not typo_given_ids(w).isdisjoint(ids) for w in words)


def patronymic(q: Profile, r: Profile, _inquiry: bool = True) -> str | None:
    """The father's name, from the patronymic or the father_name column."""
    return name_ids_level(q.patronymic, r.patronymic)


def _hamming1(a: str, b: str) -> bool:
    return len(a) == len(b) and Hamming.distance(a, b, score_cutoff=2) == 1


def birth_date(q: Profile, r: Profile, _inquiry: bool = True) -> str | None:
    """exact, swap (day and month), year_off, typo (one digit), month, year, near, disagree."""
    a, b = q.birth, r.birth
    if not a or not b:
        return None
    if len(a) == 10 and len(b) == 10:
        if a == b:
            return "exact"
        if a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
            return "swap"
        if a[4:] == b[4:] and abs(int(a[:4]) - int(b[:4])) == 1:
            return "year_off"
        if _hamming1(a, b):
            return "typo"
        return "disagree"
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    if a == b:
        return "month" if n == 7 else "year"
    if a[4:] == b[4:] and abs(int(a[:4]) - int(b[:4])) == 1:
        return "near"
    return "near" if n == 7 and _hamming1(a, b) else "disagree"


def unit(q: Profile, r: Profile, _inquiry: bool = True) -> str | None:
    """exact (kind and number), number (the same number), disagree."""
    a, b = q.unit, r.unit
    if not a or not b:
        return None
    if a == b:
        return "exact"
    return "number" if a.partition(":")[2] == b.partition(":")[2] else "disagree"


def service_number(q: Profile, r: Profile, _inquiry: bool = True) -> str | None:
    """exact, digits (the letters differ or are missing), typo (one digit), disagree."""
    la, _, da = q.service.partition("|")
    lb, _, db = r.service.partition("|")
    if not da or not db:
        return None
    if da == db:
        return "exact" if la == lb else "digits"
    return "typo" if DamerauLevenshtein.distance(da, db, score_cutoff=1) <= 1 else "disagree"


def mother_name(q: Profile, r: Profile, _inquiry: bool = True) -> str | None:
    """full, given, given_only (her surname differs), surname, close, disagree.

    A mother's surname that is her son's own (the family's, not her maiden name) says
    nothing his surname has not said: a namesake's mother bears it too. Nor does it
    disagree with a maiden name on the other side (a mother is written under either). It
    counts neither towards ``full`` nor against (her given name agreeing is then ``given``),
    nor as ``surname``.
    """
    family = {q.surname, r.surname}
    maiden = bool(q.mother_surname and r.mother_surname) and not (
        q.mother_surname in family or r.mother_surname in family
    )
    if q.mother_given and r.mother_given:
        level = name_ids_level(q.mother_given, r.mother_given)
        if level != "exact":
            return "close" if level in ("close", "initial") else "disagree"
        if maiden:
            return "full" if q.mother_surname == r.mother_surname else "given_only"
        return "given"
    if maiden and q.mother_surname == r.mother_surname:
        return "surname"
    return None


@lru_cache(maxsize=1 << 16)
def _bounds(text: str) -> tuple[date, date] | None:
    try:
        d: PartialDate = parse_partial_date(text)
    except InvalidInput:
        return None
    return d.earliest, d.latest


def capture_date(q: Profile, r: Profile, inquiry: bool = True) -> str | None:
    """Last seen against captured: consistent (at most two months before), earlier, after.

    Two registrations: consistent when the dates overlap, else ``earlier``.
    """
    if not q.captured_on or not r.captured_on:
        return None
    seen, captured = _bounds(q.captured_on), _bounds(r.captured_on)
    if seen is None or captured is None:
        return None
    if not inquiry:
        overlap = seen[0] <= captured[1] and captured[0] <= seen[1]
        return "consistent" if overlap else "earlier"
    if seen[0] > captured[1]:
        return "after"
    if (captured[0] - seen[1]).days <= _SEEN_BEFORE_CAPTURE_DAYS:
        return "consistent"
    return "earlier"


def capture_place(q: Profile, r: Profile, _inquiry: bool = True) -> str | None:
    """Where last seen against where captured: agree or disagree."""
    if not q.capture_place or not r.capture_place:
        return None
    return "agree" if q.capture_place == r.capture_place else "disagree"


#: (comparison, its levels strongest first, the function), in explanation order.
COMPARISONS: Final[tuple[tuple[str, tuple[str, ...], Comparator], ...]] = (
    ("surname", ("exact", "part", "typo", "close", "disagree"), surname),
    ("given_name", ("exact", "close", "initial", "disagree"), given_name),
    ("patronymic", ("exact", "close", "initial", "disagree"), patronymic),
    (
        "birth_date",
        ("exact", "swap", "year_off", "typo", "month", "year", "near", "disagree"),
        birth_date,
    ),
    ("service_number", ("exact", "digits", "typo", "disagree"), service_number),
    ("unit", ("exact", "number", "disagree"), unit),
    ("mother_name", ("full", "given", "given_only", "surname", "close", "disagree"), mother_name),
    ("capture_date", ("consistent", "earlier", "after"), capture_date),
    ("capture_place", ("agree", "disagree"), capture_place),
)
LEVELS: Final[dict[str, tuple[str, ...]]] = {name: levels for name, levels, _ in COMPARISONS}

#: Words for people: what each comparison looks at.
FIELD_LABELS: Final[dict[str, str]] = {
    "surname": "surname",
    "given_name": "given name",
    "patronymic": "patronymic",
    "birth_date": "birth date",
    "service_number": "service number",
    "unit": "unit",
    "mother_name": "mother's name",
    "capture_date": "date last seen / captured",
    "capture_place": "place last seen / captured",
}


def compare_all(q: Profile, r: Profile, *, inquiry: bool = True) -> tuple[str | None, ...]:
    """The level each comparison reaches, in :data:`COMPARISONS` order (None: missing)."""
    # Spelled out rather than looped over COMPARISONS: it runs for every candidate.
    return (
        surname(q, r, inquiry),
        given_name(q, r, inquiry),
        patronymic(q, r, inquiry),
        birth_date(q, r, inquiry),
        service_number(q, r, inquiry),
        unit(q, r, inquiry),
        mother_name(q, r, inquiry),
        capture_date(q, r, inquiry),
        capture_place(q, r, inquiry),
    )
