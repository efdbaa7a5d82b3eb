"""Exchanges carried out, over HTTP: the sheet, its results, discrepancies, the reports, and
releases to families.

The routes call the services of :mod:`powbureau.services.execution`, as the command line
does; the exchange negotiator carries out exchanges, the registrar releases a man to his
family. Documents are answered as files (PDF or CSV); every read of persons' data is
audited by the service, through the exchange. A scan is streamed to disk like an import.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from powbureau.api.deps import config_of, download, upload_to_disk, write_uow
from powbureau.api.problems import Problem
from powbureau.api.staff import reader_for, require
from powbureau.domain.access import EXCHANGE_READERS, Reader, Role, may_read_executed_list
from powbureau.domain.execution import (
    Handover,
    HandoverEntry,
    IdentityCheck,
    IdentityMethod,
    MedicalState,
    Outcome,
    Resolution,
    UnexpectedMan,
    Valuables,
)
from powbureau.domain.family_release import Consent, ConsentForm, FamilyCheck, FamilyRelease, InformedHow
from powbureau.services import execution
from powbureau.services.accounts import StaffSession
from powbureau.store.uow import SqlUnitOfWork

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["exchanges"])
Negotiator = Annotated[StaffSession, Depends(require(Role.EXCHANGE_NEGOTIATOR))]
ExchangeReaders = Annotated[StaffSession, Depends(require(*EXCHANGE_READERS))]
Registrar = Annotated[StaffSession, Depends(require(Role.REGISTRAR))]
ExchangeId = Annotated[str, PathParam(min_length=1, max_length=64, description="The exchange's id")]
_SCAN_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/tiff", "application/octet-stream")
_NAME = Field(max_length=300)
_OPTIONAL = Field(None, max_length=2000)


def _read_uow(request: Request) -> SqlUnitOfWork:
    return SqlUnitOfWork(request.app.state.engine, write=False)


def _reader(session: StaffSession, request: Request, exchange_id: str) -> Reader:
    """The caller, reading through the exchange (its id is the audit record's case)."""
    return reader_for(session, request, case_id=exchange_id if len(exchange_id) <= 32 else None)


class IdentityIn(BaseModel):
    """How a man's identity was confirmed, and the fields of his record that agreed."""

    model_config = ConfigDict(extra="forbid")

    methods: list[IdentityMethod] = Field(min_length=1, max_length=8)
    checked: list[Annotated[str, Field(max_length=40)]] = Field(
        min_length=2, max_length=12, examples=[["surname", "given_name", "birth_date"]]
    )

    def check(self) -> IdentityCheck:
        return IdentityCheck.of([m.value for m in self.methods], self.checked)


class EntryIn(BaseModel):
    """A line of the sheet: a man of the agreed list, present or absent."""

    model_config = ConfigDict(extra="forbid")

    person_id: str = Field(max_length=32)
    present: bool
    identity: IdentityIn | None = None
    medical_state: MedicalState | None = None
    valuables_packet: str | None = Field(None, max_length=100)
    valuables_note: str | None = Field(None, max_length=500)
    record_version: int | None = Field(None, ge=0, description="The version printed on the sheet")
    note: str | None = Field(None, max_length=2000, description="Internal; never in a report")
    line: int | None = Field(None, ge=1, le=100_000)


class UnexpectedIn(BaseModel):
    """A man at the border who was not on the agreed list."""

    model_config = ConfigDict(extra="forbid")

    name_as_written: str = _NAME
    person_id: str | None = Field(None, max_length=32)
    note: str | None = Field(None, max_length=2000, description="Internal; never in a report")
    line: int | None = Field(None, ge=1, le=100_000)


class ExecutionIn(BaseModel):
    """The filled-in sheet, entered afterwards; a scan of the signed list must be attached first."""

    model_config = ConfigDict(extra="forbid")

    executed_on: str = Field(max_length=10, examples=["2026-11-20"])
    place: str = _NAME
    officer: str = _NAME
    icrc_delegate: str = _NAME
    other_party_officer: str | None = Field(None, max_length=300)
    persons: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list,
        max_length=10_000,
        description="The agreed list; needed only while the exchange model is not installed",
    )
    entries: list[EntryIn] = Field(max_length=10_000)
    unexpected: list[UnexpectedIn] = Field(default_factory=list, max_length=1000)


class ExchangedOut(BaseModel):
    """A man exchanged and his event."""

    person_id: str
    event_id: int


class ExecutionOut(BaseModel):
    """What entering the sheet wrote."""

    exchange_id: str
    exchanged: list[ExchangedOut]
    discrepancies: list[int]
    scans: list[dict[str, Any]]
    warnings: list[str]


