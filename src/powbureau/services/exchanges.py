"""Use cases of an exchange of prisoners: create it, take in the parties' lists version by
version, settle their rows, record what bears on a man's repatriation, propose and edit the
list, agree it, and write the document for the other party.

* A list arrives again and again (v1 ... vN). Each version is kept with its file's SHA-256 and
  rows as written; rows are compared with the version before by ``list_ref`` and only added
  and changed rows are reconciled again (:func:`powbureau.services.reconciliation.reconcile_rows`);
  an unchanged row keeps its result and the officer's decision.
* Nothing is written about a man on the engine's word alone. An officer confirms a row of the
  other side's held list or offer (or picks among ambiguous candidates); that writes
  ``reported_held_by_adversary`` (``reported_dead`` for a row saying deceased, never
  ``died``) with source "adversary list", and makes an answer due on the cases about him.
* The proposal follows :mod:`powbureau.domain.exchanges`; every change of it, by the
  proposal or by the negotiator, is logged with who, when and why.
* Reasons for exclusion (wishes, proceedings, medical) are internal: the list for the other
  party names only the agreed men.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from powbureau.domain import exchanges as rules
from powbureau.domain.access import Reader
from powbureau.domain.audit import AuditAction
from powbureau.domain.dates import parse_partial_date
from powbureau.domain.errors import (
    ConcurrentModification,
    InvalidInput,
    NotFound,
    RuleViolation,
)
from powbureau.domain.events import EventKind, canonical_json, utc_now
from powbureau.domain.exchanges import ExchangeState, Formula, Prospect
from powbureau.domain.lifecycle import effective_events
from powbureau.interchange.csvfiles import csv_writer, protect_cell
from powbureau.interchange.exchange_lists import ListRow, read_exchange_list
from powbureau.services import reconciliation
from powbureau.services.audit import file_sha256, record_read
from powbureau.services.inquiries import news_about
from powbureau.services.registry import RecordedEvent, enter_event, record_event
from powbureau.store.uow import UnitOfWork

__all__ = [
    "OUR_REQUEST",
    "PARTY_COLUMNS",
    "ListImport",
    "ProposalResult",
    "Settlement",
    "agreed_list",
    "agreed_persons",
    "assign_exchange",
    "create_exchange",
    "edit_proposal",
    "exchange_summary",
    "exchange_view",
    "expected_returns",
    "import_list",
    "list_exchanges",
    "list_view",
    "medical_standings",
    "move_exchange",
    "other_party_list",
    "propose",
    "record_medical_category",
    "record_proceedings",
    "record_wish",
    "request_our_people",
    "set_terms",
    "settle_row",
    "write_other_party_list",
]

#: The columns of the list written for the other party (exchange-list.csv): names only.
PARTY_COLUMNS = (
    "list_ref",
    "list_kind",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "rank",
    "unit",
    "service_number",
    "claimed_state",
    "medical_category",
)
#: The identity fields shown with a man on the proposal (what the negotiator's role sees).
_NAME_FIELDS = ("surname", "given_name", "patronymic", "birth_date", "rank", "unit", "service_number")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_POWER = re.compile(r"^[A-Z]{2}$")
_ADVERSARY_LIST = "adversary list"
#: Rows of the other side's lists that say where our own people are: confirming one is news.
_NEWS_KINDS = ("held", "offer")


@dataclass(frozen=True)
class ListImport:
    """What importing one version of a list did."""

    exchange_id: str
    list_name: str
    version: int
    new_version: bool
    rows: int
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    reconciled: int
    statuses: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return {
            "exchange_id": self.exchange_id,
            "list": self.list_name,
            "version": self.version,
            "new_version": self.new_version,
            "rows": self.rows,
            "added": list(self.added),
            "changed": list(self.changed),
            "removed": list(self.removed),
            "unchanged": self.unchanged,
            "reconciled": self.reconciled,
            "statuses": dict(self.statuses),
        }


@dataclass(frozen=True)
class Settlement:
    """An officer's decision on one row, and what it wrote."""

    exchange_id: str
    list_name: str
    version: int
    list_ref: str
    decision: str
    person_id: str | None
    event_id: int | None = None
    event_kind: str | None = None
    answers_due: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The decision as JSON-ready data."""
        return {
            "exchange_id": self.exchange_id,
            "list": self.list_name,
            "version": self.version,
            "list_ref": self.list_ref,
            "decision": self.decision,
            "person_id": self.person_id,
            "event_id": self.event_id,
            "event_kind": self.event_kind,
            "answers_due": list(self.answers_due),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class ProposalResult:
    """A proposal just made: the list with reasons, who is in reserve and excluded, the shortfall."""

    exchange_id: str
    version: int
    proposal: rules.Proposal
    added: tuple[str, ...]
    removed: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The proposal as JSON-ready data (internal: reasons included)."""
        p = self.proposal
        return {
            "exchange_id": self.exchange_id,
            "version": self.version,
            "formula": p.formula.describe(),
            "met": p.met,
            "chosen": [_choice(c) for c in p.chosen],
            "reserve": len(p.reserve),
            "excluded": [_exclusion(e) for e in p.excluded],
            "shortfall": [_shortfall(s) for s in p.shortfall],
            "added": list(self.added),
            "removed": list(self.removed),
        }


def _choice(c: rules.Choice) -> dict[str, Any]:
    return {"person_id": c.person_id, "category": c.category.value, "reason": c.reason}


def _exclusion(e: rules.Exclusion) -> dict[str, Any]:
    return {
        "person_id": e.person_id,
        "category": e.category.value,
        "held_back": e.held_back,
        "reasons": [{"kind": b.kind.value, "reason": b.reason} for b in e.blocks],
    }


def _shortfall(s: rules.Shortfall) -> dict[str, Any]:
    return {
        "category": s.category,
        "wanted": s.wanted,
        "chosen": s.chosen,
        "missing": s.missing,
        "blocked_by": list(s.blocked_by),
    }


def _today() -> date:
    return datetime.now(UTC).date()


def _new_exchange_id() -> str:
    return "X" + secrets.token_hex(5).upper()


def _state(row: Mapping[str, Any]) -> ExchangeState:
    return ExchangeState(row["state"])


def _formula(row: Mapping[str, Any]) -> Formula:
    return Formula.from_dict(json.loads(row["formula"]))


def _criteria(row: Mapping[str, Any]) -> tuple[rules.Criterion, ...]:
    return rules.parse_criteria(json.loads(row["criteria"]))


def _check_version(row: Mapping[str, Any], expected_version: int | None) -> None:
    if expected_version is not None and expected_version != row["version"]:
        raise ConcurrentModification(
            f"exchange {row['id']} was changed by {row['updated_by']} at {row['updated_at']} "
            f"(now version {row['version']}, you had {expected_version}); reload it"
        )


def _clean_date(value: str | None, name: str) -> str | None:
    if not value:
        return None
    try:
        when = parse_partial_date(value)
    except InvalidInput as exc:
        raise InvalidInput(str(exc), field=name) from None
    return str(when)


def _clean_power(power: str | None) -> str | None:
    if not power:
        return None
    if not _POWER.match(power.strip().upper()):
        raise InvalidInput(
            f"the Power {power!r} is not an ISO 3166-1 alpha-2 code (RU, UA, ...)", field="power"
        )
    return power.strip().upper()


# ---------------------------------------------------------------------------------------
# The exchange


