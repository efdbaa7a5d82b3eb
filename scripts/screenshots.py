"""Screenshots of the main pages, from demo data, for the README and docs/user-guide.md.

Run with ``.venv/bin/python scripts/screenshots.py`` (needs Debian's chromium). It makes a
demo registry in a temporary folder, serves it, signs in as each role's demo account in
chromium and saves PNGs under docs/screenshots/. Nothing here is a real person.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyotp
from playwright.sync_api import Page, sync_playwright

from powbureau.services.demo import demo_accounts

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CLI = ROOT / ".venv" / "bin" / "powbureau"

#: (file, role, path, language, width): the pages the README and the user guide show.
SHOTS: list[tuple[str, str, str, str, int]] = [
    ("login", "", "/staff/login", "en", 1280),
    ("dashboard", "registrar", "/staff/dashboard", "en", 1280),
    ("registry-search", "registrar", "/staff/registry?status=held", "en", 1280),
    ("person", "registrar", "@person", "en", 1280),
    ("register", "registrar", "/staff/persons/new", "uk", 1280),
    ("review-queue", "tracing_officer", "/staff/tracing", "en", 1280),
    ("review", "tracing_officer", "@review", "en", 1280),
    ("mail-queue", "tracing_officer", "/staff/mail", "en", 1280),
    ("hotline", "hotline_operator", "/staff/hotline", "uk", 1280),
    ("exchanges", "exchange_negotiator", "/staff/exchanges", "en", 1280),
    ("exchange", "exchange_negotiator", "@exchange", "en", 1280),
    ("medical", "medical", "/staff/medical", "en", 1280),
    ("liaison", "liaison", "/staff/liaison", "en", 1280),
    ("audit", "auditor", "/staff/audit", "en", 1280),
    ("accounts", "administrator", "/staff/admin", "en", 1280),
    ("family-inquiry-ru", "", "/public/inquiries/new", "ru", 360),
    ("family-follow-up-uk", "", "/public/follow-up", "uk", 360),
]

#: Pages whose address comes from a list: (the list, the link to take on it).
FOUND_ON: dict[str, tuple[str, str]] = {
    "@person": ("/staff/registry?status=held", "main a[href^='/staff/persons/P']"),
    "@review": ("/staff/tracing", "main a[href*='/candidates/']"),
    "@exchange": ("/staff/exchanges", "main a[href^='/staff/exchanges/X']"),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sign_in(page: Page, base: str, role: str) -> None:
    account = next(a for a in demo_accounts() if a.role.value == role)
    page.goto(f"{base}/staff/login?lang=en")
    page.get_by_label("Account", exact=True).fill(account.name)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(account.totp_secret).now())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _first_link(page: Page, base: str, listing: str, selector: str) -> str:
    """The address of the first link on ``listing`` that ``selector`` finds."""
    page.goto(f"{base}{listing}")
    _give_reason(page)
    href = page.locator(selector).first.get_attribute("href")
    return str(href)


def _give_reason(page: Page) -> None:
    """A person's page outside a case, and the registry's list, first ask why: answer as a
    registrar checking a list."""
    choice = page.locator("main input[name=why][value=list_check]")
    if choice.count() and not page.locator("main input[name=why]:checked").count():
        choice.check()
        page.locator("#f-why_text").fill("camp 1 roll call")
        choice.locator("xpath=ancestor::form").locator("button[type=submit]").last.click()
        page.wait_for_load_state()


def main() -> int:
    chromium = os.environ.get("POWBUREAU_CHROMIUM", "/usr/bin/chromium")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/demo.db"
        env = {**os.environ, "NO_COLOR": "1"}
        subprocess.run([str(CLI), "--db", db, "init"], check=True, env=env, capture_output=True)
        subprocess.run(
            [str(CLI), "--db", db, "demo", "--persons", "300"], check=True, env=env, capture_output=True
        )
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(CLI), "--db", db, "serve", "--port", str(port), "--insecure-cookies"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
                pages: dict[str, Page] = {}  # one signed-in page per role: a code signs in once
                for name, role, path, lang, width in SHOTS:
                    if role not in pages:
                        pages[role] = browser.new_context(locale=lang).new_page()
                        if role:
                            _sign_in(pages[role], base, role)
                    page = pages[role]
                    page.set_viewport_size({"width": width, "height": 900})
                    if path in FOUND_ON:
                        path = _first_link(page, base, *FOUND_ON[path])
                    separator = "&" if "?" in path else "?"
                    page.goto(f"{base}{path}{separator}lang={lang}")
                    _give_reason(page)
                    page.screenshot(path=str(OUT / f"{name}.png"), full_page=width < 400)
                    print(f"docs/screenshots/{name}.png  {path} ({lang}, {width} px)")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
