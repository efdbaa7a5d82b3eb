"""Surnames written the German (Duden) way: when a name could be, and its other readings.

Duden writes з and с alike as ``s`` (Russian с between vowels as ``ss``, Ukrainian not),
ж and ш alike as ``sch`` (its Ukrainian table ж as ``sh``), ц as ``z``, х as ``ch``, ч as
``tsch``, в as ``w`` and й as ``j``. Without a strong German marker (``tsch``, ``tz``, umlauts) the reader
of :mod:`.translit` takes ``s`` as с, ``z`` as з and ``sch`` as ш, so Koslow reads Кослов.
A given name has a dictionary to tell which reading is a name; a surname has none, so a
name that could be German keeps its German readings as alternatives (``keys.py``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import product
from typing import Final

from .translit import _BASE, _SEPARATORS, GERMAN, WMODE, _clean, _digraph, _single, _token_re

__all__ = ["DUDEN", "could_be_duden", "german_readings"]

#: Flag (with those of :mod:`.translit`): the whole name could be a Duden spelling.
DUDEN: Final = 512

#: What a Duden spelling never writes: v q, c outside ch, kh zh, a y glide (ya, yu, y at the
#: start), iy yy ii, French ou (Duden writes ы as y, й as j, х as ch, ж as sch or sh).
_NOT_DUDEN_RE: Final = re.compile(r"[vq]|c(?!h)|kh|zh|y[aeiouy]|\by|iy|ii|ou")
_DUDEN_MARK_RE: Final = re.compile(r"[wjz]|sch|ss|ch")
_LATIN_RE: Final = re.compile(r"[A-Za-z\u00c0-\u024f]")
_DUDEN_LETTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyzäöüß")
_VOWELS: Final = frozenset("aeiouyäöü")
#: At most this many readings of one word (2 ** 3: three ambiguous s or sch vary).
_MAX_READINGS: Final = 8
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


@lru_cache(maxsize=1 << 14)
def german_readings(word: str) -> tuple[str, ...]:
    """Every raw Cyrillic reading of one lowercase Latin word written the Duden way.

    ``ss`` is с; a single ``s`` is с or з (Russian Duden writes с between vowels ``ss``,
    its Ukrainian table ``s``: Lyssenko, Lysenko); ``sch`` is ш or ж; ``z`` is ц, ``ch``
    х, ``sh`` ж; the other letters read as :func:`.translit.read_latin_word` reads them.
    At most :data:`_MAX_READINGS` readings, in a fixed order (the first three ambiguous
    letters vary, later ones keep their first reading, с or ш).

    Examples:
        >>> german_readings("koslow")
        ('кослов', 'козлов')
        >>> german_readings("saporoschez")
        ('сапорошец', 'сапорожец', 'запорошец', 'запорожец')
    """
    w = _clean(word)
    flags = GERMAN | WMODE
    choices: list[tuple[str, ...]] = []
    ambiguous = 0
    for m in _token_re(0).finditer(w):
        tok, i = m.group(), m.start()
        options: tuple[str, ...]
        if tok == "sch":
            options = ("ш", "ж")
        elif tok == "s":
            prev, nxt = (w[i - 1] if i else ""), w[i + 1 : i + 2]
            options = ("с",) if "s" in (prev, nxt) else ("с", "з")
        elif len(tok) > 1:
            special = _digraph(tok, flags)
            options = (_BASE[tok] if special is None else special,)
        elif "a" <= tok <= "z":
            options = (_single(tok, w, i, flags),)
        else:
            options = ("ь",) if tok in _SEPARATORS else (_BASE.get(tok, tok),)
        if len(options) > 1:
            ambiguous += 1
            if 1 << ambiguous > _MAX_READINGS:
                options = options[:1]
        choices.append(options)
    return tuple("".join(parts) for parts in product(*choices))
