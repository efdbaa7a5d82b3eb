"""The dashboard: the bureau's figures at a glance, for every role (counts only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from powbureau.services.dashboard import dashboard
from powbureau.services.registry import list_places
from powbureau.web.ui import Page, staff_page

__all__ = ["router"]

router = APIRouter(prefix="/staff", include_in_schema=False)
Anyone = Annotated[Page, Depends(staff_page())]


@router.get("/dashboard", response_class=HTMLResponse)
def show_dashboard(page: Anyone) -> HTMLResponse:
    """People held by category and place, arrivals and releases per week, open inquiries by
    age and state, the review queue, exchanges in progress."""
    figures = dashboard(uow=page.uow(write=False))
    place_names = {str(p["code"]): str(p["name"]) for p in list_places(uow=page.uow(write=False))}
    return page.render(
        "staff/dashboard.html",
        figures=figures,
        by_category=[(page.label("category", k), n) for k, n in figures.held_by_category],
        by_place=[
            (place_names.get(k) or k or page.gettext("no place recorded"), n)
            for k, n in figures.held_by_place
        ],
        cases_by_state=[(page.label("case", k), n) for k, n in figures.open_by_state],
        cases_by_age=figures.open_by_age,
        exchanges_by_state=[(page.label("exchange", k), n) for k, n in figures.exchanges],
    )
