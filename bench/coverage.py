"""Coverage taken apart: what holds identifiable inquiries below p 0.95, and guard variants, offline.

    .venv/bin/python -m bench.coverage --seeds 1 2 3 4 5 --inquiries 10000
    .venv/bin/python -m bench.coverage --seeds 1 2 3 4 5 --variant engine --variant year-unique

Reads the registries and inquiry sets ``bench.tracing`` makes (bench/out/tracing/seedN-100000,
``--inquiries`` per set, both shares; made here the same way when missing) and their
ceilings (bench.ceiling), scores every
inquiry's candidates once with the engine's own retrieval and comparisons (cached per set
as ``coverage-rows.pickle``), and then applies, for each guard variant, the engine's
posterior with the prior estimated from each set (as ``trace prior`` does), the variant's
guard, the caps and the engine's order, as ``trace batch`` does (bench.calibration does the
same for the scale and offset). Output, pooled over the seeds, per share:

* why each identifiable inquiry is not covered: not found, another man first, the man first
  below the cap on his own weight, or held at the cap by the guard, with the guard's branch
  and the levels the man's comparison reached (what the inquiry gave that his record shares);
  and for the held ones whether the posterior alone would have made him confident;
* for each variant: recall@1, recall@10, confident answers, wrong ones (each listed with its
  shape), the 95% upper bound of the error, coverage / ceiling, and the deciles of p with
  the gap and z as bench.calibration gives them.

The variants, defined in :data:`VARIANTS`, are the engine's guard (``engine``), the guard
of session 6 (``session6``: the engine's without :meth:`.Scorer.dated_beyond_names`) and
the relaxations of the session-6 guard measured in session 7 (``dated-12+typo-noyear`` is
the one taken: docs/benchmarks.md, "Session 7: tracing coverage"). A guard is a function
of a candidate's comparisons; only a candidate above the cap is asked.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import pickle
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import powbureau
from bench.calibration import Deciles, scored_set, weighed
from bench.ceiling import ceilings
from bench.matching_data import (
    import_registry,
    log,
    make_inquiries,
    make_registry,
)
from bench.tracing import upper_error_bound
from powbureau.matching import MatchSettings, Scorer, default_settings
from powbureau.matching.prior import InquiryWeights, estimate_prior
from powbureau.matching.scoring import FieldComparison

OUT = Path("bench/out/tracing")
#: Bump when what the cache holds changes.
CACHE_VERSION = 2
#: Comparisons kept for the rows of highest weight only: no other can pass the cap.
KEEP_LEVELS = 3

Guard = Callable[[Sequence[FieldComparison]], bool]


@dataclass(frozen=True)
class Row:
    """One candidate: raw weight (scale 1, offset 0), id, whether he is the man sought, and
    (for the few of highest weight) his comparisons."""

    weight: float
    person_id: str
    right: bool
    comparisons: tuple[FieldComparison, ...] | None


@dataclass(frozen=True)
class Inquiry:
    ref: str
    held: bool
    identifiable: bool
    population: int
    rows: tuple[Row, ...]


def prepare(seed: int, persons: int, inquiries: int) -> None:
    """The registry, both inquiry sets and the imported database, made as bench.tracing
    makes them (and only when missing)."""
    work = OUT / f"seed{seed}-{persons}"
    persons_csv = make_registry(work / "registry", persons=persons, seed=seed)
    suffix = "" if inquiries == 1000 else f"-n{inquiries}"
    for share in (0.67, 0.33):
        make_inquiries(
            work / "registry",
            work / f"inquiries-{round(share * 100)}{suffix}",
            count=inquiries,
            seed=seed,
            held_share=share,
        )
    import_registry(work / "registry.db", persons_csv, seed=seed)


def extract(scorer: Scorer, seed: int, persons: int, folder: str) -> list[Inquiry]:
    """Every inquiry of one set, its candidates scored once (cached)."""
    work = OUT / f"seed{seed}-{persons}"
    cache = work / folder / "coverage-rows.pickle"
    key = (CACHE_VERSION, _code_fingerprint())
    if cache.exists():
        version, loaded = pickle.loads(cache.read_bytes())
        if version == key:
            return list(loaded)
    identifiable = ceilings(work / "registry", [work / folder])[work / folder].identifiable
    out = []
    for one in scored_set(scorer, seed, persons, folder):
        heaviest = sorted(range(len(one.candidates)), key=lambda i: -one.candidates[i][2])[:KEEP_LEVELS]
        rows = []
        for i, (record, levels, weight, given_frequency) in enumerate(one.candidates):
            kept = (
                scorer.comparisons(levels, one.frequency, given_frequency, one.units)
                if i in heaviest
                else None
            )
            rows.append(Row(weight, record.person_id, record.person_id == one.sought, kept))
        out.append(
            Inquiry(one.ref, one.sought is not None, one.ref in identifiable, one.population, tuple(rows))
        )
    cache.write_bytes(pickle.dumps((key, out)))
    return out


def _code_fingerprint() -> str:
    """A digest of the code and data that score a candidate (matching, names, the settings).

    The cached rows are only as good as the code that scored them: a change to a comparison
    or a key (a new spelling read) must not reuse rows scored before it."""
    digest = hashlib.sha256()
    root = Path(powbureau.__file__).parent
    for package in ("matching", "names"):
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".json", ".csv", ".tsv", ".txt"):
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _agreed(by_field: dict[str, FieldComparison], name: str, *levels: str) -> bool:
    c = by_field.get(name)
    return c is not None and c.weight > 0 and (not levels or c.level in levels)


def branch(comparisons: Sequence[FieldComparison]) -> str:
    """Which branch of the session-6 guard holds a candidate ('' when none does); the
    engine's guard is that guard less :meth:`.Scorer.dated_beyond_names`."""
    if Scorer.names_only(comparisons):
        return "names only"
    by_field = {c.field: c for c in comparisons}
    for name in ("given_name", "patronymic", "birth_date", "service_number", "mother_name"):
        c = by_field.get(name)
        if c is not None and c.level is not None and c.weight <= 0:
            return f"{name} disagrees"
    anchored = _agreed(by_field, "birth_date", "exact") or _agreed(by_field, "service_number")
    if not _agreed(by_field, "surname", "exact") and not anchored:
        return "surname approximate, not anchored"
    placed = _agreed(by_field, "birth_date") or _agreed(by_field, "capture_place")
    if not (
        anchored
        or (_agreed(by_field, "patronymic") and placed)
        or _agreed(by_field, "mother_name")
        or _agreed(by_field, "unit")
    ):
        return "nothing beyond name and approximate date"
    return ""


