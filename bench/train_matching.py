"""Train the matching settings (src/powbureau/matching/settings.json) on synthetic data.

    .venv/bin/python -m bench.train_matching            # the packaged settings, ~5 min
    .venv/bin/python -m bench.train_matching --out /tmp/settings.json --persons 20000
    .venv/bin/python -m bench.train_matching --calibrate-only   # keep m and u, fit scale and offset again

Reproducible: a fixed seed makes the registry, the inquiries, the registry ids, the
sampled pairs and therefore the settings byte for byte the same. Steps:

1. bench.synth writes a registry (100,000 persons) and inquiries (8,000, half about men
   held); the registry is imported through the bureau's own intake.
2. m of each comparison level: how often it occurs between an inquiry and the man it is
   really about (labelled pairs, as Splink's ``estimate_m_from_label_column``).
3. u: how often it occurs between an inquiry and randomly drawn registered men (as
   ``estimate_u_using_random_sampling``). The surname's exact level is replaced at query
   time by the registry's own frequency of the surname (term-frequency adjustment).
4. Each share is pulled towards a stated prior (PRIOR below) as if PRIOR_N more pairs had
   been seen; a level seen fewer than MIN_COUNT times among both the true and the random
   pairs takes the prior whole. The file shows every level's counts (m_count, u_count), so
   no level is silently defaulted. Every m and u is floored (m >= M_FLOOR, u >= U_FLOOR):
   an outcome never seen is no veto.
5. A near-exact birth date (swap, a year off, one digit off) must weigh more than a bare
   year: where it does not, its u is lowered until it does (listed under "adjusted").
6. Calibration: every inquiry's retrieved candidates are scored, and the scale and offset
   of the summed weights (term frequencies of surnames and given names included, as the
   engine scores them) are fitted by maximum likelihood of the true answer (a candidate,
   or "not registered") under the posterior of powbureau.matching.scoring (Newton's method).

``--calibrate-only`` keeps the packaged m and u and does step 6 alone, on sets of inquiries
with several shares about men held (``--shares``), each scored with its own share as the
prior, as the bureau scores with the share ``trace prior`` estimates: the calibration then
does not lean on one share. Use it after a change of the names layer or the comparisons;
m and u, and so the order of every inquiry's candidates, stay as they are.
"""

from __future__ import annotations

import argparse
import math
import random
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.matching_data import (
    import_registry,
    log,
    make_inquiries,
    make_registry,
    read_inquiries,
    read_truth,
    refs_to_ids,
)
from powbureau.matching import (
    COMPARISONS,
    ComparisonSettings,
    LevelSettings,
    MatchSettings,
    Profile,
    compare_all,
    inquiry_weights,
)
from powbureau.matching.settings import DEFAULT_PATH, default_settings
from powbureau.store.db import open_engine
from powbureau.store.match_index import MatchIndex, SqlCandidateIndex

SEED = 20261123
M_FLOOR = 0.002
U_FLOOR = 1e-6
MIN_COUNT = 5
PRIOR_N = 20.0
#: The expert's (m, u) per level: each estimate is pulled towards it as if PRIOR_N more
#: pairs had been seen, and a level that training saw fewer than MIN_COUNT times on both
#: sides takes it whole. u of rare agreements is worked out from the data's spread: a
#: service number is shared by about one pair in a million, a full birth date by one in
#: ten thousand.
PRIOR: dict[str, dict[str, tuple[float, float]]] = {
    "surname": {
        "exact": (0.85, 0.002),
        "part": (0.01, 0.0005),
        "typo": (0.08, 0.003),
        "close": (0.04, 0.02),
        "disagree": (0.02, 0.974),
    },
    "given_name": {
        "exact": (0.9, 0.04),
        "close": (0.04, 0.005),
        "initial": (0.01, 0.002),
        "disagree": (0.05, 0.93),
    },
    "patronymic": {
        "exact": (0.9, 0.04),
        "close": (0.04, 0.005),
        "initial": (0.01, 0.002),
        "disagree": (0.05, 0.93),
    },
    "birth_date": {
        "exact": (0.8, 0.0001),
        "swap": (0.03, 0.00004),
        "year_off": (0.03, 0.0002),
        "typo": (0.03, 0.002),
        "month": (0.05, 0.002),
        "year": (0.05, 0.025),
        "near": (0.01, 0.05),
        "disagree": (0.01, 0.92),
    },
    "service_number": {
        "exact": (0.9, 0.000001),
        "digits": (0.05, 0.000001),
        "typo": (0.02, 0.00006),
        "disagree": (0.03, 0.9999),
    },
    "unit": {"exact": (0.85, 0.002), "number": (0.05, 0.001), "disagree": (0.1, 0.997)},
    "mother_name": {
        "full": (0.6, 0.0005),
        "given": (0.3, 0.04),
        "given_only": (0.03, 0.04),
        "surname": (0.02, 0.002),
        "close": (0.02, 0.002),
        "disagree": (0.03, 0.9),
    },
    "capture_date": {"consistent": (0.95, 0.05), "earlier": (0.03, 0.5), "after": (0.02, 0.45)},
    "capture_place": {"agree": (0.9, 0.04), "disagree": (0.1, 0.96)},
}
_NEAR_EXACT_DATES = ("swap", "year_off", "typo")
_LN2 = math.log(2)


