"""Shared by bench/train_matching.py and bench/tracing.py: synthetic data in, a registry out.

Registry ids are random in the bureau; here they are drawn from a seeded generator
(``P`` + 13 characters, like real ones) so that a training run, which breaks ties and
caps by registry id, gives the same settings every time.
"""

from __future__ import annotations

import csv
import json
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.synth import write_inquiries, write_registry
from powbureau.matching import TraceQuery
from powbureau.services import intake, intake_rows
from powbureau.store.db import open_engine
from powbureau.store.migrate import upgrade
from powbureau.store.uow import SqlUnitOfWork

__all__ = [
    "Truth",
    "import_registry",
    "import_timing",
    "log",
    "make_inquiries",
    "make_registry",
    "read_inquiries",
    "read_truth",
    "refs_to_ids",
    "seeded_ids",
]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def log(message: str) -> None:
    """Progress on standard error."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextmanager
def seeded_ids(seed: int) -> Iterator[None]:
    """Make bulk intake draw registry ids from a seeded generator while the block runs."""
    rng = random.Random(f"registry-ids:{seed}")
    original = intake_rows.new_person_id

    def new_id() -> str:
        return "P" + "".join(rng.choice(_ALPHABET) for _ in range(13))

    intake_rows.new_person_id = new_id  # type: ignore[assignment]
    try:
        yield
    finally:
        intake_rows.new_person_id = original  # type: ignore[assignment]


def make_registry(folder: Path, *, persons: int, seed: int) -> Path:
    """persons.csv (and its truth) in ``folder``, made once."""
    if not (folder / "persons.csv").exists():
        write_registry(folder, persons=persons, seed=seed)
    return folder / "persons.csv"


def make_inquiries(registry: Path, folder: Path, *, count: int, seed: int, held_share: float) -> Path:
    """inquiries.csv and truth.csv in ``folder``, made once."""
    if not (folder / "inquiries.csv").exists():
        write_inquiries(registry, folder, count=count, seed=seed, held_share=held_share)
    return folder / "inquiries.csv"


def import_registry(db: Path, persons_csv: Path, *, seed: int) -> tuple[str, float]:
    """A fresh SQLite registry with the file imported; returns its URL and the import's seconds.

    The seconds (and this process's CPU seconds) are also written next to the database
    (:func:`import_timing`), so that a registry imported earlier still reports them. A
    registry imported earlier is brought to the current schema first (a migration that
    rebuilds the tracing keys runs here, not in the middle of a measurement).
    """
    url = f"sqlite:///{db}"
    if db.exists():
        engine = open_engine(url)
        upgrade(engine)
        engine.dispose()
        return url, 0.0
    engine = open_engine(url, create=True)
    upgrade(engine)
    started, cpu = time.perf_counter(), time.process_time()
    with seeded_ids(seed):
        intake.import_persons(
            uow=SqlUnitOfWork(engine), path=persons_csv, source="synth", recorded_by="bench"
        )
    seconds = time.perf_counter() - started
    engine.dispose()
    timing = {"seconds": round(seconds, 1), "process_cpu_seconds": round(time.process_time() - cpu, 1)}
    db.with_name(db.name + ".import.json").write_text(json.dumps(timing), encoding="utf-8")
    return url, seconds


def import_timing(db: Path) -> dict[str, float]:
    """What :func:`import_registry` recorded for ``db`` (empty when it did not import it)."""
    path = db.with_name(db.name + ".import.json")
    if not path.exists():
        return {}
    loaded: dict[str, float] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@dataclass(frozen=True)
class Truth:
    """The hidden answer to one inquiry."""

    query_ref: str
    person_ref: str  # empty when he is not held
    hard_cases: tuple[str, ...]
    not_held_kind: str


def read_truth(path: Path) -> dict[str, Truth]:
    """truth.csv by query_ref."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            r["query_ref"]: Truth(
                r["query_ref"],
                r["person_ref"],
                tuple(filter(None, r["hard_cases"].split(";"))),
                r["not_held_kind"],
            )
            for r in csv.DictReader(handle)
        }


def read_inquiries(path: Path) -> list[tuple[str, TraceQuery]]:
    """inquiries.csv as (query_ref, query) in file order."""
    fields = TraceQuery.__dataclass_fields__
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            (r["query_ref"], TraceQuery(**{k: (v or None) for k, v in r.items() if k in fields}))
            for r in csv.DictReader(handle)
        ]


def refs_to_ids(url: str) -> dict[str, str]:
    """person_ref -> registry id of a registry imported by :func:`import_registry`."""
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT person_ref, person_id FROM person_refs").all()
    finally:
        engine.dispose()
    return {r[0]: r[1] for r in rows}
