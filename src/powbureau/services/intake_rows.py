"""Rows of persons.csv made ready to write: parsed, validated, turned into events.

This is the CPU-heavy half of bulk intake and touches no database, so a large file
is prepared in a forked worker process while the importing process seals events
onto the chain and writes them: two cores share the work. The same
:func:`prepare_chunks` runs in-process for small files, so both ways give the same
rows. If the importing process dies, the worker's next send fails and it exits.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from json.encoder import encode_basestring
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any, NamedTuple

from powbureau.domain.errors import InvalidInput
from powbureau.domain.events import EventKind, hash_middle
from powbureau.domain.lifecycle import registration_state
from powbureau.domain.people import (
    FORMAT_COLUMNS,
    IDENTITY_FIELDS,
    Category,
    Custody,
    category_of,
    custody_for,
    validate_identity,
)
from powbureau.domain.registry import new_person_id, registration_events
from powbureau.interchange.csvfiles import open_csv, unprotect_cell
from powbureau.names.forms import preload as preload_names
from powbureau.store.match_index import match_rows

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
    """A valid row: registering it as a new person is in the chunk's lists under ``person_id``.

    ``cells`` are empty when the importer said it needs none (see :func:`prepared_stream`).
    """

    line: int
    ref: str
    person_id: str
    cells: Sequence[str]


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
        values = [unprotect_cell(c) if c[:1] == "'" else c for c in cells] if "'" in "".join(cells) else cells
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
    """Turns a file's rows into :class:`PreparedChunk` s: what registering each would write.

    What :func:`~powbureau.domain.registry.registration_events`,
    :func:`~powbureau.domain.lifecycle.registration_state`,
    :func:`~powbureau.store.repositories.person_tuple` and
    :func:`~powbureau.domain.events.hash_middle` give for a row, made directly: everything
    that is the same for every row of the file (the JSON of the column names, the parts of
    the hashed bodies, the status a category and capture date lead to) is made once.
    The unit tests hold the rows equal to those of the functions named above.
    """

    def __init__(
        self,
        header: list[str],
        *,
        source: str,
        recorded_by: str,
        file: str,
        stamp: str,
        new_id: Callable[[], str] = new_person_id,
    ) -> None:
        self.header = header
        self.reader = RowReader(header)
        self.source, self.recorded_by, self.file, self.stamp = source, recorded_by, file, stamp
        self.new_id = new_id
        names = sorted({n for _, n in self.reader.known})
        # the registration payload: {"custody":..,"extra":..,"fields":{..},"origin":{..},"ref":[..]}
        self._field_keys = [(f"{encode_basestring(n)}:", n) for n in names]
        self._origin = f'}},"origin":{{"file":{encode_basestring(file)},"line":'
        self._ref = f'}},"ref":[{encode_basestring(source)},'
        self._custody = {c.value: f'{{"custody":{encode_basestring(c.value)}' for c in Custody}
        self._tail = (stamp, stamp, recorded_by)

    def make(self, rows: Sequence[tuple[int, list[str]]], ids: Sequence[str] | None = None) -> PreparedChunk:
        """The rows made ready. Each row takes the next registry id, a refused row too (its
        id is left unused), so that ``ids`` made elsewhere for the rows (one a row) give the
        same chunk as ids made here."""
        chunk = PreparedChunk(self.header, len(rows), [], [], [], [], [], [])
        new_id = self.new_id if ids is None else iter(ids).__next__
        for line, cells in rows:
            person_id = new_id()
            read = self.reader.read(line, cells)
            if isinstance(read, Refused):
                chunk.refused.append(read)
            else:
                self._prepare(chunk, line, read, cells, person_id)
        chunk.keys.sort()
        return chunk

    def _prepare(self, chunk: PreparedChunk, line: int, read: Read, cells: list[str], person_id: str) -> None:
        ref, fields, extra = read
        get = fields.get
        category = category_of(get("category"))
        version, custody, status, status_on, then = _registration_outcome(category, get("captured_on"))
        enc = encode_basestring
        payload = "".join(
            (
                self._custody[custody],
                f',"extra":{_text_object(extra)}' if extra else "",
                ',"fields":{',
                ",".join([key + enc(v) for key, name in self._field_keys if (v := fields[name]) is not None]),
                self._origin,
                str(line),
                self._ref,
                enc(ref),
                "]}",
            )
        )
        pid = enc(person_id)
        events = chunk.events
        head, between, end = _REGISTERED
        events.append(
            (
                person_id,
                "registered",
                None,
                None,
                payload,
                f"{head}{enc(payload)}{between}{pid}{end}".encode(),
            )
        )
        for kind, occurred_on, place, data, (head, end) in then:
            events.append((person_id, kind, occurred_on, place, data, f"{head}{pid}{end}".encode()))
        chunk.good.append(Good(line, ref, person_id, cells))
        chunk.persons.append(
            (
                person_id,
                version,
                custody,
                status,
                status_on,
                None,
                None,
                False,
                0,
                *map(get, IDENTITY_FIELDS),
                json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else "{}",
                *self._tail,
            )
        )
        profile, keys = match_rows(person_id, custody, fields, None)
        if profile is not None:
            chunk.profiles.append(profile)
        chunk.keys.extend(keys)


def _text_object(value: Mapping[str, str]) -> str:
    """The canonical JSON of a mapping of text to text."""
    return (
        "{" + ",".join([f"{encode_basestring(k)}:{encode_basestring(value[k])}" for k in sorted(value)]) + "}"
    )


_PAYLOAD, _PERSON = "\x00payload\x00", "\x00person\x00"


def _middle_pieces(kind: str, occurred_on: str | None, place: str | None, payload: str | None) -> list[str]:
    """:func:`~powbureau.domain.events.hash_middle` cut where the person id (and, when
    ``payload`` is None, the payload) goes: the pieces to join around them."""
    middle = hash_middle(
        person_id=_PERSON,
        kind=kind,
        occurred_on=occurred_on,
        place=place,
        payload=_PAYLOAD if payload is None else payload,
    ).decode()
    pieces = []
    for cut in ([encode_basestring(_PAYLOAD)] if payload is None else []) + [encode_basestring(_PERSON)]:
        before, found, middle = middle.partition(cut)
        if not found:
            raise AssertionError(f"hash_middle has no {cut!r}")
        pieces.append(before)
    return [*pieces, middle]


#: A ``registered`` event of bulk intake (no date, no place): its hashed body's middle is
#: ``head + payload (JSON string) + between + person id (JSON string) + end``.
_REGISTERED = tuple(_middle_pieces(str(EventKind.REGISTERED), None, None, None))


@lru_cache(maxsize=1 << 12)
def _registration_outcome(
    category: Category, captured_on: str | None
) -> tuple[int, str, str, str | None, tuple[tuple[str, str | None, str | None, str, tuple[str, ...]], ...]]:
    """What registering a person of that category, captured on that date, leads to.

    The projection's version, custody, status and status date (by
    :func:`~powbureau.domain.lifecycle.registration_state`), and the events after
    ``registered`` (by :func:`~powbureau.domain.registry.registration_events`): each its
    kind, date, place, payload and the pieces of its hashed middle around the person id.
    """
    fields: dict[str, str | None] = {"surname": "-", "category": str(category), "captured_on": captured_on}
    events = registration_events("P", fields, recorded_by="", source=None, validated=True)
    custody = custody_for(category)
    state = registration_state(
        "P",
        custody=custody,
        fields=fields,
        extra={},
        ref=None,
        unidentified=False,
        place=None,
        then=[e.kind for e in events[1:]],
        recorded_at="",
        recorded_by="",
    )
    then = [
        (
            str(e.kind),
            e.occurred_on,
            e.place,
            e.payload,
            tuple(_middle_pieces(str(e.kind), e.occurred_on, e.place, e.payload)),
        )
        for e in events[1:]
    ]
    return state.version, custody.value, state.status.value, state.status_on, tuple(then)


def _row_chunks(rows: Iterator[tuple[int, list[str]]]) -> Iterator[list[tuple[int, list[str]]]]:
    """The rows in lists of CHUNK; an empty file gives one empty list (for its header)."""
    chunk: list[tuple[int, list[str]]] = []
    yielded = False
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk, yielded = [], True
    if chunk or not yielded:
        yield chunk


def prepare_chunks(
    path: Path, *, encoding: str | None, source: str, recorded_by: str, stamp: str
) -> Iterator[PreparedChunk]:
    """The file's rows in chunks of up to CHUNK rows, made ready to write."""
    csv_file = open_csv(path, encoding=encoding, required=("surname", "given_name"))
    try:
        maker = _ChunkMaker(
            csv_file.header, source=source, recorded_by=recorded_by, file=path.name, stamp=stamp
        )
        for rows in _row_chunks(csv_file.rows):
            yield maker.make(rows)
    finally:
        csv_file.close()


