"""The medical service's page and the liaison's page.

The medical service sees the men in hospital now and the medical categories for
repatriation (Art. 109-110), and records a man's category and fitness to travel through the
same service as ``exchange medical`` (never a diagnosis; none is kept). The liaison (ICRC,
Protecting Power) reads the latest registry events, places with their occupancy and the
exchanges carried out, with their executed lists.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from powbureau.domain.access import Role
from powbureau.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from powbureau.domain.exchanges import MedicalCategory
from powbureau.services import exchanges, execution
from powbureau.services.registry import latest_events, list_persons, list_places
from powbureau.web.ui import Page, staff_page, visible

__all__ = ["router"]

router = APIRouter(prefix="/staff", include_in_schema=False)
Medical = Annotated[Page, Depends(staff_page(Role.MEDICAL))]
Liaison = Annotated[Page, Depends(staff_page(Role.LIAISON))]
_PAGE = 50


def _medical_page(
    page: Page,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    fields = page.person_fields()
    in_hospital = [
        visible(r, fields)
        for r in list_persons(
            uow=page.uow(write=False), reader=page.reader(), status="hospitalised", limit=500
        )
    ]
    standings = exchanges.medical_standings(uow=page.uow(write=False), reader=page.reader())
    return page.render(
        "staff/medical.html",
        status=status,
        in_hospital=in_hospital,
        standings=standings,
        categories=[(c.value, page.label("medical", c.value)) for c in MedicalCategory],
        values=values or {},
        errors=errors or {},
        recorded=page.request.query_params.get("recorded", ""),
    )


@router.get("/medical", response_class=HTMLResponse)
def medical(page: Medical) -> HTMLResponse:
    """Men in hospital now, the recorded medical categories, and the form to record one."""
    return _medical_page(page)


@router.post("/medical", response_class=HTMLResponse)
async def record_category(page: Medical) -> Response:
    """Record a man's medical category and fitness to travel (the latest counts)."""
    form = await page.request.form()
    values = {k: v[:2000] for k, v in form.items() if isinstance(v, str)}
    ref = values.get("person", "").strip()[:200]
    fit = values.get("fit_to_travel", "")
    errors: dict[str, str] = {}
    if not ref:
        errors["person"] = page.gettext("Give the man's registry id.")
    if values.get("category", "") not in {c.value for c in MedicalCategory}:
        errors["category"] = page.gettext("Choose the category.")
    if fit not in ("yes", "no"):
        errors["fit_to_travel"] = page.gettext("Say whether he is fit to travel.")
    if errors:
        return _medical_page(page, values=values, errors=errors, status=422)
    try:
        recorded = exchanges.record_medical_category(
            uow=page.uow(),
            ref=ref,
            category=values["category"],
            fit_to_travel=fit == "yes",
            recorded_by=page.user,
            decided_by=values.get("decided_by", "").strip()[:200] or None,
            occurred_on=values.get("occurred_on", "").strip()[:10] or None,
            note=values.get("note", "").strip() or None,
        )
    except NotFound as exc:
        return _medical_page(page, values=values, errors={"person": str(exc)}, status=422)
    except (InvalidInput, RuleViolation, Conflict) as exc:
        field = getattr(exc, "field", None) or "person"
        field = field if field in ("person", "category", "occurred_on", "decided_by", "note") else "person"
        return _medical_page(page, values=values, errors={field: str(exc)}, status=422)
    return page.redirect(f"/staff/medical?recorded={recorded.event.person_id}")


@router.get("/liaison", response_class=HTMLResponse)
def liaison(page: Liaison) -> HTMLResponse:
    """The latest registry events (newest first, paged), places with occupancy, and the
    exchanges carried out with their executed lists."""
    text = page.request.query_params.get("page", "1")
    number = int(text) if text.isdigit() and 0 < int(text) <= 100_000 else 1
    found = latest_events(
        uow=page.uow(write=False), reader=page.reader(), limit=_PAGE + 1, offset=(number - 1) * _PAGE
    )
    executed = execution.carried_out(uow=page.uow(write=False))
    return page.render(
        "staff/liaison.html",
        events=found[:_PAGE],
        number=number,
        more=len(found) > _PAGE,
        places=list_places(uow=page.uow(write=False)),
        executed=executed,
    )