class ResolutionIn(BaseModel):
    """An officer's decision on a discrepancy."""

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    reason: str = Field(max_length=2000, description="Internal; never in a report")
    by: str | None = Field(None, max_length=300, description="The officer who decided (default: you)")
    person_id: str | None = Field(None, max_length=200)
    identity: IdentityIn | None = None
    medical_state: MedicalState | None = None
    valuables_packet: str | None = Field(None, max_length=100)
    valuables_note: str | None = Field(None, max_length=500)
    occurred_on: str | None = Field(None, max_length=10)


class ResolutionOut(BaseModel):
    """The discrepancy resolved, and the event if he was exchanged after all."""

    discrepancy_id: int
    outcome: str
    person_id: str | None
    event_id: int | None
    warnings: list[str]


class ReleaseIn(BaseModel):
    """A release of a man we hold to a family member."""

    model_config = ConfigDict(extra="forbid")

    person: str = Field(max_length=200, description="Registry id, SOURCE:person_ref or person_ref")
    consent: bool = Field(description="His own consent to go with his family, recorded")
    consent_form: ConsentForm | None = None
    consent_recorded_on: str | None = Field(None, max_length=10)
    consent_recorded_by: str | None = Field(None, max_length=300)
    identity: IdentityIn | None = None
    family_name: str | None = Field(None, max_length=300)
    relation: str | None = Field(None, max_length=100, examples=["mother"])
    document_type: str | None = Field(None, max_length=100, examples=["passport"])
    document_number: str | None = Field(None, max_length=100)
    relation_evidence: str | None = Field(None, max_length=500)
    released_on: str = Field(max_length=10)
    place: str = _NAME
    released_by: str | None = Field(None, max_length=300, description="Default: you")
    icrc_informed_on: str | None = Field(None, max_length=10)
    icrc_informed_how: InformedHow | None = None
    icrc_note: str | None = _OPTIONAL
    note: str | None = _OPTIONAL
    expected_version: int | None = Field(None, ge=0)


class ReleaseOut(BaseModel):
    """The release recorded, and its event."""

    release_id: int
    person_id: str
    event_id: int
    warnings: list[str]


@router.get(
    "/exchanges/{exchange_id}/execution-sheet",
    summary="The sheet to print and fill in at the border (PDF)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def execution_sheet(
    request: Request,
    session: Negotiator,
    exchange_id: ExchangeId,
    person: Annotated[list[str] | None, Query(max_length=10_000)] = None,
    lang: Annotated[Literal["uk", "ru", "en"], Query()] = "uk",
) -> Response:
    persons = execution.agreed_persons(uow=_read_uow(request), exchange_id=exchange_id, given=person or ())
    document = execution.execution_sheet_pdf(
        uow=_read_uow(request),
        reader=_reader(session, request, exchange_id),
        exchange_id=exchange_id,
        persons=persons,
        language=lang,
    )
    return download(document)


@router.post(
    "/imports/handover-scans/{exchange_id}",
    status_code=201,
    summary="Attach the scan of the signed handover list (the body is the file, streamed to disk)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The scan: a PDF, JPEG, PNG or TIFF file, sent as its own media type or "
            "application/octet-stream (the type is told from the file's first bytes)",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses={413: {"description": "Larger than the upload limit"}, 415: {"description": "Not a scan"}},
)
async def attach_scan(
    request: Request,
    session: Negotiator,
    exchange_id: ExchangeId,
    filename: Annotated[str, Query(min_length=1, max_length=200)] = "handover-list",
) -> dict[str, Any]:
    limit = min(config_of(request).max_upload_bytes, execution.MAX_SCAN_BYTES)
    async with upload_to_disk(request, types=_SCAN_TYPES, prefix="scan-", limit=limit) as path:
        info = await run_in_threadpool(
            execution.attach_scan,
            uow=write_uow(request),
            exchange_id=exchange_id,
            scan=execution.ScanFile(path, filename),
            attached_by=session.staff.name,
        )
    return info.__dict__


@router.post(
    "/exchanges/{exchange_id}/execution",
    status_code=201,
    response_model=ExecutionOut,
    summary="Enter the filled-in sheet, all or nothing: events for every man exchanged, discrepancies",
    responses={409: {"description": "Entered already, a rule refuses it, or a record changed"}},
)
def record_execution(
    request: Request, session: Negotiator, exchange_id: ExchangeId, body: ExecutionIn
) -> ExecutionOut:
    persons = execution.agreed_persons(uow=_read_uow(request), exchange_id=exchange_id, given=body.persons)
    entries = [
        HandoverEntry(
            person_id=e.person_id,
            present=e.present,
            identity=e.identity.check() if e.identity else None,
            medical=e.medical_state,
            valuables=Valuables(e.valuables_packet, e.valuables_note)
            if e.valuables_packet or e.valuables_note
            else None,
            record_version=e.record_version,
            note=e.note,
            line=e.line,
        )
        for e in body.entries
    ]
    result = execution.record_execution(
        uow=write_uow(request),
        exchange_id=exchange_id,
        persons=persons,
        handover=Handover(
            body.executed_on, body.place, body.officer, body.icrc_delegate, body.other_party_officer
        ),
        entries=entries,
        unexpected=[UnexpectedMan(u.name_as_written, u.person_id, u.note, u.line) for u in body.unexpected],
        recorded_by=session.staff.name,
    )
    return ExecutionOut(
        exchange_id=result.exchange_id,
        exchanged=[ExchangedOut(person_id=p, event_id=e) for p, e in result.exchanged],
        discrepancies=result.discrepancies,
        scans=[s.__dict__ for s in result.scans],
        warnings=result.warnings,
    )


