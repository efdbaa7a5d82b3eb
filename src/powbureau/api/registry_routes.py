"""The registry over HTTP: persons, their histories and events, places of detention.

Every route calls the same service as the command line; a person's record is cut to
the fields the caller's roles see (``domain.access.PERSON_FIELDS``), and every read is
audited by the service with the caller, and the case or reason given.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from powbureau.api.deps import upload_to_disk, write_uow
from powbureau.api.problems import Problem
from powbureau.api.staff import reader_for, require
from powbureau.domain.access import PERSON_READERS, Role, may_read_history, visible_person_fields
from powbureau.services import intake, registry
from powbureau.services.accounts import StaffSession
from powbureau.store.uow import SqlUnitOfWork

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["registry"])
Readers = Annotated[StaffSession, Depends(require(*PERSON_READERS))]
Registrar = Annotated[StaffSession, Depends(require(Role.REGISTRAR))]
HistoryReaders = Annotated[StaffSession, Depends(require(Role.REGISTRAR, Role.TRACING_OFFICER, Role.LIAISON))]
_TEXT = Field(None, max_length=500)


def _read_uow(request: Request) -> SqlUnitOfWork:
    return SqlUnitOfWork(request.app.state.engine, write=False)


def _project(row: dict[str, Any], fields: frozenset[str]) -> dict[str, Any]:
    row = {("person_id" if k == "id" else k): v for k, v in row.items()}
    return {k: v for k, v in row.items() if k in fields}


class Page(BaseModel):
    """One page of a list; ask again with ``offset=next_offset`` while it is not null."""

    items: list[dict[str, Any]]
    limit: int
    offset: int
    next_offset: int | None


class Identity(BaseModel):
    """A person's identity as persons.csv names it (GC III Art. 17 and 122); text as written."""

    model_config = ConfigDict(extra="forbid")

    surname: str | None = _TEXT
    given_name: str | None = _TEXT
    patronymic: str | None = _TEXT
    birth_date: str | None = Field(None, max_length=10, examples=["1994-03-07", "1994-03", "1994"])
    birth_place: str | None = _TEXT
    sex: str | None = Field(None, max_length=10)
    nationality: str | None = Field(None, max_length=2, description="The Power the person depends on")
    citizenship: str | None = Field(None, max_length=2)
    rank: str | None = _TEXT
    unit: str | None = _TEXT
    service_number: str | None = _TEXT
    mother_name: str | None = _TEXT
    father_name: str | None = _TEXT
    category: str | None = Field(None, max_length=24)
    captured_on: str | None = Field(None, max_length=10)
    capture_place: str | None = _TEXT
    legal_status: str | None = _TEXT
    person_to_inform: str | None = _TEXT
    correspondence_address: str | None = _TEXT
    other_spellings: str | None = _TEXT
    description: str | None = Field(None, max_length=4000)


class Registration(Identity):
    """A new person: identity, and where he is held now."""

    person_ref: str | None = Field(None, max_length=200)
    source: str = Field("bureau", max_length=200)
    unidentified: bool = False
    place: str | None = Field(None, max_length=200)


class Registered(BaseModel):
    """The new registry id, and registered persons he may be a second entry of."""

    person_id: str
    possible_duplicates: list[dict[str, Any]]


class NewEvent(BaseModel):
    """One event of a person's lifecycle (contract, "Events")."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=40, examples=["transferred"])
    occurred_on: str | None = Field(None, max_length=10)
    place: str | None = Field(None, max_length=200)
    source: str | None = Field("bureau", max_length=200)
    note: str | None = Field(None, max_length=4000)
    corrects: int | None = Field(None, ge=1)
    changes: dict[str, str | None] | None = Field(None, description="For identity_corrected")
    expected_version: int | None = Field(
        None, ge=0, description="The version you saw; refused with 409 if someone changed him since"
    )


class RecordedEvent(BaseModel):
    """The event as sealed in the chain, the person's new version, and any conflict it raised."""

    event_id: int
    kind: str
    version: int
    warnings: list[str]


