"""Reconciliation: which registered person, if any, each row of the other side's list names.

Every row is matched with the tracing engine (:func:`powbureau.matching.find_candidates`)
against the persons the contract names for its ``list_kind``: a request list against the
persons in our custody now or before (custody ``ours``), a held list or an offer against
our own people (custody ``own``: missing, or reported held). The answer for each row is
one of the statuses of reconciliation.csv:

* ``matched``: one candidate is confident (:data:`CONFIDENT`, the engine's own threshold,
  after its namesake guard) and no other candidate cannot be told apart from him;
  or the guard held him only because nothing but his full name could be compared, and
  that full name is rare enough among the persons matched against that a namesake is
  improbable (:func:`powbureau.matching.namesakes.full_name_odds`: the probability from
  the custody's term frequencies reaches :data:`CONFIDENT`; tracing never does this; the
  same with a birth year that agrees as far as one side gives it, and on surname and given
  name when the patronymic is missing on one side);
  ``already_released`` or ``deceased`` instead when his derived state says so;
* ``ambiguous``: candidates, none confident; the reason names the candidates and the
  detail that would settle it, for an officer;
* ``not_held``: no candidate worth an officer's time: "no record as of DATE".

Two more readings are reconciliation's own (:mod:`powbureau.matching.namesakes`): the rank
the row and a candidate's record give, weighed as one more comparison (a list gives one, an
inquiry does not), and the share of rows about men not registered, fitted to the list's
own rows per custody (:func:`powbureau.matching.prior.estimate_prior`) when there are
:data:`PRIOR_MIN_ROWS` of them, instead of the settings' one half.

Nothing is stored but one audit record naming the persons matched or shown as candidates.
The answer for a row depends on the other rows only through that prior, and in one way
that only withholds: a person who is the confident match of two rows is matched by neither
(the list names him twice, or one of the rows is someone else), and both go to an officer.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from powbureau.domain.access import Reader
from powbureau.domain.audit import AuditAction
from powbureau.domain.errors import InvalidInput
from powbureau.domain.lifecycle import Status
from powbureau.domain.people import IDENTITY_FIELDS, Custody
from powbureau.interchange.exchange_lists import ListRow, read_exchange_list, write_reconciliation
from powbureau.matching import (
    BatchCandidateIndex,
    Candidate,
    CandidateIndex,
    MatchSettings,
    Profile,
    default_settings,
    find_candidates,
    profile_from_fields,
)
from powbureau.matching.namesakes import (
    FullNameOdds,
    RankOdds,
    full_name_odds,
    rank_odds,
    reweigh,
    scored_mass,
)
from powbureau.matching.prior import InquiryWeights, estimate_prior
from powbureau.matching.ranks import rank_key
from powbureau.services.audit import record_read
from powbureau.store.uow import UnitOfWork

__all__ = [
    "AMBIGUOUS_FLOOR",
    "CONFIDENT",
    "CUSTODY_OF_KIND",
    "PARALLEL_MIN",
    "ReconcileStatus",
    "ReconcileSummary",
    "Reconciled",
    "WeighedRow",
    "reconcile_file",
    "reconcile_rows",
    "weigh_rows",
]


class ReconcileStatus(StrEnum):
    """The ``status`` column of reconciliation.csv."""

    MATCHED = "matched"
    AMBIGUOUS = "ambiguous"
    NOT_HELD = "not_held"
    ALREADY_RELEASED = "already_released"
    DECEASED = "deceased"


#: Whom each kind of row is matched against (the contract's "What each question is matched
#: against"): the other side asks for men we hold or held; it says it holds, or offers, ours.
CUSTODY_OF_KIND: Final[Mapping[str, Custody]] = {
    "request": Custody.OURS,
    "held": Custody.OWN,
    "offer": Custody.OWN,
}
#: A row is matched when its best candidate reaches this calibrated probability. It is the
#: engine's own "confident" (``settings.confident``): the namesake guard keeps every
#: candidate a namesake could explain at or below 0.9, so 0.95 is reached only with a
#: detail that separates him from namesakes; and the benchmark (docs/benchmarks.md,
#: "Reconciliation") measures the precision this gives against the 0.999 required.
CONFIDENT: Final = 0.95
#: Below this the best candidate is not worth an officer's time: the row is ``not_held``.
#: It is the engine's ``ambiguity_floor``: below it the answer is rather "not registered".
AMBIGUOUS_FLOOR: Final = 0.05
#: How many candidates are looked at, and named at most in an ambiguous row's reason.
_TOP: Final = 5
#: A list at least this long is matched by two processes when the caller allows it.
PARALLEL_MIN = 200
#: A custody's rows fit the list's own prior only when the list has at least this many of them.
PRIOR_MIN_ROWS: Final = 100
#: Rows are shared between the processes in chunks of this many.
_CHUNK: Final = 16
_SHOWN: Final = 3
_RELEASED: Final = frozenset({Status.RELEASED, Status.EXCHANGED, Status.REPATRIATED})
_DEAD: Final = frozenset({Status.DECEASED, Status.REMAINS_RETURNED})
_DEAD_OWN: Final = _DEAD | {Status.REPORTED_DEAD}
#: Details that settle a match, in the order an officer should ask for them (the engine's).
_DETAILS: Final = (
    ("birth", "birth_date", "birth date"),
    ("service", "service_number", "service number"),
    ("unit", "unit", "unit"),
    ("patronymic", "patronymic", "patronymic"),
    ("mother_given", "mother_name", "mother's name"),
)
#: How a derived status is said, and whether its date is when it began ("since") or happened.
_STATUS_WORDS: Final[Mapping[str, tuple[str, str]]] = {
    Status.REGISTERED: ("registered", "since"),
    Status.HELD: ("held", "since"),
    Status.HOSPITALISED: ("held, in hospital", "since"),
    Status.ESCAPED: ("escaped", "on"),
    Status.RELEASED: ("released", "on"),
    Status.EXCHANGED: ("exchanged", "on"),
    Status.REPATRIATED: ("repatriated", "on"),
    Status.DECEASED: ("deceased", "on"),
    Status.REMAINS_RETURNED: ("deceased, remains returned", "on"),
    Status.MISSING: ("missing", "since"),
    Status.HELD_BY_ADVERSARY: ("reported held by the other side", "since"),
    Status.REPORTED_DEAD: ("reported dead", "on"),
}
#: At most this many details are named as settling an ambiguous row.
_MAX_DETAILS: Final = 3


@dataclass(frozen=True)
class Reconciled:
    """The bureau's answer for one list row.

    Attributes:
        list_ref: the row's reference on the list.
        status: a :class:`ReconcileStatus` value.
        reason: a short explanation for people (what agreed; or what would settle it).
        person_id: the registry id of the person matched (None unless matched,
            already_released or deceased).
        person_ref: his external id (person_ref from intake, else the registry id).
        probability: the engine's calibrated probability of that match.
        candidates: (registry id, probability) of the candidates an officer should look
            at, best first: the person matched, or those of an ambiguous row.
        separating: the details that would settle an ambiguous row (``birth date``, ...).
    """

    list_ref: str
    status: str
    reason: str
    person_id: str | None = None
    person_ref: str | None = None
    probability: float | None = None
    candidates: tuple[tuple[str, float], ...] = ()
    separating: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReconcileSummary:
    """What ``exchange reconcile`` did."""

    file: str
    out: str
    rows: int
    as_of: str
    sha256: str
    statuses: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data (every status counted, zeros included)."""
        return {
            "file": self.file,
            "out": self.out,
            "rows": self.rows,
            "as_of": self.as_of,
            "sha256": self.sha256,
            "statuses": {s.value: self.statuses.get(s.value, 0) for s in ReconcileStatus},
        }


