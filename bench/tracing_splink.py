"""Peer baseline: Splink (DuckDB) on the tracing benchmark's data.

    .venv/bin/pip install splink duckdb          # not a dependency of the bureau
    .venv/bin/python -m bench.tracing_splink --seeds 1   # after bench.tracing made the data
    .venv/bin/python -m bench.tracing_splink --seeds 1 2 3 --setups expert --save-model
    .venv/bin/python -m bench.tracing_splink --persons 1000000 --setups expert \
        --model bench/splink_expert_model.json           # the 100k training reused

Two setups. **Plain** (below). **Expert**: bench/splink_expert.py (the names layer's keys,
registry term frequencies, graded birth dates, wide blocking, one posterior per inquiry);
its answers go to splink-expert-results.csv beside each inquiry set, and the bureau's rows
of the same runs (bench.tracing's results*.json) are printed next to Splink's, with
precision and coverage at 0.95, 0.99 and 0.999.

Plain: configured after Splink's documented person-linkage examples (link_only, NameComparison
with term-frequency adjustments on the names, a graded birth-date comparison, exact unit
and service number, u by random sampling, m by EM over two blocking rules), with the
settings kept in bench/splink_settings.json. Two runs: names as written (lower case), and
names first brought to one Cyrillic form with ``powbureau.names.to_cyrillic`` (what the
lessons say lifted the best peer setup). Each inquiry keeps its ten most probable
registered men; Splink's pairwise match_probability is taken as the probability. Scored
with bench.tracing's scorer.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.matching_data import log, read_truth
from bench.tracing import OUT, read_results, score
from powbureau.names import to_cyrillic

SETTINGS = Path(__file__).with_name("splink_settings.json")
_OURS = ("pow", "civilian_internee", "deceased")
_COLUMNS = ("surname", "given_name", "patronymic", "birth_date", "unit", "service_number", "mother_name")
_NAMES = frozenset({"surname", "given_name", "patronymic", "mother_name"})


def _settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("patronymic"),
            cl.LevenshteinAtThresholds("birth_date", [1, 2]),
            cl.ExactMatch("unit"),
            cl.ExactMatch("service_number"),
            cl.JaroWinklerAtThresholds("mother_name", [0.9, 0.8]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("surname"),
            block_on("given_name", "birth_date"),
            block_on("substr(surname, 1, 3)", "given_name"),
        ],
        retain_matching_columns=False,
    )


def _rows(
    path: Path, key: str, clean: Callable[[str], str], keep: Callable[[dict[str, str]], bool]
) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {
                "unique_id": r[key],
                **{c: ((clean if c in _NAMES else _as_written)(r.get(c) or "") or None) for c in _COLUMNS},
            }
            for r in csv.DictReader(handle)
            if keep(r)
        ]


def run(folder: Path, label: str, clean: Callable[[str], str], suffix: str = "") -> dict[str, Any]:
    """Train on the registry and one inquiry set, then predict both sets."""
    from splink import Linker, block_on
    from splink.internals.duckdb.database_api import DuckDBAPI

    registry = _rows(
        folder / "registry" / "persons.csv", "person_ref", clean, lambda r: (r["category"] or "pow") in _OURS
    )
    report: dict[str, Any] = {"baseline": label}
    for share in ("67", "33"):
        inquiries_dir = folder / f"inquiries-{share}{suffix}"
        inquiries = _rows(inquiries_dir / "inquiries.csv", "query_ref", clean, lambda r: True)
        db = DuckDBAPI()
        con = db.duckdb_con
        for name, rows in (("registry", registry), ("inquiries", inquiries)):
            con.execute(
                f"CREATE TABLE {name} (unique_id VARCHAR, "
                + ", ".join(f"{c} VARCHAR" for c in _COLUMNS)
                + ")"
            )
            con.executemany(
                f"INSERT INTO {name} VALUES ({', '.join('?' * (len(_COLUMNS) + 1))})",
                [[r["unique_id"], *(r[c] for c in _COLUMNS)] for r in rows],
            )
        started = time.perf_counter()
        linker = Linker([db.register("inquiries"), db.register("registry")], _settings())
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname", "given_name"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
        predictions = linker.inference.predict(threshold_match_probability=0.001)
        rows = predictions.as_record_list()
        seconds = time.perf_counter() - started
        if share == "67":
            SETTINGS.write_text(
                json.dumps(linker.misc.save_model_to_json(), indent=1, ensure_ascii=False) + "\n"
            )
        found: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for row in rows:
            left, right = row["unique_id_l"], row["unique_id_r"]
            # the first registered table (the inquiries) is __splink__input_table_0
            query, person = (left, right) if row["source_dataset_l"].endswith("_0") else (right, left)
            found[query].append((person, float(row["match_probability"])))
        results = {q: sorted(c, key=lambda x: (-x[1], x[0]))[:10] for q, c in found.items()}
        scored = score(results, inquiries_dir / "truth.csv")
        scored["seconds"] = round(seconds, 1)
        report[f"held_{share}"] = scored
        log(
            f"splink {label} {folder.name} held {share}: r@1 {scored['recall_at_1']} conf.prec "
            f"{scored['confident_precision']} ({scored['confident_answers']}) in {seconds:.0f} s"
        )
    return report


def _as_written(text: str) -> str:
    return text.strip().lower()


def _cyrillic(text: str) -> str:
    return to_cyrillic(text) if text else ""


def run_expert(folder: Path, model: dict[str, Any] | None, save: bool, suffix: str = "") -> dict[str, Any]:
    """The expert setup (bench/splink_expert.py): trained on each set, or ``model`` reused."""
    from bench import splink_expert

    started = time.perf_counter()
    with (folder / "registry" / "persons.csv").open(encoding="utf-8", newline="") as handle:
        registry = splink_expert.rows_from_csv(
            (r for r in csv.DictReader(handle) if (r["category"] or "pow") in _OURS),
            "person_ref",
            inquiry=False,
        )
    prepare = time.perf_counter() - started
    label = "Splink expert" + (", trained at 100k" if model is not None else "")
    report: dict[str, Any] = {"baseline": label, "registry_rows_seconds": round(prepare, 1)}
    for share in ("67", "33"):
        inquiries_dir = folder / f"inquiries-{share}{suffix}"
        started = time.perf_counter()
        with (inquiries_dir / "inquiries.csv").open(encoding="utf-8", newline="") as handle:
            inquiries = splink_expert.rows_from_csv(csv.DictReader(handle), "query_ref", inquiry=True)
        results, trained, pairs = splink_expert.link(inquiries, registry, model=model)
        seconds = time.perf_counter() - started
        if save and share == "67":
            splink_expert.save_model(trained)
        _write_results(inquiries_dir / "splink-expert-results.csv", results)
        scored = score(results, inquiries_dir / "truth.csv")
        scored["thresholds"] = thresholds(results, inquiries_dir / "truth.csv")
        scored["seconds"] = round(seconds, 1)
        scored["blocked_pairs"] = pairs
        report[f"held_{share}"] = scored
        log(
            f"{label} {folder.name} held {share}: r@1 {scored['recall_at_1']} r@10 {scored['recall_at_10']} "
            f"conf.prec {scored['confident_precision']} ({scored['confident_answers']}) "
            f"coverage {scored['coverage']} gap {scored['max_decile_gap']} pairs {pairs} in {seconds:.0f} s"
        )
    return report


THRESHOLDS = (0.95, 0.99, 0.999)


def thresholds(results: dict[str, list[tuple[str, float]]], truth_csv: Path) -> list[dict[str, Any]]:
    """Confident answers, wrong ones, precision and coverage at each of :data:`THRESHOLDS`."""
    truth = read_truth(truth_csv)
    held = sum(1 for t in truth.values() if t.person_ref)
    out = []
    for threshold in THRESHOLDS:
        best = [
            (t, results[q][0][0])
            for q, t in truth.items()
            if results.get(q) and results[q][0][1] >= threshold
        ]
        wrong = sum(1 for t, ref in best if ref != t.person_ref)
        out.append(
            {
                "threshold": threshold,
                "confident": len(best),
                "wrong": wrong,
                "precision": round(1 - wrong / max(1, len(best)), 4),
                "coverage": round((len(best) - wrong) / max(1, held), 4),
            }
        )
    return out


def _write_results(path: Path, results: dict[str, list[tuple[str, float]]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["query_ref", "rank", "person_ref", "probability"])
        for query in sorted(results):
            for rank, (person, p) in enumerate(results[query], 1):
                writer.writerow([query, rank, person, f"{p:.6f}"])


def _bureau(persons: int) -> dict[int, dict[str, Any]]:
    """The bureau's own figures of the same runs, when bench.tracing left them (results*.json)."""
    found: dict[int, dict[str, Any]] = {}
    for path in sorted(OUT.glob("results*.json")):
        for r in json.loads(path.read_text(encoding="utf-8")):
            if r["persons"] == persons:
                found[r["seed"]] = r
    return found


