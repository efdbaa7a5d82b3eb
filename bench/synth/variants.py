"""Hard cases: each is one small function that changes a draft row and says if it applied.

The rates live in the config dataclasses of inquiries.py and exchange.py, under the same
names as the functions here.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from . import render as r
from .identity import Man, pick

__all__ = [
    "DATE_VARIANTS",
    "NAME_VARIANTS",
    "Draft",
    "apply_variants",
    "choose_form",
    "one_letter_edit",
]

_RU = "абвгдежзийклмнопрстуфхцчшщыьэюя"
_UK = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"
_LATIN = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class Draft:
    """The names and birth date of one row, as the writer of the row has them so far."""

    form: str
    surname: str
    given: str
    patronymic: str
    birth_date: str
    tags: list[str] = field(default_factory=list)


def _alphabet(word: str) -> str:
    low = word.lower()
    if any("a" <= c <= "z" for c in low):
        return _LATIN
    return _UK if any(c in "іїєґ" for c in low) else _RU


def one_letter_edit(word: str, rng: random.Random) -> str:
    """The word with one letter changed, dropped or added (rarely the first letter)."""
    if len(word) < 3:
        return word
    alphabet = _alphabet(word)
    pos = 0 if rng.random() < 0.12 else rng.randrange(1, len(word))
    op = rng.random()
    for _ in range(10):
        letter = rng.choice(alphabet)
        if word[pos].isupper():
            letter = letter.upper()
        if op < 0.6:
            out = word[:pos] + letter + word[pos + 1 :]
        elif op < 0.8:
            out = word[:pos] + word[pos + 1 :]
        else:
            out = word[:pos] + letter + word[pos:]
        if out != word and out[:1].isalpha():
            return out
    return word


def diminutive(d: Draft, m: Man, rng: random.Random) -> bool:
    """Дима for Дмитрий, Саша for Олександр, in the row's language and script."""
    pet = r.diminutive(m, d.form, rng)
    if not pet:
        return False
    d.given = pet
    return True


def surname_typo(d: Draft, m: Man, rng: random.Random) -> bool:
    new = one_letter_edit(d.surname, rng)
    changed = new != d.surname
    d.surname = new
    return changed


def no_patronymic(d: Draft, m: Man, rng: random.Random) -> bool:
    if not d.patronymic:
        return False
    d.patronymic = ""
    return True


def upper_case(d: Draft, m: Man, rng: random.Random) -> bool:
    d.surname, d.given, d.patronymic = d.surname.upper(), d.given.upper(), d.patronymic.upper()
    return True


def surname_upper(d: Draft, m: Man, rng: random.Random) -> bool:
    """Only the surname in capitals, as on lists: ИВАНОВ Иван Иванович."""
    d.surname = d.surname.upper()
    return True


def birth_missing(d: Draft, m: Man, rng: random.Random) -> bool:
    d.birth_date = ""
    return True


def birth_year_only(d: Draft, m: Man, rng: random.Random) -> bool:
    d.birth_date = d.birth_date[:4]
    return True


def birth_year_month(d: Draft, m: Man, rng: random.Random) -> bool:
    d.birth_date = d.birth_date[:7]
    return True


def _valid(y: int, mo: int, dd: int) -> str:
    try:
        return date(y, mo, dd).isoformat()
    except ValueError:
        return ""


def birth_year_off(d: Draft, m: Man, rng: random.Random) -> bool:
    """The year one too many or too few."""
    y, mo, dd = (int(x) for x in d.birth_date.split("-"))
    y += rng.choice((-1, 1))
    d.birth_date = _valid(y, mo, dd) or _valid(y, mo, 28)
    return True


def birth_digit_typo(d: Draft, m: Man, rng: random.Random) -> bool:
    """One digit of the year (last two), month or day mistyped; still a valid date."""
    s = d.birth_date
    for _ in range(20):
        i = rng.choice((2, 3, 5, 6, 8, 9))
        digit = str(rng.randrange(10))
        if digit == s[i]:
            continue
        t = s[:i] + digit + s[i + 1 :]
        y, mo, dd = (int(x) for x in t.split("-"))
        if 1940 <= y <= 2010 and _valid(y, mo, dd):
            d.birth_date = t
            return True
    return birth_year_off(d, m, rng)


def birth_day_month_swap(d: Draft, m: Man, rng: random.Random) -> bool:
    """1994-03-07 written as 1994-07-03; only possible when the day is 12 or less."""
    y, mo, dd = d.birth_date.split("-")
    if int(dd) > 12 or dd == mo:
        return False
    d.birth_date = f"{y}-{dd}-{mo}"
    return True


Variant = Callable[[Draft, Man, random.Random], bool]
# applied in this order, each independently at its own rate
NAME_VARIANTS: tuple[tuple[str, Variant], ...] = (
    ("diminutive", diminutive),
    ("surname_typo", surname_typo),
    ("no_patronymic", no_patronymic),
    ("upper_case", upper_case),
    ("surname_upper", surname_upper),
)
# at most one of these per row (rates add up), on a full birth date
DATE_VARIANTS: tuple[tuple[str, Variant], ...] = (
    ("birth_missing", birth_missing),
    ("birth_year_only", birth_year_only),
    ("birth_year_month", birth_year_month),
    ("birth_year_off", birth_year_off),
    ("birth_digit_typo", birth_digit_typo),
)


def apply_variants(d: Draft, m: Man, rng: random.Random, rates: Mapping[str, float]) -> None:
    """Apply each hard case at its rate (a name absent from `rates` is never applied)."""
    for name, fn in NAME_VARIANTS:
        if rng.random() < rates.get(name, 0.0) and fn(d, m, rng):
            d.tags.append(name)
    u = rng.random()
    acc = 0.0
    if len(d.birth_date) == 10:
        for name, fn in DATE_VARIANTS:
            acc += rates.get(name, 0.0)
            if u < acc:
                if fn(d, m, rng):
                    d.tags.append(name)
                break
        else:  # the swap's rate is among the dates where it can happen (day <= 12)
            swap = rates.get("birth_day_month_swap", 0.0)
            _, mo, dd = d.birth_date.split("-")
            if int(dd) <= 12 and dd != mo and rng.random() < swap:
                birth_day_month_swap(d, m, rng)
                d.tags.append("birth_day_month_swap")


def choose_form(
    rng: random.Random, registry_form: str, other_rate: float, weights: tuple[tuple[str, float], ...]
) -> str:
    """The registry row's form, or with `other_rate` another one drawn from `weights`."""
    base = "ru_cyr" if registry_form == "ru_cyr_upper" else registry_form
    if rng.random() >= other_rate:
        return base
    table = [(f, w) for f, w in weights if f != base]
    cw: list[float] = []
    for _, w in table:
        cw.append((cw[-1] if cw else 0.0) + w)
    return table[pick(rng, cw)][0]