def shape(comparisons: Sequence[FieldComparison]) -> str:
    """The levels reached, field by field, missing ones left out: 'surname:exact given_name:exact ...'."""
    short = {
        "surname": "sur",
        "given_name": "giv",
        "patronymic": "pat",
        "birth_date": "born",
        "service_number": "sn",
        "unit": "unit",
        "mother_name": "mother",
        "capture_date": "cdate",
        "capture_place": "cplace",
    }
    return " ".join(f"{short[c.field]}:{c.level}" for c in comparisons if c.level is not None)


# ---- guard variants -------------------------------------------------------------------


def engine_guard(comparisons: Sequence[FieldComparison]) -> bool:
    return Scorer.names_only(comparisons) or Scorer.namesake_could_match(comparisons)


def session6_guard(comparisons: Sequence[FieldComparison]) -> bool:
    return bool(branch(comparisons))


def _relaxed(*allowed: Callable[[dict[str, FieldComparison]], bool]) -> Guard:
    """The session-6 guard, except that a candidate held only by its last branch ('nothing
    beyond name and approximate date') or by the approximate surname is let through when
    one of ``allowed`` says so."""

    def guard(comparisons: Sequence[FieldComparison]) -> bool:
        b = branch(comparisons)
        if not b:
            return False
        if b in ("nothing beyond name and approximate date", "surname approximate, not anchored"):
            by_field = {c.field: c for c in comparisons}
            return not any(rule(by_field) for rule in allowed)
        return True

    return guard


def _full_name_dated(f: dict[str, FieldComparison]) -> bool:
    """Surname and given name exact, a birth date that agrees at some level (month, year,
    a near-exact date): the posterior prices the namesakes of that year."""
    return (
        _agreed(f, "surname", "exact")
        and _agreed(f, "given_name", "exact")
        and _agreed(f, "birth_date", "month", "year", "swap", "year_off", "typo")
    )


def _month_or_near_exact(f: dict[str, FieldComparison]) -> bool:
    """Surname and given name exact, the birth date agrees to the month or near-exactly
    (swap, a year off, a digit): not a bare year."""
    return (
        _agreed(f, "surname", "exact")
        and _agreed(f, "given_name", "exact")
        and _agreed(f, "birth_date", "month", "swap", "year_off", "typo")
    )


def _approx_surname_dated(f: dict[str, FieldComparison]) -> bool:
    """A surname one typo away (or part of a compound), the given name exact, and a birth
    date near-exact (swap, a year off, a digit)."""
    return (
        _agreed(f, "surname", "typo", "part")
        and _agreed(f, "given_name", "exact")
        and _agreed(f, "birth_date", "swap", "year_off", "typo")
    )