@dataclass
class WeighedRow:
    """One row's candidates, before the statuses are decided.

    Attributes:
        row: the list's row.
        custody: whom it is matched against.
        profile: the row as the engine reads it.
        candidates: best first, the rank and the list's prior read.
        full_name: the names rule's odds for the best candidate, when it applies.
        rank_agrees: the row's rank is the best candidate's.
    """

    row: ListRow
    custody: Custody
    profile: Profile
    candidates: list[Candidate]
    full_name: FullNameOdds | None = None  # the best held by the guard on his full name alone
    rank_agrees: bool = False  # the row's rank is the best candidate's


def reconcile_rows(
    *,
    uow: UnitOfWork,
    reader: Reader,
    rows: Sequence[ListRow],
    as_of: date | None = None,
    settings: MatchSettings | None = None,
    workers: int = 1,
    list_prior: bool = True,
) -> list[Reconciled]:
    """Match every row of an exchange list against the persons its list_kind names.

    Stores nothing but one audit record (for the whole call) naming the persons matched
    and the candidates shown.

    Args:
        rows: the list's rows (:func:`powbureau.interchange.exchange_lists.read_exchange_list`).
        as_of: the date a ``not_held`` answer speaks for ("no record as of DATE");
            today (UTC) by default.
        settings: the engine's settings (the packaged ones by default).
        workers: 2 to match half of a long list in a forked process (the command line
            does; a server, whose threads must not fork, keeps the default 1).
        list_prior: fit the share of rows about men not registered to the rows given, per
            custody with at least :data:`PRIOR_MIN_ROWS` rows, instead of the settings'
            one half (docs/exchanges.md, "The list's own prior").

    Returns:
        One answer per row, in the rows' order.
    """
    answers = _reconcile(uow, rows, as_of, settings, workers, list_prior)
    record_read(uow=uow, reader=reader, action=AuditAction.RECONCILE, person_ids=_named(answers))
    return answers