def _estimate(
    counts: Counter[str], prior: dict[str, float], floor: float, unseen: set[str]
) -> dict[str, float]:
    """Shares smoothed towards the prior (PRIOR_N pseudo-pairs), floored; the prior for ``unseen``."""
    total = sum(counts.values())
    norm = sum(prior.values())
    return {
        level: p if level in unseen else max(floor, (counts[level] + PRIOR_N * p / norm) / (total + PRIOR_N))
        for level, p in prior.items()
    }


def _count_levels(pairs: Sequence[tuple[Profile, Profile]]) -> list[Counter[str]]:
    counts: list[Counter[str]] = [Counter() for _ in COMPARISONS]
    for q, r in pairs:
        for i, level in enumerate(compare_all(q, r)):
            if level is not None:
                counts[i][level] += 1
    return counts


def estimate(
    true_pairs: Sequence[tuple[Profile, Profile]], random_pairs: Sequence[tuple[Profile, Profile]]
) -> tuple[tuple[ComparisonSettings, ...], list[str]]:
    """m and u of every level, from counts or the prior, floored, and ordered where they must be."""
    m_counts, u_counts = _count_levels(true_pairs), _count_levels(random_pairs)
    comparisons: list[ComparisonSettings] = []
    adjusted: list[str] = []
    for i, (name, levels, _fn) in enumerate(COMPARISONS):
        unseen = {lv for lv in levels if m_counts[i][lv] < MIN_COUNT and u_counts[i][lv] < MIN_COUNT}
        m = _estimate(m_counts[i], {lv: PRIOR[name][lv][0] for lv in levels}, M_FLOOR, unseen)
        u = _estimate(u_counts[i], {lv: PRIOR[name][lv][1] for lv in levels}, U_FLOOR, unseen)
        if name == "birth_date":
            year_weight = math.log2(m["year"] / u["year"])
            for lv in _NEAR_EXACT_DATES:
                if math.log2(m[lv] / u[lv]) < year_weight + 0.5:
                    u[lv] = m[lv] / 2 ** (year_weight + 0.5)
                    adjusted.append(f"birth_date.{lv}: u lowered so that it outweighs a bare year")
        first = levels[0]
        for lv in levels[1:]:
            if m[lv] / u[lv] > m[first] / u[first]:
                u[lv] = m[lv] / (m[first] / u[first])
                adjusted.append(f"{name}.{lv}: u raised so that it does not outweigh {first}")
        comparisons.append(
            ComparisonSettings(
                name,
                tuple(
                    LevelSettings(lv, round(m[lv], 6), round(u[lv], 8), m_counts[i][lv], u_counts[i][lv])
                    for lv in levels
                ),
                term_frequency=name in ("surname", "given_name"),
            )
        )
    return tuple(comparisons), adjusted


def _score_cases(
    cases: list[tuple[list[float], int | None, float]],
    candidates: SqlCandidateIndex,
    inquiries: Sequence[tuple[str, Any]],
    truth: dict[str, Any],
    ids: dict[str, str],
    settings: MatchSettings,
    log2_k: float,
) -> int:
    """Append each inquiry's candidates' weights (the engine's own, as scored for the
    posterior), the true one's position and log2 K to ``cases``; returns how many men held
    were among their candidates."""
    retrieved = 0
    for ref, query in inquiries:
        q = query.profile()
        records = candidates.candidates(q, "ours")
        weights = list(inquiry_weights(q, index=candidates, custody="ours", settings=settings).weights)
        sought = ids.get(truth[ref].person_ref) if truth[ref].person_ref else None
        position = next((i for i, r in enumerate(records) if r.person_id == sought), None)
        retrieved += position is not None
        cases.append((weights, position, log2_k))
    return retrieved


