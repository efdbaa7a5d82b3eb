"""Name forms: given names with their Russian/Ukrainian forms and diminutives,
patronymics, and masculine/Russian surname forms.

Every table is a vendored data file under ``data/`` (see ``data/SOURCES.md``), read
with :mod:`importlib.resources` the first time it is needed; nothing is fetched.
Every lookup is keyed by :func:`.canon.fold_word`, so all spellings of a form
(Cyrillic of either language, any Latin scheme) reach the same entry.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Final

from .canon import fold_word, to_cyrillic_words

__all__ = [
    "full_name_index",
    "given_index",
    "is_diminutive_key",
    "masculine_surname",
    "patronymic_ids",
    "patronymic_suffix",
    "preload",
    "sex_of_id",
    "surname_base",
    "surname_map",
    "surname_variant_fold",
]

# Russian male names ending in -а/-я (everything else ending so is taken as female).
_MALE_IN_A: Final = frozenset(
    (
        "никита",
        "илья",
        "кузьма",
        "фома",
        "лука",
        "савва",
        "гаврила",
        "данила",
        "фока",
        "сава",
        "микита",
        "хома",
        "микола",
        "ілля",
        "мина",
        "иона",
        "иеремия",
        "захария",
    )
)


def _read_rows(name: str) -> list[list[str]]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return [ln.split(",") for ln in lines[1:]]  # first line is the header


def _key(form: str) -> str:
    return " ".join(to_cyrillic_words(form))


def _keys(form: str) -> set[str]:
    """Keys of a form and of its passport spelling without ь before о
    (KMU 2010 drops ь: Альона -> Alona; Лёша is Льоша in Ukrainian -> Losha)."""
    keys = {_key(form)}
    low = form.lower()
    if "ьо" in low or "ё" in low:
        keys.add(_key(low.replace("ьо", "о").replace("ё", "о")))
    keys.discard("")
    return keys


def _norm_id(name: str) -> str:
    return name.strip().lower().replace("ё", "е")


@cache
def _hand_table() -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, str]]:
    """(full-form key -> ids, diminutive key -> ids, id -> sex) from given_names.csv."""
    full: dict[str, set[str]] = {}
    dim: dict[str, set[str]] = {}
    sex: dict[str, str] = {}
    for ident, sx, uk, variants, dims in _read_rows("given_names.csv"):
        sex[ident] = sx
        for form in [ident, *uk.split("|"), *variants.split("|")]:
            for key in _keys(form) if form else ():
                full.setdefault(key, set()).add(ident)
        for form in dims.split("|"):
            for key in _keys(form) if form else ():
                dim.setdefault(key, set()).add(ident)
    return full, dim, sex


@cache
def full_name_index() -> dict[str, frozenset[str]]:
    """Folded full given name (either language) -> canonical ids (Russian full forms).

    Built from the hand-made table and the names-translator Ukrainian->Russian
    first-name dictionary; the hand table wins for every key it defines (full or
    diminutive), so Дима is only a diminutive of Дмитрий.
    """
    hand_full, hand_dim, _ = _hand_table()
    index: dict[str, set[str]] = {k: set(v) for k, v in hand_full.items()}
    extra: dict[str, set[str]] = {}
    for uk, ru in _read_rows("nt_first_names.csv"):
        ru_key = _key(ru)
        ids = hand_full.get(ru_key) or {_norm_id(ru)}
        for key in _keys(uk) | {ru_key}:
            if key and key not in hand_full and key not in hand_dim:
                extra.setdefault(key, set()).update(ids)
    for key, ids in extra.items():
        index.setdefault(key, set()).update(ids)
    return {k: frozenset(v) for k, v in index.items()}


@cache
def given_index() -> dict[str, frozenset[str]]:
    """Folded given name, full or diminutive -> canonical ids."""
    _, hand_dim, _ = _hand_table()
    index = dict(full_name_index())
    for key, ids in hand_dim.items():
        index[key] = index.get(key, frozenset()) | ids
    return index


def is_diminutive_key(key: str) -> bool:
    """True if the folded name is a known diminutive and not also a full name."""
    _, hand_dim, _ = _hand_table()
    return key in hand_dim and key not in full_name_index()


def sex_of_id(ident: str) -> str | None:
    """'m' or 'f' for a canonical given-name id (hand table, else the -а/-я rule)."""
    _, _, sex = _hand_table()
    if ident in sex:
        return sex[ident]
    if not ident or not ident[-1].isalpha():
        return None
    return "f" if ident[-1] in "ая" and ident not in _MALE_IN_A else "m"


@cache
def _male_full_index() -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for key, ids in full_name_index().items():
        male = frozenset(i for i in ids if sex_of_id(i) == "m")
        if male:
            out[key] = male
    return out


# ---------------------------------------------------------------- patronymics

_PATRONYMIC_RE: Final = re.compile(r"(инична|ович|евич|овна|евна|ична|ивна|ич)$")


def patronymic_suffix(key: str) -> str | None:
    """The patronymic suffix of a folded word, or None."""
    m = _PATRONYMIC_RE.search(key)
    return m.group(1) if m and len(key) - len(m.group(1)) >= 2 else None


@cache
def _irregular_patronymics() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for form, ident in _read_rows("patronymics_irregular.csv"):
        out.setdefault(_key(form), set()).add(ident)
    return {k: frozenset(v) for k, v in out.items()}


@cache
def _nt_patronymics() -> dict[str, str]:
    out: dict[str, str] = {}
    for uk, ru in _read_rows("nt_patronymics.csv"):
        k, v = _key(uk), _key(ru)
        if k and v and k != v:
            out.setdefault(k, v)
    return out


def _stem_ids(key: str) -> frozenset[str] | None:
    suffix = patronymic_suffix(key)
    if suffix is None:
        return None
    stem = key[: -len(suffix)]
    candidates = [stem, stem + "и", stem + "о", stem + "а"]
    if stem.endswith("и"):
        candidates += [stem[:-1], stem[:-1] + "а"]
    hand_full, _, _ = _hand_table()
    males = _male_full_index()
    for cand in candidates:  # the hand table first: Дмитрович -> Дмитро, not a rare Дмитр
        if cand in hand_full and cand in males:
            return males[cand]
    for cand in candidates:
        if cand in males:
            return males[cand]
    return None


def patronymic_ids(key: str) -> tuple[frozenset[str], bool]:
    """Father's-name ids for one folded patronymic word.

    Returns:
        (ids, known): ``known`` is False when no father's name was recognised and
        ``ids`` holds the folded stem instead (the word itself if it has no
        patronymic suffix).
    """
    irregular = _irregular_patronymics()
    for cand in (key, _nt_patronymics().get(key)):
        if cand is None:
            continue
        if cand in irregular:
            return irregular[cand], True
        ids = _stem_ids(cand)
        if ids:
            return ids, True
    suffix = patronymic_suffix(key)
    return frozenset({key[: -len(suffix)] if suffix else key}), False


# ------------------------------------------------------------------- surnames

# feminine (and -ой) endings -> masculine: Иванова -> иванов, Ковальская/Ковальська ->
# ковалски, Толстая/Толстой -> толсти (-ой and -ий/-ый meet: Краевой = Краєвий)
_MASCULINE_RE: Final = re.compile(r"(?:(ск|цк|зк)(?:аиа|а|ои)|(ов|ев|ин)а|(и?)аиа|ои)$")
_SIBILANT_O_RE: Final = re.compile(r"([жчш])о")


def masculine_surname(key: str) -> str:
    """Masculine form of a folded surname word (Иванова -> иванов)."""
    m = _MASCULINE_RE.search(key)
    if m is None:
        return key
    head = key[: m.start()]
    if m.group(1):
        return head + m.group(1) + "и"
    if m.group(2):
        return head + m.group(2)
    return head + "и" if not head.endswith("и") else head


def surname_variant_fold(key: str) -> str:
    """Fold spellings in which Russian and Ukrainian surnames differ regularly.

    о after ж/ч/ш is е (Горбачов = Горбачёв, Чорновол = Черновол); a final -ев is
    -ов (KMU drops ь: Ковальов -> Kovalov); Galician -ів is -ов (Сидорів = Сидоров).
    """
    if "о" in key and _SIBILANT_O_RE.search(key):
        key = _SIBILANT_O_RE.sub(_sibilant_repl, key)
    if key.endswith(("ев", "ив")) and len(key) > 3:
        key = key[:-2] + "ов"
    return key


def _sibilant_repl(m: re.Match[str]) -> str:
    return m.group(1) + "е"


@cache
def surname_map() -> dict[str, str]:
    """Surname key (:func:`surname_base`) -> the key of its equivalence class.

    From the names-translator last-name dictionary, only pairs that the rules do
    not already bring together. Each pair joins its Ukrainian and Russian keys
    (also the passport spelling without ь before о: Білозьоров -> Bilozorov) into
    one class (union-find, so chains and cycles in the data cannot split a class);
    a class is named by its smallest Russian-side key.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    russian: set[str] = set()
    for uk, ru in _read_rows("nt_surnames.csv"):
        v = surname_base(fold_word(ru.lower()))
        if not v:
            continue
        russian.add(v)
        for form in {uk, uk.replace("ьо", "о")}:
            k = surname_base(fold_word(form))
            if k and k != v:
                a, b = find(k), find(v)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    members: dict[str, list[str]] = {}
    for key in parent:
        members.setdefault(find(key), []).append(key)
    out: dict[str, str] = {}
    for group in members.values():
        name = min((k for k in group if k in russian), default=min(group))
        out.update((k, name) for k in group if k != name)
    return out


def surname_base(key: str) -> str:
    """Masculine form plus the regular RU/UA spelling folds of a folded surname word."""
    return surname_variant_fold(masculine_surname(key))


def preload() -> None:
    """Read and index every data file now rather than on first use (about 0.5 s)."""
    given_index()
    _male_full_index()
    _irregular_patronymics()
    _nt_patronymics()
    surname_map()
