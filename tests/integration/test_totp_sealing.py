"""The staff accounts' TOTP secrets are sealed at rest, on both databases.

A dump of the database must not give anyone an officer's second factor: the stored value is
AES-GCM under a key kept outside the database, bound to its account. A wrong or missing key
is a clear refusal, never a crash and never a way in.
"""

from __future__ import annotations

import os
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select, update

from api_support import client
from builders import Registry
from powbureau.domain.access import Role
from powbureau.domain.errors import KeyUnavailable, LoginRefused, SecretUnreadable
from powbureau.services import accounts
from powbureau.services.accounts import NewCredentials
from powbureau.store.accounts import staff_accounts
from powbureau.store.keyring import (
    KEY_FILE_ENV,
    add_key,
    create_keyring,
    default_keyring_path,
    keyring_for,
    load_keyring,
)
from powbureau.store.migrate import downgrade, upgrade
from web_support import login_token

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ADMIN = "os:admin"
PASSWORD = "correct horse battery staple 42"
SEALED = re.compile(r"v1:[0-9a-f]{8}:[A-Za-z0-9_-]+")


def add(reg: Registry, name: str) -> NewCredentials:
    return accounts.add_user(uow=reg.uow(), name=name, roles=[Role.REGISTRAR], by=ADMIN, password=PASSWORD)


def login(
    reg: Registry, creds: NewCredentials, at: datetime, secret: str | None = None
) -> accounts.StaffSession:
    code = pyotp.TOTP(secret or creds.totp_secret).at(at)
    return accounts.login(
        uow=reg.uow(), name=creds.name, password=PASSWORD, totp_code=code, address="::1", now=at
    )


def stored(reg: Registry) -> dict[str, tuple[int, str]]:
    with reg.engine.connect() as conn:
        rows = conn.execute(select(staff_accounts.c.name, staff_accounts.c.id, staff_accounts.c.totp_sealed))
        return {name: (account_id, sealed) for name, account_id, sealed in rows}


def alerts(reg: Registry, kind: str) -> list[accounts.SecurityAlert]:
    return [a for a in accounts.list_alerts(uow=reg.uow(write=False)) if a.kind == kind]


def key_file(reg: Registry) -> Path:
    return keyring_for(reg.url).path


def replace_key_file(path: Path) -> None:
    """Put another key in the file's place (as a wrong file from another registry would be)."""
    path.unlink()
    create_keyring(path)


# ---------------------------------------------------------------------------------------
# What is stored


def test_the_stored_value_is_sealed_never_the_secret(registry: Registry) -> None:
    ivan, olga = add(registry, "ivan.k"), add(registry, "olga.p")
    reset = accounts.reset_totp(uow=registry.uow(), name="olga.p", by=ADMIN)
    values = stored(registry)
    for creds in (ivan, olga, reset):
        assert len(creds.totp_secret) == 32
        for sealed in (v for _, v in values.values()):
            assert creds.totp_secret not in sealed
            assert creds.totp_secret.lower() not in sealed.lower()
    assert all(SEALED.fullmatch(v) for _, v in values.values())
    # the same secret sealed twice differs (a fresh nonce each time)
    keys = keyring_for(registry.url)
    assert keys.seal(ivan.totp_secret, 1) != keys.seal(ivan.totp_secret, 1)
    # nor does any alert carry it
    for alert in accounts.list_alerts(uow=registry.uow(write=False)):
        assert ivan.totp_secret not in str(alert.detail) and reset.totp_secret not in str(alert.detail)
    # and the old secret of the reset account no longer works, the new one does
    with pytest.raises(LoginRefused):
        login(registry, olga, T0)
    assert login(registry, olga, T0, secret=reset.totp_secret).staff.name == "olga.p"
    assert login(registry, ivan, T0).staff.name == "ivan.k"