def reconcile_file(
    *,
    uow: UnitOfWork,
    reader: Reader,
    path: Path,
    out: Path,
    encoding: str | None = None,
    as_of: date | None = None,
    workers: int = 1,
    list_prior: bool = True,
) -> ReconcileSummary:
    """Reconcile exchange-list.csv into reconciliation.csv; stores nothing but the audit record.

    The file is audited as a read naming the persons matched or shown as candidates, with
    its SHA-256; if that record cannot be written, the file is not put in place. ``as_of``
    ``workers`` and ``list_prior`` are those of :func:`reconcile_rows`.

    Raises:
        InvalidInput: the list cannot be read (see :func:`read_exchange_list`), or ``out``
            cannot be written (no such folder, the list itself).
        ImportRejected: bad rows, every one named; nothing is written.
    """
    if not out.parent.is_dir():
        raise InvalidInput(f"{out.parent}: no such folder to write {out.name} in", field="out")
    if out.resolve() == path.resolve():
        raise InvalidInput(f"{out}: the answer would replace the list itself; name another file", field="out")
    rows = read_exchange_list(path, encoding=encoding)
    day = as_of or _today()
    answers = _reconcile(uow, rows, day, None, workers, list_prior)
    partial = out.with_name(out.name + ".partial")
    try:
        try:
            sha256 = write_reconciliation(partial, answers)
        except OSError as exc:
            raise InvalidInput(f"{out}: cannot be written: {exc.strerror or exc}", field="out") from None
        record_read(
            uow=uow,
            reader=reader,
            action=AuditAction.RECONCILE,
            person_ids=_named(answers),
            file_sha256=sha256,
        )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, out)
    counts = Counter(a.status for a in answers)
    return ReconcileSummary(path.name, str(out), len(answers), day.isoformat(), sha256, dict(counts))


def _today() -> date:
    return datetime.now(UTC).date()


def _named(answers: Sequence[Reconciled]) -> list[str]:
    return sorted({pid for a in answers for pid, _p in a.candidates})


