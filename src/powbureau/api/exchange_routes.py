"""Exchanges over HTTP: the exchange, the other party's lists, settling rows, the proposed
list, agreement, the list for the other party; and a man's wish, proceedings and medical
category.

The exchange negotiator works the exchange and sees categories and fitness to travel, never
a diagnosis (none is kept). Tracing officers settle list rows with him: a confirmed row of
the other side's held list is news of one of our own people. Registrars record a man's wish
and proceedings; the medical service his category. Everything internal (reasons for
exclusion, wishes, proceedings) stays in these routes; the party list carries names only.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from powbureau.api.deps import upload_to_disk, write_uow
from powbureau.api.staff import reader_for, require
from powbureau.domain.access import EXCHANGE_READERS, Role
from powbureau.domain.exchanges import (
    Criterion,
    Formula,
    FormulaKind,
    MedicalCategory,
    ProceedingsStage,
    Wish,
)
from powbureau.services import exchanges
from powbureau.services.accounts import StaffSession
from powbureau.services.registry import RecordedEvent
from powbureau.store.uow import SqlUnitOfWork

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["exchanges"])
Negotiator = Annotated[StaffSession, Depends(require(Role.EXCHANGE_NEGOTIATOR))]
ExchangeReaders = Annotated[StaffSession, Depends(require(*EXCHANGE_READERS))]
Settlers = Annotated[StaffSession, Depends(require(Role.EXCHANGE_NEGOTIATOR, Role.TRACING_OFFICER))]
Registrar = Annotated[StaffSession, Depends(require(Role.REGISTRAR))]
Medical = Annotated[StaffSession, Depends(require(Role.MEDICAL))]
_TEXT = Field(None, max_length=500)


def _read_uow(request: Request) -> SqlUnitOfWork:
    return SqlUnitOfWork(request.app.state.engine, write=False)


class FormulaIn(BaseModel):
    """The agreed formula: one for one (``count``), all wounded, or numbers per category."""

    model_config = ConfigDict(extra="forbid")

    kind: FormulaKind
    count: int | None = Field(None, ge=1, le=100_000)
    per_category: dict[MedicalCategory, int] | None = None

    def formula(self) -> Formula:
        numbers = {k.value: v for k, v in (self.per_category or {}).items()}
        return Formula.of(self.kind.value, count=self.count, per_category=numbers or None)


class NewExchange(BaseModel):
    """An exchange proposed: the other party, the formula, date and place."""

    model_config = ConfigDict(extra="forbid")

    party: str = Field(min_length=1, max_length=200)
    formula: FormulaIn
    power: str | None = Field(
        None, min_length=2, max_length=2, description="The other party's Power (ISO code)"
    )
    title: str | None = Field(None, max_length=200)
    criteria: list[Criterion] = Field(default_factory=list, max_length=len(Criterion))
    planned_on: str | None = Field(None, max_length=10)
    place: str | None = _TEXT
    assigned_to: str | None = Field(None, max_length=100)


class Created(BaseModel):
    """The new exchange."""

    exchange_id: str
    state: str


class StateChange(BaseModel):
    """Where the exchange goes (``executed`` is recorded with the handover), and why."""

    model_config = ConfigDict(extra="forbid")

    to: Literal["negotiating", "agreed", "closed"]
    reason: str = Field("", max_length=2000)
    expected_version: int | None = Field(None, ge=0)


class Terms(BaseModel):
    """What changes: the formula, criteria or Power (before agreement), the date or place."""

    model_config = ConfigDict(extra="forbid")

    formula: FormulaIn | None = None
    criteria: list[Criterion] | None = Field(None, max_length=len(Criterion))
    power: str | None = Field(None, min_length=2, max_length=2)
    planned_on: str | None = Field(None, max_length=10)
    place: str | None = _TEXT
    expected_version: int | None = Field(None, ge=0)
    reason: str = Field("", max_length=2000, description="Why the terms change (kept in the exchange's log).")


class Assignment(BaseModel):
    """The officer who answers for the exchange."""

    model_config = ConfigDict(extra="forbid")

    officer: str = Field(min_length=1, max_length=100)


class SettlementIn(BaseModel):
    """An officer's decision on a row: confirm the match (or name the man), or reject it."""

    model_config = ConfigDict(extra="forbid")

    list_ref: str = Field(min_length=1, max_length=200)
    person_ref: str | None = Field(None, max_length=200)
    reject: bool = False
    note: str = Field("", max_length=2000)


