"""Generate a registry, family inquiries and the truth, independently of the engine.

    python -m bench.blind.generate --persons N --inquiries M --held-share 0.67 --seed S --out DIR

Writes DIR/persons.csv and DIR/inquiries.csv (shared/formats/README.md) and DIR/truth.csv
(query_ref, person_ref, held, identifiable, cases).  Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from faker import Faker
from faker.providers.person.ru_RU import Provider as RuPerson
from faker.providers.person.uk_UA import Provider as UkPerson

from bench.blind import tables
from bench.blind.spelling import (
    RU_SCHEMES,
    UK_SCHEMES,
    feminine_patronymic,
    feminine_surname,
    ru_to_uk,
    translit,
    uk_to_ru,
)

PERSON_COLUMNS = (
    "person_ref",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "birth_place",
    "sex",
    "nationality",
    "rank",
    "unit",
    "service_number",
    "mother_name",
    "father_name",
    "category",
    "captured_on",
    "capture_place",
)
INQUIRY_COLUMNS = (
    "query_ref",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "unit",
    "service_number",
    "mother_name",
    "father_name",
    "last_seen_on",
    "last_seen_place",
    "inquirer_name",
    "inquirer_relation",
    "inquirer_contact",
)
TRUTH_COLUMNS = ("query_ref", "person_ref", "held", "identifiable", "cases")
MATCHABLE = frozenset({"pow", "civilian_internee", "deceased"})
WAR_START, WAR_END = date(2022, 2, 24), date(2025, 6, 30)
SN_LETTERS = "АБВГДЕЖИКЛМНОПРСТУФХЦЧШЭЮЯ"
_FOLD = str.maketrans({"ы": "и", "ё": "е", "э": "е", "ь": None})


class Picker:
    """Weighted choice by bisection on cumulative weights (fast for long lists)."""

    def __init__(self, items: list[str] | tuple[str, ...], weights: list[float]) -> None:
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random) -> str:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


REG_DATE = Picker(["full", "year", "ym", "absent"], [80, 10, 3, 7])
INQ_DATE = Picker(["full", "year", "ym", "absent"], [60, 15, 5, 20])
CATEGORIES = Picker(["pow", "civilian_internee", "deceased", "missing"], [80, 7, 8, 5])


def other(lang: str) -> str:
    return "uk" if lang == "ru" else "ru"


@dataclass
class Man:
    """One man's (or woman's) true identity."""

    idx: int
    origin: str  # 'ru' or 'uk': the language his own name is in
    sex: str
    surname: str  # masculine form, in the origin language
    given: str  # given-name identity: a table ident, or 'x:' + Russian form for names not in the table
    given_ru: str
    given_uk: str
    father: str  # father's given-name identity (table)
    birth: date
    mother: str  # mother's given-name identity (table)
    mother_father: str
    mother_maiden: str  # masculine form, origin language
    unit: int  # index into the unit pool, -1 for none
    service_number: str
    rank: int  # index into tables.RANKS, -1 for none
    category: str
    captured_on: date | None
    town: int
    nationality: str

    @property
    def skey(self) -> str:
        """Surname identity: the masculine Russian Cyrillic form, lower case, ы/и ё/е э/е folded, no ь."""
        ru = self.surname if self.origin == "ru" else uk_to_ru(self.surname)
        return ru.lower().translate(_FOLD)


@dataclass
class Record:
    """How the registry wrote one man."""

    man: Man
    ref: str
    lang: str
    scheme: str  # '' for Cyrillic
    row: dict[str, str]
    has_father: bool
    has_unit: bool
    has_sn: bool
    has_mother: bool


@dataclass
class Said:
    """What an inquiry says, as identities, for the `identifiable` check."""

    given_ids: frozenset[str]
    date: str
    father: bool
    unit: bool
    sn: bool
    mother: bool


@dataclass
class Unit:
    """A unit: 5-digit military unit number, or a named formation."""

    number: int
    formation: int = -1  # index into tables.FORMATIONS, -1 for a в/ч number

    def text(self, style: str) -> str:
        if self.formation < 0:
            return style.format(n=f"{self.number:05d}")
        ru, en, abbr, gender = tables.FORMATIONS[self.formation]
        n = self.number
        if style == "en":
            suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
            return en.format(e=f"{n}{suffix}")
        if style == "abbr":
            return abbr.format(n=n)
        return ru.format(o=f"{n}-{'я' if gender == 'f' else 'й'}")

    def styles(self) -> list[str]:
        if self.formation < 0:
            return [s for s, _ in tables.VCH_STYLES]
        return ["ru", "en", "abbr"]


class Gen:
    """The generator state: random sources, name pools, the registry built so far."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fake_ru = Faker("ru_RU")
        self.fake_ru.seed_instance(seed)
        self.fake_uk = Faker("uk_UA")
        self.fake_uk.seed_instance(seed + 1)
        self.men: list[Man] = []
        self.records: list[Record] = []
        self.units: list[Unit] = []
        self.index: dict[tuple[str, str], list[int]] = defaultdict(list)
        male = tables.MALE
        self.given_pick = Picker([n.ident for n in male], [n.weight for n in male])
        self.father_pick = Picker([n.ident for n in male], [n.father_weight for n in male])
        female = tables.FEMALE
        self.female_pick = Picker([n.ident for n in female], [n.weight for n in female])
        # Faker's own given-name lists, for the rarer names outside the table.
        ru_known = {n.ru.replace("ё", "е"): n.ident for n in male + female}
        uk_known = {n.uk: n.ident for n in male + female}
        self.rare: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        for lang, prov, known in (("ru", RuPerson, ru_known), ("uk", UkPerson, uk_known)):
            for sex, names in (("M", prov.first_names_male), ("F", prov.first_names_female)):
                pool = []
                for name in names:
                    ident = known.get(name.replace("ё", "е") if lang == "ru" else name)
                    if ident is None:
                        ru = name if lang == "ru" else uk_to_ru(name)
                        uk = ru_to_uk(name) if lang == "ru" else name
                        pool.append(("x:" + ru.lower().replace("ё", "е"), ru, uk))
                self.rare[(lang, sex)] = pool
        # Surnames: Faker's lists (Russian in frequency order, Ukrainian), plus a long tail built
        # from their roots with the other common endings.
        ru_list = list(RuPerson.last_names_male)
        self.ru_surname_pick = Picker(ru_list, [1.0 / (r + 5) for r in range(len(ru_list))])
        self.uk_surnames = sorted(set(UkPerson.last_names_male))
        roots: set[str] = set()
        for s in ru_list + [uk_to_ru(s) for s in self.uk_surnames]:
            root = _root(s)
            if len(root) >= 3:
                roots.add(root)
        self.roots = sorted(roots)
        self.ru_suffix = Picker(["ов", "ин", "ский", "енко", "ук", "ич", "ых"], [45, 20, 15, 8, 6, 3, 3])
        self.uk_suffix = Picker(
            ["енко", "ук", "чук", "ський", "ишин", "ко", "ич", "ов", "ець"], [35, 15, 10, 12, 4, 5, 5, 10, 4]
        )
        self.ru_scheme = Picker([s for s, _ in RU_SCHEMES], [w for _, w in RU_SCHEMES])
        self.uk_scheme = Picker([s for s, _ in UK_SCHEMES], [w for _, w in UK_SCHEMES])
        self.rank_pick = Picker([str(i) for i in range(len(tables.RANKS))], [r[3] for r in tables.RANKS])
        self.vch_style = Picker([s for s, _ in tables.VCH_STYLES], [w for _, w in tables.VCH_STYLES])
        self.relation_pick = Picker(
            [str(i) for i in range(len(tables.RELATIONS))], [r[3] for r in tables.RELATIONS]
        )

    # ------------------------------------------------------------------ identities

    def surname(self, origin: str) -> str:
        """A masculine surname in the origin language."""
        r = self.rng.random()
        if origin == "ru":
            if r < 0.40:
                return self.ru_surname_pick.pick(self.rng)
            if r < 0.55:
                return uk_to_ru(self.rng.choice(self.uk_surnames))
            return _attach(self.rng.choice(self.roots), self.ru_suffix.pick(self.rng), "ru")
        if r < 0.55:
            return self.rng.choice(self.uk_surnames)
        if r < 0.70:
            return ru_to_uk(self.ru_surname_pick.pick(self.rng))
        return _attach(ru_to_uk(self.rng.choice(self.roots)), self.uk_suffix.pick(self.rng), "uk")

    def given(self, origin: str, sex: str) -> tuple[str, str, str]:
        """(identity, Russian form, Ukrainian form) of a given name."""
        if self.rng.random() < 0.06:
            return self.rng.choice(self.rare[(origin, sex)])
        ident = (self.given_pick if sex == "M" else self.female_pick).pick(self.rng)
        name = tables.BY_IDENT[ident]
        return ident, name.ru, name.uk

    def birth(self, civilian: bool) -> date:
        low, mode = (1945, 1975) if civilian else (1965, 1996)
        year = int(self.rng.triangular(low, 2005, mode))
        return self.fake_ru.date_between_dates(date(year, 1, 1), date(year, 12, 31))

    def new_man(self, category: str) -> Man:
        """A new person with a fresh identity (not yet registered)."""
        r = self.rng
        civilian = category == "civilian_internee"
        if category == "missing":
            origin = "uk" if r.random() < 0.8 else "ru"
        elif civilian:
            origin = "uk" if r.random() < 0.6 else "ru"
        else:
            origin = "uk" if r.random() < 0.25 else "ru"
        sex = "F" if r.random() < {"civilian_internee": 0.35}.get(category, 0.03) else "M"
        ident, g_ru, g_uk = self.given(origin, sex)
        soldier = not civilian
        unit = r.randrange(len(self.units)) if soldier and r.random() < 0.9 else -1
        sn = ""
        if soldier and r.random() < 0.6:
            sn = f"{r.choice(SN_LETTERS)}{r.choice(SN_LETTERS)}-{r.randrange(1000000):06d}"
        if category == "missing":
            nationality = "UA"
        elif civilian:
            nationality = "UA" if r.random() < 0.6 else "RU"
        else:
            nationality = "RU"
        captured = None if category == "missing" else self.fake_ru.date_between_dates(WAR_START, WAR_END)
        return Man(
            idx=-1,
            origin=origin,
            sex=sex,
            surname=self.surname(origin),
            given=ident,
            given_ru=g_ru,
            given_uk=g_uk,
            father=self.father_pick.pick(r),
            birth=self.birth(civilian),
            mother=self.female_pick.pick(r),
            mother_father=self.father_pick.pick(r),
            mother_maiden=self.surname(origin),
            unit=unit,
            service_number=sn,
            rank=int(self.rank_pick.pick(r)) if soldier else -1,
            category=category,
            captured_on=captured,
            town=r.randrange(len(tables.TOWNS)),
            nationality=nationality,
        )

    def namesake_of(self, m: Man, category: str) -> tuple[Man, list[str]]:
        """Another man with the same surname and given name; maybe the same patronymic or year."""
        r = self.rng
        n = self.new_man(category)
        tags = []
        n = replace(
            n,
            origin=m.origin,
            sex=m.sex,
            surname=m.surname,
            given=m.given,
            given_ru=m.given_ru,
            given_uk=m.given_uk,
        )
        if r.random() < 0.4:
            n = replace(n, father=m.father)
        if n.father == m.father:
            tags.append("same_patronymic")
        if r.random() < 0.3:
            n = replace(
                n, birth=self.fake_ru.date_between_dates(date(m.birth.year, 1, 1), date(m.birth.year, 12, 31))
            )
            tags.append("same_year")
        if n.birth == m.birth:
            n = replace(n, birth=n.birth + timedelta(days=r.randrange(1, 40)))
        return n, tags

    def brother_of(self, m: Man, category: str) -> Man:
        """A brother (a twin three times in ten): same surname, father and mother, another given name."""
        r = self.rng
        n = self.new_man(category)
        ident, g_ru, g_uk = m.given, m.given_ru, m.given_uk
        while ident == m.given:
            ident, g_ru, g_uk = self.given(m.origin, "M")
        if r.random() < 0.3:
            birth = m.birth
        else:
            years = r.choice([-6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6])
            y = min(2006, max(1940, m.birth.year + years))
            birth = self.fake_ru.date_between_dates(date(y, 1, 1), date(y, 12, 31))
        return replace(
            n,
            origin=m.origin,
            sex="M",
            surname=m.surname,
            given=ident,
            given_ru=g_ru,
            given_uk=g_uk,
            father=m.father,
            mother=m.mother,
            mother_father=m.mother_father,
            mother_maiden=m.mother_maiden,
            birth=birth,
            unit=m.unit if r.random() < 0.4 else n.unit,
        )

    # ------------------------------------------------------------------ spellings

    def scheme(self, lang: str, avoid: str = "") -> str:
        pick = self.ru_scheme if lang == "ru" else self.uk_scheme
        s = pick.pick(self.rng)
        for _ in range(10):
            if s != avoid:
                break
            s = pick.pick(self.rng)
        return s

    def town_text(self, town: int) -> str:
        ru, uk, en = tables.TOWNS[town]
        r = self.rng.random()
        if r < 0.40:
            return ru
        if r < 0.65:
            return uk
        if r < 0.85:
            return en
        return self.rng.choice(town_spellings(town))

    def unit_text(self, unit: Unit, latin: bool) -> str:
        if unit.formation >= 0:
            if latin:
                return unit.text("en")
            return unit.text("ru" if self.rng.random() < 0.6 else self.rng.choice(["en", "abbr"]))
        if latin:
            return unit.text(self.rng.choice(["military unit {n}", "{n}", "v/ch {n}"]))
        return unit.text(self.vch_style.pick(self.rng))


