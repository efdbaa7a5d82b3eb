"""The clean-room benchmark (bench/blind): its files are what shared/formats fixes, the
bureau imports and traces them, and the scorer reads the results."""

from __future__ import annotations

import csv
from pathlib import Path

from bench.blind.generate import generate
from bench.blind.score import score
from typer.testing import CliRunner

from powbureau.cli import app


def test_blind_files_are_imported_traced_and_scored(tmp_path: Path) -> None:
    generate(1500, 150, 0.67, 5, tmp_path / "a")
    generate(1500, 150, 0.67, 5, tmp_path / "b")
    for name in ("persons.csv", "inquiries.csv", "truth.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()  # deterministic
    d = tmp_path / "a"
    db = f"sqlite:///{d / 'registry.db'}"
    for args in (
        ["--db", db, "init"],
        ["--db", db, "import", "persons", str(d / "persons.csv")],
        [
            "--db",
            db,
            "trace",
            "batch",
            str(d / "inquiries.csv"),
            "--top",
            "10",
            "--out",
            str(d / "results.csv"),
        ],
    ):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
    with (d / "truth.csv").open(encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle))
    figures = score(d, d / "results.csv")
    assert figures["inquiries"] == len(truth) == 150
    assert figures["held"] == sum(row["held"] == "1" for row in truth) > 0
    assert 0.5 < figures["recall_at_10"] <= 1.0
