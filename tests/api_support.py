"""Helpers for tests through HTTP: the app on a test registry, in-process (httpx ASGI)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from builders import Registry
from powbureau.api import ServiceConfig, create_app
from powbureau.api.config import PublicLimits
from powbureau.api.ratelimit import MemoryRateLimiter


def client(reg: Registry, *, limits: PublicLimits | None = None, **config: Any) -> TestClient:
    """A client of a fresh app on ``reg`` (plain-HTTP cookies, no background filing)."""
    cfg = ServiceConfig(
        db_url=reg.url,
        secure_cookies=False,
        background_interval=0,
        limits=limits or PublicLimits(),
        **config,
    )
    app = create_app(cfg, engine=reg.engine, limiter=MemoryRateLimiter())
    return TestClient(app, base_url="http://testserver", client=("127.0.0.1", 50000))


def form_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form token"
    return found.group(1)


PASSWORD = "correct horse battery staple 42"


def staff_client(reg: Registry, name: str, roles: list[str], **config: Any) -> TestClient:
    """A client signed in as a new account holding ``roles`` (password + TOTP)."""
    import pyotp

    from powbureau.domain.access import Role
    from powbureau.services import accounts

    new = accounts.add_user(
        uow=reg.uow(), name=name, roles=[Role(r) for r in roles], by="test", password=PASSWORD
    )
    http = client(reg, **config)
    signed = http.post(
        "/api/session", json={"name": name, "password": PASSWORD, "totp": pyotp.TOTP(new.totp_secret).now()}
    )
    assert signed.status_code == 200, signed.text
    http.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
    return http
