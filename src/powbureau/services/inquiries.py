"""Use cases of tracing cases: open, review, confirm, answer, and re-check open cases.

One case per sought man, however many people ask; each inquirer is verified on his own.
A case is matched against persons in our custody now or before (contract), its
candidates go to an officer, and nothing is answered on the engine's word alone. Open
cases are re-checked against every person registered or changed since the last re-check,
driven by a cursor on the event log kept in the database: a crash skips nobody.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from powbureau.domain import access
from powbureau.domain.access import Reader
from powbureau.domain.audit import AuditAction
from powbureau.domain.errors import AmbiguousReference, InvalidInput, NotFound, RuleViolation
from powbureau.domain.events import utc_now
from powbureau.domain.inquiries import (
    Answer,
    AnswerKind,
    CaseState,
    Channel,
    Closure,
    Confirmation,
    Inquirer,
    Verification,
    answer_for,
    can_tell,
    check_confirmation,
    check_transition,
    is_open,
)
from powbureau.domain.public import RELEASE_VALID_FOR
from powbureau.interchange.csvfiles import open_csv
from powbureau.matching import Candidate, PriorEstimate, TraceQuery, compare, find_candidates
from powbureau.services.audit import record_read
from powbureau.services.tracing import bureau_settings, estimate_within
from powbureau.store.match_index import SqlCandidateIndex
from powbureau.store.uow import UnitOfWork

__all__ = [
    "REVIEW_AT",
    "AnswerResult",
    "OpenedCase",
    "RecheckSummary",
    "RecordedAnswer",
    "answer_case",
    "assign_case",
    "case_names",
    "case_view",
    "countersign_candidate",
    "decide_candidate",
    "estimate_prior_from_cases",
    "file_inquiry",
    "import_inquiries",
    "list_cases",
    "news_about",
    "open_inquiry",
    "recheck_open_cases",
    "recorded_answer",
    "review_queue",
    "verify_inquirer",
]

#: Candidates at least this probable are put before an officer.
REVIEW_AT = 0.05
_OPEN_STATES = [s.value for s in CaseState if is_open(s)]
_SOUGHT_FIELDS = tuple(TraceQuery.__dataclass_fields__)


@dataclass(frozen=True)
class OpenedCase:
    """The case an inquiry was filed under."""

    case_id: str
    inquirer_id: int
    new_case: bool
    state: str
    candidates: int


@dataclass(frozen=True)
class AnswerResult:
    """What may be told to one inquirer, or why nothing may."""

    case_id: str
    inquirer_id: int
    answer: Answer
    refused: str | None = None


@dataclass(frozen=True)
class RecordedAnswer:
    """The last answer recorded for one inquirer, as a letter to him may repeat it."""

    case_id: str
    inquirer_id: int
    inquirer_name: str
    language: str
    person: str
    answer: Answer
    at: str
    refused: str | None


@dataclass
class RecheckSummary:
    """What a standing re-check did."""

    from_event: int
    to_event: int
    persons_changed: int = 0
    cases_checked: int = 0
    new_candidates: list[tuple[str, str]] = field(default_factory=list)
    new_answers_due: list[str] = field(default_factory=list)


def _new_case_id() -> str:
    return "T" + secrets.token_hex(6).upper()


def _sought(case: Mapping[str, Any]) -> TraceQuery:
    data = json.loads(case["sought"])
    return TraceQuery(**{k: data.get(k) for k in _SOUGHT_FIELDS})


def _same_man(a: TraceQuery, b: TraceQuery) -> bool:
    """Two inquiries describe one man when nothing they both give disagrees (the surname
    agrees exactly: in any spelling, Koslow = Козлов included)."""
    pa, pb = a.profile(), b.profile()
    if compare.surname(pa, pb) != "exact":
        return False
    if pa.given and pb.given and not set(pa.given) & set(pb.given):
        return False
    if pa.patronymic and pb.patronymic and not set(pa.patronymic) & set(pb.patronymic):
        return False
    if pa.birth and pb.birth and not (pa.birth.startswith(pb.birth) or pb.birth.startswith(pa.birth)):
        return False
    return not (pa.service and pb.service and pa.service != pb.service)


def _candidate_rows(candidates: Sequence[Candidate], at: str) -> list[dict[str, Any]]:
    return [
        {
            "person_id": c.person_id,
            "probability": round(c.probability, 6),
            "explanation": json.dumps(
                {
                    "agreed": list(c.agreed),
                    "disagreed": list(c.disagreed),
                    "missing": list(c.missing),
                    "cannot_tell_apart": list(c.cannot_tell_apart),
                    "separating": list(c.separating),
                    "possible_duplicates": list(c.possible_duplicates),
                    "notes": list(c.notes),
                },
                ensure_ascii=False,
                sort_keys=True,
            ),
            "found_at": at,
            "decision": "pending",
        }
        for c in candidates
        if c.probability >= REVIEW_AT
    ]


def _match(uow: UnitOfWork, case: Mapping[str, Any], *, by: str, at: str) -> list[str]:
    """Run the engine for a case; put new candidates before an officer. New person ids."""
    index = SqlCandidateIndex(uow.connection)
    found = find_candidates(_sought(case), index=index, custody="ours", top=10, settings=bureau_settings(uow))
    new = uow.cases.put_candidates(case["id"], _candidate_rows(found, at))
    if new:
        uow.cases.log(case["id"], at=at, by=by, action="candidates_found", detail={"persons": new})
    return new


def _move(
    uow: UnitOfWork, case: Mapping[str, Any], to: CaseState, *, by: str, at: str, **values: Any
) -> None:
    current = CaseState(case["state"])
    if current is not to:
        check_transition(current, to)
        uow.cases.log(case["id"], at=at, by=by, action="state", detail={"from": current, "to": to})
    uow.cases.save(case["id"], expected_version=case["version"], state=to.value, updated_at=at, **values)


def open_inquiry(
    *,
    uow: UnitOfWork,
    sought: TraceQuery,
    inquirer: Inquirer,
    recorded_by: str,
    source: str | None = None,
    query_ref: str | None = None,
    match: bool = True,
) -> OpenedCase:
    """File an inquiry: under the open case about the same man, or a new case.

    With ``match`` the case is matched at once and any candidate goes to review;
    otherwise (an e-mail awaiting transcription) it waits as received.

    Raises:
        InvalidInput: the inquiry names nobody, or the inquirer gives no contact.
    """
    with uow:
        opened = file_inquiry(
            uow, sought, inquirer, recorded_by=recorded_by, source=source, query_ref=query_ref, match=match
        )
        uow.commit()
    return opened


def file_inquiry(
    uow: UnitOfWork,
    sought: TraceQuery,
    inquirer: Inquirer,
    *,
    recorded_by: str,
    source: str | None = None,
    query_ref: str | None = None,
    match: bool = True,
) -> OpenedCase:
    """:func:`open_inquiry` inside a unit of work the caller opened and will commit.

    For use cases that file an inquiry together with their own changes (a queued web
    inquiry is filed and marked filed in one transaction).
    """
    if sought.is_empty():
        raise InvalidInput("an inquiry needs the sought man's name or service number", field="surname")
    if not inquirer.contact.strip():
        raise InvalidInput("an inquiry needs a way to answer the inquirer", field="inquirer_contact")
    at = utc_now()
    case = None
    for candidate in uow.cases.search(states=_OPEN_STATES, limit=100_000):
        if _same_man(_sought(candidate), sought):
            case = candidate
            break
    new_case = case is None
    if case is None:
        case_id = _new_case_id()
        uow.cases.add(
            {
                "id": case_id,
                "state": CaseState.RECEIVED.value,
                "sought": json.dumps(asdict(sought), ensure_ascii=False, sort_keys=True),
                "opened_at": at,
                "updated_at": at,
                "version": 0,
            }
        )
        uow.cases.log(case_id, at=at, by=recorded_by, action="opened", detail={"sought": asdict(sought)})
        case = uow.cases.get(case_id)
    inquirer_id = uow.cases.add_inquirer(
        {
            "case_id": case["id"],
            "name": inquirer.name,
            "relation": inquirer.relation,
            "contact": inquirer.contact,
            "channel": Channel(inquirer.channel).value,
            "language": inquirer.language,
            "knows": inquirer.knows,
            "source": source,
            "query_ref": query_ref,
            "received_at": at,
        }
    )
    uow.cases.log(
        case["id"],
        at=at,
        by=recorded_by,
        action="inquirer_added",
        detail={
            "inquirer": inquirer_id,
            "relation": inquirer.relation,
            "channel": Channel(inquirer.channel).value,
        },
    )
    found = _match(uow, case, by=recorded_by, at=at) if match else []
    case = uow.cases.get(case["id"])
    if match and CaseState(case["state"]) in (CaseState.RECEIVED, CaseState.ACKNOWLEDGED):
        to = CaseState.UNDER_REVIEW if uow.cases.candidates_of(case["id"]) else CaseState.ACKNOWLEDGED
        _move(uow, case, to, by=recorded_by, at=at)
    state = uow.cases.get(case["id"])["state"]
    return OpenedCase(case["id"], inquirer_id, new_case, state, len(found))


def import_inquiries(
    *, uow_factory: Callable[[], UnitOfWork], path: Path, source: str, recorded_by: str
) -> list[OpenedCase]:
    """File every line of inquiries.csv (formats); a line already filed is skipped.

    The file is read and validated whole before anything is filed.

    Raises:
        InvalidInput: naming the line and column of every bad row.
    """
    csv_file = open_csv(path, required=("surname", "given_name", "service_number"))
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[str] = []
    try:
        for line, cells in csv_file.rows:
            row = dict(zip(csv_file.header, cells, strict=False))
            if len(cells) != len(csv_file.header):
                errors.append(f"line {line}: {len(cells)} cells where the header has {len(csv_file.header)}")
                continue
            sought = TraceQuery(**{k: (row.get(k) or None) for k in _SOUGHT_FIELDS})
            if sought.is_empty():
                errors.append(f"line {line}, column surname: names nobody")
            elif not (row.get("inquirer_contact") or "").strip():
                errors.append(f"line {line}, column inquirer_contact: no way to answer the inquirer")
            else:
                rows.append((line, row))
    finally:
        csv_file.close()
    if errors:
        raise InvalidInput(
            f"{path.name}: refused, nothing was filed:\n" + "\n".join(errors[:1000]), field="file"
        )
    opened = []
    for line, row in rows:
        query_ref = row.get("query_ref") or f"line-{line}"
        with uow_factory() as uow:
            if uow.cases.has_query_ref(source, query_ref):
                continue
        inquirer = Inquirer(
            name=row.get("inquirer_name") or "",
            relation=row.get("inquirer_relation") or "",
            contact=row.get("inquirer_contact") or "",
            channel=Channel.LIST,
            knows=", ".join(f"last seen {row[k]}" for k in ("last_seen_on", "last_seen_place") if row.get(k)),
        )
        sought = TraceQuery(**{k: (row.get(k) or None) for k in _SOUGHT_FIELDS})
        opened.append(
            open_inquiry(
                uow=uow_factory(),
                sought=sought,
                inquirer=inquirer,
                recorded_by=recorded_by,
                source=source,
                query_ref=query_ref,
            )
        )
    return opened


def verify_inquirer(*, uow: UnitOfWork, inquirer_id: int, how: str, officer: str, note: str = "") -> None:
    """Record how an inquirer's relation was verified, and by whom."""
    try:
        method = Verification(how)
    except ValueError:
        allowed = ", ".join(v.value for v in Verification)
        raise InvalidInput(f"unknown verification {how!r} (allowed: {allowed})", field="how") from None
    if not officer.strip():
        raise InvalidInput("a verification names the officer", field="officer")
    at = utc_now()
    with uow:
        inquirer = uow.cases.inquirer(inquirer_id)
        uow.cases.update_inquirer(inquirer_id, verification=method.value, verified_by=officer, verified_at=at)
        uow.cases.log(
            inquirer["case_id"],
            at=at,
            by=officer,
            action="inquirer_verified",
            detail={"inquirer": inquirer_id, "how": method.value, "note": note},
        )
        uow.commit()