@cache
def town_spellings(town: int) -> list[str]:
    """The ways a town's name is written: Russian, Ukrainian, English and a few transliterations."""
    ru, uk, en = tables.TOWNS[town]
    return sorted(
        {
            ru,
            uk,
            en,
            translit(ru, "ru", "iu:wikipedia"),
            translit(ru, "ru", "de"),
            translit(uk, "uk", "ua:UkrainianKMU"),
            translit(uk, "uk", "ua:UkrainianGerman"),
            translit(ru, "ru", "iu:icao_doc_9303"),
        }
    )


def _root(surname: str) -> str:
    s = surname.lower()
    for suf in (
        "енко",
        "ович",
        "евич",
        "ский",
        "цкий",
        "ов",
        "ев",
        "ёв",
        "ин",
        "ын",
        "чук",
        "ук",
        "юк",
        "ак",
        "як",
        "ко",
        "ий",
        "ой",
        "ый",
        "ич",
        "ых",
        "их",
    ):
        if s.endswith(suf) and len(s) - len(suf) >= 3:
            s = s[: -len(suf)]
            break
    return s.rstrip("аеиоуыэюяьй")


def _awkward(root: str, suffix: str) -> bool:
    """A root and an ending that would read unnaturally together (Данькук, Кулікко, Непорожнський)."""
    consonants = "бвгґджзйклмнпрстфхцчшщ"
    if not root or root[-1] == suffix[0]:
        return True
    if root[-1] in "кгх" and suffix in ("ук", "ко", "чук", "ишин"):
        return True
    return len(root) > 1 and root[-1] in consonants and root[-2] in consonants and suffix[0] in consonants


