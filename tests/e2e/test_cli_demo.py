"""``demo``: synthetic people, inquiries, an exchange and one account per role, with the
published secrets printed; it refuses a registry holding anything it did not make, and
every page of a demo registry says so."""

from __future__ import annotations

import pyotp
from cli_support import Cli

from api_support import client
from builders import Registry
from powbureau.domain.access import Role
from powbureau.services.demo import demo_accounts
from powbureau.store.db import open_engine
from web_support import login_token


def test_demo_fills_an_empty_registry_prints_its_accounts_and_runs_again(sqlite_cli: Cli) -> None:
    first = sqlite_cli.ok("demo", "--persons", "60")
    assert "registered 60 synthetic persons" in first.out
    for account in demo_accounts():
        assert account.name in first.out and account.totp_secret in first.out
    assert {a.role for a in demo_accounts()} == set(Role)
    again = sqlite_cli.ok("demo", "--persons", "60")
    assert "registered 0 synthetic persons" in again.out
    sqlite_cli.ok("verify")


def test_demo_refuses_a_registry_holding_real_data(sqlite_cli: Cli) -> None:
    sqlite_cli.ok("register", "--surname", "Петренко", "--given-name", "Іван")
    refused = sqlite_cli("demo", "--persons", "10")
    assert refused.code == 1
    assert "did not make" in refused.err and "1 persons" in refused.err
    assert sqlite_cli.stats()["persons"] == 1


def test_every_page_of_a_demo_registry_carries_the_banner_and_demo_accounts_sign_in(sqlite_cli: Cli) -> None:
    sqlite_cli.ok("demo", "--persons", "30")
    engine = open_engine(sqlite_cli.db)
    try:
        http = client(Registry("sqlite", sqlite_cli.db, engine))
        form = http.get("/staff/login?lang=en")
        assert "synthetic data only" in form.text
        account = next(a for a in demo_accounts() if a.role is Role.TRACING_OFFICER)
        signed = http.post(
            "/staff/login",
            data={
                "login_token": login_token(form.text),
                "name": account.name,
                "password": account.password,
                "totp": pyotp.TOTP(account.totp_secret).now(),
            },
            follow_redirects=False,
        )
        assert signed.status_code == 303 and signed.headers["location"] == "/staff/tracing"
        assert "synthetic data only" in http.get("/staff/dashboard?lang=en").text
        for family_page in ("/public/inquiries/new?lang=en", "/public/follow-up?lang=en"):
            assert "synthetic data only" in http.get(family_page).text
    finally:
        engine.dispose()


def test_a_registry_not_filled_by_the_demo_has_no_banner(sqlite_cli: Cli) -> None:
    engine = open_engine(sqlite_cli.db)
    try:
        page = client(Registry("sqlite", sqlite_cli.db, engine)).get("/staff/login?lang=en")
        assert "synthetic data only" not in page.text and "Demo accounts" not in page.text
    finally:
        engine.dispose()