def test_the_database_files_hold_no_secret(sqlite_registry: Registry, tmp_path: Path) -> None:
    """Every byte of the SQLite registry (and its write-ahead log): no secret, in any case."""
    shown = [add(sqlite_registry, f"officer.{n}").totp_secret for n in range(5)]
    shown.append(accounts.reset_totp(uow=sqlite_registry.uow(), name="officer.0", by=ADMIN).totp_secret)
    files = [p for p in tmp_path.iterdir() if p.name.startswith("registry.db")]
    data = b"".join(p.read_bytes() for p in files)
    assert len(data) > 10_000
    for secret in shown:
        assert secret.encode() not in data and secret.lower().encode() not in data
    # ...whereas the key file is beside it, readable by its owner only
    keys = default_keyring_path(tmp_path / "registry.db")
    assert keys.name == "registry.keyring"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600


def test_a_sealed_value_copied_to_another_account_does_not_open(registry: Registry) -> None:
    ivan, olga = add(registry, "ivan.k"), add(registry, "olga.p")
    values = stored(registry)
    # someone with write access to the database gives olga's row ivan's sealed secret
    with registry.engine.begin() as conn:
        conn.execute(
            update(staff_accounts)
            .where(staff_accounts.c.name == "olga.p")
            .values(totp_sealed=values["ivan.k"][1])
        )
    for secret in (ivan.totp_secret, olga.totp_secret):
        with pytest.raises(LoginRefused):
            login(registry, olga, T0, secret=secret)
    unreadable = alerts(registry, "totp_secret_unreadable")
    assert len(unreadable) == 2
    for alert in unreadable:
        assert alert.account == "olga.p" and f"staff account #{values['olga.p'][0]}" in alert.detail["error"]
    with pytest.raises(SecretUnreadable, match="copied from another account"):
        accounts.check_totp_keys(uow=registry.uow(write=False))
    # ivan is untouched
    assert login(registry, ivan, T0).staff.name == "ivan.k"


def test_an_altered_sealed_value_does_not_open(registry: Registry) -> None:
    ivan = add(registry, "ivan.k")
    sealed = stored(registry)["ivan.k"][1]
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with registry.engine.begin() as conn:
        conn.execute(update(staff_accounts).values(totp_sealed=flipped))
    with pytest.raises(LoginRefused):
        login(registry, ivan, T0)
    with registry.engine.begin() as conn:
        conn.execute(update(staff_accounts).values(totp_sealed=ivan.totp_secret))
    with pytest.raises(SecretUnreadable, match="not a sealed value"):
        accounts.check_totp_keys(uow=registry.uow(write=False))


# ---------------------------------------------------------------------------------------
# Wrong and missing keys


def test_a_wrong_key_file_is_a_clear_refusal(registry: Registry) -> None:
    ivan = add(registry, "ivan.k")
    path = key_file(registry)
    replace_key_file(path)
    with pytest.raises(
        SecretUnreadable, match=r"was sealed with key '[0-9a-f]{8}', which the key file .* does not"
    ):
        accounts.check_totp_keys(uow=registry.uow(write=False))
    with pytest.raises(LoginRefused):
        login(registry, ivan, T0)
    with pytest.raises(SecretUnreadable):
        client(registry)  # the service does not start on a key that opens nothing


def test_a_wrong_key_under_the_same_id_is_a_clear_refusal(registry: Registry) -> None:
    ivan = add(registry, "ivan.k")
    path = key_file(registry)
    key_id = path.read_text().split()[-2]
    other = create_keyring(path.with_name("other.keyring"))
    lines = [ln for ln in path.read_text().splitlines() if ln.startswith("#")]
    path.write_text("\n".join([*lines, f"{key_id} {other.path.read_text().split()[-1]}"]) + "\n")
    with pytest.raises(SecretUnreadable, match=f"key '{key_id}' of .* does not open the TOTP secret"):
        accounts.check_totp_keys(uow=registry.uow(write=False))
    with pytest.raises(LoginRefused):
        login(registry, ivan, T0)


