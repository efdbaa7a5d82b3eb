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
  95% Clopper-Pearson upper bound on the error rate, pooled over the seeds too; every
  wrong confident answer with what explains it (bench.tracing_wrong);
* coverage: confident right answers among inquiries about men held, as it is and as a
  share of the ceiling (bench.ceiling: the share of those inquiries whose visible
  information rules out every registered man but the one sought, spellings undone);
* calibration: result rows grouped by deciles of p, mean p against the share right;
* latency of single inquiries in-process after 100 warm-ups, batch throughput, the
  import (keys included), and the tracing index rebuilt from the projection in a fresh
  process (wall, CPU, peak memory) with its size on disk.

Results go to bench/out/tracing/results.json and, as Markdown, to standard output.
The machine is shared: timings are noisy (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.ceiling import ceilings
from bench.matching_data import (
    import_registry,
    import_timing,
    log,
    make_inquiries,
    make_registry,
    read_inquiries,
    read_truth,
    refs_to_ids,
)
from bench.tracing_wrong import explain_wrong, markdown_rows
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
    results: dict[str, list[tuple[str, float]]],
    truth_csv: Path,
    only: set[str] | None = None,
    identifiable: set[str] | None = None,
) -> dict[str, Any]:
    """Recall, confident precision and calibration of one results file (``only``: those inquiries).

    ``identifiable``: the inquiries about men held that the ceiling finds identifiable
    (bench.ceiling); coverage is then also given as a share of the ceiling.
    """
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
    ceiling: dict[str, Any] = {}
    if identifiable is not None:
        right = {t.query_ref for t, (ref, _) in confident if ref == t.person_ref}
        ident = [t.query_ref for t in held if t.query_ref in identifiable]
        share = len(ident) / max(1, len(held))
        ceiling = {
            "ceiling": round(share, 4),
            "coverage_of_ceiling": round((len(confident) - len(wrong)) / max(1, len(held)) / share, 4)
            if share
            else 0.0,
            "identifiable_covered": f"{sum(q in right for q in ident)}/{len(ident)}",
            "covered_not_identifiable": sum(1 for q in right if q not in identifiable),
        }
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
        "confident_wrong_refs": wrong,
        "coverage": round((len(confident) - len(wrong)) / max(1, len(held)), 4),
        **ceiling,
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
        folder = work / f"inquiries-{round(share * 100)}{_count_suffix(args.inquiries)}"
        sets[share] = make_inquiries(
            work / "registry", folder, count=args.inquiries, seed=seed, held_share=share
        )
    db = work / "registry.db"
    url, _ = import_registry(db, persons_csv, seed=seed)
    report: dict[str, Any] = {"seed": seed, "persons": args.persons}
    timing = import_timing(db)
    if timing:
        report["import_seconds"] = timing["seconds"]
        report["import_persons_per_second"] = round(args.persons / timing["seconds"])
        log(f"seed {seed}: imported {args.persons} in {timing['seconds']:.1f} s")
    started = time.perf_counter()
    found = ceilings(work / "registry", [s.parent for s in sets.values()])
    log(f"seed {seed}: ceilings in {time.perf_counter() - started:.1f} s")
    report["index"] = index_build(url)
    engine = open_engine(url)
    for share, inquiries_csv in sets.items():
        out = inquiries_csv.with_name(
            "trace-results.csv" if args.prior == "fixed" else "trace-results-estimated.csv"
        )
        settings = None
        estimated = None
        if args.prior == "estimate":
            started = time.perf_counter()
            estimated = tracing.estimate_registered_share(
                uow=SqlUnitOfWork(engine, write=False), inquiries_csv=inquiries_csv
            )
            settings = tracing.settings_with_registered_share(estimated.registered)
            log(
                f"seed {seed} held {share}: prior estimated {estimated.registered:.4f} "
                f"in {estimated.rounds} rounds, {time.perf_counter() - started:.1f} s"
            )
        started, cpu = time.perf_counter(), time.process_time()
        summary = tracing.trace_batch(
            uow=SqlUnitOfWork(engine, write=False),
            reader=READER,
            inquiries_csv=inquiries_csv,
            top=10,
            out=out,
            settings=settings,
        )
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        ceiling = found[inquiries_csv.parent]
        scored = score(
            read_results(out), inquiries_csv.with_name("truth.csv"), identifiable=ceiling.identifiable
        )
        scored["ceiling_detail"] = ceiling.summary()
        scored["wrong_explained"] = explain_wrong(
            inquiries_csv.parent, work / "registry", scored["confident_wrong_refs"], out.name
        )
        if estimated is not None:
            scored["prior_registered_estimated"] = round(estimated.registered, 4)
        scored["batch_seconds"] = round(seconds, 1)
        scored["batch_cpu_seconds"] = round(cpu, 1)
        scored["batch_inquiries_per_second"] = round(summary.inquiries / seconds, 1)
        scored["batch_inquiries_per_cpu_second"] = round(summary.inquiries / cpu, 1)
        report[f"held_{round(share * 100)}"] = scored
        log(
            f"seed {seed} held {share}: r@1 {scored['recall_at_1']} "
            f"conf.prec {scored['confident_precision']} coverage {scored['coverage']} "
            f"of ceiling {scored['ceiling']}: {scored['coverage_of_ceiling']} in {seconds:.1f} s"
        )
    report["latency_ms"] = latency(engine, read_inquiries(sets[0.67]), args.latency)
    report["determinism"] = determinism(engine, sets[0.67])
    engine.dispose()
    report["fresh_process_seconds"] = fresh_process(url, read_inquiries(sets[0.67])[0][1])
    report["bench_process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    refs_to_ids(url)  # the registry is still readable after all of it
    return report


def index_build(url: str) -> dict[str, Any]:
    """Rebuild the tracing index from the projection in a fresh process (as migration 0002
    does): wall and CPU seconds, that process's peak memory, the tables' size on disk."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.tracing", "--rebuild-index", url],
        check=True,
        capture_output=True,
        text=True,
        cwd=PROJECT,
    )
    measured: dict[str, Any] = json.loads(done.stdout)
    return measured


def _peak_rss_mb() -> int:
    """This process's peak resident memory. VmHWM belongs to the process image, whereas
    ru_maxrss survives exec and would report the parent's size at fork."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _rebuild_index(url: str) -> dict[str, Any]:
    """The child of :func:`index_build`."""
    engine = open_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    with engine.begin() as conn:
        persons = rebuild_match_index(conn)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    with engine.connect() as conn:
        sizes = conn.exec_driver_sql(
            "SELECT name, SUM(pgsize) FROM dbstat WHERE name LIKE '%match%' GROUP BY name"
        ).all()
        keys = conn.exec_driver_sql("SELECT COUNT(*) FROM match_keys").scalar_one()
    engine.dispose()
    return {
        "persons": persons,
        "keys": keys,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "peak_rss_mb": _peak_rss_mb(),
        "disk_mb": round(sum(int(n) for _, n in sizes) / 2**20, 1),
        "disk_by_table_mb": {name: round(int(n) / 2**20, 1) for name, n in sizes},
    }


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


SHARES = (("held_67", "2/3"), ("held_33", "1/3"))


def pooled_precision(reports: Sequence[dict[str, Any]]) -> list[str]:
    """Confident answers and wrong ones summed over the seeds, per held share and in all."""
    lines = [
        "| held share | seeds | inquiries | confident (p≥0.95) | wrong | precision | error ≤ (95%) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    totals = [0, 0, 0]
    for key, share in SHARES:
        n = sum(r[key]["inquiries"] for r in reports)
        conf = sum(r[key]["confident_answers"] for r in reports)
        wrong = sum(r[key]["confident_wrong"] for r in reports)
        totals = [totals[0] + n, totals[1] + conf, totals[2] + wrong]
        lines.append(
            f"| {share} | {len(reports)} | {n} | {conf} | {wrong} | {1 - wrong / max(1, conf):.4f} | "
            f"{upper_error_bound(wrong, conf):.4f} |"
        )
    n, conf, wrong = totals
    lines.append(
        f"| both | {len(reports)} | {n} | {conf} | {wrong} | {1 - wrong / max(1, conf):.4f} | "
        f"{upper_error_bound(wrong, conf):.4f} |"
    )
    return lines


def markdown(reports: Sequence[dict[str, Any]], command: str) -> str:
    """The results as a Markdown section."""
    lines = [f"Command: `{command}`", ""]
    lines.append(
        "| seed | held share | recall@1 | recall@10 | confident (p≥0.95) | wrong | precision | "
        "error ≤ (95%) | coverage | ceiling | coverage / ceiling | max decile gap (rows) | batch inq/s |"
    )
    lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in reports:
        for key, share in SHARES:
            s = r[key]
            worst = max(s["deciles"], key=lambda d: d["gap"])
            lines.append(
                f"| {r['seed']} | {share} | {s['recall_at_1']:.3f} | {s['recall_at_10']:.3f} | "
                f"{s['confident_answers']} | {s['confident_wrong']} | {s['confident_precision']:.4f} | "
                f"{s['confident_error_upper95']:.4f} | {s['coverage']:.3f} | {s['ceiling']:.3f} | "
                f"{s['coverage_of_ceiling']:.3f} | {s['max_decile_gap']:.3f} ({worst['rows']}) | "
                f"{s['batch_inquiries_per_second']} |"
            )
    estimates = [
        f"seed {r['seed']}, {share}: {r[key]['prior_registered_estimated']:.3f}"
        for r in reports
        for key, share in SHARES
        if "prior_registered_estimated" in r[key]
    ]
    if estimates:
        lines += [
            "",
            "Prior estimated by `trace prior` (share of inquiries about registered men): "
            + "; ".join(estimates),
        ]
    lines += ["", "Confident precision, summed over the seeds:", ""]
    lines += pooled_precision(reports)
    lines += [
        "",
        "Ceiling detail: registered men the inquiry fails to rule out, he included (1 = identifiable); "
        "right confident answers among the identifiable, and on inquiries not identifiable; the "
        "stricter ceiling where the place of last news must be the place of capture.",
        "",
        "| seed | held share | held | 1 | 2 | 3-10 | 11-100 | >100 | covered / identifiable | "
        "covered, not identifiable | ceiling, place rules out |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in reports:
        for key, share in SHARES:
            s = r[key]
            c = s["ceiling_detail"]
            spread = " | ".join(str(c["remaining"][k]) for k in ("1", "2", "3-10", "11-100", ">100"))
            lines.append(
                f"| {r['seed']} | {share} | {c['held']} | {spread} | {s['identifiable_covered']} | "
                f"{s['covered_not_identifiable']} | {c['ceiling_place_rules_out']:.3f} |"
            )
    lines += [
        "",
        "Calibration per run: gap between mean p and the share right in each decile of p, "
        "(rows in the decile).",
        "",
        "| seed | held share | " + " | ".join(f"{i / 10:.1f}-{(i + 1) / 10:.1f}" for i in range(10)) + " |",
        "| --- | --- |" + " --- |" * 10,
    ]
    for r in reports:
        for key, share in SHARES:
            by_bin = {d["bin"]: d for d in r[key]["deciles"]}
            cells = []
            for i in range(10):
                d = by_bin.get(f"{i / 10:.1f}-{(i + 1) / 10:.1f}")
                cells.append(f"{d['gap']:.3f} ({d['rows']})" if d else "-")
            lines.append(f"| {r['seed']} | {share} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| seed | import (keys included) | persons/s | index rebuild, fresh process: wall / CPU / peak RSS | "
        "index on disk | latency p50 / p95 (ms) | batch CPU inq/s | fresh process | batch identical | "
        "alone = batch |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in reports:
        lat, det, ix = r["latency_ms"], r["determinism"], r["index"]
        cpu_rate = " / ".join(str(r[key]["batch_inquiries_per_cpu_second"]) for key, _ in SHARES)
        lines.append(
            f"| {r['seed']} | {r.get('import_seconds', '-')} s | {r.get('import_persons_per_second', '-')} | "
            f"{ix['seconds']} s / {ix['cpu_seconds']} s / {ix['peak_rss_mb']} MB | "
            f"{ix['disk_mb']} MB ({ix['persons']} profiles, {ix['keys']} keys) | "
            f"{lat['p50']} / {lat['p95']} | "
            f"{cpu_rate} | {r['fresh_process_seconds']} s | {det['batch_runs_identical']} | "
            f"{det['alone_equals_batch']} |"
        )
    for key, share in (("held_67", "two thirds"), ("held_33", "one third")):
        lines += ["", f"Calibration, all seeds pooled, {share} of inquiries about men held:", ""]
        lines += pooled_calibration(reports, key)
    lines += [
        "",
        "Wrong confident answers:",
        "",
        "| seed, share | inquiry | as written | hard cases | the man sought | named (p), registered as | "
        "the engine's explanation | named vs sought (truth) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in reports:
        for key, share in SHARES:
            lines += markdown_rows(f"{r['seed']}, {share}", r[key]["wrong_explained"])
    return "\n".join(lines)


def _count_suffix(inquiries: int) -> str:
    """Sets of another size than the default 1,000 (which bench.tracing_splink reads) are kept apart."""
    return "" if inquiries == 1000 else f"-n{inquiries}"


def _result_file(seed: int, persons: int, prior: str, inquiries: int) -> Path:
    name = "result" + _count_suffix(inquiries) + ("" if prior == "fixed" else "-estimated-prior") + ".json"
    return OUT / f"seed{seed}-{persons}" / name


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tracing", description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--inquiries", type=int, default=1_000)
    parser.add_argument("--latency", type=int, default=300, help="single inquiries timed after the warm-ups")
    parser.add_argument(
        "--prior",
        choices=("fixed", "estimate"),
        default="fixed",
        help="fixed: the settings' prior (one half registered); estimate: `trace prior` (EM, no "
        "truth) on each set of inquiries first, then `trace batch --prior-registered` with it",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="print the Markdown of the seeds' last results (bench/out/tracing/seedN-PERSONS/result.json)",
    )
    parser.add_argument("--rebuild-index", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rebuild_index:
        print(json.dumps(_rebuild_index(args.rebuild_index)))
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    reports = []
    for seed in args.seeds:
        path = _result_file(seed, args.persons, args.prior, args.inquiries)
        if args.report_only:
            reports.append(json.loads(path.read_text(encoding="utf-8")))
            continue
        report = run_seed(seed, args)
        path.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
        reports.append(report)
    command = "python -m bench.tracing " + " ".join(sys.argv[1:] if argv is None else argv)
    print(markdown(reports, command.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
