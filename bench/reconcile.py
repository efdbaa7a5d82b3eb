"""Reconciliation benchmark: exchange lists of 1,000 rows against registries of 100,000 and 1,000,000.

    .venv/bin/python -m bench.reconcile                          # 100k and 1M, lists of seeds 22-24
    .venv/bin/python -m bench.reconcile --persons 20000 --seeds 22 --rows 300

For each registry size bench.synth writes a registry (seed 21; about 11% our own missing
people, custody ``own``; the rest ours), imported through the bureau's intake with seeded
registry ids. For each list seed it writes three lists (docs/synthetic-data.md,
"exchange-list.csv"), each row a request (men in our custody), a held list or an offer
(our own missing men), or a man in neither:

* ``ru``: the whole list in Russian forms, as the other side writes (Latin 12%);
* ``uk``: the other way round, in Ukrainian forms;
* ``cross``: every row in the other language of its registration (the generator's default).

Each list is reconciled in-process (``services.reconciliation.reconcile_rows``, two
processes) and scored against exchange-truth.csv, then once more by ``powbureau exchange
reconcile`` as a fresh process, timed (start-up included), whose file must be byte for byte
the one written in-process. Figures:

* matched precision: among rows the bureau named a person for (matched, already_released
  or deceased), the share naming the right one, with the one-sided 95% Clopper-Pearson
  upper bound on the error rate;
* matched recall: the share of rows whose man is registered that name him;
* ambiguous share of all rows, and how often the man is among an ambiguous row's candidates;
* what the namesake guard costs: ambiguous rows whose best candidate is at the guard's cap
  (0.9), alone, and how many of them are the right man;
* rows named on the full name alone (the reason says "names only, taken": the guard held
  the man, and the custody's term frequencies make a namesake improbable), and how many
  of them name the wrong man.

Results go to bench/out/reconcile/results.json and, as Markdown, to standard output. The
machine is shared: each timing carries the load average measured just before it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.matching_data import import_registry, log, make_registry
from bench.synth import ExchangeConfig, write_exchange_list
from bench.tracing import PROJECT, upper_error_bound
from powbureau.domain.access import Channel, Reader
from powbureau.interchange.exchange_lists import read_exchange_list, write_reconciliation
from powbureau.services.reconciliation import Reconciled, reconcile_rows
from powbureau.store.db import open_engine
from powbureau.store.uow import SqlUnitOfWork

READER = Reader(user="os:bench", channel=Channel.CLI, reason="benchmark")
OUT = Path("bench/out/reconcile")
REGISTRY_SEED = 21
LANGUAGES = {"ru": "ru", "uk": "uk", "cross": None}
_GUARD_CAP = 0.9
_STRICTER = 0.99  # what a higher threshold would give


def make_list(registry: Path, folder: Path, *, rows: int, seed: int, language: str) -> Path:
    """exchange-list.csv and its truth in ``folder``, made once."""
    if not (folder / "exchange-list.csv").exists():
        config = replace(ExchangeConfig(), list_language=LANGUAGES[language])
        write_exchange_list(registry, folder, rows=rows, seed=seed, config=config)
    return folder / "exchange-list.csv"


def read_truth(path: Path) -> list[dict[str, str]]:
    """exchange-truth.csv in list order."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def external_refs(db: Path, ids: set[str]) -> dict[str, str]:
    """person_ref of each registry id (the benchmark's registries have one reference each)."""
    found: dict[str, str] = {}
    chunk = sorted(ids)
    with sqlite3.connect(db) as conn:
        for start in range(0, len(chunk), 500):
            part = chunk[start : start + 500]
            marks = ", ".join("?" * len(part))
            sql = f"SELECT person_id, person_ref FROM person_refs WHERE person_id IN ({marks})"
            found.update(dict(conn.execute(sql, part).fetchall()))
    return found


