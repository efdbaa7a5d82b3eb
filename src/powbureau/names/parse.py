"""Splitting a free-text full name into surname, given name and patronymic."""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from .canon import to_cyrillic_words
from .keys import is_known_given, is_patronymic
from .typos import typo_given_ids

__all__ = ["FullName", "columns_swapped", "parse_full_name", "read_name_fields"]


@dataclass(frozen=True, slots=True)
class FullName:
    """A person's name split into parts, each as written in the input (or None).

    An initial is kept with its dot (``"Д."``) so callers can tell it from a name.
    """

    surname: str | None = None
    given_name: str | None = None
    patronymic: str | None = None


_S, _G, _P = "surname", "given_name", "patronymic"
_INITIALS_RE: Final = re.compile(r"^(?:[^\W\d_]\.){1,3}[^\W\d_]?$|^[^\W\d_]$")
_TOKEN_RE: Final = re.compile(r"[^\s,;]+")
# Prior for the order of the parts (official RU/UA order first).
_ORDER_PRIOR: Final[dict[tuple[str, ...], float]] = {
    (_S, _G, _P): 1.0,
    (_G, _P, _S): 0.6,
    (_S, _G): 0.5,
    (_G, _S): 0.5,
    (_G, _P): 0.3,
    (_S,): 0.2,
    (_G,): 0.0,
    (_P,): -1.0,
}


def _split_initials(token: str) -> list[str]:
    letters = [c for c in token if c != "."]
    return [c + "." for c in letters]


def _tokens(text: str) -> tuple[list[str], list[bool], int | None]:
    """Tokens, which are initials, and the index after which a comma stood."""
    text = unicodedata.normalize("NFC", text).strip()
    comma_after: int | None = None
    tokens: list[str] = []
    initials: list[bool] = []
    for m in _TOKEN_RE.finditer(text):
        tok = m.group().strip(".") if not _INITIALS_RE.match(m.group()) else m.group()
        if not tok:
            continue
        if _INITIALS_RE.match(tok):
            parts = _split_initials(tok)
            tokens += parts
            initials += [True] * len(parts)
        else:
            tokens.append(tok)
            initials.append(False)
        rest = text[m.end() :].lstrip(" ")
        if comma_after is None and rest.startswith(",") and len(tokens) == 1:
            comma_after = 0
    return tokens, initials, comma_after


def _role_score(tok: str, initial: bool, role: str, others_upper: bool) -> float:
    if initial:
        return {_S: -5.0, _G: 1.0, _P: 1.0}[role]
    suffix, known_patr = is_patronymic(tok)
    given = is_known_given(tok)
    if role == _G:
        return (3.0 if given else -1.0) - (2.0 if known_patr and not given else 0.0)
    if role == _P:
        return 4.0 if known_patr else 2.0 if suffix else -4.0
    score = 1.0 - (1.5 if given else 0.0) - (1.5 if known_patr else 0.0)
    if tok.isupper() and len(tok) > 1 and not others_upper:
        score += 1.5
    return score