def _attach(root: str, suffix: str, lang: str) -> str:
    """A surname from a root and an ending, with the usual spelling adjustments."""
    r = root.rstrip("аеиоуыэюяьйіїє")
    if _awkward(r, suffix):
        suffix = "ов" if lang == "ru" else "енко"
    if suffix == "ов" and r[-1:] in "жшчщц":
        suffix = "ев"
    if suffix in ("ский", "ський") and r[-1:] in "кц":
        suffix = suffix[1:] if r.endswith("ц") else suffix
    if lang == "uk" and suffix == "ук" and r[-1:] in "лнтдр" and len(r) % 2:
        suffix = "юк"
    word = r + suffix
    return word[:1].upper() + word[1:]


# ---------------------------------------------------------------------- dates and typos


def partial(d: date, precision: str) -> str:
    return {"full": d.isoformat(), "ym": d.isoformat()[:7], "year": str(d.year), "absent": ""}[precision]


def dates_compatible(a: str, b: str) -> bool:
    """Two ISO dates, full or partial, agree on what both give (an empty one agrees with anything)."""
    k = min(len(a), len(b))
    return a[:k] == b[:k]


def _valid(s: str) -> bool:
    try:
        date.fromisoformat(s)
    except ValueError:
        return False
    return True


def typo(word: str, rng: random.Random) -> tuple[str, str]:
    """One typing error in `word`: neighbour key, dropped, doubled or transposed letter."""
    if len(word) < 3:
        return word, ""
    kinds = ["neighbour", "drop", "double", "transpose"]
    kind = rng.choice(kinds)
    i = rng.randrange(len(word))
    if kind == "neighbour":
        c = word[i]
        low = c.lower()
        near: list[str] = []
        for rows in tables.KEYBOARDS.values():
            for ri, row in enumerate(rows):
                ci = row.find(low)
                if ci < 0:
                    continue
                near += [row[j] for j in (ci - 1, ci + 1) if 0 <= j < len(row)]
                for rj in (ri - 1, ri + 1):
                    if 0 <= rj < len(rows) and ci < len(rows[rj]):
                        near.append(rows[rj][ci])
        if near:
            n = rng.choice(near)
            return word[:i] + (n.upper() if c.isupper() else n) + word[i + 1 :], kind
        kind = "drop"
    if kind == "drop":
        return word[:i] + word[i + 1 :], kind
    if kind == "double":
        return word[: i + 1] + word[i].lower() + word[i + 1 :], kind
    i = min(i, len(word) - 2)
    a, b = word[i], word[i + 1]
    if a.lower() == b.lower():
        return word[:i] + word[i + 1 :], "drop"
    out = word[:i] + b + a + word[i + 2 :]
    if i == 0 and a.isupper() and b.islower():
        out = b.upper() + a.lower() + word[2:]
    return out, kind


