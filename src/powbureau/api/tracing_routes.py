"""Tracing over HTTP: inquiries, the review queue, decisions, answers, and the hotline hint."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from powbureau.api.deps import side_uow, write_uow
from powbureau.api.staff import reader_for, require
from powbureau.domain.access import Role
from powbureau.domain.inquiries import Channel, Inquirer, Verification
from powbureau.matching import TraceQuery
from powbureau.services import inquiries, mail, tracing
from powbureau.services.accounts import StaffSession
from powbureau.services.hotline import hotline_hint
from powbureau.store.uow import SqlUnitOfWork

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["tracing"])
Officer = Annotated[StaffSession, Depends(require(Role.TRACING_OFFICER))]
Intake = Annotated[StaffSession, Depends(require(Role.TRACING_OFFICER, Role.HOTLINE_OPERATOR))]
_NAME = Field(None, max_length=200)


def _read_uow(request: Request) -> SqlUnitOfWork:
    return SqlUnitOfWork(request.app.state.engine, write=False)


class Sought(BaseModel):
    """What the inquirer says of the man sought, as written."""

    model_config = ConfigDict(extra="forbid")

    surname: str | None = _NAME
    given_name: str | None = _NAME
    patronymic: str | None = _NAME
    birth_date: str | None = Field(None, max_length=10)
    unit: str | None = _NAME
    service_number: str | None = _NAME
    mother_name: str | None = _NAME
    father_name: str | None = _NAME
    last_seen_on: str | None = Field(None, max_length=10)
    last_seen_place: str | None = _NAME

    def query(self) -> TraceQuery:
        return TraceQuery(**{k: (v or None) for k, v in self.model_dump().items()})


class NewInquiry(BaseModel):
    """An inquiry taken by an officer or at the hotline, with the call's notes."""

    model_config = ConfigDict(extra="forbid")

    sought: Sought
    inquirer_name: str = Field(max_length=200)
    relation: str = Field(max_length=40)
    contact: str = Field(max_length=300)
    channel: Channel = Channel.PHONE
    language: Literal["uk", "ru", "en"] = "uk"
    notes: str = Field("", max_length=4000, description="What the inquirer knows; the call's notes")


class OpenedInquiry(BaseModel):
    """The case the inquiry was filed under."""

    case_id: str
    inquirer_id: int
    new_case: bool
    state: str


class Decision(BaseModel):
    """A tracing officer's decision on a candidate, with what was checked."""

    model_config = ConfigDict(extra="forbid")

    person_ref: str = Field(max_length=200)
    confirm: bool
    checked: list[str] = Field(default_factory=list, max_length=20)
    notes: str = Field("", max_length=4000)


class Countersign(BaseModel):
    """A second officer's confirmation of a match another officer proposed."""

    model_config = ConfigDict(extra="forbid")

    person_ref: str = Field(max_length=200)


class InquirerVerification(BaseModel):
    """How the inquirer's relation was verified."""

    model_config = ConfigDict(extra="forbid")

    how: Verification
    note: str = Field("", max_length=2000)


class HotlineAnswer(BaseModel):
    """Whether anyone may be him, and what to ask the caller; never who, never a state."""

    candidates_exist: bool
    ask_for: list[str]


@router.post("/inquiries", status_code=201, response_model=OpenedInquiry, summary="File an inquiry")
def open_inquiry(request: Request, session: Intake, body: NewInquiry) -> OpenedInquiry:
    inquirer = Inquirer(
        body.inquirer_name, body.relation, body.contact, body.channel, body.language, body.notes
    )
    opened = inquiries.open_inquiry(
        uow=write_uow(request), sought=body.sought.query(), inquirer=inquirer, recorded_by=session.staff.name
    )
    return OpenedInquiry(
        case_id=opened.case_id, inquirer_id=opened.inquirer_id, new_case=opened.new_case, state=opened.state
    )