def parse_full_name(text: str) -> FullName:
    """Best guess of surname, given name and patronymic in a free-text name.

    Handles "Дима Коваленко", "КОВАЛЕНКО Дмитрий Сергеевич", "Kovalenko Dmytro
    Serhiiovych", "Дмитрий Сергеевич Коваленко", "Коваленко Д.С.", "Kovalenko,
    Dmytro". Every order of the three parts is scored with the given-name
    dictionary, the patronymic suffixes and a prior for the usual orders; an
    all-capitals word among mixed-case ones and a word before a comma count as
    the surname. More than three words: the extra words join the surname, at the
    front or at the end, whichever scores better.

    Args:
        text: a full name as typed.

    Returns:
        A :class:`FullName`; parts not found are None, parts are as written.

    Examples:
        >>> parse_full_name("Дима Коваленко")
        FullName(surname='Коваленко', given_name='Дима', patronymic=None)
        >>> parse_full_name("Коваленко Д.С.")
        FullName(surname='Коваленко', given_name='Д.', patronymic='С.')
    """
    tokens, initials, comma_after = _tokens(text)
    if not tokens:
        return FullName()
    all_upper = all(t.isupper() for t, i in zip(tokens, initials, strict=True) if not i)
    best: tuple[float, tuple[str, ...], list[str]] | None = None
    for cand_tokens, cand_initials, joined in _groupings(tokens, initials):
        for roles in itertools.permutations((_S, _G, _P), len(cand_tokens)):
            if joined is not None and roles[joined] != _S:
                continue  # several words together can only be a (compound) surname
            score = _ORDER_PRIOR.get(roles, -0.5)
            for tok, ini, role in zip(cand_tokens, cand_initials, roles, strict=True):
                score += _role_score(tok, ini, role, all_upper)
            if comma_after is not None and roles[0] == _S:
                score += 3.0
            if _G in roles and _P in roles and roles.index(_P) != roles.index(_G) + 1:
                score -= 4.0  # a patronymic follows the given name
            if best is None or score > best[0]:
                best = (score, roles, cand_tokens)
    assert best is not None
    parts = dict(zip(best[1], best[2], strict=True))
    return FullName(parts.get(_S), parts.get(_G), parts.get(_P))


def _groupings(tokens: list[str], initials: list[bool]) -> list[tuple[list[str], list[bool], int | None]]:
    """Ways to see the words as at most three parts; the index of a joined part."""
    n = len(tokens)
    if n <= 3:
        return [(tokens, initials, None)]
    out: list[tuple[list[str], list[bool], int | None]] = []
    for k in (n - 2, n - 1):  # joined surname first: S G P, S G
        out.append(([" ".join(tokens[:k]), *tokens[k:]], [False, *initials[k:]], 0))
    for k in (2, 1):  # joined surname last: G P S, G S
        out.append(([*tokens[:k], " ".join(tokens[k:])], [*initials[:k], False], k))
    return out


#: Endings of the canonical form that only a surname has (-ов/-ев, -ин, -ский, -енко, -ук,
#: -ич, -ых): what the given-name field must show when the surname field is a given name
#: only with a typing error.
_SURNAME_ENDINGS: Final = ("ов", "ев", "ин", "ски", "нко", "ук", "ич", "их")
#: Endings of surnames that no given name of six letters or more has (Яков and Лев are shorter).
_STRONG_SURNAME_ENDINGS: Final = ("ов", "ев", "ова", "ева", "ски", "скаиа", "нко", "ук", "их")
_FEMININE_SURNAME_ENDINGS: Final = ("ова", "ева", "ина", "скаиа")


def _given_word(word: str) -> bool:
    """Whether a word of the given-name field reads as a given name, not a surname.

    A surname made from a given name is one letter from it (Павлов, Тихов, Калинин), and
    the tables list a few surnames among first names (Петров): with a surname's ending,
    such a word is a surname.
    """
    if is_known_given(word):
        return not (len(word) >= 6 and word.endswith(_STRONG_SURNAME_ENDINGS))
    return bool(typo_given_ids(word)) and not word.endswith(_SURNAME_ENDINGS + _FEMININE_SURNAME_ENDINGS)


