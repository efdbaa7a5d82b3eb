"""The hotline console: an operator takes a family's call, sees whether anyone may be the
man asked about and which detail to ask the caller for, and files the inquiry.

The operator has not verified the caller: the console never shows a person, a name from
the registry or a state, only what :func:`~powbureau.services.hotline.hotline_hint` returns.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from powbureau.domain.access import Role
from powbureau.domain.errors import InvalidInput
from powbureau.domain.inquiries import Channel, Inquirer
from powbureau.i18n import N_
from powbureau.matching import TraceQuery
from powbureau.services import inquiries
from powbureau.services.hotline import hotline_hint
from powbureau.web.tracing_pages import detail_label
from powbureau.web.ui import Page, staff_page

__all__ = ["router"]

_SOUGHT_KEYS = ("surname", "given_name", "patronymic", "birth_date", "unit", "service_number")
router = APIRouter(prefix="/staff", include_in_schema=False)
#: The same roles as the API's intake: ``GET /api/hotline/hint`` and ``POST /api/inquiries``.
Intake = Annotated[Page, Depends(staff_page(Role.HOTLINE_OPERATOR, Role.TRACING_OFFICER))]

#: The sought man's fields the operator fills in as the caller speaks.
HINT_FIELDS: list[tuple[str, str, str]] = [
    ("surname", N_("Surname"), ""),
    ("given_name", N_("Given name"), ""),
    ("patronymic", N_("Patronymic"), ""),
    ("birth_date", N_("Birth date"), N_("year, year-month or full date: 2001, 2001-03, 2001-03-14")),
    ("unit", N_("Unit"), ""),
    ("service_number", N_("Service number"), ""),
]
RELATIONS: list[tuple[str, str]] = [
    ("mother", N_("mother")),
    ("father", N_("father")),
    ("wife", N_("wife")),
    ("husband", N_("husband")),
    ("son", N_("son")),
    ("daughter", N_("daughter")),
    ("brother", N_("brother")),
    ("sister", N_("sister")),
    ("grandmother", N_("grandmother")),
    ("grandfather", N_("grandfather")),
    ("guardian", N_("guardian")),
    ("partner", N_("partner")),
    ("other", N_("someone else")),
]
_LANGS = [("uk", "Українська"), ("ru", "Русский"), ("en", "English")]
_MAX = 200


def _query(values: dict[str, str]) -> TraceQuery:
    return TraceQuery(**{k: (values.get(k, "").strip()[:_MAX] or None) for k, _, _ in HINT_FIELDS})


def _hint_context(page: Page, query: TraceQuery) -> dict[str, Any]:
    """What the live region says: nothing yet, whether someone may be him, what to ask."""
    if query.is_empty():
        return {"searched": False, "exists": False, "ask_for": []}
    hint = hotline_hint(uow=page.uow(write=False), reader=page.reader(reason="hotline call"), query=query)
    return {
        "searched": True,
        "exists": hint.candidates_exist,
        "ask_for": [detail_label(page, d) for d in hint.ask_for],
    }


def _console(
    page: Page,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    filed: str = "",
    status: int = 200,
    partial: bool = False,
    hint: dict[str, Any] | None = None,
) -> HTMLResponse:
    values = values or {}
    return page.render(
        "staff/hotline/form.html" if partial else "staff/hotline/console.html",
        status=200 if partial else status,  # htmx swaps only 2xx answers
        values=values,
        errors=errors or {},
        filed=filed,
        hint_fields=[(k, page.gettext(t), page.gettext(h) if h else "") for k, t, h in HINT_FIELDS],
        relations=[(k, page.gettext(t)) for k, t in RELATIONS],
        inquirer_languages=_LANGS,
        hint=hint or {"searched": False, "exists": False, "ask_for": []},
    )


@router.get("/hotline", response_class=HTMLResponse)
def console(page: Intake) -> HTMLResponse:
    """The console: the sought man's fields with a live hint, the caller and the call's notes."""
    return _console(page)


@router.post("/hotline/hint", response_class=HTMLResponse)
async def hint(page: Intake) -> HTMLResponse:
    """The live hint as a fragment (htmx), or the console with it (without JavaScript).

    A POST, so that the sought man's name never appears in an address or a log."""
    form = await page.request.form()
    values = {key: str(form.get(key, ""))[: 10 if key == "birth_date" else _MAX] for key in _SOUGHT_KEYS}
    try:
        context = _hint_context(page, _query(values))
    except InvalidInput:
        context = {"searched": False, "exists": False, "ask_for": []}
    if page.request.headers.get("hx-request"):
        return page.render("staff/hotline/hint.html", hint=context)
    return _console(page, values=values, hint=context)


@router.post("/hotline/inquiries", response_class=HTMLResponse)
async def file_inquiry(page: Intake) -> Response:
    """File the inquiry taken on the phone; the console comes back empty with the case reference."""
    form = await page.request.form()
    values = {k: v.strip() for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    partial = bool(page.request.headers.get("hx-request"))
    errors: dict[str, str] = {}
    if not values.get("caller_name"):
        errors["caller_name"] = page.gettext("Ask the caller's name.")
    if not values.get("relation"):
        errors["relation"] = page.gettext("Choose the caller's relation to the man sought.")
    if not values.get("contact"):
        errors["contact"] = page.gettext("Ask how the bureau can answer the caller.")
    query = _query(values)
    if query.is_empty():
        errors["surname"] = page.gettext("Give the sought man's name or service number.")
    if errors:
        return _console(page, values=values, errors=errors, status=422, partial=partial)
    language = values.get("language", "uk")
    inquirer = Inquirer(
        values["caller_name"][:_MAX],
        values["relation"][:40],
        values["contact"][:300],
        Channel.PHONE,
        language if language in ("uk", "ru", "en") else "uk",
        values.get("notes", "")[:4000],
    )
    try:
        opened = inquiries.open_inquiry(
            uow=page.uow(), sought=query, inquirer=inquirer, recorded_by=page.user
        )
    except InvalidInput as exc:
        field = {"inquirer_contact": "contact"}.get(exc.field or "", exc.field or "surname")
        return _console(page, values=values, errors={field: str(exc)}, status=422, partial=partial)
    return _console(page, filed=opened.case_id, partial=partial)
