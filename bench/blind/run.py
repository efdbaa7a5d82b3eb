"""Run the clean-room benchmark end to end through the command line, as an outsider would.

    .venv/bin/python -m bench.blind.run --seeds 1 2 --tag main

For each seed and held share (two thirds, one third): the registry and inquiries are
generated once (``bench.blind.generate``, 100,000 persons and 10,000 inquiries unless told
otherwise), imported into a fresh SQLite registry with ``powbureau init`` and ``powbureau
import persons``, traced with ``powbureau trace batch`` (the packaged settings, nothing
tuned to the set), and scored (``bench.blind.score``). Results go to
``bench/out/blind/s{seed}-{share}/trace-{tag}.csv`` and ``score-{tag}.txt``, so that two
engines (two trees on ``PYTHONPATH``) can be scored on the same files.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "out" / "blind"
POWBUREAU = Path(sys.executable).with_name("powbureau")


def _run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run_set(seed: int, share: float, persons: int, inquiries: int, tag: str) -> Path:
    """Generate (once), import (once), trace and score one set; the score's path."""
    folder = OUT / f"s{seed}-{share}"
    db = f"sqlite:///{folder / 'registry.db'}"
    if not (folder / "registry.db").exists():
        _run(sys.executable, "-m", "bench.blind.generate", "--persons", persons, "--inquiries", inquiries,
             "--held-share", share, "--seed", seed, "--out", folder)  # fmt: skip
        _run(POWBUREAU, "--db", db, "init")
        _run(POWBUREAU, "--db", db, "import", "persons", folder / "persons.csv")
    results = folder / f"trace-{tag}.csv"
    _run(POWBUREAU, "--db", db, "trace", "batch", folder / "inquiries.csv", "--top", "10", "--out", results)
    score = folder / f"score-{tag}.txt"
    with score.open("w", encoding="utf-8") as handle:
        subprocess.run(
            [sys.executable, "-m", "bench.blind.score", str(folder), "--results", str(results)],
            check=True,
            stdout=handle,
        )
    return score


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.blind.run", description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--shares", type=float, nargs="+", default=[0.67, 0.33])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--inquiries", type=int, default=10_000)
    parser.add_argument("--tag", default="main", help="names the results and score files")
    args = parser.parse_args(argv)
    for seed in args.seeds:
        for share in args.shares:
            score = run_set(seed, share, args.persons, args.inquiries, args.tag)
            print(f"== {score.parent.name} ({args.tag})")
            print("\n".join(score.read_text(encoding="utf-8").splitlines()[:9]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
