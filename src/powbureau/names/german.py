"""Surnames written the German (Duden) way: when a name could be, and its other readings.

Duden writes з and с alike as ``s`` (Russian с between vowels as ``ss``, Ukrainian not),
ж and ш alike as ``sch`` (its Ukrainian table ж as ``sh``), ц as ``z``, х as ``ch``, ч as
``tsch``, в as ``w`` and й as ``j``. Without a strong German marker (``tsch``, ``tz``, umlauts) the reader
of :mod:`.translit` takes ``s`` as с, ``z`` as з and ``sch`` as ш, so Koslow reads Кослов.
A given name has a dictionary to tell which reading is a name; a surname has none, so a
name that could be German keeps its German readings as alternatives (``keys.py``): the most
plausible few, letters that run together included (Beschlebnaja is Бешлебная and Бесхлебная).
"""

from __future__ import annotations

import heapq
import re
from functools import lru_cache
from typing import Final

from .translit import _BASE, _SEPARATORS, GERMAN, WMODE, _clean, _digraph, _single, _token_re

__all__ = ["DUDEN", "MAX_GERMAN_KEYS", "could_be_duden", "german_readings"]

#: Flag (with those of :mod:`.translit`): the whole name could be a Duden spelling.
DUDEN: Final = 512

#: What a Duden spelling never writes: v q, c outside ch, kh zh, a y glide (ya, yu, y at the
#: start), iy yy ii, French ou (Duden writes ы as y, й as j, х as ch, ж as sch or sh).
_NOT_DUDEN_RE: Final = re.compile(r"[vq]|c(?!h)|kh|zh|y[aeiouy]|\by|iy|ii|ou")
_DUDEN_MARK_RE: Final = re.compile(r"[wjz]|sch|ss|ch")
_LATIN_RE: Final = re.compile(r"[A-Za-z\u00c0-\u024f]")
_DUDEN_LETTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyzäöüß")
_VOWELS: Final = frozenset("aeiouyäöü")
_OTHER_SCHEMES: Final = 1 | 4 | 16  # translit.ISO, FRENCH, POLISH


def could_be_duden(text: str, flags: int) -> bool:
    """True if the whole lowercase name ``text`` could be a Duden spelling.

    No letter that scheme never writes (v, q, c outside ch, kh, zh, a y glide, ii, ou,
    accents other than the umlauts), no French, Polish or ISO marker (``flags`` from
    :func:`.translit.text_flags`), and one of w, j, z, sch, ss, ch.

    Examples:
        >>> could_be_duden("koslow andrej", 32), could_be_duden("kozlov andrei", 0)
        (True, False)
    """
    if flags & _OTHER_SCHEMES:
        return False
    if any(c not in _DUDEN_LETTERS for c in set(text) if _LATIN_RE.match(c)):
        return False
    return _NOT_DUDEN_RE.search(text) is None and _DUDEN_MARK_RE.search(text) is not None


#: A letter group's readings, most plausible first, each with what it costs to take it:
#: the readings of a word are taken cheapest first (:func:`german_readings`). Duden writes
#: ш and ж as ``sch``, с and з as ``s``, х as ``ch``, ч as ``tsch``, so letters that meet
#: run together: с+х and з+х are ``sch`` (Бесхлебная = Beschlebnaja), т+ш is ``tsch``,
#: з+с before a consonant ``ss`` (Безсмертная = Bessmertnaja), з+ж and с+ш ``ssch``.
_S: Final = (("с", 0), ("з", 1))
#: Before a voiceless consonant Russian writes с (бесконечный, расписка), not з; Ukrainian
#: and a few roots keep з (Безкровна, Слизкий): possible, but less plausible.
_S_BEFORE_VOICELESS: Final = (("с", 0), ("з", 2))
_VOICELESS: Final = frozenset("kptfcz")
_SCH: Final = (("ш", 0), ("ж", 1))
#: After d, Duden's sch is ж first: дж is ``dsch`` (Джугашвили = Dschugaschwili).
_DSCH: Final = (("ж", 0), ("ш", 1))
_SCH_INSIDE: Final = (*_SCH, ("сх", 3), ("зх", 4))
_TSCH_INSIDE: Final = (("ч", 0), ("тш", 3))
_SS_BEFORE_CONSONANT: Final = (("сс", 0), ("зс", 2))
#: At most this many other keys per surname (``keys.german_surname_keys``, the cheapest
#: readings' first): each is a stored key of every registration that has it and a key every
#: inquiry asks for, so the set stays small.
MAX_GERMAN_KEYS: Final = 4
#: At most this many raw readings of one word are made, cheapest first.
_MAX_READINGS: Final = 16
_GERMAN_TOKENS: Final = re.compile("ss(?!ch)|" + _token_re(0).pattern, re.DOTALL)


