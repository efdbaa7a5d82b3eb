"""Columns of the files (shared/formats/README.md), streaming CSV I/O, reservoir sampling."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, Generic, TypeVar

from powbureau.domain.people import FORMAT_COLUMNS

from .identity import IDENTITY_COLUMNS, Man

__all__ = [
    "EXCHANGE_COLUMNS",
    "EXCHANGE_TRUTH",
    "EXCHANGE_TRUTH_COLUMNS",
    "INQUIRY_COLUMNS",
    "PERSONS_COLUMNS",
    "PERSONS_TRUTH",
    "TRUTH_COLUMNS",
    "Reservoir",
    "open_writer",
    "read_registry",
]

#: persons.csv as shared/formats fixes it (the registry's own list), plus one unknown
#: column that importers must keep.
PERSONS_COLUMNS = (*FORMAT_COLUMNS, "note")
INQUIRY_COLUMNS = (
    "query_ref",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "unit",
    "service_number",
    "mother_name",
    "father_name",
    "last_seen_on",
    "last_seen_place",
    "inquirer_name",
    "inquirer_relation",
    "inquirer_contact",
)
TRUTH_COLUMNS = (
    "query_ref",
    "person_ref",
    "held",
    "not_held_kind",
    "base_person_ref",
    "registry_form",
    "inquiry_form",
    "hard_cases",
    "namesakes",
    "namesakes_same_year",
)
EXCHANGE_COLUMNS = (
    "list_ref",
    "list_kind",
    "claimed_state",
    "medical_category",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "rank",
    "unit",
    "service_number",
)
EXCHANGE_TRUTH_COLUMNS = (
    "list_ref",
    "person_ref",
    "expected_status",
    "list_kind",
    "not_held_kind",
    "base_person_ref",
    "registry_form",
    "list_form",
    "hard_cases",
)
PERSONS_TRUTH = "persons-truth.csv"
EXCHANGE_TRUTH = "exchange-truth.csv"


@contextmanager
def open_writer(path: Path, header: tuple[str, ...]) -> Iterator[Any]:
    """A csv writer on a new UTF-8 file, header written; rows end with \\n."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        yield w


def read_registry(registry_dir: Path) -> Iterator[Man]:
    """Stream the men of persons-truth.csv, checking each lines up with persons.csv."""
    with (
        open(registry_dir / "persons.csv", newline="", encoding="utf-8-sig") as pf,
        open(registry_dir / PERSONS_TRUTH, newline="", encoding="utf-8") as tf,
    ):
        persons, truth = csv.reader(pf), csv.reader(tf)
        ref = next(persons).index("person_ref")
        if tuple(next(truth)) != IDENTITY_COLUMNS:
            raise ValueError(f"{PERSONS_TRUTH} was written by another version of bench.synth")
        convert = [int if f.type == "int" else str for f in fields(Man)]
        for row, ident in zip(persons, truth, strict=True):
            values: list[Any] = [f(v) for f, v in zip(convert, ident, strict=True)]
            man = Man(*values)
            if row[ref] != man.person_ref:
                raise ValueError(f"{PERSONS_TRUTH} does not match persons.csv at {row[ref]}")
            yield man


T = TypeVar("T")


class Reservoir(Generic[T]):
    """A uniform sample of at most k items from a stream of unknown length (Algorithm R)."""

    def __init__(self, k: int, rng: random.Random) -> None:
        self.k, self.rng, self.seen = k, rng, 0
        self.items: list[T] = []

    def offer(self, item: T) -> None:
        self.seen += 1
        if len(self.items) < self.k:
            self.items.append(item)
        else:
            j = self.rng.randrange(self.seen)
            if j < self.k:
                self.items[j] = item
