"""``powbureau user ...`` from outside: credentials printed once, exit codes, unlock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from cli_support import Cli
from typer.testing import CliRunner

from powbureau.cli import app
from powbureau.domain.access import Role
from powbureau.domain.errors import LoginRefused
from powbureau.services import accounts
from powbureau.services.accounts import StaffSession
from powbureau.store.db import open_engine
from powbureau.store.uow import SqlUnitOfWork

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def uow(cli: Cli) -> Iterator[SqlUnitOfWork]:
    """A unit of work on the command's registry, for logging in through the service."""
    engine = open_engine(cli.db)
    try:
        yield SqlUnitOfWork(engine)
    finally:
        engine.dispose()


def printed(out: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in out.splitlines())


def log_in(uow: SqlUnitOfWork, name: str, password: str, secret: str, at: datetime) -> StaffSession:
    code = pyotp.TOTP(secret).at(at)
    return accounts.login(uow=uow, name=name, password=password, totp_code=code, address="::1", now=at)


def test_user_add_prints_the_credentials_once_and_they_log_in(cli: Cli, uow: SqlUnitOfWork) -> None:
    run = cli.sub("user", "add", "ivan.k", "--role", "registrar", "--role", "tracing_officer")
    assert run.code == 0, run.text
    shown = printed(run.out)
    assert shown["name"] == "ivan.k" and shown["roles"] == "registrar, tracing_officer"
    uri = f"otpauth://totp/powbureau:ivan.k?secret={shown['totp secret']}&issuer=powbureau"
    assert shown["otpauth uri"] == uri
    assert "shown only now" in run.err
    session = log_in(uow, "ivan.k", shown["password"], shown["totp secret"], T0)
    assert session.staff.roles == {Role.REGISTRAR, Role.TRACING_OFFICER}
    listed = cli.ok("user", "list", "--json").json()["users"]
    assert [(u["name"], u["roles"]) for u in listed] == [("ivan.k", ["registrar", "tracing_officer"])]
    assert shown["password"] not in cli.ok("user", "list", "--json").out
    (added,) = cli.ok("user", "alerts", "--json").json()["alerts"]
    assert added["kind"] == "account_added" and added["by"].startswith("os:")


def test_user_add_reads_a_chosen_password_from_stdin(cli: Cli, uow: SqlUnitOfWork) -> None:
    argv = ["--db", cli.db, "user", "add", "olena", "--role", "auditor", "--password-stdin", "--json"]
    result = CliRunner().invoke(app, argv, input="a password of my own\n", env={"POWBUREAU_DB": None})
    assert result.exit_code == 0, result.output
    shown = result.stdout
    assert '"password": null' in shown and "a password of my own" not in shown
    secret = pyotp.parse_uri(json.loads(shown)["otpauth_uri"]).secret
    assert log_in(uow, "olena", "a password of my own", secret, T0).staff.roles == {Role.AUDITOR}
    short = CliRunner().invoke(
        app, [*argv[:4], "petro", *argv[5:]], input="short\n", env={"POWBUREAU_DB": None}
    )
    assert short.exit_code == 1 and "12 characters" in short.stderr


def test_user_add_refusals_and_usage_errors(cli: Cli) -> None:
    cli.ok("user", "add", "ivan.k", "--role", "registrar")
    taken = cli("user", "add", "ivan.k", "--role", "auditor")
    assert taken.code == 1 and "already exists" in taken.err and taken.out == ""
    bad = cli("user", "add", "Ivan K", "--role", "auditor")
    assert bad.code == 1 and "account name 'Ivan K' is not allowed" in bad.err
    assert cli("user", "add", "petro", "--role", "warden").code == 2
    assert cli("user", "add", "petro").code == 2


def test_user_unlock_lets_a_locked_account_log_in_again(cli: Cli, uow: SqlUnitOfWork) -> None:
    shown = printed(cli.ok("user", "add", "ivan.k", "--role", "medical").out)
    at = T0
    for _ in range(10):
        with pytest.raises(LoginRefused) as info:
            log_in(uow, "ivan.k", "wrong password!", shown["totp secret"], at)
        at += timedelta(seconds=info.value.retry_after)
    (listed,) = cli.ok("user", "list", "--json").json()["users"]
    assert listed["locked_at"] is not None
    at += timedelta(minutes=2)
    with pytest.raises(LoginRefused):
        log_in(uow, "ivan.k", shown["password"], shown["totp secret"], at)
    run = cli.sub("user", "unlock", "ivan.k")
    assert run.code == 0 and run.out.strip() == "ivan.k unlocked", run.text
    (listed,) = cli.ok("user", "list", "--json").json()["users"]
    assert listed["locked_at"] is None and listed["failures"] == 0
    assert log_in(uow, "ivan.k", shown["password"], shown["totp secret"], at + timedelta(seconds=60))
    kinds = [a["kind"] for a in cli.ok("user", "alerts", "--name", "ivan.k", "--json").json()["alerts"]]
    assert kinds[:2] == ["account_unlocked", "account_locked"]
    missing = cli("user", "unlock", "nobody")
    assert missing.code == 1 and "no staff account 'nobody'" in missing.err


def test_reset_totp_and_disable_through_the_cli(cli: Cli, uow: SqlUnitOfWork) -> None:
    first = printed(cli.ok("user", "add", "ivan.k", "--role", "liaison").out)
    second = cli.ok("user", "reset-totp", "ivan.k", "--json").json()
    assert second["password"] is None and second["totp_secret"] != first["totp secret"]
    session = log_in(uow, "ivan.k", first["password"], second["totp_secret"], T0)
    cli.ok("user", "disable", "ivan.k")
    with pytest.raises(LoginRefused):
        log_in(uow, "ivan.k", first["password"], second["totp_secret"], T0 + timedelta(seconds=30))
    assert cli.ok("user", "list", "--json").json()["users"][0]["disabled"] is True
    assert session.staff.name == "ivan.k"


def test_enable_and_new_roles_through_the_cli(cli: Cli, uow: SqlUnitOfWork) -> None:
    first = printed(cli.ok("user", "add", "olena", "--role", "registrar").out)
    cli.ok("user", "disable", "olena")
    cli.ok("user", "enable", "olena")
    cli.ok("user", "roles", "olena", "--role", "tracing_officer", "--role", "hotline_operator")
    session = log_in(uow, "olena", first["password"], first["totp secret"], T0)
    assert session.staff.roles == {Role.TRACING_OFFICER, Role.HOTLINE_OPERATOR}
    kinds = [a["kind"] for a in cli.ok("user", "alerts", "--json").json()["alerts"]]
    assert {"account_disabled", "account_enabled", "roles_changed"} <= set(kinds)