@router.get("/inquiries", summary="Tracing cases with their age, oldest first")
def list_inquiries(
    request: Request,
    session: Officer,
    state: Annotated[str | None, Query(max_length=24)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    return inquiries.list_cases(
        uow=_read_uow(request), reader=reader_for(session, request), state=state, limit=limit
    )


@router.get("/inquiries/{case_id}", summary="A case: inquirers, candidates with explanations, history")
def show_inquiry(request: Request, session: Officer, case_id: str) -> dict[str, Any]:
    return inquiries.case_view(
        uow=_read_uow(request), reader=reader_for(session, request, case_id=case_id), case_id=case_id
    )


class TracingPrior(BaseModel):
    """The share of family inquiries taken to be about registered men (the engine's prior)."""

    model_config = ConfigDict(extra="forbid")

    registered: float = Field(gt=0, lt=1, description="e.g. the estimate of `powbureau trace prior FILE`")
    reason: str = Field(min_length=1, max_length=300, description="what it was estimated from, or why")


@router.get("/tracing/prior", summary="The prior every family inquiry is scored with, who set it and when")
def tracing_prior(request: Request, session: Officer) -> dict[str, Any]:
    prior = tracing.read_bureau_prior(uow=_read_uow(request))
    return {"prior": None if prior is None else prior.as_dict()}


@router.post("/tracing/prior", summary="Record the share of family inquiries about registered men")
def set_tracing_prior(request: Request, session: Officer, body: TracingPrior) -> dict[str, Any]:
    prior = tracing.record_bureau_prior(
        uow=side_uow(request),
        registered=body.registered,
        inquiries=0,
        estimated_from=body.reason,
        recorded_by=session.staff.name,
    )
    return {"prior": prior.as_dict()}


@router.get("/review-queue", summary="Cases with candidates waiting for an officer")
def review_queue(
    request: Request, session: Officer, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[dict[str, Any]]:
    return inquiries.review_queue(uow=_read_uow(request), reader=reader_for(session, request), limit=limit)


@router.post("/inquiries/{case_id}/decisions", summary="Confirm or reject a candidate")
def decide(request: Request, session: Officer, case_id: str, body: Decision) -> dict[str, str]:
    outcome = inquiries.decide_candidate(
        uow=write_uow(request),
        case_id=case_id,
        person_ref=body.person_ref,
        confirm=body.confirm,
        officer=session.staff.name,
        checked=body.checked,
        notes=body.notes,
        await_second=True,
    )
    return {"case_id": case_id, "outcome": outcome}


@router.post("/inquiries/{case_id}/countersign", summary="Second officer: confirm a proposed match")
def countersign(request: Request, session: Officer, case_id: str, body: Countersign) -> dict[str, str]:
    inquiries.countersign_candidate(
        uow=write_uow(request), case_id=case_id, person_ref=body.person_ref, officer=session.staff.name
    )
    return {"case_id": case_id, "outcome": "confirmed"}


@router.post(
    "/inquiries/{case_id}/inquirers/{inquirer_id}/verification", summary="Record how an inquirer was verified"
)
def verify_inquirer(
    request: Request, session: Officer, case_id: str, inquirer_id: int, body: InquirerVerification
) -> dict[str, str]:
    inquiries.verify_inquirer(
        uow=write_uow(request),
        inquirer_id=inquirer_id,
        how=body.how.value,
        officer=session.staff.name,
        note=body.note,
    )
    return {"case_id": case_id, "verified": body.how.value}


@router.post(
    "/inquiries/{case_id}/inquirers/{inquirer_id}/answer", summary="What this inquirer may be told now"
)
def answer(request: Request, session: Officer, case_id: str, inquirer_id: int) -> dict[str, Any]:
    result = inquiries.answer_case(
        uow=write_uow(request),
        case_id=case_id,
        inquirer_id=inquirer_id,
        officer=session.staff.name,
        reader=reader_for(session, request, case_id=case_id),
    )
    return {
        "case_id": case_id,
        "inquirer_id": inquirer_id,
        "answer": result.answer.kind.value,
        "on": result.answer.on,
        "told_by_a_person": result.answer.by_person,
        "refused": result.refused,
    }


@router.get("/hotline/hint", response_model=HotlineAnswer, summary="As the caller speaks: what to ask him")
def hotline(
    request: Request,
    session: Intake,
    surname: Annotated[str | None, Query(max_length=200)] = None,
    given_name: Annotated[str | None, Query(max_length=200)] = None,
    patronymic: Annotated[str | None, Query(max_length=200)] = None,
    birth_date: Annotated[str | None, Query(max_length=10)] = None,
    unit: Annotated[str | None, Query(max_length=200)] = None,
    service_number: Annotated[str | None, Query(max_length=200)] = None,
) -> HotlineAnswer:
    query = TraceQuery(
        surname=surname or None,
        given_name=given_name or None,
        patronymic=patronymic or None,
        birth_date=birth_date or None,
        unit=unit or None,
        service_number=service_number or None,
    )
    hint = hotline_hint(uow=_read_uow(request), reader=reader_for(session, request), query=query)
    return HotlineAnswer(candidates_exist=hint.candidates_exist, ask_for=list(hint.ask_for))


class Assignment(BaseModel):
    """The tracing officer who answers for the case."""

    model_config = ConfigDict(extra="forbid")

    officer: str = Field(min_length=1, max_length=100)


@router.post("/inquiries/{case_id}/assignment", summary="Give the case to an officer")
def assign(request: Request, session: Officer, case_id: str, body: Assignment) -> dict[str, str]:
    inquiries.assign_case(
        uow=write_uow(request), case_id=case_id, officer=body.officer, by=session.staff.name
    )
    return {"case_id": case_id, "assigned_to": body.officer}


class Transcription(BaseModel):
    """What an officer read in a family's e-mail: the man sought and who asks."""

    model_config = ConfigDict(extra="forbid")

    sought: Sought
    inquirer_name: str = Field(max_length=200)
    relation: str = Field(max_length=40)
    contact: str | None = Field(None, max_length=300)
    language: Literal["uk", "ru", "en"] | None = None
    knows: str = Field("", max_length=4000)
    expected_version: int | None = Field(None, ge=0)


class Rejection(BaseModel):
    """Why a message is no inquiry."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = Field(None, ge=0)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A message as JSON: text and hashes, never raw bytes (HTML is never rendered anyway)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, bytes | bytearray | memoryview):
            continue
        if isinstance(value, list):
            value = [_plain(v) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


@router.get("/mail", summary="E-mails waiting for an officer to transcribe them, oldest first")
def mail_queue(
    request: Request, session: Officer, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[dict[str, Any]]:
    return [_plain(m) for m in mail.transcription_queue(uow=_read_uow(request), limit=limit)]


@router.get("/mail/{key}", summary="One received e-mail: its text, attachments (hashes) and letters")
def mail_message(request: Request, session: Officer, key: str) -> dict[str, Any]:
    return _plain(mail.message_view(uow=_read_uow(request), message_key=key))


@router.post(
    "/mail/{key}/transcription",
    status_code=201,
    response_model=OpenedInquiry,
    summary="File an e-mail as an inquiry (matching runs at once)",
)
def transcribe(request: Request, session: Officer, key: str, body: Transcription) -> OpenedInquiry:
    opened = mail.transcribe_message(
        uow=write_uow(request),
        message_key=key,
        officer=session.staff.name,
        sought=body.sought.model_dump(),
        inquirer_name=body.inquirer_name,
        relation=body.relation,
        contact=body.contact,
        inquirer_language=body.language,
        knows=body.knows,
        expected_version=body.expected_version,
    )
    return OpenedInquiry(
        case_id=opened.case_id, inquirer_id=opened.inquirer_id, new_case=opened.new_case, state=opened.state
    )


@router.post("/mail/{key}/rejection", summary="Set an e-mail aside as no inquiry, saying why")
def reject(request: Request, session: Officer, key: str, body: Rejection) -> dict[str, str]:
    mail.reject_message(
        uow=write_uow(request),
        message_key=key,
        officer=session.staff.name,
        reason=body.reason,
        expected_version=body.expected_version,
    )
    return {"message": key, "state": "rejected"}
