"""Use cases of staff accounts: add, reset the second factor, disable, unlock; log in and out.

Passwords are hashed with argon2id (argon2-cffi's defaults) and rehashed at the next
login when those defaults change. Every account has a TOTP second factor (see
``domain.accounts``); a code is checked with a window of one step either side and works
once. The secret is stored sealed with the registry's keyring (``store.keyring``, AES-GCM
with the account's id bound in), so the database alone does not give it away. A login that
fails, for whatever reason, raises ``LoginRefused`` with the same message, and an unknown
name costs the same argon2 verification as a wrong password, so a login never tells
whether an account exists.

A login takes two short transactions with the password check between them, so argon2
never runs while the registry's write lock is held: the first refuses an attempt that
comes before the throttle delay has passed and otherwise counts it as a failure in
advance (parallel attempts cannot slip past the delay); the second records the outcome,
undoing that count on success. Times come in as ``now`` so tests need no sleeping.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from powbureau.domain.access import Role
from powbureau.domain.accounts import (
    ACCOUNT_POLICY,
    ADDRESS_POLICY,
    MAX_PASSWORD,
    SLIDE_EVERY,
    Staff,
    address_key,
    check_password_rules,
    login_key,
    parse_roles,
    session_expires_at,
    validate_name,
)
from powbureau.domain.errors import (
    ConcurrentModification,
    Conflict,
    LoginRefused,
    PermissionDenied,
    SecretUnreadable,
    SessionInvalid,
)
from powbureau.store.accounts import decode_roles, encode_roles
from powbureau.store.keyring import add_key
from powbureau.store.uow import UnitOfWork

__all__ = [
    "ISSUER",
    "NewCredentials",
    "Rotation",
    "SecurityAlert",
    "Staff",
    "StaffSession",
    "StaffSummary",
    "add_user",
    "check_csrf",
    "check_totp_keys",
    "disable_user",
    "enable_user",
    "forget_stale_failures",
    "generate_password",
    "list_alerts",
    "list_users",
    "login",
    "logout",
    "reset_totp",
    "rotate_totp_key",
    "session_staff",
    "set_password",
    "set_roles",
    "unlock_user",
]

#: The issuer an authenticator app shows next to the account name.
ISSUER = "powbureau"
#: Who the alerts of the login throttle are recorded by.
THROTTLE = "system:login"

#: Set by the test suite only: argon2id with the least work, so that the thousands of
#: sign-ins of the tests take seconds. Never set it for a bureau's registry.
FAST_HASHING_FOR_TESTS = "POWBUREAU_TEST_FAST_PASSWORD_HASHING"


def _password_hasher() -> PasswordHasher:
    """argon2id with its library's defaults (RFC 9106 low-memory: t=3, 64 MiB, p=4)."""
    if os.environ.get(FAST_HASHING_FOR_TESTS) == "1":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


_hasher = _password_hasher()
_DUMMY_TOTP = pyotp.random_base32()
_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"
_ACCOUNT = "account"
_ADDRESS = "address"


@dataclass(frozen=True)
class NewCredentials:
    """What a new account (or a reset second factor) needs, shown once and never stored raw.

    ``password`` is set only when the bureau generated it.
    """

    name: str
    roles: frozenset[Role]
    password: str | None = field(repr=False)
    totp_secret: str = field(repr=False)
    otpauth_uri: str = field(repr=False)


@dataclass(frozen=True)
class StaffSession:
    """A logged-in session: the raw token goes into the cookie, the CSRF token into forms."""

    token: str = field(repr=False)
    csrf_token: str = field(repr=False)
    staff: Staff
    expires_at: datetime


@dataclass(frozen=True)
class StaffSummary:
    """An account as an administrator lists it: no secrets."""

    name: str
    roles: frozenset[Role]
    disabled: bool
    locked_at: str | None
    failures: int
    created_at: str
    created_by: str
    last_login_at: str | None


@dataclass(frozen=True)
class SecurityAlert:
    """A lock, an unlock, an account added or changed: for the administrator and the auditor."""

    id: int
    at: str
    kind: str
    account: str | None
    address: str | None
    by: str
    detail: dict[str, Any]


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME)


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.strptime(text, _TIME).replace(tzinfo=UTC)


def _roles(text: str) -> frozenset[Role]:
    known = {r.value for r in Role}
    return frozenset(Role(r) for r in decode_roles(text) if r in known)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _otpauth_uri(name: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)


@functools.cache
def _dummy_hash() -> str:
    """A hash no password matches, verified for unknown names so they cost the same time."""
    return _hasher.hash(secrets.token_urlsafe(32))


