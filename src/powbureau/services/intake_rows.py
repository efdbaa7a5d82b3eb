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
from typing import Any, NamedTuple

from powbureau.domain.errors import InvalidInput
from powbureau.domain.events import hash_middle
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
from powbureau.store.match_index import match_rows
from powbureau.store.repositories import person_tuple

__all__ = [
    "CHUNK",
    "DERIVED_REF",
    "REPORT_COLUMNS",
    "Good",
    "PreparedChunk",
    "Read",
    "Refused",
    "RowError",
    "RowReader",
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
class Refused:
    """A row that cannot be taken, with every reason."""

    cells: list[str]
    errors: list[RowError]


class Good(NamedTuple):
    """A valid row: registering it as a new person is in the chunk's lists under ``person_id``."""

    line: int
    ref: str
    person_id: str
    cells: list[str]


class Read(NamedTuple):
    """What a valid row says."""

    ref: str
    fields: dict[str, str | None]
    extra: dict[str, str]


class PreparedChunk(NamedTuple):
    """Up to CHUNK rows of a file made ready to write, as plain lists and tuples.

    Plain data because a large file's chunks cross from the worker to the importing
    process: tuples of strings are cheap to send, and the importer hands the lists to
    the driver as they are. ``events`` are new events with the pieces of their hash
    already made (:func:`powbureau.domain.events.hash_middle`): each is
    ``(person_id, kind, occurred_on, place, payload, middle)``, recorded by the import's
    user, from its source, at its stamp, correcting nothing; the importer only gives each
    its id and chains it.
    """

    header: list[str]
    rows: int  # the rows read, good and bad
    good: list[Good]
    refused: list[Refused]
    persons: list[tuple[Any, ...]]  # projection rows, in the order of ``good``
    profiles: list[tuple[str, ...]]  # match profile rows, in the same order
    keys: list[tuple[str, str, str]]  # match key rows (key, custody, person_id), sorted
    events: list[tuple[str, str, str | None, str | None, str, bytes]]


def extra_columns(header: Sequence[str]) -> frozenset[str]:
    """The header's unknown columns: kept with each person as written."""
    return frozenset(n for n in header if n not in _KNOWN and n != "person_ref" and n not in REPORT_COLUMNS)


class RowReader:
    """Reads the cells of one file's rows by the roles its header gives each column."""

    def __init__(self, header: Sequence[str]) -> None:
        self.width = len(header)
        self.ref_at = header.index("person_ref") if "person_ref" in header else None
        self.known = [(i, n) for i, n in enumerate(header) if n in _KNOWN]
        unknown = extra_columns(header)
        self.extra = [(i, n) for i, n in enumerate(header) if n in unknown]

    def read(self, line: int, cells: list[str]) -> Read | Refused:
        """The row's reference, identity fields and unknown columns, or why it is refused."""
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
        return Read(ref, fields, extra)


class _ChunkMaker:
    """Turns a file's rows into :class:`PreparedChunk` s: what registering each would write."""

    def __init__(self, header: list[str], *, source: str, recorded_by: str, file: str, stamp: str) -> None:
        self.header = header
        self.reader = RowReader(header)
        self.source, self.recorded_by, self.file, self.stamp = source, recorded_by, file, stamp

    def make(self, rows: Sequence[tuple[int, list[str]]]) -> PreparedChunk:
        chunk = PreparedChunk(self.header, len(rows), [], [], [], [], [], [])
        for line, cells in rows:
            read = self.reader.read(line, cells)
            if isinstance(read, Refused):
                chunk.refused.append(read)
            else:
                self._prepare(chunk, line, read, cells)
        chunk.keys.sort()
        return chunk

    def _prepare(self, chunk: PreparedChunk, line: int, read: Read, cells: list[str]) -> None:
        ref, fields, extra = read
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
        profile, keys = match_rows(person_id, state.custody.value, state.fields, None)
        chunk.good.append(Good(line, ref, person_id, cells))
        chunk.persons.append(person_tuple(state))
        if profile is not None:
            chunk.profiles.append(profile)
        chunk.keys.extend(keys)
        for e in events:
            kind = str(e.kind)
            middle = hash_middle(
                person_id=person_id, kind=kind, occurred_on=e.occurred_on, place=e.place, payload=e.payload
            )
            chunk.events.append((person_id, kind, e.occurred_on, e.place, e.payload, middle))


def prepare_chunks(
    path: Path, *, encoding: str | None, source: str, recorded_by: str, stamp: str
) -> Iterator[PreparedChunk]:
    """The file's rows in chunks of up to CHUNK rows, made ready to write."""
    csv_file = open_csv(path, encoding=encoding, required=("surname", "given_name"))
    try:
        maker = _ChunkMaker(
            csv_file.header, source=source, recorded_by=recorded_by, file=path.name, stamp=stamp
        )
        rows: list[tuple[int, list[str]]] = []
        yielded = False
        for row in csv_file.rows:
            rows.append(row)
            if len(rows) == CHUNK:
                yield maker.make(rows)
                rows, yielded = [], True
        if rows or not yielded:  # an empty file still hands over its header
            yield maker.make(rows)
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
) -> Iterator[PreparedChunk]:
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