def create_exchange(
    *,
    uow: UnitOfWork,
    party: str,
    formula: Formula,
    created_by: str,
    power: str | None = None,
    title: str | None = None,
    criteria: Sequence[str] = (),
    planned_on: str | None = None,
    place: str | None = None,
    assigned_to: str | None = None,
) -> str:
    """Record a proposed exchange and return its id.

    Args:
        party: the other party (e.g. the Power, or its representative).
        formula: what is agreed or proposed (one for one, all wounded, per category).
        power: the other party's Power (ISO code): only men depending on it are offered.
        criteria: the negotiator's criteria after the medical tier and captivity.
        planned_on: the date foreseen (partial), and ``place`` the crossing point.
        assigned_to: the officer who answers for the exchange.

    Raises:
        InvalidInput: no party, a bad Power, date or criterion.
    """
    if not party.strip():
        raise InvalidInput("an exchange names the other party", field="party")
    chosen = rules.parse_criteria(criteria)
    at = utc_now()
    exchange_id = _new_exchange_id()
    row = {
        "id": exchange_id,
        "title": (title or "").strip() or f"exchange with {party.strip()}",
        "party": party.strip(),
        "power": _clean_power(power),
        "formula": canonical_json(formula.as_dict()),
        "criteria": canonical_json([c.value for c in chosen]),
        "planned_on": _clean_date(planned_on, "planned_on"),
        "place": (place or "").strip() or None,
        "state": ExchangeState.PROPOSED.value,
        "assigned_to": (assigned_to or "").strip() or None,
        "created_at": at,
        "created_by": created_by,
        "updated_at": at,
        "updated_by": created_by,
        "version": 0,
        "proposed_at": None,
        "shortfall": "[]",
    }
    with uow:
        uow.exchanges.add(row)
        uow.exchanges.log(
            exchange_id,
            at=at,
            by=created_by,
            action="created",
            detail={
                "party": row["party"],
                "power": row["power"],
                "formula": formula.as_dict(),
                "criteria": [c.value for c in chosen],
            },
        )
        uow.commit()
    return exchange_id


def _summary(row: Mapping[str, Any]) -> dict[str, Any]:
    formula = _formula(row)
    return {
        "id": row["id"],
        "title": row["title"],
        "party": row["party"],
        "power": row["power"],
        "state": row["state"],
        "formula": formula.as_dict(),
        "formula_text": formula.describe(),
        "criteria": json.loads(row["criteria"]),
        "planned_on": row["planned_on"],
        "place": row["place"],
        "assigned_to": row["assigned_to"],
        "version": row["version"],
        "created_at": row["created_at"],
        "created_by": row["created_by"],
        "updated_at": row["updated_at"],
        "updated_by": row["updated_by"],
        "proposed_at": row["proposed_at"],
    }