def score(
    answers: Sequence[Reconciled], truth: Sequence[dict[str, str]], refs: dict[str, str]
) -> dict[str, Any]:
    """Precision, recall and the ambiguous share of one reconciled list."""
    assert [a.list_ref for a in answers] == [t["list_ref"] for t in truth]
    pairs = list(zip(answers, truth, strict=True))
    registered = [(a, t) for a, t in pairs if t["person_ref"]]
    named = [(a, t) for a, t in pairs if a.person_ref]
    wrong = [a.list_ref for a, t in named if a.person_ref != t["person_ref"]]
    right = len(named) - len(wrong)
    ambiguous = [(a, t) for a, t in pairs if a.status == "ambiguous"]
    among = sum(1 for a, t in ambiguous if t["person_ref"] in {refs.get(pid) for pid, _ in a.candidates})
    capped = [
        (a, t)
        for a, t in ambiguous
        if a.candidates and abs(a.candidates[0][1] - _GUARD_CAP) < 1e-9 and not a.reason.startswith("cannot")
    ]
    capped_right = sum(1 for a, t in capped if refs.get(a.candidates[0][0]) == t["person_ref"])
    statuses = Counter(a.status for a in answers)
    by_kind: dict[str, list[int]] = {}
    for a, t in registered:
        cell = by_kind.setdefault(t["list_kind"], [0, 0])
        cell[0] += a.person_ref == t["person_ref"]
        cell[1] += 1
    deceased = [(a, t) for a, t in pairs if t["expected_status"] == "deceased"]
    taken = [(a, t) for a, t in named if "only, taken" in a.reason]
    strict = [(a, t) for a, t in named if (a.probability or 0) >= _STRICTER]
    strict_wrong = sum(1 for a, t in strict if a.person_ref != t["person_ref"])
    return {
        "rows": len(pairs),
        "registered": len(registered),
        "named": len(named),
        "wrong": len(wrong),
        "wrong_refs": wrong[:20],
        "precision": round(right / max(1, len(named)), 5),
        "error_upper95": round(upper_error_bound(len(wrong), len(named)), 5),
        "recall": round(right / max(1, len(registered)), 4),
        "recall_by_kind": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_kind.items())},
        "ambiguous": len(ambiguous),
        "ambiguous_share": round(len(ambiguous) / max(1, len(pairs)), 4),
        "ambiguous_with_the_man_among_candidates": among,
        "ambiguous_about_registered": sum(1 for _, t in ambiguous if t["person_ref"]),
        "not_held_right": sum(1 for a, t in pairs if a.status == "not_held" and not t["person_ref"]),
        "not_held_but_registered": sum(1 for a, t in pairs if a.status == "not_held" and t["person_ref"]),
        "not_registered": sum(1 for t in truth if not t["person_ref"]),
        "deceased_found": f"{sum(1 for a, _ in deceased if a.status == 'deceased')}/{len(deceased)}",
        "named_at_099": len(strict),
        "wrong_at_099": strict_wrong,
        "full_name_taken": len(taken),
        "full_name_taken_wrong": sum(1 for a, t in taken if a.person_ref != t["person_ref"]),
        "guard_capped": len(capped),
        "guard_capped_right": capped_right,
        "statuses": dict(sorted(statuses.items())),
    }


def fresh_process(url: str, listed: Path, out: Path) -> dict[str, Any]:
    """`powbureau exchange reconcile` in a new process: wall and CPU seconds, load average."""
    load = os.getloadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(PROJECT / ".venv/bin/powbureau"),
            "--db",
            url,
            "exchange",
            "reconcile",
            str(listed),
            "--out",
            str(out),
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "load_before": [round(x, 2) for x in load],
        "summary": json.loads(done.stdout),
    }


def run_list(url: str, db: Path, listed: Path, *, list_prior: bool = True) -> dict[str, Any]:
    """Reconcile one list in-process and as a fresh process; score it.

    Without ``list_prior`` the list is reconciled with the settings' prior, in-process only
    (the command always fits the list's own); the fresh process's figures are then empty.
    """
    rows = read_exchange_list(listed)
    load = os.getloadavg()
    started = time.perf_counter()
    engine = open_engine(url)
    answers = reconcile_rows(
        uow=SqlUnitOfWork(engine, write=False), reader=READER, rows=rows, workers=2, list_prior=list_prior
    )
    seconds = time.perf_counter() - started
    engine.dispose()
    inside = listed.with_name(
        "reconciliation-inprocess.csv" if list_prior else "reconciliation-inprocess-no-list-prior.csv"
    )
    write_reconciliation(inside, answers)
    ids = {pid for a in answers for pid, _ in a.candidates}
    report = score(answers, read_truth(listed.with_name("exchange-truth.csv")), external_refs(db, ids))
    report["in_process_seconds"] = round(seconds, 2)
    report["in_process_load_before"] = [round(x, 2) for x in load]
    if not list_prior:
        report["fresh_process"] = {"wall_seconds": 0.0, "cpu_seconds": 0.0, "load_before": [0.0]}
        report["cli_file_identical"] = None
        return report
    outside = listed.with_name("reconciliation.csv")
    report["fresh_process"] = fresh_process(url, listed, outside)
    report["cli_file_identical"] = outside.read_bytes() == inside.read_bytes()
    return report


def run_size(persons: int, args: argparse.Namespace) -> dict[str, Any]:
    """Everything for one registry size."""
    work = OUT / f"reg-{persons}-{REGISTRY_SEED}"
    persons_csv = make_registry(work, persons=persons, seed=REGISTRY_SEED)
    db = OUT / f"r{persons}.db"
    url, seconds = import_registry(db, persons_csv, seed=REGISTRY_SEED)
    if seconds:
        log(f"{persons}: imported in {seconds:.0f} s")
    report: dict[str, Any] = {"persons": persons, "lists": []}
    for seed in args.seeds:
        for language in args.languages:
            folder = OUT / f"list-{persons}-{language}-{seed}-{args.rows}"
            listed = make_list(work, folder, rows=args.rows, seed=seed, language=language)
            result = run_list(url, db, listed, list_prior=not args.no_list_prior)
            result.update({"seed": seed, "language": language})
            report["lists"].append(result)
            fresh = result["fresh_process"]
            log(
                f"{persons} {language} seed {seed}: precision {result['precision']} ({result['wrong']} wrong "
                f"of {result['named']}), recall {result['recall']}, ambiguous {result['ambiguous_share']}; "
                f"CLI {fresh['wall_seconds']} s wall, {fresh['cpu_seconds']} s CPU, "
                f"load {fresh['load_before'][0]}"
            )
    return report


