"""The staff UI's frame through HTTP, on both databases: sign-in with the second factor,
start pages per role, CSRF on forms, roles per page, language, the dashboard."""

from __future__ import annotations

import pyotp
import pytest

from api_support import PASSWORD, client
from builders import Registry, add_places, register
from powbureau.domain.access import Role
from powbureau.services import accounts
from powbureau.web.ui import START_PAGES
from web_support import csrf_of, login_token, staff_browser


def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back(registry: Registry) -> None:
    http = client(registry)
    answer = http.get("/staff/dashboard?x=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/staff/login?next=%2Fstaff%2Fdashboard%3Fx%3D1"
    new = accounts.add_user(
        uow=registry.uow(), name="clerk", roles=[Role.REGISTRAR], by="t", password=PASSWORD
    )
    form = http.get(answer.headers["location"])
    assert 'name="next" value="/staff/dashboard?x=1"' in form.text
    signed = http.post(
        "/staff/login",
        data={
            "login_token": login_token(form.text),
            "name": "clerk",
            "password": PASSWORD,
            "totp": pyotp.TOTP(new.totp_secret).now(),
            "next": "/staff/dashboard?x=1",
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/staff/dashboard?x=1"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("samesite", "SameSite")


def test_sign_in_refuses_a_wrong_code_and_a_foreign_next(registry: Registry) -> None:
    new = accounts.add_user(uow=registry.uow(), name="clerk", roles=[Role.AUDITOR], by="t", password=PASSWORD)
    http = client(registry)
    form = http.get("/staff/login?lang=en")
    wrong = http.post(
        "/staff/login",
        data={"login_token": login_token(form.text), "name": "clerk", "password": PASSWORD, "totp": "000000"},
    )
    assert wrong.status_code == 401 and "Sign-in refused" in wrong.text
    form = http.get("/staff/login?lang=en")
    ok = http.post(
        "/staff/login",
        data={
            "login_token": login_token(form.text),
            "name": "clerk",
            "password": PASSWORD,
            "totp": pyotp.TOTP(new.totp_secret).now(),
            "next": "//evil.example/staff/",
        },
        follow_redirects=False,
    )
    assert ok.headers["location"] == START_PAGES[Role.AUDITOR]


def test_sign_in_needs_the_forms_own_token(registry: Registry) -> None:
    new = accounts.add_user(uow=registry.uow(), name="clerk", roles=[Role.AUDITOR], by="t", password=PASSWORD)
    http = client(registry)
    forged = http.post(
        "/staff/login",
        data={
            "login_token": "forged",
            "name": "clerk",
            "password": PASSWORD,
            "totp": pyotp.TOTP(new.totp_secret).now(),
        },
        follow_redirects=False,
    )
    assert forged.status_code == 403


@pytest.mark.parametrize("role", list(Role))
def test_every_role_starts_on_its_own_page(registry: Registry, role: Role) -> None:
    staff = staff_browser(registry, f"u-{role.value}", [role.value])
    answer = staff.http.get("/staff/", follow_redirects=False)
    assert answer.headers["location"] == START_PAGES[role]


def test_a_change_without_the_csrf_token_is_refused(registry: Registry) -> None:
    staff = staff_browser(registry, "clerk", ["registrar"])
    refused = staff.http.post("/staff/logout", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert staff.http.get("/staff/dashboard").status_code == 200
    done = staff.post("/staff/logout", follow_redirects=False)
    assert done.status_code == 303
    assert staff.http.get("/staff/dashboard", follow_redirects=False).status_code == 303


def test_the_language_comes_from_the_browser_then_the_choice_is_remembered(registry: Registry) -> None:
    staff = staff_browser(registry, "clerk", ["registrar"])
    russian = staff.http.get("/staff/dashboard", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert '<html lang="ru">' in russian.text
    chosen = staff.http.get("/staff/dashboard?lang=en", headers={"Accept-Language": "ru"})
    assert '<html lang="en">' in chosen.text and chosen.cookies.get("pb_lang") == "en"
    again = staff.http.get("/staff/dashboard", headers={"Accept-Language": "ru"})
    assert '<html lang="en">' in again.text


def test_the_dashboard_counts_people_held_and_open_inquiries(registry: Registry) -> None:
    add_places(registry, "CAMP-1")
    for n in range(3):
        register(registry, fields={"surname": f"Іваненко{n}", "category": "pow"}, place="CAMP-1")
    staff = staff_browser(registry, "clerk", ["hotline_operator"])
    page = staff.http.get("/staff/dashboard?lang=en")
    assert page.status_code == 200
    assert "People we hold: 3" in page.text
    assert "Іваненко" not in page.text  # counts only
    assert csrf_of(page.text) == staff.csrf
    assert "unsafe-inline" not in page.headers["content-security-policy"]