def test_a_missing_key_file_refuses_and_counts_no_failure(registry: Registry) -> None:
    ivan = add(registry, "ivan.k")
    path = key_file(registry)
    kept = path.read_bytes()
    path.unlink()
    with pytest.raises(KeyUnavailable, match=str(path)):
        login(registry, ivan, T0)
    with pytest.raises(KeyUnavailable):
        add(registry, "olga.p")
    with pytest.raises(KeyUnavailable):
        accounts.reset_totp(uow=registry.uow(), name="ivan.k", by=ADMIN)
    path.write_bytes(kept)
    # the service's fault cost the officer nothing: no failure was counted
    assert [u.failures for u in accounts.list_users(uow=registry.uow(write=False))] == [0]
    assert login(registry, ivan, T0).staff.name == "ivan.k"


def test_the_api_answers_a_missing_key_with_503_and_a_wrong_one_with_the_one_refusal(
    registry: Registry,
) -> None:
    ivan = add(registry, "ivan.k")
    http = client(registry)
    body = {"name": "ivan.k", "password": PASSWORD, "totp": pyotp.TOTP(ivan.totp_secret).now()}
    path = key_file(registry)
    kept = path.read_bytes()
    path.unlink()
    gone = http.post("/api/session", json=body)
    assert gone.status_code == 503 and gone.headers["content-type"] == "application/problem+json"
    assert str(path) not in gone.text and gone.json()["code"] == "key_unavailable"
    create_keyring(path)
    wrong = http.post("/api/session", json=body)
    assert wrong.status_code == 401 and "login refused" in wrong.json()["detail"]
    path.unlink()
    path.write_bytes(kept)
    # neither attempt used the code (one failure waits 0 s): the right key lets him in
    assert http.post("/api/session", json=body).status_code == 200


def test_the_staff_sign_in_page_with_a_missing_or_wrong_key(registry: Registry) -> None:
    ivan = add(registry, "ivan.k")
    http = client(registry)
    path = key_file(registry)
    kept = path.read_bytes()

    def post() -> int:
        form = http.get("/staff/login")
        fields = {"login_token": login_token(form.text), "name": "ivan.k", "password": PASSWORD}
        fields |= {"totp": pyotp.TOTP(ivan.totp_secret).now(), "next": ""}
        answer = http.post("/staff/login", data=fields, follow_redirects=False)
        assert str(path) not in answer.text
        return answer.status_code

    path.unlink()
    assert post() == 503
    create_keyring(path)
    assert post() == 401
    path.unlink()
    path.write_bytes(kept)
    assert post() == 303


def test_postgres_without_a_key_file_names_the_variable(
    postgres_registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_FILE_ENV)
    with pytest.raises(KeyUnavailable, match=f"set {KEY_FILE_ENV}"):
        add(postgres_registry, "ivan.k")
    with pytest.raises(KeyUnavailable, match=KEY_FILE_ENV):
        client(postgres_registry)
    monkeypatch.setenv(KEY_FILE_ENV, "/nonexistent/bureau.keyring")
    with pytest.raises(
        KeyUnavailable, match=f"{KEY_FILE_ENV} names /nonexistent/bureau.keyring, which does not"
    ):
        add(postgres_registry, "ivan.k")


