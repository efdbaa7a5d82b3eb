"""Tracing pages for officers: the review queue, inquiries, a case, the side-by-side review
of a candidate, answers with their printable letter, and the e-mail transcription queue.

Every page calls the same services as ``api/tracing_routes.py``; reads of person data go
through a :class:`~powbureau.domain.access.Reader` naming the case, so they are audited.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from powbureau.domain.access import Role
from powbureau.domain.errors import (
    ConcurrentModification,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from powbureau.domain.inquiries import STRONG_DETAILS, CaseState, Verification
from powbureau.i18n import N_
from powbureau.interchange.mail_replies import answer_text
from powbureau.services import inquiries, mail, tracing
from powbureau.services.registry import show_person
from powbureau.web import ui
from powbureau.web.documents import render_pdf
from powbureau.web.ui import Page, staff_page

__all__ = ["DETAIL_LABELS", "SOUGHT_FIELDS", "detail_label", "router"]

router = APIRouter(prefix="/staff", include_in_schema=False)
Officer = Annotated[Page, Depends(staff_page(Role.TRACING_OFFICER))]

_PER_PAGE = 50

#: The sought man's fields as an inquiry gives them, with their labels.
SOUGHT_FIELDS: list[tuple[str, str]] = [
    ("surname", N_("Surname")),
    ("given_name", N_("Given name")),
    ("patronymic", N_("Patronymic")),
    ("birth_date", N_("Birth date")),
    ("unit", N_("Unit")),
    ("service_number", N_("Service number")),
    ("mother_name", N_("Mother's name")),
    ("father_name", N_("Father's name")),
    ("last_seen_on", N_("Last seen on")),
    ("last_seen_place", N_("Last seen at")),
]

#: The engine's names of details (explanations, what would separate namesakes, what to ask).
DETAIL_LABELS: dict[str, str] = {
    "surname": N_("surname"),
    "given name": N_("given name"),
    "patronymic": N_("patronymic"),
    "birth date": N_("birth date"),
    "full birth date": N_("full birth date"),
    "service number": N_("service number"),
    "unit": N_("unit"),
    "mother's name": N_("mother's name"),
    "place of capture": N_("place of capture"),
    "date last seen / captured": N_("date last seen or captured"),
    "place last seen / captured": N_("place last seen or captured"),
}

#: Side by side: (engine's label, row label, inquiry field, record field).
_COMPARED: list[tuple[str | None, str, str, str]] = [
    ("surname", N_("Surname"), "surname", "surname"),
    ("given name", N_("Given name"), "given_name", "given_name"),
    ("patronymic", N_("Patronymic"), "patronymic", "patronymic"),
    ("birth date", N_("Birth date"), "birth_date", "birth_date"),
    ("service number", N_("Service number"), "service_number", "service_number"),
    ("unit", N_("Unit"), "unit", "unit"),
    ("mother's name", N_("Mother's name"), "mother_name", "mother_name"),
    (None, N_("Father's name"), "father_name", "father_name"),
    ("date last seen / captured", N_("Last seen or captured on"), "last_seen_on", "captured_on"),
    ("place last seen / captured", N_("Last seen or captured at"), "last_seen_place", "capture_place"),
]

#: What an officer may record as checked (``decide_candidate``'s ``checked``).
CHECKS: list[tuple[str, str]] = [
    ("surname", N_("Surname")),
    ("given_name", N_("Given name")),
    ("birth_year", N_("Birth year")),
    ("birth_date_full", N_("Full birth date")),
    ("patronymic", N_("Patronymic")),
    ("service_number", N_("Service number")),
    ("unit", N_("Unit")),
    ("mother_name", N_("Mother's name")),
    ("father_name", N_("Father's name")),
    ("capture_place", N_("Place of capture")),
    ("photo", N_("Photograph")),
    ("document", N_("Identity document")),
    ("family_detail", N_("A detail only the family knows")),
]

VERIFICATIONS: list[tuple[str, str]] = [
    (Verification.CALL_BACK.value, N_("Called back on a known number")),
    (Verification.FAMILY_DETAIL.value, N_("A detail only the family knows")),
    (Verification.DOCUMENT.value, N_("A document")),
]

ANSWER_WORDS: dict[str, str] = {
    "held": N_("held"),
    "released": N_("released"),
    "exchanged": N_("exchanged"),
    "repatriated": N_("repatriated"),
    "deceased": N_("to be told by a person: please contact us"),
    "no_information_yet": N_("no information yet"),
}

_AGES = [(7, N_("older than a week")), (30, N_("older than a month")), (90, N_("older than three months"))]


def detail_label(page: Page, detail: str) -> str:
    """The engine's name of a detail in the reader's language."""
    key = detail.split(" (")[0]
    text = DETAIL_LABELS.get(key)
    return page.gettext(text) if text else detail


async def _form(page: Page) -> dict[str, Any]:
    """The posted form: single values as text, the ``checked`` boxes as a list."""
    values = await page.form_lists()
    return {k: v if k == "checked" else (v[0] if v else "") for k, v in values.items()}


def _error_text(page: Page, exc: Exception) -> str:
    if isinstance(exc, InvalidInput):
        known = {
            "checked": N_("Record what was checked to confirm the match."),
            "officer": N_("Name the officer."),
            "reason": N_("Say why the message is not an inquiry."),
            "surname": N_("Give the sought man's name or service number."),
            "inquirer_contact": N_("Give a way to answer the inquirer."),
            "inquirer_name": N_("Name the inquirer and his relation."),
            "how": N_("Choose how the inquirer was verified."),
        }
        if exc.field in known:
            return page.gettext(known[exc.field])
    if isinstance(exc, ConcurrentModification):
        return page.gettext("Someone else changed this meanwhile. Open the page again.") + f" ({exc})"
    return str(exc)


# --- the review queue -----------------------------------------------------------------------
def _queue_page(
    page: Page,
    *,
    estimate: Any = None,
    error: str = "",
    notice: str = "",
    status: int = 200,
) -> HTMLResponse:
    cases = inquiries.review_queue(uow=page.uow(write=False), reader=page.reader(), limit=200)
    now = datetime.now(UTC)
    return page.render(
        "staff/tracing/queue.html",
        status=status,
        cases=[{**c, "age_days": (now - _stamp(c["opened_at"])).days} for c in cases],
        prior=tracing.read_bureau_prior(uow=page.uow(write=False)),
        estimate=estimate,
        prior_error=error,
        prior_notice=notice,
    )


@router.get("/tracing", response_class=HTMLResponse)
def review_queue(page: Officer) -> HTMLResponse:
    """Cases with candidates waiting for an officer, oldest first, with their age; the prior
    the probabilities assume, and the form to estimate it again from the cases."""
    return _queue_page(page, notice=page.request.query_params.get("prior", "")[:20])


#: What the prior recorded from the web UI says it was estimated from (as ``trace prior --cases``).
_FROM_CASES = "the tracing cases"
#: How far the share may move between the estimate shown and the one recorded (0.05 points).
_SAME_SHARE = 0.0005


@router.post("/tracing/prior/estimate", response_class=HTMLResponse)
def estimate_prior(page: Officer) -> HTMLResponse:
    """Estimate from the bureau's tracing cases how many family inquiries are about registered
    men (as ``trace prior --cases``); nothing is recorded yet, nobody is named."""
    try:
        estimate = inquiries.estimate_prior_from_cases(uow=page.uow(write=False))
    except InvalidInput:
        return _queue_page(
            page, error=page.gettext("There are no tracing cases to estimate from yet."), status=422
        )
    return _queue_page(page, estimate=estimate)


@router.post("/tracing/prior", response_class=HTMLResponse)
async def record_prior(page: Officer) -> Response:
    """Record the estimate from the cases as the bureau's prior (as ``trace prior --cases
    --apply``): estimated again, and recorded only if it is still the share the officer saw."""
    values = await page.form(limit=40)
    try:
        seen = float(values.get("seen", ""))
    except ValueError:
        seen = -1.0
    try:
        estimate = inquiries.estimate_prior_from_cases(uow=page.uow(write=False))
    except InvalidInput:
        return _queue_page(
            page, error=page.gettext("There are no tracing cases to estimate from yet."), status=422
        )
    if abs(estimate.registered - seen) > _SAME_SHARE:
        message = page.gettext(
            "The cases changed since the estimate you saw: here is the new one. Record it if it holds."
        )
        return _queue_page(page, estimate=estimate, error=message, status=409)
    tracing.record_bureau_prior(
        uow=page.side_uow(),
        registered=estimate.registered,
        inquiries=estimate.inquiries,
        estimated_from=_FROM_CASES,
        recorded_by=page.user,
    )
    return page.redirect("/staff/tracing?prior=recorded#prior")


def _stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- inquiries ----------------------------------------------------------------------------
@router.get("/inquiries", response_class=HTMLResponse)
def list_inquiries(
    page: Officer,
    q: str = "",
    state: str = "",
    older: int = 0,
    p: int = 1,
) -> HTMLResponse:
    """The inquiries: search by case id or the sought surname, filter by state and age, paged."""
    states = [s.value for s in CaseState]
    p = max(p, 1)
    rows = inquiries.list_cases(
        uow=page.uow(write=False),
        reader=page.reader(),
        state=state if state in states else None,
        limit=_PER_PAGE + 1,
        offset=(p - 1) * _PER_PAGE,
        search=q[:200] or None,
        older_than_days=older if older > 0 else None,
    )
    for row in rows:
        row["sought_view"] = json.loads(row["sought"])
    return page.render(
        "staff/tracing/inquiries.html",
        rows=rows[:_PER_PAGE],
        more=len(rows) > _PER_PAGE,
        p=p,
        q=q,
        state=state,
        older=older,
        states=[(s, page.label("case", s)) for s in states],
        ages=[(str(days), page.gettext(text)) for days, text in _AGES],
    )


def _answers(history: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The last answer recorded for each inquirer of a case."""
    out: dict[int, dict[str, Any]] = {}
    for entry in history:
        if entry["action"] == "answered":
            out[int(entry["detail"]["inquirer"])] = {**entry["detail"], "at": entry["at"]}
    return out