def _pooled(lists: Sequence[dict[str, Any]]) -> dict[str, Any]:
    named = sum(r["named"] for r in lists)
    wrong = sum(r["wrong"] for r in lists)
    registered = sum(r["registered"] for r in lists)
    rows = sum(r["rows"] for r in lists)
    capped = sum(r["guard_capped"] for r in lists)
    capped_right = sum(r["guard_capped_right"] for r in lists)
    strict = sum(r.get("named_at_099", 0) for r in lists)
    strict_wrong = sum(r.get("wrong_at_099", 0) for r in lists)
    return {
        "rows": rows,
        "named": named,
        "wrong": wrong,
        "precision": (named - wrong) / max(1, named),
        "error_upper95": upper_error_bound(wrong, named),
        "recall": (named - wrong) / max(1, registered),
        "ambiguous_share": sum(r["ambiguous"] for r in lists) / max(1, rows),
        "guard_capped": capped,
        "guard_capped_right": capped_right,
        "full_name_taken": sum(r.get("full_name_taken", 0) for r in lists),
        "full_name_taken_wrong": sum(r.get("full_name_taken_wrong", 0) for r in lists),
        "recall_at_099": (strict - strict_wrong) / max(1, registered),
        "wrong_at_099": strict_wrong,
        "recall_if_capped_taken": (named - wrong + capped_right) / max(1, registered),
        "precision_if_capped_taken": (named - wrong + capped_right) / max(1, named + capped),
    }


def markdown(reports: Sequence[dict[str, Any]], command: str) -> str:
    """The results as Markdown."""
    lines = [f"Command: `{command}`", ""]
    lines.append(
        "| persons | list | seed | rows | registered | named | wrong | precision | error ≤ (95%) | recall | "
        "ambiguous | man among ambiguous's candidates | not_held (right / registered) | "
        "CLI wall | CLI CPU | load | CLI file = in-process |"
    )
    lines.append("| " + " | ".join(["---"] * 17) + " |")
    for report in reports:
        for r in report["lists"]:
            fresh = r["fresh_process"]
            lines.append(
                f"| {report['persons']:,} | {r['language']} | {r['seed']} | {r['rows']} | "
                f"{r['registered']} | "
                f"{r['named']} | {r['wrong']} | {r['precision']:.4f} | {r['error_upper95']:.4f} | "
                f"{r['recall']:.3f} | {r['ambiguous_share']:.3f} | "
                f"{r['ambiguous_with_the_man_among_candidates']}/{r['ambiguous_about_registered']} | "
                f"{r['not_held_right']}/{r['not_registered']} · {r['not_held_but_registered']} | "
                f"{fresh['wall_seconds']} s | {fresh['cpu_seconds']} s | {fresh['load_before'][0]} | "
                f"{r['cli_file_identical']} |"
            )
    lines += [
        "",
        "| persons | lists | named | wrong | precision | error ≤ (95%) | recall | ambiguous | "
        "at p ≥ 0.99: recall (wrong) | taken on the full name alone (wrong) | capped at 0.9 alone (right) | "
        "recall / precision if those were taken |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for report in reports:
        p = _pooled(report["lists"])
        lines.append(
            f"| {report['persons']:,} | {len(report['lists'])} | {p['named']} | {p['wrong']} | "
            f"{p['precision']:.4f} | {p['error_upper95']:.4f} | {p['recall']:.3f} | "
            f"{p['ambiguous_share']:.3f} | {p['recall_at_099']:.3f} ({p['wrong_at_099']}) | "
            f"{p['full_name_taken']} ({p['full_name_taken_wrong']}) | "
            f"{p['guard_capped']} ({p['guard_capped_right']}) | "
            f"{p['recall_if_capped_taken']:.3f} / {p['precision_if_capped_taken']:.4f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reconcile", description=__doc__)
    parser.add_argument("--persons", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[22, 23, 24])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--languages", nargs="+", choices=sorted(LANGUAGES), default=["ru", "uk", "cross"])
    parser.add_argument(
        "--report-only", action="store_true", help="print the Markdown of the last results.json"
    )
    parser.add_argument(
        "--no-list-prior",
        action="store_true",
        help="the settings' prior instead of the list's own (in-process only; results-no-list-prior.json)",
    )
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        reports = json.loads((OUT / "results.json").read_text(encoding="utf-8"))
    else:
        reports = [run_size(persons, args) for persons in args.persons]
        name = "results-no-list-prior.json" if args.no_list_prior else "results.json"
        (OUT / name).write_text(json.dumps(reports, indent=1, ensure_ascii=False), encoding="utf-8")
    command = "python -m bench.reconcile " + " ".join(sys.argv[1:] if argv is None else argv)
    print(markdown(reports, command.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
