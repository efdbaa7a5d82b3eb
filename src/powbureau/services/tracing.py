"""Tracing: who in our custody may be the man a family asks about. Stores nothing.

A family inquiry is matched against the persons in our custody now or before (custody
``ours``), as the contract fixes it. ``trace_batch`` reads inquiries.csv and writes
trace-results.csv as shared/formats fixes them; every inquiry is answered exactly as it
would be alone (no statistic depends on the batch).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from powbureau.domain.access import Reader
from powbureau.domain.audit import AuditAction
from powbureau.domain.dates import parse_partial_date
from powbureau.domain.errors import ImportRejected, InvalidInput
from powbureau.domain.events import utc_now
from powbureau.domain.people import Custody
from powbureau.interchange.csvfiles import csv_writer, open_csv, protect_cell, unprotect_cell
from powbureau.matching import (
    Candidate,
    MatchSettings,
    PriorEstimate,
    TraceQuery,
    estimate_prior,
    find_candidates,
    inquiry_weights,
)
from powbureau.services.audit import file_sha256, record_read
from powbureau.services.intake_rows import RowError
from powbureau.store.match_index import SqlCandidateIndex
from powbureau.store.uow import UnitOfWork

__all__ = [
    "RESULT_COLUMNS",
    "BureauPrior",
    "TraceBatchSummary",
    "bureau_prior",
    "bureau_settings",
    "candidate_records",
    "estimate_registered_share",
    "estimate_within",
    "read_bureau_prior",
    "record_bureau_prior",
    "settings_with_registered_share",
    "trace_batch",
    "trace_name",
    "trace_with_records",
]

#: trace-results.csv: the four columns of shared/formats, then the explanation.
RESULT_COLUMNS = (
    "query_ref",
    "rank",
    "person_ref",
    "probability",
    "person_id",
    "agreed",
    "disagreed",
    "missing",
    "note",
)
_QUERY_FIELDS = tuple(TraceQuery.__dataclass_fields__)
_DATES = ("birth_date", "last_seen_on")
_MAX_TOP = 1000


@dataclass(frozen=True)
class TraceBatchSummary:
    """What ``trace batch`` did."""

    file: str
    out: str
    inquiries: int
    with_candidates: int
    rows: int
    confident: int

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return {
            "file": self.file,
            "out": self.out,
            "inquiries": self.inquiries,
            "with_candidates": self.with_candidates,
            "rows": self.rows,
            "confident": self.confident,
        }


def _check_top(top: int) -> None:
    if not 1 <= top <= _MAX_TOP:
        raise InvalidInput(f"--top must be between 1 and {_MAX_TOP}", field="top")


def _with_refs(found: list[Candidate], index: SqlCandidateIndex) -> list[Candidate]:
    refs = index.external_refs([c.person_id for c in found])
    return [replace(c, person_ref=refs.get(c.person_id, c.person_id)) for c in found]


def trace_name(
    *,
    uow: UnitOfWork,
    reader: Reader,
    query: TraceQuery,
    top: int = 10,
    settings: MatchSettings | None = None,
) -> list[Candidate]:
    """Rank the persons in our custody (now or before) who may be the man asked about.

    The candidates are audited as read.

    Raises:
        InvalidInput: the inquiry gives no name and no service number, or ``top`` is
            out of range.
    """
    found = _trace(uow, query, top, settings)
    record_read(uow=uow, reader=reader, action=AuditAction.TRACE, person_ids=[c.person_id for c in found])
    return found


def trace_with_records(
    *,
    uow: UnitOfWork,
    reader: Reader,
    query: TraceQuery,
    top: int = 10,
    settings: MatchSettings | None = None,
) -> tuple[list[Candidate], dict[str, Mapping[str, Any]]]:
    """:func:`trace_name` and the candidates' current records, audited as one read.

    Raises:
        InvalidInput: as :func:`trace_name`.
    """
    found = _trace(uow, query, top, settings)
    with uow:
        rows = dict(uow.persons.rows([c.person_id for c in found]))
    record_read(uow=uow, reader=reader, action=AuditAction.TRACE, person_ids=[c.person_id for c in found])
    return found, rows


def _trace(uow: UnitOfWork, query: TraceQuery, top: int, settings: MatchSettings | None) -> list[Candidate]:
    _check_top(top)
    if query.is_empty():
        raise InvalidInput("an inquiry needs a name (or a service number)", field="surname")
    with uow:
        index = uow.matches.candidate_index()
        settings = settings or bureau_settings(uow)
        found = find_candidates(query, index=index, custody=Custody.OURS.value, top=top, settings=settings)
        return _with_refs(found, index)


def candidate_records(
    *, uow: UnitOfWork, reader: Reader, person_ids: list[str]
) -> dict[str, Mapping[str, Any]]:
    """The current records of candidates, for showing them to an officer; audited."""
    with uow:
        rows = dict(uow.persons.rows(person_ids))
    record_read(uow=uow, reader=reader, action=AuditAction.CANDIDATES, person_ids=list(rows))
    return rows


def _read_inquiries(path: Path, encoding: str | None) -> Iterator[tuple[int, str, TraceQuery]]:
    """Every inquiry of the file, or refuse the file naming every bad row."""
    source = open_csv(path, encoding=encoding, required=("surname", "given_name"))
    try:
        if "query_ref" not in source.header:
            raise InvalidInput(f"{path.name}, line 1: no query_ref column", field="header")
        at = {name: i for i, name in enumerate(source.header)}
        rows: list[tuple[int, str, TraceQuery]] = []
        errors: list[RowError] = []
        seen: dict[str, int] = {}
        for line, cells in source.rows:
            if len(cells) != len(source.header):
                errors.append(RowError(line, "*", f"{len(cells)} cells where the header has {len(at)}"))
                continue
            values = {n: unprotect_cell(cells[i]).strip() for n, i in at.items() if n in _QUERY_FIELDS}
            ref = cells[at["query_ref"]].strip()
            if not ref:
                errors.append(RowError(line, "query_ref", "empty query_ref"))
            elif ref in seen:
                errors.append(RowError(line, "query_ref", f"query_ref {ref!r} already on line {seen[ref]}"))
            seen.setdefault(ref, line)
            for name in _DATES:
                if values.get(name):
                    try:
                        parse_partial_date(values[name])
                    except InvalidInput as exc:
                        errors.append(RowError(line, name, str(exc)))
            rows.append((line, ref, TraceQuery(**{k: v or None for k, v in values.items()})))
        if errors:
            raise ImportRejected(path.name, errors[:1000], len(errors))
    finally:
        source.close()
    yield from rows


def trace_batch(
    *,
    uow: UnitOfWork,
    reader: Reader,
    inquiries_csv: Path,
    top: int,
    out: Path,
    encoding: str | None = None,
    settings: MatchSettings | None = None,
    progress: Callable[[int], None] | None = None,
) -> TraceBatchSummary:
    """Trace every inquiry of inquiries.csv and write trace-results.csv; stores nothing.

    The file is audited as an export: every candidate it names and its SHA-256. If that
    record cannot be written, the file is not put in place.

    Args:
        inquiries_csv: the inquiries (shared/formats).
        top: at most this many candidates per inquiry.
        out: where trace-results.csv is written (replaced whole, only when done).
        progress: called with the number of inquiries traced so far.

    Returns:
        Counts of inquiries, of those with a candidate, of rows and of confident answers.

    Raises:
        ImportRejected: a bad row (a date that is not ISO 8601, a repeated query_ref),
            naming every bad row; nothing is written.
        InvalidInput: the file cannot be read, or ``top`` is out of range.
    """
    _check_top(top)
    inquiries = list(_read_inquiries(inquiries_csv, encoding))
    partial = out.with_name(out.name + ".partial")
    try:
        counts, named = _write_results(uow, inquiries, partial, top, settings, progress)
        record_read(
            uow=uow,
            reader=reader,
            action=AuditAction.TRACE_BATCH,
            person_ids=sorted(named),
            file_sha256=file_sha256(partial),
        )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, out)
    return TraceBatchSummary(
        inquiries_csv.name, str(out), len(inquiries), counts["with"], counts["rows"], counts["confident"]
    )


def _write_results(
    uow: UnitOfWork,
    inquiries: list[tuple[int, str, TraceQuery]],
    partial: Path,
    top: int,
    settings: MatchSettings | None,
    progress: Callable[[int], None] | None,
) -> tuple[dict[str, int], set[str]]:
    """Write trace-results.csv to ``partial``; the counts and every person it names."""
    counts = {"with": 0, "rows": 0, "confident": 0}
    named: set[str] = set()
    with uow:
        index = uow.matches.candidate_index()
        settings = settings or bureau_settings(uow)
        confident_at = settings.confident
        with partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv_writer(handle)
            writer.writerow(RESULT_COLUMNS)
            for done, (_line, ref, query) in enumerate(inquiries, start=1):
                found: list[Candidate] = []
                if not query.is_empty():
                    found = find_candidates(
                        query, index=index, custody=Custody.OURS.value, top=top, settings=settings
                    )
                    found = _with_refs(found, index)
                if found:
                    counts["with"] += 1
                    counts["confident"] += int(found[0].probability >= confident_at)
                for rank, c in enumerate(found, start=1):
                    writer.writerow(_result_row(ref, rank, c))
                    named.add(c.person_id)
                    counts["rows"] += 1
                if progress is not None and done % 100 == 0:
                    progress(done)
    return counts, named


def estimate_registered_share(
    *,
    uow: UnitOfWork,
    inquiries_csv: Path,
    encoding: str | None = None,
    settings: MatchSettings | None = None,
) -> PriorEstimate:
    """Estimate how many of these inquiries are about men registered (EM, no truth needed).

    The estimate is meant for a person to look at and then to give to ``trace batch`` (or
    the bureau's settings) as the prior: the answers then stay the same alone or in a
    batch. Nothing is written and no person is named, so there is nothing to audit.

    Raises:
        ImportRejected: a bad row, as :func:`trace_batch`.
        InvalidInput: the file has no inquiry with a name.
    """
    queries = [query for _line, _ref, query in _read_inquiries(inquiries_csv, encoding)]
    with uow:
        return estimate_within(
            uow, queries, settings or _default(), f"{inquiries_csv.name}: no inquiry with a name"
        )


def estimate_within(
    uow: UnitOfWork, queries: Iterable[TraceQuery], settings: MatchSettings, nothing: str
) -> PriorEstimate:
    """Inside an open unit of work: the prior fitted to these inquiries (those with a name).

    Raises:
        InvalidInput: ``nothing``, when no inquiry has a name.
    """
    index = uow.matches.candidate_index()
    weights = [
        inquiry_weights(query, index=index, custody=Custody.OURS.value, settings=settings)
        for query in queries
        if not query.is_empty()
    ]
    if not weights:
        raise InvalidInput(f"{nothing} to estimate the prior from", field="inquiries")
    return estimate_prior(weights, min_population=settings.min_population)


def settings_with_registered_share(share: float, settings: MatchSettings | None = None) -> MatchSettings:
    """The settings with the prior that ``share`` of inquiries are about registered men.

    Raises:
        InvalidInput: the share is not strictly between 0 and 1.
    """
    if not (0.0 < share < 1.0 and 0.0 < 1.0 - share < 1.0):  # 1 - 5e-324 is 1.0 in floating point
        raise InvalidInput(
            f"the share of inquiries about registered men must be between 0 and 1, not {share}", field="prior"
        )
    return _with_share(share) if settings is None else replace(settings, prior_not_registered=1.0 - share)


#: The registry setting that holds the bureau's prior (JSON: :class:`BureauPrior`).
_PRIOR_SETTING = "tracing.prior_registered"


@dataclass(frozen=True)
class BureauPrior:
    """The share of family inquiries thought to be about registered men, as recorded.

    Attributes:
        registered: the share (the engine's prior is ``1 - registered`` not registered).
        inquiries: how many inquiries it was estimated from (0: set by hand).
        estimated_from: what it was estimated from (a file's name), or why it was set.
        recorded_by: who recorded it.
        recorded_at: when (UTC, ISO 8601).
        previous: the shares recorded before it, oldest first, each with who and when.
    """

    registered: float
    inquiries: int
    estimated_from: str
    recorded_by: str
    recorded_at: str
    previous: tuple[Mapping[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The stored form."""
        return {**asdict(self), "previous": [dict(p) for p in self.previous]}


def bureau_prior(uow: UnitOfWork) -> BureauPrior | None:
    """Inside an open unit of work: the prior the bureau recorded, or None (the settings' own)."""
    value = uow.settings.get(_PRIOR_SETTING)
    if value is None:
        return None
    stored = json.loads(value)
    return BureauPrior(**{**stored, "previous": tuple(stored.get("previous", ()))})


def read_bureau_prior(*, uow: UnitOfWork) -> BureauPrior | None:
    """The prior the bureau recorded, or None (the settings' one half)."""
    with uow:
        return bureau_prior(uow)


def bureau_settings(uow: UnitOfWork) -> MatchSettings:
    """Inside an open unit of work: the engine's settings with the bureau's recorded prior.

    Every family inquiry (``trace``, the tracing cases and their re-checks, the hotline)
    is scored with these, so an inquiry gets the same probabilities alone or in a batch.
    """
    prior = bureau_prior(uow)
    return _default() if prior is None else _with_share(prior.registered)


@lru_cache(maxsize=16)
def _with_share(share: float) -> MatchSettings:
    """One settings object per share (the engine keeps its scorer while the object is the same)."""
    return replace(_default(), prior_not_registered=1.0 - share)


def record_bureau_prior(
    *,
    uow: UnitOfWork,
    registered: float,
    inquiries: int,
    estimated_from: str,
    recorded_by: str,
) -> BureauPrior:
    """Record the share of family inquiries about registered men, the prior every inquiry uses.

    The earlier values are kept in the record, with who set them and when.

    Raises:
        InvalidInput: the share is not strictly between 0 and 1.
    """
    settings_with_registered_share(registered)  # refuses a share out of range
    with uow:
        before = bureau_prior(uow)
        previous: tuple[Mapping[str, Any], ...] = ()
        if before is not None:
            old = {k: v for k, v in before.as_dict().items() if k != "previous"}
            previous = (*before.previous, old)
        prior = BureauPrior(
            registered=round(registered, 4),
            inquiries=inquiries,
            estimated_from=estimated_from,
            recorded_by=recorded_by,
            recorded_at=utc_now(),
            previous=previous,
        )
        uow.settings.put(_PRIOR_SETTING, json.dumps(prior.as_dict(), ensure_ascii=False, sort_keys=True))
        uow.commit()
    return prior


def _default() -> MatchSettings:
    from powbureau.matching import default_settings

    return default_settings()


def _result_row(ref: str, rank: int, c: Candidate) -> list[str]:
    return [
        ref,
        str(rank),
        c.person_ref or c.person_id,
        f"{c.probability:.4f}",
        c.person_id,
        protect_cell("; ".join(c.agreed)),
        protect_cell("; ".join(c.disagreed)),
        protect_cell("; ".join(c.missing)),
        protect_cell(" ".join(c.notes)),
    ]
