"""Given names one typing error away from a name the tables know.

A mother types fast: Олксандр, Никиа, Геннадиф, or in Latin Mikhial. Such a word is
not in the tables, so it has no id and cannot meet the registrar's Олександр on one. The
tables' forms (full names and pet forms, folded as :func:`.canon.fold_word` folds them) are
indexed by every form with one letter deleted, so the forms one edit away (a letter
replaced, dropped, doubled or inserted, two neighbours swapped) are found without
comparing the word with all of them (the symmetric-delete method of SymSpell).

Only words the tables do not know are read so, and only from four letters on: a known
name is itself, and a shorter word is one edit from too many names.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Final

from rapidfuzz.distance import OSA

from . import forms

__all__ = ["MIN_TYPO_LENGTH", "typo_given_ids"]

#: The shortest word (folded letters) read as a typing error of a longer or equal name.
MIN_TYPO_LENGTH: Final = 4


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@cache
def _known_ids() -> frozenset[str]:
    return frozenset(i for ids in forms.given_index().values() for i in ids)


@cache
def _by_deletion() -> dict[str, tuple[str, ...]]:
    """Each table form, and each of its one-letter deletions -> the forms (sorted)."""
    found: dict[str, set[str]] = {}
    for form in forms.given_index():
        if len(form) >= MIN_TYPO_LENGTH:
            for variant in _deletions(form) | {form}:
                found.setdefault(variant, set()).add(form)
    return {variant: tuple(sorted(names)) for variant, names in found.items()}


@lru_cache(maxsize=1 << 14)
def typo_given_ids(word: str) -> frozenset[str]:
    """The ids of the given names one typing error from ``word``, when the tables do not know it.

    Args:
        word: one folded word of a given name (an id, or the letters of a name the tables
            do not know, as :func:`.keys.given_name_keys` gives them).

    Returns:
        The ids of every table form (full or pet) one edit away (optimal string alignment:
        a letter replaced, dropped or inserted, or two neighbours swapped); empty for a word
        the tables know or one shorter than :data:`MIN_TYPO_LENGTH`.

    Examples:
        >>> "александр" in typo_given_ids("олксандр"), sorted(typo_given_ids("аелксеи"))
        (True, ['алексей'])
        >>> typo_given_ids("сергей"), typo_given_ids("иа")
        (frozenset(), frozenset())
    """
    index = forms.given_index()
    if word in index or word in _known_ids() or len(word) < MIN_TYPO_LENGTH:
        return frozenset()
    by_deletion = _by_deletion()
    ids: set[str] = set()
    for variant in sorted(_deletions(word) | {word}):
        for form in by_deletion.get(variant, ()):
            if OSA.distance(word, form, score_cutoff=1) <= 1:
                ids |= index[form]
    return frozenset(ids)