class ProposalChange(BaseModel):
    """Men taken off and put on the proposed list, and why."""

    model_config = ConfigDict(extra="forbid")

    add: list[str] = Field(default_factory=list, max_length=1000)
    remove: list[str] = Field(default_factory=list, max_length=1000)
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = Field(None, ge=0)


class WishIn(BaseModel):
    """What he said about being repatriated: who heard it, when, in which language, in private."""

    model_config = ConfigDict(extra="forbid")

    wish: Wish
    heard_by: str = Field(min_length=1, max_length=200)
    heard_on: str = Field(max_length=10)
    language: str = Field(min_length=1, max_length=40)
    in_private: bool
    fears_persecution: bool
    note: str | None = Field(None, max_length=2000)
    expected_version: int | None = Field(None, ge=0)


class ProceedingsIn(BaseModel):
    """Criminal proceedings against him (GC III Art. 119)."""

    model_config = ConfigDict(extra="forbid")

    stage: ProceedingsStage
    article: str = Field("119", max_length=20)
    reference: str | None = Field(None, max_length=200)
    occurred_on: str | None = Field(None, max_length=10)
    note: str | None = Field(None, max_length=2000)


class MedicalCategoryIn(BaseModel):
    """His category (Model Agreement, GC III Annex I) and fitness to travel; never a diagnosis."""

    model_config = ConfigDict(extra="forbid")

    category: MedicalCategory
    fit_to_travel: bool
    decided_by: str | None = Field(None, max_length=200)
    occurred_on: str | None = Field(None, max_length=10)
    note: str | None = Field(None, max_length=2000)


class Recorded(BaseModel):
    """The event as sealed in the chain, and the person's new version."""

    event_id: int
    kind: str
    version: int
    warnings: list[str]


def _recorded(recorded: RecordedEvent) -> Recorded:
    return Recorded(
        event_id=recorded.event.id,
        kind=recorded.event.kind,
        version=recorded.version,
        warnings=recorded.warnings,
    )


@router.post("/exchanges", status_code=201, response_model=Created, summary="Record a proposed exchange")
def create_exchange(request: Request, session: Negotiator, body: NewExchange) -> Created:
    exchange_id = exchanges.create_exchange(
        uow=write_uow(request),
        party=body.party,
        formula=body.formula.formula(),
        created_by=session.staff.name,
        power=body.power,
        title=body.title,
        criteria=[c.value for c in body.criteria],
        planned_on=body.planned_on,
        place=body.place,
        assigned_to=body.assigned_to,
    )
    return Created(exchange_id=exchange_id, state="proposed")