NON_NAME = ("birth_date", "service_number", "unit", "mother_name", "capture_date", "capture_place")


def _dated_evidence(
    bits: float, *, surnames: tuple[str, ...] = ("exact",), dates: tuple[str, ...] = ()
) -> Callable[[dict[str, FieldComparison]], bool]:
    """The surname at one of ``surnames``, the given name exact, a birth date that agrees
    (at one of ``dates``; any level if none), and the fields beyond the names worth at
    least ``bits`` together."""

    def rule(f: dict[str, FieldComparison]) -> bool:
        return (
            _agreed(f, "surname", *surnames)
            and _agreed(f, "given_name", "exact")
            and _agreed(f, "birth_date", *dates)
            and math.fsum(f[n].weight for n in NON_NAME if n in f) >= bits
        )

    return rule


def _engine_and(rule: Callable[[dict[str, FieldComparison]], bool]) -> Guard:
    """The engine's guard, also releasing a candidate held by the approximate-surname branch
    when ``rule`` says so."""

    def guard(comparisons: Sequence[FieldComparison]) -> bool:
        if not engine_guard(comparisons):
            return False
        if branch(comparisons) != "surname approximate, not anchored":
            return True
        return not rule({c.field: c for c in comparisons})

    return guard


def _typo_full_name_dated(
    patronymic: tuple[str, ...], bits: float
) -> Callable[[dict[str, FieldComparison]], bool]:
    """A surname one typo away (or part of a compound), the given name exact, the patronymic
    at one of ``patronymic``, a birth date that agrees, and ``bits`` beyond the names."""

    def rule(f: dict[str, FieldComparison]) -> bool:
        return (
            _agreed(f, "surname", "typo", "part")
            and _agreed(f, "given_name", "exact")
            and _agreed(f, "patronymic", *patronymic)
            and _agreed(f, "birth_date")
            and math.fsum(f[n].weight for n in NON_NAME if n in f) >= bits
        )

    return rule


def _unit_anchor(bits: float) -> Guard:
    """The engine's guard, a unit anchoring a namesake match from ``bits`` on."""

    def guard(comparisons: Sequence[FieldComparison]) -> bool:
        return Scorer.names_only(comparisons) or Scorer.namesake_could_match(
            comparisons, unit_anchor_bits=bits
        )

    return guard


def _place_not_an_anchor(comparisons: Sequence[FieldComparison]) -> bool:
    """The engine's guard, the place of capture no longer anchoring a match without a
    birth date (session 11: many men are captured at one town, so a namesake shares it).
    Measured, not taken."""
    if engine_guard(comparisons):
        return True
    if any(c.field == "birth_date" and c.weight > 0 for c in comparisons):
        return False
    return Scorer.namesake_could_match([c for c in comparisons if c.field != "capture_place"])


#: The birth-date levels that give the month at least (session 11's stricter guards).
DATE_LEVELS = ("exact", "swap", "year_off", "typo", "month")


def _undated_unanchored(comparisons: Sequence[FieldComparison]) -> bool:
    """The engine's guard, and a match without a birth date that agrees to the month held
    whatever else anchors it but the service number (session 11: a unit or a mother's name
    copied to a namesake, bench/blind). Measured, not taken."""
    if engine_guard(comparisons):
        return True
    by_field = {c.field: c for c in comparisons}
    return not (_agreed(by_field, "service_number") or _agreed(by_field, "birth_date", *DATE_LEVELS))


VARIANTS: dict[str, Guard] = {
    "engine-undated-unanchored": _undated_unanchored,
    "engine-place-no-anchor": _place_not_an_anchor,
    "engine": engine_guard,
    "session6": session6_guard,
    "none-beyond-names-only": lambda cs: Scorer.names_only(cs),
    "full-name-dated": _relaxed(_full_name_dated),
    "month-or-near-exact": _relaxed(_month_or_near_exact),
    "approx-surname-dated": _relaxed(_approx_surname_dated),
    "month-or-near-exact+approx": _relaxed(_month_or_near_exact, _approx_surname_dated),
    "full-name-dated+approx": _relaxed(_full_name_dated, _approx_surname_dated),
    **{f"dated-{b}": _relaxed(_dated_evidence(b)) for b in (10, 11, 12, 13)},
    **{
        f"dated-{b}+typo": _relaxed(_dated_evidence(b, surnames=("exact", "typo", "part")))
        for b in (10, 11, 12, 13)
    },
    "dated-12-noyear+typo": _relaxed(
        _dated_evidence(12, surnames=("exact", "typo", "part"), dates=("swap", "year_off", "typo", "month"))
    ),
    "engine+typo-patronymic": _engine_and(_typo_full_name_dated(("exact", "close"), 0.0)),
    "engine+typo-patronymic-exact": _engine_and(_typo_full_name_dated(("exact",), 0.0)),
    "engine+typo-patronymic-8": _engine_and(_typo_full_name_dated(("exact", "close"), 8.0)),
    "dated-12+typo-noyear": _relaxed(
        _dated_evidence(12),
        _dated_evidence(12, surnames=("typo", "part"), dates=("swap", "year_off", "typo", "month")),
    ),
    # session 8: the engine's guard with another least weight for a unit to anchor a namesake
    # match (Scorer.UNIT_ANCHOR_BITS); 0: any agreeing unit anchors, as before session 8
    **{f"engine-unit-{b:g}": _unit_anchor(b) for b in (0, 9, 10, 10.5, 11, 11.5, 12, 13, 14, 99)},
}


