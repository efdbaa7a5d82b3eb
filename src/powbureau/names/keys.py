"""Blocking and comparison keys built on the canonical Cyrillic form."""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from rapidfuzz.distance import JaroWinkler

from . import forms
from .canon import fold_word, to_cyrillic, to_cyrillic_words
from .german import DUDEN, MAX_GERMAN_KEYS, could_be_duden, german_readings
from .script import repair_homoglyphs, split_words
from .translit import FRENCH, GERMAN, GERMAN_VOICED, ISO, has_latin, text_flags

__all__ = [
    "german_surname_keys",
    "given_name_keys",
    "given_name_sex",
    "is_diminutive",
    "name_scheme",
    "name_similarity",
    "patronymic_keys",
    "phonetic_key",
    "surname_key",
    "surname_word_key",
]

_VOWELS: Final = frozenset("аеиоу")
_PHONETIC: Final = str.maketrans(
    {"б": "п", "ф": "в", "г": "к", "х": "к", "д": "т", "ж": "ш", "ч": "ш", "з": "с", "ц": "с"}
)


def surname_word_key(word: str) -> str:
    """The key of one folded surname word: masculine form, RU/UA folds, its class."""
    base = forms.surname_base(word)
    return forms.surname_map().get(base, base)


def name_scheme(*parts: str) -> int:
    """The transliteration markers of a whole name (0 when it has no Latin letter).

    A name is written in one scheme, but its markers may sit in one part only: the
    patronymic of "Stelmach Taras Wjatscheslawowitsch" says German, so the surname's
    ``ch`` is х (Стельмах), not ч. Pass the result as ``flags`` to :func:`surname_key`,
    :func:`given_name_keys` and :func:`patronymic_keys`.

    Examples:
        >>> surname_key("Stelmach") == surname_key("Стельмах")
        False
        >>> scheme = name_scheme("Stelmach", "Taras", "Wjatscheslawowitsch")
        >>> surname_key("Stelmach", scheme) == surname_key("Стельмах")
        True
    """
    text = " ".join(p for p in parts if p).lower()
    return _scheme(text) if has_latin(text) else 0


def _scheme(text: str) -> int:
    flags = text_flags(text)
    return flags | DUDEN if could_be_duden(text, flags) else flags


@lru_cache(maxsize=1 << 16)
def surname_key(surname: str, flags: int = 0) -> str:
    """Canonical surname key: one value for every spelling and both sexes.

    :func:`to_cyrillic`, then the masculine form (Иванова -> иванов, Ковальська /
    Ковальская -> ковалски), the Ukrainian->Russian surname dictionary
    (names-translator), and the regular RU/UA spelling differences
    (-ев/-ьов/-ів -> -ов, о/ё after ж ч ш). Compound surnames keep one key per part.

    Args:
        surname: a surname in any script or scheme.
        flags: the whole name's transliteration markers (:func:`name_scheme`).

    Returns:
        The key (lowercase Cyrillic, parts separated by a space); ``""`` if empty.

    Examples:
        >>> surname_key("Ковальов") == surname_key("Kowaljow") == surname_key("Ковалёв")
        True
        >>> surname_key("Іванова") == surname_key("Ivanov")
        True
    """
    return " ".join(surname_word_key(w) for w in to_cyrillic_words(surname, flags))


@lru_cache(maxsize=1 << 15)
def german_surname_keys(surname: str, flags: int | None = None) -> tuple[str, ...]:
    """The other keys a Latin surname written the German (Duden) way may stand for.

    Without a strong German marker :func:`surname_key` reads Koslow as Кослов (German
    writes з and с alike as s). When the whole name could be a Duden spelling
    (:func:`.german.could_be_duden`), the keys of its most plausible German readings
    (:func:`.german.german_readings`) that differ from :func:`surname_key`; the matcher
    takes them as exact. Single words only.

    Args:
        surname: a surname in any script or scheme.
        flags: the whole name's transliteration markers (:func:`name_scheme`, 0 when
            the whole name has none); None: the surname's own letters decide.

    Returns:
        The other keys (at most :data:`MAX_GERMAN_KEYS`), sorted; ``()`` when there are none.

    Examples:
        >>> german_surname_keys("Koslow") == (surname_key("Козлов"),)
        True
        >>> surname_key("Запорожец") in german_surname_keys("Saporoschez")
        True
        >>> german_surname_keys("Kozlov"), german_surname_keys("Козлов")
        ((), ())
    """
    words = [repair_homoglyphs(w).lower() for w in split_words(surname)]
    if len(words) != 1 or not has_latin(words[0]):
        return ()
    scheme = _scheme(words[0]) if flags is None else flags
    if not scheme & DUDEN:
        return ()
    primary = surname_key(surname, scheme)
    keys: list[str] = []
    for key in (surname_word_key(fold_word(raw)) for raw in german_readings(words[0])):
        if key and key != primary and key not in keys and len(keys) < MAX_GERMAN_KEYS:
            keys.append(key)
    return tuple(sorted(keys))


