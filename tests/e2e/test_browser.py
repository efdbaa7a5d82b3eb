"""The web UI in a real browser (Debian's chromium, Playwright) against ``powbureau serve``
on SQLite: sign-in, language, the family pages at 360 px without JavaScript, and axe-core
on every main page. PostgreSQL is covered by the HTTP tests of the same pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import Staff, add_staff, axe_violations, browser, describe, sign_in
from cli_support import serving

from builders import Registry, add_places, make_registry, register
from powbureau.domain.access import Role

__all__ = ["browser"]


class Site:
    """The running service and the staff who use it."""

    def __init__(self, base: str, reg: Registry, staff: dict[Role, Staff]) -> None:
        self.base = base
        self.registry = reg
        self.staff = staff


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder: Path = tmp_path_factory.mktemp("site")
    with make_registry("sqlite", folder) as reg:
        add_places(reg, "CAMP-1")
        register(
            reg,
            fields={"surname": "Коваленко", "given_name": "Дмитро", "birth_date": "2001-03-14"},
            place="CAMP-1",
        )
        staff = {role: add_staff(reg, f"e2e-{role.value.replace('_', '-')}", role) for role in Role}
        reg.engine.dispose()
        with serving(reg.url) as base:
            yield Site(base, reg, staff)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-GB")
    try:
        yield context.new_page()
    finally:
        context.close()


def test_staff_sign_in_with_the_second_factor_and_land_on_their_start_page(site: Site, page: Any) -> None:
    page.goto(f"{site.base}/staff/dashboard")
    assert "/staff/login" in page.url
    sign_in(page, site.base, site.staff[Role.AUDITOR])
    assert page.url.endswith("/staff/audit")
    assert page.get_by_role("heading", level=1).inner_text() == "Audit of reads of personal data"
    page.get_by_role("link", name="Dashboard").click()
    assert page.get_by_role("heading", name="Dashboard").is_visible()


def test_a_wrong_code_is_refused_with_one_message(site: Site, page: Any) -> None:
    page.goto(f"{site.base}/staff/login?lang=en")
    page.get_by_label("Account").fill(site.staff[Role.REGISTRAR].name)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_label("Code from your authenticator app").fill("123456")
    page.get_by_role("button", name="Sign in").click()
    assert "Sign-in refused" in page.get_by_role("alert").inner_text()


def test_switching_language_is_remembered(site: Site, page: Any) -> None:
    sign_in(page, site.base, site.staff[Role.AUDITOR])
    page.get_by_role("link", name="Русский").click()
    assert page.locator("html").get_attribute("lang") == "ru"
    page.goto(f"{site.base}/staff/dashboard")
    assert page.locator("html").get_attribute("lang") == "ru"
    page.get_by_role("link", name="Українська").click()
    assert page.locator("html").get_attribute("lang") == "uk"


@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
def test_the_family_form_works_without_javascript_at_360px(site: Site, browser: Any, lang: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.goto(f"{site.base}/public/inquiries/new?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        title = page.title()
        assert "Коваленко" not in title
        inputs = page.locator("form input:not([type=hidden])")
        assert inputs.count() > 5
    finally:
        context.close()


STAFF_PAGES = [
    (Role.AUDITOR, "/staff/audit"),
    (Role.ADMINISTRATOR, "/staff/admin"),
    (Role.HOTLINE_OPERATOR, "/staff/dashboard"),
]


@pytest.mark.parametrize(("role", "path"), STAFF_PAGES, ids=[p for _, p in STAFF_PAGES])
def test_axe_finds_no_serious_violation_on_staff_pages(
    site: Site, browser: Any, role: Role, path: str
) -> None:
    context = browser.new_context(bypass_csp=True, locale="uk-UA")
    try:
        page = context.new_page()
        sign_in(page, site.base, site.staff[role])
        page.goto(f"{site.base}{path}")
        found = axe_violations(page)
        assert not found, describe(found)
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/staff/login", "/public/inquiries/new", "/public/follow-up"])
def test_axe_finds_no_serious_violation_on_open_pages(site: Site, browser: Any, path: str) -> None:
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{site.base}{path}")
        found = axe_violations(page)
        assert not found, describe(found)
    finally:
        context.close()


def test_the_accessibility_check_can_fail(browser: Any) -> None:
    page = browser.new_page()
    try:
        page.set_content("<html><body><form><input type='text'></form></body></html>")
        found = {v["id"] for v in axe_violations(page)}
        assert {"label", "html-has-lang"} <= found
    finally:
        page.close()