def _fit(cases: Sequence[tuple[list[float], int | None, float]]) -> tuple[float, float, float]:
    """Scale and offset maximising the likelihood of the true answers (Newton's method).

    ``cases``: (raw weights of the retrieved candidates, index of the true one or None,
    log2 K). Returns (scale, offset, mean log-likelihood).
    """
    a, b = 1.0, 0.0
    ll = 0.0
    for _ in range(50):
        ll, ga, gb, haa, hab, hbb = 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
        for weights, truth, log2_k in cases:
            s = [_LN2 * (a * w + b) for w in weights]
            c = _LN2 * log2_k
            top = max(c, *s) if s else c
            exps = [math.exp(x - top) for x in s]
            z = math.exp(c - top) + math.fsum(exps)
            p = [e / z for e in exps]
            ll += (s[truth] if truth is not None else c) - top - math.log(z)
            xa = [_LN2 * w for w in weights]
            ea = math.fsum(pi * x for pi, x in zip(p, xa, strict=True))
            eb = _LN2 * math.fsum(p)
            if truth is not None:
                ga += xa[truth] - ea
                gb += _LN2 - eb
            else:
                ga -= ea
                gb -= eb
            haa -= math.fsum(pi * x * x for pi, x in zip(p, xa, strict=True)) - ea * ea
            hab -= _LN2 * math.fsum(pi * x for pi, x in zip(p, xa, strict=True)) - ea * eb
            hbb -= _LN2 * _LN2 * math.fsum(p) - eb * eb
        det = haa * hbb - hab * hab
        if det == 0:
            break
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if abs(da) < 1e-7 and abs(db) < 1e-6:
            break
    return a, b, ll / max(1, len(cases))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.train_matching", description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--inquiries", type=int, default=8_000)
    parser.add_argument("--held-share", type=float, default=0.5)
    parser.add_argument("--random-pairs", type=int, default=40, help="random registry men per inquiry for u")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--work", type=Path, default=None, help="keep the data here (default: a temp folder)")
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    parser.add_argument(
        "--calibrate-only", action="store_true", help="keep the packaged m and u; fit scale and offset again"
    )
    parser.add_argument(
        "--shares",
        type=float,
        nargs="+",
        default=[0.33, 0.5, 0.67],
        help="held shares of the calibration sets",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="train-matching-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        settings = calibrate(args, work) if args.calibrate_only else train(args, work)
    settings.save(args.out)
    log(f"wrote {args.out}: scale {settings.scale}, offset {settings.offset}")
    return 0


def train(args: argparse.Namespace, work: Path) -> MatchSettings:
    """Every step of the module docstring; returns the settings."""
    seed = args.seed
    log(f"synthetic data in {work}")
    persons_csv = make_registry(work / "registry", persons=args.persons, seed=seed)
    inquiries_csv = make_inquiries(
        work / "registry", work / "inquiries", count=args.inquiries, seed=seed, held_share=args.held_share
    )
    url, seconds = import_registry(work / "registry.db", persons_csv, seed=seed)
    log(f"imported {args.persons} persons in {seconds:.1f} s")
    ids = refs_to_ids(url)
    truth = read_truth(work / "inquiries" / "truth.csv")
    inquiries = read_inquiries(inquiries_csv)
    engine = open_engine(url)
    with engine.connect() as conn:
        index = MatchIndex(conn)
        by_ref = sorted(ids.items())
        stored = {p.person_id: p for p in index.profiles([pid for _, pid in by_ref])}
    ours = [stored[pid] for _, pid in by_ref if pid in stored and stored[pid].custody == "ours"]
    rng = random.Random(f"train-pairs:{seed}")
    true_pairs: list[tuple[Profile, Profile]] = []
    random_pairs: list[tuple[Profile, Profile]] = []
    for ref, query in inquiries:
        q = query.profile()
        sought = ids.get(truth[ref].person_ref) if truth[ref].person_ref else None
        if sought is not None:
            true_pairs.append((q, stored[sought]))
        for r in rng.sample(ours, args.random_pairs):
            if r.person_id != sought:
                random_pairs.append((q, r))
    log(f"{len(true_pairs)} true pairs, {len(random_pairs)} random pairs")
    comparisons, adjusted = estimate(true_pairs, random_pairs)
    base = MatchSettings(comparisons=comparisons)
    cases: list[tuple[list[float], int | None, float]] = []
    with engine.connect() as conn:
        candidates = SqlCandidateIndex(conn)
        population = candidates.population("ours")
        log2_k = math.log2(max(population, base.min_population)) + math.log2(
            base.prior_not_registered / (1 - base.prior_not_registered)
        )
        retrieved = _score_cases(cases, candidates, inquiries, truth, ids, base, log2_k)
    engine.dispose()
    held = sum(1 for t in truth.values() if t.person_ref)
    log(f"retrieval: {retrieved} of {held} men held were among the candidates")
    scale, offset, ll = _fit(cases)
    log(f"calibration: scale {scale:.4f}, offset {offset:.4f}, mean log-likelihood {ll:.4f}")
    provenance = {
        "command": "python -m bench.train_matching"
        + "".join(f" --{k.replace('_', '-')} {v}" for k, v in sorted(vars(args).items()) if k in _SHOWN),
        "seed": seed,
        "persons": args.persons,
        "inquiries": args.inquiries,
        "held_share": args.held_share,
        "true_pairs": len(true_pairs),
        "random_pairs": len(random_pairs),
        "population": population,
        "retrieved_held": f"{retrieved}/{held}",
        "mean_log_likelihood": round(ll, 4),
        "min_count": MIN_COUNT,
        "prior_n": PRIOR_N,
        "m_floor": M_FLOOR,
        "u_floor": U_FLOOR,
        "adjusted": adjusted,
    }
    return replace(base, scale=round(scale, 4), offset=round(offset, 4), trained_with=provenance)


_SHOWN = frozenset({"persons", "inquiries", "held_share", "random_pairs", "seed"})


def calibrate(args: argparse.Namespace, work: Path) -> MatchSettings:
    """Step 6 alone with the packaged m and u, on one set of inquiries per held share."""
    seed = args.seed
    packaged = default_settings()
    log(f"synthetic data in {work}")
    persons_csv = make_registry(work / "registry", persons=args.persons, seed=seed)
    url, seconds = import_registry(work / "registry.db", persons_csv, seed=seed)
    log(f"imported {args.persons} persons in {seconds:.1f} s")
    ids = refs_to_ids(url)
    base = replace(packaged, scale=1.0, offset=0.0)
    cases: list[tuple[list[float], int | None, float]] = []
    sets = []
    engine = open_engine(url)
    with engine.connect() as conn:
        candidates = SqlCandidateIndex(conn)
        population = candidates.population("ours")
        for share in args.shares:
            folder = work / f"inquiries-{round(share * 100)}"
            inquiries_csv = make_inquiries(
                work / "registry", folder, count=args.inquiries, seed=seed, held_share=share
            )
            truth = read_truth(folder / "truth.csv")
            inquiries = read_inquiries(inquiries_csv)
            held = sum(1 for t in truth.values() if t.person_ref)
            log2_k = math.log2(max(population, packaged.min_population)) + math.log2(
                (len(truth) - held) / held
            )
            retrieved = _score_cases(cases, candidates, inquiries, truth, ids, base, log2_k)
            sets.append(
                {"held_share": share, "inquiries": len(truth), "retrieved_held": f"{retrieved}/{held}"}
            )
            log(f"share {share}: {retrieved} of {held} men held were among the candidates")
    engine.dispose()
    scale, offset, ll = _fit(cases)
    log(f"calibration: scale {scale:.4f}, offset {offset:.4f}, mean log-likelihood {ll:.4f}")
    provenance = dict(packaged.trained_with)
    provenance["calibration"] = {
        "command": f"python -m bench.train_matching --calibrate-only --persons {args.persons} "
        f"--inquiries {args.inquiries} --seed {seed} --shares {' '.join(str(s) for s in args.shares)}",
        "seed": seed,
        "persons": args.persons,
        "population": population,
        "sets": sets,
        "mean_log_likelihood": round(ll, 4),
        "earlier": {"scale": packaged.scale, "offset": packaged.offset},
    }
    return replace(packaged, scale=round(scale, 4), offset=round(offset, 4), trained_with=provenance)


if __name__ == "__main__":
    raise SystemExit(main())