# ---------------------------------------------------------------------- name forms


def given_form(m: Man, lang: str) -> str:
    return m.given_ru if lang == "ru" else m.given_uk


def surname_form(m: Man, lang: str) -> str:
    base = m.surname if lang == m.origin else (uk_to_ru(m.surname) if lang == "ru" else ru_to_uk(m.surname))
    return feminine_surname(base, lang) if m.sex == "F" else base


def patronymic_form(father: str, sex: str, lang: str) -> str:
    name = tables.BY_IDENT[father]
    patr = name.ru_patr if lang == "ru" else name.uk_patr
    return feminine_patronymic(patr, lang) if sex == "F" else patr


def female_name(ident: str, lang: str) -> str:
    name = tables.BY_IDENT[ident]
    return name.ru if lang == "ru" else name.uk


def spell(text: str, lang: str, scheme: str) -> str:
    return translit(text, lang, scheme) if scheme and text else text


# ---------------------------------------------------------------------- the registry


def build_registry(g: Gen, n: int) -> None:
    """Register n people: fresh men, namesakes of earlier men, brothers and twins."""
    r = g.rng
    g.units = []
    used: set[tuple[int, int]] = set()
    while len(g.units) < max(30, n // 120):
        if r.random() < 0.7:
            key = (-1, r.randrange(1000, 100000))
        else:
            key = (r.randrange(len(tables.FORMATIONS)), r.randrange(1, 200))
        if key not in used:
            used.add(key)
            g.units.append(Unit(number=key[1], formation=key[0]))
    for i in range(n):
        category = CATEGORIES.pick(r)
        x = r.random()
        if g.men and x < 0.04:
            src = g.men[r.randrange(len(g.men))]
            m, _ = g.namesake_of(src, category)
        elif g.men and x < 0.06:
            src = g.men[r.randrange(len(g.men))]
            m = g.brother_of(src, category) if src.sex == "M" else g.new_man(category)
        else:
            m = g.new_man(category)
        m.idx = i
        g.men.append(m)
    refs = list(range(1, n + 1))
    r.shuffle(refs)
    for m, ref in zip(g.men, refs, strict=True):
        g.records.append(register(g, m, f"R{ref:07d}"))
        if m.category in MATCHABLE:
            g.index[(m.skey, m.given)].append(m.idx)


def register(g: Gen, m: Man, ref: str) -> Record:
    """The registry row of one man, written in one language and script."""
    r = g.rng
    lang = "uk" if r.random() < (0.65 if m.origin == "uk" else 0.25) else "ru"
    scheme = g.scheme(lang) if r.random() < 0.25 else ""
    latin = bool(scheme)
    row = dict.fromkeys(PERSON_COLUMNS, "")
    row["person_ref"] = ref
    row["surname"] = spell(surname_form(m, lang), lang, scheme)
    row["given_name"] = spell(given_form(m, lang), lang, scheme)
    if r.random() < 0.85:
        row["patronymic"] = spell(patronymic_form(m.father, m.sex, lang), lang, scheme)
    prec = REG_DATE.pick(r)
    row["birth_date"] = partial(m.birth, prec)
    if r.random() < 0.25:
        row["birth_place"] = r.choice(tables.BIRTH_TOWNS)
    row["sex"] = m.sex if r.random() < 0.97 else ""
    row["nationality"] = m.nationality
    if m.rank >= 0 and r.random() < 0.8:
        ru, uk, en, _ = tables.RANKS[m.rank]
        row["rank"] = en if latin else (uk if lang == "uk" else ru)
    if m.unit >= 0 and r.random() < 0.85:
        row["unit"] = g.unit_text(g.units[m.unit], latin)
    if m.service_number and r.random() < 0.5:
        sn = m.service_number
        row["service_number"] = spell(sn, "ru", "iu:icao_doc_9303") if latin else sn
    if r.random() < 0.3:
        mother_surname = m.mother_maiden if r.random() < 0.5 else m.surname
        ms = (
            mother_surname
            if lang == m.origin
            else (uk_to_ru(mother_surname) if lang == "ru" else ru_to_uk(mother_surname))
        )
        parts = [
            feminine_surname(ms, lang),
            female_name(m.mother, lang),
            patronymic_form(m.mother_father, "F", lang),
        ]
        text = " ".join(parts) if r.random() < 0.8 else parts[1]
        row["mother_name"] = spell(text, lang, scheme)
    if r.random() < 0.2:
        name = tables.BY_IDENT[m.father]
        row["father_name"] = spell(name.ru if lang == "ru" else name.uk, lang, scheme)
    row["category"] = m.category
    if m.captured_on is not None:
        row["captured_on"] = m.captured_on.isoformat() if r.random() < 0.95 else m.captured_on.isoformat()[:7]
        row["capture_place"] = g.town_text(m.town)
    return Record(
        man=m,
        ref=ref,
        lang=lang,
        scheme=scheme,
        row=row,
        has_father=bool(row["patronymic"] or row["father_name"]),
        has_unit=bool(row["unit"]),
        has_sn=bool(row["service_number"]),
        has_mother=bool(row["mother_name"]),
    )


# ---------------------------------------------------------------------- inquiries


def dims_of(word: str) -> frozenset[str]:
    """Every given-name identity a pet form may stand for (Слава: Владислав, Вячеслав, ...)."""
    return frozenset(n.ident for n in tables.MALE + tables.FEMALE if word in n.ru_dims or word in n.uk_dims)


def write_inquiry(
    g: Gen, m: Man, rec: Record | None, no_date: bool
) -> tuple[dict[str, str], list[str], Said]:
    """An inquiry a relative writes about man m; tags relative to the registry row rec, if any."""
    r = g.rng
    tags: list[str] = []
    row = dict.fromkeys(INQUIRY_COLUMNS, "")
    names_only = r.random() < 0.10
    if names_only:
        tags.append("names_only")
    lang = "uk" if r.random() < (0.08 if m.origin == "ru" else 0.60) else "ru"
    scheme = ""
    if r.random() < 0.12:
        scheme = g.scheme(lang, avoid=rec.scheme if rec and rec.lang == lang else "")
    tags.append(f"inq_{lang}")

    given = given_form(m, lang)
    given_ids = frozenset({m.given})
    if r.random() < 0.15 and m.given in tables.BY_IDENT:
        name = tables.BY_IDENT[m.given]
        dims = name.ru_dims if lang == "ru" else name.uk_dims
        if dims:
            given = r.choice(dims)
            given_ids = dims_of(given) | {m.given}
            tags.append("diminutive")
            if len(given_ids) > 1:
                tags.append("diminutive_ambiguous")
    patr = ""
    if not names_only:
        if r.random() < 0.25:
            tags.append("no_patronymic")
        else:
            plang = lang
            if r.random() < 0.08:
                plang = other(lang)
                tags.append("mixed_lang")
            patr = patronymic_form(m.father, m.sex, plang)
            if (
                rec
                and rec.row["patronymic"]
                and plang != rec.lang
                and patronymic_form(m.father, m.sex, plang) != patronymic_form(m.father, m.sex, rec.lang)
            ):
                tags.append("lang_patronymic")
    surname = surname_form(m, lang)
    if rec:
        if rec.scheme:
            tags.append("reg_latin")
        if not rec.row["patronymic"]:
            tags.append("reg_no_patronymic")
        if len(rec.row["birth_date"]) < 10:
            tags.append("reg_date_" + {0: "absent", 4: "year", 7: "ym"}[len(rec.row["birth_date"])])
        if given_form(m, lang) != given_form(m, rec.lang):
            tags.append("lang_given")
        if surname_form(m, lang) != surname_form(m, rec.lang):
            tags.append("lang_surname")
        if scheme and rec.scheme and scheme != rec.scheme:
            tags.append("translit_other")
    if scheme:
        tags.append("inq_latin")
        surname, given, patr = (translit(x, lang, scheme) if x else x for x in (surname, given, patr))
        if "mixed_lang" in tags:
            patr = (
                translit(patronymic_form(m.father, m.sex, other(lang)), other(lang), g.scheme(other(lang)))
                if patr
                else patr
            )
    if r.random() < 0.07:
        surname, kind = typo(surname, r)
        if kind:
            tags.append(f"typo_surname:{kind}")
    if r.random() < 0.07:
        given, kind = typo(given, r)
        if kind:
            tags.append(f"typo_given:{kind}")
    if r.random() < 0.08:
        surname, given, patr = surname.upper(), given.upper(), patr.upper()
        tags.append("caps")
    if r.random() < 0.05:
        surname, given = given, surname
        tags.append("swapped")
    row["surname"], row["given_name"], row["patronymic"] = surname, given, patr

    # birth date
    prec = "absent" if names_only or no_date else INQ_DATE.pick(r)
    tags.append(f"date_{prec}")
    written = partial(m.birth, prec)
    if prec != "absent" and r.random() < 0.05:
        y = m.birth.year + r.choice([-1, 1])
        written = str(y) + written[4:]
        if not _valid(written) and prec == "full":
            written = f"{y}-{written[5:7]}-28"
        tags.append("date_year_off")
    if prec == "full" and r.random() < 0.04:
        yy, mm, dd = written.split("-")
        if int(dd) <= 12 and dd != mm:
            written = f"{yy}-{dd}-{mm}"
            tags.append("date_dm_swap")
    if prec == "full" and r.random() < 0.04:
        for _ in range(30):
            pos = r.choice([0, 1, 2, 3, 5, 6, 8, 9])
            cand = written[:pos] + str(r.randrange(10)) + written[pos + 1 :]
            if cand != written and _valid(cand) and 1930 < int(cand[:4]) < 2010:
                written = cand
                tags.append("date_digit")
                break
    row["birth_date"] = written

    said_unit = said_sn = said_mother = said_father = False
    if not names_only:
        said_father = bool(patr)
        if m.unit >= 0 and r.random() < 0.35:
            unit = g.units[m.unit]
            row["unit"] = unit.text(r.choice(unit.styles())) if not scheme else g.unit_text(unit, True)
            said_unit = True
            tags.append("unit_given")
            if rec and rec.row["unit"] and rec.row["unit"] != row["unit"]:
                tags.append("unit_variant")
        if m.service_number and r.random() < 0.05:
            sn = m.service_number
            row["service_number"] = r.choice([sn, sn, sn.replace("-", ""), sn.replace("-", " ")])
            said_sn = True
            tags.append("service_number")
        if r.random() < 0.20:
            ms = surname_form(replace(m, sex="F"), lang)
            parts = [ms, female_name(m.mother, lang), patronymic_form(m.mother_father, "F", lang)]
            full = r.random() < 0.5
            text = " ".join(parts) if full else parts[1]
            row["mother_name"] = spell(text, lang, scheme)
            said_mother = True
            tags.append("mother_full" if full else "mother_given")
        if r.random() < 0.08:
            name = tables.BY_IDENT[m.father]
            row["father_name"] = spell(name.ru if lang == "ru" else name.uk, lang, scheme)
            said_father = True
            tags.append("father_name")
        if r.random() < 0.7:
            base = m.captured_on or g.fake_ru.date_between_dates(WAR_START, WAR_END)
            back = r.randrange(0, 21) if r.random() < 0.75 else r.randrange(21, 181)
            seen = max(WAR_START, base - timedelta(days=back))
            row["last_seen_on"] = seen.isoformat() if r.random() < 0.85 else seen.isoformat()[:7]
        x = r.random()
        if x < 0.45:
            avoid = rec.row["capture_place"] if rec else ""
            options = [s for s in town_spellings(m.town) if s != avoid] or town_spellings(m.town)
            row["last_seen_place"] = r.choice(options)
            tags.append("last_seen_capture_town")
        elif x < 0.70:
            row["last_seen_place"] = g.town_text(r.randrange(len(tables.TOWNS)))
            tags.append("last_seen_other_town")
    inquirer(g, m, lang, scheme, row)
    said = Said(
        given_ids=given_ids, date=written, father=said_father, unit=said_unit, sn=said_sn, mother=said_mother
    )
    return row, tags, said


def inquirer(g: Gen, m: Man, lang: str, scheme: str, row: dict[str, str]) -> None:
    """Fill inquirer_name, inquirer_relation and inquirer_contact."""
    r = g.rng
    ru_rel, uk_rel, en_rel, _, sex = tables.RELATIONS[int(g.relation_pick.pick(r))]
    row["inquirer_relation"] = en_rel if scheme else (uk_rel if lang == "uk" else ru_rel)
    rel = en_rel
    if rel == "wife" and m.sex == "F":
        rel, sex = "husband", "M"
        row["inquirer_relation"] = "husband" if scheme else ("чоловік" if lang == "uk" else "муж")
    man_m = replace(m, sex="M")
    if rel == "mother":
        given, patr = female_name(m.mother, lang), patronymic_form(m.mother_father, "F", lang)
    elif rel in ("father", "husband"):
        name = tables.BY_IDENT[m.father if rel == "father" else g.given_pick.pick(r)]
        given = name.ru if lang == "ru" else name.uk
        patr = patronymic_form(g.father_pick.pick(r), "M", lang)
    elif rel == "brother":
        name = tables.BY_IDENT[g.given_pick.pick(r)]
        given, patr = (name.ru if lang == "ru" else name.uk), patronymic_form(m.father, "M", lang)
    else:
        given = female_name(g.female_pick.pick(r), lang)
        if rel == "sister":
            father = m.father
        elif rel == "daughter" and m.sex == "M" and tables.BY_IDENT.get(m.given, tables.FEMALE[0]).ru_patr:
            father = m.given
        else:
            father = g.father_pick.pick(r)
        patr = patronymic_form(father, "F", lang)
    surname = surname_form(replace(man_m, sex=sex), lang)
    if rel in ("aunt", "grandmother") and r.random() < 0.5:
        surname = feminine_surname(g.surname(lang), lang)
    text = f"{surname} {given} {patr}" if r.random() < 0.7 else f"{given} {surname}"
    row["inquirer_name"] = spell(text, lang, scheme)
    fake = g.fake_ru if lang == "ru" else g.fake_uk
    row["inquirer_contact"] = fake.free_email() if r.random() < 0.3 else fake.phone_number()


def identifiable(g: Gen, m: Man, said: Said) -> bool:
    """No other registered (pow/civilian_internee/deceased) person is consistent with what was said.

    Compared as identities, never as spellings: surname identity and given-name identity (every
    name a pet form may stand for); the father (patronymic or father_name) when both give one; the
    birth date as both wrote it (full or partial; the inquiry's errors are taken at face value);
    unit, service number and mother's given name when both give them.
    """
    for gid in said.given_ids:
        for j in g.index.get((m.skey, gid), ()):
            if j == m.idx:
                continue
            rec = g.records[j]
            c = rec.man
            if said.father and rec.has_father and c.father != m.father:
                continue
            if not dates_compatible(said.date, rec.row["birth_date"]):
                continue
            if said.unit and rec.has_unit and c.unit != m.unit:
                continue
            if said.sn and rec.has_sn and c.service_number != m.service_number:
                continue
            if said.mother and rec.has_mother and c.mother != m.mother:
                continue
            return False
    return True


def build_inquiries(g: Gen, n: int, held_share: float) -> list[tuple[dict[str, str], dict[str, str]]]:
    """Inquiries and their truth rows, shuffled; refs Q0000001..."""
    r = g.rng
    matchable = [rec for rec in g.records if rec.man.category in MATCHABLE]
    n_held = min(round(n * held_share), len(matchable))
    out: list[tuple[dict[str, str], dict[str, str]]] = []
    for rec in r.sample(matchable, n_held):
        m = rec.man
        row, tags, said = write_inquiry(g, m, rec, no_date=False)
        if any(j != m.idx for j in g.index.get((m.skey, m.given), ())):
            tags.append("has_namesake")
        tags.append(f"cat_{m.category}")
        ident = identifiable(g, m, said)
        out.append(
            (
                row,
                {
                    "person_ref": rec.ref,
                    "held": "1",
                    "identifiable": str(int(ident)),
                    "cases": ";".join(tags),
                },
            )
        )
    for _ in range(n - n_held):
        if r.random() < 0.45:
            src = matchable[r.randrange(len(matchable))]
            m, extra = g.namesake_of(src.man, "pow")
            no_date = r.random() < 0.3
            row, tags, _said = write_inquiry(g, m, src, no_date=no_date)
            extra += ["no_date"] if no_date else []
            tags = ["trap_namesake"] + [f"trap_{t}" for t in extra] + tags
        else:
            m = g.new_man("pow" if r.random() < 0.85 else "civilian_internee")
            row, tags, _said = write_inquiry(g, m, None, no_date=False)
            tags = ["new_man"] + (["chance_namesake"] if g.index.get((m.skey, m.given)) else []) + tags
        out.append((row, {"person_ref": "", "held": "0", "identifiable": "0", "cases": ";".join(tags)}))
    r.shuffle(out)
    for k, (row, truth) in enumerate(out, 1):
        row["query_ref"] = truth["query_ref"] = f"Q{k:07d}"
    return out


def _write(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)


def generate(n_persons: int, n_inquiries: int, held_share: float, seed: int, out: Path) -> None:
    """Write persons.csv, inquiries.csv and truth.csv into out."""
    t0 = time.monotonic()
    g = Gen(seed)
    build_registry(g, n_persons)
    pairs = build_inquiries(g, n_inquiries, held_share)
    out.mkdir(parents=True, exist_ok=True)
    persons = sorted((rec.row for rec in g.records), key=lambda row: row["person_ref"])
    _write(out / "persons.csv", PERSON_COLUMNS, persons)
    _write(out / "inquiries.csv", INQUIRY_COLUMNS, [p[0] for p in pairs])
    _write(out / "truth.csv", TRUTH_COLUMNS, [p[1] for p in pairs])
    held = sum(1 for p in pairs if p[1]["held"] == "1")
    ident = sum(1 for p in pairs if p[1]["identifiable"] == "1")
    print(
        f"{len(persons)} persons, {len(pairs)} inquiries ({held} held, {ident} identifiable) "
        f"in {time.monotonic() - t0:.1f}s -> {out}",
        file=sys.stderr,
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--persons", type=int, required=True)
    ap.add_argument("--inquiries", type=int, required=True)
    ap.add_argument("--held-share", type=float, default=0.67)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    if not 0 <= a.held_share <= 1:
        ap.error("--held-share must be between 0 and 1")
    generate(a.persons, a.inquiries, a.held_share, a.seed, a.out)


if __name__ == "__main__":
    main()