def decide_candidate(
    *,
    uow: UnitOfWork,
    case_id: str,
    person_ref: str,
    confirm: bool,
    officer: str,
    checked: Sequence[str] = (),
    second_officer: str | None = None,
    notes: str = "",
    await_second: bool = False,
) -> str:
    """An officer confirms or rejects a candidate, recording what was checked.

    With ``await_second``, a confirmation that needs a second officer (name and birth
    year alone, or a death) is recorded as proposed and waits for another signed-in
    officer's :func:`countersign_candidate`, instead of being refused.

    Returns:
        ``rejected``, ``confirmed`` or ``awaiting_second_officer``.

    Raises:
        RuleViolation: a confirmation the contract does not allow (see
            :func:`powbureau.domain.inquiries.check_confirmation`).
    """
    at = utc_now()
    with uow:
        case = uow.cases.get(case_id)
        if not is_open(CaseState(case["state"])):
            raise RuleViolation(f"case {case_id} is {case['state']}")
        person_id = uow.persons.resolve(person_ref)
        if confirm and await_second and not second_officer:
            proposal = Confirmation(person_id, officer, tuple(checked), None, notes)
            row = uow.persons.get(person_id)
            try:
                check_confirmation(proposal, status=row["status"])
            except RuleViolation:
                uow.cases.log(
                    case_id, at=at, by=officer, action="confirmation_proposed", detail=asdict(proposal)
                )
                uow.commit()
                return "awaiting_second_officer"
        if not confirm:
            uow.cases.decide(case_id, person_id, decision="rejected", by=officer, at=at)
            uow.cases.log(
                case_id,
                at=at,
                by=officer,
                action="candidate_rejected",
                detail={"person": person_id, "notes": notes},
            )
            uow.commit()
            return "rejected"
        confirmation = Confirmation(person_id, officer, tuple(checked), second_officer, notes)
        _confirm(uow, case, confirmation, at=at, by=officer)
        uow.commit()
    return "confirmed"


