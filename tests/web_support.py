"""Helpers for tests of the staff web UI through HTTP (in-process): sign in through the
sign-in form with the second factor, read the CSRF token of a page's forms."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pyotp
from fastapi.testclient import TestClient

from api_support import PASSWORD, client
from builders import Registry
from powbureau.domain.access import Role
from powbureau.services import accounts


def login_token(html: str) -> str:
    """The sign-in form's token."""
    found = re.search(r'name="login_token" value="([^"]+)"', html)
    assert found, "the page has no sign-in form"
    return found.group(1)


def csrf_of(html: str) -> str:
    """The session's CSRF token, as the page's forms carry it."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(http: TestClient, name: str, secret: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    form = http.get("/staff/login")
    answer = http.post(
        "/staff/login",
        data={
            "login_token": login_token(form.text),
            "name": name,
            "password": password,
            "totp": pyotp.TOTP(secret).now(),
            "next": "",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(http.get("/staff/dashboard").text)


class StaffBrowser:
    """A signed-in client of the staff UI; ``csrf`` is the token its forms send."""

    def __init__(self, http: TestClient, csrf: str, name: str) -> None:
        self.http = http
        self.csrf = csrf
        self.name = name

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        """POST a form with the CSRF token added."""
        return self.http.post(url, data={"csrf": self.csrf, **(data or {})}, **kwargs)


def staff_browser(reg: Registry, name: str, roles: list[str]) -> StaffBrowser:
    """A new account holding ``roles``, signed in through the UI's form."""
    new = accounts.add_user(
        uow=reg.uow(), name=name, roles=[Role(r) for r in roles], by="test", password=PASSWORD
    )
    http = client(reg)
    csrf = sign_in(http, name, new.totp_secret)
    return StaffBrowser(http, csrf, name)


def give_reason(
    browser: StaffBrowser, person: str, why: str = "list_check", words: str = "camp 4 roll call"
) -> httpx.Response:
    """Say why the browser opens a person's record outside a case (his pages then open)."""
    answer = browser.post(
        f"/staff/persons/{person}/reason",
        {"why": why, "why_text": words, "next": f"/staff/persons/{person}"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return answer