@router.get("/exchanges/{exchange_id}/execution", summary="The handover as entered, with its discrepancies")
def execution_view(request: Request, session: Negotiator, exchange_id: ExchangeId) -> dict[str, Any]:
    return execution.execution_view(
        uow=_read_uow(request), reader=_reader(session, request, exchange_id), exchange_id=exchange_id
    )


@router.post(
    "/exchanges/{exchange_id}/discrepancies/{discrepancy_id}/resolution",
    response_model=ResolutionOut,
    summary="Resolve an absent or unexpected man: exchanged after all, or not exchanged",
)
def resolve_discrepancy(
    request: Request,
    session: Negotiator,
    exchange_id: ExchangeId,
    discrepancy_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    body: ResolutionIn,
) -> ResolutionOut:
    valuables = None
    if body.valuables_packet or body.valuables_note:
        valuables = Valuables(body.valuables_packet, body.valuables_note)
    result = execution.resolve_discrepancy(
        uow=write_uow(request),
        exchange_id=exchange_id,
        discrepancy_id=discrepancy_id,
        resolution=Resolution(
            outcome=body.outcome,
            by=body.by or session.staff.name,
            reason=body.reason,
            person_id=body.person_id,
            identity=body.identity.check() if body.identity else None,
            medical=body.medical_state,
            valuables=valuables,
            occurred_on=body.occurred_on,
        ),
        recorded_by=session.staff.name,
    )
    return ResolutionOut(**result.__dict__)


@router.get(
    "/exchanges/{exchange_id}/executed-list",
    summary="The executed list for the other party or the ICRC (CSV or PDF): agreed names only",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/pdf": {}}}},
)
def executed_list(
    request: Request,
    session: ExchangeReaders,
    exchange_id: ExchangeId,
    audience: Annotated[execution.Audience, Query(alias="for")] = execution.Audience.OTHER_PARTY,
    fmt: Annotated[Literal["csv", "pdf"], Query(alias="format")] = "pdf",
    lang: Annotated[Literal["uk", "ru", "en"], Query()] = "uk",
) -> Response:
    if not may_read_executed_list(session.staff.roles, for_icrc=audience is execution.Audience.ICRC):
        raise Problem(403, "the liaison reads the ICRC's executed list only (for=icrc)")
    reader = _reader(session, request, exchange_id)
    if fmt == "csv":
        document = execution.executed_list_csv(
            uow=_read_uow(request), reader=reader, exchange_id=exchange_id, audience=audience
        )
    else:
        document = execution.executed_list_pdf(
            uow=_read_uow(request), reader=reader, exchange_id=exchange_id, audience=audience, language=lang
        )
    return download(document)


@router.post(
    "/releases",
    status_code=201,
    response_model=ReleaseOut,
    summary="Release a man we hold to his family: his consent, both identity checks, the ICRC informed",
    responses={409: {"description": "Refused: no consent, a check missing, or he is not held"}},
)
def release_to_family(request: Request, session: Registrar, body: ReleaseIn) -> ReleaseOut:
    family = None
    if body.family_name or body.relation or body.document_type or body.document_number:
        family = FamilyCheck(
            body.family_name or "",
            body.relation or "",
            body.document_type or "",
            body.document_number or "",
            body.relation_evidence,
        )
    result = execution.release_to_family(
        uow=write_uow(request),
        release=FamilyRelease(
            person_ref=body.person,
            consent=Consent(
                body.consent, body.consent_form, body.consent_recorded_on, body.consent_recorded_by
            ),
            identity=body.identity.check() if body.identity else None,
            family=family,
            released_on=body.released_on,
            place=body.place,
            released_by=body.released_by or session.staff.name,
            icrc_informed_on=body.icrc_informed_on,
            icrc_informed_how=body.icrc_informed_how,
            icrc_note=body.icrc_note,
            note=body.note,
        ),
        recorded_by=session.staff.name,
        expected_version=body.expected_version,
    )
    return ReleaseOut(**result.__dict__)