# ---- scoring ----------------------------------------------------------------------------


@dataclass
class Shown:
    probability: float
    right: bool
    person_id: str
    guarded_by: str
    unguarded: float
    comparisons: tuple[FieldComparison, ...] | None


def shown(inquiry: Inquiry, settings: MatchSettings, registered: float, guard: Guard) -> list[Shown]:
    """The ten best candidates as the engine would show them with this guard."""
    if not inquiry.rows:
        return []
    weights, probabilities = weighed(
        [r.weight for r in inquiry.rows], inquiry.population, settings, registered
    )
    ranked = []
    cap = settings.names_only_cap
    for row, w, p in zip(inquiry.rows, weights, probabilities, strict=True):
        held = ""
        if p > cap:
            assert row.comparisons is not None, "a row above the cap has its comparisons kept"
            released = p >= settings.namesake_confident and Scorer.outweighs_namesakes(row.comparisons)
            if guard(row.comparisons) and not released:
                held = branch(row.comparisons) or "variant"
        q = min(cap if held else p, settings.max_probability)
        ranked.append((q, w, row.person_id, Shown(q, row.right, row.person_id, held, p, row.comparisons)))
    ranked.sort(key=lambda t: (-t[0], -t[1], t[2]))
    return [s for *_, s in ranked[:10]]


def prior_of(inquiries: Sequence[Inquiry], settings: MatchSettings) -> float:
    return estimate_prior(
        [
            InquiryWeights(tuple(settings.scale * r.weight + settings.offset for r in q.rows), q.population)
            for q in inquiries
        ],
        min_population=settings.min_population,
    ).registered


def breakdown(sets: Sequence[list[Inquiry]], settings: MatchSettings) -> list[str]:
    """Why the identifiable inquiries are not covered, with the engine's guard."""
    why: Counter[str] = Counter()
    shapes: Counter[tuple[str, str, bool]] = Counter()
    identifiable = 0
    for inquiries in sets:
        registered = prior_of(inquiries, settings)
        for q in inquiries:
            if not (q.held and q.identifiable):
                continue
            identifiable += 1
            top = shown(q, settings, registered, engine_guard)
            if top and top[0].right and top[0].probability >= settings.confident:
                continue
            mine = next((s for s in top if s.right), None)
            if mine is None:
                why["not among the ten"] += 1
            elif not top[0].right:
                why["another man first"] += 1
            elif mine.guarded_by:
                why[f"guard: {mine.guarded_by}"] += 1
                assert mine.comparisons is not None
                shapes[(mine.guarded_by, shape(mine.comparisons), mine.unguarded >= settings.confident)] += 1
            else:
                why["first, p < 0.95 on his weight"] += 1
    lines = [
        f"{identifiable} identifiable inquiries, {sum(why.values())} not covered:",
        "",
        "| why | inquiries |",
        "| --- | --- |",
        *(f"| {k} | {n} |" for k, n in why.most_common()),
        "",
        "Held by the guard, by branch and the levels the man's comparison reached "
        "(confident without the guard: the posterior alone gives p >= 0.95):",
        "",
        "| branch | levels | confident without the guard | inquiries |",
        "| --- | --- | --- | --- |",
        *(f"| {b} | {s} | {'yes' if c else 'no'} | {n} |" for (b, s, c), n in shapes.most_common(40)),
        "",
    ]
    return lines


