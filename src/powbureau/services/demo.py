"""Synthetic demo data: Faker's ru_RU and uk_UA people, never real ones.

The demo writes a persons.csv of synthetic people and imports it through the same
intake as any file, then records histories through the same use cases as the CLI.
"""

from __future__ import annotations

import contextlib
import csv
import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from faker import Faker
from sqlalchemy import Engine

from powbureau.domain.errors import DuplicateReference
from powbureau.domain.people import FORMAT_COLUMNS
from powbureau.services import intake, registry
from powbureau.store.uow import SqlUnitOfWork

__all__ = ["fill", "write_demo_persons"]

_PLACES = [
    ("DEMO-CAMP-1", "Camp No. 1 (demo)", "camp", 400),
    ("DEMO-CAMP-2", "Camp No. 2 (demo)", "camp", 250),
    ("DEMO-HOSP-1", "Military hospital (demo)", "hospital", 60),
]
_RANKS = {
    "ru_RU": ["рядовой", "ефрейтор", "сержант", "лейтенант"],
    "uk_UA": ["солдат", "старший солдат", "сержант", "лейтенант"],
}


def write_demo_persons(path: Path, count: int, seed: int) -> None:
    """Write a persons.csv of ``count`` synthetic people."""
    rng = random.Random(seed)
    fakers = {loc: Faker(loc) for loc in ("ru_RU", "uk_UA")}
    for i, fake in enumerate(fakers.values()):
        fake.seed_instance(seed * 10 + i)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FORMAT_COLUMNS)
        for n in range(count):
            locale = "ru_RU" if rng.random() < 0.7 else "uk_UA"
            fake = fakers[locale]
            category = rng.choices(["pow", "civilian_internee", "missing"], [80, 8, 12])[0]
            year = rng.randrange(1970, 2005)
            born = rng.choice(
                [
                    f"{year}",
                    f"{year}-{rng.randrange(1, 13):02d}",
                    str(fake.date_between_dates(_d(year, 1, 1), _d(year, 12, 28))),
                ]
            )
            writer.writerow(
                [
                    f"DEMO{n:06d}",
                    fake.last_name_male(),
                    fake.first_name_male(),
                    fake.middle_name_male(),
                    born,
                    fake.city_name(),
                    "M",
                    "RU" if locale == "ru_RU" else "UA",
                    rng.choice(_RANKS[locale]),
                    f"в/ч {rng.randrange(10000, 99999)}",
                    f"АБ-{rng.randrange(100000, 999999)}",
                    fake.first_name_female(),
                    fake.first_name_male(),
                    category,
                    rng.choice(["2022-03", "2023-09-14", "2024-05-02", ""]) if category != "missing" else "",
                    fake.city_name() if category != "missing" else "",
                ]
            )


def _d(year: int, month: int, day: int) -> Any:
    from datetime import date

    return date(year, month, day)


def fill(
    *,
    engine: Engine,
    persons: int,
    seed: int,
    recorded_by: str,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Register synthetic persons, places and histories; return what was added."""
    rng = random.Random(seed)
    for code, name, kind, capacity in _PLACES:
        with contextlib.suppress(DuplicateReference):  # exists from an earlier demo run
            registry.add_place(uow=SqlUnitOfWork(engine), code=code, name=name, kind=kind, capacity=capacity)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo-persons.csv"
        write_demo_persons(path, persons, seed)
        summary = intake.import_persons(
            uow=SqlUnitOfWork(engine), path=path, source="demo", recorded_by=recorded_by, progress=progress
        )
    events = 0
    if summary.registered == 0:  # the same demo ran before: its people and histories are there
        return {"registered": 0, "events": 0, "places": len(_PLACES)}
    # The demo picks its own synthetic people to give histories to; nothing is shown to
    # anyone, so this is no read to audit and goes to the repository directly.
    with SqlUnitOfWork(engine, write=False) as uow:
        held = uow.persons.search(custody="ours", status="held", limit=min(persons, 200))
    for row in held:
        pid = str(row["id"])
        story = rng.random()
        steps: list[tuple[str, str | None]] = [("transferred", rng.choice(["DEMO-CAMP-1", "DEMO-CAMP-2"]))]
        if story < 0.15:
            steps += [("hospitalised", "DEMO-HOSP-1")]
        elif story < 0.25:
            steps += [("exchanged", None)]
        elif story < 0.28:
            steps += [("released", None)]
        for kind, place in steps:
            registry.record_event(
                uow=SqlUnitOfWork(engine),
                ref=pid,
                kind=kind,
                place=place,
                recorded_by=recorded_by,
                occurred_on="2024-06",
            )
            events += 1
    return {"registered": summary.registered, "events": events, "places": len(_PLACES)}
