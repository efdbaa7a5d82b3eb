"""Who a synthetic man is, in both languages, before any registrar writes him down."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from itertools import accumulate
from operator import attrgetter
from typing import TypeVar

from .crossforms import (
    female_patronymic,
    patronymic_ru_to_uk,
    patronymic_uk_to_ru,
    ru_to_uk,
    uk_to_ru,
)
from .names import (
    FEMALE,
    MALE,
    RANKS,
    RU_CITIES,
    RU_FIRST_TAIL,
    RU_PATRONYMIC_TAIL,
    RU_SURNAMES,
    UK_CITIES,
    UK_FIRST_TAIL,
    UK_PATRONYMIC_TAIL,
    UK_SURNAMES,
)

__all__ = ["IDENTITY_COLUMNS", "Man", "People", "pick"]

T = TypeVar("T")

# places of capture: (Ukrainian form, oblast index into OBLASTS)
_FRONT_ROWS = (
    "Бахмут|Соледар|Авдіївка|Марʼїнка|Вугледар|Покровськ|Торецьк|Часів Яр|Курахове|Селидове|Лиман|Сіверськ",
    "Кремінна|Сватове|Білогорівка",
    "Купʼянськ|Ізюм|Балаклія|Вовчанськ|Липці",
    "Оріхів|Роботине|Вербове|Гуляйполе|Камʼянське",
    "Херсон|Кринки|Снігурівка|Берислав|Давидів Брід",
)
FRONT: tuple[tuple[str, int], ...] = tuple(
    (place, oblast) for oblast, row in enumerate(_FRONT_ROWS) for place in row.split("|")
)
OBLASTS: tuple[tuple[str, str, str], ...] = (
    ("Донецька обл.", "Донецкая обл.", "Donetsk Oblast"),
    ("Луганська обл.", "Луганская обл.", "Luhansk Oblast"),
    ("Харківська обл.", "Харьковская обл.", "Kharkiv Oblast"),
    ("Запорізька обл.", "Запорожская обл.", "Zaporizhzhia Oblast"),
    ("Херсонська обл.", "Херсонская обл.", "Kherson Oblast"),
)
_SN_LETTERS = "АБВДЕКМНОПРСТУХ"
_FIRST_WAR_DAY = date(2022, 2, 24).toordinal()
_LAST_DAY = date(2025, 9, 30).toordinal()


@dataclass(slots=True)
class Man:
    """One man, with every name in its Russian and Ukrainian form; dates are full ISO."""

    person_ref: str
    native: str  # "ru" or "uk": which language his own papers use
    category: str
    nationality: str
    surname_ru: str
    surname_uk: str
    given_idx: int  # index into names.MALE, -1 for a rare name
    given_ru: str
    given_uk: str
    father_idx: int  # index into names.MALE, -1 when only the patronymic is known
    patronymic_ru: str
    patronymic_uk: str
    mother_given_ru: str
    mother_given_uk: str
    mother_patronymic_ru: str
    mother_patronymic_uk: str
    mother_surname_ru: str  # her maiden surname, man's form (made feminine when written)
    mother_surname_uk: str
    birth_date: str
    birth_place_ru: str
    birth_place_uk: str
    rank_idx: int
    unit: str  # "vch:12345", "vch:А1234", "mrr:1065", "mrd:2", "obr:155"
    service_number: str
    captured_on: str
    capture_place: int  # index into FRONT
    registry_form: str = ""
    namesake_of: str = ""

    def to_row(self) -> tuple[str | int, ...]:
        return _row_of(self)

    def key(self) -> tuple[str, str, str, str]:
        """What must never be shared by a man not held and a man in the registry."""
        return (self.surname_ru, self.given_ru, self.patronymic_ru, self.birth_date[:4])


IDENTITY_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Man))
_row_of = attrgetter(*IDENTITY_COLUMNS)


def _cum(weights: list[float]) -> list[float]:
    return list(accumulate(weights))


def _below(rng: random.Random, n: int) -> int:
    """A whole number in [0, n): rng.randrange(n), made faster for the hot path."""
    return int(rng.random() * n)


def _choice(rng: random.Random, seq: Sequence[T]) -> T:
    return seq[int(rng.random() * len(seq))]


def pick(rng: random.Random, cum_weights: list[float]) -> int:
    """Index drawn with the given cumulative weights (faster than random.choices)."""
    return bisect(cum_weights, rng.random() * cum_weights[-1])


class People:
    """Draws men from the name tables with one seeded Random."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._ru_surname_cw = _cum([1.0 / (i + 8) for i in range(len(RU_SURNAMES))])
        self._male_cw = _cum([m.weight for m in MALE])
        self._female_cw = _cum([f.weight for f in FEMALE])
        self._rank_cw = _cum([r[3] for r in RANKS])
        self._vch = tuple(rng.sample(range(10000, 100000), 700))
        self._vch_ua = tuple(f"А{n}" for n in rng.sample(range(1000, 10000), 300))
        self._daughters = tuple(
            (female_patronymic(m.ru_patronymic, "ru"), female_patronymic(m.uk_patronymic[0], "uk"))
            for m in MALE
        )
        self._year_start = {y: date(y, 1, 1).toordinal() for y in range(1950, 2011)}

    def surname(self, native: str) -> tuple[str, str]:
        if native == "ru":
            s = RU_SURNAMES[pick(self.rng, self._ru_surname_cw)]
            return s, ru_to_uk(s)
        s = _choice(self.rng, UK_SURNAMES)
        return uk_to_ru(s), s

    def given(self, native: str) -> tuple[int, str, str]:
        rng = self.rng
        if rng.random() < 0.92:
            idx = pick(rng, self._male_cw)
            return idx, MALE[idx].ru, MALE[idx].uk
        if native == "ru":
            g = _choice(rng, RU_FIRST_TAIL)
            return -1, g, ru_to_uk(g, True)
        g = _choice(rng, UK_FIRST_TAIL)
        return -1, uk_to_ru(g), g

    def father(self, native: str) -> tuple[int, str, str]:
        rng = self.rng
        if rng.random() < 0.93:
            idx = pick(rng, self._male_cw)
            m = MALE[idx]
            uk = m.uk_patronymic[0] if rng.random() < 0.8 else _choice(rng, m.uk_patronymic)
            return idx, m.ru_patronymic, uk
        if native == "ru":
            p = _choice(rng, RU_PATRONYMIC_TAIL)
            return -1, p, patronymic_ru_to_uk(p)
        p = _choice(rng, UK_PATRONYMIC_TAIL)
        return -1, patronymic_uk_to_ru(p), p

    def birth_date(self, year: int | None = None) -> str:
        rng = self.rng
        if year is None:
            year = min(2006, max(1960, round(rng.gauss(1992, 8))))
        start = self._year_start[year]
        days = self._year_start.get(year + 1, start + 365) - start
        return date.fromordinal(start + _below(rng, days)).isoformat()

    def unit(self, own: bool) -> str:
        rng = self.rng
        if own:
            return "vch:" + _choice(rng, self._vch_ua)
        u = rng.random()
        if u < 0.72:
            return f"vch:{_choice(rng, self._vch)}"
        if u < 0.84:
            return f"mrr:{rng.randrange(1, 1500)}"
        if u < 0.94:
            return f"mrd:{rng.randrange(1, 160)}"
        return f"obr:{rng.randrange(1, 200)}"

    def man(self, ref: str, category: str, nationality: str, native: str) -> Man:
        s_ru, s_uk = self.surname(native)
        g_idx, g_ru, g_uk = self.given(native)
        return self.complete(ref, category, nationality, native, s_ru, s_uk, g_idx, g_ru, g_uk)

    def namesake(self, base: Man, ref: str, category: str, nationality: str, same_year: bool) -> Man:
        """Another man with base's surname and given name (and maybe birth year)."""
        m = self.complete(
            ref,
            category,
            nationality,
            base.native,
            base.surname_ru,
            base.surname_uk,
            base.given_idx,
            base.given_ru,
            base.given_uk,
        )
        if same_year:
            m = replace(m, birth_date=self.birth_date(int(base.birth_date[:4])))
        return replace(m, namesake_of=base.person_ref)

    def complete(
        self,
        ref: str,
        category: str,
        nationality: str,
        native: str,
        s_ru: str,
        s_uk: str,
        g_idx: int,
        g_ru: str,
        g_uk: str,
    ) -> Man:
        rng = self.rng
        f_idx, p_ru, p_uk = self.father(native)
        mother = FEMALE[pick(rng, self._female_cw)]
        mp_ru, mp_uk = self._daughters[pick(rng, self._male_cw)]
        m_ru, m_uk = self.surname(native)
        city = _choice(rng, RU_CITIES if native == "ru" else UK_CITIES)
        city_ru, city_uk = (city, ru_to_uk(city)) if native == "ru" else (uk_to_ru(city), city)
        captured = ""
        if category != "missing" or rng.random() < 0.3:
            day = _FIRST_WAR_DAY + _below(rng, _LAST_DAY - _FIRST_WAR_DAY)
            captured = date.fromordinal(day).isoformat()
        sn = _choice(rng, _SN_LETTERS) + _choice(rng, _SN_LETTERS) + f"-{100000 + _below(rng, 900000)}"
        return Man(
            person_ref=ref,
            native=native,
            category=category,
            nationality=nationality,
            surname_ru=s_ru,
            surname_uk=s_uk,
            given_idx=g_idx,
            given_ru=g_ru,
            given_uk=g_uk,
            father_idx=f_idx,
            patronymic_ru=p_ru,
            patronymic_uk=p_uk,
            mother_given_ru=mother.ru,
            mother_given_uk=mother.uk,
            mother_patronymic_ru=mp_ru,
            mother_patronymic_uk=mp_uk,
            mother_surname_ru=m_ru,
            mother_surname_uk=m_uk,
            birth_date=self.birth_date(),
            birth_place_ru=city_ru,
            birth_place_uk=city_uk,
            rank_idx=pick(rng, self._rank_cw),
            unit=self.unit(category == "missing"),
            service_number=sn,
            captured_on=captured,
            capture_place=_below(rng, len(FRONT)),
        )