def countersign_candidate(*, uow: UnitOfWork, case_id: str, person_ref: str, officer: str) -> None:
    """A second officer confirms a match another officer proposed.

    Raises:
        NotFound: nobody proposed this person in this case.
        RuleViolation: the second officer is the one who proposed it.
    """
    at = utc_now()
    with uow:
        case = uow.cases.get(case_id)
        if not is_open(CaseState(case["state"])):
            raise RuleViolation(f"case {case_id} is {case['state']}")
        person_id = uow.persons.resolve(person_ref)
        proposals = [
            h
            for h in uow.cases.history(case_id)
            if h["action"] == "confirmation_proposed" and json.loads(h["detail"])["person_id"] == person_id
        ]
        if not proposals:
            raise NotFound(f"no confirmation of {person_ref} is waiting for a second officer in {case_id}")
        data = json.loads(proposals[-1]["detail"])
        both = Confirmation(
            person_id, data["officer"], tuple(data["checked"]), officer, data.get("notes", "")
        )
        _confirm(uow, case, both, at=at, by=officer)
        uow.commit()


def _confirm(
    uow: UnitOfWork, case: Mapping[str, Any], confirmation: Confirmation, *, at: str, by: str
) -> None:
    case_id, person_id, officer = case["id"], confirmation.person_id, by
    row = uow.persons.get(person_id)
    check_confirmation(confirmation, status=row["status"])
    if person_id not in {c["person_id"] for c in uow.cases.candidates_of(case_id)}:
        found_by_hand = {
            "agreed": [],
            "disagreed": [],
            "missing": [],
            "cannot_tell_apart": [],
            "separating": [],
            "possible_duplicates": [],
            "notes": ["found by the officer"],
        }
        uow.cases.put_candidates(
            case_id,
            [
                {
                    "person_id": person_id,
                    "probability": 0.0,
                    "found_at": at,
                    "explanation": json.dumps(found_by_hand),
                    "decision": "pending",
                }
            ],
        )
    uow.cases.decide(case_id, person_id, decision="confirmed", by=officer, at=at)
    uow.cases.log(case_id, at=at, by=officer, action="match_confirmed", detail=asdict(confirmation))
    uow.cases.save(
        case_id,
        expected_version=case["version"],
        person_id=person_id,
        confirmation=json.dumps(asdict(confirmation), ensure_ascii=False),
        updated_at=at,
    )


