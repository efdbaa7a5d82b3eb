"""Names one typing error away: given names the tables know, surnames as written.

A mother types fast: Олксандр, Никиа, Геннадиф, or in Latin Mikhial. Such a word is
not in the tables, so it has no id and cannot meet the registrar's Олександр on one. The
tables' forms (full names and pet forms, folded as :func:`.canon.fold_word` folds them) are
indexed by every form with one letter deleted, so the forms one edit away (a letter
replaced, dropped, doubled or inserted, two neighbours swapped) are found without
comparing the word with all of them (the symmetric-delete method of SymSpell).

Only words the tables do not know are read so, and only from four letters on: a known
name is itself, and a shorter word is one edit from too many names.

A surname has no table to look in, and its typing errors are made on the letters as written,
not on its key: a Е moved from the start (ЕВРНИДУБ for Вернидуб), a doubled vowel (Peetrov,
Ряябошапка) or a letter dropped into a folded ending (Телиев for Теличев) is one keystroke
from the name but two or more edits from its key, because the key writes a glide for Е, я and
a vowel after a vowel and folds endings. :func:`surname_typo_keys` makes the errors on the
written word and keys each.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Final

from rapidfuzz.distance import OSA

from . import forms
from .canon import fold_word
from .keys import surname_word_key
from .script import repair_homoglyphs, split_words
from .translit import has_latin, read_latin_word, text_flags

__all__ = ["MIN_TYPO_LENGTH", "surname_typo_keys", "typo_given_ids"]

#: The shortest word (folded letters) read as a typing error of a longer or equal name.
MIN_TYPO_LENGTH: Final = 4


#: One letter of each kind the fold tells apart (ґ is г, ы і и, щ ш, ъ ь, э ё е; я ю є ї
#: write a glide): replacing or inserting any other letter keys as one of these does.
_CYRILLIC_TYPED: Final = "абвгдежзийклмнопрстуфхцчшьяюєї"


#: A doubled vowel as the fold writes it (ее after a vowel carries a glide: Деенис ->
#: деиенис; я ю є ё are a glide and a vowel): the single vowel, one typing error away.
_DOUBLED_GLIDE_RE: Final = re.compile(r"(и?)([аеоу])и\1\2")
#: A glide the fold wrote because a typing error put а, о or у before е (Лаексей -> лаиексеи):
#: without it, the word is one error from the name.
_GLIDE_AFTER_VOWEL_RE: Final = re.compile(r"(?<=[аоу])и(?=е)")


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _transpositions(word: str) -> set[str]:
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}


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
        a letter replaced, dropped or inserted, or two neighbours swapped), also once the
        glide the fold wrote before an е that the error put after a vowel is taken away
        (Лаексей: лаиексеи), or one doubled vowel away (the fold writes Деенис as деиенис);
        empty for a word the tables know or one shorter than :data:`MIN_TYPO_LENGTH`.

    Examples:
        >>> "александр" in typo_given_ids("олксандр"), sorted(typo_given_ids("аелксеи"))
        (True, ['алексей'])
        >>> typo_given_ids("сергей"), typo_given_ids("иа")
        (frozenset(), frozenset())
        >>> sorted(typo_given_ids("деиенис"))  # Деенис: a doubled е is folded with a glide
        ['денис']
        >>> sorted(typo_given_ids("лаиексеи"))  # Лаексей: the swap put е after a vowel
        ['алексей']
    """
    index = forms.given_index()
    if word in index or word in _known_ids() or len(word) < MIN_TYPO_LENGTH:
        return frozenset()
    by_deletion = _by_deletion()
    ids: set[str] = set()
    single = _DOUBLED_GLIDE_RE.sub(r"\1\2", word)
    if single != word:
        ids.update(index.get(single, ()))
    for written in {word, _GLIDE_AFTER_VOWEL_RE.sub("", word)}:
        for variant in sorted(_deletions(written) | {written}):
            for form in by_deletion.get(variant, ()):
                if OSA.distance(written, form, score_cutoff=1) <= 1:
                    ids |= index[form]
    return frozenset(ids)


def _cyrillic_typos(word: str) -> set[str]:
    """``word`` with one letter dropped, replaced or inserted, or two neighbours swapped."""
    out = _deletions(word) | _transpositions(word)
    for i in range(len(word)):
        out.update(word[:i] + c + word[i + 1 :] for c in _CYRILLIC_TYPED)
    for i in range(len(word) + 1):
        out.update(word[:i] + c + word[i:] for c in _CYRILLIC_TYPED)
    return out


_fold = fold_word.__wrapped__  # the variants are read once: keep them out of the fold's cache


@lru_cache(maxsize=1 << 12)
def surname_typo_keys(surname: str, flags: int = 0) -> frozenset[str]:
    """The keys of the spellings one typing error from a surname as it is written.

    Cyrillic: a letter dropped, replaced or inserted, or two neighbours swapped. Latin: a
    letter dropped or two neighbours swapped (a letter replaced in Latin is a letter
    replaced in the key, which the matcher's own variants of the key already reach).

    Args:
        surname: one surname as written, in any script (a compound or a word shorter than
            :data:`MIN_TYPO_LENGTH` letters gets none).
        flags: the whole name's transliteration markers (:func:`.keys.name_scheme`).

    Returns:
        The keys (:func:`.keys.surname_key`'s form), the surname's own key left out.

    Examples:
        >>> from powbureau.names import surname_key
        >>> surname_key("Вернидуб") in surname_typo_keys("ЕВРНИДУБ")
        True
        >>> surname_key("Petrov") in surname_typo_keys("Peetrov"), surname_typo_keys("Ли")
        (True, frozenset())
    """
    words = split_words(surname)
    if len(words) != 1 or len(words[0]) < MIN_TYPO_LENGTH:
        return frozenset()
    word = repair_homoglyphs(words[0]).lower()
    if has_latin(word):
        scheme = text_flags(word) | flags
        readings = {read_latin_word(v, scheme) for v in _deletions(word) | _transpositions(word)}
        own = surname_word_key(_fold(read_latin_word(word, scheme)))
    else:
        readings = _cyrillic_typos(word)
        own = surname_word_key(_fold(word))
    keys = {surname_word_key(f) for f in map(_fold, readings) if len(f) >= MIN_TYPO_LENGTH - 1}
    keys.discard(own)
    return frozenset(keys)