def _reconcile(
    uow: UnitOfWork,
    rows: Sequence[ListRow],
    as_of: date | None,
    settings: MatchSettings | None,
    workers: int = 1,
    list_prior: bool = False,
) -> list[Reconciled]:
    day = (as_of or _today()).isoformat()
    found, refs, records = _weighed(uow, rows, settings, workers, list_prior)
    twice = _matched_twice(found)
    return [_answer(f, day, refs, records, twice) for f in found]


def weigh_rows(
    *,
    uow: UnitOfWork,
    reader: Reader,
    rows: Sequence[ListRow],
    settings: MatchSettings | None = None,
    workers: int = 1,
    list_prior: bool = True,
) -> list[WeighedRow]:
    """Every row's candidates as :func:`reconcile_rows` weighs them before deciding, for a
    benchmark's account of why a row was or was not matched (``bench/reconcile_misses.py``).

    Audited as :func:`reconcile_rows` is (the persons shown as candidates).
    """
    found = _weighed(uow, rows, settings, workers, list_prior)[0]
    shown = sorted({c.person_id for f in found for c in _worth_showing(f.candidates)})
    record_read(uow=uow, reader=reader, action=AuditAction.RECONCILE, person_ids=shown)
    return found


def _weighed(
    uow: UnitOfWork,
    rows: Sequence[ListRow],
    settings: MatchSettings | None,
    workers: int,
    list_prior: bool,
) -> tuple[list[WeighedRow], dict[str, str], dict[str, Any]]:
    """The rows' weighed candidates, the external refs and the records of those worth showing."""
    found: list[WeighedRow] = [
        WeighedRow(row, CUSTODY_OF_KIND[row.list_kind], profile_from_fields(row.fields), []) for row in rows
    ]
    # Rows about men of one surname one after another: they are offered the same namesakes,
    # whose profiles the batch index then fetches once. Each row is matched alone, so the
    # order (and the process a row is matched in) changes nothing but the time.
    order = sorted(found, key=lambda f: (f.custody, f.profile.surname, f.row.line, f.row.list_ref))
    forked = workers > 1 and len(order) >= PARALLEL_MIN and "fork" in multiprocessing.get_all_start_methods()
    with _Helper(uow, order, settings, forked) as helper, uow:
        head = uow.matches.head()
        stored = uow.matches.candidate_index()
        index = BatchCandidateIndex(stored)
        done = helper.share(lambda chunk: _find(index, chunk, settings))
        missed = helper.collect(head, done)  # the registry moved, or the helper failed: do it here
        _find(index, missed, settings)
        ranked = [f for f in found if f.candidates and rank_key(f.row.fields.get("rank") or "")]
        ranks, counts = _ranks(uow, ranked)
        used = settings or default_settings()
        priors = _list_priors(index, found, used) if list_prior else {}
        _weigh(index, found, used, ranks, counts, priors)
        shown = sorted({c.person_id for f in found for c in _worth_showing(f.candidates)})
        refs = stored.external_refs(shown)
        records = dict(uow.persons.rows(shown))
    return found, dict(refs), records


def _find(index: CandidateIndex, rows: Sequence[WeighedRow], settings: MatchSettings | None) -> None:
    for f in rows:
        if f.profile.surname or f.profile.given or f.profile.service:
            f.candidates = find_candidates(
                f.profile, index=index, custody=f.custody.value, top=_TOP, settings=settings
            )