def answer_case(
    *, uow: UnitOfWork, case_id: str, inquirer_id: int, officer: str, reader: Reader | None = None
) -> AnswerResult:
    """Decide what one inquirer may be told, and record the answer.

    An inquirer who asked on the web form finds the answer on his follow-up page for
    ``RELEASE_VALID_FOR``. Reading the confirmed man's state is audited (``reader``, by
    default the officer on the command line, through this case).

    "Deceased" is never put in a page or an e-mail: the answer says ``by_person`` and the
    family is asked to contact the bureau.
    """
    at = utc_now()
    with uow:
        case = uow.cases.get(case_id)
        inquirer_row = uow.cases.inquirer(inquirer_id)
        if inquirer_row["case_id"] != case_id:
            raise InvalidInput(f"inquirer #{inquirer_id} did not ask in case {case_id}", field="inquirer")
        inquirer = Inquirer(
            inquirer_row["name"],
            inquirer_row["relation"],
            inquirer_row["contact"],
            Channel(inquirer_row["channel"]),
            inquirer_row["language"],
            inquirer_row["knows"],
            Verification(inquirer_row["verification"]) if inquirer_row["verification"] else None,
            inquirer_row["verified_by"],
            inquirer_row["verified_at"],
        )
        refused = can_tell(inquirer)
        confirmation = None
        status, status_on, version = "", None, None
        if case["confirmation"]:
            data = json.loads(case["confirmation"])
            data["checked"] = tuple(data["checked"])
            confirmation = Confirmation(**data)
            person = uow.persons.get(uow.persons.resolve(confirmation.person_id))
            status, status_on, version = person["status"], person["status_on"], person["version"]
        answer = answer_for(
            status=status, status_on=status_on, confirmation=confirmation, death_record_complete=False
        )
        if refused is not None and answer.kind is not AnswerKind.NO_INFORMATION:
            result = AnswerResult(case_id, inquirer_id, Answer(AnswerKind.NO_INFORMATION), refused)
        else:
            result = AnswerResult(case_id, inquirer_id, answer, answer.blocked)
        uow.cases.log(
            case_id,
            at=at,
            by=officer,
            action="answered",
            detail={
                "inquirer": inquirer_id,
                "answer": result.answer.kind.value,
                "on": result.answer.on,
                "refused": result.refused,
            },
        )
        public = uow.public.by_inquirer(inquirer_id)
        if public is not None and result.answer.kind is not AnswerKind.NO_INFORMATION:
            until = datetime.now(UTC) + RELEASE_VALID_FOR
            uow.public.release(
                public["reference"],
                {**asdict(result.answer), "until": until.isoformat(), "released_by": officer, "at": at},
            )
        if result.answer.kind is not AnswerKind.NO_INFORMATION:
            _move(
                uow,
                case,
                CaseState.ANSWERED,
                by=officer,
                at=at,
                answer=json.dumps(asdict(result.answer), ensure_ascii=False),
                answered_version=version,
            )
        uow.commit()
    if confirmation is not None:
        # the officer read the confirmed man's state to answer: one audited read, via the case
        who = reader or Reader(user=officer, channel=access.Channel.CLI, case_id=case_id)
        record_read(uow=uow, reader=who, action=AuditAction.ANSWER, person_ids=[confirmation.person_id])
    return result


