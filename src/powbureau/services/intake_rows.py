"""Rows of persons.csv made ready to write: parsed, validated, turned into events.

This is the CPU-heavy half of bulk intake and touches no database, so a large file
is prepared in a forked worker process while the importing process seals events
onto the chain and writes them: two cores share the work. The same
:func:`prepare_chunks` runs in-process for small files, so both ways give the same
rows. If the importing process dies, the worker's next send fails and it exits.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from powbureau.domain.errors import InvalidInput
from powbureau.domain.events import NewEvent
from powbureau.domain.lifecycle import registration_state
from powbureau.domain.people import (
    FORMAT_COLUMNS,
    IDENTITY_FIELDS,
    category_of,
    custody_for,
    validate_identity,
)
from powbureau.domain.registry import new_person_id, registration_events
from powbureau.interchange.csvfiles import open_csv, unprotect_cell
from powbureau.store.match_index import state_match_rows
from powbureau.store.repositories import person_tuple, ref_tuples

__all__ = [
    "CHUNK",
    "DERIVED_REF",
    "REPORT_COLUMNS",
    "Prepared",
    "RowError",
    "extra_columns",
    "prepare_chunks",
    "prepared_stream",
]

CHUNK = 2000
DERIVED_REF = "#"
#: The columns a reject file puts before the row's own cells; an import drops them, so a
#: corrected reject file can be imported as it is.
REPORT_COLUMNS = ("rejected_line", "rejected_because")
_KNOWN = frozenset(FORMAT_COLUMNS) | frozenset(IDENTITY_FIELDS)
_WORKER_MIN_BYTES = 4 << 20


@dataclass(frozen=True)
class RowError:
    """One reason a row was refused."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


@dataclass(frozen=True)
class Prepared:
    """A valid row, with what registering it as a new person would write."""

    line: int
    ref: str
    fields: dict[str, str | None]
    extra: dict[str, str]
    cells: list[str]
    events: list[NewEvent]
    person_row: tuple[Any, ...]
    ref_rows: list[tuple[str, str, str]]
    match_profile: tuple[str, ...] | None
    match_keys: list[tuple[str, str, str]]


@dataclass(frozen=True)
class Refused:
    """A row that cannot be taken, with every reason."""

    cells: list[str]
    errors: list[RowError]


def extra_columns(header: Sequence[str]) -> frozenset[str]:
    """The header's unknown columns: kept with each person as written."""
    return frozenset(n for n in header if n not in _KNOWN and n != "person_ref" and n not in REPORT_COLUMNS)


class _RowParser:
    """Reads the cells of one file's rows by the roles its header gives each column."""

    def __init__(
        self, header: Sequence[str], *, source: str, recorded_by: str, file: str, stamp: str
    ) -> None:
        self.width = len(header)
        self.ref_at = header.index("person_ref") if "person_ref" in header else None
        self.known = [(i, n) for i, n in enumerate(header) if n in _KNOWN]
        unknown = extra_columns(header)
        self.extra = [(i, n) for i, n in enumerate(header) if n in unknown]
        self.source, self.recorded_by, self.file, self.stamp = source, recorded_by, file, stamp

    def parse(self, line: int, cells: list[str]) -> Prepared | Refused:
        if len(cells) != self.width:
            reason = f"{len(cells)} cells where the header has {self.width}"
            return Refused(cells, [RowError(line, "*", reason)])
        values = [unprotect_cell(c) if c[:1] == "'" else c for c in cells]
        fields: dict[str, str | None] = {n: values[i] or None for i, n in self.known}
        extra = {n: values[i] for i, n in self.extra if values[i]}
        if not ((fields.get("surname") or "").strip() or (fields.get("given_name") or "").strip()):
            reason = "empty name: a row needs a surname or a given name"
            return Refused(cells, [RowError(line, "surname", reason)])
        try:
            validate_identity(fields)
        except InvalidInput as exc:
            return Refused(cells, [RowError(line, exc.field or "*", str(exc))])
        ref = values[self.ref_at] if self.ref_at is not None else ""
        if not ref:
            ref = DERIVED_REF + hashlib.sha256("\x1f".join(cells).encode()).hexdigest()[:20]
        return self._prepare(line, ref, fields, extra, cells)

    def _prepare(
        self, line: int, ref: str, fields: dict[str, str | None], extra: dict[str, str], cells: list[str]
    ) -> Prepared:
        person_id = new_person_id()
        events = registration_events(
            person_id,
            fields,
            recorded_by=self.recorded_by,
            source=self.source,
            ref=(self.source, ref),
            extra=extra,
            origin={"file": self.file, "line": line},
            validated=True,
        )
        state = registration_state(
            person_id,
            custody=custody_for(category_of(fields.get("category"))),
            fields=fields,
            extra=extra,
            ref=(self.source, ref),
            unidentified=False,
            place=None,
            then=[e.kind for e in events[1:]],
            recorded_at=self.stamp,
            recorded_by=self.recorded_by,
        )
        profile, keys = state_match_rows(state)
        return Prepared(
            line, ref, fields, extra, cells, events, person_tuple(state), ref_tuples(state), profile, keys
        )