class _Helper:
    """The rows shared with a forked process that matches them on connections of its own.

    A list of a thousand rows against a million persons is CPU work, and a second core
    halves the wait. Both processes take the next chunk of rows from a shared counter until
    none is left, so neither waits for the other however the work or the machine's load is
    spread. The helper reads the registry in a transaction of its own, so its answers are
    taken only if it saw the same chain head as this process; otherwise, or if it failed,
    this process matches its rows too. Without ``forked`` this process takes every chunk.
    """

    def __init__(
        self, uow: UnitOfWork, rows: Sequence[WeighedRow], settings: MatchSettings | None, forked: bool
    ) -> None:
        self._uow, self._rows, self._settings = uow, rows, settings
        self._starts = range(0, len(rows), _CHUNK)
        self._process: Any = None
        self._receive: Any = None
        self._next: Any = None
        if forked:
            context = multiprocessing.get_context("fork")
            self._next = context.Value("i", 0)
            self._receive, send = context.Pipe(duplex=False)
            self._process = context.Process(target=self._work, args=(send, self._receive), daemon=True)
            self._send = send

    def __enter__(self) -> _Helper:
        if self._process is not None:
            self._process.start()
            self._send.close()
        return self

    def _claim(self) -> Iterator[int]:
        """The starts of the chunks this process takes, one at a time."""
        if self._next is None:
            yield from self._starts
            return
        while True:
            with self._next.get_lock():
                start = self._next.value
                self._next.value = start + _CHUNK
            if start >= len(self._rows):
                return
            yield start

    def share(self, match: Callable[[Sequence[WeighedRow]], None]) -> set[int]:
        """Match chunks here until none is left; the starts of those matched here."""
        done = set()
        for start in self._claim():
            match(self._rows[start : start + _CHUNK])
            done.add(start)
        return done

    def _work(self, send: Any, receive: Any) -> None:
        receive.close()
        answer: tuple[tuple[int, str], dict[int, list[list[Candidate]]]] | None = None
        try:
            with self._uow.forked_reader() as uow:
                head = uow.matches.head()
                index = BatchCandidateIndex(uow.matches.candidate_index())
                done = self.share(lambda chunk: _find(index, chunk, self._settings))
            answer = (head, {s: [f.candidates for f in self._rows[s : s + _CHUNK]] for s in done})
        except BaseException:
            answer = None
        try:
            send.send(answer)
        except OSError:
            pass  # the parent is gone or stopped listening: nobody to tell
        finally:
            send.close()

    def collect(self, head: tuple[int, str], done: set[int]) -> list[WeighedRow]:
        """Take the helper's candidates; the rows matched nowhere (or not taken) yet."""
        theirs: dict[int, list[list[Candidate]]] = {}
        if self._receive is not None:
            try:
                answer = self._receive.recv()
            except (EOFError, OSError):
                answer = None
            if answer is not None and answer[0] == head:
                theirs = answer[1]
        missed: list[WeighedRow] = []
        for start in self._starts:
            chunk = self._rows[start : start + _CHUNK]
            if start in theirs:
                for f, candidates in zip(chunk, theirs[start], strict=True):
                    f.candidates = candidates
            elif start not in done:
                missed.extend(chunk)
        return missed

    def __exit__(self, *_: object) -> None:
        if self._receive is not None:
            self._receive.close()
        if self._process is not None:
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()


def _ranks(uow: UnitOfWork, rows: Sequence[WeighedRow]) -> tuple[dict[str, str], dict[str, Counter[str]]]:
    """The rank (its key) of every candidate of rows that give one, and each custody's ranks
    counted by key; nothing is read when no row gives a rank the table knows."""
    if not rows:
        return {}, {}
    ids = sorted({c.person_id for f in rows for c in f.candidates})
    ranks = {pid: rank_key(written) for pid, written in uow.persons.ranks(ids).items()}
    counts: dict[str, Counter[str]] = {}
    for (custody, written), n in uow.persons.rank_counts().items():
        key = rank_key(written)
        if key:
            counts.setdefault(custody, Counter())[key] += n
    return ranks, counts


