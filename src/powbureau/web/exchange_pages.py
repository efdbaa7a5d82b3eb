"""The exchange negotiator's pages: exchanges, the other party's lists and their rows, the
proposal, and the handover entered afterwards with its discrepancies.

They call the same services as ``api/exchange_routes.py`` and ``api/execution_routes.py``,
with the same roles; the liaison reads the list of exchanges and the executed lists.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from powbureau.api.deps import config_of, download
from powbureau.domain.access import EXCHANGE_READERS, Role, may_read_executed_list
from powbureau.domain.errors import (
    ConcurrentModification,
    Conflict,
    InvalidInput,
    NotFound,
    PowBureauError,
    RuleViolation,
)
from powbureau.domain.exchanges import (
    Criterion,
    ExchangeState,
    Formula,
    FormulaKind,
    MedicalCategory,
    exchange_moves,
    proposal_editable,
)
from powbureau.domain.execution import (
    CHECKABLE_FIELDS,
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
from powbureau.domain.people import IDENTITY_FIELDS
from powbureau.i18n import N_
from powbureau.services import exchanges, execution
from powbureau.web.ui import Page, PageRefused, UploadLimit, staff_page

__all__ = ["router"]

router = APIRouter(prefix="/staff", include_in_schema=False)
Negotiator = Annotated[Page, Depends(staff_page(Role.EXCHANGE_NEGOTIATOR))]
Readers = Annotated[Page, Depends(staff_page(*EXCHANGE_READERS))]
Settlers = Annotated[Page, Depends(staff_page(Role.EXCHANGE_NEGOTIATOR, Role.TRACING_OFFICER))]

_SCAN_MAX = execution.MAX_SCAN_BYTES
#: The moves offered as buttons (``executed`` is recorded with the handover, never by hand).
_MOVES = {
    ExchangeState.NEGOTIATING: N_("Start negotiating"),
    ExchangeState.AGREED: N_("Agree the list"),
    ExchangeState.CLOSED: N_("Close the exchange"),
}
_REOPEN = N_("Reopen the negotiation")
_STATUSES = ("matched", "ambiguous", "not_held", "already_released", "deceased")
#: The record's fields an identity may be checked against, in the record's order.
_CHECKABLE = tuple(f for f in IDENTITY_FIELDS if f in CHECKABLE_FIELDS)


# ---------------------------------------------------------------------------------------
# Reading forms and uploads


@contextmanager
def _saved(upload: UploadFile, *, folder: Path, limit: int) -> Iterator[Path]:
    """The uploaded file copied to its own folder under its (cleaned) name; removed after."""
    folder.mkdir(parents=True, exist_ok=True)
    where = Path(tempfile.mkdtemp(prefix="ui-upload-", dir=folder))
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(upload.filename or "upload").name)[:120] or "upload"
    path = where / (name if not name.startswith(".") else f"upload{name}")
    try:
        size = 0
        upload.file.seek(0)
        with path.open("wb") as out:
            while chunk := upload.file.read(1024 * 1024):
                size += len(chunk)
                if size > limit:
                    raise InvalidInput("the file is larger than uploads here may be", field="file")
                out.write(chunk)
        yield path
    finally:
        shutil.rmtree(where, ignore_errors=True)


async def _upload(request: Request, name: str) -> UploadFile | None:
    form = await request.form()
    value = form.get(name)
    if isinstance(value, UploadFile) and value.filename:
        return value
    return None


def _field_of(exc: PowBureauError, default: str) -> str:
    return getattr(exc, "field", None) or default


# ---------------------------------------------------------------------------------------
# The exchanges


def _formula_from(values: dict[str, str]) -> Formula:
    """The formula of a form: the count only for one for one, the numbers per category only
    for that formula (the other fields may still hold what was typed before switching)."""
    kind = values.get("formula", "")
    count_text = values.get("count", "").strip()
    count: int | None = None
    if kind == FormulaKind.ONE_FOR_ONE and count_text:
        if not count_text.isdigit():
            raise InvalidInput("the number of men is a whole number", field="count")
        count = int(count_text)
    per_category: dict[str, int] = {}
    for category in MedicalCategory:
        text = values.get(f"n_{category.value}", "").strip()
        if text and kind == FormulaKind.PER_CATEGORY:
            if not text.isdigit():
                raise InvalidInput("numbers per category are whole numbers", field="per_category")
            per_category[category.value] = int(text)
    return Formula.of(kind, count=count, per_category=per_category or None)


def _exchanges_page(
    page: Page,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    state = page.request.query_params.get("state") or None
    if state not in {s.value for s in ExchangeState}:
        state = None
    rows = exchanges.list_exchanges(uow=page.uow(write=False), state=state)
    return page.render(
        "staff/exchanges/list.html",
        status=status,
        exchanges=rows,
        state=state or "",
        states=[(s.value, page.label("exchange", s.value)) for s in ExchangeState],
        formulas=[(k.value, page.label("formula", k.value)) for k in FormulaKind],
        criteria=[(c.value, page.label("criterion", c.value)) for c in Criterion],
        categories=[(c.value, page.label("medical", c.value)) for c in MedicalCategory],
        values=values or {"formula": "one_for_one"},
        chosen_criteria=(values or {}).get("criteria_list", "").split(),
        errors=errors or {},
        can_create=page.has(Role.EXCHANGE_NEGOTIATOR),
    )


@router.get("/exchanges", response_class=HTMLResponse)
def exchange_list(page: Readers) -> HTMLResponse:
    """Exchanges with their state, formula, date and officer; a form to create one."""
    return _exchanges_page(page)


@router.post("/exchanges", response_class=HTMLResponse)
async def create(page: Negotiator) -> Response:
    """Record a proposed exchange; go to its overview."""
    values = await page.form()
    chosen = (await page.form_lists()).get("criteria", [])
    values["criteria_list"] = " ".join(chosen)
    try:
        exchange_id = exchanges.create_exchange(
            uow=page.uow(),
            party=values.get("party", "")[:200],
            formula=_formula_from(values),
            created_by=page.user,
            power=values.get("power", "").strip().upper() or None,
            title=values.get("title", "")[:200] or None,
            criteria=chosen,
            planned_on=values.get("planned_on", "").strip() or None,
            place=values.get("place", "")[:500] or None,
            assigned_to=values.get("assigned_to", "").strip()[:100] or None,
        )
    except InvalidInput as exc:
        return _exchanges_page(page, values=values, errors={_field_of(exc, "party"): str(exc)}, status=422)
    return page.redirect(f"/staff/exchanges/{exchange_id}")


def _overview(
    page: Page,
    exchange_id: str,
    *,
    errors: dict[str, str] | None = None,
    notice: str = "",
    request_values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = exchanges.exchange_view(
        uow=page.uow(write=False), reader=page.reader(case_id=exchange_id[:32]), exchange_id=exchange_id
    )
    current = ExchangeState(view["state"])
    moves = [
        (
            s.value,
            page.gettext(
                _REOPEN if s is ExchangeState.NEGOTIATING and current is ExchangeState.AGREED else text
            ),
        )
        for s, text in _MOVES.items()
        if s in exchange_moves(current)
    ]
    return page.render(
        "staff/exchanges/overview.html",
        status=status,
        ex=view,
        moves=moves,
        errors=errors or {},
        notice=notice or page.request.query_params.get("done", ""),
        executed=current in (ExchangeState.EXECUTED, ExchangeState.CLOSED),
        agreed=current is ExchangeState.AGREED,
        closed=current is ExchangeState.CLOSED,
        request_values=request_values or {},
    )


@router.get("/exchanges/{exchange_id}", response_class=HTMLResponse)
def overview(page: Negotiator, exchange_id: str) -> HTMLResponse:
    """Terms, state and the moves it may make, the officer, the other party's lists."""
    return _overview(page, exchange_id)


