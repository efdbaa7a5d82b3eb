"""exchange-list.csv: the other party's list, written the other side's way, with its truth."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from . import render as r
from .csvio import EXCHANGE_COLUMNS, EXCHANGE_TRUTH, EXCHANGE_TRUTH_COLUMNS, open_writer
from .identity import Man, pick
from .result import SynthResult, form_tags
from .sampling import NotHeldMaker, Pool, sample_registry, settle_not_held
from .variants import Draft, apply_variants

__all__ = ["ExchangeConfig", "write_exchange_list"]

_CUSTODY = ("pow", "civilian_internee", "deceased")


@dataclass(frozen=True)
class ExchangeConfig:
    """Shares of each kind of row and rates of each hard case, per list row."""

    in_registry_share: float = 0.75
    kinds: tuple[tuple[str, float], ...] = (("request", 0.5), ("held", 0.3), ("offer", 0.2))
    not_held_kinds: tuple[tuple[str, float], ...] = (
        ("namesake", 0.4),
        ("similar_surname", 0.3),
        ("fresh", 0.3),
    )
    namesake_same_year: float = 0.3
    latin: float = 0.12  # Latin instead of the other side's Cyrillic
    surname_upper: float = 0.55
    upper_case: float = 0.15
    surname_typo: float = 0.04
    no_patronymic: float = 0.08
    diminutive: float = 0.0
    birth_missing: float = 0.08
    birth_year_only: float = 0.06
    birth_year_month: float = 0.03
    birth_year_off: float = 0.03
    birth_digit_typo: float = 0.02
    birth_day_month_swap: float = 0.05
    with_rank: float = 0.7
    with_unit: float = 0.6
    with_service_number: float = 0.4
    # None: every row in the other language of its registration (the default, the hardest);
    # "ru": the whole list in Russian forms, as the other side writes; "uk": in Ukrainian forms
    list_language: str | None = None


def _other_side_form(registry_form: str, cfg: ExchangeConfig, rng: random.Random) -> str:
    """Russian forms for a man the registry wrote the Ukrainian way, and vice versa; or the
    list's own language (``list_language``) whatever the registry wrote."""
    latin = rng.random() < cfg.latin
    language = cfg.list_language or ("ru" if r.lang_of(registry_form) == "uk" else "uk")
    if language == "ru":
        return rng.choice(("icao_9303", "gost_52535")) if latin else "ru_cyr"
    return "ua_2010" if latin else "uk_cyr"


def _claim(kind: str, rng: random.Random) -> tuple[str, str]:
    u = rng.random()
    if kind == "request":
        state = "" if u < 0.7 else "held" if u < 0.95 else "wounded"
    elif kind == "held":
        state = "held" if u < 0.7 else "wounded"
    else:
        state = "held" if u < 0.55 else "wounded"
    if state != "wounded":
        return state, ""
    medical = ("seriously_wounded", "seriously_sick", "incurable")
    return state, medical[pick(rng, [0.5, 0.8, 1.0])]


def _row(
    ref: str, kind: str, m: Man, form: str, cfg: ExchangeConfig, rates: dict[str, float], rng: random.Random
) -> tuple[list[str], list[str]]:
    d = Draft(form, r.surname(m, form), r.given(m, form), r.patronymic(m, form), m.birth_date)
    apply_variants(d, m, rng, rates)
    state, medical = _claim(kind, rng)
    soldier = m.category != "civilian_internee"
    rank = r.rank(m, form) if soldier and rng.random() < cfg.with_rank else ""
    unit = r.unit(m, form, rng) if soldier and rng.random() < cfg.with_unit else ""
    sn = m.service_number if soldier and rng.random() < cfg.with_service_number else ""
    return (
        [ref, kind, state, medical, d.surname, d.given, d.patronymic, d.birth_date, rank, unit, sn],
        d.tags,
    )


def write_exchange_list(
    registry_dir: Path | str,
    out_dir: Path | str,
    *,
    rows: int,
    seed: int,
    config: ExchangeConfig | None = None,
) -> SynthResult:
    """Write exchange-list.csv and exchange-truth.csv for the registry in registry_dir.

    Requests name men in our custody (matched, or deceased); held lists and offers name our
    own missing people (matched); the rest name men in neither (not_held).
    """
    cfg = config or ExchangeConfig()
    if cfg.list_language not in (None, "ru", "uk"):
        raise ValueError(f"list_language must be ru, uk or None, not {cfg.list_language!r}")
    registry, out = Path(registry_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"exchange:{seed}")
    kind_names = [k for k, _ in cfg.kinds]
    kind_cw = [sum(w for _, w in cfg.kinds[: i + 1]) for i in range(len(cfg.kinds))]
    plan = [(kind_names[pick(rng, kind_cw)], rng.random() < cfg.in_registry_share) for _ in range(rows)]
    n_req = sum(1 for k, inside in plan if inside and k == "request")
    n_own = sum(1 for k, inside in plan if inside and k != "request")
    pools = sample_registry(
        registry,
        (
            Pool("custody", lambda m: m.category in _CUSTODY, n_req, repeat=False),
            Pool("own", lambda m: m.category == "missing", n_own, repeat=False),
            Pool("base", lambda m: True, rows),
        ),
        rng,
    )
    if not pools["base"]:
        raise ValueError(f"no persons in {registry / 'persons.csv'}")
    maker = NotHeldMaker(
        random.Random(f"exchange-not-held:{seed}"), cfg.not_held_kinds, cfg.namesake_same_year
    )
    custody, own, bases = iter(pools["custody"]), iter(pools["own"]), iter(pools["base"])
    entries: list[tuple[str, Man, str, str]] = []  # kind, man, not_held_kind, base ref
    not_held: list[Man] = []
    for kind, inside in plan:
        man = next(custody if kind == "request" else own, None) if inside else None
        if man is not None:
            entries.append((kind, man, "", man.person_ref))
            continue
        base = next(bases)
        made, nh_kind = maker.make(base, f"X{len(not_held):07d}")
        not_held.append(made)
        entries.append((kind, made, nh_kind, base.person_ref))
    settle_not_held(registry, maker, not_held, [])
    settled = iter(not_held)
    entries = [(k, next(settled) if nh else m, nh, b) for k, m, nh, b in entries]
    rates = {k: v for k, v in asdict(cfg).items() if isinstance(v, float)}
    counts: Counter[str] = Counter()
    with (
        open_writer(out / "exchange-list.csv", EXCHANGE_COLUMNS) as w,
        open_writer(out / EXCHANGE_TRUTH, EXCHANGE_TRUTH_COLUMNS) as tw,
    ):
        for i, (kind, m, nh_kind, base_ref) in enumerate(entries, start=1):
            ref = f"L{i:06d}"
            form = _other_side_form(m.registry_form, cfg, rng)
            row, tags = _row(ref, kind, m, form, cfg, rates, rng)
            tags = form_tags(m.registry_form, form) + tags
            held = not nh_kind
            status = ("deceased" if m.category == "deceased" else "matched") if held else "not_held"
            counts.update([*tags, f"status:{status}", f"kind:{kind}"])
            w.writerow(row)
            tw.writerow(
                [
                    ref,
                    m.person_ref if held else "",
                    status,
                    kind,
                    nh_kind,
                    base_ref,
                    m.registry_form,
                    form,
                    ";".join(tags),
                ]
            )
    return SynthResult((out / "exchange-list.csv", out / EXCHANGE_TRUTH), len(entries), dict(counts))
