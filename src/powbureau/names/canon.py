"""The canonical Cyrillic comparison form shared by every key.

``fold_word`` maps any Russian or Ukrainian Cyrillic spelling (or the raw Cyrillic
read back from Latin by :mod:`.translit`) to one reduced alphabet::

    а б в г д е ж з и к л м н о п р с т у ф х ц ч ш

* і ї ы й и → и, and runs of и collapse (Юрий, Yurii, Yuriy, Jurij → иури);
* е э є ё → е; я ю є ї are split into a glide и plus vowel (Яготин → иаготин);
* е at the start of a word or after a vowel carries the glide too
  (Евгений = Yevgeniy, Сергеевич = Sergeyevich);
* a glide before о is a glide before е (ё spelled yo/io/jo meets ё spelled e), and a
  glide before е after a consonant is dropped, so ь/й/ё spellings meet
  (Ковалёв = Ковальов = Kovalyov = Kovalev → ковалев; Васильев = Vasilev);
* ь ъ and apostrophes are dropped (after producing the glide before a vowel);
* ґ → г, щ → ш, шч/сч → ш, тч → ч, тс/тц → ц, оу → у (French ou: Joukov, Iouri), doubled
  letters collapse (Геннадий = Henadii).

This is a comparison form, not a display form: keep the original for display.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import groupby
from typing import Final

from .script import repair_homoglyphs, split_words
from .translit import has_latin, read_latin_word, text_flags

__all__ = ["fold_word", "to_cyrillic", "to_cyrillic_words"]

_APOSTROPHES: Final = "'’ʼ`´ʹ′"
_TRANS: Final = str.maketrans(
    {
        "ґ": "г",
        "э": "е",
        "ы": "и",
        "і": "и",
        "щ": "ш",
        "ъ": "ь",
        "ё": "е",
        "я": "йа",
        "ю": "йу",
        "є": "йе",
        "ї": "йи",
        "ў": "в",
        "ј": "й",
        **dict.fromkeys(_APOSTROPHES, "ь"),
    }
)
_KEEP_RE: Final = re.compile(r"[^абвгдежзийклмнопрстуфхцчшь]+")
_SOFT_SIGN_GLIDE_RE: Final = re.compile(r"ь(?=[аеиоу])")
_IOTATED_E_RE: Final = re.compile(r"(?<![^аеиоу])е")
_CLUSTERS_RE: Final = re.compile(r"тс|тц|шч|сч|тч|оу")
_CLUSTERS: Final = {"тс": "ц", "тц": "ц", "шч": "ш", "сч": "ш", "тч": "ч", "оу": "у"}
_GLIDE_AFTER_CONSONANT_RE: Final = re.compile(r"([бвгджзклмнпрстфхцчш])ие")


@lru_cache(maxsize=1 << 16)
def fold_word(raw: str) -> str:
    """Fold one lowercase Cyrillic word to the canonical comparison alphabet.

    Args:
        raw: one lowercase word in Cyrillic (Russian, Ukrainian, or the output of
            :func:`.translit.read_latin_word`).

    Returns:
        The folded word; empty if it had no Cyrillic letters.

    Examples:
        >>> fold_word("ковальов"), fold_word("ковалёв")
        ('ковалев', 'ковалев')
        >>> fold_word("бугульмскій")
        'бугулмски'
    """
    s = unicodedata.normalize("NFC", raw).translate(_TRANS)
    s = _KEEP_RE.sub("", s)
    if not s:
        return ""
    if "ь" in s:
        s = _SOFT_SIGN_GLIDE_RE.sub("й", s).replace("ь", "")
    if "иее" in s:
        s = s.replace("иее", "ие")  # ICAO writes ъ as ie: Razieezdnoi
    s = _IOTATED_E_RE.sub("йе", s).replace("й", "и")
    if _CLUSTERS_RE.search(s):
        s = _CLUSTERS_RE.sub(lambda m: _CLUSTERS[m.group()], s)
    s = _undouble(s)
    while _CLUSTERS_RE.search(s):  # to a fixed point, so that folding twice changes nothing: ооу
        s = _undouble(_CLUSTERS_RE.sub(lambda m: _CLUSTERS[m.group()], s))
    if "ио" in s:
        s = s.replace("ио", "ие")  # ё written yo/io/jo and е meet (Клеёнкина = Kleyonkina)
    if _GLIDE_AFTER_CONSONANT_RE.search(s):
        s = _undouble(_GLIDE_AFTER_CONSONANT_RE.sub(_glide_repl, s))
    if s.endswith("ине") and len(s) > 4:
        # French -ine (Eltsine, Vasine) = -ин; Cyrillic -ине is rare in names. Last, so that
        # folding twice changes nothing (ио and the glide can make an -ине: EIN`O).
        s = s[:-1]
    return s


def _glide_repl(m: re.Match[str]) -> str:
    return m.group(1) + "е"


def _undouble(s: str) -> str:
    """Collapse runs of one letter (нн -> н, ии -> и)."""
    return "".join(ch for ch, _ in groupby(s))


@lru_cache(maxsize=1 << 16)
def to_cyrillic_words(text: str, extra_flags: int = 0) -> tuple[str, ...]:
    """Like :func:`to_cyrillic`, but the words as a tuple (empty words dropped).

    ``extra_flags`` forces scheme readings (see :mod:`.translit`) on top of the
    markers found in the text; used to try a second reading of an unknown name.
    """
    words = [repair_homoglyphs(w).lower() for w in split_words(text)]
    flags = -1
    out: list[str] = []
    for word in words:
        if has_latin(word):
            if flags < 0:
                flags = text_flags(" ".join(words)) | extra_flags
            word = read_latin_word(word, flags)
        folded = fold_word(word)
        if folded:
            out.append(folded)
    return tuple(out)


def to_cyrillic(text: str) -> str:
    """Read a name in any script or scheme into the one canonical Cyrillic form.

    Latin is read back with every transliteration scheme in use (Ukrainian 2010,
    GOST 52535, ICAO 9303, BGN/PCGN, ISO 9 with diacritics, scientific, German,
    French, Polish, informal English); Cyrillic homoglyph typos are repaired;
    then :func:`fold_word` merges Russian and Ukrainian letters. Words are joined
    by one space (hyphens and punctuation separate words).

    Args:
        text: a name or part of one, any script, any case.

    Returns:
        Lowercase canonical Cyrillic; ``""`` if there is nothing readable.

    Examples:
        >>> to_cyrillic("Yurii"), to_cyrillic("Ûrij"), to_cyrillic("Юрий")
        ('иури', 'иури', 'иури')
        >>> to_cyrillic("Schtschukin") == to_cyrillic("Ŝukin") == to_cyrillic("Щукин")
        True
    """
    return " ".join(to_cyrillic_words(text))
