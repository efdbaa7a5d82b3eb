"""Staff accounts on both databases: login with a second factor, throttling, locks, sessions."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from argon2 import PasswordHasher
from sqlalchemy import inspect, select

from builders import Registry
from powbureau.domain.access import Role
from powbureau.domain.accounts import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT
from powbureau.domain.errors import (
    LOGIN_REFUSED_MESSAGE,
    Conflict,
    InvalidInput,
    LoginRefused,
    NotFound,
    PermissionDenied,
    SessionInvalid,
)
from powbureau.services import accounts
from powbureau.services.accounts import NewCredentials, StaffSession
from powbureau.store.accounts import staff_accounts, staff_sessions
from powbureau.store.migrate import downgrade, upgrade
from powbureau.store.tables import metadata

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ADMIN = "os:admin"
HERE = "192.0.2.10"
ACCOUNT_TABLES = {"staff_accounts", "staff_sessions", "login_failures", "security_alerts"}


def code(creds: NewCredentials, at: datetime, offset: int = 0) -> str:
    return str(pyotp.TOTP(creds.totp_secret).at(at, counter_offset=offset))


def add(reg: Registry, name: str = "ivan.k", *roles: Role) -> NewCredentials:
    return accounts.add_user(
        uow=reg.uow(), name=name, roles=list(roles) or [Role.REGISTRAR, Role.TRACING_OFFICER], by=ADMIN
    )


def login(
    reg: Registry,
    creds: NewCredentials,
    at: datetime,
    *,
    name: str | None = None,
    password: str | None = None,
    totp: str | None = None,
    address: str = HERE,
) -> StaffSession:
    return accounts.login(
        uow=reg.uow(),
        name=creds.name if name is None else name,
        password=(creds.password or "") if password is None else password,
        totp_code=code(creds, at) if totp is None else totp,
        address=address,
        now=at,
    )


def refused(reg: Registry, creds: NewCredentials, at: datetime, **kwargs: Any) -> LoginRefused:
    with pytest.raises(LoginRefused) as info:
        login(reg, creds, at, **kwargs)
    return info.value


def fail(reg: Registry, creds: NewCredentials, times: int, at: datetime, **kwargs: Any) -> datetime:
    """Fail ``times`` logins with a wrong password, each as soon as the throttle allows."""
    kwargs.setdefault("password", "wrong password!")
    for _ in range(times):
        at += timedelta(seconds=refused(reg, creds, at, **kwargs).retry_after)
    return at


def alerts(reg: Registry, kind: str) -> list[accounts.SecurityAlert]:
    return [a for a in accounts.list_alerts(uow=reg.uow(write=False)) if a.kind == kind]


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__()
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    spy = CountingHasher()
    monkeypatch.setattr(accounts, "_hasher", spy)
    return spy


# ---------------------------------------------------------------------------------------
# Adding accounts and logging in


def test_add_user_then_log_in_with_password_and_code(registry: Registry) -> None:
    creds = add(registry)
    assert creds.password is not None and len(creds.password) >= 20
    assert creds.otpauth_uri.startswith("otpauth://totp/powbureau:ivan.k?secret=" + creds.totp_secret)
    assert creds.password not in repr(creds) and creds.totp_secret not in repr(creds)
    session = login(registry, creds, T0)
    assert session.staff.name == "ivan.k"
    assert session.staff.roles == {Role.REGISTRAR, Role.TRACING_OFFICER}
    assert session.expires_at == T0 + IDLE_TIMEOUT
    assert session.token != session.csrf_token and len(session.token) >= 40
    again = accounts.session_staff(uow=registry.uow(), token=session.token, now=T0 + timedelta(minutes=1))
    assert again.staff == session.staff and again.csrf_token == session.csrf_token


def test_only_hashes_are_stored(registry: Registry) -> None:
    creds = add(registry)
    session = login(registry, creds, T0)
    with registry.engine.connect() as conn:
        account = conn.execute(select(staff_accounts)).one()._mapping
        stored = conn.execute(select(staff_sessions)).one()._mapping
    assert account["password_hash"].startswith("$argon2id$")
    assert creds.password not in str(dict(account))
    assert session.token not in str(dict(stored))
    assert len(stored["token_hash"]) == 64


def test_a_chosen_password_is_not_returned_and_must_follow_the_rules(registry: Registry) -> None:
    creds = accounts.add_user(
        uow=registry.uow(), name="olena", roles=[Role.AUDITOR], by=ADMIN, password="correct horse battery"
    )
    assert creds.password is None
    assert login(registry, creds, T0, password="correct horse battery").staff.roles == {Role.AUDITOR}
    with pytest.raises(InvalidInput, match="12 characters"):
        accounts.add_user(uow=registry.uow(), name="petro", roles=[Role.AUDITOR], by=ADMIN, password="short")


def test_names_are_unique_and_must_follow_the_rules(registry: Registry) -> None:
    add(registry)
    with pytest.raises(Conflict, match="already exists"):
        add(registry)
    with pytest.raises(InvalidInput, match="account name") as info:
        add(registry, "Ivan K")
    assert info.value.field == "name"
    with pytest.raises(InvalidInput, match="at least one role"):
        accounts.add_user(uow=registry.uow(), name="nobody", roles=[], by=ADMIN)
    assert [u.name for u in accounts.list_users(uow=registry.uow(write=False))] == ["ivan.k"]


def test_list_users_shows_no_secrets(registry: Registry) -> None:
    add(registry, "ivan.k", Role.ADMINISTRATOR)
    (summary,) = accounts.list_users(uow=registry.uow(write=False))
    assert summary.roles == {Role.ADMINISTRATOR} and summary.created_by == ADMIN and not summary.disabled
    names = {f.name for f in fields(summary)}
    assert not names & {"password_hash", "totp_secret", "password", "last_totp_step"}


def test_the_login_name_is_not_case_sensitive(registry: Registry) -> None:
    creds = add(registry)
    assert login(registry, creds, T0, name=" Ivan.K").staff.name == "ivan.k"


# ---------------------------------------------------------------------------------------
# The second factor


def test_a_code_one_step_old_or_ahead_works_two_steps_do_not(registry: Registry) -> None:
    creds = add(registry)
    refused(registry, creds, T0, totp=code(creds, T0, -2))
    refused(registry, creds, T0 + timedelta(seconds=1), totp=code(creds, T0, 2))
    assert login(registry, creds, T0 + timedelta(seconds=2), totp=code(creds, T0, -1))
    assert login(registry, creds, T0 + timedelta(seconds=3), totp=code(creds, T0, 1))


def test_a_code_works_only_once(registry: Registry) -> None:
    creds = add(registry)
    used = code(creds, T0)
    login(registry, creds, T0, totp=used)
    refused(registry, creds, T0 + timedelta(seconds=5), totp=used)
    # nor may an older code follow a newer one
    later = T0 + timedelta(seconds=30)
    login(registry, creds, later, totp=code(creds, later))
    refused(registry, creds, later + timedelta(seconds=5), totp=code(creds, later, -1))
    nxt = later + timedelta(seconds=30)
    assert login(registry, creds, nxt).staff.name == "ivan.k"


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦"])
def test_malformed_codes_are_refused(registry: Registry, bad: str) -> None:
    creds = add(registry)
    refused(registry, creds, T0, totp=bad)


def test_reset_totp_replaces_the_secret_and_ends_sessions(registry: Registry) -> None:
    creds = add(registry)
    session = login(registry, creds, T0)
    new = accounts.reset_totp(uow=registry.uow(), name="ivan.k", by=ADMIN)
    assert new.totp_secret != creds.totp_secret and new.password is None
    assert new.roles == {Role.REGISTRAR, Role.TRACING_OFFICER}
    with pytest.raises(SessionInvalid):
        accounts.session_staff(uow=registry.uow(), token=session.token, now=T0 + timedelta(seconds=1))
    at = T0 + timedelta(minutes=1)
    refused(registry, creds, at)
    assert login(registry, creds, at + timedelta(seconds=1), totp=code(new, at)).staff.name == "ivan.k"
    assert alerts(registry, "totp_reset")[0].detail == {"sessions_ended": 1}


def test_set_password_replaces_it_and_ends_sessions(registry: Registry) -> None:
    creds = add(registry)
    session = login(registry, creds, T0)
    accounts.set_password(uow=registry.uow(), name="ivan.k", password="a new long password", by=ADMIN)
    with pytest.raises(SessionInvalid):
        accounts.session_staff(uow=registry.uow(), token=session.token, now=T0)
    at = T0 + timedelta(minutes=1)
    refused(registry, creds, at)
    assert login(registry, creds, at + timedelta(seconds=1), password="a new long password")


def test_a_hash_with_old_parameters_is_replaced_at_login(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
        creds = add(registry)

    def stored() -> str:
        with registry.engine.connect() as conn:
            return str(conn.execute(select(staff_accounts.c.password_hash)).scalar_one())

    assert "m=8192,t=1,p=1" in stored()
    login(registry, creds, T0)
    assert stored().startswith("$argon2id$") and "m=8192" not in stored()
    assert login(registry, creds, T0 + timedelta(seconds=30))


# ---------------------------------------------------------------------------------------
# One refusal for every failure


def test_every_refusal_looks_the_same(registry: Registry, hasher: CountingHasher) -> None:
    creds = add(registry)
    other = add(registry, "olena")
    gone = add(registry, "disabled.one")
    accounts.disable_user(uow=registry.uow(), name="disabled.one", by=ADMIN)
    causes: dict[str, tuple[NewCredentials, dict[str, Any]]] = {
        "unknown name": (creds, {"name": "nobody.here"}),
        "wrong password": (creds, {"password": "not the password"}),
        "wrong code": (other, {"totp": code(other, T0, 5)}),
        "disabled": (gone, {}),
    }
    seen = set()
    for i, (cause, (who, kwargs)) in enumerate(causes.items()):
        before = hasher.verified
        error = refused(registry, who, T0, address=f"198.51.100.{i}", **kwargs)
        assert hasher.verified == before + 1, f"{cause}: the password was not checked"
        seen.add((type(error), str(error), error.retry_after))
    assert seen == {(LoginRefused, LOGIN_REFUSED_MESSAGE, 0.0)}
    assert "nobody" not in LOGIN_REFUSED_MESSAGE


def test_unknown_name_and_wrong_password_are_throttled_alike(registry: Registry) -> None:
    creds = add(registry)
    unknown = [
        refused(registry, creds, T0 + timedelta(seconds=i * 10), name="nobody", address="198.51.100.1")
        for i in range(4)
    ]
    wrong = [
        refused(
            registry,
            creds,
            T0 + timedelta(seconds=i * 10),
            password="wrong password!",
            address="198.51.100.2",
        )
        for i in range(4)
    ]
    assert [(str(e), e.retry_after) for e in unknown] == [(str(e), e.retry_after) for e in wrong]
    assert [e.retry_after for e in wrong] == [0, 1, 2, 4]


# ---------------------------------------------------------------------------------------
# Throttling and locks


def test_an_attempt_before_the_delay_is_refused_without_checking(
    registry: Registry, hasher: CountingHasher
) -> None:
    creds = add(registry)
    at = fail(registry, creds, 2, T0)  # the second failure costs a second
    assert at == T0 + timedelta(seconds=1)
    checked = hasher.verified
    early = refused(registry, creds, T0 + timedelta(seconds=0.25))  # the right password and code
    assert early.retry_after == pytest.approx(0.75)
    assert hasher.verified == checked
    assert login(registry, creds, at).staff.name == "ivan.k"
    assert hasher.verified == checked + 1


def test_success_resets_the_accounts_failures(registry: Registry) -> None:
    creds = add(registry)
    at = fail(registry, creds, 4, T0)
    login(registry, creds, at)
    (summary,) = accounts.list_users(uow=registry.uow(write=False))
    assert summary.failures == 0 and summary.last_login_at is not None
    again = refused(registry, creds, at + timedelta(seconds=31), password="wrong password!")
    assert again.retry_after == 0


def test_ten_failures_lock_the_account_with_an_alert_until_unlocked(registry: Registry) -> None:
    creds = add(registry)
    at = fail(registry, creds, 9, T0, address="198.51.100.7")
    assert accounts.list_users(uow=registry.uow(write=False))[0].locked_at is None
    assert not alerts(registry, "account_locked")
    at = fail(registry, creds, 1, at, address="198.51.100.7")
    (summary,) = accounts.list_users(uow=registry.uow(write=False))
    assert summary.locked_at is not None and summary.failures == 10
    (alert,) = alerts(registry, "account_locked")
    assert (alert.account, alert.address, alert.detail) == ("ivan.k", "198.51.100.7", {"failures": 10})
    # locked: the right password and code are refused too, the same way
    at += timedelta(minutes=5)
    error = refused(registry, creds, at, address="203.0.113.1")
    assert str(error) == LOGIN_REFUSED_MESSAGE
    accounts.unlock_user(uow=registry.uow(), name="ivan.k", by=ADMIN)
    (summary,) = accounts.list_users(uow=registry.uow(write=False))
    assert summary.locked_at is None and summary.failures == 0
    assert alerts(registry, "account_unlocked")[0].by == ADMIN
    assert login(registry, creds, at + timedelta(seconds=30), address="203.0.113.1").staff.name == "ivan.k"


def test_an_unknown_name_guessed_ten_times_raises_one_alert(registry: Registry) -> None:
    creds = add(registry)
    at = fail(registry, creds, 11, T0, name="ghost")
    (alert,) = alerts(registry, "unknown_account_failures")
    assert alert.account == "ghost" and alert.detail == {"failures": 10}
    assert [u.name for u in accounts.list_users(uow=registry.uow(write=False))] == ["ivan.k"]
    assert login(registry, creds, at + timedelta(seconds=60)).staff.name == "ivan.k"


def test_one_address_guessing_many_names_is_slowed_and_reported(registry: Registry) -> None:
    creds = add(registry)
    at = T0
    delays = []
    for i in range(20):
        error = refused(registry, creds, at, name=f"guess{i}", address="203.0.113.9")
        delays.append(error.retry_after)
        at += timedelta(seconds=error.retry_after)
    assert delays[:5] == [0] * 5 and delays[5:8] == [1, 2, 4] and max(delays) == 900
    (alert,) = alerts(registry, "address_failures")
    assert alert.address == "203.0.113.9"
    # the address waits; the account's own owner elsewhere does not
    assert refused(registry, creds, at - timedelta(seconds=10), address="203.0.113.9").retry_after > 0
    assert login(registry, creds, at - timedelta(seconds=10), address="192.0.2.99").staff.name == "ivan.k"


def test_unlock_and_disable_name_an_unknown_account(registry: Registry) -> None:
    for action in (accounts.unlock_user, accounts.disable_user, accounts.reset_totp):
        with pytest.raises(NotFound, match="no staff account 'ghost'"):
            action(uow=registry.uow(), name="ghost", by=ADMIN)


# ---------------------------------------------------------------------------------------
# Sessions


def test_disabling_ends_sessions_and_refuses_login(registry: Registry) -> None:
    creds = add(registry)
    session = login(registry, creds, T0)
    accounts.disable_user(uow=registry.uow(), name="ivan.k", by=ADMIN)
    with pytest.raises(SessionInvalid):
        accounts.session_staff(uow=registry.uow(), token=session.token, now=T0 + timedelta(seconds=1))
    refused(registry, creds, T0 + timedelta(seconds=30))
    assert accounts.list_users(uow=registry.uow(write=False))[0].disabled


def test_a_session_expires_when_idle(registry: Registry) -> None:
    creds = add(registry)
    session = login(registry, creds, T0)
    at = T0 + IDLE_TIMEOUT - timedelta(seconds=1)
    assert (
        accounts.session_staff(uow=registry.uow(), token=session.token, now=at).expires_at
        == at + IDLE_TIMEOUT
    )
    with pytest.raises(SessionInvalid):
        accounts.session_staff(uow=registry.uow(), token=session.token, now=at + IDLE_TIMEOUT)
    with pytest.raises(SessionInvalid):  # and it stays ended
        accounts.session_staff(uow=registry.uow(), token=session.token, now=at + timedelta(seconds=1))


def test_a_busy_session_still_ends_at_the_absolute_limit(registry: Registry) -> None:
    creds = add(registry)
    session = login(registry, creds, T0)
    at = T0
    while at + timedelta(minutes=20) < T0 + ABSOLUTE_TIMEOUT:
        at += timedelta(minutes=20)
        accounts.session_staff(uow=registry.uow(), token=session.token, now=at)
    assert accounts.session_staff(uow=registry.uow(), token=session.token, now=at).expires_at == (
        T0 + ABSOLUTE_TIMEOUT
    )
    with pytest.raises(SessionInvalid):
        accounts.session_staff(uow=registry.uow(), token=session.token, now=T0 + ABSOLUTE_TIMEOUT)


def test_logout_ends_the_session_and_unknown_tokens_are_refused(registry: Registry) -> None:
    creds = add(registry)
    session = login(registry, creds, T0)
    other = login(registry, creds, T0 + timedelta(seconds=30))
    accounts.logout(uow=registry.uow(), token=session.token)
    with pytest.raises(SessionInvalid):
        accounts.session_staff(uow=registry.uow(), token=session.token, now=T0 + timedelta(minutes=1))
    assert accounts.session_staff(uow=registry.uow(), token=other.token, now=T0 + timedelta(minutes=1))
    with pytest.raises(SessionInvalid):
        accounts.session_staff(uow=registry.uow(), token="made-up", now=T0)
    accounts.logout(uow=registry.uow(), token="made-up")


def test_csrf_tokens_must_match_the_session(registry: Registry) -> None:
    creds = add(registry)
    session = login(registry, creds, T0)
    accounts.check_csrf(session, session.csrf_token)
    other = login(registry, creds, T0 + timedelta(seconds=30))
    for wrong in ("", other.csrf_token, session.token, session.csrf_token + "x", "ü"):
        with pytest.raises(PermissionDenied, match="CSRF"):
            accounts.check_csrf(session, wrong)


# ---------------------------------------------------------------------------------------
# The schema


def test_the_migration_creates_what_the_tables_declare(registry: Registry) -> None:
    with registry.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    ours = [d for d in diffs if ACCOUNT_TABLES & set(str(d).split("'"))]
    assert ours == []
    assert set(inspect(registry.engine).get_table_names()) >= ACCOUNT_TABLES


def test_the_migration_goes_down_and_up(registry: Registry) -> None:
    add(registry)
    downgrade(registry.engine, "0004")
    assert not ACCOUNT_TABLES & set(inspect(registry.engine).get_table_names())
    upgrade(registry.engine)
    assert accounts.list_users(uow=registry.uow(write=False)) == []


def test_stale_failure_counts_of_addresses_and_guessed_names_are_forgotten(registry: Registry) -> None:
    from powbureau.store.accounts import login_failures

    creds = add(registry)
    for name, address in (("ivan.k", "192.0.2.1"), ("no.such.one", "192.0.2.2")):
        with pytest.raises(LoginRefused):
            accounts.login(
                uow=registry.uow(), name=name, password="wrong", totp_code="000000", address=address, now=T0
            )

    def counted() -> set[tuple[str, str]]:
        with registry.engine.connect() as conn:
            return {
                (r.kind, r.key) for r in conn.execute(select(login_failures.c.kind, login_failures.c.key))
            }

    before = counted()
    assert ("account", "ivan.k") in before and ("account", "no.such.one") in before
    assert accounts.forget_stale_failures(uow=registry.uow(), now=T0 + timedelta(hours=2)) == 0
    dropped = accounts.forget_stale_failures(uow=registry.uow(), now=T0 + timedelta(days=2))
    after = counted()
    assert dropped == len(before) - 1
    assert after == {("account", "ivan.k")}, "a real account keeps its count until it succeeds"
    assert creds.name == "ivan.k"


def test_a_bureau_hashes_passwords_with_argon2id_at_full_strength() -> None:
    """The tests hash with the least work; a bureau's processes never do."""
    env = {k: v for k, v in os.environ.items() if k != accounts.FAST_HASHING_FOR_TESTS}
    code = (
        "from powbureau.services import accounts as a; h = a._hasher; "
        "print(h.time_cost, h.memory_cost, h.parallelism, h.type.name)"
    )
    shown = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["3", "65536", "4", "ID"]
