"""Reconciling the rows of a party's exchange list with the registry (the tracing engine).

A row of the other side's request list is matched against persons in our custody now or
before; a row of its held list or offer against our own people (missing, or reported held),
as the contract's table fixes it. A row is ``matched`` only when one person is confidently
him; otherwise it is ``ambiguous`` and goes to an officer with the candidates and the detail
that would separate them. Stores nothing; the persons named are audited as read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from powbureau.domain.access import Reader
from powbureau.domain.audit import AuditAction
from powbureau.interchange.exchange_lists import ListRow
from powbureau.matching import Candidate, TraceQuery, default_settings, find_candidates
from powbureau.services.audit import record_read
from powbureau.store.uow import UnitOfWork

__all__ = ["STATUSES", "Reconciled", "reconcile_rows"]

#: The statuses of reconciliation.csv (shared/formats).
STATUSES = ("matched", "ambiguous", "not_held", "already_released", "deceased")
#: Candidates below this are not worth an officer's time.
_CANDIDATE_AT = 0.05
_TOP = 5
_QUERY_FIELDS = tuple(TraceQuery.__dataclass_fields__)
_OUT = {"released", "exchanged", "repatriated"}
_DEAD = {"deceased", "remains_returned", "reported_dead"}


@dataclass(frozen=True)
class Reconciled:
    """The bureau's answer to one row of a list.

    Attributes:
        list_ref: the row.
        status: matched, ambiguous, not_held, already_released or deceased.
        reason: a short explanation for people.
        person_id: the registry person matched (the best candidate when ambiguous).
        person_ref: his external id (the registry id where none).
        probability: the engine's calibrated probability for that person.
        candidates: every candidate worth an officer's look, most probable first.
        separating: the details that would tell the candidates apart.
    """

    list_ref: str
    status: str
    reason: str
    person_id: str | None = None
    person_ref: str | None = None
    probability: float | None = None
    candidates: tuple[Candidate, ...] = ()
    separating: tuple[str, ...] = ()


def _query(row: ListRow) -> TraceQuery:
    return TraceQuery(**{k: (row.fields.get(k) or None) for k in _QUERY_FIELDS})


def reconcile_rows(
    *, uow: UnitOfWork, reader: Reader, rows: Sequence[ListRow], as_of: date | None = None
) -> list[Reconciled]:
    """Reconcile each row with the registry, in the rows' order; stores nothing.

    Args:
        rows: rows of one list (each row's ``list_kind`` says whom it is matched against).
        as_of: the date the list speaks of (kept for the fuller engine; unused here).

    Returns:
        One :class:`Reconciled` per row.
    """
    settings = default_settings()
    out: list[Reconciled] = []
    named: set[str] = set()
    with uow:
        index = uow.matches.candidate_index()
        for row in rows:
            query = _query(row)
            custody = "ours" if row.list_kind == "request" else "own"
            whom = "persons in our custody" if custody == "ours" else "our own people"
            if query.is_empty():
                out.append(Reconciled(row.list_ref, "not_held", "the row names nobody"))
                continue
            found = [
                c
                for c in find_candidates(query, index=index, custody=custody, top=_TOP, settings=settings)
                if c.probability >= _CANDIDATE_AT
            ]
            refs = index.external_refs([c.person_id for c in found])
            found = [replace(c, person_ref=refs.get(c.person_id, c.person_id)) for c in found]
            named.update(c.person_id for c in found)
            if not found:
                out.append(Reconciled(row.list_ref, "not_held", f"none of {whom} answers to this row"))
                continue
            best = found[0]
            if best.probability < settings.confident or best.cannot_tell_apart:
                others = ", ".join(c.person_ref for c in found[1:]) or "nobody else"
                detail = ", ".join(best.separating) or "a full birth date or the service number"
                out.append(
                    Reconciled(
                        row.list_ref,
                        "ambiguous",
                        f"{best.person_ref} (p={best.probability:.2f}) or {others}: ask for {detail}",
                        best.person_id,
                        best.person_ref,
                        best.probability,
                        tuple(found),
                        best.separating,
                    )
                )
                continue
            status, reason = "matched", f"matched {best.person_ref} (p={best.probability:.2f})"
            person = uow.persons.get(best.person_id)
            if person["status"] in _DEAD or (custody == "own" and row.claimed_state == "deceased"):
                status, reason = "deceased", f"{best.person_ref}: recorded or reported dead"
            elif person["status"] in _OUT:
                status, reason = "already_released", f"{best.person_ref}: already {person['status']}"
            out.append(
                Reconciled(
                    row.list_ref,
                    status,
                    reason,
                    best.person_id,
                    best.person_ref,
                    best.probability,
                    tuple(found),
                    (),
                )
            )
    record_read(uow=uow, reader=reader, action=AuditAction.TRACE, person_ids=sorted(named))
    return out