def _curve_line(label: str, seed: int, share: str, points: list[dict[str, Any]]) -> str:
    cells = " | ".join(f"{p['confident']} / {p['wrong']} / {p['coverage']:.3f}" for p in points)
    return f"| {label} | {seed} | {share} | {cells} |"


def _line(label: str, seed: int, share: str, s: dict[str, Any], seconds: Any) -> str:
    return (
        f"| {label} | {seed} | {share} | {s['recall_at_1']:.3f} | {s['recall_at_10']:.3f} | "
        f"{s['confident_answers']} | {s['confident_wrong']} | {s['confident_precision']:.4f} | "
        f"{s['confident_error_upper95']:.4f} | {s['coverage']:.3f} | {s['max_decile_gap']:.3f} | {seconds} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tracing_splink", description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--setups", nargs="+", choices=("plain", "expert"), default=["plain", "expert"])
    parser.add_argument("--model", type=Path, help="expert: reuse this trained model instead of training")
    parser.add_argument(
        "--save-model", action="store_true", help="expert: save the first seed's 2/3-set training"
    )
    parser.add_argument("--folder", type=Path, help="the data (default bench/out/tracing/seedS-PERSONS)")
    parser.add_argument(
        "--inquiries",
        type=int,
        default=1000,
        help="the inquiry sets of this size (bench.coverage makes the larger ones); the bureau's "
        "rows are printed beside Splink's for bench.tracing's 1,000-inquiry sets only",
    )
    args = parser.parse_args(argv)
    suffix = "" if args.inquiries == 1000 else f"-n{args.inquiries}"
    model = json.loads(args.model.read_text(encoding="utf-8")) if args.model else None
    lines = [
        "| peer | seed | held share | recall@1 | recall@10 | confident (≥0.95) | wrong | precision | "
        "error ≤ (95%) | coverage | max decile gap | seconds |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    bureau = _bureau(args.persons) if not suffix else {}
    reports: list[dict[str, Any]] = []
    for seed in args.seeds:
        folder = args.folder or OUT / f"seed{seed}-{args.persons}"
        runs: list[dict[str, Any]] = []
        if "plain" in args.setups:
            for label, clean in (
                ("Splink plain, names as written", _as_written),
                ("Splink plain, to_cyrillic", _cyrillic),
            ):
                runs.append(run(folder, label, clean, suffix))
        if "expert" in args.setups:
            runs.append(run_expert(folder, model, args.save_model and seed == args.seeds[0], suffix))
        for report in runs:
            report["seed"] = seed
            for key, share in (("held_67", "2/3"), ("held_33", "1/3")):
                lines.append(_line(report["baseline"], seed, share, report[key], report[key]["seconds"]))
        if seed in bureau:
            for key, share in (("held_67", "2/3"), ("held_33", "1/3")):
                s = bureau[seed][key]
                lines.append(_line("the bureau", seed, share, s, s["batch_seconds"]))
                inquiries_dir = folder / f"inquiries-{key[-2:]}"
                s["thresholds"] = thresholds(
                    read_results(inquiries_dir / "trace-results.csv"), inquiries_dir / "truth.csv"
                )
                runs.append({"baseline": "the bureau", "seed": seed, key: s})
        reports.extend(runs)
    curve = [
        "",
        "| who | seed | held share | "
        + " | ".join(f"p ≥ {t}: confident / wrong / coverage" for t in THRESHOLDS)
        + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in THRESHOLDS) + " |",
    ]
    for report in reports:
        for key, share in (("held_67", "2/3"), ("held_33", "1/3")):
            if "thresholds" in report.get(key, {}):
                curve.append(
                    _curve_line(report["baseline"], report["seed"], share, report[key]["thresholds"])
                )
    lines += curve
    (OUT / f"splink-{args.persons}.json").write_text(
        json.dumps(reports, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