def list_exchanges(*, uow: UnitOfWork, state: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Exchanges, newest first (no person is named, so nothing is audited)."""
    if state is not None:
        try:
            ExchangeState(state)
        except ValueError:
            allowed = ", ".join(s.value for s in ExchangeState)
            raise InvalidInput(f"unknown state {state!r} (allowed: {allowed})", field="state") from None
    with uow:
        return [_summary(r) for r in uow.exchanges.search(states=[state] if state else [], limit=limit)]


def exchange_summary(*, uow: UnitOfWork, exchange_id: str) -> dict[str, Any]:
    """An exchange's terms, state, officer and version, naming no person (nothing audited).

    Raises:
        NotFound: no such exchange.
    """
    with uow:
        return _summary(uow.exchanges.get(exchange_id))


def move_exchange(
    *,
    uow: UnitOfWork,
    exchange_id: str,
    to: str,
    by: str,
    reason: str = "",
    expected_version: int | None = None,
) -> str:
    """Move an exchange to another state, with the reason in its log.

    Agreeing freezes the proposal; it is refused while the proposal is empty or names a man
    who may no longer be offered (a wish, proceedings, ... recorded since), each with why.

    Raises:
        RuleViolation: a move the exchange cannot make, or an agreement on a bad list.
    """
    try:
        target = ExchangeState(to)
    except ValueError:
        allowed = ", ".join(s.value for s in ExchangeState)
        raise InvalidInput(f"unknown state {to!r} (allowed: {allowed})", field="to") from None
    at = utc_now()
    with uow:
        row = uow.exchanges.get(exchange_id)
        _check_version(row, expected_version)
        current = _state(row)
        rules.check_exchange_transition(current, target)
        if target is ExchangeState.AGREED:
            _check_agreement(uow, row)
        uow.exchanges.save(
            exchange_id, expected_version=row["version"], state=target.value, updated_at=at, updated_by=by
        )
        uow.exchanges.log(
            exchange_id,
            at=at,
            by=by,
            action="state",
            detail={"from": current, "to": target, "reason": reason},
        )
        uow.commit()
    return target.value


def _check_agreement(uow: UnitOfWork, row: Mapping[str, Any]) -> None:
    on_list = uow.exchanges.proposal(row["id"])
    if not on_list:
        raise RuleViolation(f"exchange {row['id']} has no proposed list to agree: propose one first")
    prospects = _prospects(uow, row, list(uow.persons.rows([p["person_id"] for p in on_list]).values()))
    refused = [
        f"{p.person_id}: {'; '.join(b.reason for b in blocks)}"
        for p in prospects
        if (blocks := rules.blocks_of(p, power=row["power"]))
    ]
    if refused:
        raise RuleViolation(
            "the list names men who may not be offered now; take them off first:\n" + "\n".join(refused)
        )


def _term(key: str, stored: Any) -> Any:
    """A term as the log shows it: the formula and criteria as data, the rest as stored."""
    return json.loads(stored) if key in ("formula", "criteria") and stored is not None else stored


def set_terms(
    *,
    uow: UnitOfWork,
    exchange_id: str,
    by: str,
    formula: Formula | None = None,
    criteria: Sequence[str] | None = None,
    planned_on: str | None = None,
    place: str | None = None,
    power: str | None = None,
    expected_version: int | None = None,
    reason: str = "",
) -> int:
    """Change the formula, criteria, Power, date or place; the exchange's new version.

    The formula, criteria and Power change only before the names are agreed. The log keeps
    the new values, what they were before (``before``) and the ``reason`` when one is given.

    Raises:
        RuleViolation: the exchange is agreed or beyond.
    """
    at = utc_now()
    values: dict[str, Any] = {}
    if formula is not None:
        values["formula"] = canonical_json(formula.as_dict())
    if criteria is not None:
        values["criteria"] = canonical_json([c.value for c in rules.parse_criteria(criteria)])
    if power is not None:
        values["power"] = _clean_power(power)
    if planned_on is not None:
        values["planned_on"] = _clean_date(planned_on, "planned_on")
    if place is not None:
        values["place"] = place.strip() or None
    if not values:
        raise InvalidInput("nothing to change", field="terms")
    with uow:
        row = uow.exchanges.get(exchange_id)
        _check_version(row, expected_version)
        state = _state(row)
        if {"formula", "criteria", "power"} & set(values) and not rules.proposal_editable(state):
            raise RuleViolation(
                f"exchange {exchange_id} is {state.value}: its formula and criteria are fixed"
            )
        if state is ExchangeState.CLOSED:
            raise RuleViolation(f"exchange {exchange_id} is closed")
        version = uow.exchanges.save(
            exchange_id, expected_version=row["version"], updated_at=at, updated_by=by, **values
        )
        detail: dict[str, Any] = {k: _term(k, v) for k, v in values.items()}
        detail["before"] = {k: _term(k, row[k]) for k in values}
        if reason.strip():
            detail["reason"] = reason.strip()
        uow.exchanges.log(exchange_id, at=at, by=by, action="terms", detail=detail)
        uow.commit()
    return version


def assign_exchange(*, uow: UnitOfWork, exchange_id: str, officer: str, by: str) -> None:
    """Give the exchange to the officer who answers for it."""
    if not officer.strip():
        raise InvalidInput("name the officer the exchange goes to", field="officer")
    at = utc_now()
    with uow:
        row = uow.exchanges.get(exchange_id)
        uow.exchanges.save(
            exchange_id,
            expected_version=row["version"],
            assigned_to=officer.strip(),
            updated_at=at,
            updated_by=by,
        )
        uow.exchanges.log(
            exchange_id,
            at=at,
            by=by,
            action="assigned",
            detail={"to": officer.strip(), "from": row["assigned_to"]},
        )
        uow.commit()


def _names(uow: UnitOfWork, person_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    rows = uow.persons.rows(list(person_ids))
    return {pid: {k: row.get(k) for k in _NAME_FIELDS} for pid, row in rows.items()}


def exchange_view(*, uow: UnitOfWork, reader: Reader, exchange_id: str) -> dict[str, Any]:
    """An exchange: its terms and state, its lists and versions, the proposal with the reason
    for each man, who is excluded and why, the shortfall and the history (internal).

    The persons it names are audited as read through this exchange.
    """
    with uow:
        row = uow.exchanges.get(exchange_id)
        proposal = uow.exchanges.proposal(exchange_id)
        exclusions = uow.exchanges.exclusions(exchange_id)
        named = [p["person_id"] for p in proposal] + [e["person_id"] for e in exclusions]
        names = _names(uow, named)
        lists = []
        for lst in uow.exchanges.lists_of(exchange_id):
            versions = []
            for v in uow.exchanges.versions_of(lst["id"]):
                rows = uow.exchanges.rows_of(v["id"])
                statuses: dict[str, int] = {}
                for r in rows:
                    statuses[r["status"]] = statuses.get(r["status"], 0) + 1
                versions.append(
                    {
                        **{k: v[k] for k in v if k not in ("id", "list_id")},
                        "statuses": statuses,
                        "pending": sum(1 for r in rows if r["decision"] == "pending"),
                    }
                )
            lists.append({"name": lst["name"], "party": lst["party"], "versions": versions})
        reasons = {e["person_id"]: json.loads(e["reasons"]) for e in exclusions}
        shortfall = json.loads(row["shortfall"])
        for s in shortfall:
            s["blocked_by"] = [{"person_id": pid, "reasons": reasons.get(pid, [])} for pid in s["blocked_by"]]
        view = {
            **_summary(row),
            "lists": lists,
            "proposal": [
                {
                    **{k: p[k] for k in ("position", "person_id", "category", "reason", "how")},
                    **names.get(p["person_id"], {}),
                }
                for p in proposal
            ],
            "excluded": [
                {
                    "person_id": e["person_id"],
                    "category": e["category"],
                    "held_back": bool(e["held_back"]),
                    "reasons": reasons[e["person_id"]],
                    **names.get(e["person_id"], {}),
                }
                for e in exclusions
            ],
            "shortfall": shortfall,
            "proposal_history": uow.exchanges.proposal_history(exchange_id),
            "history": [{**h, "detail": json.loads(h["detail"])} for h in uow.exchanges.history(exchange_id)],
        }
    _audit(uow, reader, exchange_id, named)
    return view


def _audit(uow: UnitOfWork, reader: Reader, exchange_id: str, person_ids: Iterable[str], **kw: Any) -> None:
    record_read(
        uow=uow,
        reader=replace(reader, case_id=exchange_id),
        action=kw.pop("action", AuditAction.EXCHANGE),
        person_ids=sorted(set(person_ids)),
        **kw,
    )


# ---------------------------------------------------------------------------------------
# Lists, versions and reconciliation


def _row_content(row: ListRow) -> dict[str, Any]:
    """What a row says, as compared between versions (its line may move without a change)."""
    return {
        "list_kind": row.list_kind,
        "fields": {k: v for k, v in row.fields.items() if v},
        "claimed_state": row.claimed_state or "",
        "medical_category": row.medical_category or "",
        "extra": {k: v for k, v in row.extra.items() if v},
    }


def _row_hash(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def _candidate(c: Any) -> dict[str, Any]:
    """A candidate of the engine as stored: person, external id, probability, explanation."""
    if isinstance(c, Mapping):
        return {
            "person_id": c.get("person_id"),
            "person_ref": c.get("person_ref") or c.get("person_id"),
            "probability": c.get("probability"),
            "explanation": c.get("explanation", ""),
        }
    if isinstance(c, tuple) and not hasattr(c, "person_id"):
        return {
            "person_id": c[0],
            "person_ref": c[0],
            "probability": c[1] if len(c) > 1 else None,
            "explanation": "",
        }
    explain = getattr(c, "explanation", "")
    return {
        "person_id": c.person_id,
        "person_ref": getattr(c, "person_ref", "") or c.person_id,
        "probability": round(float(c.probability), 6),
        "explanation": explain() if callable(explain) else str(explain),
    }


def _default_list_name(rows: Sequence[ListRow]) -> str:
    kinds = sorted({r.list_kind for r in rows})
    if len(kinds) != 1:
        raise InvalidInput(
            f"the file mixes rows of kinds {', '.join(kinds) or 'none'}: name the list (--list)", field="list"
        )
    return f"their-{kinds[0]}"


def import_list(
    *,
    uow: UnitOfWork,
    reader: Reader,
    exchange_id: str,
    path: Path,
    imported_by: str,
    list_name: str | None = None,
    encoding: str | None = None,
    dated: str | None = None,
) -> ListImport:
    """Take in a new version of one of the other party's lists (exchange-list.csv).

    The rows are compared with the version before by ``list_ref``: added, changed, removed,
    unchanged. Only added and changed rows are reconciled again; an unchanged row keeps its
    result and the officer's decision. A file identical to the latest version writes
    nothing.

    Args:
        list_name: the list's name in this exchange (default ``their-<kind>`` when every row
            is of one kind).
        dated: the date the list speaks of (partial); events written on confirmation carry it.

    Raises:
        InvalidInput / ImportRejected: the file cannot be read, naming every bad row.
        RuleViolation: the exchange is closed.
        ConcurrentModification: another version of the list came in meanwhile.
    """
    rows = read_exchange_list(path, encoding=encoding)
    if not rows:
        raise InvalidInput(f"{path.name}: the list has no rows", field="file")
    name = list_name or _default_list_name(rows)
    if not _NAME.match(name):
        raise InvalidInput(f"list name {name!r}: lower-case letters, digits, - and _ only", field="list")
    if name.startswith("our-"):
        raise InvalidInput(
            f"{name}: lists named our-... are our own, written from the registry", field="list"
        )
    dated = _clean_date(dated, "dated")
    if dated and parse_partial_date(dated).earliest > _today():
        raise InvalidInput(f"the list is dated {dated}, in the future", field="dated")
    sha = file_sha256(path)
    with uow:
        exchange = uow.exchanges.get(exchange_id)
        if _state(exchange) is ExchangeState.CLOSED:
            raise RuleViolation(f"exchange {exchange_id} is closed")
        lst = uow.exchanges.list_named(exchange_id, name)
        previous = uow.exchanges.version(lst["id"]) if lst else None
        if lst is not None and lst["party"] != "theirs":
            raise RuleViolation(f"{name} is one of our own lists; the other party's lists are imported")
        before = {r["list_ref"]: r for r in uow.exchanges.rows_of(previous["id"])} if previous else {}
    if previous is not None and previous["file_sha256"] == sha:
        return ListImport(
            exchange_id,
            name,
            previous["number"],
            False,
            len(rows),
            (),
            (),
            (),
            len(rows),
            0,
            _statuses(before),
        )
    added, changed, _, _ = _compare(rows, before)
    again = set(added) | set(changed)
    fresh: dict[str, Any] = {}
    to_reconcile = [r for r in rows if r.list_ref in again]
    if to_reconcile:
        as_of = parse_partial_date(dated).latest if dated else None
        results = reconciliation.reconcile_rows(
            uow=uow, reader=replace(reader, case_id=exchange_id), rows=to_reconcile, as_of=as_of
        )
        fresh = {r.list_ref: r for r in results}
    with uow:
        version = _store_version(
            uow,
            exchange_id,
            name=name,
            party="theirs",
            rows=rows,
            before=before,
            previous=previous,
            fresh=fresh,
            file_name=path.name,
            sha=sha,
            dated=dated,
            by=imported_by,
        )
        uow.commit()
    return version


def _compare(
    rows: Sequence[ListRow], before: Mapping[str, Mapping[str, Any]]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], dict[str, str]]:
    """Rows added, changed and removed since the version before (by ``list_ref``), and each
    row's hash of what it says."""
    hashes = {r.list_ref: _row_hash(_row_content(r)) for r in rows}
    added = tuple(r.list_ref for r in rows if r.list_ref not in before)
    changed = tuple(
        r.list_ref
        for r in rows
        if r.list_ref in before and before[r.list_ref]["row_hash"] != hashes[r.list_ref]
    )
    removed = tuple(ref for ref in before if ref not in hashes)
    return added, changed, removed, hashes