def recheck_open_cases(*, uow: UnitOfWork, recorded_by: str) -> RecheckSummary:
    """Re-check open cases against persons registered or changed since the last re-check.

    New candidates go to review; a later event on a confirmed, answered person makes a
    new answer due. The cursor moves in the same transaction.
    """
    at = utc_now()
    with uow:
        start = uow.cases.cursor()
        end = uow.events.head()[0]
        summary = RecheckSummary(start, end)
        if end <= start:
            return summary
        changed = set(uow.cases.persons_changed_since(start, end))
        summary.persons_changed = len(changed)
        for case in uow.cases.search(states=[CaseState.ANSWERED.value], limit=1_000_000):
            if case["person_id"] in changed:
                person = uow.persons.get(case["person_id"])
                if person["version"] != case["answered_version"]:
                    _move(uow, case, CaseState.NEW_ANSWER_DUE, by=recorded_by, at=at)
                    summary.new_answers_due.append(case["id"])
        index = SqlCandidateIndex(uow.connection)
        for case in uow.cases.search(states=_OPEN_STATES, limit=1_000_000):
            profile = _sought(case).profile()
            if not changed & index.candidate_ids(profile, "ours"):
                continue
            summary.cases_checked += 1
            new = _match(uow, case, by=recorded_by, at=at)
            summary.new_candidates.extend((case["id"], p) for p in new)
            case = uow.cases.get(case["id"])
            if new and CaseState(case["state"]) in (
                CaseState.RECEIVED,
                CaseState.ACKNOWLEDGED,
                CaseState.AWAITING_DETAILS,
            ):
                _move(uow, case, CaseState.UNDER_REVIEW, by=recorded_by, at=at)
        uow.cases.move_cursor(end)
        uow.commit()
    return summary