def prepare_chunks(
    path: Path, *, encoding: str | None, source: str, recorded_by: str, stamp: str
) -> Iterator[tuple[list[str], list[tuple[int, Prepared | Refused]]]]:
    """Yield (header, chunk) pairs: each chunk is up to CHUNK rows with their line numbers."""
    csv_file = open_csv(path, encoding=encoding, required=("surname", "given_name"))
    try:
        parser = _RowParser(
            csv_file.header, source=source, recorded_by=recorded_by, file=path.name, stamp=stamp
        )
        chunk: list[tuple[int, Prepared | Refused]] = []
        yielded = False
        for line, cells in csv_file.rows:
            chunk.append((line, parser.parse(line, cells)))
            if len(chunk) == CHUNK:
                yield csv_file.header, chunk
                chunk, yielded = [], True
        if chunk or not yielded:  # an empty file still hands over its header
            yield csv_file.header, chunk
    finally:
        csv_file.close()


def _produce(
    send: Connection,
    receive: Connection,
    path: Path,
    encoding: str | None,
    source: str,
    recorded_by: str,
    stamp: str,
) -> None:
    # Close the child's copy of the reading end: while it is open, a killed importer leaves
    # the pipe a reader, send() blocks on a full pipe forever and the worker is orphaned.
    receive.close()
    try:
        for item in prepare_chunks(
            path, encoding=encoding, source=source, recorded_by=recorded_by, stamp=stamp
        ):
            send.send(("chunk", item))
        send.send(("done", None))
    except InvalidInput as exc:
        send.send(("error", (str(exc), exc.field)))
    except (BrokenPipeError, EOFError):
        os._exit(0)  # the importing process is gone: nothing to deliver to
    finally:
        send.close()


def prepared_stream(
    path: Path, *, encoding: str | None, source: str, recorded_by: str, stamp: str
) -> Iterator[tuple[list[str], list[tuple[int, Prepared | Refused]]]]:
    """Like :func:`prepare_chunks`, in a worker process when the file is large."""
    big = path.is_file() and path.stat().st_size >= _WORKER_MIN_BYTES
    if not big or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from prepare_chunks(
            path, encoding=encoding, source=source, recorded_by=recorded_by, stamp=stamp
        )
        return
    open_csv(path, encoding=encoding, required=("surname", "given_name")).close()  # fail early
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(
        target=_produce, args=(send, receive, path, encoding, source, recorded_by, stamp), daemon=True
    )
    worker.start()
    send.close()
    try:
        while True:
            kind, value = receive.recv()
            if kind == "done":
                return
            if kind == "error":
                message, field = value
                raise InvalidInput(message, field=field)
            yield value
    finally:
        receive.close()
        worker.join(timeout=5)
        if worker.is_alive():
            worker.kill()