def _store_version(
    uow: UnitOfWork,
    exchange_id: str,
    *,
    name: str,
    party: str,
    rows: Sequence[ListRow],
    before: Mapping[str, Mapping[str, Any]],
    previous: Mapping[str, Any] | None,
    fresh: Mapping[str, Any],
    file_name: str,
    sha: str,
    dated: str | None,
    by: str,
) -> ListImport:
    """Write the next version of a list inside an open unit of work: its rows as written,
    whether each was added, changed or unchanged, and its reconciliation: ``fresh`` (results
    as :func:`powbureau.services.reconciliation.reconcile_rows` gives them) for the rows
    reconciled now, the version before's result and decision for the others.

    Raises:
        ConcurrentModification: another version of the list was written since ``previous``.
    """
    at = utc_now()
    exchange = uow.exchanges.get(exchange_id)
    lst = uow.exchanges.list_named(exchange_id, name)
    latest = uow.exchanges.version(lst["id"]) if lst else None
    if (latest and latest["number"]) != (previous and previous["number"]):
        raise ConcurrentModification(f"another version of {name} came in meanwhile; do it again")
    added, changed, removed, hashes = _compare(rows, before)
    list_id = (
        lst["id"] if lst else uow.exchanges.add_list(exchange_id=exchange_id, name=name, party=party, at=at)
    )
    number = (previous["number"] if previous else 0) + 1
    version_id = uow.exchanges.add_version(
        {
            "list_id": list_id,
            "number": number,
            "file_name": file_name,
            "file_sha256": sha,
            "dated": dated,
            "rows": len(rows),
            "added": len(added),
            "changed": len(changed),
            "removed": len(removed),
            "unchanged": len(rows) - len(added) - len(changed),
            "reconciled": len(fresh),
            "imported_at": at,
            "imported_by": by,
        }
    )
    stored_rows, results_rows = [], []
    for r in rows:
        change = "added" if r.list_ref in added else "changed" if r.list_ref in changed else "unchanged"
        stored_rows.append(
            {
                "version_id": version_id,
                "list_ref": r.list_ref,
                "line": r.line,
                "list_kind": r.list_kind,
                "fields": canonical_json(dict(r.fields)),
                "claimed_state": r.claimed_state,
                "medical_category": r.medical_category,
                "extra": canonical_json(dict(r.extra)),
                "row_hash": hashes[r.list_ref],
                "change": change,
            }
        )
        if r.list_ref in fresh:
            results_rows.append(_result_row(version_id, fresh[r.list_ref]))
        else:
            kept = before[r.list_ref]
            results_rows.append(
                {"version_id": version_id, "list_ref": r.list_ref, **{k: kept[k] for k in _RESULT_COLUMNS}}
            )
    uow.exchanges.add_rows(stored_rows)
    uow.exchanges.add_results(results_rows)
    uow.exchanges.save(exchange_id, expected_version=exchange["version"], updated_at=at, updated_by=by)
    uow.exchanges.log(
        exchange_id,
        at=at,
        by=by,
        action="list_imported" if party == "theirs" else "list_written",
        detail={
            "list": name,
            "version": number,
            "file": file_name,
            "sha256": sha,
            "added": len(added),
            "changed": len(changed),
            "removed": len(removed),
            "reconciled": len(fresh),
        },
    )
    statuses = _statuses({res["list_ref"]: res for res in results_rows})
    return ListImport(
        exchange_id,
        name,
        number,
        True,
        len(rows),
        added,
        changed,
        removed,
        len(rows) - len(added) - len(changed),
        len(fresh),
        statuses,
    )


_RESULT_COLUMNS = (
    "status",
    "reason",
    "person_id",
    "person_ref",
    "probability",
    "candidates",
    "separating",
    "reconciled_in",
    "decision",
    "decided_person_id",
    "decided_by",
    "decided_at",
    "decision_note",
    "event_id",
)