def _list_priors(
    index: CandidateIndex, found: Sequence[WeighedRow], settings: MatchSettings
) -> dict[str, float]:
    """The share of rows about men not registered, fitted to the list's own rows per custody
    (:func:`estimate_prior`), for a custody with at least :data:`PRIOR_MIN_ROWS` rows."""
    weights: dict[str, list[InquiryWeights]] = {}
    for f in found:
        custody = f.custody.value
        population = index.population(custody)
        mass = scored_mass(f.candidates, settings=settings, population=population)
        row = [math.log2(mass)] if mass else [c.weight for c in f.candidates]
        weights.setdefault(custody, []).append(InquiryWeights(row, population))
    return {
        custody: estimate_prior(
            rows, min_population=settings.min_population, start=settings.prior_not_registered
        ).not_registered
        for custody, rows in weights.items()
        if len(rows) >= PRIOR_MIN_ROWS
    }


def _weigh(
    index: CandidateIndex,
    found: Sequence[WeighedRow],
    settings: MatchSettings,
    ranks: Mapping[str, str],
    counts: Mapping[str, Counter[str]],
    priors: Mapping[str, float],
) -> None:
    """Read each row's rank (and the list's prior) into its candidates, then, for a best
    candidate on whom only the full name (and perhaps the birth year) agrees, how likely a
    namesake is; also when the patronymic is missing on one side (surname and given name),
    and when the engine's own probability, unguarded, falls short of :data:`CONFIDENT`."""
    years: dict[tuple[tuple[str, ...], str], Counter[str]] = {}  # a given name's dated men by year
    for f in found:
        if not f.candidates:
            continue
        custody = f.custody.value
        population = index.population(custody)
        rank: RankOdds | None = None
        if custody in counts:
            rank = rank_odds(f.row.fields.get("rank") or "", counts[custody], settings=settings)
        prior = priors.get(custody)
        weighed = reweigh(f.candidates, ranks, rank, settings=settings, population=population, prior=prior)
        f.candidates = weighed.candidates
        best = f.candidates[0]
        his = ranks.get(best.person_id, "")
        f.rank_agrees = rank is not None and his == rank.key
        if not AMBIGUOUS_FLOOR <= best.probability < CONFIDENT or best.cannot_tell_apart:
            continue
        if rank is not None and his and his != rank.key:
            continue  # a rank that differs: left to the guard
        if not _full_name_agrees(best):
            continue
        profile = f.profile
        year_count = given_count = None
        pair_count = 0
        birth = _birth_level(best)
        if birth is not None and birth not in ("year", "month"):
            continue  # a full date that agrees is more than a name; one that differs, less
        father = _level(best, "patronymic") is not None
        if birth is not None and father:
            year_count = index.pair_year_count(profile.given, profile.patronymic, profile.birth[:4], custody)
        elif birth is not None:
            key = (tuple(sorted(profile.given)), custody)
            if key not in years:
                years[key] = index.given_year_counts(profile.given, custody)
            year_count = years[key][profile.birth[:4]]
        elif father:
            pair_count = index.pair_count(profile.given, profile.patronymic, custody)
        else:
            given_count = sum(index.given_count(g, custody) for g in set(profile.given))
        f.full_name = full_name_odds(
            profile,
            best,
            f.candidates[1:],
            settings=settings if prior is None else replace(settings, prior_not_registered=prior),
            population=population,
            surname_count=index.name_surname_count(profile, custody),
            pair_count=pair_count,
            dated_pairs=index.dated_pairs(custody),
            year_count=year_count,
            given_count=given_count,
            rivals=weighed.rivals,
            rank=rank if f.rank_agrees else None,
        )
        if f.full_name is not None and prior is not None:
            f.full_name = replace(f.full_name, prior=prior)


def _full_name_agrees(c: Candidate) -> bool:
    """Surname and given name exact, the patronymic exact or missing on one side (what
    :func:`full_name_odds` asks first)."""
    levels = {x.field: x.level for x in c.comparisons}
    return (
        levels.get("surname") == "exact"
        and levels.get("given_name") == "exact"
        and levels.get("patronymic") in ("exact", None)
    )


def _level(c: Candidate, name: str) -> str | None:
    return next((x.level for x in c.comparisons if x.field == name), None)


