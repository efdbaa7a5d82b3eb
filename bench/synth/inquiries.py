"""inquiries.csv and truth.csv: families asking after men held, and after men not held."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

from . import render as r
from .crossforms import feminine
from .csvio import INQUIRY_COLUMNS, TRUTH_COLUMNS, open_writer
from .identity import Man, pick
from .names import FEMALE, MALE
from .result import SynthResult, form_tags
from .sampling import NotHeldMaker, Pool, sample_registry, settle_not_held
from .translit import transliterate
from .variants import Draft, apply_variants, choose_form

__all__ = ["InquiryConfig", "write_inquiries"]


@dataclass(frozen=True)
class InquiryConfig:
    """Rates of each hard case, as probabilities per inquiry (see docs/synthetic-data.md)."""

    held_share: float = 0.67
    not_held_kinds: tuple[tuple[str, float], ...] = (
        ("namesake", 0.45),
        ("similar_surname", 0.25),
        ("fresh", 0.30),
    )
    namesake_same_year: float = 0.35
    other_form: float = 0.5  # another language, script or scheme than the registry row
    family_forms: tuple[tuple[str, float], ...] = (
        ("ru_cyr", 0.40),
        ("uk_cyr", 0.18),
        ("ua_2010", 0.06),
        ("gost_52535", 0.04),
        ("icao_9303", 0.05),
        ("bgn_pcgn", 0.05),
        ("scientific", 0.03),
        ("iso9", 0.03),
        ("iso9_uk", 0.01),
        ("informal_en", 0.05),
        ("informal_de", 0.04),
        ("informal_fr", 0.03),
        ("informal_pl", 0.03),
    )
    # names (independent of each other)
    diminutive: float = 0.12
    surname_typo: float = 0.07
    no_patronymic: float = 0.25
    upper_case: float = 0.08
    surname_upper: float = 0.0
    # birth date: at most one of these (they add up), on the true full date
    birth_missing: float = 0.10
    birth_year_only: float = 0.08
    birth_year_month: float = 0.04
    birth_year_off: float = 0.04
    birth_digit_typo: float = 0.03
    birth_day_month_swap: float = 0.10  # of the remaining dates whose day is 12 or less
    # what else the family knows
    with_unit: float = 0.35
    with_service_number: float = 0.12
    with_mother_name: float = 0.40
    with_father_name: float = 0.30
    with_last_seen: float = 0.85


_RELATIONS = (
    ("mother", 45),
    ("wife", 20),
    ("father", 10),
    ("sister", 10),
    ("brother", 7),
    ("son", 3),
    ("daughter", 3),
    ("aunt", 2),
)
_REL_CW = [float(sum(w for _, w in _RELATIONS[: i + 1])) for i in range(len(_RELATIONS))]
_START = date(2022, 2, 24)


def _inquirer(m: Man, form: str, rng: random.Random) -> tuple[str, str, str]:
    relation = _RELATIONS[pick(rng, _REL_CW)][0]
    female = relation in ("mother", "wife", "sister", "daughter", "aunt")
    if relation == "mother":
        ru = (feminine(m.surname_ru, "ru"), m.mother_given_ru, m.mother_patronymic_ru)
        uk = (feminine(m.surname_uk, "uk"), m.mother_given_uk, m.mother_patronymic_uk)
    elif female:
        f = rng.choice(FEMALE)
        ru = (feminine(m.surname_ru, "ru"), f.ru, "")
        uk = (feminine(m.surname_uk, "uk"), f.uk, "")
    else:
        g = MALE[m.father_idx] if relation == "father" and m.father_idx >= 0 else rng.choice(MALE)
        ru, uk = (m.surname_ru, g.ru, ""), (m.surname_uk, g.uk, "")
    parts = ru if r.lang_of(form) == "ru" else uk
    name = r.spell(form, " ".join(p for p in parts if p))
    if rng.random() < 0.8:
        local = transliterate("icao_9303", f"{ru[1]} {ru[0]}").lower().replace(" ", ".")
        local = "".join(c for c in local if c.isascii() and (c.isalnum() or c == "."))
        contact = f"{local}{rng.randrange(10, 100)}@{rng.choice(('example.org', 'example.net'))}"
    else:
        contact = f"ICRC CTA case {rng.randrange(2022, 2026)}/{rng.randrange(10**6):06d}"
    return name, relation, contact


def _last_seen(m: Man, form: str, rng: random.Random) -> tuple[str, str]:
    if not m.captured_on:
        return "", ""
    seen = max(_START, date.fromisoformat(m.captured_on) - timedelta(days=rng.randrange(40)))
    on = r.partial_date(seen.isoformat(), rng, 0.7, 0.25, 0.0)
    place = r.capture_place(m, form, rng) if rng.random() < 0.55 else ""
    return on, place


def _row(
    ref: str, m: Man, form: str, cfg: InquiryConfig, rates: dict[str, float], rng: random.Random
) -> tuple[list[str], list[str]]:
    d = Draft(form, r.surname(m, form), r.given(m, form), r.patronymic(m, form), m.birth_date)
    apply_variants(d, m, rng, rates)
    soldier = m.category != "civilian_internee"
    unit = r.unit(m, form, rng) if soldier and rng.random() < cfg.with_unit else ""
    sn = r.service_number(m, form, rng) if soldier and rng.random() < cfg.with_service_number else ""
    mother = r.mother_name(m, form, rng) if rng.random() < cfg.with_mother_name else ""
    father = r.father_name(m, form) if rng.random() < cfg.with_father_name else ""
    on, place = _last_seen(m, form, rng) if rng.random() < cfg.with_last_seen else ("", "")
    who, relation, contact = _inquirer(m, form, rng)
    return (
        [
            ref,
            d.surname,
            d.given,
            d.patronymic,
            d.birth_date,
            unit,
            sn,
            mother,
            father,
            on,
            place,
            who,
            relation,
            contact,
        ],
        d.tags,
    )


def write_inquiries(
    registry_dir: Path | str,
    out_dir: Path | str,
    *,
    count: int,
    seed: int,
    held_share: float | None = None,
    config: InquiryConfig | None = None,
) -> SynthResult:
    """Write inquiries.csv and truth.csv about the registry in registry_dir."""
    cfg = config or InquiryConfig()
    share = cfg.held_share if held_share is None else held_share
    if not 0.0 <= share <= 1.0 or count < 0:
        raise ValueError(f"need 0 <= held share <= 1 and count >= 0, not {share} and {count}")
    registry, out = Path(registry_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"inquiries:{seed}")
    n_held = round(count * share)
    pools = sample_registry(
        registry,
        (
            Pool("held", lambda m: m.category in ("pow", "civilian_internee"), n_held),
            Pool("base", lambda m: True, count - n_held),
        ),
        rng,
    )
    if (count > n_held and not pools["base"]) or (n_held and not pools["held"]):
        raise ValueError(f"no pow or civilian_internee in {registry / 'persons.csv'}")
    maker = NotHeldMaker(random.Random(f"not-held:{seed}"), cfg.not_held_kinds, cfg.namesake_same_year)
    held = pools["held"]
    made = [maker.make(b, f"X{i:07d}") for i, b in enumerate(pools["base"])]
    not_held = [m for m, _ in made]
    scan = settle_not_held(registry, maker, not_held, held + not_held)
    items = [(m, m.person_ref, "", m.person_ref) for m in held]
    items += [
        (m, "", kind, base.person_ref)
        for m, (_, kind), base in zip(not_held, made, pools["base"], strict=True)
    ]
    rng.shuffle(items)
    rates = {k: v for k, v in asdict(cfg).items() if isinstance(v, float)}
    tags_seen: Counter[str] = Counter()
    with (
        open_writer(out / "inquiries.csv", INQUIRY_COLUMNS) as w,
        open_writer(out / "truth.csv", TRUTH_COLUMNS) as tw,
    ):
        for i, (m, person_ref, kind, base_ref) in enumerate(items, start=1):
            ref = f"Q{i:07d}"
            form = choose_form(rng, m.registry_form, cfg.other_form, cfg.family_forms)
            row, tags = _row(ref, m, form, cfg, rates, rng)
            tags = form_tags(m.registry_form, form) + tags
            tags_seen.update([*tags, f"not_held:{kind}" if kind else "held"])
            name = (m.surname_ru, m.given_ru)
            own = 1 if person_ref else 0
            w.writerow(row)
            tw.writerow(
                [
                    ref,
                    person_ref,
                    own,
                    kind,
                    base_ref,
                    m.registry_form,
                    form,
                    ";".join(tags),
                    scan.namesakes[name] - own,
                    scan.namesakes_same_year[(*name, m.birth_date[:4])] - own,
                ]
            )
    return SynthResult((out / "inquiries.csv", out / "truth.csv"), len(items), dict(tags_seen))
