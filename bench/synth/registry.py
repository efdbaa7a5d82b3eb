"""persons.csv: a registry to import, streamed row by row, with its hidden identities."""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from . import render as r
from .csvio import PERSONS_COLUMNS, PERSONS_TRUTH, open_writer
from .identity import IDENTITY_COLUMNS, Man, People, pick
from .result import SynthResult

__all__ = ["RegistryConfig", "write_registry"]

_NOTES = (
    "фото в деле",
    "прибыл этапом",
    "передан из лагеря № 2",
    "переведений з СІЗО",
    "photo on file",
    "see card 17",
    "говорит только по-русски",
    "ранение ноги",
)


@dataclass(frozen=True)
class RegistryConfig:
    """Shares of each kind of row; each is the probability for one row."""

    categories: tuple[tuple[str, float], ...] = (
        ("pow", 0.80),
        ("civilian_internee", 0.07),
        ("missing", 0.11),
        ("deceased", 0.02),
    )
    # who wrote the row: Ukrainian registrars (uk_cyr, ua_2010) about half, the rest the
    # Russian way (Cyrillic, capitals, GOST/ICAO Latin)
    forms: tuple[tuple[str, float], ...] = (
        ("uk_cyr", 0.38),
        ("ua_2010", 0.12),
        ("ru_cyr", 0.26),
        ("ru_cyr_upper", 0.12),
        ("gost_52535", 0.06),
        ("icao_9303", 0.06),
    )
    forms_own: tuple[tuple[str, float], ...] = (  # our own missing people
        ("uk_cyr", 0.70),
        ("ua_2010", 0.15),
        ("ru_cyr", 0.10),
        ("ru_cyr_upper", 0.05),
    )
    ukrainian_surname_share: float = 0.15  # Russian soldiers with Ukrainian surnames
    russian_surname_share_own: float = 0.10  # our own people with Russian surnames
    namesake_rate: float = 0.04  # same surname and given name as a recent row
    namesake_same_year: float = 0.35  # ... and the same birth year
    birth_full: float = 0.77
    birth_year_month: float = 0.06
    birth_year: float = 0.09  # the rest: empty
    captured_full: float = 0.80
    captured_year_month: float = 0.10  # the rest: empty
    empty_given: float = 0.003
    empty_patronymic: float = 0.07
    empty_birth_place: float = 0.35
    empty_sex: float = 0.04
    empty_nationality: float = 0.04
    empty_rank: float = 0.15
    empty_unit: float = 0.20
    empty_service_number: float = 0.45
    empty_mother: float = 0.55
    empty_father: float = 0.60
    empty_capture_place: float = 0.20
    note_rate: float = 0.005  # rows with a value in the extra `note` column


def _picker(rng: random.Random, table: tuple[tuple[str, float], ...]) -> Callable[[], str]:
    names = [n for n, _ in table]
    cw = list(accumulate(w for _, w in table))
    return lambda: names[pick(rng, cw)]


def _nationality(category: str, rng: random.Random) -> str:
    if category == "missing":
        return "UA"
    if category == "civilian_internee":
        return "RU" if rng.random() < 0.7 else "UA"
    return "RU"


def _row(m: Man, form: str, cfg: RegistryConfig, rng: random.Random) -> list[str]:
    def maybe(empty: float, value: str) -> str:
        return "" if rng.random() < empty else value

    surname = r.surname(m, form)
    if form == "ru_cyr_upper":
        surname = surname.upper()
    captured = r.partial_date(m.captured_on, rng, cfg.captured_full, cfg.captured_year_month, 0)
    return [
        m.person_ref,
        surname,
        maybe(cfg.empty_given, r.given(m, form)),
        maybe(cfg.empty_patronymic, r.patronymic(m, form)),
        r.partial_date(m.birth_date, rng, cfg.birth_full, cfg.birth_year_month, cfg.birth_year),
        maybe(cfg.empty_birth_place, r.birth_place(m, form, rng)),
        maybe(cfg.empty_sex, "M"),
        maybe(cfg.empty_nationality, m.nationality),
        maybe(cfg.empty_rank, r.rank(m, form)) if m.category != "civilian_internee" else "",
        maybe(cfg.empty_unit, r.unit(m, form, rng)) if m.category != "civilian_internee" else "",
        maybe(cfg.empty_service_number, m.service_number) if m.category != "civilian_internee" else "",
        maybe(cfg.empty_mother, r.mother_name(m, form, rng)),
        maybe(cfg.empty_father, r.father_name(m, form)),
        m.category,
        captured,
        maybe(cfg.empty_capture_place, r.capture_place(m, form, rng)) if m.captured_on else "",
        rng.choice(_NOTES) if rng.random() < cfg.note_rate else "",
    ]


def write_registry(
    out_dir: Path | str, *, persons: int, seed: int, config: RegistryConfig | None = None
) -> SynthResult:
    """Write persons.csv and its hidden persons-truth.csv (who each row really is) into out_dir.

    Rows are made and written one at a time: memory does not grow with `persons`.
    """
    cfg = config or RegistryConfig()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"registry:{seed}")
    people = People(random.Random(f"people:{seed}"))
    category = _picker(rng, cfg.categories)
    form_of = _picker(rng, cfg.forms)
    form_own = _picker(rng, cfg.forms_own)
    recent: deque[Man] = deque(maxlen=512)
    counts: Counter[str] = Counter()
    path = out / "persons.csv"
    with open_writer(path, PERSONS_COLUMNS) as w, open_writer(out / PERSONS_TRUTH, IDENTITY_COLUMNS) as tw:
        for i in range(1, persons + 1):
            ref = f"S{i:07d}"
            cat = category()
            nat = _nationality(cat, rng)
            own = cat == "missing"
            if recent and rng.random() < cfg.namesake_rate:
                base = recent[rng.randrange(len(recent))]
                m = people.namesake(base, ref, cat, nat, rng.random() < cfg.namesake_same_year)
            else:
                other = cfg.russian_surname_share_own if own else cfg.ukrainian_surname_share
                native = (
                    ("ru" if rng.random() < other else "uk")
                    if own
                    else ("uk" if rng.random() < other else "ru")
                )
                m = people.man(ref, cat, nat, native)
            form = form_own() if own else form_of()
            m.registry_form = form
            recent.append(m)
            counts.update((f"form:{form}", f"category:{cat}", "namesake" if m.namesake_of else "unique"))
            w.writerow(_row(m, form, cfg, rng))
            tw.writerow(m.to_row())
    return SynthResult((path, out / PERSONS_TRUTH), persons, dict(counts))