@router.post("/exchanges/{exchange_id}/state", response_class=HTMLResponse)
async def move(page: Negotiator, exchange_id: str) -> Response:
    """Move the exchange (agreeing freezes the list); a refusal is shown with its reason."""
    values = await page.form()
    version = values.get("version", "")
    try:
        exchanges.move_exchange(
            uow=page.uow(),
            exchange_id=exchange_id,
            to=values.get("to", ""),
            by=page.user,
            reason=values.get("reason", "")[:2000],
            expected_version=int(version) if version.isdigit() else None,
        )
    except (InvalidInput, RuleViolation, Conflict) as exc:
        return _overview(page, exchange_id, errors={"state": str(exc)}, status=409)
    return page.redirect(f"/staff/exchanges/{exchange_id}")


@router.post("/exchanges/{exchange_id}/assignment", response_class=HTMLResponse)
async def assign(page: Negotiator, exchange_id: str) -> Response:
    """Give the exchange to the officer who answers for it."""
    values = await page.form()
    try:
        exchanges.assign_exchange(
            uow=page.uow(), exchange_id=exchange_id, officer=values.get("officer", "")[:100], by=page.user
        )
    except (InvalidInput, Conflict) as exc:
        return _overview(page, exchange_id, errors={"officer": str(exc)}, status=422)
    return page.redirect(f"/staff/exchanges/{exchange_id}")


