"""Peer baseline for the tracing benchmark: rapidfuzz brute force over the whole registry.

    .venv/bin/python -m bench.tracing_baselines --seeds 1      # after bench.tracing made the data

The first --limit inquiries of each set are compared with every registered man (custody
ours: pow, civilian_internee, deceased) by rapidfuzz's ``WRatio`` on "surname given
patronymic birth_date", once on the text as written (lower case) and once on
``names.to_cyrillic`` of the names; the ten best are kept and score/100 is taken as the
"probability", as a naive system would. Scored with bench.tracing's scorer.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rapidfuzz import fuzz, process

from bench.matching_data import log
from bench.tracing import OUT, score
from powbureau.names import to_cyrillic

_OURS = ("pow", "civilian_internee", "deceased")


def _raw(surname: str, given: str, patronymic: str, born: str) -> str:
    return f"{surname} {given} {patronymic} {born}".lower()


def _canonical(surname: str, given: str, patronymic: str, born: str) -> str:
    return " ".join(to_cyrillic(x) for x in (surname, given, patronymic) if x) + f" {born}"


def run(
    folder: Path,
    label: str,
    text: Callable[[str, str, str, str], str],
    limit: int,
    shares: Sequence[str] = ("67", "33"),
) -> dict[str, object]:
    """Brute-force results for both inquiry sets of one seed's folder."""
    with (folder / "registry" / "persons.csv").open(encoding="utf-8", newline="") as handle:
        registry = [r for r in csv.DictReader(handle) if (r["category"] or "pow") in _OURS]
    choices = [text(r["surname"], r["given_name"], r["patronymic"], r["birth_date"]) for r in registry]
    refs = [r["person_ref"] for r in registry]
    report: dict[str, object] = {"baseline": label}
    for share in shares:
        inquiries_dir = folder / f"inquiries-{share}"
        results: dict[str, list[tuple[str, float]]] = {}
        started = time.perf_counter()
        with (inquiries_dir / "inquiries.csv").open(encoding="utf-8", newline="") as handle:
            for row in list(csv.DictReader(handle))[:limit]:
                query = text(row["surname"], row["given_name"], row["patronymic"], row["birth_date"])
                best = process.extract(query, choices, scorer=fuzz.WRatio, limit=10)
                results[row["query_ref"]] = [(refs[i], s / 100) for _, s, i in best]
        seconds = time.perf_counter() - started
        scored = score(results, inquiries_dir / "truth.csv", only=set(results))
        scored["inquiries_per_second"] = round(scored["inquiries"] / seconds, 1)  # type: ignore[operator]
        report[f"held_{share}"] = scored
        log(
            f"{label} {folder.name} held {share}: r@1 {scored['recall_at_1']} conf.prec "
            f"{scored['confident_precision']} ({scored['confident_answers']}) in {seconds:.0f} s"
        )
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tracing_baselines", description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=500, help="the first N inquiries of each set")
    parser.add_argument("--shares", nargs="+", choices=("67", "33"), default=["67", "33"])
    parser.add_argument(
        "--variants", nargs="+", choices=("as_written", "to_cyrillic"), default=["as_written", "to_cyrillic"]
    )
    args = parser.parse_args(argv)
    lines = [
        "| baseline | seed | held share | recall@1 | recall@10 | confident (≥0.95) | wrong | precision | "
        "max decile gap | inq/s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for seed in args.seeds:
        folder = OUT / f"seed{seed}-{args.persons}"
        variants = {
            "as_written": ("rapidfuzz WRatio, as written", _raw),
            "to_cyrillic": ("rapidfuzz WRatio, to_cyrillic", _canonical),
        }
        for label, text in (variants[v] for v in args.variants):
            report = run(folder, label, text, args.limit, args.shares)
            for key, share in ((f"held_{h}", {"67": "2/3", "33": "1/3"}[h]) for h in args.shares):
                s = report[key]
                assert isinstance(s, dict)
                lines.append(
                    f"| {label} | {seed} | {share} | {s['recall_at_1']:.3f} | {s['recall_at_10']:.3f} | "
                    f"{s['confident_answers']} | {s['confident_wrong']} | {s['confident_precision']:.4f} | "
                    f"{s['max_decile_gap']:.3f} | {s['inquiries_per_second']} |"
                )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