class _Outbox:
    """The worker's messages, sent by a thread of their own: the worker goes on making the
    next chunk (up to two ahead) while the importer is busy, instead of waiting in send()
    until the importer reads (a pipe holds 64 KiB, a chunk about 3 MB)."""

    def __init__(self, send: Connection) -> None:
        self._send = send
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        while (message := self._queue.get()) is not None:
            try:
                self._send.send_bytes(message)
            except OSError:  # BrokenPipeError: the importing process is gone
                os._exit(0)

    def put(self, message: tuple[str, Any]) -> None:
        self._queue.put(bytes(ForkingPickler.dumps(message)))

    def close(self) -> None:
        """Send what is queued, then return."""
        self._queue.put(None)
        self._thread.join()


def _produce(
    send: Connection,
    receive: Connection,
    asks: Connection,
    ask: Connection,
    path: Path,
    encoding: str | None,
    source: str,
    recorded_by: str,
    stamp: str,
    cells: bool,
) -> None:
    # Close the child's copies of the importer's ends: while the reading end is open, a killed
    # importer leaves the pipe a reader, send() blocks on a full pipe forever and the worker
    # is orphaned; while the asking end is open, asks.recv() would never see the importer go.
    receive.close()
    ask.close()
    csv_file = None
    outbox = _Outbox(send)
    try:
        csv_file = open_csv(path, encoding=encoding, required=("surname", "given_name"))
        maker = _ChunkMaker(
            csv_file.header, source=source, recorded_by=recorded_by, file=path.name, stamp=stamp
        )
        for rows in _row_chunks(csv_file.rows):
            if asks.poll():
                # The importer waited for a chunk: it prepares this one itself, with ids made
                # here (one a row, so that the ids keep the file's order and never meet).
                asks.recv_bytes()
                outbox.put(("rows", (csv_file.header, rows, [maker.new_id() for _ in rows])))
                continue
            item = maker.make(rows)
            # Plain tuples cross the pipe (pickling a named tuple is a Python call for each),
            # and a row's cells only when the importer needs them (a third of the pickling time).
            good = [(g.line, g.ref, g.person_id, g.cells if cells else ()) for g in item.good]
            outbox.put(("chunk", (item._replace(good=[]), good)))
        outbox.put(("done", None))
    except InvalidInput as exc:
        outbox.put(("error", (str(exc), exc.field)))
    except (BrokenPipeError, EOFError):
        os._exit(0)  # the importing process is gone: nothing to deliver to
    finally:
        outbox.close()
        if csv_file is not None:
            csv_file.close()
        send.close()