def _statuses(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows.values():
        out[r["status"]] = out.get(r["status"], 0) + 1
    return out


def _result_row(version_id: int, result: Any) -> dict[str, Any]:
    person_id = getattr(result, "person_id", None)
    probability = getattr(result, "probability", None)
    return {
        "version_id": version_id,
        "list_ref": result.list_ref,
        "status": str(result.status),
        "reason": str(getattr(result, "reason", "") or ""),
        "person_id": person_id,
        "person_ref": getattr(result, "person_ref", None),
        "probability": None if probability is None else float(probability),
        "candidates": canonical_json([_candidate(c) for c in getattr(result, "candidates", ()) or ()]),
        "separating": canonical_json(list(getattr(result, "separating", ()) or ())),
        "reconciled_in": version_id,
        "decision": getattr(result, "decision", None)
        or ("pending" if person_id or getattr(result, "candidates", ()) else "none"),
        "decided_person_id": None,
        "decided_by": None,
        "decided_at": None,
        "decision_note": None,
        "event_id": None,
    }


#: Our own request list: our people we ask the other party for, named from the registry.
OUR_REQUEST = "our-request"
#: Our own people who may be asked for: still away, as far as the registry knows.
_ASKED_FOR = ("registered", "missing", "held_by_adversary")


@dataclass(frozen=True)
class _OwnMan:
    """A row of our request list, reconciled by construction: he is the registry's man."""

    list_ref: str
    person_id: str
    person_ref: str
    status: str = "matched"
    reason: str = "one of our own people, named from the registry"
    probability: float | None = None
    candidates: tuple[Any, ...] = ()
    separating: tuple[str, ...] = ()
    decision: str = "none"


def request_our_people(
    *,
    uow: UnitOfWork,
    exchange_id: str,
    by: str,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    all_reported_held: bool = False,
) -> ListImport:
    """Write the next version of our request list: our own people we ask the other party for.

    The list is the version before, with ``remove`` taken off and ``add`` put on, and with
    ``all_reported_held`` every one of our own people now reported held by the other side.
    Its rows are the registry's identity fields (``list_ref`` is the registry id); a man whose
    identity was corrected since shows as changed, as on the other party's lists. Only our
    own people still away (registered, missing, reported held) may be asked for.

    Raises:
        InvalidInput: nothing to change.
        RuleViolation: the exchange is closed, a man is not ours to ask for, or is not on the list.
    """
    if not (add or remove or all_reported_held):
        raise InvalidInput("name someone to add or remove, or ask for all reported held", field="add")
    with uow:
        exchange = uow.exchanges.get(exchange_id)
        if _state(exchange) is ExchangeState.CLOSED:
            raise RuleViolation(f"exchange {exchange_id} is closed")
        lst = uow.exchanges.list_named(exchange_id, OUR_REQUEST)
        previous = uow.exchanges.version(lst["id"]) if lst else None
        before = {r["list_ref"]: r for r in uow.exchanges.rows_of(previous["id"])} if previous else {}
        ids: list[str] = []
        for ref in before:
            survivor = uow.persons.resolve(ref)
            if survivor not in ids:
                ids.append(survivor)
        for ref in remove:
            person_id = uow.persons.resolve(ref)
            if person_id not in ids:
                raise RuleViolation(f"{person_id} is not on our request list of {exchange_id}")
            ids.remove(person_id)
        wanted = [uow.persons.resolve(ref) for ref in add]
        if all_reported_held:
            found = uow.persons.search(custody="own", status="held_by_adversary", limit=10_000_000)
            wanted.extend(str(r["id"]) for r in found)
        for person_id in wanted:
            person = uow.persons.get(person_id)
            if person["custody"] != "own":
                raise RuleViolation(f"{person_id} is not one of our own people: we ask only for them")
            if person["status"] not in _ASKED_FOR:
                raise RuleViolation(f"{person_id} is {person['status']}: not ours to ask for")
            if person_id not in ids:
                ids.append(person_id)
        people = uow.persons.rows(ids)
        refs = uow.matches.external_refs(ids)
        rows = [
            ListRow(
                line=i,
                list_ref=pid,
                list_kind="request",
                fields={k: people[pid].get(k) for k in _NAME_FIELDS},
                claimed_state="held" if people[pid]["status"] == "held_by_adversary" else None,
                medical_category=None,
                extra={},
            )
            for i, pid in enumerate(ids, start=2)
        ]
        added, changed, _, _ = _compare(rows, before)
        fresh = {pid: _OwnMan(pid, pid, refs.get(pid, pid)) for pid in (*added, *changed)}
        sha = hashlib.sha256(
            canonical_json([_row_content(r) | {"list_ref": r.list_ref} for r in rows]).encode()
        ).hexdigest()
        version = _store_version(
            uow,
            exchange_id,
            name=OUR_REQUEST,
            party="ours",
            rows=rows,
            before=before,
            previous=previous,
            fresh=fresh,
            file_name="(from the registry)",
            sha=sha,
            dated=None,
            by=by,
        )
        uow.commit()
    return version


def _version_of(
    uow: UnitOfWork, exchange_id: str, list_name: str, number: int | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    uow.exchanges.get(exchange_id)
    lst = uow.exchanges.list_named(exchange_id, list_name)
    if lst is None:
        raise NotFound(f"exchange {exchange_id} has no list {list_name!r}")
    version = uow.exchanges.version(lst["id"], number)
    if version is None:
        raise NotFound(f"list {list_name} of exchange {exchange_id} has no version {number}")
    return lst, version


def _row_view(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **{k: row[k] for k in row if k not in ("fields", "extra", "candidates", "separating", "version_id")},
        "fields": json.loads(row["fields"]),
        "extra": json.loads(row["extra"]),
        "candidates": json.loads(row["candidates"]) if row["candidates"] else [],
        "separating": json.loads(row["separating"]) if row["separating"] else [],
    }


def _differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The cells that differ between a row's two versions: {column: [before, now]}."""
    out: dict[str, list[Any]] = {}
    a, b = json.loads(old["fields"]), json.loads(new["fields"])
    for key in sorted(set(a) | set(b)):
        if (a.get(key) or None) != (b.get(key) or None):
            out[key] = [a.get(key), b.get(key)]
    for key in ("list_kind", "claimed_state", "medical_category"):
        if (old[key] or None) != (new[key] or None):
            out[key] = [old[key], new[key]]
    ea, eb = json.loads(old["extra"]), json.loads(new["extra"])
    for key in sorted(set(ea) | set(eb)):
        if (ea.get(key) or None) != (eb.get(key) or None):
            out[key] = [ea.get(key), eb.get(key)]
    return out


def list_view(
    *, uow: UnitOfWork, reader: Reader, exchange_id: str, list_name: str, number: int | None = None
) -> dict[str, Any]:
    """One version of a list (the latest by default): every row with its reconciliation and
    decision, what changed since the version before (the differing cells of changed rows,
    and the rows removed). The persons it names are audited."""
    with uow:
        lst, version = _version_of(uow, exchange_id, list_name, number)
        rows = uow.exchanges.rows_of(version["id"])
        previous = uow.exchanges.version(lst["id"], version["number"] - 1) if version["number"] > 1 else None
        before = {r["list_ref"]: r for r in uow.exchanges.rows_of(previous["id"])} if previous else {}
        versions = len(uow.exchanges.versions_of(lst["id"]))
    now = {r["list_ref"] for r in rows}
    out_rows = []
    named: set[str] = set()
    for r in rows:
        view = _row_view(r)
        if r["change"] == "changed" and r["list_ref"] in before:
            view["differences"] = _differences(before[r["list_ref"]], r)
        out_rows.append(view)
        named.update(p for p in (r["person_id"], r["decided_person_id"]) if p)
        named.update(c["person_id"] for c in view["candidates"] if c.get("person_id"))
    removed = [
        {"list_ref": ref, "line": r["line"], "list_kind": r["list_kind"], "fields": json.loads(r["fields"])}
        for ref, r in before.items()
        if ref not in now
    ]
    _audit(uow, reader, exchange_id, named)
    return {
        "exchange_id": exchange_id,
        "list": list_name,
        "party": lst["party"],
        "version": version["number"],
        "versions": versions,
        **{k: version[k] for k in ("file_name", "file_sha256", "dated", "imported_at", "imported_by")},
        "summary": {
            k: version[k] for k in ("rows", "added", "changed", "removed", "unchanged", "reconciled")
        },
        "rows": out_rows,
        "removed": removed,
    }


def _still_counts(uow: UnitOfWork, event_id: int) -> bool:
    """True while an event is in its man's history (neither retracted nor replaced)."""
    person_id = uow.events.get(event_id).person_id
    return event_id in {e.id for e in effective_events(uow.events.for_person(person_id))}


def settle_row(
    *,
    uow: UnitOfWork,
    exchange_id: str,
    list_name: str,
    list_ref: str,
    officer: str,
    person_ref: str | None = None,
    reject: bool = False,
    note: str = "",
) -> Settlement:
    """An officer's decision on one row of the latest version of a list.

    Confirming names the man (the engine's match, or ``person_ref``: one of the ambiguous
    candidates, or a man the officer found himself). On the other side's held list or offer
    that is news of one of our own people: ``reported_held_by_adversary`` is written, or
    ``reported_dead`` when the row says deceased (never ``died``: the other side's word is a
    report), with source "adversary list", and an answer falls due on the cases about him. On
    its request list the confirmation only says whom it asks for. ``reject`` says none of
    the candidates is he. Confirming the same man again changes nothing.

    Raises:
        InvalidInput: an ambiguous row confirmed without naming the man.
        RuleViolation: the row was decided otherwise already, or the man is of the wrong
            custody for the row.
    """
    if not officer.strip():
        raise InvalidInput("a decision names the officer", field="officer")
    at = utc_now()
    with uow:
        exchange = uow.exchanges.get(exchange_id)
        if _state(exchange) is ExchangeState.CLOSED:
            raise RuleViolation(f"exchange {exchange_id} is closed")
        lst, version = _version_of(uow, exchange_id, list_name, None)
        if lst["party"] != "theirs":
            raise RuleViolation(f"{list_name} is our own list, named from the registry: nothing to settle")
        row = uow.exchanges.result(version["id"], list_ref)
        base = Settlement(
            exchange_id, list_name, version["number"], list_ref, row["decision"], row["decided_person_id"]
        )
        if reject:
            if row["decision"] == "rejected":
                return base
            if row["decision"] == "confirmed" and row["event_id"] and _still_counts(uow, row["event_id"]):
                raise RuleViolation(
                    f"row {list_ref} was confirmed as {row['decided_person_id']} by {row['decided_by']}, "
                    f"and event #{row['event_id']} written: retract that event first "
                    f"(powbureau event {row['decided_person_id']} retracted --corrects {row['event_id']})"
                )
            uow.exchanges.decide(
                version["id"],
                list_ref,
                decision="rejected",
                decided_person_id=None,
                decided_by=officer,
                decided_at=at,
                decision_note=note or None,
            )
            uow.exchanges.log(
                exchange_id,
                at=at,
                by=officer,
                action="row_rejected",
                detail={"list": list_name, "list_ref": list_ref, "note": note},
            )
            uow.commit()
            return replace(base, decision="rejected", person_id=None)
        if person_ref:
            person_id = uow.persons.resolve(person_ref)
        elif row["status"] == "ambiguous" or not row["person_id"]:
            candidates = ", ".join(
                c["person_ref"] or c["person_id"] for c in json.loads(row["candidates"] or "[]")
            )
            raise InvalidInput(
                f"row {list_ref} is {row['status']}: name the man ({candidates or 'no candidate'}); "
                f"{row['reason']}",
                field="person",
            )
        else:
            person_id = uow.persons.resolve(row["person_id"])
        if row["decision"] == "confirmed":
            if row["decided_person_id"] == person_id:
                return base
            raise RuleViolation(
                f"row {list_ref} was confirmed as {row['decided_person_id']} by {row['decided_by']} at "
                f"{row['decided_at']}; reject it first"
                + (f" (and retract event #{row['event_id']})" if row["event_id"] else "")
            )
        person = uow.persons.get(person_id)
        wanted = "ours" if row["list_kind"] == "request" else "own"
        if person["custody"] != wanted:
            whom = "persons in our custody" if wanted == "ours" else "our own people"
            raise RuleViolation(f"a {row['list_kind']} row names one of {whom}; {person_id} is not")
        event_id, kind, warnings, due = None, None, [], []
        if row["list_kind"] in _NEWS_KINDS:
            kind = (
                EventKind.REPORTED_DEAD
                if row["claimed_state"] == "deceased"
                else EventKind.REPORTED_HELD_BY_ADVERSARY
            )
            recorded = enter_event(
                uow,
                ref=person_id,
                kind=kind,
                recorded_by=officer,
                occurred_on=version["dated"],
                source=_ADVERSARY_LIST,
                note=(
                    f"exchange {exchange_id}, {list_name} v{version['number']} line {row['line']} "
                    f"({list_ref}): {row['claimed_state'] or 'held'}"
                ),
            )
            event_id, warnings = recorded.event.id, recorded.warnings
            due = news_about(
                uow,
                person_id,
                news=f"{kind.value} ({exchange_id}, {list_name} v{version['number']}, row {list_ref})",
                by=officer,
            )
        uow.exchanges.decide(
            version["id"],
            list_ref,
            decision="confirmed",
            decided_person_id=person_id,
            decided_by=officer,
            decided_at=at,
            decision_note=note or None,
            event_id=event_id,
        )
        uow.exchanges.log(
            exchange_id,
            at=at,
            by=officer,
            action="row_confirmed",
            detail={
                "list": list_name,
                "version": version["number"],
                "list_ref": list_ref,
                "person": person_id,
                "event": event_id,
                "answers_due": due,
                "note": note,
            },
        )
        uow.commit()
    return Settlement(
        exchange_id,
        list_name,
        version["number"],
        list_ref,
        "confirmed",
        person_id,
        event_id,
        kind.value if kind else None,
        tuple(due),
        tuple(warnings),
    )


# ---------------------------------------------------------------------------------------
# What bears on a man's repatriation: his wish, proceedings, his medical category


def record_wish(
    *,
    uow: UnitOfWork,
    ref: str,
    wish: str,
    heard_by: str,
    heard_on: str,
    language: str,
    in_private: bool,
    fears_persecution: bool,
    recorded_by: str,
    note: str | None = None,
    expected_version: int | None = None,
) -> RecordedEvent:
    """Record what a man we hold said about being repatriated: who heard it, when, in which
    language, whether in private, and whether he fears persecution. It can change: the
    latest counts. A wish not to return blocks him from every offer, with the reason.
    """
    return record_event(
        uow=uow,
        ref=ref,
        kind=EventKind.REPATRIATION_WISH_RECORDED,
        recorded_by=recorded_by,
        occurred_on=heard_on,
        source="the person",
        note=note,
        details={
            "wish": wish,
            "heard_by": heard_by,
            "heard_on": heard_on,
            "language": language,
            "in_private": in_private,
            "fears_persecution": fears_persecution,
        },
        expected_version=expected_version,
    )


def record_proceedings(
    *,
    uow: UnitOfWork,
    ref: str,
    stage: str,
    recorded_by: str,
    article: str = "119",
    reference: str | None = None,
    occurred_on: str | None = None,
    note: str | None = None,
) -> RecordedEvent:
    """Record criminal proceedings against a man we hold (opened, sentenced, closed): while
    they are open or he serves a sentence, he may be kept (GC III Art. 119)."""
    details: dict[str, Any] = {"stage": stage, "article": article}
    if reference:
        details["reference"] = reference
    return record_event(
        uow=uow,
        ref=ref,
        kind=EventKind.PROCEEDINGS_RECORDED,
        recorded_by=recorded_by,
        occurred_on=occurred_on,
        source="document",
        note=note,
        details=details,
    )


def record_medical_category(
    *,
    uow: UnitOfWork,
    ref: str,
    category: str,
    fit_to_travel: bool,
    recorded_by: str,
    decided_by: str | None = None,
    occurred_on: str | None = None,
    note: str | None = None,
) -> RecordedEvent:
    """Record a man's medical category (Model Agreement, Annex I) and fitness to travel, as
    the medical service or a mixed medical commission decided them. Never a diagnosis."""
    details: dict[str, Any] = {"category": category, "fit_to_travel": fit_to_travel}
    if decided_by:
        details["decided_by"] = decided_by
    return record_event(
        uow=uow,
        ref=ref,
        kind=EventKind.MEDICAL_CATEGORY_RECORDED,
        recorded_by=recorded_by,
        occurred_on=occurred_on,
        source="document",
        note=note,
        details=details,
    )


def medical_standings(*, uow: UnitOfWork, reader: Reader) -> list[dict[str, Any]]:
    """The men we hold (held or in hospital) whose medical category for repatriation is
    recorded: the latest category, fitness to travel and who decided them (never a
    diagnosis), in registry-id order. The men named are audited as a list read."""
    out: list[dict[str, Any]] = []
    with uow:
        recorded = sorted(uow.exchanges.with_repatriation_records())
        rows = uow.persons.rows(recorded)
        current = sorted(
            pid
            for pid, r in rows.items()
            if r["merged_into"] is None and r["custody"] == "ours" and r["status"] in ("held", "hospitalised")
        )
        for pid, found in uow.events.for_persons(current).items():
            medical = rules.standing_from(found).medical
            if medical is not None:
                out.append(
                    {
                        "person_id": pid,
                        "category": medical.category.value,
                        "fit_to_travel": medical.fit_to_travel,
                        "decided_by": medical.decided_by,
                    }
                )
    out.sort(key=lambda m: m["person_id"])
    if out:
        record_read(uow=uow, reader=reader, action=AuditAction.LIST, person_ids=[m["person_id"] for m in out])
    return out


# ---------------------------------------------------------------------------------------
# The proposal


def _prospects(
    uow: UnitOfWork, exchange: Mapping[str, Any], person_rows: Sequence[Mapping[str, Any]]
) -> list[Prospect]:
    """The men of ``person_rows`` with their wish, proceedings, category, and whether the
    other party asked for them or another agreed exchange names them."""
    ids = [r["id"] for r in person_rows]
    with_records = uow.exchanges.with_repatriation_records()
    histories: dict[str, list[Any]] = {pid: [] for pid in ids}
    if with_records:
        wanted = set(ids)
        owners = {pid: (r["merged_into"] or pid) for pid, r in uow.persons.rows(sorted(with_records)).items()}
        relevant = [pid for pid, owner in owners.items() if owner in wanted]
        for pid, found in uow.events.for_persons(relevant).items():
            histories[owners[pid]].extend(found)
    requested = uow.exchanges.requested(exchange["id"])
    elsewhere = uow.exchanges.agreed_elsewhere(ids, besides=exchange["id"])
    return [
        Prospect(
            person_id=r["id"],
            custody=r["custody"],
            status=r["status"],
            status_on=r["status_on"],
            unidentified=bool(r["unidentified"]),
            captured_on=r["captured_on"],
            birth_date=r["birth_date"],
            sex=r["sex"],
            civilian=(r["category"] or "") == "civilian_internee",
            power=r["nationality"],
            standing=rules.standing_from(histories.get(r["id"], [])),
            requested=r["id"] in requested,
            agreed_elsewhere=elsewhere.get(r["id"]),
        )
        for r in person_rows
    ]


def propose(
    *, uow: UnitOfWork, reader: Reader, exchange_id: str, proposed_by: str, as_of: date | None = None
) -> ProposalResult:
    """Make the proposed list from the formula and the men we hold, replacing the one before.

    Every man we hold (depending on the other party's Power, when it is named) is chosen,
    kept in reserve or excluded with his reasons; where the formula cannot be met, the
    shortfall per category names who holds it back. Each change against the list before is
    logged. The men named are audited as read through this exchange.

    Raises:
        RuleViolation: the names are already agreed (reopen the negotiation first).
    """
    at = utc_now()
    as_of = as_of or _today()
    with uow:
        exchange = uow.exchanges.get(exchange_id)
        state = _state(exchange)
        if not rules.proposal_editable(state):
            raise RuleViolation(
                f"exchange {exchange_id} is {state.value}: the list can no longer be proposed"
            )
        prospects = _prospects(uow, exchange, uow.exchanges.pool(power=exchange["power"]))
        proposal = rules.propose(
            prospects, _formula(exchange), criteria=_criteria(exchange), power=exchange["power"], as_of=as_of
        )
        before = [p["person_id"] for p in uow.exchanges.proposal(exchange_id)]
        now = [c.person_id for c in proposal.chosen]
        uow.exchanges.put_proposal(
            exchange_id,
            [
                {
                    "person_id": c.person_id,
                    "position": i,
                    "category": c.category.value,
                    "reason": c.reason,
                    "how": "proposed",
                    "added_by": proposed_by,
                    "added_at": at,
                }
                for i, c in enumerate(proposal.chosen, start=1)
            ],
        )
        uow.exchanges.put_exclusions(
            exchange_id,
            [
                {
                    "person_id": e.person_id,
                    "category": e.category.value,
                    "held_back": e.held_back,
                    "reasons": canonical_json([{"kind": b.kind.value, "reason": b.reason} for b in e.blocks]),
                }
                for e in proposal.excluded
            ],
        )
        added = tuple(p for p in now if p not in set(before))
        removed = tuple(p for p in before if p not in set(now))
        why = {c.person_id: c.reason for c in proposal.chosen}
        for pid in removed:
            uow.exchanges.log_proposal(
                exchange_id,
                at=at,
                by=proposed_by,
                action="removed",
                person_id=pid,
                reason="proposed anew: not chosen",
            )
        for pid in added:
            uow.exchanges.log_proposal(
                exchange_id,
                at=at,
                by=proposed_by,
                action="added",
                person_id=pid,
                reason=f"proposed: {why[pid]}",
            )
        shortfall = [_shortfall(s) for s in proposal.shortfall]
        version = uow.exchanges.save(
            exchange_id,
            expected_version=exchange["version"],
            proposed_at=at,
            shortfall=canonical_json(shortfall),
            updated_at=at,
            updated_by=proposed_by,
        )
        uow.exchanges.log(
            exchange_id,
            at=at,
            by=proposed_by,
            action="proposed",
            detail={
                "formula": _formula(exchange).as_dict(),
                "chosen": len(now),
                "excluded": len(proposal.excluded),
                "reserve": len(proposal.reserve),
                "added": len(added),
                "removed": len(removed),
                "shortfall": shortfall,
            },
        )
        uow.commit()
    _audit(uow, reader, exchange_id, [*now, *(e.person_id for e in proposal.excluded)])
    return ProposalResult(exchange_id, version, proposal, added, removed)


def edit_proposal(
    *,
    uow: UnitOfWork,
    exchange_id: str,
    by: str,
    reason: str,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    expected_version: int | None = None,
) -> list[str]:
    """The negotiator takes men off the proposed list and puts others on, saying why.

    Removals come first, so one edit can swap a man. A man who may not be offered is
    refused with the reason, and the list never goes over the formula. Every change is
    logged: who, when, what, why.

    Returns:
        The proposed list after the edit (registry ids, in order).

    Raises:
        InvalidInput: no reason, or nothing to change.
        RuleViolation: the names are agreed, a man is not on the list (or already is), he
            may not be offered, or the formula is full.
    """
    if not reason.strip():
        raise InvalidInput("say why the list changes", field="reason")
    if not add and not remove:
        raise InvalidInput("name someone to add or remove", field="add")
    at = utc_now()
    with uow:
        exchange = uow.exchanges.get(exchange_id)
        _check_version(exchange, expected_version)
        state = _state(exchange)
        if not rules.proposal_editable(state):
            raise RuleViolation(
                f"exchange {exchange_id} is {state.value}: the list is fixed (reopen it first)"
            )
        formula = _formula(exchange)
        for ref in remove:
            person_id = uow.persons.resolve(ref)
            if not uow.exchanges.remove_from_proposal(exchange_id, person_id):
                raise RuleViolation(f"{person_id} is not on the proposed list of {exchange_id}")
            uow.exchanges.log_proposal(
                exchange_id, at=at, by=by, action="removed", person_id=person_id, reason=reason
            )
        for ref in add:
            person_id = uow.persons.resolve(ref)
            current = uow.exchanges.proposal(exchange_id)
            if person_id in {p["person_id"] for p in current}:
                raise RuleViolation(f"{person_id} is already on the proposed list of {exchange_id}")
            prospect = _prospects(uow, exchange, [uow.persons.get(person_id)])[0]
            counts: dict[rules.MedicalCategory, int] = {}
            for p in current:
                category = rules.MedicalCategory(p["category"])
                counts[category] = counts.get(category, 0) + 1
            refused = rules.addition_refused(prospect, formula, counts, power=exchange["power"])
            if refused is not None:
                raise RuleViolation(f"{person_id} cannot be put on the list: {refused}")
            uow.exchanges.add_to_proposal(
                {
                    "exchange_id": exchange_id,
                    "person_id": person_id,
                    "position": max((p["position"] for p in current), default=0) + 1,
                    "category": rules.category_of(prospect).value,
                    "reason": f"added by {by}: {reason}; "
                    + rules.choice_reason(prospect, _criteria(exchange), _today()),
                    "how": "added",
                    "added_by": by,
                    "added_at": at,
                }
            )
            uow.exchanges.log_proposal(
                exchange_id, at=at, by=by, action="added", person_id=person_id, reason=reason
            )
        uow.exchanges.save(exchange_id, expected_version=exchange["version"], updated_at=at, updated_by=by)
        uow.exchanges.log(
            exchange_id,
            at=at,
            by=by,
            action="proposal_edited",
            detail={"added": list(add), "removed": list(remove), "reason": reason},
        )
        result = [p["person_id"] for p in uow.exchanges.proposal(exchange_id)]
        uow.commit()
    return result


# ---------------------------------------------------------------------------------------
# The agreed list, and the document for the other party


_AGREED = (ExchangeState.AGREED, ExchangeState.EXECUTED, ExchangeState.CLOSED)


def agreed_persons(uow: UnitOfWork, exchange_id: str) -> list[str]:
    """:func:`agreed_list` inside a unit of work the caller opened."""
    exchange = uow.exchanges.get(exchange_id)
    state = _state(exchange)
    if state not in _AGREED:
        raise RuleViolation(f"exchange {exchange_id} is {state.value}: no list is agreed yet")
    if state is ExchangeState.CLOSED and not any(
        h["action"] == "state" and json.loads(h["detail"]).get("to") == ExchangeState.AGREED.value
        for h in uow.exchanges.history(exchange_id)
    ):
        raise RuleViolation(f"exchange {exchange_id} was closed without an agreed list")
    return [uow.persons.resolve(p["person_id"]) for p in uow.exchanges.proposal(exchange_id)]


def agreed_list(*, uow: UnitOfWork, exchange_id: str) -> list[str]:
    """The registry ids of the men we hand over under the agreed list, in its order.

    The ids are current (a man merged since is given as the surviving record).

    Raises:
        NotFound: no such exchange.
        RuleViolation: nothing is agreed yet (the exchange is proposed or negotiating, or
            was closed before any agreement).
    """
    with uow:
        return agreed_persons(uow, exchange_id)


def expected_returns(*, uow: UnitOfWork, exchange_id: str) -> list[str]:
    """Our own people the other party offers: the men an officer confirmed on the latest
    version of its offer (in the order first confirmed)."""
    with uow:
        uow.exchanges.get(exchange_id)
        return [
            uow.persons.resolve(p) for p in uow.exchanges.confirmed_on_their_lists(exchange_id, ("offer",))
        ]


def _party_rows(
    uow: UnitOfWork, exchange_id: str, draft: bool, which: str
) -> tuple[list[dict[str, str]], list[str]]:
    if which == "request":
        uow.exchanges.get(exchange_id)
        lst = uow.exchanges.list_named(exchange_id, OUR_REQUEST)
        latest = uow.exchanges.version(lst["id"]) if lst else None
        if latest is None:
            raise NotFound(f"exchange {exchange_id} has no request list of ours yet")
        asked = uow.exchanges.rows_of(latest["id"])
        return [
            {
                "list_ref": r["list_ref"],
                "list_kind": "request",
                **{k: json.loads(r["fields"]).get(k) or "" for k in PARTY_COLUMNS[2:9]},
                "claimed_state": r["claimed_state"] or "",
                "medical_category": "",
            }
            for r in asked
        ], [r["list_ref"] for r in asked]
    if which != "offer":
        raise InvalidInput(f"which list: offer or request, not {which!r}", field="which")
    if draft:
        uow.exchanges.get(exchange_id)
        ids = [p["person_id"] for p in uow.exchanges.proposal(exchange_id)]
    else:
        ids = agreed_persons(uow, exchange_id)
    rows = uow.persons.rows(ids)
    categories = {p["person_id"]: p["category"] for p in uow.exchanges.proposal(exchange_id)}
    out = []
    for pid in ids:
        person = rows[pid]
        category = categories.get(pid, "")
        wounded = category in {c.value for c in rules.WOUNDED_CATEGORIES}
        out.append(
            {
                "list_ref": pid,
                "list_kind": "offer",
                **{k: person.get(k) or "" for k in PARTY_COLUMNS[2:9]},
                "claimed_state": "wounded" if wounded else "held",
                "medical_category": category if wounded else "",
            }
        )
    return out, ids


def other_party_list(
    *, uow: UnitOfWork, reader: Reader, exchange_id: str, draft: bool = False, which: str = "offer"
) -> list[dict[str, str]]:
    """The list for the other party: the agreed names only (exchange-list.csv columns).

    Identity, rank, unit and service number; the medical category of a wounded or sick man,
    which the formula is about; never a reason, a wish, proceedings or anything internal.
    With ``draft``, the names of the current proposal (an offer in negotiation). With
    ``which="request"``, our request list instead: our own people we ask for.

    Raises:
        RuleViolation: nothing is agreed yet and ``draft`` was not asked for.
    """
    with uow:
        rows, ids = _party_rows(uow, exchange_id, draft, which)
    _audit(uow, reader, exchange_id, ids)
    return rows


def write_other_party_list(
    *,
    uow: UnitOfWork,
    reader: Reader,
    exchange_id: str,
    path: Path,
    draft: bool = False,
    which: str = "offer",
) -> int:
    """Write :func:`other_party_list` as exchange-list.csv, protected against formula injection.

    The file is audited as an export (its SHA-256 and the men it names); if that record
    cannot be written, the file is not put in place.

    Returns:
        How many men it names.
    """
    with uow:
        rows, ids = _party_rows(uow, exchange_id, draft, which)
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv_writer(handle)
            writer.writerow(PARTY_COLUMNS)
            for r in rows:
                writer.writerow([protect_cell(r[c]) for c in PARTY_COLUMNS])
        _audit(uow, reader, exchange_id, ids, action=AuditAction.EXPORT, file_sha256=file_sha256(partial))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
    return len(rows)
