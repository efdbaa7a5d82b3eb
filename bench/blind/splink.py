"""The expert Splink peer (bench/splink_expert.py) on a clean-room set, trained on it.

    .venv/bin/python -m bench.blind.splink bench/out/blind/s1-0.67 [...]

Writes ``trace-splink.csv`` (trace-results.csv's columns) beside the set, to be scored with
``python -m bench.blind.score DIR --results DIR/trace-splink.csv`` like the bureau's.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Sequence
from pathlib import Path

from bench import splink_expert
from bench.tracing_splink import _OURS, _write_results


def run(folder: Path) -> Path:
    """Link the set's inquiries to its registry; the results file."""
    with (folder / "persons.csv").open(encoding="utf-8", newline="") as handle:
        ours = (r for r in csv.DictReader(handle) if (r["category"] or "pow") in _OURS)
        registry = splink_expert.rows_from_csv(ours, "person_ref", inquiry=False)
    with (folder / "inquiries.csv").open(encoding="utf-8", newline="") as handle:
        inquiries = splink_expert.rows_from_csv(csv.DictReader(handle), "query_ref", inquiry=True)
    results, _, _ = splink_expert.link(inquiries, registry, model=None)
    out = folder / "trace-splink.csv"
    _write_results(out, results)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.blind.splink", description=__doc__)
    parser.add_argument("folders", type=Path, nargs="+")
    for folder in parser.parse_args(argv).folders:
        started = time.perf_counter()
        print(f"{run(folder)} in {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
