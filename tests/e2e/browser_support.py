"""Browser tests: Debian's chromium driven by Playwright (its executable path, nothing
downloaded), against ``powbureau serve`` as a real process on a SQLite registry.

The tests skip, saying why, where no chromium is found; ``scripts/bootstrap test``
installs Debian's chromium and chromium-driver, so under ``.ci/run`` they run.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from api_support import PASSWORD
from builders import Registry
from powbureau.domain.access import Role
from powbureau.services import accounts

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def chromium_path() -> str | None:
    """Debian's chromium, or None."""
    for candidate in (os.environ.get("POWBUREAU_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless chromium for the module's tests."""
    path = chromium_path()
    if path is None:
        pytest.skip("no chromium found: install Debian's chromium (scripts/bootstrap test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


class Staff:
    """A member of staff the browser signs in as."""

    def __init__(self, name: str, secret: str) -> None:
        self.name = name
        self.secret = secret

    def code(self) -> str:
        return pyotp.TOTP(self.secret).now()


def add_staff(reg: Registry, name: str, *roles: Role) -> Staff:
    """An account with ``roles`` and the tests' password."""
    new = accounts.add_user(uow=reg.uow(), name=name, roles=list(roles), by="test", password=PASSWORD)
    return Staff(name, new.totp_secret)


def sign_in(page: Any, base: str, staff: Staff, lang: str = "en") -> None:
    """Sign in through the form, as a person would, by the fields' labels."""
    page.goto(f"{base}/staff/login?lang={lang}")
    page.get_by_label("Account", exact=True).fill(staff.name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(staff.code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page (WCAG 2 A and AA rules).

    The page's context must bypass the CSP (the check injects axe-core's script)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def describe(violations: list[dict[str, Any]]) -> str:
    return json.dumps(violations, ensure_ascii=False, indent=1)
