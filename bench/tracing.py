"""Tracing benchmark: recall, confident precision, calibration, latency, throughput.

    .venv/bin/python -m bench.tracing                       # 3 seeds x 100,000 persons
    .venv/bin/python -m bench.tracing --seeds 1 --persons 20000 --inquiries 300

For each seed: bench.synth writes a registry and two sets of inquiries (two thirds and
one third about men held), the registry is imported through the bureau's intake (its
tracing keys are written in the same transaction), ``trace batch`` answers every
inquiry, and the answers are scored against truth.csv. Figures:

* recall@1, recall@10: among inquiries about men held, the man is ranked first / in the
  first ten;
* confident precision: among inquiries whose best candidate has p >= 0.95, the share
  where he is the man sought (one about a man not held is always wrong), with a one-sided
  95% Clopper-Pearson upper bound on the error rate;
* calibration: result rows grouped by deciles of p, mean p against the share right;
* latency of single inquiries in-process after 100 warm-ups, batch throughput, the
  import (keys included) and the time to rebuild the tracing index from the projection.

Results go to bench/out/tracing/results.json and, as Markdown, to standard output.
The machine is shared: timings are noisy (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
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
from powbureau.domain.access import Channel, Reader
from powbureau.services import tracing
from powbureau.store.db import open_engine
from powbureau.store.match_index import rebuild_match_index
from powbureau.store.uow import SqlUnitOfWork

#: The benchmark reads as an operator at the command line would; every trace is audited.
READER = Reader(user="os:bench", channel=Channel.CLI, reason="benchmark")

CONFIDENT = 0.95
OUT = Path("bench/out/tracing")
PROJECT = Path(__file__).resolve().parents[1]


def upper_error_bound(errors: int, n: int, level: float = 0.95) -> float:
    """One-sided Clopper-Pearson upper bound of a binomial proportion (bisection)."""
    if n == 0:
        return 1.0
    if errors >= n:
        return 1.0

    def cdf(p: float) -> float:
        return math.fsum(
            math.exp(
                math.lgamma(n + 1)
                - math.lgamma(k + 1)
                - math.lgamma(n - k + 1)
                + k * math.log(p)
                + (n - k) * math.log1p(-p)
            )
            for k in range(errors + 1)
        )

    lo, hi = errors / n, 1.0 - 1e-12
    for _ in range(100):
        mid = (lo + hi) / 2
        if cdf(mid) > 1 - level:
            lo = mid
        else:
            hi = mid
    return hi


def read_results(path: Path) -> dict[str, list[tuple[str, float]]]:
    """trace-results.csv: query_ref -> [(person_ref, probability)] by rank."""
    found: dict[str, list[tuple[str, float]]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            found[row["query_ref"]].append((row["person_ref"], float(row["probability"])))
    return found


def score(
    results: dict[str, list[tuple[str, float]]], truth_csv: Path, only: set[str] | None = None
) -> dict[str, Any]:
    """Recall, confident precision and calibration of one results file (``only``: those inquiries)."""
    truth = {k: v for k, v in read_truth(truth_csv).items() if only is None or k in only}
    held = [t for t in truth.values() if t.person_ref]
    at1 = sum(1 for t in held if results.get(t.query_ref, [("", 0)])[0][0] == t.person_ref)
    at10 = sum(1 for t in held if t.person_ref in [r for r, _ in results.get(t.query_ref, [])[:10]])
    confident = [
        (t, results[t.query_ref][0])
        for t in truth.values()
        if results.get(t.query_ref) and results[t.query_ref][0][1] >= CONFIDENT
    ]
    wrong = [t.query_ref for t, (ref, _) in confident if ref != t.person_ref]
    bins: list[list[float]] = [[0.0, 0.0, 0.0] for _ in range(10)]  # sum p, right, count
    for t in truth.values():
        for ref, p in results.get(t.query_ref, []):
            b = bins[min(9, int(p * 10))]
            b[0] += p
            b[1] += ref == t.person_ref
            b[2] += 1
    deciles = [
        {
            "bin": f"{i / 10:.1f}-{(i + 1) / 10:.1f}",
            "rows": int(n),
            "predicted": round(s / n, 4),
            "observed": round(r / n, 4),
            "gap": round(abs(s - r) / n, 4),
        }
        for i, (s, r, n) in enumerate(bins)
        if n
    ]
    by_case: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for t in held:
        for tag in t.hard_cases or ("plain",):
            by_case[tag][0] += results.get(t.query_ref, [("", 0)])[0][0] == t.person_ref
            by_case[tag][1] += 1
    return {
        "inquiries": len(truth),
        "held": len(held),
        "recall_at_1": round(at1 / max(1, len(held)), 4),
        "recall_at_10": round(at10 / max(1, len(held)), 4),
        "confident_answers": len(confident),
        "confident_wrong": len(wrong),
        "confident_precision": round(1 - len(wrong) / max(1, len(confident)), 4),
        "confident_error_upper95": round(upper_error_bound(len(wrong), len(confident)), 4),
        "confident_wrong_refs": wrong[:20],
        "coverage": round((len(confident) - len(wrong)) / max(1, len(held)), 4),
        "deciles": deciles,
        "max_decile_gap": max((d["gap"] for d in deciles), default=0.0),
        "recall_at_1_by_case": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_case.items())},
    }


def run_seed(seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """Everything for one seed."""
    work = OUT / f"seed{seed}-{args.persons}"
    persons_csv = make_registry(work / "registry", persons=args.persons, seed=seed)
    sets = {}
    for share in (0.67, 0.33):
        folder = work / f"inquiries-{round(share * 100)}"
        sets[share] = make_inquiries(
            work / "registry", folder, count=args.inquiries, seed=seed, held_share=share
        )
    db = work / "registry.db"
    fresh = not db.exists()
    url, import_seconds = import_registry(db, persons_csv, seed=seed)
    report: dict[str, Any] = {"seed": seed, "persons": args.persons}
    if fresh:
        report["import_seconds"] = round(import_seconds, 1)
        report["import_persons_per_second"] = round(args.persons / import_seconds)
        log(f"seed {seed}: imported {args.persons} in {import_seconds:.1f} s")
    engine = open_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:  # rebuild the tracing index alone, as a migration would
        rebuild_match_index(conn)
    report["index_rebuild_seconds"] = round(time.perf_counter() - started, 1)
    for share, inquiries_csv in sets.items():
        out = inquiries_csv.with_name("trace-results.csv")
        started = time.perf_counter()
        summary = tracing.trace_batch(
            uow=SqlUnitOfWork(engine, write=False),
            reader=READER,
            inquiries_csv=inquiries_csv,
            top=10,
            out=out,
        )
        seconds = time.perf_counter() - started
        scored = score(read_results(out), inquiries_csv.with_name("truth.csv"))
        scored["batch_seconds"] = round(seconds, 1)
        scored["batch_inquiries_per_second"] = round(summary.inquiries / seconds, 1)
        report[f"held_{round(share * 100)}"] = scored
        log(
            f"seed {seed} held {share}: r@1 {scored['recall_at_1']} "
            f"conf.prec {scored['confident_precision']} gap {scored['max_decile_gap']} in {seconds:.1f} s"
        )
    report["latency_ms"] = latency(engine, read_inquiries(sets[0.67]), args.latency)
    report["determinism"] = determinism(engine, sets[0.67])
    engine.dispose()
    report["fresh_process_seconds"] = fresh_process(url, read_inquiries(sets[0.67])[0][1])
    refs_to_ids(url)  # the registry is still readable after all of it
    return report


def latency(engine: Any, inquiries: Sequence[tuple[str, Any]], count: int) -> dict[str, float]:
    """p50/p95 of single inquiries through the service, after 100 warm-ups."""
    for _ref, q in inquiries[:100]:
        tracing.trace_name(uow=SqlUnitOfWork(engine, write=False), reader=READER, query=q, top=10)
    times = []
    for _ref, q in inquiries[100 : 100 + count]:
        started = time.perf_counter()
        tracing.trace_name(uow=SqlUnitOfWork(engine, write=False), reader=READER, query=q, top=10)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "n": len(times),
        "p50": round(statistics.median(times), 1),
        "p95": round(times[int(0.95 * (len(times) - 1))], 1),
        "max": round(times[-1], 1),
    }


def determinism(engine: Any, inquiries_csv: Path) -> dict[str, Any]:
    """Two batch runs byte-identical; each of 50 inquiries alone gets its batch answer."""
    a, b = inquiries_csv.with_name("det-a.csv"), inquiries_csv.with_name("det-b.csv")
    for out in (a, b):
        tracing.trace_batch(
            uow=SqlUnitOfWork(engine, write=False),
            reader=READER,
            inquiries_csv=inquiries_csv,
            top=10,
            out=out,
        )
    batch = read_results(a)
    same = 0
    sample = read_inquiries(inquiries_csv)[:50]
    for ref, q in sample:
        alone = tracing.trace_name(uow=SqlUnitOfWork(engine, write=False), reader=READER, query=q, top=10)
        same += [(c.person_ref, f"{c.probability:.4f}") for c in alone] == [
            (r, f"{p:.4f}") for r, p in batch.get(ref, [])
        ]
    return {
        "batch_runs_identical": a.read_bytes() == b.read_bytes(),
        "alone_equals_batch": f"{same}/{len(sample)}",
    }


def fresh_process(url: str, query: Any) -> float:
    """Seconds for `powbureau trace name` in a new process (start-up included)."""
    text = " ".join(filter(None, (query.surname, query.given_name, query.patronymic)))
    started = time.perf_counter()
    subprocess.run(
        [str(PROJECT / ".venv/bin/powbureau"), "--db", url, "trace", "name", text, "--top", "10", "--json"],
        check=True,
        capture_output=True,
    )
    return round(time.perf_counter() - started, 2)


def wilson(right: float, n: float, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson interval of a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = right / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def pooled_calibration(reports: Sequence[dict[str, Any]], key: str) -> list[str]:
    """Deciles pooled over the seeds, with the 95% interval of the share right."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for r in reports:
        for d in r[key]["deciles"]:
            s = sums[d["bin"]]
            s[0] += d["predicted"] * d["rows"]
            s[1] += d["observed"] * d["rows"]
            s[2] += d["rows"]
    lines = [
        "| p | rows | mean p | share right | 95% interval | gap |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name in sorted(sums):
        p, right, n = sums[name]
        lo, hi = wilson(right, n)
        lines.append(
            f"| {name} | {int(n)} | {p / n:.4f} | {right / n:.4f} | {lo:.3f}-{hi:.3f} | "
            f"{abs(p - right) / n:.4f} |"
        )
    return lines


def markdown(reports: Sequence[dict[str, Any]], command: str) -> str:
    """The results as a Markdown section."""
    lines = [f"Command: `{command}`", ""]
    lines.append(
        "| seed | held share | recall@1 | recall@10 | confident (p≥0.95) | wrong | precision | "
        "error ≤ (95%) | coverage | max decile gap | batch inq/s |"
    )
    lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in reports:
        for key, share in (("held_67", "2/3"), ("held_33", "1/3")):
            s = r[key]
            lines.append(
                f"| {r['seed']} | {share} | {s['recall_at_1']:.3f} | {s['recall_at_10']:.3f} | "
                f"{s['confident_answers']} | {s['confident_wrong']} | {s['confident_precision']:.4f} | "
                f"{s['confident_error_upper95']:.4f} | {s['coverage']:.3f} | {s['max_decile_gap']:.3f} | "
                f"{s['batch_inquiries_per_second']} |"
            )
    lines += [
        "",
        "| seed | import (keys included) | persons/s | index rebuild | latency p50 / p95 (ms) | "
        "fresh process | batch identical | alone = batch |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in reports:
        lat, det = r["latency_ms"], r["determinism"]
        lines.append(
            f"| {r['seed']} | {r.get('import_seconds', '-')} s | {r.get('import_persons_per_second', '-')} | "
            f"{r['index_rebuild_seconds']} s | {lat['p50']} / {lat['p95']} | "
            f"{r['fresh_process_seconds']} s | {det['batch_runs_identical']} | {det['alone_equals_batch']} |"
        )
    for key, share in (("held_67", "two thirds"), ("held_33", "one third")):
        lines += ["", f"Calibration, all seeds pooled, {share} of inquiries about men held:", ""]
        lines += pooled_calibration(reports, key)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tracing", description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--inquiries", type=int, default=1_000)
    parser.add_argument("--latency", type=int, default=300, help="single inquiries timed after the warm-ups")
    parser.add_argument(
        "--report-only", action="store_true", help="print the Markdown of the last results.json"
    )
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        reports = json.loads((OUT / "results.json").read_text(encoding="utf-8"))
    else:
        reports = [run_seed(seed, args) for seed in args.seeds]
        (OUT / "results.json").write_text(json.dumps(reports, indent=1, ensure_ascii=False), encoding="utf-8")
    command = "python -m bench.tracing " + " ".join(sys.argv[1:] if argv is None else argv)
    print(markdown(reports, command.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
