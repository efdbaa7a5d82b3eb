"""How a clerk of one language writes a name of the other: Иванов -> Іванов, Дем'янчук -> Демьянчук.

Letter-by-letter spelling rules for surnames, places and rare given names; common given
names and patronymics go through the tables of names.py instead.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "female_patronymic",
    "feminine",
    "patronymic_ru_to_uk",
    "patronymic_uk_to_ru",
    "ru_to_uk",
    "uk_to_ru",
]

_WORD = re.compile(r"[^\W\d_]+(?:[ʼ'’][^\W\d_]+)*")
_RU_VOWELS = "аеёиоуыэюя"
_UK_VOWELS = "аеєиіїоуюя"
_APOS = "ʼ'’"


def _keep_case(src: str, out: str) -> str:
    if len(src) > 1 and src.isupper():
        return out.upper()
    return out[:1].upper() + out[1:] if src[:1].isupper() else out


def _ru_word_to_uk(w: str, given: bool) -> str:
    for ru, uk in (("ский", "ський"), ("цкий", "цький"), ("ской", "ський"), ("ый", "ий")):
        if w.endswith(ru):
            return _ru_word_to_uk(w[: -len(ru)], given) + uk
    tail = ""
    if w.endswith("ий"):
        w, tail = w[:-2], ("ій" if given else "ий")
    elif given and w.endswith("ей"):
        w, tail = w[:-2], "ій"
    out: list[str] = []
    for i, c in enumerate(w):
        prev = w[i - 1] if i else ""
        iotated = prev == "" or prev in _RU_VOWELS or prev in "ьъ"
        if c == "и" and prev == "ь":
            out.append("ї")  # Ильин -> Ільїн
        elif c == "и":
            out.append("ї" if prev and prev in _RU_VOWELS else "і")
        elif c == "ы":
            out.append("и")
        elif c == "э":
            out.append("е")
        elif c == "е":
            out.append("є" if iotated else "е")
        elif c == "ё":
            out.append("йо" if iotated else ("о" if prev in "жшчщ" else "ьо"))
        elif c == "ъ" or (c == "ь" and prev in "бпвмфр" and w[i + 1 : i + 2] in ("я", "ю", "е")):
            out.append("ʼ")  # Подъячев -> Подʼячев, Аверьянов -> Аверʼянов
        else:
            out.append(c)
    return "".join(out) + tail


def _uk_word_to_ru(w: str) -> str:
    for uk, ru in (
        ("ський", "ский"),
        ("цький", "цкий"),
        ("зький", "зкий"),
        ("ій", "ий"),
        ("ськ", "ск"),
        ("цьк", "цк"),
    ):
        if w.endswith(uk):
            return _uk_word_to_ru(w[: -len(uk)]) + ru
    out: list[str] = []
    for i, c in enumerate(w):
        prev = w[i - 1] if i else ""
        nxt = w[i + 1] if i + 1 < len(w) else ""
        if c == "і":
            out.append("и")
        elif c == "ї":
            out.append("йи" if prev == "" else "и")
        elif c == "є":
            out.append("е")
        elif c == "ґ":
            out.append("г")
        elif c in _APOS:
            out.append("ь")
        elif c == "ь" and nxt == "о":
            out.append("")  # Корольов -> Королев
        elif c == "о" and prev == "ь":
            out.append("е")
        else:
            out.append(c)
    return "".join(out)


@lru_cache(maxsize=100_000)
def ru_to_uk(text: str, given: bool = False) -> str:
    """Ukrainian spelling of a Russian-spelt name (`given`: -ий/-ей become -ій)."""
    return _WORD.sub(lambda m: _keep_case(m.group(0), _ru_word_to_uk(m.group(0).lower(), given)), text)


@lru_cache(maxsize=100_000)
def uk_to_ru(text: str) -> str:
    """Russian spelling of a Ukrainian-spelt name."""
    return _WORD.sub(lambda m: _keep_case(m.group(0), _uk_word_to_ru(m.group(0).lower())), text)


_FEM_RU = (
    ("ский", "ская"),
    ("цкий", "цкая"),
    ("ой", "ая"),
    ("ый", "ая"),
    ("ий", "ая"),
    ("ов", "ова"),
    ("ев", "ева"),
    ("ёв", "ёва"),
    ("ин", "ина"),
    ("ын", "ына"),
)
_FEM_UK = (
    ("ський", "ська"),
    ("цький", "цька"),
    ("зький", "зька"),
    ("ий", "а"),
    ("ов", "ова"),
    ("ев", "ева"),
    ("єв", "єва"),
    ("ін", "іна"),
    ("ин", "ина"),
    ("їн", "їна"),
)


@lru_cache(maxsize=100_000)
def feminine(surname: str, lang: str) -> str:
    """A woman's form of a man's surname: Іванов -> Іванова, Гаєвський -> Гаєвська."""
    low = surname.lower()
    for male, female in _FEM_RU if lang == "ru" else _FEM_UK:
        if low.endswith(male):
            return _keep_case(surname, low[: -len(male)] + female)
    return surname


_PATR_RU_UK = (
    ("еевич", "ійович"),
    ("аевич", "айович"),
    ("иевич", "ійович"),
    ("ьевич", "ьович"),
    ("евич", "ович"),
    ("ич", "ич"),
)
_PATR_UK_RU = (("ійович", "иевич"), ("айович", "аевич"), ("ьович", "ьевич"), ("ович", "ович"), ("іч", "ич"))


@lru_cache(maxsize=10_000)
def patronymic_ru_to_uk(p: str) -> str:
    """Ukrainian form of a Russian patronymic not in the tables: Авдеевич -> Авдійович."""
    for ru, uk in _PATR_RU_UK:
        if p.lower().endswith(ru):
            return ru_to_uk(p[: -len(ru)]) + _keep_case(p[-len(ru) :], uk)
    return ru_to_uk(p)


@lru_cache(maxsize=10_000)
def patronymic_uk_to_ru(p: str) -> str:
    """Russian form of a Ukrainian patronymic not in the tables: Аврелійович -> Аврелиевич."""
    for uk, ru in _PATR_UK_RU:
        if p.lower().endswith(uk):
            return uk_to_ru(p[: -len(uk)]) + _keep_case(p[-len(uk) :], ru)
    return uk_to_ru(p)


def female_patronymic(male: str, lang: str) -> str:
    """A daughter's patronymic from a son's: Сергеевич -> Сергеевна, Сергійович -> Сергіївна."""
    if lang == "ru":
        special = {"Ильич": "Ильинична", "Никитич": "Никитична", "Кузьмич": "Кузьминична"}
        if male in special:
            return special[male]
        return male[:-3] + "вна" if male.endswith("вич") else male
    if male == "Ілліч":
        return "Іллівна"
    for son, daughter in (("йович", "ївна"), ("льович", "лівна"), ("ович", "івна")):
        if male.endswith(son):
            return male[: -len(son)] + daughter
    return male
