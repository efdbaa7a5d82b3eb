"""Calibration taken apart: the middle deciles of p under variants of the settings, offline.

    .venv/bin/python -m bench.calibration --seeds 1 2 3 4 5 --inquiries 10000
    .venv/bin/python -m bench.calibration --seeds 6 7 8 9 10 --inquiries 10000 --no-given-frequency
    .venv/bin/python -m bench.calibration --seeds 1 2 3 4 5 --inquiries 10000 --scale 0.9902 --offset 0.0495

Reads the registries and inquiry sets ``bench.tracing`` made (bench/out/tracing/seedN-100000,
``--inquiries`` per set, both shares), scores every inquiry's candidates once with the
engine's own retrieval and comparisons, and then, for the scale and offset given, applies
the engine's posterior (with the prior estimated from each set, as ``trace prior`` does),
its namesake guard, its caps and its order, as ``trace batch`` does. The result: confident
answers, wrong ones, and per decile of p the rows, mean p, share right, gap and z (the gap
over its binomial standard error), pooled over the seeds, per share and for both; HL is the
sum of z² over the eight middle deciles (about 8 from chance alone).

``--no-given-frequency`` scores with the given name's fixed u (the engine before session 6).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bench.matching_data import log, read_inquiries, read_truth, refs_to_ids
from powbureau.matching import MatchSettings, Profile, Scorer, default_settings
from powbureau.matching.engine import _score_all
from powbureau.matching.prior import InquiryWeights, estimate_prior
from powbureau.matching.scoring import posterior
from powbureau.store.db import open_engine
from powbureau.store.match_index import SqlCandidateIndex

OUT = Path("bench/out/tracing")


@dataclass(frozen=True)
class Row:
    """One candidate: raw weight (scale 1, offset 0), held by the guard (unless he
    outweighs namesakes and his probability reaches ``namesake_confident``), id, the man
    sought."""

    weight: float
    guarded: bool
    outweighs: bool
    person_id: str
    right: bool


@dataclass(frozen=True)
class Inquiry:
    population: int
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Scored:
    """One inquiry scored as the engine scores it: its ref, the registry id of the man
    sought (None: not held), the population, the surname's frequency, the unit's (and its
    number's), and every candidate with its levels, weight and shared given name's
    frequency (``engine._score_all``)."""

    ref: str
    sought: str | None
    population: int
    frequency: float | None
    candidates: list[tuple[Profile, tuple[str | None, ...], float, float | None]]
    units: tuple[float, float] | None = None


def scored_set(scorer: Scorer, seed: int, persons: int, folder: str) -> Iterator[Scored]:
    """Every inquiry of one set that ``bench.tracing`` made, scored against its registry."""
    work = OUT / f"seed{seed}-{persons}"
    url = f"sqlite:///{work}/registry.db"
    ids = refs_to_ids(url)
    truth = read_truth(work / folder / "truth.csv")
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            index = SqlCandidateIndex(conn)
            for ref, query in read_inquiries(work / folder / "inquiries.csv"):
                q = query.profile()
                records = index.candidates(q, "ours")
                population, frequency, units, scored = _score_all(
                    scorer, q, records, index=index, custody="ours", inquiry=True
                )
                sought = ids.get(truth[ref].person_ref) if truth[ref].person_ref else None
                yield Scored(ref, sought, population, frequency, scored, units)
    finally:
        engine.dispose()


def extract(settings: MatchSettings, seed: int, persons: int, folder: str) -> list[Inquiry]:
    """Every inquiry of one set, its candidates scored once."""
    scorer = Scorer(replace(settings, scale=1.0, offset=0.0))
    out = []
    for one in scored_set(scorer, seed, persons, folder):
        rows = []
        for record, levels, weight, given_frequency in one.candidates:
            comparisons = scorer.comparisons(levels, one.frequency, given_frequency, one.units)
            guarded = scorer.names_only(comparisons) or scorer.namesake_could_match(comparisons)
            outweighs = scorer.outweighs_namesakes(comparisons)
            rows.append(Row(weight, guarded, outweighs, record.person_id, record.person_id == one.sought))
        out.append(Inquiry(one.population, tuple(rows)))
    return out


def weighed(
    raw: Sequence[float], population: int, settings: MatchSettings, registered: float
) -> tuple[list[float], list[float]]:
    """Candidates' calibrated weights (from ``raw``, scale 1 and offset 0) and their
    probabilities by the engine's :func:`.posterior`, ``registered`` being the share of
    inquiries about registered men."""
    weights = [settings.scale * w + settings.offset for w in raw]
    probabilities = posterior(
        weights, population=population, prior_none=1 - registered, min_population=settings.min_population
    )
    return weights, probabilities


def shown(inquiry: Inquiry, settings: MatchSettings, registered: float) -> list[tuple[float, bool]]:
    """The ten best candidates' probabilities as the engine shows them, and whether each is right."""
    if not inquiry.rows:
        return []
    weights, probabilities = weighed(
        [r.weight for r in inquiry.rows], inquiry.population, settings, registered
    )
    ranked = []
    for row, w, p in zip(inquiry.rows, weights, probabilities, strict=True):
        held = row.guarded and not (row.outweighs and p >= settings.namesake_confident)
        p = min(
            settings.names_only_cap if held and p > settings.names_only_cap else p, settings.max_probability
        )
        ranked.append((p, w, row.person_id, row.right))
    ranked.sort(key=lambda t: (-t[0], -t[1], t[2]))
    return [(p, right) for p, _, _, right in ranked[:10]]


@dataclass(frozen=True)
class Decile:
    """One decile of p: rows, mean p, share right, the gap and z (the gap over its standard error)."""

    index: int
    rows: int
    mean: float
    right: float
    gap: float
    z: float


class Deciles:
    """Shown candidates by decile of p, and the figures every calibration report gives."""

    def __init__(self) -> None:
        self._bins = [[0.0, 0.0, 0, 0.0] for _ in range(10)]  # sum p, right, rows, sum p(1-p)

    def add(self, p: float, right: bool) -> None:
        b = self._bins[min(9, int(p * 10))]
        b[0] += p
        b[1] += right
        b[2] += 1
        b[3] += p * (1 - p)

    def summary(self) -> tuple[list[Decile], float, float]:
        """The non-empty deciles, the largest middle gap and HL (z² summed over the eight middle)."""
        deciles, hl, largest = [], 0.0, 0.0
        for i, (s, r, n, v) in enumerate(self._bins):
            if not n:
                continue
            z = (r - s) / math.sqrt(v) if v > 0 else 0.0
            if 0 < i < 9:
                hl += z * z
                largest = max(largest, abs(r - s) / n)
            deciles.append(Decile(i, int(n), s / n, r / n, (r - s) / n, z))
        return deciles, largest, hl


def report(label: str, sets: Sequence[list[Inquiry]], settings: MatchSettings) -> str:
    """Confident and wrong answers, and the deciles, pooled over ``sets``."""
    bins = Deciles()
    confident = wrong = 0
    for inquiries in sets:
        registered = estimate_prior(
            [
                InquiryWeights(
                    tuple(settings.scale * r.weight + settings.offset for r in q.rows), q.population
                )
                for q in inquiries
            ],
            min_population=settings.min_population,
        ).registered
        for q in inquiries:
            top = shown(q, settings, registered)
            for p, right in top:
                bins.add(p, right)
            if top and top[0][0] >= settings.confident:
                confident += 1
                wrong += not top[0][1]
    lines = [
        f"### {label}: {confident} confident, {wrong} wrong",
        "",
        "| p | rows | mean p | right | gap | z |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    deciles, largest, hl = bins.summary()
    for d in deciles:
        lines.append(
            f"| {d.index / 10:.1f}-{(d.index + 1) / 10:.1f} | {d.rows} | {d.mean:.3f} | {d.right:.3f} "
            f"| {d.gap:+.3f} | {d.z:+.1f} |"
        )
    lines += ["", f"Largest middle gap {largest:.3f}, HL (8 deciles) {hl:.1f}", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.calibration", description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--inquiries", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=None)
    parser.add_argument("--offset", type=float, default=None)
    parser.add_argument("--no-given-frequency", action="store_true")
    args = parser.parse_args(argv)
    settings = default_settings()
    if args.no_given_frequency:
        settings = replace(
            settings,
            comparisons=tuple(
                replace(c, term_frequency=False) if c.name == "given_name" else c
                for c in settings.comparisons
            ),
        )
    settings = replace(
        settings,
        scale=settings.scale if args.scale is None else args.scale,
        offset=settings.offset if args.offset is None else args.offset,
    )
    suffix = "" if args.inquiries == 1000 else f"-n{args.inquiries}"
    by_share: dict[str, list[list[Inquiry]]] = {"67": [], "33": []}
    for seed in args.seeds:
        for share in by_share:
            by_share[share].append(extract(settings, seed, args.persons, f"inquiries-{share}{suffix}"))
            log(f"seed {seed}, {share}% held: scored")
    print(f"`python -m bench.calibration {' '.join(sys.argv[1:] if argv is None else argv)}`")
    given = "fixed u" if args.no_given_frequency else "term frequencies"
    print(f"scale {settings.scale}, offset {settings.offset}, given names: {given}\n")
    print(report("two thirds held", by_share["67"], settings))
    print(report("one third held", by_share["33"], settings))
    print(report("both", [*by_share["67"], *by_share["33"]], settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