def _waiting(receive: Connection) -> bool:
    """True when no message from the worker is there to read: the importer would wait."""
    return not receive.poll()


def prepared_stream(
    path: Path,
    *,
    encoding: str | None,
    source: str,
    recorded_by: str,
    stamp: str,
    cells: bool = True,
    share: bool = True,
) -> Iterator[PreparedChunk]:
    """Like :func:`prepare_chunks`, in a worker process when the file is large.

    The two processes share the preparing: whenever the importing process finds no chunk
    waiting for it, it asks the worker for the next chunk's rows as read and prepares that
    chunk itself, with registry ids the worker made. Either way a chunk is made by the same
    code from the same rows and ids, so the rows written do not depend on who made them.

    Args:
        cells: whether the good rows' cells are needed (to write a reject file or to
            read a known ref's row again for its corrections); a worker sends them only then.
        share: whether the importing process may make chunks itself when it waits (when
            its waits leave a core idle, i.e. when no database server works for it).
    """
    big = path.is_file() and path.stat().st_size >= _WORKER_MIN_BYTES
    if not big or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from prepare_chunks(
            path, encoding=encoding, source=source, recorded_by=recorded_by, stamp=stamp
        )
        return
    open_csv(path, encoding=encoding, required=("surname", "given_name")).close()  # fail early
    if share:
        # The importer will make chunks too, and needs the name tables for them: read once
        # here, the forked worker has them as well instead of reading them again (0.26 s).
        preload_names()
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    asks, ask = context.Pipe(duplex=False)
    worker = context.Process(
        target=_produce,
        args=(send, receive, asks, ask, path, encoding, source, recorded_by, stamp, cells),
        daemon=True,
    )
    worker.start()
    send.close()
    asks.close()
    maker: _ChunkMaker | None = None
    asked = False  # one request at a time: at most one chunk more than needed moves over
    try:
        while True:
            if share and not asked and _waiting(receive):
                try:
                    ask.send_bytes(b"")  # idle: the next chunk the worker starts is ours to make
                    asked = True
                except BrokenPipeError:
                    pass  # the worker is gone: recv() says how
            kind, value = receive.recv()
            if kind == "done":
                return
            if kind == "error":
                message, field = value
                raise InvalidInput(message, field=field)
            if kind == "rows":
                asked = False
                header, rows, ids = value
                if maker is None:
                    maker = _ChunkMaker(
                        header, source=source, recorded_by=recorded_by, file=path.name, stamp=stamp
                    )
                yield maker.make(rows, ids)
                continue
            chunk, good = value
            yield chunk._replace(good=list(map(Good._make, good)))
    finally:
        receive.close()
        ask.close()
        worker.join(timeout=5)
        if worker.is_alive():
            worker.kill()
