"""Every router of the staff UI's pages, mounted by the app under ``/staff``."""

from __future__ import annotations

from fastapi import APIRouter

from powbureau.web import (
    admin_pages,
    dashboard,
    exchange_pages,
    hotline_pages,
    medical_pages,
    registry_pages,
    tracing_pages,
)

__all__ = ["ROUTERS"]

ROUTERS: list[APIRouter] = [
    dashboard.router,
    admin_pages.router,
    registry_pages.router,
    exchange_pages.router,
    medical_pages.router,
    tracing_pages.router,
    hotline_pages.router,
]