def at_stake(sets: Sequence[list[Inquiry]], settings: MatchSettings) -> list[str]:
    """Inquiries whose first candidate the engine's guard holds at the cap although the
    posterior alone makes him confident: right and wrong, by branch and levels. What a
    relaxation of the guard for that shape would gain, and what it would cost."""
    table: Counter[tuple[str, str, str]] = Counter()
    for inquiries in sets:
        registered = prior_of(inquiries, settings)
        for q in inquiries:
            top = shown(q, settings, registered, engine_guard)
            if not top or not top[0].guarded_by or top[0].unguarded < settings.confident:
                continue
            assert top[0].comparisons is not None
            outcome = "right" if top[0].right else "wrong, held" if q.held else "wrong, not held"
            table[(top[0].guarded_by, shape(top[0].comparisons), outcome)] += 1
    shapes = sorted({(b, s) for b, s, _ in table}, key=lambda k: -sum(table[(*k, o)] for o in _OUTCOMES))
    return [
        "Held at the cap by the guard, confident on the posterior alone (first candidate):",
        "",
        "| branch | levels | right | wrong, not held | wrong, held |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {b} | {s} | " + " | ".join(str(table[(b, s, o)]) for o in _OUTCOMES) + " |" for b, s in shapes),
        "",
    ]


_OUTCOMES = ("right", "wrong, not held", "wrong, held")


def evaluate(
    label: str, sets: Sequence[list[Inquiry]], settings: MatchSettings, guard: Guard, seeds: Sequence[int]
) -> list[str]:
    bins = Deciles()
    held = ident = at1 = at10 = confident = covered = covered_ident = 0
    wrong: list[str] = []
    for seed, inquiries in zip(seeds, sets, strict=True):
        registered = prior_of(inquiries, settings)
        for q in inquiries:
            top = shown(q, settings, registered, guard)
            for row in top:
                bins.add(row.probability, row.right)
            if q.held:
                held += 1
                ident += q.identifiable
                at1 += bool(top) and top[0].right
                at10 += any(row.right for row in top)
            if top and top[0].probability >= settings.confident:
                confident += 1
                if top[0].right:
                    covered += 1
                    covered_ident += q.identifiable
                else:
                    c = top[0].comparisons
                    wrong.append(
                        f"seed {seed} {q.ref} ({'held' if q.held else 'not held'}, "
                        f"p {top[0].probability:.3f}): " + (shape(c) if c else "?")
                    )
    summary, largest, hl = bins.summary()
    deciles = [
        f"{d.index / 10:.1f}-{(d.index + 1) / 10:.1f}: {d.rows} / {d.mean:.3f} / {d.right:.3f} "
        f"({d.gap:+.3f}, z {d.z:+.1f})"
        for d in summary
    ]
    ceiling = ident / max(1, held)
    return [
        f"#### {label}",
        "",
        f"recall@1 {at1 / max(1, held):.4f}, recall@10 {at10 / max(1, held):.4f}; confident {confident}, "
        f"wrong {len(wrong)}, error <= {upper_error_bound(len(wrong), confident):.5f} (95%); coverage "
        f"{covered / max(1, held):.4f}, ceiling {ceiling:.4f}, coverage / ceiling "
        f"{covered / max(1, held) / ceiling if ceiling else 0:.4f} "
        f"(identifiable covered {covered_ident}/{ident}); "
        f"largest middle gap {largest:.3f}, HL {hl:.1f}",
        "",
        "deciles (rows / mean p / right (gap, z)): " + "; ".join(deciles),
        "",
        *(f"- wrong: {w}" for w in wrong),
        "",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.coverage", description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--inquiries", type=int, default=10_000)
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS), help="default: all")
    parser.add_argument("--no-breakdown", action="store_true")
    args = parser.parse_args(argv)
    settings = default_settings()
    scorer = Scorer(replace(settings, scale=1.0, offset=0.0))
    suffix = "" if args.inquiries == 1000 else f"-n{args.inquiries}"
    by_share: dict[str, list[list[Inquiry]]] = {"67": [], "33": []}
    for seed in args.seeds:
        prepare(seed, args.persons, args.inquiries)
        for share in by_share:
            by_share[share].append(extract(scorer, seed, args.persons, f"inquiries-{share}{suffix}"))
            log(f"seed {seed}, {share}% held: scored")
    print(f"`python -m bench.coverage {' '.join(sys.argv[1:] if argv is None else argv)}`\n")
    for share, label in (("67", "two thirds held"), ("33", "one third held")):
        print(f"### {label}\n")
        if not args.no_breakdown:
            print("\n".join(breakdown(by_share[share], settings)))
            print("\n".join(at_stake(by_share[share], settings)))
        for name in args.variant or list(VARIANTS):
            print(
                "\n".join(
                    evaluate(f"{label}, guard {name}", by_share[share], settings, VARIANTS[name], args.seeds)
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
