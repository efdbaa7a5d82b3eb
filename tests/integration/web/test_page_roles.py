"""Every page of the staff UI without a path parameter, opened as every role and without a
session: the roles the table below names get the page, every other role a 403 page, and
nobody signed in is sent to sign in. A new page without a row fails the first test."""

from __future__ import annotations

import pytest

from api_support import client
from builders import Registry
from powbureau.domain.access import Role
from powbureau.web.routes import ROUTERS
from web_support import staff_browser

R = Role
EVERYONE = frozenset(Role)
PERSON_PAGES = frozenset({R.REGISTRAR, R.TRACING_OFFICER, R.LIAISON})

#: The pages (GET, no path parameter) and the roles that open them.
PAGES: dict[str, frozenset[Role]] = {
    "/staff/dashboard": EVERYONE,
    "/staff/admin": frozenset({R.ADMINISTRATOR}),
    "/staff/audit": frozenset({R.AUDITOR}),
    "/staff/exchanges": frozenset({R.EXCHANGE_NEGOTIATOR, R.LIAISON}),
    "/staff/medical": frozenset({R.MEDICAL}),
    "/staff/liaison": frozenset({R.LIAISON}),
    "/staff/tracing": frozenset({R.TRACING_OFFICER}),
    "/staff/inquiries": frozenset({R.TRACING_OFFICER}),
    "/staff/mail": frozenset({R.TRACING_OFFICER}),
    "/staff/hotline": frozenset({R.HOTLINE_OPERATOR, R.TRACING_OFFICER}),
    "/staff/registry": PERSON_PAGES,
    "/staff/persons/new": frozenset({R.REGISTRAR}),
    "/staff/places": frozenset({R.REGISTRAR, R.TRACING_OFFICER, R.LIAISON, R.MEDICAL, R.EXCHANGE_NEGOTIATOR}),
    "/staff/imports": frozenset({R.REGISTRAR}),
}


def staff_get_routes() -> set[str]:
    """The GET pages of every router the app mounts under /staff."""
    found = set()
    for route in [r for router in ROUTERS for r in router.routes]:
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", set()) or set()
        if path.startswith("/staff/") and "GET" in methods and "{" not in path and path != "/staff/login":
            found.add(path)
    return found


def test_every_page_has_a_row_and_every_row_a_page() -> None:
    routes = staff_get_routes()
    assert routes - set(PAGES) == set(), "pages without a row in PAGES"
    assert set(PAGES) - routes == set(), "rows of PAGES without a page"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_its_pages_and_no_other(registry: Registry, role: Role) -> None:
    staff = staff_browser(registry, f"u-{role.value}", [role.value])
    wrong = {}
    for path, allowed in PAGES.items():
        status = staff.http.get(path, follow_redirects=False).status_code
        expected = 200 if role in allowed else 403
        if status != expected:
            wrong[path] = (status, expected)
    assert not wrong, wrong


def test_nobody_signed_in_is_sent_to_sign_in(registry: Registry) -> None:
    http = client(registry)
    for path in PAGES:
        answer = http.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/staff/login?next=")
