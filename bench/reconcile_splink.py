"""Peer baseline: Splink (DuckDB) on the reconciliation benchmark's lists.

    .venv/bin/pip install -e '.[bench]'                          # splink and duckdb
    .venv/bin/python -m bench.reconcile_splink --persons 100000   # after bench.reconcile made the lists
    .venv/bin/python -m bench.reconcile_splink --persons 100000 --setups expert

``--setups expert`` runs bench/splink_expert.py's setup instead (trained on each list and
custody, one posterior per row, matched at >= 0.95). The plain setup:

Set up as bench/tracing_splink.py sets it up for family inquiries (link_only, NameComparison
with term-frequency adjustments on surname and given name, patronymic, birth date by
Levenshtein at 1 and 2, unit and service number exact; u by random sampling, m by EM over
two blocking rules), with every name first brought to one Cyrillic form by
``powbureau.names.to_cyrillic`` (the variant that did best there). Each list is linked twice,
as the contract asks: its requests against the registry's men in our custody (pow,
civilian_internee, deceased) and its held and offer rows against our own (missing). A row is
matched when its most probable candidate has Splink's match_probability >= 0.95 and no
other candidate does; ambiguous when it is not matched but some candidate reaches 0.05;
otherwise not_held. Scored with bench.reconcile's scorer.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.matching_data import log
from bench.reconcile import LANGUAGES, OUT, REGISTRY_SEED, _pooled, read_truth, score
from bench.tracing_splink import _settings
from powbureau.names import to_cyrillic
from powbureau.services.reconciliation import Reconciled

_COLUMNS = ("surname", "given_name", "patronymic", "birth_date", "unit", "service_number", "mother_name")
_NAMES = frozenset({"surname", "given_name", "patronymic", "mother_name"})
_CUSTODY = {"ours": ("pow", "civilian_internee", "deceased", ""), "own": ("missing",)}
_KIND = {"request": "ours", "held": "own", "offer": "own"}
CONFIDENT, FLOOR = 0.95, 0.05


def _clean(column: str, value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    return to_cyrillic(value) if column in _NAMES else value.lower()


def _registry(persons_csv: Path) -> dict[str, list[list[Any]]]:
    """The registry's rows by custody, names in one Cyrillic form."""
    out: dict[str, list[list[Any]]] = {"ours": [], "own": []}
    with persons_csv.open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            custody = "own" if r["category"] == "missing" else "ours"
            out[custody].append([r["person_ref"], *(_clean(c, r.get(c) or "") for c in _COLUMNS)])
    return out


def _link(registry: list[list[Any]], rows: list[list[Any]]) -> dict[str, list[tuple[str, float]]]:
    """Splink's candidates for each row, most probable first."""
    from splink import Linker, block_on
    from splink.internals.duckdb.database_api import DuckDBAPI

    db = DuckDBAPI()
    con = db.duckdb_con
    for name, data in (("registry", registry), ("list", rows)):
        con.execute(
            f"CREATE TABLE {name} (unique_id VARCHAR, " + ", ".join(f"{c} VARCHAR" for c in _COLUMNS) + ")"
        )
        con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * (len(_COLUMNS) + 1))})", data)
    linker = Linker([db.register("list"), db.register("registry")], _settings())
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname", "given_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    found: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for row in linker.inference.predict(threshold_match_probability=0.001).as_record_list():
        left, right = row["unique_id_l"], row["unique_id_r"]
        listed, person = (left, right) if row["source_dataset_l"].endswith("_0") else (right, left)
        found[listed].append((person, float(row["match_probability"])))
    return {k: sorted(v, key=lambda x: (-x[1], x[0])) for k, v in found.items()}


def _answer(ref: str, found: list[tuple[str, float]]) -> Reconciled:
    shown = tuple(c for c in found[:3] if c[1] >= FLOOR)
    if found and found[0][1] >= CONFIDENT and (len(found) < 2 or found[1][1] < CONFIDENT):
        person, p = found[0]
        return Reconciled(ref, "matched", "splink", person, person, p, ((person, p),))
    if shown:
        return Reconciled(ref, "ambiguous", "splink", candidates=shown)
    return Reconciled(ref, "not_held", "splink")