def _birth_level(c: Candidate) -> str | None:
    return _level(c, "birth_date")


def _worth_showing(candidates: Sequence[Candidate]) -> list[Candidate]:
    return [c for c in candidates[:_SHOWN] if c.probability >= AMBIGUOUS_FLOOR]


def _confident(f: WeighedRow) -> Candidate | None:
    """The best candidate when he alone is confident, else None.

    A candidate the guard held on his full name alone is confident when a namesake is
    improbable enough (:func:`full_name_odds`); he then carries that probability.
    """
    if not f.candidates:
        return None
    best = f.candidates[0]
    if f.full_name is not None and f.full_name.probability >= CONFIDENT:
        return replace(best, probability=f.full_name.probability)
    if best.probability < CONFIDENT or best.cannot_tell_apart:
        return None
    return best


def _matched_twice(found: Sequence[WeighedRow]) -> dict[str, list[str]]:
    """Persons who are the confident match of more than one row: list_refs by person."""
    rows_of: dict[str, list[str]] = {}
    for f in found:
        best = _confident(f)
        if best is not None:
            rows_of.setdefault(best.person_id, []).append(f.row.list_ref)
    return {pid: refs for pid, refs in rows_of.items() if len(refs) > 1}


def _answer(
    f: WeighedRow,
    day: str,
    refs: Mapping[str, str],
    records: Mapping[str, Mapping[str, Any]],
    twice: Mapping[str, list[str]],
) -> Reconciled:
    ref = f.row.list_ref
    shown = _worth_showing(f.candidates)
    if not shown:
        return Reconciled(ref, ReconcileStatus.NOT_HELD.value, f"no record as of {day}")
    best = _confident(f)
    if best is not None and best.person_id not in twice:
        return _matched(f, best, refs.get(best.person_id, best.person_id), records.get(best.person_id))
    return _ambiguous(f, shown, refs, records, twice)


def _matched(f: WeighedRow, best: Candidate, ref: str, record: Mapping[str, Any] | None) -> Reconciled:
    status = Status(record["status"]) if record is not None else Status.REGISTERED
    on = str(record.get("status_on") or "") if record is not None else ""
    word, preposition = _STATUS_WORDS.get(status, (status.value, "on"))
    dead = _DEAD_OWN if f.custody is Custody.OWN else _DEAD
    if status in dead:
        kind = ReconcileStatus.DECEASED
    elif status in _RELEASED:
        kind = ReconcileStatus.ALREADY_RELEASED
    else:
        kind = ReconcileStatus.MATCHED
    if on:
        word += f" {preposition} {on}"
    elif kind is not ReconcileStatus.MATCHED:
        word += ", date not recorded"
    if f.custody is Custody.OURS and status in (Status.ESCAPED, Status.MISSING, Status.REPORTED_DEAD):
        word += ": not in our custody"
    taken = ""
    if f.full_name is not None:
        what, confirm = (
            ("names and birth year", "full birth date") if f.full_name.year else ("names", "birth date")
        )
        taken = f"; {what} only, taken: {_namesakes(f.full_name, f.custody)}; confirm with his {confirm}"
    agreed = [*best.agreed, "rank"] if f.rank_agrees else list(best.agreed)
    return Reconciled(
        f.row.list_ref,
        kind.value,
        f"{word}; agreed: {', '.join(agreed)}{taken}",
        person_id=best.person_id,
        person_ref=ref,
        probability=best.probability,
        candidates=((best.person_id, best.probability),),
    )