# ---------------------------------------------------------------------------------------
# The terms, changed after creation


def _term_values(ex: dict[str, Any]) -> dict[str, str]:
    """The terms form filled with the exchange as it is now."""
    formula = ex["formula"]
    values = {
        "formula": formula["kind"],
        "count": str(formula["count"] or ""),
        "power": ex["power"] or "",
        "planned_on": ex["planned_on"] or "",
        "place": ex["place"] or "",
        "version": str(ex["version"]),
        "criteria_list": " ".join(ex["criteria"]),
    }
    values.update({f"n_{k}": str(n) for k, n in (formula["per_category"] or {}).items()})
    return values


def _term_changes(ex: dict[str, Any], values: dict[str, str], chosen: list[str]) -> dict[str, Any]:
    """What the form changes, as :func:`exchanges.set_terms` takes it: the formula, criteria
    and Power only while the proposal may change, the date and place until the end."""
    changes: dict[str, Any] = {}
    if proposal_editable(ExchangeState(ex["state"])):
        formula = _formula_from(values)
        if formula.as_dict() != ex["formula"]:
            changes["formula"] = formula
        if chosen != list(ex["criteria"]):
            changes["criteria"] = chosen
        power = values.get("power", "").strip().upper()[:2]
        if power != (ex["power"] or ""):
            changes["power"] = power
    for key, most in (("planned_on", 10), ("place", 500)):
        typed = values.get(key, "").strip()[:most]
        if typed != (ex[key] or ""):
            changes[key] = typed
    return changes


