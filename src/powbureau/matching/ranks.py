"""Military ranks as written by either side, read to one key per rank.

Lists of prisoners carry the man's rank, and so do most registrations. A rank is not an
identity (it changes with promotion) and many men share the commonest, but two namesakes
of different rank are probably two men: reconciliation reads it
(``services/reconciliation.py``). Tracing does not: a family's inquiry has no rank.

Each key stands for the ranks that the two armies and English writers use for the same
step, so that a Russian clerk's "рядовой" and a Ukrainian clerk's "солдат" or "рядовий"
(Ukraine's name for the lowest rank since 2016, and before it) meet, as do "ефрейтор",
"єфрейтор" and "старший солдат". A rank no entry knows gives ``""``: it is no evidence
either way. Latin spellings other than English are read back to Cyrillic with the names
layer (``riadovoi``, ``serzhant``). Pure code; the table is written for this project from
the ranks' usual names (Russian Armed Forces, Armed Forces of Ukraine, NATO English).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from powbureau.names import to_cyrillic

__all__ = ["RANKS", "rank_key"]

#: key -> every way of writing that rank (Russian, Ukrainian, English; navy equivalents).
RANKS: Final[dict[str, tuple[str, ...]]] = {
    "private": ("рядовой", "рядовий", "солдат", "матрос", "private", "soldier", "seaman", "sailor"),
    "lance_corporal": (
        "ефрейтор",
        "єфрейтор",
        "старший солдат",
        "старший матрос",
        "lance corporal",
        "senior soldier",
        "private first class",
        "corporal",
    ),
    "junior_sergeant": ("младший сержант", "молодший сержант", "junior sergeant"),
    "sergeant": ("сержант", "sergeant"),
    "senior_sergeant": ("старший сержант", "senior sergeant", "staff sergeant"),
    "sergeant_major": ("старшина", "головний сержант", "штаб-сержант", "sergeant major", "chief sergeant"),
    "warrant_officer": ("прапорщик", "warrant officer", "майстер-сержант", "master sergeant"),
    "senior_warrant_officer": ("старший прапорщик", "senior warrant officer", "старший майстер-сержант"),
    "junior_lieutenant": ("младший лейтенант", "молодший лейтенант", "junior lieutenant"),
    "lieutenant": ("лейтенант", "lieutenant"),
    "senior_lieutenant": ("старший лейтенант", "senior lieutenant", "first lieutenant"),
    "captain": ("капитан", "капітан", "captain"),
    "major": ("майор", "major"),
    "lieutenant_colonel": ("подполковник", "підполковник", "lieutenant colonel"),
    "colonel": ("полковник", "colonel"),
}


def _fold(text: str) -> str:
    return " ".join(text.replace("-", " ").casefold().replace("ё", "е").split())


_ENGLISH: Final[dict[str, str]] = {
    _fold(w): key for key, words in RANKS.items() for w in words if w.isascii()
}
_CYRILLIC: Final[dict[str, str]] = {
    to_cyrillic(_fold(w)): key for key, words in RANKS.items() for w in words if not w.isascii()
}


@lru_cache(maxsize=1024)
def rank_key(text: str) -> str:
    """The rank's key, or ``""`` when the text names no rank the table knows.

    Examples:
        >>> rank_key("Рядовой") == rank_key("солдат") == rank_key("Private") == "private"
        True
        >>> rank_key("МОЛОДШИЙ СЕРЖАНТ"), rank_key("mladshii serzhant"), rank_key("гвардии рядовой")
        ('junior_sergeant', 'junior_sergeant', '')
    """
    folded = _fold(text)
    if not folded:
        return ""
    if folded.isascii() and folded in _ENGLISH:
        return _ENGLISH[folded]
    return _CYRILLIC.get(to_cyrillic(folded), "")