def _verify_password(password_hash: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD:
        _verify_password(_dummy_hash(), "")
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _totp_step(secret: str, code: str, at: datetime) -> int | None:
    """The time step whose code ``code`` is (within one step of ``at``), or None."""
    code = code.replace(" ", "")
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    if not totp.verify(code, for_time=at, valid_window=1):
        return None
    for offset in (1, 0, -1):
        if hmac.compare_digest(totp.at(at, counter_offset=offset), code):
            return int(totp.timecode(at)) + offset
    return None


def generate_password() -> str:
    """A password for a new account: 24 URL-safe characters (144 random bits)."""
    return secrets.token_urlsafe(18)


def add_user(
    *,
    uow: UnitOfWork,
    name: str,
    roles: Sequence[Role],
    by: str,
    password: str | None = None,
    totp_secret: str | None = None,
) -> NewCredentials:
    """Create an account with its roles, password and TOTP secret.

    Without ``password`` a strong one is generated and returned (only then). The TOTP
    secret and its otpauth URI are returned for the new member of staff's app. A fixed
    ``totp_secret`` is for the demo's published accounts only.

    Raises:
        InvalidInput: a bad name, no or unknown roles, a password breaking the rules.
        Conflict: the name is taken.
        KeyUnavailable: no keyring to seal the TOTP secret with.
    """
    validate_name(name)
    role_set = parse_roles(roles)
    generated = password is None
    secret_password = generate_password() if password is None else password
    if not generated:
        check_password_rules(secret_password)
    secret = totp_secret or pyotp.random_base32()
    keys = uow.totp_keys()
    password_hash = _hasher.hash(secret_password)
    at = _stamp(_now(None))
    with uow:
        if uow.accounts.find(name) is not None:
            raise Conflict(f"a staff account named {name!r} already exists")
        try:
            account_id = uow.accounts.add(
                {
                    "name": name,
                    "password_hash": password_hash,
                    "totp_sealed": "",
                    "last_totp_step": None,
                    "roles": encode_roles(frozenset(role_set)),
                    "disabled": False,
                    "locked_at": None,
                    "version": 1,
                    "created_at": at,
                    "created_by": by,
                    "updated_at": at,
                    "updated_by": by,
                    "last_login_at": None,
                }
            )
        except IntegrityError:
            raise Conflict(f"a staff account named {name!r} already exists") from None
        # sealed once the id (bound into the seal) is known, in the same transaction
        if not uow.accounts.reseal_totp(account_id, was="", sealed=keys.seal(secret, account_id)):
            raise ConcurrentModification(f"staff account {name!r} changed while it was added; retry")
        uow.accounts.alert("account_added", at=at, by=by, account=name, detail={"roles": sorted(role_set)})
        uow.commit()
    return NewCredentials(
        name, role_set, secret_password if generated else None, secret, _otpauth_uri(name, secret)
    )


def reset_totp(*, uow: UnitOfWork, name: str, by: str) -> NewCredentials:
    """Give an account a new TOTP secret (a lost phone); its sessions end.

    Raises:
        NotFound: no such account.
        KeyUnavailable: no keyring to seal the TOTP secret with.
    """
    secret = pyotp.random_base32()
    keys = uow.totp_keys()
    at = _stamp(_now(None))
    with uow:
        account = uow.accounts.get(name)
        uow.accounts.save(
            account["id"],
            expected_version=account["version"],
            totp_sealed=keys.seal(secret, account["id"]),
            last_totp_step=None,
            updated_at=at,
            updated_by=by,
        )
        ended = uow.accounts.end_sessions_of(account["id"])
        uow.accounts.alert("totp_reset", at=at, by=by, account=name, detail={"sessions_ended": ended})
        uow.commit()
    return NewCredentials(name, _roles(account["roles"]), None, secret, _otpauth_uri(name, secret))


def disable_user(*, uow: UnitOfWork, name: str, by: str) -> None:
    """Stop an account from logging in; its sessions end at once.

    Raises:
        NotFound: no such account.
    """
    at = _stamp(_now(None))
    with uow:
        account = uow.accounts.get(name)
        uow.accounts.save(
            account["id"], expected_version=account["version"], disabled=True, updated_at=at, updated_by=by
        )
        ended = uow.accounts.end_sessions_of(account["id"])
        uow.accounts.alert("account_disabled", at=at, by=by, account=name, detail={"sessions_ended": ended})
        uow.commit()


def enable_user(*, uow: UnitOfWork, name: str, by: str) -> None:
    """Let a disabled account log in again (with its password and second factor).

    Raises:
        NotFound: no such account.
    """
    at = _stamp(_now(None))
    with uow:
        account = uow.accounts.get(name)
        uow.accounts.save(
            account["id"], expected_version=account["version"], disabled=False, updated_at=at, updated_by=by
        )
        uow.accounts.alert("account_enabled", at=at, by=by, account=name, detail={})
        uow.commit()


def set_roles(*, uow: UnitOfWork, name: str, roles: Sequence[Role], by: str) -> None:
    """Give an account other roles; its sessions end, so that no session keeps old rights.

    Raises:
        InvalidInput: no or unknown roles.
        NotFound: no such account.
    """
    role_set = parse_roles(roles)
    at = _stamp(_now(None))
    with uow:
        account = uow.accounts.get(name)
        uow.accounts.save(
            account["id"],
            expected_version=account["version"],
            roles=encode_roles(frozenset(role_set)),
            updated_at=at,
            updated_by=by,
        )
        ended = uow.accounts.end_sessions_of(account["id"])
        uow.accounts.alert(
            "roles_changed",
            at=at,
            by=by,
            account=name,
            detail={"from": sorted(_roles(account["roles"])), "to": sorted(role_set), "ended": ended},
        )
        uow.commit()


def unlock_user(*, uow: UnitOfWork, name: str, by: str) -> None:
    """Lift a lock after failed logins and forget the account's failures.

    Raises:
        NotFound: no such account.
    """
    at = _stamp(_now(None))
    with uow:
        account = uow.accounts.get(name)
        uow.accounts.save(
            account["id"], expected_version=account["version"], locked_at=None, updated_at=at, updated_by=by
        )
        failures, _ = uow.accounts.failures(_ACCOUNT, name)
        uow.accounts.set_failures(_ACCOUNT, name, failures=0, at=at)
        uow.accounts.alert(
            "account_unlocked",
            at=at,
            by=by,
            account=name,
            detail={"was_locked_at": account["locked_at"], "failures": failures},
        )
        uow.commit()


def set_password(*, uow: UnitOfWork, name: str, password: str, by: str) -> None:
    """Give an account a new password; its sessions end.

    Raises:
        InvalidInput: the password breaks the rules.
        NotFound: no such account.
    """
    check_password_rules(password)
    password_hash = _hasher.hash(password)
    at = _stamp(_now(None))
    with uow:
        account = uow.accounts.get(name)
        uow.accounts.save(
            account["id"],
            expected_version=account["version"],
            password_hash=password_hash,
            updated_at=at,
            updated_by=by,
        )
        ended = uow.accounts.end_sessions_of(account["id"])
        uow.accounts.alert("password_set", at=at, by=by, account=name, detail={"sessions_ended": ended})
        uow.commit()


def list_users(*, uow: UnitOfWork) -> list[StaffSummary]:
    """Every account with its roles and state, by name; no secrets."""
    with uow:
        return [
            StaffSummary(
                name=a["name"],
                roles=_roles(a["roles"]),
                disabled=bool(a["disabled"]),
                locked_at=a["locked_at"],
                failures=uow.accounts.failures(_ACCOUNT, a["name"])[0],
                created_at=a["created_at"],
                created_by=a["created_by"],
                last_login_at=a["last_login_at"],
            )
            for a in uow.accounts.all()
        ]


def list_alerts(*, uow: UnitOfWork, limit: int = 100, account: str | None = None) -> list[SecurityAlert]:
    """Security alerts, newest first (optionally of one account)."""
    with uow:
        return [SecurityAlert(**row) for row in uow.accounts.alerts(limit=limit, account=account)]


def login(
    *,
    uow: UnitOfWork,
    name: str,
    password: str,
    totp_code: str,
    address: str,
    now: datetime | None = None,
) -> StaffSession:
    """Check a name, password and TOTP code; open a session.

    Raises:
        LoginRefused: for every failure, with one message; ``retry_after`` says when the
            next attempt will be checked. Attempts before then are refused unchecked. A
            secret the keyring does not open refuses too, with an alert for the administrator.
        KeyUnavailable: no keyring (a fault of the service, not of the attempt: nothing is
            counted).
    """
    keys = uow.totp_keys()
    at = _now(now)
    stamp = _stamp(at)
    key = login_key(name)
    where = address_key(address)
    dummy = _dummy_hash()

    with uow:
        name_failures, name_last = uow.accounts.failures(_ACCOUNT, key, lock=True)
        addr_failures, addr_last = uow.accounts.failures(_ADDRESS, where, lock=True)
        wait = max(
            ACCOUNT_POLICY.retry_after(name_failures, _parse(name_last), at),
            ADDRESS_POLICY.retry_after(addr_failures, _parse(addr_last), at),
        )
        if wait > 0:
            raise LoginRefused(wait)
        name_count = ACCOUNT_POLICY.current(name_failures, _parse(name_last), at) + 1
        addr_count = ADDRESS_POLICY.current(addr_failures, _parse(addr_last), at) + 1
        uow.accounts.set_failures(_ACCOUNT, key, failures=name_count, at=stamp)
        uow.accounts.set_failures(_ADDRESS, where, failures=addr_count, at=stamp)
        account = uow.accounts.find(key)
        uow.commit()

    password_ok = _verify_password(dummy if account is None else account["password_hash"], password)
    unreadable: SecretUnreadable | None = None
    secret = _DUMMY_TOTP
    if account is not None:
        try:
            secret = keys.unseal(account["totp_sealed"], account["id"])
        except SecretUnreadable as exc:
            unreadable = exc
    step = None if unreadable is not None else _totp_step(secret, totp_code, at)
    usable = account is not None and not account["disabled"] and account["locked_at"] is None
    new_hash: str | None = None
    if usable and password_ok and step is not None:
        assert account is not None
        if _hasher.check_needs_rehash(account["password_hash"]):
            new_hash = _hasher.hash(password)

    with uow:
        if usable and password_ok and step is not None:
            assert account is not None
            current = uow.accounts.find(key)
            if (
                current is not None
                and current["version"] == account["version"]
                and uow.accounts.use_totp_step(current["id"], step, at=stamp)
            ):
                session = _open_session(uow, current, at=at, address=where, new_hash=new_hash)
                uow.accounts.set_failures(_ACCOUNT, key, failures=0, at=stamp)
                left, last = uow.accounts.failures(_ADDRESS, where, lock=True)
                uow.accounts.set_failures(_ADDRESS, where, failures=left - 1, at=last or stamp)
                uow.commit()
                return session
        name_count, _ = uow.accounts.failures(_ACCOUNT, key, lock=True)
        addr_count, _ = uow.accounts.failures(_ADDRESS, where, lock=True)
        if unreadable is not None:
            uow.accounts.alert(
                "totp_secret_unreadable",
                at=stamp,
                by=THROTTLE,
                account=key,
                detail={"error": str(unreadable)},
            )
        _alert_failures(uow, key, where, name_count=name_count, addr_count=addr_count, stamp=stamp)
        uow.commit()
    raise LoginRefused(max(ACCOUNT_POLICY.delay(name_count), ADDRESS_POLICY.delay(addr_count)))


def _open_session(
    uow: UnitOfWork, account: dict[str, Any], *, at: datetime, address: str, new_hash: str | None
) -> StaffSession:
    stamp = _stamp(at)
    if new_hash is not None:
        uow.accounts.set_password_hash(account["id"], new_hash)
    uow.accounts.end_expired_sessions(stamp)
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    expires_at = session_expires_at(at, at)
    uow.accounts.add_session(
        {
            "token_hash": _token_hash(token),
            "account_id": account["id"],
            "csrf_token": csrf_token,
            "address": address,
            "created_at": stamp,
            "last_seen_at": stamp,
            "expires_at": _stamp(expires_at),
        }
    )
    return StaffSession(token, csrf_token, Staff(account["name"], _roles(account["roles"])), expires_at)


def _alert_failures(
    uow: UnitOfWork, key: str, address: str, *, name_count: int, addr_count: int, stamp: str
) -> None:
    """Lock an account that reached the limit, and tell the administrator and the auditor."""
    if ACCOUNT_POLICY.locks(name_count):
        account = uow.accounts.find(key)
        if account is not None and account["locked_at"] is None:
            uow.accounts.save(
                account["id"],
                expected_version=account["version"],
                locked_at=stamp,
                updated_at=stamp,
                updated_by=THROTTLE,
            )
            uow.accounts.alert(
                "account_locked",
                at=stamp,
                by=THROTTLE,
                account=key,
                address=address,
                detail={"failures": name_count},
            )
        elif account is None and name_count == ACCOUNT_POLICY.lock_after:
            uow.accounts.alert(
                "unknown_account_failures",
                at=stamp,
                by=THROTTLE,
                account=key,
                address=address,
                detail={"failures": name_count},
            )
    if ADDRESS_POLICY.alert_after is not None and addr_count == ADDRESS_POLICY.alert_after:
        uow.accounts.alert(
            "address_failures", at=stamp, by=THROTTLE, address=address, detail={"failures": addr_count}
        )


def check_totp_keys(*, uow: UnitOfWork) -> int:
    """Open every account's sealed TOTP secret with the keyring; how many there are.

    ``init`` and ``serve`` run it, so that a wrong or missing key file stops them with a
    clear message instead of refusing every sign-in.

    Raises:
        KeyUnavailable: no keyring, or its file is missing or unreadable.
        SecretUnreadable: the keyring does not open a stored secret (names the account).
    """
    keys = uow.totp_keys()
    with uow:
        accounts = uow.accounts.all()
    for account in accounts:
        keys.unseal(account["totp_sealed"], account["id"])
    return len(accounts)


@dataclass(frozen=True)
class Rotation:
    """What ``rotate_totp_key`` did: the key that now seals, and how many secrets it re-sealed."""

    key_id: str
    resealed: int
    key_file: str


def rotate_totp_key(*, uow: UnitOfWork, by: str, new_key: bool = True) -> Rotation:
    """Re-seal every account's TOTP secret with a fresh key, in one transaction.

    With ``new_key`` a key is first appended to the key file (the old ones stay, so backups
    taken before still open); without it, every secret is re-sealed with the file's last
    key (when an operator added the key to a file the bureau cannot write).

    Raises:
        KeyUnavailable: no keyring, or its file cannot be read or written.
        SecretUnreadable: a stored secret does not open; nothing is re-sealed.
    """
    keys = uow.totp_keys()
    fresh = add_key(keys.path) if new_key else keys
    at = _stamp(_now(None))
    with uow:
        accounts = uow.accounts.all()
        for account in accounts:
            sealed = account["totp_sealed"]
            resealed = fresh.seal(fresh.unseal(sealed, account["id"]), account["id"])
            if not uow.accounts.reseal_totp(account["id"], was=sealed, sealed=resealed):
                raise ConcurrentModification(f"staff account {account['name']!r} changed meanwhile; retry")
        uow.accounts.alert(
            "totp_key_rotated",
            at=at,
            by=by,
            detail={"key": fresh.current, "resealed": len(accounts), "new_key": new_key},
        )
        uow.commit()
    return Rotation(fresh.current, len(accounts), str(fresh.path))


def session_staff(*, uow: UnitOfWork, token: str, now: datetime | None = None) -> StaffSession:
    """The session a cookie's token opens, moved on by this use (sliding idle expiry).

    The roles are read from the account at every call, so a change applies at once.

    Raises:
        SessionInvalid: unknown token, idle or absolute timeout passed, account disabled.
    """
    at = _now(now)
    digest = _token_hash(token)
    with uow:
        row = uow.accounts.session(digest)
        if row is None:
            raise SessionInvalid("the session has ended; log in again")
        created = _parse(row["created_at"])
        last_seen = _parse(row["last_seen_at"])
        assert created is not None and last_seen is not None
        if row["disabled"] or at >= session_expires_at(created, last_seen):
            uow.accounts.end_session(digest)
            uow.commit()
            raise SessionInvalid("the session has ended; log in again")
        if at - last_seen >= SLIDE_EVERY:
            last_seen = at
            uow.accounts.touch_session(
                digest, last_seen_at=_stamp(at), expires_at=_stamp(session_expires_at(created, at))
            )
            uow.commit()
    staff = Staff(row["name"], _roles(row["roles"]))
    return StaffSession(token, row["csrf_token"], staff, session_expires_at(created, last_seen))


def logout(*, uow: UnitOfWork, token: str) -> None:
    """End a session (nothing happens for an unknown token)."""
    with uow:
        uow.accounts.end_session(_token_hash(token))
        uow.commit()


def check_csrf(session: StaffSession, submitted: str) -> None:
    """Refuse a form whose CSRF token is not the session's (compared in constant time).

    Raises:
        PermissionDenied: the token is missing or wrong.
    """
    expected = session.csrf_token.encode("utf-8")
    given = submitted.encode("utf-8", "surrogatepass")
    if not given or not hmac.compare_digest(expected, given):
        raise PermissionDenied("the form's CSRF token is missing or wrong; reload the page and try again")


def forget_stale_failures(
    *, uow: UnitOfWork, older_than: timedelta = timedelta(days=1), now: datetime | None = None
) -> int:
    """Drop failure counts of addresses and of guessed names that have been quiet for
    ``older_than``, so that guessing names cannot grow the table without end. The
    service runs it in the background; returns how many counts were dropped."""
    before = _stamp(_now(now) - older_than)
    with uow:
        dropped = uow.accounts.forget_stale_failures(before=before)
        uow.commit()
    return dropped