def run_list(registry: dict[str, list[list[Any]]], folder: Path) -> dict[str, Any]:
    """Link one list, both custodies; score it."""
    with (folder / "exchange-list.csv").open(encoding="utf-8", newline="") as handle:
        listed = list(csv.DictReader(handle))
    started = time.perf_counter()
    found: dict[str, list[tuple[str, float]]] = {}
    for custody in ("ours", "own"):
        rows = [
            [r["list_ref"], *(_clean(c, r.get(c) or "") for c in _COLUMNS)]
            for r in listed
            if _KIND[r["list_kind"]] == custody
        ]
        found.update(_link(registry[custody], rows))
    seconds = time.perf_counter() - started
    answers = [_answer(r["list_ref"], found.get(r["list_ref"], [])) for r in listed]
    refs = {pid: pid for a in answers for pid, _ in a.candidates}
    report = score(answers, read_truth(folder / "exchange-truth.csv"), refs)
    report["seconds"] = round(seconds, 1)
    return report


def _expert_registry(persons_csv: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The registry's rows by custody, as the expert setup reads them."""
    from bench import splink_expert

    out: dict[str, list[tuple[Any, ...]]] = {"ours": [], "own": []}
    with persons_csv.open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            custody = "own" if r["category"] == "missing" else "ours"
            out[custody].append(splink_expert.expert_row(r["person_ref"], r, inquiry=False))
    return out


def run_list_expert(registry: dict[str, list[tuple[Any, ...]]], folder: Path) -> dict[str, Any]:
    """The expert setup on one list: trained on the list and each custody, posteriors shared."""
    from bench import splink_expert

    with (folder / "exchange-list.csv").open(encoding="utf-8", newline="") as handle:
        listed = list(csv.DictReader(handle))
    started = time.perf_counter()
    found: dict[str, list[tuple[str, float]]] = {}
    pairs = 0
    for custody in ("ours", "own"):
        rows = [
            splink_expert.expert_row(r["list_ref"], r, inquiry=False)
            for r in listed
            if _KIND[r["list_kind"]] == custody
        ]
        linked, _model, blocked = splink_expert.link(rows, registry[custody], top=3)
        found.update(linked)
        pairs += blocked
    seconds = time.perf_counter() - started
    answers = [_answer(r["list_ref"], found.get(r["list_ref"], [])) for r in listed]
    refs = {pid: pid for a in answers for pid, _ in a.candidates}
    report = score(answers, read_truth(folder / "exchange-truth.csv"), refs)
    report["seconds"] = round(seconds, 1)
    report["blocked_pairs"] = pairs
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reconcile_splink", description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[22, 23, 24])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--languages", nargs="+", choices=sorted(LANGUAGES), default=["ru", "uk", "cross"])
    parser.add_argument("--setups", nargs="+", choices=("plain", "expert"), default=["plain", "expert"])
    args = parser.parse_args(argv)
    persons_csv = OUT / f"reg-{args.persons}-{REGISTRY_SEED}" / "persons.csv"
    lines = [
        "| peer | persons | list | seed | named | wrong | precision | error ≤ (95%) | recall | ambiguous "
        "| seconds |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    setups: list[tuple[str, Any, Any]] = []
    if "plain" in args.setups:
        setups.append(("Splink plain, to_cyrillic", _registry(persons_csv), run_list))
    if "expert" in args.setups:
        setups.append(("Splink expert", _expert_registry(persons_csv), run_list_expert))
    results: dict[str, list[dict[str, Any]]] = {}
    for label, registry, runner in setups:
        lists = results.setdefault(label, [])
        for seed in args.seeds:
            for language in args.languages:
                r = runner(registry, OUT / f"list-{args.persons}-{language}-{seed}-{args.rows}")
                r.update({"seed": seed, "language": language})
                lists.append(r)
                log(
                    f"{label} {language} {seed}: precision {r['precision']} ({r['wrong']}), "
                    f"recall {r['recall']}, ambiguous {r['ambiguous_share']} in {r['seconds']} s"
                )
                lines.append(
                    f"| {label} | {args.persons:,} | {language} | {seed} | {r['named']} | "
                    f"{r['wrong']} | "
                    f"{r['precision']:.4f} | {r['error_upper95']:.4f} | {r['recall']:.3f} | "
                    f"{r['ambiguous_share']:.3f} | {r['seconds']} |"
                )
    for label, lists in results.items():
        p = _pooled(lists)
        lines.append(
            f"| {label}, pooled | {args.persons:,} | {len(lists)} lists | | {p['named']} | "
            f"{p['wrong']} | {p['precision']:.4f} | {p['error_upper95']:.4f} | {p['recall']:.3f} | "
            f"{p['ambiguous_share']:.3f} | |"
        )
    (OUT / f"splink-{args.persons}.json").write_text(
        json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