def _word_ids(given: str, flags: int = 0) -> list[frozenset[str] | None]:
    """Ids for each word of ``given``; a Latin word not found is read again: h/x/c the ISO
    way (Mihail), s/sch the German way (Nasar, Baschen), ch/j the French way (Sacha)."""
    index = forms.given_index()
    words = to_cyrillic_words(given, flags)
    found: list[frozenset[str] | None] = [index.get(w) for w in words]
    for second in (ISO, GERMAN | GERMAN_VOICED, FRENCH):
        if None in found and has_latin(given):
            alt = to_cyrillic_words(given, second | flags)
            if len(alt) == len(words):
                found = [f if f is not None else index.get(a) for f, a in zip(found, alt, strict=True)]
    if None in found:
        found = [f if f is not None else _pet_form_ids(w) for f, w in zip(found, words, strict=True)]
    return found


@lru_cache(maxsize=1 << 15)
def given_name_keys(given: str, flags: int = 0) -> frozenset[str]:
    """Canonical ids of the full given names that ``given`` may stand for.

    Russian and Ukrainian forms, Latin spellings and diminutives all map to the
    Russian full form(s) (Дмитро, Dmitrii, Дима -> {дмитрий}; Саша -> {александр,
    александра}). A Latin name not found is read again the ISO, German and French
    ways (Mihail, Nasar, Sacha). Unknown names give ``{to_cyrillic(given)}``; each word of a
    double name contributes its own ids.

    Args:
        given: a given name, full or diminutive, any script.
        flags: the whole name's transliteration markers (:func:`name_scheme`).

    Returns:
        A frozenset of ids (empty only for an empty input).

    Examples:
        >>> sorted(given_name_keys("Саша"))
        ['александр', 'александра']
        >>> given_name_keys("Dmytro") == given_name_keys("Дима") == {"дмитрий"}
        True
    """
    words = to_cyrillic_words(given, flags)
    out: set[str] = set()
    for word, ids in zip(words, _word_ids(given, flags), strict=True):
        out |= ids if ids else {word}
    return frozenset(out)


def _pet_form_ids(key: str) -> frozenset[str] | None:
    """Ids of a Ukrainian pet form made with the suffix -ко/-ько from a full name, or None.

    Ukrainian forms masculine pet names by adding -ко (-ько after a soft consonant) to the
    full name, or to it without its final -о: Андрій -> Андрійко, Єгор -> Єгорко, Гліб ->
    Глібко, Василь -> Василько, Кирило -> Кирилко. The table lists the common ones; this
    reads the rest, for a word no table knows (``key`` is folded: ь is gone).
    """
    if len(key) < 5 or not key.endswith("ко"):
        return None
    stem = key[:-2]
    full = forms.full_name_index()
    ids = full.get(stem) or full.get(stem + "о")
    if not ids or any(forms.sex_of_id(i) != "m" for i in ids):
        return None
    return ids


def is_diminutive(given: str) -> bool:
    """True if ``given`` is a known diminutive (Дима, Sasha, Сашко, Єгорко), not a full name.

    Examples:
        >>> is_diminutive("Dima"), is_diminutive("Дмитро")
        (True, False)
    """
    words = to_cyrillic_words(given)
    index = forms.given_index()
    return bool(words) and all(
        forms.is_diminutive_key(w) or (w not in index and _pet_form_ids(w) is not None) for w in words
    )


