"""Every router of the staff UI's pages, mounted by the app under ``/staff``."""

from __future__ import annotations

from fastapi import APIRouter

from powbureau.web import dashboard, registry_pages

__all__ = ["ROUTERS"]

ROUTERS: list[APIRouter] = [
    dashboard.router,
    registry_pages.router,
]