@lru_cache(maxsize=1 << 14)
def german_readings(word: str, limit: int = _MAX_READINGS) -> tuple[str, ...]:
    """Raw Cyrillic readings of one lowercase Latin word written the Duden way, cheapest first.

    ``ss`` is с (Russian Duden writes с between vowels ``ss``), or з+с before a consonant;
    a single ``s`` is с or з (its Ukrainian table writes с ``s``: Lyssenko, Lysenko), and so
    is an ``s`` before ``sch`` (Доезжак = Dojesschak); ``sch`` is ш or ж, inside a word also
    с+х or з+х (Исхаков = Ischakow); ``tsch`` is ч, inside a word also т+ш; ``z`` is ц,
    ``ch`` х, ``sh`` ж; the other letters read as :func:`.translit.read_latin_word` reads
    them. A reading costs the sum of its letters' costs (з, ж: 1; з+с: 2; с+х, т+ш: 3;
    з+х: 4); readings are made cheapest first, ties in the order of the letters' choices,
    at most ``limit`` of them: the same word always gives the same readings.

    Examples:
        >>> german_readings("koslow")
        ('кослов', 'козлов')
        >>> german_readings("saporoschez")[:4]
        ('сапорошец', 'сапорожец', 'запорошец', 'запорожец')
        >>> german_readings("ischakow")
        ('ишаков', 'ижаков', 'исхаков', 'изхаков')
    """
    w = _clean(word)
    flags = GERMAN | WMODE
    choices: list[tuple[tuple[str, int], ...]] = []
    for m in _GERMAN_TOKENS.finditer(w):
        tok, i, end = m.group(), m.start(), m.end()
        prev, nxt = (w[i - 1] if i else ""), w[end : end + 1]
        inside = bool(prev) and bool(nxt)
        options: tuple[tuple[str, int], ...]
        if tok == "sch":
            options = _DSCH if prev == "d" else _SCH_INSIDE if inside else _SCH
        elif tok == "tsch":
            options = _TSCH_INSIDE if inside else (("ч", 0),)
        elif tok == "ss":
            options = _SS_BEFORE_CONSONANT if nxt and nxt not in _VOWELS else (("сс", 0),)
        elif tok == "s":
            if w.startswith("sch", end) or "s" not in (prev, nxt):
                options = _S_BEFORE_VOICELESS if nxt in _VOICELESS and nxt else _S
            else:
                options = (("с", 0),)
        elif len(tok) > 1:
            special = _digraph(tok, flags)
            options = ((_BASE[tok] if special is None else special, 0),)
        elif "a" <= tok <= "z":
            options = ((_single(tok, w, i, flags), 0),)
        else:
            options = (("ь" if tok in _SEPARATORS else _BASE.get(tok, tok), 0),)
        choices.append(options)
    return tuple("".join(choices[k][j][0] for k, j in enumerate(pick)) for pick in _cheapest(choices, limit))


def _cheapest(choices: list[tuple[tuple[str, int], ...]], limit: int) -> list[tuple[int, ...]]:
    """The ``limit`` cheapest picks (one option index per letter group), cheapest first and,
    at equal cost, in the order of the picks; a best-first walk, so a long word with many
    ambiguous letters costs ``limit`` steps, never every combination."""
    start = (0,) * len(choices)
    heap: list[tuple[int, tuple[int, ...]]] = [(0, start)]
    seen = {start}
    out: list[tuple[int, ...]] = []
    while heap and len(out) < limit:
        cost, pick = heapq.heappop(heap)
        out.append(pick)
        for k, j in enumerate(pick):
            if j + 1 < len(choices[k]):
                nxt = (*pick[:k], j + 1, *pick[k + 1 :])
                if nxt not in seen:
                    seen.add(nxt)
                    step = choices[k][j + 1][1] - choices[k][j][1]
                    heapq.heappush(heap, (cost + step, nxt))
    return out