def given_name_sex(given: str) -> str | None:
    """``"m"`` or ``"f"`` when every full name ``given`` may stand for has that sex.

    Examples:
        >>> given_name_sex("Женя") is None, given_name_sex("Yevhen")
        (True, 'm')
    """
    sexes = {forms.sex_of_id(i) for i in given_name_keys(given)}
    return sexes.pop() if len(sexes) == 1 else None


@lru_cache(maxsize=1 << 15)
def patronymic_keys(patronymic: str, flags: int = 0) -> frozenset[str]:
    """Canonical ids of the father's given name a patronymic is formed from.

    Russian and Ukrainian patronymics (masculine and feminine) in any script meet
    on the father's name id (Геннадійович, Геннадьевич, Hennadiiovych,
    Gennadievich -> {геннадий}). When the father's name is not recognised, the
    folded stem is returned (Тимурхонович -> {тимурхон}).

    Args:
        patronymic: a patronymic in any script or scheme.
        flags: the whole name's transliteration markers (:func:`name_scheme`).

    Returns:
        A frozenset of ids or stems (empty only for an empty input).

    Examples:
        >>> patronymic_keys("Serhiiovych") == patronymic_keys("Сергеевич") == {"сергей"}
        True
    """
    return frozenset(
        i for word in to_cyrillic_words(patronymic, flags) for i in forms.patronymic_ids(word)[0]
    )


def is_patronymic(word: str) -> tuple[bool, bool]:
    """(has a patronymic suffix, father's name recognised) for one name word."""
    words = to_cyrillic_words(word)
    if len(words) != 1 or forms.patronymic_suffix(words[0]) is None:
        return False, False
    return True, forms.patronymic_ids(words[0])[1]


def is_known_given(word: str) -> bool:
    """True if ``word`` is a given name (full or diminutive) the tables know."""
    found = _word_ids(word)
    return bool(found) and None not in found


def _phonetic_word(word: str) -> str:
    head = "а" if word[0] in _VOWELS else word[0].translate(_PHONETIC)
    out = [head]
    for ch in word[1:].translate(_PHONETIC):
        if ch not in _VOWELS and ch != out[-1]:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=1 << 16)
def phonetic_key(text: str) -> str:
    """Coarse, typo-tolerant blocking key: a consonant skeleton of the canonical form.

    After :func:`to_cyrillic`, voiced and voiceless pairs merge (б/п, в/ф, д/т,
    з/с/ц, ж/ш/ч, г/к/х), vowels after the first letter are dropped and repeats
    collapse; a leading vowel is kept as ``а``. Vowel typos, doubled letters,
    voicing slips, Ukrainian h/Russian g and German s/z spellings survive; a
    mistyped or transposed consonant does not.

    Args:
        text: any name text.

    Returns:
        One skeleton per word, space-separated; ``""`` if empty.

    Examples:
        >>> phonetic_key("Kusnezow") == phonetic_key("Кузнецов")
        True
        >>> phonetic_key("Коваленко") == phonetic_key("Ковеленко")
        True
    """
    return " ".join(_phonetic_word(w) for w in to_cyrillic_words(text))


def name_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two names compared in the canonical Cyrillic form.

    Jaro-Winkler on code points of :func:`to_cyrillic` of both; for several words
    the better of the given order and a sorted-words order is taken.

    Args:
        a: a name, any script.
        b: another name, any script.

    Returns:
        1.0 for identical canonical forms, 0.0 when either side is empty.

    Examples:
        >>> name_similarity("Kovalenko", "Коваленко")
        1.0
        >>> 0.8 < name_similarity("Коваленко", "Коваленка") < 1.0
        True
    """
    ca, cb = to_cyrillic(a), to_cyrillic(b)
    if not ca or not cb:
        return 0.0
    if ca == cb:
        return 1.0
    score = float(JaroWinkler.normalized_similarity(ca, cb))
    if " " in ca or " " in cb:
        sa, sb = " ".join(sorted(ca.split())), " ".join(sorted(cb.split()))
        score = max(score, float(JaroWinkler.normalized_similarity(sa, sb)))
    return score