class NewPlace(BaseModel):
    """A place of detention."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=50)
    name: str = Field(max_length=300)
    kind: Literal["camp", "hospital", "transit", "other"]
    capacity: int | None = Field(None, ge=0)
    address: str | None = Field(None, max_length=500)


@router.get("/persons", response_model=Page, summary="Current persons, filtered, a page at a time")
def list_persons(
    request: Request,
    session: Readers,
    custody: Annotated[Literal["ours", "own"] | None, Query()] = None,
    status: Annotated[str | None, Query(max_length=24)] = None,
    place: Annotated[str | None, Query(max_length=200)] = None,
    surname: Annotated[str | None, Query(max_length=200)] = None,
    conflicts: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Page:
    rows = registry.list_persons(
        uow=_read_uow(request),
        reader=reader_for(session, request),
        custody=custody,
        status=status,
        place=place,
        surname=surname,
        conflicts=conflicts,
        limit=limit + 1,
        offset=offset,
    )
    fields = visible_person_fields(session.staff.roles)
    items = [_project(dict(r), fields) for r in rows[:limit]]
    return Page(
        items=items, limit=limit, offset=offset, next_offset=offset + limit if len(rows) > limit else None
    )


@router.post("/persons", status_code=201, response_model=Registered, summary="Register a person")
def register_person(request: Request, session: Registrar, body: Registration) -> Registered:
    data = body.model_dump()
    extra = {k: data.pop(k) for k in ("person_ref", "source", "unidentified", "place")}
    person_id = registry.register_person(
        uow=write_uow(request),
        fields=data,
        recorded_by=session.staff.name,
        source=extra["source"],
        person_ref=extra["person_ref"],
        unidentified=extra["unidentified"],
        place=extra["place"],
    )
    duplicates = registry.possible_duplicates(
        uow=_read_uow(request), reader=reader_for(session, request), ref=person_id
    )
    return Registered(
        person_id=person_id,
        possible_duplicates=[{"person_id": p, "probability": round(prob, 4)} for p, prob, _ in duplicates],
    )


@router.get("/persons/{ref}", summary="A person's current record (the fields your roles see)")
def show_person(request: Request, session: Readers, ref: str) -> dict[str, Any]:
    view = registry.show_person(uow=_read_uow(request), reader=reader_for(session, request), ref=ref)
    row = {
        **view.row,
        "refs": [{"source": s, "person_ref": r} for s, r in view.refs],
        "conflicts": [{"event_id": e, "reason": why} for e, why in view.conflicts],
    }
    return _project(row, visible_person_fields(session.staff.roles))


@router.get("/persons/{ref}/events", summary="A person's history, in recording order")
def person_history(request: Request, session: HistoryReaders, ref: str) -> dict[str, Any]:
    if not may_read_history(session.staff.roles):
        raise Problem(403, "your role does not allow this")
    person_id, events, conflicts = registry.person_history(
        uow=_read_uow(request), reader=reader_for(session, request), ref=ref
    )
    return {
        "person_id": person_id,
        "events": [{**e._asdict(), "payload": e.data, "conflict": conflicts.get(e.id)} for e in events],
    }


@router.post(
    "/persons/{ref}/events",
    status_code=201,
    response_model=RecordedEvent,
    summary="Append an event to a person's history",
    responses={409: {"description": "Someone changed him since expected_version, or a rule refuses it"}},
)
def record_event(request: Request, session: Registrar, ref: str, body: NewEvent) -> RecordedEvent:
    recorded = registry.record_event(
        uow=write_uow(request),
        ref=ref,
        kind=body.kind,
        recorded_by=session.staff.name,
        occurred_on=body.occurred_on,
        place=body.place,
        source=body.source,
        note=body.note,
        corrects=body.corrects,
        changes=body.changes,
        expected_version=body.expected_version,
    )
    return RecordedEvent(
        event_id=recorded.event.id,
        kind=recorded.event.kind,
        version=recorded.version,
        warnings=recorded.warnings,
    )


@router.get("/places", summary="Places of detention with who is there now")
def list_places(request: Request, session: Readers) -> list[dict[str, Any]]:
    return registry.list_places(uow=_read_uow(request))


@router.post("/places", status_code=201, summary="Register a place of detention")
def add_place(request: Request, session: Registrar, body: NewPlace) -> dict[str, str]:
    code = registry.add_place(uow=write_uow(request), **body.model_dump())
    return {"code": code}


@router.post(
    "/imports/persons",
    summary="Import persons.csv, whole or not at all (the body is the file, streamed to disk)",
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
async def import_persons(
    request: Request,
    session: Registrar,
    source: Annotated[str, Query(min_length=1, max_length=200)] = "default",
    encoding: Annotated[str | None, Query(max_length=40)] = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    types = ("text/csv", "application/octet-stream")
    async with upload_to_disk(request, types=types, prefix="persons-") as path:
        summary = await run_in_threadpool(
            intake.import_persons,
            uow=write_uow(request),
            path=path,
            source=source,
            recorded_by=session.staff.name,
            encoding=encoding,
            dry_run=dry_run,
        )
    return summary.as_dict()