def _ambiguous(
    f: WeighedRow,
    shown: Sequence[Candidate],
    refs: Mapping[str, str],
    records: Mapping[str, Mapping[str, Any]],
    twice: Mapping[str, list[str]],
) -> Reconciled:
    best = shown[0]
    named = ", ".join(f"{refs.get(c.person_id, c.person_id)} (p {c.probability:.2f})" for c in shown)
    group = [best]
    if best.person_id in twice and _confident(f) is not None:
        others = ", ".join(r for r in twice[best.person_id] if r != f.row.list_ref)
        why = f"{named}, who is also the match of list row {others}: the list may name him twice"
    elif best.cannot_tell_apart:
        group = [c for c in shown if c.person_id == best.person_id or c.person_id in best.cannot_tell_apart]
        why = f"cannot tell apart {named}"
    elif f.full_name is not None:
        what = "the names and birth year agree" if f.full_name.year else "the names agree"
        why = f"{named}: only {what}; held: {_namesakes(f.full_name, f.custody)}"
    elif best.names_only:
        why = f"{named}: only the names agree"
    elif best.notes or best.probability <= 0.9:
        why = f"{named}: a namesake could agree as well"
    else:
        why = f"{named}: not certain"
    details = _settling(f.profile, group, records)
    if best.cannot_tell_apart and best.separating:
        engine = [(label, "") for label in best.separating]
        details = engine + [d for d in details if d[0] not in best.separating]
    details = details[:_MAX_DETAILS]
    settle = "; settle with: " + ", ".join(f"{label} ({note})" if note else label for label, note in details)
    return Reconciled(
        f.row.list_ref,
        ReconcileStatus.AMBIGUOUS.value,
        why + (settle if details else "; no recorded detail separates them"),
        candidates=tuple((c.person_id, c.probability) for c in shown),
        separating=tuple(label for label, _ in details),
    )


#: Whom a row was matched against, as a reason says it.
_POOL_WORDS: Final[Mapping[Custody, str]] = {
    Custody.OURS: "men in our custody",
    Custody.OWN: "our own people",
}


def _namesakes(odds: FullNameOdds, custody: Custody) -> str:
    """Why a match on the full name alone was taken or held, in a reason's words."""
    rivals = f", other candidates {odds.rivals:.3f}" if odds.rivals >= 0.0005 else ""
    counted = f" (frequencies of the {odds.population:,} registered)" if odds.among != odds.population else ""
    name = "full name" if odds.father else "surname and given name"
    of = f"{name}, birth year" if odds.year else name
    if odds.rank:
        of += " and rank"
    prior = f", the list's prior {odds.prior:.2f}" if odds.prior is not None else ""
    return (
        f"{odds.namesakes:.3f} other men of this {of} expected among {odds.among:,} "
        f"{_POOL_WORDS[custody]}{counted}{rivals}{prior}, p {odds.probability:.4f} (needs {CONFIDENT})"
    )


def _settling(
    row: Profile, candidates: Sequence[Candidate], records: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, str]]:
    """The details that would settle a row, each with where it is lacking or wrong.

    A detail settles when the list lacks it, our records lack it, one side gives only part
    of it (a birth year), or it disagrees; in the engine's order (birth date first), those
    that one side already has before those that neither has.
    """
    profiles = [p for p in (_record_profile(records.get(c.person_id)) for c in candidates) if p is not None]
    out: list[tuple[str, str]] = []
    for attribute, column, label in _DETAILS:
        listed = getattr(row, attribute)
        ours = [getattr(p, attribute) for p in profiles]
        if not listed and not any(ours):
            out.append((label, "in neither"))
        elif not listed:
            out.append((label, "not on the list"))
        elif not all(ours):
            out.append((label, "not in our record"))
        elif attribute == "birth" and (len(listed) < 10 or any(len(o) < 10 for o in ours)):
            out.append(("full birth date", "only partly given"))
        elif any(
            c.field == column and c.outcome == "disagreed" for cand in candidates for c in cand.comparisons
        ):
            out.append((label, "differs"))
    return sorted(out, key=lambda d: d[1] == "in neither")  # what one side can give first


def _record_profile(record: Mapping[str, Any] | None) -> Profile | None:
    if record is None:
        return None
    return profile_from_fields({name: record.get(name) for name in IDENTITY_FIELDS})