def _proposals(history: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Confirmations waiting for a second officer, by person."""
    out: dict[str, dict[str, Any]] = {}
    for entry in history:
        if entry["action"] == "confirmation_proposed":
            out[entry["detail"]["person_id"]] = entry["detail"]
        elif entry["action"] == "match_confirmed":
            out.pop(entry["detail"]["person_id"], None)
    return out


def _case_page(
    page: Page,
    case_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    notice: str = "",
    status: int = 200,
) -> HTMLResponse:
    view = inquiries.case_view(
        uow=page.uow(write=False), reader=page.reader(case_id=case_id), case_id=case_id
    )
    proposals = _proposals(view["history"])
    return page.render(
        "staff/tracing/case.html",
        status=status,
        case=view,
        sought=[(page.gettext(label), view["sought"].get(key)) for key, label in SOUGHT_FIELDS],
        answers=_answers(view["history"]),
        proposals=proposals,
        verifications=[(k, page.gettext(t)) for k, t in VERIFICATIONS],
        answer_words={k: page.gettext(t) for k, t in ANSWER_WORDS.items()},
        errors=errors or {},
        values=values or {},
        notice=notice,
    )


@router.get("/inquiries/{case_id}", response_class=HTMLResponse)
def show_case(page: Officer, case_id: str) -> HTMLResponse:
    """A case: the man as asked, inquirers, candidates, answers, the log and the assignment."""
    return _case_page(page, case_id)


@router.post("/inquiries/{case_id}/assignment", response_class=HTMLResponse)
async def assign(page: Officer, case_id: str) -> Response:
    """Give the case to an officer."""
    form = await _form(page)
    officer = str(form.get("officer", "")).strip()[:100]
    try:
        inquiries.assign_case(uow=page.uow(), case_id=case_id, officer=officer, by=page.user)
    except InvalidInput as exc:
        return _case_page(page, case_id, errors={"officer": _error_text(page, exc)}, values=form, status=422)
    return page.redirect(f"/staff/inquiries/{case_id}")


@router.post("/inquiries/{case_id}/inquirers/{inquirer_id}/verification", response_class=HTMLResponse)
async def verify(page: Officer, case_id: str, inquirer_id: int) -> Response:
    """Record how an inquirer's relation was verified."""
    form = await _form(page)
    try:
        inquiries.verify_inquirer(
            uow=page.uow(),
            inquirer_id=inquirer_id,
            how=str(form.get("how", "")),
            officer=page.user,
            note=str(form.get("note", ""))[:2000],
        )
    except InvalidInput as exc:
        return _case_page(
            page,
            case_id,
            errors={f"how-{inquirer_id}": _error_text(page, exc)},
            values=form,
            status=422,
        )
    return page.redirect(f"/staff/inquiries/{case_id}")


@router.post("/inquiries/{case_id}/inquirers/{inquirer_id}/answer", response_class=HTMLResponse)
def answer(page: Officer, case_id: str, inquirer_id: int) -> Response:
    """Decide and record what this inquirer may be told now."""
    try:
        inquiries.answer_case(
            uow=page.uow(),
            case_id=case_id,
            inquirer_id=inquirer_id,
            officer=page.user,
            reader=page.reader(case_id=case_id),
        )
    except (InvalidInput, RuleViolation) as exc:
        return _case_page(page, case_id, errors={f"answer-{inquirer_id}": _error_text(page, exc)}, status=409)
    return page.redirect(f"/staff/inquiries/{case_id}#inquirer-{inquirer_id}")


@router.get("/inquiries/{case_id}/letters/{inquirer_id}.pdf")
def answer_letter(page: Officer, case_id: str, inquirer_id: int) -> Response:
    """The answer recorded for an inquirer, as a printable letter in his language.

    The letter says only what :func:`~powbureau.interchange.mail_replies.answer_text`
    allows (a death is never written); a withheld answer prints nothing.
    """
    recorded = inquiries.recorded_answer(
        uow=page.uow(write=False),
        reader=page.reader(case_id=case_id),
        case_id=case_id,
        inquirer_id=inquirer_id,
    )
    if recorded.refused:
        raise ui.PageRefused(
            409,
            page.gettext("The answer is withheld; no letter may be printed.") + f" ({recorded.refused})",
        )
    subject, body = answer_text(
        recorded.answer,
        lang=recorded.language,
        case_id=case_id,
        person=recorded.person,
        today=_stamp(recorded.at).date(),
        to_name=recorded.inquirer_name,
    )
    paragraphs = [" ".join(line.strip() for line in p.split("\n")) for p in body.strip().split("\n\n")]
    pdf = render_pdf(
        "documents/answer_letter.html",
        recorded.language,
        subject=subject,
        paragraphs=paragraphs,
        case_id=case_id,
        letter_date=recorded.at[:10],
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="answer-{case_id}-{inquirer_id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


# --- one candidate, side by side ------------------------------------------------------------
def _comparison(
    page: Page, sought: dict[str, Any], record: dict[str, Any], explanation: dict[str, Any]
) -> list[dict[str, Any]]:
    outcome_of: dict[str, str] = {}
    for outcome in ("agreed", "disagreed", "missing"):
        for text in explanation.get(outcome, []):
            outcome_of[str(text).split(" (")[0]] = outcome
    rows = []
    for engine_label, label, asked, recorded in _COMPARED:
        mine, theirs = sought.get(asked), record.get(recorded)
        outcome = outcome_of.get(engine_label or "", "missing")
        if outcome == "missing" and mine and theirs and engine_label is None:
            outcome = "not_compared"
        rows.append(
            {
                "label": page.gettext(label),
                "asked": mine,
                "recorded": theirs,
                "hidden": recorded not in record and recorded != "person_id",
                "outcome": outcome,
                "word": {
                    "agreed": page.gettext("agrees"),
                    "disagreed": page.gettext("differs"),
                    "missing": page.gettext("not given"),
                    "not_compared": page.gettext("not compared"),
                }[outcome],
                "css": {"agreed": "agree", "disagreed": "disagree"}.get(outcome, ""),
            }
        )
    return rows


def _review_page(
    page: Page,
    case_id: str,
    person_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    reader = page.reader(case_id=case_id)
    view = inquiries.case_view(uow=page.uow(write=False), reader=reader, case_id=case_id)
    candidate = next((c for c in view["candidates"] if c["person_id"] == person_id), None)
    if candidate is None:
        raise NotFound(f"{person_id} is no candidate of case {case_id}")
    person = show_person(uow=page.uow(write=False), reader=reader, ref=person_id)
    record = ui.visible({**person.row}, page.person_fields())
    explanation = candidate["explanation"]
    proposal = _proposals(view["history"]).get(person_id)
    return page.render(
        "staff/tracing/review.html",
        status=status,
        case=view,
        candidate=candidate,
        record=record,
        rows=_comparison(page, view["sought"], record, explanation),
        notes=explanation.get("notes", []),
        separating=[detail_label(page, d) for d in explanation.get("separating", [])],
        cannot_tell_apart=explanation.get("cannot_tell_apart", []),
        possible_duplicates=explanation.get("possible_duplicates", []),
        proposal=proposal,
        checks=[(k, page.gettext(t), k in STRONG_DETAILS) for k, t in CHECKS],
        errors=errors or {},
        values=values or {"checked": []},
        open_case=CaseState(view["state"]) not in (CaseState.ANSWERED, CaseState.CLOSED),
    )


@router.get("/inquiries/{case_id}/candidates/{person_id}", response_class=HTMLResponse)
def review(page: Officer, case_id: str, person_id: str) -> HTMLResponse:
    """The inquiry against the candidate's record, with the decision form."""
    return _review_page(page, case_id, person_id)


@router.post("/inquiries/{case_id}/candidates/{person_id}/decision", response_class=HTMLResponse)
async def decide(page: Officer, case_id: str, person_id: str) -> Response:
    """Confirm or reject a candidate, recording what was checked."""
    form = await _form(page)
    choice = str(form.get("decision", ""))
    checked = [c for c in form.get("checked", []) if c in dict(CHECKS)]
    form["checked"] = checked
    if choice not in ("confirm", "reject"):
        return _review_page(
            page,
            case_id,
            person_id,
            errors={"decision": page.gettext("Choose to confirm or to reject.")},
            values=form,
            status=422,
        )
    try:
        outcome = inquiries.decide_candidate(
            uow=page.uow(),
            case_id=case_id,
            person_ref=person_id,
            confirm=choice == "confirm",
            officer=page.user,
            checked=checked,
            notes=str(form.get("notes", ""))[:4000],
            await_second=True,
        )
    except (InvalidInput, RuleViolation) as exc:
        field = "checked" if isinstance(exc, InvalidInput) and exc.field == "checked" else "decision"
        return _review_page(
            page, case_id, person_id, errors={field: _error_text(page, exc)}, values=form, status=422
        )
    if outcome == "awaiting_second_officer":
        return page.redirect(f"/staff/inquiries/{case_id}/candidates/{person_id}")
    return page.redirect(f"/staff/inquiries/{case_id}")


@router.post("/inquiries/{case_id}/candidates/{person_id}/countersign", response_class=HTMLResponse)
def countersign(page: Officer, case_id: str, person_id: str) -> Response:
    """A second officer confirms the match another officer proposed."""
    try:
        inquiries.countersign_candidate(
            uow=page.uow(), case_id=case_id, person_ref=person_id, officer=page.user
        )
    except (InvalidInput, NotFound, RuleViolation, PermissionDenied) as exc:
        return _review_page(
            page, case_id, person_id, errors={"countersign": _error_text(page, exc)}, status=409
        )
    return page.redirect(f"/staff/inquiries/{case_id}")


# --- e-mail -------------------------------------------------------------------------------
@router.get("/mail", response_class=HTMLResponse)
def mail_queue(page: Officer) -> HTMLResponse:
    """E-mails waiting for an officer to transcribe them, oldest first."""
    messages = mail.transcription_queue(uow=page.uow(write=False), limit=200)
    return page.render("staff/tracing/mail_queue.html", messages=messages)


def _message_page(
    page: Page,
    key: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    message = mail.message_view(uow=page.uow(write=False), message_key=key)
    return page.render(
        "staff/tracing/mail_message.html",
        status=status,
        message=message,
        sought_fields=[(k, page.gettext(t)) for k, t in SOUGHT_FIELDS],
        inquirer_languages=[("uk", "Українська"), ("ru", "Русский"), ("en", "English")],
        errors=errors or {},
        values=values or {"language": message.get("language") or ""},
    )


@router.get("/mail/{key}", response_class=HTMLResponse)
def mail_message(page: Officer, key: str) -> HTMLResponse:
    """One message as plain text beside the transcription and rejection forms."""
    return _message_page(page, key)


@router.post("/mail/{key}/transcription", response_class=HTMLResponse)
async def transcribe(page: Officer, key: str) -> Response:
    """File the message as an inquiry (matched at once)."""
    form = await _form(page)
    sought = {k: (str(form.get(k, "")).strip()[:200] or None) for k, _ in SOUGHT_FIELDS}
    language = str(form.get("language", ""))
    version = str(form.get("version", ""))
    try:
        opened = mail.transcribe_message(
            uow=page.uow(),
            message_key=key,
            officer=page.user,
            sought=sought,
            inquirer_name=str(form.get("inquirer_name", ""))[:200],
            relation=str(form.get("relation", ""))[:40],
            contact=str(form.get("contact", "")).strip()[:300] or None,
            inquirer_language=language if language in ("uk", "ru", "en") else None,
            knows=str(form.get("knows", ""))[:4000],
            expected_version=int(version) if version.isdigit() else None,
        )
    except InvalidInput as exc:
        field = (
            exc.field if exc.field in {k for k, _ in SOUGHT_FIELDS} | {"inquirer_name"} else "transcription"
        )
        return _message_page(page, key, errors={field: _error_text(page, exc)}, values=form, status=422)
    except (RuleViolation, ConcurrentModification) as exc:
        return _message_page(
            page, key, errors={"transcription": _error_text(page, exc)}, values=form, status=409
        )
    return page.redirect(f"/staff/inquiries/{opened.case_id}")


@router.post("/mail/{key}/rejection", response_class=HTMLResponse)
async def reject(page: Officer, key: str) -> Response:
    """Set the message aside as no inquiry, saying why."""
    form = await _form(page)
    version = str(form.get("version", ""))
    try:
        mail.reject_message(
            uow=page.uow(),
            message_key=key,
            officer=page.user,
            reason=str(form.get("reason", ""))[:2000],
            expected_version=int(version) if version.isdigit() else None,
        )
    except (InvalidInput, RuleViolation, ConcurrentModification) as exc:
        return _message_page(page, key, errors={"reason": _error_text(page, exc)}, values=form, status=422)
    return page.redirect("/staff/mail")