@router.get("/exchanges", summary="Exchanges, newest first")
def list_exchanges(
    request: Request,
    session: ExchangeReaders,
    state: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    return exchanges.list_exchanges(uow=_read_uow(request), state=state, limit=limit)


@router.get(
    "/exchanges/{exchange_id}",
    summary="An exchange: terms, lists, the proposed list with reasons, exclusions, shortfall (internal)",
)
def show_exchange(request: Request, session: Negotiator, exchange_id: str) -> dict[str, Any]:
    return exchanges.exchange_view(
        uow=_read_uow(request),
        reader=reader_for(session, request, case_id=exchange_id),
        exchange_id=exchange_id,
    )


@router.post(
    "/exchanges/{exchange_id}/state",
    summary="Move the exchange (agreeing freezes the list)",
    responses={409: {"description": "A move it cannot make, or a list naming a man who may not go"}},
)
def move(request: Request, session: Negotiator, exchange_id: str, body: StateChange) -> dict[str, str]:
    state = exchanges.move_exchange(
        uow=write_uow(request),
        exchange_id=exchange_id,
        to=body.to,
        by=session.staff.name,
        reason=body.reason,
        expected_version=body.expected_version,
    )
    return {"exchange_id": exchange_id, "state": state}


@router.post("/exchanges/{exchange_id}/terms", summary="Change the formula, criteria, Power, date or place")
def terms(request: Request, session: Negotiator, exchange_id: str, body: Terms) -> dict[str, Any]:
    version = exchanges.set_terms(
        uow=write_uow(request),
        exchange_id=exchange_id,
        by=session.staff.name,
        formula=body.formula.formula() if body.formula else None,
        criteria=[c.value for c in body.criteria] if body.criteria is not None else None,
        power=body.power,
        planned_on=body.planned_on,
        place=body.place,
        expected_version=body.expected_version,
        reason=body.reason,
    )
    return {"exchange_id": exchange_id, "version": version}


@router.post("/exchanges/{exchange_id}/assignment", summary="Give the exchange to an officer")
def assign(request: Request, session: Negotiator, exchange_id: str, body: Assignment) -> dict[str, str]:
    exchanges.assign_exchange(
        uow=write_uow(request), exchange_id=exchange_id, officer=body.officer, by=session.staff.name
    )
    return {"exchange_id": exchange_id, "assigned_to": body.officer}


@router.post(
    "/imports/exchanges/{exchange_id}/lists",
    summary="Take in the next version of one of the other party's lists (the body is exchange-list.csv)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses={
        413: {"description": "Larger than the upload limit"},
        422: {"description": "Refused, every bad row"},
    },
)
async def import_list(
    request: Request,
    session: Negotiator,
    exchange_id: str,
    list_name: Annotated[str | None, Query(alias="list", max_length=64)] = None,
    dated: Annotated[str | None, Query(max_length=10)] = None,
    encoding: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    types = ("text/csv", "application/octet-stream")
    async with upload_to_disk(request, types=types, prefix="exchange-list-") as path:
        summary = await run_in_threadpool(
            exchanges.import_list,
            uow=write_uow(request),
            reader=reader_for(session, request, case_id=exchange_id),
            exchange_id=exchange_id,
            path=path,
            imported_by=session.staff.name,
            list_name=list_name,
            encoding=encoding,
            dated=dated,
        )
    return summary.as_dict()


@router.get(
    "/exchanges/{exchange_id}/lists/{list_name}",
    summary="A version of a list: rows, reconciliation, decisions, and what changed since the one before",
)
def list_rows(
    request: Request,
    session: Settlers,
    exchange_id: str,
    list_name: str,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> dict[str, Any]:
    return exchanges.list_view(
        uow=_read_uow(request),
        reader=reader_for(session, request, case_id=exchange_id),
        exchange_id=exchange_id,
        list_name=list_name,
        number=version,
    )


@router.post(
    "/exchanges/{exchange_id}/lists/{list_name}/settlements",
    summary="Confirm a row's match, name the man among ambiguous candidates, or reject it",
)
def settle(
    request: Request, session: Settlers, exchange_id: str, list_name: str, body: SettlementIn
) -> dict[str, Any]:
    done = exchanges.settle_row(
        uow=write_uow(request),
        exchange_id=exchange_id,
        list_name=list_name,
        list_ref=body.list_ref,
        officer=session.staff.name,
        person_ref=body.person_ref,
        reject=body.reject,
        note=body.note,
    )
    return done.as_dict()


@router.post(
    "/exchanges/{exchange_id}/proposal", summary="Propose the list from the formula and the men we hold"
)
def propose(request: Request, session: Negotiator, exchange_id: str) -> dict[str, Any]:
    result = exchanges.propose(
        uow=write_uow(request),
        reader=reader_for(session, request, case_id=exchange_id),
        exchange_id=exchange_id,
        proposed_by=session.staff.name,
    )
    return result.as_dict()


@router.post(
    "/exchanges/{exchange_id}/proposal/changes", summary="Take men off the proposed list or put them on"
)
def change_proposal(
    request: Request, session: Negotiator, exchange_id: str, body: ProposalChange
) -> dict[str, Any]:
    now = exchanges.edit_proposal(
        uow=write_uow(request),
        exchange_id=exchange_id,
        by=session.staff.name,
        reason=body.reason,
        add=body.add,
        remove=body.remove,
        expected_version=body.expected_version,
    )
    return {"exchange_id": exchange_id, "proposal": now}


@router.get(
    "/exchanges/{exchange_id}/party-list",
    summary="The list for the other party: the agreed names only (draft: the proposal's names)",
)
def party_list(
    request: Request,
    session: Negotiator,
    exchange_id: str,
    draft: bool = False,
    which: Literal["offer", "request"] = "offer",
) -> dict[str, Any]:
    rows = exchanges.other_party_list(
        uow=_read_uow(request),
        reader=reader_for(session, request, case_id=exchange_id),
        exchange_id=exchange_id,
        draft=draft,
        which=which,
    )
    return {"exchange_id": exchange_id, "which": which, "draft": draft, "rows": rows}


class OurRequest(BaseModel):
    """Our own people we ask the other party for: added, taken off, or all reported held."""

    model_config = ConfigDict(extra="forbid")

    add: list[str] = Field(default_factory=list, max_length=10_000)
    remove: list[str] = Field(default_factory=list, max_length=10_000)
    all_reported_held: bool = False


@router.post(
    "/exchanges/{exchange_id}/our-request",
    summary="Write the next version of our request list (our own people we ask for)",
)
def our_request(request: Request, session: Negotiator, exchange_id: str, body: OurRequest) -> dict[str, Any]:
    summary = exchanges.request_our_people(
        uow=write_uow(request),
        exchange_id=exchange_id,
        by=session.staff.name,
        add=body.add,
        remove=body.remove,
        all_reported_held=body.all_reported_held,
    )
    return summary.as_dict()


@router.post(
    "/persons/{ref}/repatriation-wish",
    status_code=201,
    response_model=Recorded,
    summary="Record a man's wish about repatriation (the latest counts)",
)
def record_wish(request: Request, session: Registrar, ref: str, body: WishIn) -> Recorded:
    return _recorded(
        exchanges.record_wish(
            uow=write_uow(request),
            ref=ref,
            wish=body.wish.value,
            heard_by=body.heard_by,
            heard_on=body.heard_on,
            language=body.language,
            in_private=body.in_private,
            fears_persecution=body.fears_persecution,
            recorded_by=session.staff.name,
            note=body.note,
            expected_version=body.expected_version,
        )
    )


@router.post(
    "/persons/{ref}/proceedings",
    status_code=201,
    response_model=Recorded,
    summary="Record criminal proceedings against a man we hold (GC III Art. 119)",
)
def record_proceedings(request: Request, session: Registrar, ref: str, body: ProceedingsIn) -> Recorded:
    return _recorded(
        exchanges.record_proceedings(
            uow=write_uow(request),
            ref=ref,
            stage=body.stage.value,
            recorded_by=session.staff.name,
            article=body.article,
            reference=body.reference,
            occurred_on=body.occurred_on,
            note=body.note,
        )
    )


@router.post(
    "/persons/{ref}/medical-category",
    status_code=201,
    response_model=Recorded,
    summary="Record a man's medical category and fitness to travel (never a diagnosis)",
)
def record_medical_category(
    request: Request, session: Medical, ref: str, body: MedicalCategoryIn
) -> Recorded:
    return _recorded(
        exchanges.record_medical_category(
            uow=write_uow(request),
            ref=ref,
            category=body.category.value,
            fit_to_travel=body.fit_to_travel,
            recorded_by=session.staff.name,
            decided_by=body.decided_by,
            occurred_on=body.occurred_on,
            note=body.note,
        )
    )