def columns_swapped(surname: str | None, given_name: str | None) -> bool:
    """True when a form's surname and given-name fields look written into each other.

    The surname field holds one word that is a given name the tables know, and the
    given-name field words that are no given name, nor one typing error from one
    ("Никита" | "Кондратенко"), unless they end as only surnames do ("Алексей" | "Петров",
    "Daniil" | "Kirillov"). When the surname field's word is a given name only with a
    typing error ("Никоалй" | "Гришев", "Аттьяна" | "Захарова"), the given-name field must
    also be one word ending as only surnames do. A surname that is also a given name (Роман,
    Мирон) beside a given name the tables know is left as written.

    Examples:
        >>> columns_swapped("Никита", "Кондратенко"), columns_swapped("Кондратенко", "Никита")
        (True, False)
        >>> columns_swapped("Мирон", "Тарас"), columns_swapped("Nikita", "Kondratenko")
        (False, True)
        >>> columns_swapped("Никоалй", "Гришев"), columns_swapped("Данилов", "Шамсулла")
        (True, False)
        >>> columns_swapped("Алексей", "Петров"), columns_swapped("Роман", "Константин")
        (True, False)
    """
    surname_words = to_cyrillic_words(surname or "")
    words = to_cyrillic_words(given_name or "")
    if len(surname_words) != 1 or not words:
        return False
    if any(_given_word(w) for w in words):
        return False
    if is_known_given(surname_words[0]):
        return True
    return (
        bool(typo_given_ids(surname_words[0]))
        and len(words) == 1
        and words[0].endswith(_SURNAME_ENDINGS + _FEMININE_SURNAME_ENDINGS)
    )


def read_name_fields(surname: str | None, given_name: str | None, patronymic: str | None) -> FullName:
    """A form's three name fields, read as the name they hold.

    Families fill a form as they can. The whole name in one field ("Коваленко Дмитрий
    Сергеевич" | "" | "", or in the given-name field alone) is split as free text
    (:func:`parse_full_name`); a given name and patronymic written together in the
    given-name field ("Коваленко" | "Дмитрий Сергеевич" | "") are separated; a patronymic in
    the given-name field beside a given name in the patronymic field ("Сергеевич" |
    "Дмитрий") are put back; a surname and a given name written into each other's field are
    swapped (:func:`columns_swapped`). Anything else is kept as written.

    Examples:
        >>> read_name_fields("Коваленко Дмитрий Сергеевич", None, None)
        FullName(surname='Коваленко', given_name='Дмитрий', patronymic='Сергеевич')
        >>> read_name_fields("Коваленко", "Дмитрий Сергеевич", "")
        FullName(surname='Коваленко', given_name='Дмитрий', patronymic='Сергеевич')
        >>> read_name_fields("Коваленко", "Сергеевич", "Дмитрий")
        FullName(surname='Коваленко', given_name='Дмитрий', patronymic='Сергеевич')
        >>> read_name_fields("Римский-Корсаков", "Николай", None)
        FullName(surname='Римский-Корсаков', given_name='Николай', patronymic=None)
        >>> read_name_fields("Ван дер Берг", None, None)  # no given name and patronymic in it
        FullName(surname='Ван дер Берг', given_name=None, patronymic=None)
    """
    s, g, p = ((x or "").strip() or None for x in (surname, given_name, patronymic))
    if s and not g and len(s.split()) >= 2:
        s, g, p = _whole_name(s, p)
    elif g and not s and len(g.split()) >= 2:
        s, g, p = _whole_name(g, p)
    if (
        g
        and not p
        and len(words := g.split()) == 2
        and _patronymic_word(words[1])
        and not _patronymic_word(words[0])
    ):
        g, p = words
    if g and p and _patronymic_word(g) and not _patronymic_word(p) and is_known_given(p):
        g, p = p, g
    if columns_swapped(s, g):
        s, g = g, s
    return FullName(s, g, p)


def _whole_name(text: str, patronymic: str | None) -> tuple[str | None, str | None, str | None]:
    """One field's words as surname, given name and patronymic, when they read as a full name."""
    name = parse_full_name(text)
    if (
        not (name.surname and name.given_name)
        or (name.patronymic and (patronymic or not _patronymic_or_initial(name.patronymic)))
        or not (is_known_given(name.given_name) or _INITIALS_RE.match(name.given_name))
    ):
        return text, None, patronymic
    return name.surname, name.given_name, patronymic or name.patronymic


def _patronymic_or_initial(word: str) -> bool:
    return bool(_INITIALS_RE.match(word)) or _patronymic_word(word)


def _patronymic_word(word: str) -> bool:
    return " " not in word.strip() and is_patronymic(word)[0]
