"""The key file of the TOTP secrets from outside: ``init`` makes it beside an embedded registry,
PostgreSQL needs ``POWBUREAU_SECRET_KEY_FILE``, a wrong or missing key stops ``init`` and
``serve`` with a message, ``user key-create`` and ``user rotate-key``."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from cli_support import Cli, invoke, run_cli
from sqlalchemy import inspect

from powbureau.services import accounts
from powbureau.store.db import open_engine
from powbureau.store.keyring import KEY_FILE_ENV, create_keyring, keyring_for
from powbureau.store.migrate import downgrade
from powbureau.store.uow import SqlUnitOfWork

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def added(cli: Cli, name: str) -> dict[str, str]:
    value = cli.ok("user", "add", name, "--role", "registrar", "--json").json()
    assert isinstance(value, dict)
    return value


def signs_in(db: str, shown: dict[str, str], at: datetime) -> bool:
    engine = open_engine(db)
    try:
        code = pyotp.TOTP(shown["totp_secret"]).at(at)
        session = accounts.login(
            uow=SqlUnitOfWork(engine),
            name=shown["name"],
            password=shown["password"],
            totp_code=code,
            address="::1",
            now=at,
        )
        return session.staff.name == shown["name"]
    finally:
        engine.dispose()


def test_the_quick_start_init_makes_the_key_file_beside_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`powbureau init` in an empty folder, no variable set: nothing else to do."""
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    first = run_cli("init", db=None, cwd=tmp_path)
    assert first.code == 0, first.text
    keys = tmp_path / "powbureau.keyring"
    assert f"created the key file {keys}" in first.err and "apart from the database" in first.err
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    content = keys.read_bytes()
    again = run_cli("init", db=None, cwd=tmp_path)
    assert again.code == 0 and "created the key file" not in again.err
    assert keys.read_bytes() == content  # never overwritten
    shown = json.loads(
        run_cli("user", "add", "ivan.k", "--role", "registrar", "--json", db=None, cwd=tmp_path).out
    )
    assert signs_in(f"sqlite:///{tmp_path / 'powbureau.db'}", shown, T0)
    assert shown["totp_secret"].encode() not in (tmp_path / "powbureau.db").read_bytes()


def test_a_key_file_others_may_read_is_warned_about(sqlite_cli: Cli) -> None:
    keys = keyring_for(sqlite_cli.db).path
    assert "may be read by others" not in sqlite_cli.ok("init").err
    keys.chmod(0o640)
    run = sqlite_cli.ok("init")
    assert f"warning: the key file {keys} may be read by others (mode 0640): `chmod 600 {keys}`" in run.err


def test_a_lost_key_file_is_never_replaced_by_a_new_one(sqlite_cli: Cli) -> None:
    shown = added(sqlite_cli, "ivan.k")
    keys = keyring_for(sqlite_cli.db).path
    kept = keys.read_bytes()
    keys.unlink()
    for args in (["init"], ["serve"], ["user", "add", "olga.p", "--role", "auditor"], ["user", "rotate-key"]):
        run = sqlite_cli(*args)
        assert run.code == 1, run.text
        assert f"the key file {keys} of this registry is missing: restore it" in run.err, run.text
    assert not keys.exists()
    keys.write_bytes(kept)
    assert sqlite_cli("init").code == 0
    assert signs_in(sqlite_cli.db, shown, T0)


def test_a_wrong_key_file_stops_init_and_serve(cli: Cli, tmp_path: Path) -> None:
    added(cli, "ivan.k")
    keys = keyring_for(cli.db).path
    keys.rename(tmp_path / "right.keyring")
    create_keyring(keys)
    for args in (["init"], ["serve"]):
        run = cli.sub(*args)
        assert run.code == 1, run.text
        assert "which the key file" in run.err and str(keys) in run.err, run.text


@pytest.mark.postgres
def test_postgres_without_the_variable_refuses_init_and_serve(empty_postgres_url: str) -> None:
    run = invoke("init", db=empty_postgres_url, **{KEY_FILE_ENV: None})
    assert run.code == 1 and f"set {KEY_FILE_ENV}" in run.err and "user key-create" in run.err, run.text
    engine = open_engine(empty_postgres_url)
    try:
        assert inspect(engine).get_table_names() == []  # refused before migrating anything
    finally:
        engine.dispose()
    assert invoke("init", db=empty_postgres_url).code == 0  # the fixture's key file
    served = run_cli("serve", db=empty_postgres_url, **{KEY_FILE_ENV: ""})
    assert served.code == 1 and f"set {KEY_FILE_ENV}" in served.err, served.text
    missing = invoke("serve", db=empty_postgres_url, **{KEY_FILE_ENV: "/nonexistent/k.keyring"})
    assert missing.code == 1 and f"{KEY_FILE_ENV} names /nonexistent/k.keyring" in missing.err


def test_key_create_writes_a_new_file_for_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "bureau.keyring"
    made = invoke("user", "key-create", str(path), db=None)
    assert made.code == 0 and f"key file {path} written" in made.out and KEY_FILE_ENV in made.err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_bytes()
    again = invoke("user", "key-create", str(path), db=None)
    assert again.code == 1 and "never overwritten" in again.err and path.read_bytes() == content


def test_rotate_key_reseals_every_secret_and_sign_in_goes_on(cli: Cli) -> None:
    ivan, olga = added(cli, "ivan.k"), added(cli, "olga.p")
    before = keyring_for(cli.db)
    done = cli.ok("user", "rotate-key", "--json").json()
    assert done["resealed"] == 2 and done["key"] != before.current and done["key_file"] == str(before.path)
    keys = keyring_for(cli.db)
    assert list(keys.keys) == [before.current, done["key"]]
    assert signs_in(cli.db, ivan, T0) and signs_in(cli.db, olga, T0)
    again = cli.ok("user", "rotate-key", "--reseal-only").out
    assert f"2 TOTP secrets sealed with key {done['key']}" in again


def test_init_seals_the_clear_secrets_of_an_older_registry(cli: Cli) -> None:
    ivan = added(cli, "ivan.k")
    engine = open_engine(cli.db)
    try:
        downgrade(engine, "0012")  # the schema (and clear secrets) of the previous version
        with engine.connect() as conn:
            assert (
                conn.exec_driver_sql("SELECT totp_secret FROM staff_accounts").scalar_one()
                == ivan["totp_secret"]
            )
    finally:
        engine.dispose()
    assert cli("user", "list").code == 1  # an old schema is no registry until init
    assert cli.ok("init")
    assert signs_in(cli.db, ivan, T0 + timedelta(minutes=1))
    engine = open_engine(cli.db)
    try:
        with engine.connect() as conn:
            sealed = conn.exec_driver_sql("SELECT totp_sealed FROM staff_accounts").scalar_one()
    finally:
        engine.dispose()
    assert sealed.startswith("v1:") and ivan["totp_secret"] not in sealed