def test_the_variable_wins_over_the_file_beside_sqlite(
    sqlite_registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = create_keyring(tmp_path / "elsewhere" / "bureau.keyring")
    monkeypatch.setenv(KEY_FILE_ENV, str(own.path))
    add(sqlite_registry, "ivan.k")
    assert stored(sqlite_registry)["ivan.k"][1].split(":")[1] == own.current
    monkeypatch.delenv(KEY_FILE_ENV)
    with pytest.raises(SecretUnreadable):
        accounts.check_totp_keys(uow=sqlite_registry.uow(write=False))


def test_malformed_key_files_are_refused_by_line(tmp_path: Path) -> None:
    path = tmp_path / "k.keyring"
    for text, message in [
        ("", "holds no key"),
        ("# only a comment\n", "holds no key"),
        ("abc tooshort\n", "line 1 of the key file"),
        ("# c\nab cd ef\n", "line 2 of the key file"),
        (f"a {'A' * 43}\na {'B' * 43}\n", "holds key 'a' twice"),
    ]:
        path.write_text(text)
        with pytest.raises(KeyUnavailable, match=message):
            load_keyring(path)
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(KeyUnavailable, match="cannot be read"):
        load_keyring(path)
    with pytest.raises(KeyUnavailable, match="never overwritten"):
        create_keyring(path)
    assert path.read_bytes() == b"\xff\xfe"


# ---------------------------------------------------------------------------------------
# Migration of clear secrets, and rotation


def test_clear_secrets_of_an_older_registry_are_sealed_by_the_migration(registry: Registry) -> None:
    ivan, olga = add(registry, "ivan.k"), add(registry, "olga.p")
    session = login(registry, ivan, T0)
    downgrade(registry.engine, "0012")
    with registry.engine.connect() as conn:
        clear = dict(conn.exec_driver_sql("SELECT name, totp_secret FROM staff_accounts").all())
    assert clear == {"ivan.k": ivan.totp_secret, "olga.p": olga.totp_secret}
    upgrade(registry.engine, keyring=keyring_for(registry.url))
    values = stored(registry)
    assert all(SEALED.fullmatch(v) and ivan.totp_secret not in v for _, v in values.values())
    # the session survived the table's copy, and both still sign in
    assert accounts.session_staff(uow=registry.uow(), token=session.token, now=T0).staff.name == "ivan.k"
    assert login(registry, olga, T0).staff.name == "olga.p"
    assert login(registry, ivan, T0 + timedelta(seconds=30)).staff.name == "ivan.k"


def test_rotation_reseals_every_secret_with_a_new_key(registry: Registry) -> None:
    ivan, olga = add(registry, "ivan.k"), add(registry, "olga.p")
    before = stored(registry)
    old = keyring_for(registry.url)
    done = accounts.rotate_totp_key(uow=registry.uow(), by=ADMIN)
    assert done.resealed == 2 and done.key_id != old.current and done.key_file == str(old.path)
    after = stored(registry)
    assert {v.split(":")[1] for _, v in after.values()} == {done.key_id}
    assert all(after[n][1] != before[n][1] for n in before)
    # the old key stays in the file: a backup of the database taken before still opens
    keys = keyring_for(registry.url)
    assert list(keys.keys) == [old.current, done.key_id] and keys.current == done.key_id
    assert keys.unseal(before["ivan.k"][1], before["ivan.k"][0]) == ivan.totp_secret
    assert login(registry, ivan, T0).staff.name == "ivan.k"
    assert login(registry, olga, T0).staff.name == "olga.p"
    (alert,) = alerts(registry, "totp_key_rotated")
    assert alert.detail == {"key": done.key_id, "new_key": True, "resealed": 2}
    # a key added by hand (a file the bureau cannot write), then re-sealed with it
    added = add_key(old.path)
    again = accounts.rotate_totp_key(uow=registry.uow(), by=ADMIN, new_key=False)
    assert again.key_id == added.current and {v.split(":")[1] for _, v in stored(registry).values()} == {
        added.current
    }


def test_rotation_changes_nothing_when_a_secret_does_not_open(registry: Registry) -> None:
    add(registry, "ivan.k")
    add(registry, "olga.p")
    values = stored(registry)
    with registry.engine.begin() as conn:
        conn.execute(
            update(staff_accounts)
            .where(staff_accounts.c.name == "olga.p")
            .values(totp_sealed=values["ivan.k"][1])
        )
    tampered = stored(registry)
    with pytest.raises(SecretUnreadable):
        accounts.rotate_totp_key(uow=registry.uow(), by=ADMIN)
    assert stored(registry) == tampered


def test_a_key_file_is_written_for_its_owner_only(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        made = create_keyring(tmp_path / "deep" / "k.keyring")
    finally:
        os.umask(old)
    assert stat.S_IMODE(made.path.stat().st_mode) == 0o600
    assert len(made.keys[made.current]) == 32 and re.fullmatch(r"[0-9a-f]{8}", made.current)
    assert made.keys[made.current].hex() not in repr(made)