def estimate_prior_from_cases(*, uow: UnitOfWork) -> PriorEstimate:
    """Estimate the share of the bureau's tracing cases about registered men (EM, as ``trace prior``).

    Every case counts once, whatever its state, but a case closed as a duplicate of another.
    Nothing is written and no person is named.

    Raises:
        InvalidInput: there is no case to estimate from.
    """
    with uow:
        cases = uow.cases.search(limit=10_000_000)
        sought = [_sought(case) for case in cases if case["closure"] != Closure.DUPLICATE.value]
        return estimate_within(uow, sought, bureau_settings(uow), "there are no tracing cases")


def news_about(uow: UnitOfWork, person_id: str, *, news: str, by: str) -> list[str]:
    """Inside a unit of work the caller opened: news of a confirmed man makes an answer due.

    Every case whose confirmed man is he (or a record merged into him), answered or still
    open, moves to ``new_answer_due`` with the news in its log, so that an officer answers
    again; a closed case stays closed. The targeted form of :func:`recheck_open_cases`, for
    a use case that writes the news itself (an officer confirming a row of the other side's
    held list).

    Returns:
        The ids of the cases now due an answer.
    """
    at = utc_now()
    due: list[str] = []
    for pid in [person_id, *uow.persons.merged_into(person_id)]:
        for case in uow.cases.search(person_id=pid, limit=1_000_000):
            state = CaseState(case["state"])
            if state in (CaseState.CLOSED, CaseState.NEW_ANSWER_DUE, CaseState.RECEIVED):
                continue
            uow.cases.log(case["id"], at=at, by=by, action="news", detail={"person": person_id, "news": news})
            _move(uow, case, CaseState.NEW_ANSWER_DUE, by=by, at=at)
            due.append(case["id"])
    return due


