"""Reading Latin transliterations of Russian and Ukrainian names back into Cyrillic.

One greedy longest-match reader covers every scheme in use (see ``docs/names.md``).
The schemes disagree about a handful of Latin letters (``h``, ``ch``, ``j``, ``c``,
``x``, ``sh``, ``z``); which reading applies is decided from *markers* found anywhere
in the text (a whole name is almost always written in one scheme):

* ``iso``: a letter with a háček, circumflex or grave (ISO 9, GOST 7.79, scientific, WWS),
  or GOST 7.0.34 / ISO 9 system B markers (``shh``, doubled apostrophes or backticks):
  ``h``/``x`` are х and ``c`` is ц, unless the text also has ``x`` (then ``h`` is г) or
  ``ch`` next to č/š/ž (Czech-style scientific Ukrainian: ``ch`` is х, ``h`` is г).
  With an ISO 9 letter in the text, ASCII digraphs are two letters (zh з+х, th т+х).
  Primes (ʹ) and breves (ĭ, ȳ) alone do not count: ALA-LC and BS write them too, with
  ``kh``/``ch`` digraphs and h for Ukrainian г.
* ``french`` (never with ``iso``): ``tch``, ``jou``, ``gue``/``gui`` (Sergueï), a final
  ``aï``/``eï``/``oï`` (Nikolaï), or ``j`` with a word ending in ``-ine``/``-yne``: ``ch`` is
  ш, ``j`` is ж, ``gu`` before e/i is г, ``-ine`` is -ин (``ou`` is read as оу, which the
  fold turns into у: Iouri = Юрий, Bilous = Білоус).
* ``german``: ``tsch``/``tz``/``ß``/umlauts: ``ch`` is х, ``z`` is ц, ``sh`` is ж (Duden);
  ``sch`` alone is no marker (informal English writes it for щ). A given name no table
  knows is read again with ``s`` before a vowel as з and ``sch`` as ж (Nasar, Baschen).
* ``polish``: ``sz``/``cz`` or Polish letters: ``ch`` is х, ``rz`` is ж, ``c`` is ц.
* ``w`` alone (German or Polish without a stronger marker): ``ch`` is х, ``sh`` is ж.

A ``j`` between two consonants or after a consonant at the end is ь (DSTU 9112:2021
writes ``sjk``, ``lj``).

Diacritic letters are mapped to their own Cyrillic source *before* anything else;
accents are stripped only from letters no scheme defines (a last resort).

The output is raw Cyrillic (it may contain я, ю, ё, й, ь, щ ...): ``canon.fold_word``
turns it into the canonical comparison form.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Final

__all__ = ["has_latin", "read_latin_word", "text_flags"]

# Flags (bit set) describing which scheme family the text looks like.
ISO: Final = 1
ISO_CH: Final = 2
ISO_HG: Final = 64
ISO_CARON: Final = 128
FRENCH: Final = 4
GERMAN: Final = 8
POLISH: Final = 16
WMODE: Final = 32
GERMAN_VOICED: Final = 256

_SEPARATORS: Final = "'’ʹ′ʺ″`”“´ʼ·\"ʻ‘"

# Letters that only scholarly (ISO 9 / scientific / ALA-LC / BS) schemes use.
_ISO_MARKS: Final = frozenset("čšžŝûâìèėğǧřǎ")
_CARON_MARKS: Final = frozenset("čšž")
_STRICT_ISO_MARKS: Final = frozenset("čšžŝûâèìǎř")
_POLISH_MARKS: Final = frozenset("łżśćńźąęó")
_GERMAN_MARKS: Final = frozenset("ßäöü")

_BASE: Final[dict[str, str]] = {
    # single ASCII letters (c, h, x, j, z, s are context-dependent, see _read)
    "a": "а",
    "b": "б",
    "d": "д",
    "e": "е",
    "f": "ф",
    "g": "г",
    "i": "и",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "q": "к",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "v": "в",
    "w": "в",
    "y": "и",
    "z": "з",
    # digraphs and longer sequences
    "kh": "х",
    "zh": "ж",
    "sh": "ш",
    "ch": "ч",
    "shch": "щ",
    "sch": "ш",
    "shh": "щ",
    "schtsch": "щ",
    "chtch": "щ",
    "szcz": "щ",
    "sz": "ш",
    "cz": "ч",
    "tsch": "ч",
    "tch": "ч",
    "ts": "ц",
    "tc": "ц",
    "tz": "ц",
    "dzh": "дж",
    "dž": "дж",
    "zgh": "зг",
    "gh": "г",
    "ph": "ф",
    "th": "т",
    "ck": "к",
    # letters with diacritics: each to its Cyrillic source, never stripped first
    "č": "ч",
    "š": "ш",
    "ž": "ж",
    "ŝ": "щ",
    "û": "ю",
    "â": "я",
    "ĭ": "й",
    "ǐ": "й",
    "ì": "і",
    "ï": "ї",
    "ê": "є",
    "ë": "ё",
    "è": "э",
    "é": "э",
    "ė": "э",
    "ě": "е",
    "ȳ": "ы",
    "ý": "ы",
    "ğ": "г",
    "ǧ": "г",
    "ł": "л",
    "ń": "нь",
    "ś": "сь",
    "ć": "ць",
    "ź": "зь",
    "ż": "ж",
    "ó": "о",
    "ą": "он",
    "ę": "ен",
    "ř": "рж",
    "ů": "у",
    "ú": "у",
    "í": "и",
    "á": "а",
    "ä": "е",
    "ö": "ё",
    "ü": "ю",
    "ß": "сс",
    "ô": "о",
    "ŭ": "у",
    "ǎ": "а",
    "à": "а",
    "ò": "о",
    "ù": "у",
    "î": "и",
}
# token lengths to try for each first letter, longest first
_LENGTHS: Final[dict[str, tuple[int, ...]]] = {
    first: tuple(sorted({len(k) for k in _BASE if k[0] == first} | {1}, reverse=True))
    for first in {k[0] for k in _BASE} | set("abcdefghijklmnopqrstuvwxyz")
}
_FRENCH_END_RE: Final = re.compile(r"[iy]ne\b")
#: French alone: Sergueï, Gueorgui, Nikolaï (no Ukrainian аї, еї, ої at the end); -guev is -гуев.
_FRENCH_ALONE_RE: Final = re.compile(r"gu(?:e(?!va?\b)|i)|[aeo]ï\b")
_LATIN_RE: Final = re.compile(r"[A-Za-z\u00c0-\u024f]")
_SOFT_AFTER_C: Final = frozenset("eiyjéèëêïìíîěý" + _SEPARATORS)
_CONSONANTS: Final = frozenset("bcdfghklmnpqrstvwxzčšžŝłńśćźżřğ")
_TS_ENDINGS: Final = frozenset(("ov", "ova", "ow", "owa"))


def has_latin(word: str) -> bool:
    """Return True if ``word`` contains at least one Latin letter."""
    return _LATIN_RE.search(word) is not None


def text_flags(text: str) -> int:
    """Scheme markers found in a whole (lowercase) text; see the module docstring."""
    flags = 0
    chars = set(text)
    if chars & _ISO_MARKS or "shh" in text or "''" in text or "``" in text:
        flags |= ISO
        if chars & _STRICT_ISO_MARKS:
            flags |= ISO_CARON  # ISO 9 letters; not ALA-LC's ė, not 7.0.34's shh/
        if "ch" in text and chars & _CARON_MARKS:
            flags |= ISO_CH | ISO_HG
        if "x" in chars:
            flags |= ISO_HG
    if not flags & ISO and (
        ("tch" in text and "tsch" not in text)
        or "jou" in text
        or ("ou" in text and (text.endswith("ine") or "gue" in text or "gui" in text))
        or ("j" in chars and _FRENCH_END_RE.search(text) is not None)
        or _FRENCH_ALONE_RE.search(text) is not None
    ):
        flags |= FRENCH
    if chars & _GERMAN_MARKS or "tsch" in text or "tz" in text:
        flags |= GERMAN
    if chars & _POLISH_MARKS or "sz" in text or "cz" in text:
        flags |= POLISH
    if "w" in chars:
        flags |= WMODE
    return flags


def _clean(word: str) -> str:
    """Keep letters the reader knows; strip accents only from unknown letters."""
    out: list[str] = []
    for ch in word:
        if ch in _BASE or ch in _SEPARATORS or "a" <= ch <= "z":
            out.append(ch)
            continue
        if unicodedata.combining(ch):
            continue  # stray combining marks (ALA-LC tie bars, UA ISO 9 g-grave)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base and all(c in _BASE or "a" <= c <= "z" for c in base):
            out.append(base)
        elif "\u0400" <= ch <= "\u04ff":
            out.append(ch)  # a Cyrillic letter left inside a Latin word
    return "".join(out)


def _single(ch: str, word: str, i: int, flags: int) -> str:
    """Context-dependent reading of one ASCII letter."""
    nxt = word[i + 1] if i + 1 < len(word) else ""
    if ch == "c":
        if flags & (ISO | POLISH) or not nxt or nxt in _SOFT_AFTER_C:
            return "ц"
        return "ц" if word[i + 1 :] in _TS_ENDINGS else "к"  # Kuznecov, Zajcova
    if ch == "h":
        return "х" if flags & ISO and not flags & ISO_HG else "г"
    if ch == "x":
        return "х" if flags & ISO or "`" in word else "кс"
    if ch == "j":
        if flags & FRENCH:
            return "ж"
        if i and word[i - 1] in _CONSONANTS and (not nxt or nxt in _CONSONANTS):
            return "ь"  # DSTU 9112: Zghursjkyj, Kovalj
        return "й"
    if ch == "z":
        return "ц" if flags & GERMAN and not flags & POLISH else "з"
    if ch == "s" and flags & GERMAN_VOICED and nxt and nxt in "aeiouy" and (not i or word[i - 1] in "aeiouy"):
        return "з"
    return _BASE[ch]


def _digraph(seq: str, flags: int) -> str | None:
    """Scheme-dependent readings of digraphs; None means 'use the base table'."""
    if seq == "sch" and flags & GERMAN_VOICED:
        return "ж"
    if seq == "ch":
        if flags & FRENCH:
            return "ш"
        if flags & (GERMAN | POLISH | WMODE | ISO_CH):
            return "х"
    elif seq == "sh" and flags & (GERMAN | WMODE) and not flags & POLISH:
        return "ж"
    elif seq in _DIGRAPH_ONLY:  # tokens that exist only in their scheme's tokenizer
        return _DIGRAPH_ONLY[seq]
    return None


_DIGRAPH_ONLY: Final = {"gu": "г", "rz": "ж"}


_TOKEN_FLAGS: Final = FRENCH | POLISH | ISO | ISO_CARON | ISO_CH


@cache
def _token_re(flags: int) -> re.Pattern[str]:
    """Greedy longest-match tokenizer for the multi-letter tokens of a scheme family."""
    tokens = {k for k in _BASE if len(k) > 1}
    if flags & (ISO | POLISH):
        tokens.discard("ck")  # c is ц there: Vackivska
    if flags & ISO_CARON:  # one Latin letter per Cyrillic one: Bezhlebnaâ, Thorovskaâ
        tokens = {t for t in tokens if not t.isascii() or (t == "ch" and flags & ISO_CH)}
    extra = []
    if flags & FRENCH:
        extra.append("gu(?=[eiy])")
    if flags & POLISH:
        tokens.add("rz")
    alternatives = [re.escape(t) for t in sorted(tokens, key=len, reverse=True)]
    return re.compile("|".join([*alternatives, *extra, "."]), re.DOTALL)


@lru_cache(maxsize=1 << 15)
def read_latin_word(word: str, flags: int) -> str:
    """Read one lowercase Latin word (NFC) into raw Cyrillic.

    Args:
        word: one lowercase word, Latin letters possibly with diacritics.
        flags: scheme markers of the whole text, from :func:`text_flags`.

    Returns:
        Raw Cyrillic; apostrophes and primes come back as ``ь``.

    Examples:
        >>> read_latin_word("shchukin", 0)
        'щукин'
        >>> read_latin_word("ûrij", text_flags("ûrij"))
        'юрий'
    """
    w = _clean(word)
    if flags & FRENCH and w.endswith("ine") and len(w) > 4:
        w = w[:-1]  # Chtchoukine, Poutine: French -ine is -ин
    out: list[str] = []
    for m in _token_re(flags & _TOKEN_FLAGS).finditer(w):
        tok = m.group()
        if len(tok) > 1:
            special = _digraph(tok, flags)
            out.append(_BASE[tok] if special is None else special)
        elif "a" <= tok <= "z":
            out.append(_single(tok, w, m.start(), flags))
        elif tok in _SEPARATORS:
            out.append("ь")
        else:
            out.append(_BASE.get(tok, tok))  # diacritic letter, or a Cyrillic one kept
    return "".join(out)
