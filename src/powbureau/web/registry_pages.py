"""The registry's pages: search, a person's record and history, registration with a
duplicate check before saving, events and identity corrections guarded by the version the
registrar saw, bulk import of persons.csv, and the places of detention.

Every page calls the same services as ``api/registry_routes.py``, with the same roles;
reads go through a :class:`~powbureau.domain.access.Reader` of channel ``ui``, so the
services audit them. Names never travel in URLs: the search form is posted.

A bulk import runs in a background thread of the serving process; its progress and its
result live in a small job table on ``app.state`` of that process only. They are lost when
the process restarts (the import itself is whole or nothing, so nothing half-done is
left), and with several workers the job page must be served by the worker that took the
upload (sticky sessions), or it answers "not found".
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from powbureau.api.deps import config_of
from powbureau.domain.access import PERSON_READERS, Reader, Role, may_read_history
from powbureau.domain.errors import (
    ConcurrentModification,
    DuplicateReference,
    EventNotFound,
    ImportRejected,
    InvalidInput,
    NotFound,
    PlaceNotFound,
    RuleViolation,
)
from powbureau.domain.events import LIFECYCLE_KINDS, Event, EventKind
from powbureau.domain.people import IDENTITY_FIELDS, Category
from powbureau.i18n import N_
from powbureau.interchange.csvfiles import csv_writer, protect_cell
from powbureau.services import inquiries, intake, registry
from powbureau.store.uow import SqlUnitOfWork
from powbureau.web.ui import (
    READ_REASONS,
    Page,
    PageRefused,
    ReasonFirst,
    UploadLimit,
    parse_reason,
    person_path,
    reason_values,
    staff_page,
    visible,
    why_form,
)

__all__ = ["ImportJob", "router"]

router = APIRouter(prefix="/staff", include_in_schema=False)
Searchers = Annotated[Page, Depends(staff_page(Role.REGISTRAR, Role.TRACING_OFFICER, Role.LIAISON))]
Readers = Annotated[Page, Depends(staff_page(*PERSON_READERS))]
Registrar = Annotated[Page, Depends(staff_page(Role.REGISTRAR))]

PAGE_SIZE = 50
_MAX_TEXT = 4000
_MAX_JOBS = 50

#: The registration form, grouped as a registrar reads a capture card: (legend, fields).
FIELD_GROUPS: list[tuple[str, list[str]]] = [
    (N_("Identity"), ["surname", "given_name", "patronymic", "sex", "other_spellings"]),
    (N_("Military"), ["rank", "unit", "service_number", "category", "legal_status"]),
    (N_("Birth and nationality"), ["birth_date", "birth_place", "nationality", "citizenship"]),
    (N_("Family and contact"), ["mother_name", "father_name", "person_to_inform", "correspondence_address"]),
    (N_("Capture"), ["captured_on", "capture_place"]),
]

#: The words for each person field, as the forms and the record show them.
FIELD_LABELS: dict[str, str] = {
    "person_id": N_("Registry id"),
    "surname": N_("Surname"),
    "given_name": N_("Given name"),
    "patronymic": N_("Patronymic"),
    "birth_date": N_("Date of birth"),
    "birth_place": N_("Place of birth"),
    "sex": N_("Sex"),
    "nationality": N_("Power depended on"),
    "citizenship": N_("Citizenship"),
    "rank": N_("Rank"),
    "unit": N_("Unit"),
    "service_number": N_("Service number"),
    "mother_name": N_("Mother's name"),
    "father_name": N_("Father's name"),
    "category": N_("Category"),
    "captured_on": N_("Captured on"),
    "capture_place": N_("Place of capture"),
    "legal_status": N_("Legal status"),
    "person_to_inform": N_("Person to inform"),
    "correspondence_address": N_("Address for correspondence"),
    "other_spellings": N_("Other spellings"),
    "description": N_("Description"),
    "custody": N_("Custody"),
    "status": N_("Status"),
    "status_on": N_("Status since"),
    "place": N_("Place of detention"),
    "version": N_("Version"),
    "unidentified": N_("Unidentified"),
    "registered_at": N_("Registered at"),
    "updated_at": N_("Last changed at"),
    "person_ref": N_("Reference in the source"),
    "source": N_("Source"),
}

_HINTS: dict[str, str] = {
    "birth_date": N_("Year, year-month or full date: 1994, 1994-03 or 1994-03-07."),
    "captured_on": N_("Year, year-month or full date: 2024, 2024-05 or 2024-05-02."),
    "nationality": N_("Two letters, such as UA or RU."),
    "citizenship": N_("Two letters, such as UA or RU."),
    "other_spellings": N_("Other ways the name is written, separated by semicolons."),
}

#: The kinds a registrar enters on the event form. Registration, identity corrections,
#: merges and the repatriation kinds (with their own details) have their own pages.
ENTERED_KINDS: tuple[str, ...] = (
    *(kind for kind in EventKind if kind in LIFECYCLE_KINDS),
    EventKind.RETRACTED,
)
_EVENT_FIELDS = ("kind", "occurred_on", "place", "source", "note", "corrects")
_ENCODINGS = (("", N_("UTF-8")), ("cp1251", "Windows-1251"), ("koi8-r", "KOI8-R"), ("utf-16", "UTF-16"))


_FORM_FIELDS = frozenset({*IDENTITY_FIELDS, *_EVENT_FIELDS, "person_ref", "place", "source"})


def _field_error(exc: InvalidInput) -> dict[str, str]:
    """The error next to its field when the form has that field, else above the form."""
    return {exc.field if exc.field in _FORM_FIELDS else "form": str(exc)}


# --- search ---------------------------------------------------------------------------------


#: Where the registry's search lives, and the reason given for it with it.
_SEARCH_PATH = "/staff/registry"


def _search_context(page: Page, values: Mapping[str, str]) -> dict[str, Any]:
    places = registry.list_places(uow=page.uow(write=False))
    return {
        "values": values,
        "reasons": [(code, page.gettext(text)) for code, text in READ_REASONS],
        "statuses": [(k, page.label("status", k)) for k in _status_keys()],
        "categories": [(c.value, page.label("category", c.value)) for c in Category],
        "places": [(str(p["code"]), f"{p['name']} ({p['code']})") for p in places],
    }


def _status_keys() -> list[str]:
    from powbureau.web.labels import LABELS

    return list(LABELS["status"])


def _run_search(page: Page, values: Mapping[str, str], reason: str) -> tuple[list[dict[str, Any]], int, bool]:
    """The rows of the search, the offset, and whether there is a next page; the read is
    audited with the reason given for the search."""
    try:
        offset = max(0, min(int(values.get("offset") or 0), 10_000_000))
    except ValueError:
        offset = 0
    filters: dict[str, Any] = {
        "status": values.get("status") or None,
        "place": values.get("place") or None,
        "category": values.get("category") or None,
        "conflicts": values.get("conflicts") == "1",
        "limit": PAGE_SIZE + 1,
        "offset": offset,
    }
    query = (values.get("q") or "")[:200]
    reader = page.person_reader(case_id=None, reason=reason)
    rows: list[Any]
    if query and ((query.startswith("P") and " " not in query and query[1:].isalnum()) or ":" in query):
        rows = registry.list_persons(uow=page.uow(write=False), reader=reader, ref=query, **filters)
    else:
        rows = registry.list_persons(uow=page.uow(write=False), reader=reader, name=query or None, **filters)
        if not rows and query and " " not in query:
            rows = registry.list_persons(uow=page.uow(write=False), reader=reader, ref=query, **filters)
    fields = page.person_fields()
    items = [visible(r, fields) for r in rows[:PAGE_SIZE]]
    return items, offset, len(rows) > PAGE_SIZE


def _filters_given(values: Mapping[str, str]) -> bool:
    return any(values.get(k) for k in ("q", "status", "place", "category", "conflicts"))


@router.get("/registry", response_class=HTMLResponse)
def search_form(page: Searchers, request: Request) -> HTMLResponse:
    """The registry's search (the registrar's start page). Filters without names may come in
    the address (``?status=held&conflicts=1``); a name or reference is posted. Persons are
    listed only with the reason given for searching in this session."""
    values = {k: request.query_params.get(k, "")[:200] for k in ("status", "place", "category", "conflicts")}
    reason = page.given_reason()
    values.update(reason_values(reason))
    items: list[dict[str, Any]] | None = None
    offset, more = 0, False
    if _filters_given(values) and reason:
        items, offset, more = _run_search(page, values, reason)
    return page.render(
        "staff/registry/search.html",
        items=items,
        offset=offset,
        more=more,
        page_size=PAGE_SIZE,
        errors={},
        asked=_filters_given(values) and not reason,
        reason_now=reason or "",
        **_search_context(page, values),
    )


@router.post("/registry", response_class=HTMLResponse)
async def search(page: Searchers) -> HTMLResponse:
    """Search by name, registry id or reference, with filters, saying why; a page of results.
    The reason is kept for the next searches of the session."""
    values = await page.form(limit=_MAX_TEXT)
    try:
        reason = parse_reason(values, page.gettext)
    except InvalidInput as exc:
        return page.render(
            "staff/registry/search.html",
            status=422,
            items=None,
            offset=0,
            more=False,
            page_size=PAGE_SIZE,
            errors={exc.field or "why": str(exc)},
            asked=False,
            reason_now="",
            **_search_context(page, values),
        )
    items, offset, more = _run_search(page, values, reason)
    response = page.render(
        "staff/registry/search.html",
        items=items,
        offset=offset,
        more=more,
        page_size=PAGE_SIZE,
        errors={},
        asked=False,
        reason_now=reason,
        **_search_context(page, values),
    )
    page.remember_reason(response, _SEARCH_PATH, reason)
    return response


# --- registration ---------------------------------------------------------------------------


def _places_options(page: Page) -> list[tuple[str, str]]:
    return [
        (str(p["code"]), f"{p['name']} ({p['code']})")
        for p in registry.list_places(uow=page.uow(write=False))
    ]


def _registration_form(
    page: Page,
    values: Mapping[str, str],
    *,
    errors: Mapping[str, str] | None = None,
    duplicates: list[tuple[str, float, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return page.render(
        "staff/registry/new.html",
        status=status,
        values=values,
        errors=errors or {},
        groups=FIELD_GROUPS,
        labels=FIELD_LABELS,
        hints=_HINTS,
        categories=[(c.value, page.label("category", c.value)) for c in Category],
        places=_places_options(page),
        duplicates=duplicates or [],
    )


@router.get("/persons/new", response_class=HTMLResponse)
def registration_form(page: Registrar) -> HTMLResponse:
    """The registration form: every persons.csv field, grouped."""
    return _registration_form(page, {"source": "bureau"})


@router.post("/persons/new", response_class=HTMLResponse)
async def register(page: Registrar) -> Response:
    """Register a person. The first submit looks for possible duplicates and, when there are
    any, shows them with "Register anyway"; otherwise (or confirmed) it registers."""
    values = await page.form(limit=_MAX_TEXT)
    fields = {k: values.get(k) or None for k in IDENTITY_FIELDS}
    unidentified = values.get("unidentified") == "1"
    try:
        if values.get("confirm") != "1":
            found = registry.duplicates_before_registration(
                uow=page.uow(write=False), reader=page.reader(), fields=fields, unidentified=unidentified
            )
            if found:
                return _registration_form(page, values, duplicates=found)
        person_id = registry.register_person(
            uow=page.uow(),
            fields=fields,
            recorded_by=page.user,
            source=values.get("source") or "bureau",
            person_ref=values.get("person_ref") or None,
            unidentified=unidentified,
            place=values.get("place") or None,
        )
    except InvalidInput as exc:
        return _registration_form(page, values, errors=_field_error(exc), status=422)
    except DuplicateReference as exc:
        return _registration_form(page, values, errors={"person_ref": str(exc)}, status=409)
    except PlaceNotFound as exc:
        return _registration_form(page, values, errors={"place": str(exc)}, status=422)
    return _carry_reason(
        page, page.redirect(f"/staff/persons/{person_id}?done=registered"), person_id, "record_upkeep"
    )


# --- a person -------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    """One event of the history as the page shows it."""

    event: Event
    data: dict[str, Any]
    conflict: str | None = None
    retracted_by: int | None = None
    corrected_by: list[int] = field(default_factory=list)
    other_record: bool = False


def _timeline(person_id: str, events: list[Event], conflicts: Mapping[int, str]) -> list[TimelineEntry]:
    entries = {
        e.id: TimelineEntry(e, e.data, conflicts.get(e.id), other_record=e.person_id != person_id)
        for e in events
    }
    for e in events:
        if e.corrects is not None and e.corrects in entries:
            if e.kind == EventKind.RETRACTED:
                entries[e.corrects].retracted_by = e.id
            else:
                entries[e.corrects].corrected_by.append(e.id)
    return list(entries.values())


# --- why a person's record is read ----------------------------------------------------------


def _person_reader(page: Page, person_id: str) -> Reader:
    """Who reads a person's page and why: through the case of the address when that case
    names him; else for the reason given for him earlier in this session.

    Raises:
        ReasonFirst: neither; the reason form is shown instead, with nothing of him.
    """
    case = page.request.query_params.get("case", "")[:40]
    note = ""
    if case:
        if inquiries.case_names(uow=page.uow(write=False), case_id=case, ref=person_id):
            return page.person_reader(case_id=case, reason=None)
        note = page.gettext("Case %(case)s does not name this person: give a reason to open his record.") % {
            "case": case
        }
    reason = page.given_reason()
    if reason:
        return page.person_reader(case_id=None, reason=reason)
    raise ReasonFirst(page, person_id, note)


def _safe_target(person_id: str, target: str) -> str:
    base = person_path(person_id)
    if (target == base or target.startswith((base + "/", base + "?"))) and "//" not in target:
        return target
    return base


@router.post("/persons/{person_id}/reason", response_class=HTMLResponse)
async def give_reason(page: Readers, person_id: str) -> Response:
    """Say why you open a person's record outside a case; his pages then open for the rest
    of the session, and every read of them records the reason for the auditor."""
    values = await page.form(limit=1000)
    try:
        reason = parse_reason(values, page.gettext)
    except InvalidInput as exc:
        return why_form(page, person_id, values=values, errors={exc.field or "why": str(exc)}, status=422)
    response = page.redirect(_safe_target(person_id, values.get("next", "")))
    page.remember_reason(response, person_path(person_id), reason)
    return response


def _carry_reason(page: Page, response: Response, person_id: str, reason: str | None) -> Response:
    """Keep the reason in effect for the person a change leads to (a merge's survivor, a
    record restored by an unmerge, a man just registered)."""
    if reason:
        page.remember_reason(response, person_path(person_id), reason)
    return response


@router.get("/persons/{person_id}", response_class=HTMLResponse)
def show_person(page: Readers, person_id: str) -> HTMLResponse:
    """A person's record cut to the reader's roles, and his history as a timeline for the
    roles that read histories; both reads are audited with the case or the reason (asked
    for first when there is neither)."""
    reader = _person_reader(page, person_id)
    view = registry.show_person(uow=page.uow(write=False), reader=reader, ref=person_id)
    fields = page.person_fields()
    record = visible({**view.row, "refs": view.refs, "conflicts": view.conflicts}, fields)
    timeline: list[TimelineEntry] | None = None
    if may_read_history(page.roles):
        pid, events, conflicts = registry.person_history(
            uow=page.uow(write=False), reader=reader, ref=view.person_id
        )
        timeline = _timeline(pid, events, conflicts)
    shown = [k for k in FIELD_LABELS if k in record and k not in ("person_id",)]
    return page.render(
        "staff/registry/person.html",
        person_id=view.person_id,
        record=record,
        shown=shown,
        labels=FIELD_LABELS,
        timeline=timeline,
        done=page.request.query_params.get("done", ""),
        recorded=page.request.query_params.get("event", ""),
        registrar=page.has(Role.REGISTRAR),
    )


# --- events and identity corrections --------------------------------------------------------


def _changes_since(page: Page, person_id: str, version: int) -> list[TimelineEntry]:
    """The events of the person after the version the registrar saw (an audited read)."""
    pid, events, conflicts = registry.person_history(
        uow=page.uow(write=False), reader=_person_reader(page, person_id), ref=person_id
    )
    own = [e for e in events if e.person_id == pid]
    return _timeline(pid, own[version:], conflicts)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _event_form(
    page: Page,
    person_id: str,
    values: Mapping[str, str],
    *,
    errors: Mapping[str, str] | None = None,
    since: list[TimelineEntry] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return page.render(
        "staff/registry/event.html",
        status=status,
        person_id=person_id,
        values=values,
        errors=errors or {},
        kinds=[(str(k), page.label("event", k)) for k in ENTERED_KINDS],
        places=_places_options(page),
        since=since,
    )


def _current(page: Page, person_id: str) -> registry.PersonView:
    return registry.show_person(
        uow=page.uow(write=False), reader=_person_reader(page, person_id), ref=person_id
    )


@router.get("/persons/{person_id}/events/new", response_class=HTMLResponse)
def event_form(page: Registrar, person_id: str) -> HTMLResponse:
    """The event form, carrying the version of the person as the registrar sees it now."""
    view = _current(page, person_id)
    query = page.request.query_params
    values = {
        "kind": query.get("kind", "")[:40],
        "corrects": query.get("corrects", "")[:20],
        "source": "bureau",
        "expected_version": str(view.row["version"]),
    }
    return _event_form(page, view.person_id, values)


@router.post("/persons/{person_id}/events/new", response_class=HTMLResponse)
async def record_event(page: Registrar, person_id: str) -> Response:
    """Append the event; on a newer version, show what changed since and keep the input."""
    values = await page.form(limit=_MAX_TEXT)
    expected = _int(values.get("expected_version"))
    corrects = _int(values.get("corrects"))
    if values.get("corrects") and corrects is None:
        return _event_form(
            page, person_id, values, errors={"corrects": page.gettext("Give an event number.")}, status=422
        )
    try:
        recorded = registry.record_event(
            uow=page.uow(),
            ref=person_id,
            kind=values.get("kind", ""),
            recorded_by=page.user,
            occurred_on=values.get("occurred_on") or None,
            place=values.get("place") or None,
            source=values.get("source") or None,
            note=values.get("note") or None,
            corrects=corrects,
            expected_version=expected,
        )
    except ConcurrentModification:
        return _conflict(page, person_id, values, expected, "staff/registry/event.html")
    except InvalidInput as exc:
        return _event_form(page, person_id, values, errors=_field_error(exc), status=422)
    except (PlaceNotFound, EventNotFound) as exc:
        key = "place" if isinstance(exc, PlaceNotFound) else "corrects"
        return _event_form(page, person_id, values, errors={key: str(exc)}, status=422)
    except RuleViolation as exc:
        return _event_form(page, person_id, values, errors={"form": str(exc)}, status=422)
    done = page.redirect(f"/staff/persons/{recorded.event.person_id}?done=recorded&event={recorded.event.id}")
    return _carry_reason(page, done, recorded.event.person_id, page.given_reason())


def _conflict(
    page: Page, person_id: str, values: Mapping[str, str], expected: int | None, template: str
) -> HTMLResponse:
    """The form again with what the user typed, the changes made since his version, and the
    current version, so that sending it again (after reading them) is a deliberate act."""
    view = _current(page, person_id)
    since = _changes_since(page, view.person_id, expected or 0)
    kept = {**values, "expected_version": str(view.row["version"])}
    message = page.gettext(
        "Someone changed this person after you opened the form. Read the changes below; "
        "your entry is kept: send it again if it still holds."
    )
    if template.endswith("identity.html"):
        return _identity_form(page, view, kept, errors={"form": message}, since=since, status=409)
    return _event_form(page, view.person_id, kept, errors={"form": message}, since=since, status=409)


def _identity_form(
    page: Page,
    view: registry.PersonView,
    values: Mapping[str, str],
    *,
    errors: Mapping[str, str] | None = None,
    since: list[TimelineEntry] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return page.render(
        "staff/registry/identity.html",
        status=status,
        person_id=view.person_id,
        values=values,
        errors=errors or {},
        groups=[*FIELD_GROUPS, (N_("Description"), ["description"])],
        labels=FIELD_LABELS,
        hints=_HINTS,
        categories=[(c.value, page.label("category", c.value)) for c in Category],
        since=since,
    )


@router.get("/persons/{person_id}/identity", response_class=HTMLResponse)
def identity_form(page: Registrar, person_id: str) -> HTMLResponse:
    """The identity correction form, filled with the record as it is now."""
    view = _current(page, person_id)
    values = {k: str(view.row.get(k) or "") for k in IDENTITY_FIELDS}
    values.update(expected_version=str(view.row["version"]), source="bureau")
    return _identity_form(page, view, values)


@router.post("/persons/{person_id}/identity", response_class=HTMLResponse)
async def correct_identity(page: Registrar, person_id: str) -> Response:
    """Record ``identity_corrected`` with the fields that differ from the record."""
    values = await page.form(limit=_MAX_TEXT)
    expected = _int(values.get("expected_version"))
    changes = {k: values.get(k) or None for k in IDENTITY_FIELDS if k in values}
    try:
        recorded = registry.record_event(
            uow=page.uow(),
            ref=person_id,
            kind=EventKind.IDENTITY_CORRECTED,
            recorded_by=page.user,
            source=values.get("source") or None,
            note=values.get("note") or None,
            changes=changes,
            expected_version=expected,
        )
    except ConcurrentModification:
        return _conflict(page, person_id, values, expected, "staff/registry/identity.html")
    except InvalidInput as exc:
        view = _current(page, person_id)
        return _identity_form(page, view, values, errors=_field_error(exc), status=422)
    done = page.redirect(f"/staff/persons/{recorded.event.person_id}?done=recorded&event={recorded.event.id}")
    return _carry_reason(page, done, recorded.event.person_id, page.given_reason())


# --- places ---------------------------------------------------------------------------------


_PLACE_KINDS = ("camp", "hospital", "transit", "other")


def _places_page(
    page: Page,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return page.render(
        "staff/registry/places.html",
        status=status,
        places=registry.list_places(uow=page.uow(write=False)),
        registrar=page.has(Role.REGISTRAR),
        kinds=[(k, page.label("place", k)) for k in _PLACE_KINDS],
        values=values or {"kind": "camp"},
        errors=errors or {},
        added=page.request.query_params.get("added", "")[:40],
    )


@router.get("/places", response_class=HTMLResponse)
def places(page: Readers) -> HTMLResponse:
    """Places of detention with their capacity and who is there now (counts); registrars
    add one here."""
    return _places_page(page)


@router.post("/places", response_class=HTMLResponse)
async def add_place(page: Registrar) -> Response:
    """Register a place of detention; a mistake is shown next to its field."""
    values = await page.form(limit=200)
    capacity = values.get("capacity", "")
    if capacity and not capacity.isdigit():
        return _places_page(
            page, values, {"capacity": page.gettext("Give the capacity as a whole number.")}, 422
        )
    try:
        code = registry.add_place(
            uow=page.uow(),
            code=values.get("code", ""),
            name=values.get("name", ""),
            kind=values.get("kind", ""),
            capacity=int(capacity) if capacity else None,
        )
    except DuplicateReference as exc:
        return _places_page(page, values, {"code": str(exc)}, 409)
    except InvalidInput as exc:
        field = exc.field if exc.field in ("code", "name", "kind", "capacity") else "code"
        return _places_page(page, values, {field: str(exc)}, 422)
    return page.redirect(f"/staff/places?added={code}")


# --- merges -----------------------------------------------------------------------------------


def _merge_page(
    page: Page, person_id: str, values: Mapping[str, str] | None = None, error: str = "", status: int = 200
) -> HTMLResponse:
    return page.render(
        "staff/registry/merge.html",
        status=status,
        person_id=person_id,
        values=values or {},
        error=error,
    )


@router.get("/persons/{person_id}/merge", response_class=HTMLResponse)
def merge_form(page: Registrar, person_id: str) -> HTMLResponse:
    """Join a second record of the same man into this one, or undo a merge."""
    return _merge_page(page, _current(page, person_id).person_id)


@router.post("/persons/{person_id}/merge", response_class=HTMLResponse)
async def merge(page: Registrar, person_id: str) -> Response:
    """Merge (``action=merge``: the other record resolves to this one from now on) or unmerge
    (``action=unmerge``: the named merged record stands on its own again), with a reason."""
    values = await page.form(limit=500)
    try:
        if values.get("action") == "unmerge":
            restored, _ = registry.unmerge_person(
                uow=page.uow(),
                ref=values.get("other", "") or person_id,
                recorded_by=page.user,
                reason=values.get("reason", ""),
            )
            done = page.redirect(f"/staff/persons/{restored}?done=unmerged")
            return _carry_reason(page, done, restored, page.given_reason())
        survivor, _ = registry.merge_persons(
            uow=page.uow(),
            survivor_ref=person_id,
            other_ref=values.get("other", ""),
            reason=values.get("reason", ""),
            recorded_by=page.user,
        )
    except (InvalidInput, RuleViolation, NotFound) as exc:
        return _merge_page(page, person_id, values, str(exc), 422)
    return _carry_reason(
        page, page.redirect(f"/staff/persons/{survivor}?done=merged"), survivor, page.given_reason()
    )


# --- bulk import ----------------------------------------------------------------------------


@dataclass
class ImportJob:
    """One import running (or run) in this process."""

    id: str
    user: str
    file: str
    source: str
    total: int
    rows: int = 0
    state: str = "running"  # running, done, refused, failed
    summary: dict[str, Any] | None = None
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    bad_rows: int = 0
    message: str = ""


class ImportJobs:
    """The job table of this process (``app.state.registry_imports``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, ImportJob] = {}

    def add(self, job: ImportJob) -> None:
        """Keep ``job``, forgetting the oldest finished ones past a few dozen."""
        with self._lock:
            finished = [k for k, j in self._jobs.items() if j.state != "running"]
            for key in finished[: max(0, len(self._jobs) - _MAX_JOBS + 1)]:
                del self._jobs[key]
            self._jobs[job.id] = job

    def get(self, job_id: str, user: str) -> ImportJob | None:
        """The job, if ``user`` started it."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.user == user else None


def _jobs(request: Request) -> ImportJobs:
    state = request.app.state
    with _JOBS_LOCK:
        if not hasattr(state, "registry_imports"):
            state.registry_imports = ImportJobs()
    jobs: ImportJobs = state.registry_imports
    return jobs


_JOBS_LOCK = threading.Lock()


def _count_lines(path: Path) -> int:
    """Rows in the file, roughly (lines after the header), for the progress bar."""
    lines = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
    return max(1, lines)


def _run_import(job: ImportJob, uow: SqlUnitOfWork, path: Path, encoding: str | None) -> None:
    def progress(rows: int) -> None:
        job.rows = rows

    try:
        summary = intake.import_persons(
            uow=uow,
            path=path,
            source=job.source,
            recorded_by=job.user,
            encoding=encoding,
            progress=progress,
        )
        job.summary = summary.as_dict()
        job.rows = summary.rows
        job.state = "done"
    except ImportRejected as exc:
        job.errors = [(int(e.line), str(e.column), str(e.reason)) for e in exc.errors]
        job.bad_rows = exc.bad_rows
        job.state = "refused"
    except InvalidInput as exc:
        job.message = str(exc)
        job.state = "refused"
    except Exception:  # the thread reports every failure on the job page, never dies silently
        job.message = "the import failed; nothing was imported; the server log has the details"
        job.state = "failed"
        import logging

        logging.getLogger(__name__).exception("import %s failed", job.id)
    finally:
        path.unlink(missing_ok=True)


def _import_form(
    page: Page, values: Mapping[str, str], errors: Mapping[str, str] | None = None, status: int = 200
) -> HTMLResponse:
    return page.render(
        "staff/registry/import.html",
        status=status,
        values=values,
        errors=errors or {},
        encodings=[(k, page.gettext(v) if k == "" else v) for k, v in _ENCODINGS],
        limit=config_of(page.request).max_upload_bytes,
    )


@router.get("/imports", response_class=HTMLResponse)
def import_form(page: Registrar) -> HTMLResponse:
    """The bulk import form: the file, who sent it, its encoding."""
    return _import_form(page, {})


@router.post("/uploads/persons", response_class=HTMLResponse)
async def upload_persons(_size: UploadLimit, page: Registrar) -> Response:
    """Take persons.csv (multipart, spooled to disk), start the whole-or-nothing import in
    a background thread and go to its progress page."""
    request = page.request
    form = await request.form(max_files=1, max_fields=10)
    values = {k: v.strip()[:200] for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    upload = form.get("file")
    source = values.get("source", "")
    encoding = values.get("encoding") or None
    if encoding not in (None, *(k for k, _ in _ENCODINGS if k)):
        return _import_form(page, values, {"encoding": page.gettext("Choose one of the encodings.")}, 422)
    if not source:
        return _import_form(page, values, {"source": page.gettext("Say who sent the file.")}, 422)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_form(page, values, {"file": page.gettext("Choose the file to import.")}, 422)
    config = config_of(request)
    config.upload_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="persons-ui-", suffix=".csv", dir=config.upload_dir)
    path = Path(name)
    with os.fdopen(fd, "wb") as out:
        await upload.seek(0)
        shutil.copyfileobj(upload.file, out, 1 << 20)
        size = out.tell()
    await upload.close()
    if size > config.max_upload_bytes:
        path.unlink(missing_ok=True)
        return _import_form(
            page, values, {"file": page.gettext("The file is larger than the upload limit.")}, 413
        )
    job = ImportJob(
        id=secrets.token_urlsafe(12),
        user=page.user,
        file=Path(upload.filename).name[:200],
        source=source,
        total=_count_lines(path),
    )
    _jobs(request).add(job)
    worker = threading.Thread(
        target=_run_import,
        args=(job, SqlUnitOfWork(request.app.state.engine), path, encoding),
        name=f"import-{job.id}",
        daemon=True,
    )
    worker.start()
    return page.redirect(f"/staff/imports/{job.id}")


def _job_of(page: Page, job_id: str) -> ImportJob:
    job = _jobs(page.request).get(job_id[:40], page.user)
    if job is None:
        raise PageRefused(404, page.gettext("No such import in this server process (it may have restarted)."))
    return job


@router.get("/imports/{job_id}", response_class=HTMLResponse)
def import_status(page: Registrar, job_id: str) -> HTMLResponse:
    """The import's progress (htmx polls this page's status part), then its summary or
    the rows that refused it."""
    job = _job_of(page, job_id)
    partial = bool(page.request.headers.get("hx-request"))
    return page.render("staff/registry/import_status.html", job=job, partial=partial)


@router.get("/imports/{job_id}/rejects.csv")
def import_rejects(page: Registrar, job_id: str) -> Response:
    """The refused rows as CSV: line, column, reason (cells made formula-safe)."""
    job = _job_of(page, job_id)
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["line", "column", "reason"])
    for line, column, reason in job.errors:
        writer.writerow([str(line), protect_cell(column), protect_cell(reason)])
    return Response(
        out.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="rejects-{job.id}.csv"'},
    )