def list_cases(
    *,
    uow: UnitOfWork,
    reader: Reader,
    state: str | None = None,
    limit: int = 100,
    offset: int = 0,
    search: str | None = None,
    older_than_days: int | None = None,
) -> list[dict[str, Any]]:
    """Cases with their age in days, oldest first; the confirmed persons they name are audited.

    ``search`` is a case id (``T…``) or the start of the sought man's surname as the
    inquirer wrote it (in any letter case); ``older_than_days`` keeps cases opened longer ago.
    """
    now = datetime.now(UTC)
    term = (search or "").strip()
    case_id, surnames = None, []
    if term:
        if term.upper().startswith("T") and term[1:].isalnum() and term[1:].isascii() and len(term) == 13:
            case_id = term.upper()
        else:
            surnames = list(dict.fromkeys([term, term.lower(), term.upper(), term.capitalize()]))
    opened_before = None
    if older_than_days:
        opened_before = (now - timedelta(days=older_than_days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with uow:
        rows = uow.cases.search(
            states=[state] if state else [],
            limit=limit,
            offset=offset,
            case_id=case_id,
            sought_surnames=surnames,
            opened_before=opened_before,
        )
    for row in rows:
        opened = datetime.strptime(row["opened_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        row["age_days"] = (now - opened).days
    named = [r["person_id"] for r in rows if r["person_id"]]
    record_read(uow=uow, reader=reader, action=AuditAction.CASES, person_ids=named)
    return rows


def case_view(*, uow: UnitOfWork, reader: Reader, case_id: str) -> dict[str, Any]:
    """A case with its inquirers, candidates and history.

    The read is audited as coming through this case: its confirmed person and its
    candidates are named.
    """
    with uow:
        case = uow.cases.get(case_id)
        view = {
            **case,
            "sought": json.loads(case["sought"]),
            "inquirers": uow.cases.inquirers_of(case_id),
            "candidates": [
                {**c, "explanation": json.loads(c["explanation"])} for c in uow.cases.candidates_of(case_id)
            ],
            "history": [{**h, "detail": json.loads(h["detail"])} for h in uow.cases.history(case_id)],
        }
    named = [c["person_id"] for c in view["candidates"]] + ([case["person_id"]] if case["person_id"] else [])
    record_read(uow=uow, reader=replace(reader, case_id=case_id), action=AuditAction.CASE, person_ids=named)
    return view


def case_names(*, uow: UnitOfWork, case_id: str, ref: str) -> bool:
    """Whether a tracing case names a person: its confirmed man or one of its candidates
    (through merges). Nothing of him is read, so nothing is audited; an unknown case or
    person names nobody."""
    with uow:
        try:
            case = uow.cases.get(case_id)
            person_id = uow.persons.resolve(ref)
        except (NotFound, AmbiguousReference):
            return False
        named = {c["person_id"] for c in uow.cases.candidates_of(case_id)} | {case["person_id"]}
        return any(uow.persons.resolve(p) == person_id for p in named if p)


def review_queue(*, uow: UnitOfWork, reader: Reader, limit: int = 100) -> list[dict[str, Any]]:
    """Cases under review with their pending candidates, oldest first; the candidates are audited."""
    with uow:
        out = []
        for case in uow.cases.search(
            states=[CaseState.UNDER_REVIEW.value, CaseState.NEW_ANSWER_DUE.value], limit=limit
        ):
            pending = [c for c in uow.cases.candidates_of(case["id"]) if c["decision"] == "pending"]
            out.append(
                {
                    **case,
                    "sought": json.loads(case["sought"]),
                    "pending": [{**c, "explanation": json.loads(c["explanation"])} for c in pending],
                }
            )
    named = [c["person_id"] for case in out for c in case["pending"]]
    record_read(uow=uow, reader=reader, action=AuditAction.REVIEW, person_ids=named)
    return out


def assign_case(*, uow: UnitOfWork, case_id: str, officer: str, by: str) -> None:
    """Give a case to the tracing officer who answers for it."""
    if not officer.strip():
        raise InvalidInput("name the officer the case goes to", field="officer")
    at = utc_now()
    with uow:
        case = uow.cases.get(case_id)
        uow.cases.save(case_id, expected_version=case["version"], assigned_to=officer, updated_at=at)
        detail = {"to": officer, "from": case["assigned_to"]}
        uow.cases.log(case_id, at=at, by=by, action="assigned", detail=detail)
        uow.commit()


def recorded_answer(*, uow: UnitOfWork, reader: Reader, case_id: str, inquirer_id: int) -> RecordedAnswer:
    """The last answer recorded for an inquirer (by :func:`answer_case`), to print it.

    Nothing is decided again: the letter repeats what the officer answered. ``person`` is
    the sought man as the family named him. Printing a state read from the confirmed man
    is audited through the case.

    Raises:
        NotFound: the inquirer has not been answered yet.
        InvalidInput: the inquirer did not ask in this case.
    """
    with uow:
        case = uow.cases.get(case_id)
        inquirer = uow.cases.inquirer(inquirer_id)
        if inquirer["case_id"] != case_id:
            raise InvalidInput(f"inquirer #{inquirer_id} did not ask in case {case_id}", field="inquirer")
        answers = [
            h
            for h in uow.cases.history(case_id)
            if h["action"] == "answered" and json.loads(h["detail"]).get("inquirer") == inquirer_id
        ]
    if not answers:
        raise NotFound(f"inquirer #{inquirer_id} of case {case_id} has not been answered yet")
    detail = json.loads(answers[-1]["detail"])
    kind = AnswerKind(detail["answer"])
    answer = Answer(kind, on=detail.get("on"), by_person=kind is AnswerKind.DECEASED)
    sought = json.loads(case["sought"])
    person = " ".join(str(sought[k]) for k in ("surname", "given_name", "patronymic") if sought.get(k))
    if kind is not AnswerKind.NO_INFORMATION and case["person_id"]:
        record_read(
            uow=uow,
            reader=replace(reader, case_id=case_id),
            action=AuditAction.ANSWER,
            person_ids=[case["person_id"]],
        )
    return RecordedAnswer(
        case_id=case_id,
        inquirer_id=inquirer_id,
        inquirer_name=inquirer["name"],
        language=inquirer["language"],
        person=person or str(sought.get("service_number") or ""),
        answer=answer,
        at=answers[-1]["at"],
        refused=detail.get("refused"),
    )
