"""Bulk intake of persons.csv, and its export.

A file is taken whole or not at all: every row is validated and written inside one
transaction, which is rolled back if any row is bad, so a crash or a refusal leaves
nothing behind. Rows are streamed in chunks, so memory does not grow with the file.
Re-importing a row whose (source, person_ref) exists writes nothing when it is
identical, and an ``identity_corrected`` event citing file and line when it differs.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from powbureau.domain.access import Reader
from powbureau.domain.audit import AuditAction
from powbureau.domain.errors import ImportRejected, InvalidInput
from powbureau.domain.events import EventKind, NewEvent, canonical_json, utc_now
from powbureau.domain.lifecycle import Status, replay
from powbureau.domain.people import FORMAT_COLUMNS, IDENTITY_FIELDS, Category, category_of
from powbureau.domain.registry import identity_changes
from powbureau.interchange.csvfiles import csv_writer, protect_cell
from powbureau.services.audit import file_sha256, record_read
from powbureau.services.intake_rows import (
    CHUNK,
    DERIVED_REF,
    REPORT_COLUMNS,
    Good,
    PreparedChunk,
    Read,
    RowError,
    RowReader,
    extra_columns,
    prepared_stream,
)
from powbureau.store.bulk import defer_indexes, writes_in_process
from powbureau.store.import_ledger import ImportLedger
from powbureau.store.uow import UnitOfWork

__all__ = [
    "CHUNK",
    "Correction",
    "ImportSummary",
    "RowError",
    "export_persons",
    "import_persons",
]


#: A row of persons.csv rarely takes fewer bytes (the synthetic registry's take 170): a file
#: of more bytes than this times the registry's events most likely brings more rows than the
#: registry has, and its indexes are then built again after the rows (speed only).
_ROW_BYTES = 100
#: A file larger than this brings more match keys than SQLite's page cache (64 MiB) holds
#: (1.4 bytes of keys a byte of the synthetic file): they are then sorted once, not each
#: inserted at its place in a b-tree read and written page by page.
_STAGED_KEYS_BYTES = 48 << 20


@dataclass(frozen=True)
class Correction:
    """A re-imported row that differs from the registry: written as a correction event."""

    line: int
    person_ref: str
    person_id: str
    changes: dict[str, list[str | None]]


@dataclass
class ImportSummary:
    """What an import did (or, with ``dry_run``, would do)."""

    file: str
    source: str
    rows: int = 0
    registered: int = 0
    unchanged: int = 0
    corrections: list[Correction] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    rejected_rows: int = 0
    dry_run: bool = False
    sha256: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return {
            "file": self.file,
            "source": self.source,
            "sha256": self.sha256,
            "rows": self.rows,
            "registered": self.registered,
            "unchanged": self.unchanged,
            "corrected": len(self.corrections),
            "corrections": [
                {"line": c.line, "person_ref": c.person_ref, "person_id": c.person_id, "changes": c.changes}
                for c in self.corrections
            ],
            "rejected_rows": self.rejected_rows,
            "dry_run": self.dry_run,
        }


def import_persons(
    *,
    uow: UnitOfWork,
    path: Path,
    source: str = "default",
    recorded_by: str,
    encoding: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    rejects: Path | None = None,
    progress: Callable[[int], None] | None = None,
    max_errors: int = 1000,
) -> ImportSummary:
    """Import persons.csv whole, or refuse it whole.

    Args:
        path: the file.
        source: who sent it; (source, person_ref) is the key of each row.
        encoding: the file's encoding when it is not UTF-8.
        dry_run: validate and report what would change, write nothing.
        skip_invalid: take the good rows and write the bad ones to ``rejects``.
        progress: called with the number of rows read so far.

    Raises:
        ImportRejected: a bad row (without ``skip_invalid``), listing every bad row.
        InvalidInput: the file cannot be read at all (encoding, header).
    """
    if skip_invalid and rejects is None:
        raise InvalidInput("--skip-invalid needs --rejects FILE for the refused rows", field="rejects")
    if not source.strip():
        raise InvalidInput("the source name cannot be empty", field="source")
    summary = ImportSummary(file=path.name, source=source, dry_run=dry_run)
    stamp = utc_now()
    reject_handle = rejects.open("w", encoding="utf-8", newline="") if skip_invalid and rejects else None
    reject_writer = csv_writer(reject_handle) if reject_handle is not None else None
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived objects, no cycles: the cyclic GC only costs time
    reader: RowReader | None = None
    digest: _FileDigest | None = None
    try:
        with uow:
            ledger = ImportLedger(uow.connection)
            # A source's first file can only register: no ref of it is known, and a ref the file
            # repeats is refused by the ledger first (the write lock keeps it so while we run).
            known_source = uow.persons.source_known(source)
            # A source's first file into a registry smaller than the file: the indexes and the
            # match keys are built once after the rows (SQLite; in this transaction, so a failed
            # or killed import leaves them as they were). A known source's corrections read them.
            size = path.stat().st_size if path.is_file() else 0
            rebuild = None
            if not known_source and not dry_run and uow.events.size() * _ROW_BYTES < size:
                rebuild = defer_indexes(uow.connection)
                if size > _STAGED_KEYS_BYTES:
                    uow.matches.stage_keys()
            stream = prepared_stream(
                path,
                encoding=encoding,
                source=source,
                recorded_by=recorded_by,
                stamp=stamp,
                cells=reject_writer is not None or known_source,  # see _drop_duplicates, _write_chunk
                # On PostgreSQL the importer also waits for the server, whose work fills the
                # other core: not measured to help there on a quiet machine yet, so not done.
                share=writes_in_process(uow.connection),
            )
            for chunk in stream:
                # started once the worker is forked: no thread of ours runs across the fork
                digest = digest or _FileDigest(path)
                if reject_writer is not None and summary.rows == 0:
                    reject_writer.writerow([*REPORT_COLUMNS, *chunk.header])
                summary.rows += chunk.rows
                for refused in chunk.refused:
                    _reject(summary, refused.errors, refused.cells, reject_writer, max_errors)
                good = _drop_duplicates(ledger, summary, chunk.good, reject_writer, max_errors)
                if good:
                    reader = reader or RowReader(chunk.header)
                    _write_chunk(
                        uow,
                        summary,
                        chunk,
                        good,
                        reader,
                        known_source=known_source,
                        source=source,
                        recorded_by=recorded_by,
                        stamp=stamp,
                        file=path.name,
                        extra_columns=extra_columns(chunk.header),
                    )
                if progress is not None:
                    progress(summary.rows)
            if summary.rejected_rows and not skip_invalid:
                raise ImportRejected(path.name, summary.rejected, summary.rejected_rows)
            if rebuild is not None:
                uow.matches.write_staged_keys()
                rebuild()
            if not dry_run:
                uow.commit()
    finally:
        if gc_was_enabled:
            gc.enable()
        if reject_handle is not None:
            reject_handle.close()
    summary.sha256 = (digest or _FileDigest(path)).result()
    return summary


def _reject(
    summary: ImportSummary, errors: list[RowError], cells: Sequence[str], writer: Any, max_errors: int
) -> None:
    summary.rejected_rows += 1
    if len(summary.rejected) < max_errors:
        summary.rejected.extend(errors)
    if writer is not None:
        reasons = "; ".join(f"{e.column}: {e.reason}" for e in errors)
        writer.writerow([str(errors[0].line), protect_cell(reasons), *map(protect_cell, cells)])


def _drop_duplicates(
    ledger: ImportLedger,
    summary: ImportSummary,
    rows: list[Good],
    writer: Any,
    max_errors: int,
) -> list[Good]:
    """Refuse a person_ref seen earlier in the same file (in this chunk or before)."""
    first: dict[str, int] = {}
    for row in rows:
        first.setdefault(row.ref, row.line)
    earlier = ledger.claim(list(first.items()))
    if not earlier and len(first) == len(rows):
        return rows  # the usual case: no ref repeated
    kept: list[Good] = []
    for row in rows:
        line = earlier.get(row.ref)
        if line is None and first[row.ref] != row.line:
            line = first[row.ref]
        if line is not None:
            reason = f"person_ref {row.ref!r} already on line {line} of this file"
            _reject(summary, [RowError(row.line, "person_ref", reason)], row.cells, writer, max_errors)
            continue
        kept.append(row)
    return kept


def _write_chunk(
    uow: UnitOfWork,
    summary: ImportSummary,
    chunk: PreparedChunk,
    rows: list[Good],
    reader: RowReader,
    *,
    known_source: bool,
    source: str,
    recorded_by: str,
    stamp: str,
    file: str,
    extra_columns: frozenset[str],
) -> None:
    """Register the rows whose refs are new; correct the persons whose refs are known."""
    known = uow.persons.find_refs(source, [r.ref for r in rows]) if known_source else {}
    new_rows = [r for r in rows if r.ref not in known] if known else rows
    changed: dict[str, list[NewEvent]] = {}
    if known:
        current = uow.persons.rows(list(set(known.values())))
        for row in rows:
            person_id = known.get(row.ref)
            if person_id is None:
                continue
            read = reader.read(row.line, list(row.cells))
            assert isinstance(read, Read)  # the worker read this row as valid
            fixes = _corrections(
                current[person_id],
                row.line,
                read,
                source=source,
                recorded_by=recorded_by,
                file=file,
                extra_columns=extra_columns,
            )
            if not fixes:
                summary.unchanged += 1
                continue
            changed[person_id] = fixes
            data = json.loads(fixes[0].payload)
            summary.corrections.append(Correction(row.line, row.ref, person_id, data["changes"]))
    summary.registered += len(new_rows)
    persons, profiles, keys, events = chunk.persons, chunk.profiles, chunk.keys, chunk.events
    if len(new_rows) != len(chunk.good):  # some were duplicates or are known: only the others
        ids = {r.person_id for r in new_rows}
        persons = [p for p in persons if p[0] in ids]
        profiles = [p for p in profiles if p[0] in ids]
        keys = [k for k in keys if k[2] in ids]
        events = [e for e in events if e[0] in ids]
    uow.events.append_prepared(events, recorded_at=stamp, recorded_by=recorded_by, source=source)
    uow.persons.add_rows(persons, [(r.ref, source, r.person_id) for r in new_rows])
    uow.matches.add_rows(profiles, keys)
    for person_id, new_events in changed.items():
        history = uow.events.for_person(person_id)
        appended = uow.events.append(new_events, recorded_at=stamp)
        uow.persons.save(replay(person_id, [*history, *appended]), expected_version=len(history))


def _corrections(
    row: Mapping[str, Any],
    line: int,
    new: Read,
    *,
    source: str,
    recorded_by: str,
    file: str,
    extra_columns: frozenset[str],
) -> list[NewEvent]:
    """The events that bring a registered person in line with a re-imported row.

    As for the format's own columns, an empty cell in an unknown column the file has
    erases the value kept from before; a column the file does not have changes nothing.
    """
    person_id = str(row["id"])
    current = {name: row[name] for name in IDENTITY_FIELDS}
    changes = identity_changes(current, new.fields)
    extra_now: dict[str, str] = json.loads(row["extra"] or "{}")
    extra_changes = {
        k: [extra_now.get(k), new.extra.get(k)]
        for k in sorted(set(extra_now) | set(new.extra))
        if extra_now.get(k) != new.extra.get(k) and (k in new.extra or k in extra_columns)
    }
    if not changes and not extra_changes:
        return []
    payload: dict[str, Any] = {"changes": changes, "origin": {"file": file, "line": line}}
    if extra_changes:
        payload["extra_changes"] = extra_changes
    events = [
        NewEvent(
            person_id,
            EventKind.IDENTITY_CORRECTED,
            source=source,
            payload=canonical_json(payload),
            recorded_by=recorded_by,
        )
    ]
    now_dead = "category" in changes and category_of(new.fields.get("category")) is Category.DECEASED
    if now_dead and row["status"] not in (Status.DECEASED.value, Status.REMAINS_RETURNED.value):
        events.append(NewEvent(person_id, EventKind.DIED, source=source, recorded_by=recorded_by))
    return events


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _FileDigest:
    """The file's SHA-256, computed by a thread of its own while the import runs (reading
    and hashing release the GIL), not after the commit when nothing else is left to do (0.35
    s for a million rows)."""

    def __init__(self, path: Path) -> None:
        self._digest: str | OSError = ""
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            self._digest = _sha256(path)
        except OSError as exc:
            self._digest = exc

    def result(self) -> str:
        """The hex digest; raises what reading the file raised."""
        self._thread.join()
        if isinstance(self._digest, OSError):
            raise self._digest
        return self._digest


def export_persons(*, uow: UnitOfWork, reader: Reader, path: Path, source: str | None = None) -> int:
    """Write persons.csv: every cell as it was written, unknown columns kept.

    The export is audited: every person written and the file's SHA-256. The file is
    written beside ``path`` and put in place only once that record is written.

    Args:
        source: only the persons that source sent, with its person_refs; otherwise every
            current person, with the person_ref of his first reference (the registry
            id where he has none).

    Returns:
        The number of rows written.
    """
    columns = list(FORMAT_COLUMNS) + [f for f in IDENTITY_FIELDS if f not in FORMAT_COLUMNS]
    partial = path.with_name(path.name + ".partial")
    exported: list[str] = []
    try:
        with uow:
            extra_names: dict[str, None] = {}
            for row in uow.persons.scan(source=source):
                for name in json.loads(row["extra"] or "{}"):
                    extra_names.setdefault(name, None)
            header = columns + [n for n in extra_names if n not in columns]
            first_ref = _first_refs(uow) if source is None else {}
            with partial.open("w", encoding="utf-8", newline="") as handle:
                writer = csv_writer(handle)
                writer.writerow(header)
                for row in uow.persons.scan(source=source):
                    if source is None and row["merged_into"] is not None:
                        continue
                    ref = row["person_ref"] if source is not None else first_ref.get(row["id"], row["id"])
                    if ref.startswith(DERIVED_REF):
                        ref = ""
                    extra = json.loads(row["extra"] or "{}")
                    cells = [ref] + [row[c] or "" for c in columns[1:]]
                    cells += [extra.get(n, "") for n in header[len(columns) :]]
                    writer.writerow(cells)
                    exported.append(row["id"])
        record_read(
            uow=uow,
            reader=reader,
            action=AuditAction.EXPORT,
            person_ids=exported,
            file_sha256=file_sha256(partial),
        )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
    return len(exported)


def _first_refs(uow: UnitOfWork) -> dict[str, str]:
    refs: dict[str, str] = {}
    for _source, person_ref, person_id in uow.persons.scan_refs():
        refs.setdefault(person_id, person_ref)
    return refs