def _terms_page(
    page: Page,
    exchange_id: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    ex = exchanges.exchange_summary(uow=page.uow(write=False), exchange_id=exchange_id)
    shown = values or _term_values(ex)
    return page.render(
        "staff/exchanges/terms.html",
        status=status,
        ex=ex,
        values=shown,
        chosen_criteria=shown.get("criteria_list", "").split(),
        errors=errors or {},
        editable=proposal_editable(ExchangeState(ex["state"])),
        closed=ExchangeState(ex["state"]) is ExchangeState.CLOSED,
        formulas=[(k.value, page.label("formula", k.value)) for k in FormulaKind],
        criteria=[(c.value, page.label("criterion", c.value)) for c in Criterion],
        categories=[(c.value, page.label("medical", c.value)) for c in MedicalCategory],
    )


@router.get("/exchanges/{exchange_id}/terms", response_class=HTMLResponse)
def terms_form(page: Negotiator, exchange_id: str) -> HTMLResponse:
    """The terms as they are, in a form to change them with a reason."""
    return _terms_page(page, exchange_id)


@router.post("/exchanges/{exchange_id}/terms", response_class=HTMLResponse)
async def change_terms(page: Negotiator, exchange_id: str) -> Response:
    """Change the formula, criteria, Power (before agreement), date or place, saying why;
    refused if someone changed the exchange since the form was opened (what was typed stays)."""
    values = await page.form()
    chosen = (await page.form_lists()).get("criteria", [])
    values["criteria_list"] = " ".join(chosen)
    version = values.get("version", "")
    reason = values.get("reason", "")[:2000]
    try:
        if not reason.strip():
            raise InvalidInput(
                page.gettext("Say why the terms change: the reason stays in the exchange's history."),
                field="reason",
            )
        ex = exchanges.exchange_summary(uow=page.uow(write=False), exchange_id=exchange_id)
        changes = _term_changes(ex, values, chosen)
        if not changes:
            raise InvalidInput(page.gettext("Nothing to change: the terms are as they were."), field="terms")
        exchanges.set_terms(
            uow=page.uow(),
            exchange_id=exchange_id,
            by=page.user,
            expected_version=int(version) if version.isdigit() else None,
            reason=reason,
            **changes,
        )
    except ConcurrentModification as exc:
        current = exchanges.exchange_summary(uow=page.uow(write=False), exchange_id=exchange_id)
        kept = {**values, "version": str(current["version"])}
        message = page.gettext(
            "Someone changed this exchange after you opened the form. Its terms as they are now "
            "are shown above; your entry is kept: send it again if it still holds."
        )
        return _terms_page(page, exchange_id, values=kept, errors={"terms": f"{message} ({exc})"}, status=409)
    except (InvalidInput, RuleViolation, Conflict) as exc:
        field = _field_of(exc, "terms")
        known = ("formula", "count", "per_category", "criteria", "power", "planned_on", "place", "reason")
        errors = {field if field in known else "terms": str(exc)}
        return _terms_page(page, exchange_id, values=values, errors=errors, status=422)
    return page.redirect(f"/staff/exchanges/{exchange_id}#log")


# ---------------------------------------------------------------------------------------
# Our own request list


@router.post("/exchanges/{exchange_id}/our-request", response_class=HTMLResponse)
async def our_request(page: Negotiator, exchange_id: str) -> Response:
    """Write the next version of our request list: our own people we ask the other party for,
    named by registry id or reference, taken off, or every one reported held by the other side."""
    values = await page.form()
    add = values.get("add", "").replace(",", " ").split()[:1000]
    remove = values.get("remove", "").replace(",", " ").split()[:1000]
    try:
        done = exchanges.request_our_people(
            uow=page.uow(),
            exchange_id=exchange_id,
            by=page.user,
            add=add,
            remove=remove,
            all_reported_held=values.get("all_reported_held") == "1",
        )
    except (InvalidInput, RuleViolation, Conflict, NotFound) as exc:
        return _overview(
            page,
            exchange_id,
            errors={"request": str(exc)},
            request_values={"add": values.get("add", ""), "remove": values.get("remove", "")},
            status=422,
        )
    return page.redirect(f"/staff/exchanges/{exchange_id}/lists/{done.list_name}?version={done.version}")


@router.post("/uploads/exchanges/{exchange_id}/lists", response_class=HTMLResponse)
async def upload_list(limit: UploadLimit, page: Negotiator, exchange_id: str) -> Response:
    """Take in the next version of one of the other party's lists (exchange-list.csv)."""
    values = await page.form()
    upload = await _upload(page.request, "file")
    if upload is None:
        return _overview(
            page, exchange_id, errors={"file": page.gettext("Choose the list's file.")}, status=422
        )
    config = config_of(page.request)
    try:
        with _saved(upload, folder=config.upload_dir, limit=config.max_upload_bytes) as path:
            done = await run_in_threadpool(
                exchanges.import_list,
                uow=page.uow(),
                reader=page.reader(case_id=exchange_id[:32]),
                exchange_id=exchange_id,
                path=path,
                imported_by=page.user,
                list_name=values.get("list", "").strip() or None,
                encoding=values.get("encoding", "").strip() or None,
                dated=values.get("dated", "").strip() or None,
            )
    except (InvalidInput, RuleViolation, Conflict) as exc:
        return _overview(page, exchange_id, errors={_field_of(exc, "file"): str(exc)}, status=422)
    return page.redirect(f"/staff/exchanges/{exchange_id}/lists/{done.list_name}?version={done.version}")


# ---------------------------------------------------------------------------------------
# A list's rows and settling them


def _list_page(
    page: Page,
    exchange_id: str,
    list_name: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    params = page.request.query_params
    number_text = params.get("version", "")
    number = int(number_text) if number_text.isdigit() and 0 < int(number_text) < 1_000_000 else None
    view = exchanges.list_view(
        uow=page.uow(write=False),
        reader=page.reader(case_id=exchange_id[:32]),
        exchange_id=exchange_id,
        list_name=list_name,
        number=number,
    )
    ambiguous_only = params.get("only") == "ambiguous"
    rows = [r for r in view["rows"] if not ambiguous_only or r["status"] == "ambiguous"]
    counts = {s: sum(1 for r in view["rows"] if r["status"] == s) for s in _STATUSES}
    return page.render(
        "staff/exchanges/list_rows.html",
        status=status,
        ex_id=exchange_id,
        view=view,
        rows=rows,
        counts=counts,
        ambiguous_only=ambiguous_only,
        latest=view["version"] == view["versions"],
        errors=errors or {},
        values=values or {},
        can_settle=True,
    )


@router.get("/exchanges/{exchange_id}/lists/{list_name}", response_class=HTMLResponse)
def list_rows(page: Settlers, exchange_id: str, list_name: str) -> HTMLResponse:
    """A version of a list: rows with their reconciliation in words, and what changed."""
    return _list_page(page, exchange_id, list_name)


@router.post("/exchanges/{exchange_id}/lists/{list_name}/settlements", response_class=HTMLResponse)
async def settle(page: Settlers, exchange_id: str, list_name: str) -> Response:
    """Confirm a row's match, name the man among the candidates, or reject it."""
    values = await page.form()
    ref = values.get("list_ref", "")[:200]
    choice = values.get("choice", "")
    person = values.get("person_ref", "").strip()[:200]
    try:
        if not values.get("note", "").strip():
            raise InvalidInput("say why (the reason stays in the row's record)", field="note")
        if not person and choice not in ("", "confirm", "reject"):
            person = choice[:200]
        done = exchanges.settle_row(
            uow=page.uow(),
            exchange_id=exchange_id,
            list_name=list_name,
            list_ref=ref,
            officer=page.user,
            person_ref=person or None,
            reject=choice == "reject" and not person,
            note=values["note"][:2000],
        )
    except (InvalidInput, RuleViolation, Conflict, NotFound) as exc:
        return _list_page(
            page,
            exchange_id,
            list_name,
            errors={ref: str(exc)},
            values={ref: values.get("note", "")},
            status=422,
        )
    target = f"/staff/exchanges/{exchange_id}/lists/{list_name}"
    if page.request.query_params.get("only") == "ambiguous" or values.get("only") == "ambiguous":
        target += "?only=ambiguous"
    target += ("&" if "?" in target else "?") + f"settled={done.list_ref}#settled"
    return page.redirect(target)


# ---------------------------------------------------------------------------------------
# The proposal


def _proposal_page(
    page: Page,
    exchange_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    made: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = exchanges.exchange_view(
        uow=page.uow(write=False), reader=page.reader(case_id=exchange_id[:32]), exchange_id=exchange_id
    )
    state = ExchangeState(view["state"])
    held_back = [e for e in view["excluded"] if e["held_back"]]
    not_there = [e for e in view["excluded"] if not e["held_back"]]
    return page.render(
        "staff/exchanges/proposal.html",
        status=status,
        ex=view,
        held_back=held_back,
        not_there=not_there,
        editable=state in (ExchangeState.PROPOSED, ExchangeState.NEGOTIATING),
        can_agree=ExchangeState.AGREED in exchange_moves(state),
        errors=errors or {},
        values=values or {},
        made=made,
    )


@router.get("/exchanges/{exchange_id}/proposal", response_class=HTMLResponse)
def proposal(page: Negotiator, exchange_id: str) -> HTMLResponse:
    """The proposed list: the men chosen with their reasons, those held back and why, the
    shortfall per category; make it, edit it, agree it."""
    return _proposal_page(page, exchange_id)


@router.post("/exchanges/{exchange_id}/proposal", response_class=HTMLResponse)
def make_proposal(page: Negotiator, exchange_id: str) -> Response:
    """Propose the list from the formula and the men we hold (replacing the one before)."""
    try:
        result = exchanges.propose(
            uow=page.uow(),
            reader=page.reader(case_id=exchange_id[:32]),
            exchange_id=exchange_id,
            proposed_by=page.user,
        )
    except (RuleViolation, Conflict) as exc:
        return _proposal_page(page, exchange_id, errors={"propose": str(exc)}, status=409)
    made = {
        "reserve": len(result.proposal.reserve),
        "added": len(result.added),
        "removed": len(result.removed),
    }
    return _proposal_page(page, exchange_id, made=made)


@router.post("/exchanges/{exchange_id}/proposal/changes", response_class=HTMLResponse)
async def change_proposal(page: Negotiator, exchange_id: str) -> Response:
    """Take men off the proposed list and put others on, saying why."""
    values = await page.form()
    add = values.get("add", "").replace(",", " ").split()[:1000]
    remove = values.get("remove", "").replace(",", " ").split()[:1000]
    version = values.get("version", "")
    try:
        if not add and not remove:
            raise InvalidInput("name a man to put on the list or take off it", field="add")
        exchanges.edit_proposal(
            uow=page.uow(),
            exchange_id=exchange_id,
            by=page.user,
            reason=values.get("reason", "")[:2000],
            add=add,
            remove=remove,
            expected_version=int(version) if version.isdigit() else None,
        )
    except (InvalidInput, RuleViolation, Conflict, NotFound) as exc:
        field = _field_of(exc, "add")
        field = field if field in ("add", "remove", "reason") else "add"
        return _proposal_page(page, exchange_id, errors={field: str(exc)}, values=values, status=422)
    return page.redirect(f"/staff/exchanges/{exchange_id}/proposal")


# ---------------------------------------------------------------------------------------
# Execution: the sheet, the scan, the handover entered afterwards, discrepancies


def _language(page: Page) -> str:
    asked = page.request.query_params.get("doc_lang") or page.lang
    return asked if asked in ("uk", "ru", "en") else "uk"


@router.get("/exchanges/{exchange_id}/execution-sheet")
def execution_sheet(page: Negotiator, exchange_id: str) -> Response:
    """The sheet to print and fill in at the border (PDF)."""
    persons = execution.agreed_persons(uow=page.uow(write=False), exchange_id=exchange_id)
    document = execution.execution_sheet_pdf(
        uow=page.uow(write=False),
        reader=page.reader(case_id=exchange_id[:32]),
        exchange_id=exchange_id,
        persons=persons,
        language=_language(page),
    )
    return download(document)


@router.get("/exchanges/{exchange_id}/executed-list")
def executed_list(page: Readers, exchange_id: str) -> Response:
    """The executed list for the other party or the ICRC (PDF or CSV): agreed names only."""
    params = page.request.query_params
    audience = execution.Audience.ICRC if params.get("for") == "icrc" else execution.Audience.OTHER_PARTY
    if not may_read_executed_list(page.roles, for_icrc=audience is execution.Audience.ICRC):
        raise PageRefused(403, page.gettext("Your role does not open this page."))
    reader = page.reader(case_id=exchange_id[:32])
    if params.get("format") == "csv":
        document = execution.executed_list_csv(
            uow=page.uow(write=False), reader=reader, exchange_id=exchange_id, audience=audience
        )
    else:
        document = execution.executed_list_pdf(
            uow=page.uow(write=False),
            reader=reader,
            exchange_id=exchange_id,
            audience=audience,
            language=_language(page),
        )
    return download(document)


def _execution_page(
    page: Page,
    exchange_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    reader = page.reader(case_id=exchange_id[:32])
    summary = exchanges.exchange_view(uow=page.uow(write=False), reader=reader, exchange_id=exchange_id)
    entered: dict[str, Any] | None = None
    try:
        entered = execution.execution_view(uow=page.uow(write=False), reader=reader, exchange_id=exchange_id)
    except NotFound:
        entered = None
    lines: list[Any] = []
    scans: list[Any] = []
    if entered is None and summary["state"] == ExchangeState.AGREED:
        persons = execution.agreed_persons(uow=page.uow(write=False), exchange_id=exchange_id)
        sheet = execution.execution_sheet(
            uow=page.uow(write=False), reader=reader, exchange_id=exchange_id, persons=persons
        )
        lines = list(sheet.lines)
        scans = [
            s.__dict__ for s in execution.attached_scans(uow=page.uow(write=False), exchange_id=exchange_id)
        ]
    flat = {k: v[0] for k, v in (values or {}).items() if v}
    slots = _slots(flat.get("slots", ""))
    return page.render(
        "staff/exchanges/execution.html",
        status=status,
        ex=summary,
        entered=entered,
        lines=lines,
        scans=scans if entered is None else (entered or {}).get("scans", []),
        errors=errors or {},
        values=flat,
        multi=values or {},
        methods=[(m.value, page.label("identity_method", m.value)) for m in IdentityMethod],
        states=[(m.value, page.label("medical_state", m.value)) for m in MedicalState],
        checkable=[(f, page.label("field", f)) for f in _CHECKABLE],
        outcomes=[(o.value, page.label("outcome", o.value)) for o in Outcome],
        slots=slots,
        first_unexpected=len(lines) + 1,
    )


#: Lines for men not on the list that the entry form offers at first, and at most.
_SLOTS, _MAX_SLOTS = 2, 50


def _slots(text: str) -> int:
    return min(int(text), _MAX_SLOTS) if text.isdigit() and int(text) > 0 else _SLOTS


def _unexpected(values: dict[str, list[str]], first_line: int) -> list[UnexpectedMan]:
    """The men at the border not on the list, from the form's lines for them: a line with
    nothing typed in it is left out; each is numbered after the list's last line."""

    def one(name: str) -> str:
        return (values.get(name) or [""])[0].strip()

    men = []
    for n in range(_slots(one("slots"))):
        name, person, note = one(f"u-name-{n}")[:300], one(f"u-person-{n}")[:32], one(f"u-note-{n}")[:2000]
        if name or person or note:
            men.append(UnexpectedMan(name, person or None, note or None, first_line + n))
    return men


_HANDOVER_FIELDS = ("executed_on", "place", "officer", "icrc_delegate", "other_party_officer")


def _error_key(exc: PowBureauError, persons: list[str]) -> str:
    """Where an error of the entry is shown: at the line it names (a man of the list, or one
    not on it), at the handover's field it names, or else above the form."""
    found = re.match(r"line (\d+): ", str(exc))
    if found and 0 < int(found.group(1)) <= len(persons):
        return f"line-{persons[int(found.group(1)) - 1]}"
    if found and int(found.group(1)) > len(persons):
        return f"unexpected-{int(found.group(1)) - len(persons) - 1}"
    field = _field_of(exc, "execution")
    return field if field in _HANDOVER_FIELDS or field.startswith(("present-", "line-")) else "execution"


@router.get("/exchanges/{exchange_id}/execution", response_class=HTMLResponse)
def execution_form(page: Negotiator, exchange_id: str) -> HTMLResponse:
    """Before entry: the sheet to print, the scan to attach, the form to enter what happened.
    After: the handover as entered, its discrepancies and their resolution, the reports."""
    return _execution_page(page, exchange_id)


@router.post("/uploads/exchanges/{exchange_id}/scans", response_class=HTMLResponse)
async def attach_scan(limit: UploadLimit, page: Negotiator, exchange_id: str) -> Response:
    """Attach the scan of the signed handover list (PDF, JPEG, PNG or TIFF)."""
    upload = await _upload(page.request, "scan")
    if upload is None:
        return _execution_page(
            page, exchange_id, errors={"scan": page.gettext("Choose the scan's file.")}, status=422
        )
    config = config_of(page.request)
    most = min(config.max_upload_bytes, _SCAN_MAX)
    try:
        with _saved(upload, folder=config.upload_dir, limit=most) as path:
            await run_in_threadpool(
                execution.attach_scan,
                uow=page.uow(),
                exchange_id=exchange_id,
                scan=execution.ScanFile(path, path.name),
                attached_by=page.user,
            )
    except (InvalidInput, RuleViolation, Conflict) as exc:
        return _execution_page(page, exchange_id, errors={"scan": str(exc)}, status=422)
    return page.redirect(f"/staff/exchanges/{exchange_id}/execution#scans")


def _identity(methods: list[str], checked: list[str]) -> IdentityCheck | None:
    if not methods and not checked:
        return None
    return IdentityCheck.of(methods, checked)


def _medical(value: str) -> MedicalState | None:
    if not value:
        return None
    try:
        return MedicalState(value)
    except ValueError:
        raise InvalidInput(f"unknown medical state {value!r}", field="medical_state") from None


def _valuables(packet: str, note: str) -> Valuables | None:
    return Valuables(packet.strip() or None, note.strip() or None) if packet.strip() or note.strip() else None


@router.post("/exchanges/{exchange_id}/execution", response_class=HTMLResponse)
async def record_execution(page: Negotiator, exchange_id: str) -> Response:
    """Enter the filled-in sheet, all or nothing: an event for every man present, a
    discrepancy for every man absent."""
    values = await page.form_lists()

    def one(name: str) -> str:
        return (values.get(name) or [""])[0].strip()

    persons = execution.agreed_persons(uow=page.uow(write=False), exchange_id=exchange_id)
    if values.get("more"):
        values["slots"] = [str(_slots(one("slots")) + 1)]
        return _execution_page(page, exchange_id, values=values)
    first_unexpected = len(persons) + 1
    try:
        entries = []
        for n, pid in enumerate(persons, start=1):
            present = one(f"present-{pid}")
            if present not in ("yes", "no"):
                raise InvalidInput("say whether he was present", field=f"present-{pid}")
            try:
                identity = (
                    _identity(values.get(f"method-{pid}", []), values.get(f"checked-{pid}", []))
                    if present == "yes"
                    else None
                )
                medical = _medical(one(f"medical-{pid}")) if present == "yes" else None
            except InvalidInput as exc:
                raise InvalidInput(str(exc), field=f"line-{pid}") from None
            version = one(f"version-{pid}")
            entries.append(
                HandoverEntry(
                    person_id=pid,
                    present=present == "yes",
                    identity=identity,
                    medical=medical,
                    valuables=_valuables(one(f"packet-{pid}"), one(f"valuables-{pid}"))
                    if present == "yes"
                    else None,
                    record_version=int(version) if version.isdigit() else None,
                    note=one(f"note-{pid}")[:2000] or None,
                    line=n,
                )
            )
        execution.record_execution(
            uow=page.uow(),
            exchange_id=exchange_id,
            persons=persons,
            handover=Handover(
                one("executed_on"),
                one("place")[:300],
                one("officer")[:300],
                one("icrc_delegate")[:300],
                one("other_party_officer")[:300] or None,
            ),
            entries=entries,
            unexpected=_unexpected(values, first_unexpected),
            recorded_by=page.user,
        )
    except (InvalidInput, RuleViolation, Conflict, NotFound) as exc:
        field = _error_key(exc, persons)
        return _execution_page(page, exchange_id, errors={field: str(exc)}, values=values, status=422)
    return page.redirect(f"/staff/exchanges/{exchange_id}/execution")


@router.post(
    "/exchanges/{exchange_id}/discrepancies/{discrepancy_id}/resolution", response_class=HTMLResponse
)
async def resolve(page: Negotiator, exchange_id: str, discrepancy_id: int) -> Response:
    """Resolve an absent or unexpected man: exchanged after all, or not exchanged."""
    values = await page.form_lists()

    def one(name: str) -> str:
        return (values.get(name) or [""])[0].strip()

    key = f"d{discrepancy_id}"
    try:
        outcome = Outcome(one("outcome")) if one("outcome") in {o.value for o in Outcome} else None
        if outcome is None:
            raise InvalidInput("choose the outcome", field=key)
        exchanged = outcome is Outcome.EXCHANGED
        execution.resolve_discrepancy(
            uow=page.uow(),
            exchange_id=exchange_id,
            discrepancy_id=discrepancy_id,
            resolution=Resolution(
                outcome=outcome,
                by=one("by")[:300] or page.user,
                reason=one("reason")[:2000],
                person_id=one("person_id")[:200] or None,
                identity=_identity(values.get("method", []), values.get("checked", []))
                if exchanged
                else None,
                medical=_medical(one("medical_state")) if exchanged else None,
                valuables=_valuables(one("packet"), one("valuables")) if exchanged else None,
                occurred_on=one("occurred_on") or None,
            ),
            recorded_by=page.user,
        )
    except (InvalidInput, RuleViolation, Conflict, NotFound) as exc:
        return _execution_page(page, exchange_id, errors={key: str(exc)}, status=422)
    return page.redirect(f"/staff/exchanges/{exchange_id}/execution#discrepancies")
