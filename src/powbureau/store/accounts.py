"""Staff accounts in the database: accounts, sessions, failed-login counters, security alerts.

Secrets are stored only in the form a check needs: the password as an argon2id hash, the
session as the SHA-256 of its token (whoever reads the table cannot take over a session),
the TOTP secret sealed with a key kept outside the database (``store.keyring``: a code
cannot be checked without the secret, so it is encrypted rather than hashed). Times are UTC text as in
``recorded_at``, so they sort as strings on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    insert,
    or_,
    select,
    update,
)

from powbureau.domain.errors import ConcurrentModification, NotFound
from powbureau.store.tables import metadata

__all__ = [
    "AccountRepository",
    "login_failures",
    "security_alerts",
    "staff_accounts",
    "staff_sessions",
]

staff_accounts = Table(
    "staff_accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("totp_sealed", Text, nullable=False),  # keyring.FORMAT:key id:AES-GCM, the id as AAD
    Column("last_totp_step", BigInteger),
    Column("roles", Text, nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("locked_at", String(32)),
    Column("version", Integer, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("last_login_at", String(32)),
)

staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("staff_accounts.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("address", Text),
    Column("created_at", String(32), nullable=False),
    Column("last_seen_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
)
Index("ix_staff_sessions_account_id", staff_sessions.c.account_id)
Index("ix_staff_sessions_expires_at", staff_sessions.c.expires_at)

login_failures = Table(
    "login_failures",
    metadata,
    Column("kind", String(8), primary_key=True),  # account | address
    Column("key", String(128), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", String(32), nullable=False),
)

security_alerts = Table(
    "security_alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("account", Text),
    Column("address", Text),
    Column("by", Text, nullable=False),
    Column("detail", Text, nullable=False),
)
Index("ix_security_alerts_at", security_alerts.c.at)


def encode_roles(roles: frozenset[str]) -> str:
    """Roles as stored: sorted, space-separated."""
    return " ".join(sorted(roles))


def decode_roles(text: str) -> list[str]:
    """Roles as stored, back to their names."""
    return text.split()


class AccountRepository:
    """Accounts, sessions, failure counters and alerts; never commits."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    # accounts

    def add(self, row: Mapping[str, Any]) -> int:
        """Store a new account; its id."""
        result = self._conn.execute(insert(staff_accounts).returning(staff_accounts.c.id), [dict(row)])
        return int(result.scalar_one())

    def find(self, name: str) -> dict[str, Any] | None:
        """The account of that name, or None."""
        row = self._conn.execute(select(staff_accounts).where(staff_accounts.c.name == name)).first()
        return None if row is None else dict(row._mapping)

    def get(self, name: str) -> dict[str, Any]:
        """The account of that name.

        Raises:
            NotFound: there is none.
        """
        row = self.find(name)
        if row is None:
            raise NotFound(f"no staff account {name!r}")
        return row

    def all(self) -> list[dict[str, Any]]:
        """Every account, by name."""
        rows = self._conn.execute(select(staff_accounts).order_by(staff_accounts.c.name))
        return [dict(r._mapping) for r in rows]

    def save(self, account_id: int, *, expected_version: int, **values: Any) -> int:
        """Change an account if nobody changed it since ``expected_version``; the new version.

        Raises:
            ConcurrentModification: someone else changed it first.
        """
        result = self._conn.execute(
            update(staff_accounts)
            .where(and_(staff_accounts.c.id == account_id, staff_accounts.c.version == expected_version))
            .values(version=expected_version + 1, **values)
        )
        if result.rowcount != 1:
            raise ConcurrentModification(
                f"staff account #{account_id} was changed by someone else (you had version "
                f"{expected_version}); try again"
            )
        return expected_version + 1

    def use_totp_step(self, account_id: int, step: int, *, at: str) -> bool:
        """Record a successful login with the code of ``step``; False if that step (or a later
        one) was already used, so a code works once even for two logins at the same moment."""
        result = self._conn.execute(
            update(staff_accounts)
            .where(
                and_(
                    staff_accounts.c.id == account_id,
                    or_(staff_accounts.c.last_totp_step.is_(None), staff_accounts.c.last_totp_step < step),
                )
            )
            .values(last_totp_step=step, last_login_at=at)
        )
        return result.rowcount == 1

    def reseal_totp(self, account_id: int, *, was: str, sealed: str) -> bool:
        """Replace an account's sealed TOTP secret by the same secret sealed anew, unless it
        changed meanwhile (then False); the account's version stays, nothing about it changed."""
        result = self._conn.execute(
            update(staff_accounts)
            .where(and_(staff_accounts.c.id == account_id, staff_accounts.c.totp_sealed == was))
            .values(totp_sealed=sealed)
        )
        return result.rowcount == 1

    def set_password_hash(self, account_id: int, password_hash: str) -> None:
        """Replace the hash of an unchanged password (new argon2 parameters)."""
        self._conn.execute(
            update(staff_accounts)
            .where(staff_accounts.c.id == account_id)
            .values(password_hash=password_hash)
        )

    # failed logins

    def failures(self, kind: str, key: str, *, lock: bool = False) -> tuple[int, str | None]:
        """Consecutive failures counted under (kind, key) and the time of the last one.

        With ``lock`` the row is locked for the transaction on PostgreSQL.
        """
        query = select(login_failures.c.failures, login_failures.c.last_failure_at).where(
            and_(login_failures.c.kind == kind, login_failures.c.key == key)
        )
        if lock and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return (0, None) if row is None else (int(row.failures), str(row.last_failure_at))

    def forget_stale_failures(self, *, before: str) -> int:
        """Remove failure counts last touched before ``before``: every address's, and those of
        names that are no account (guesses); an account's own count stays until it succeeds."""
        stale = login_failures.c.last_failure_at < before
        guessed = and_(
            login_failures.c.kind == "account",
            login_failures.c.key.not_in(select(staff_accounts.c.name)),
        )
        result = self._conn.execute(
            delete(login_failures).where(and_(stale, (login_failures.c.kind == "address") | guessed))
        )
        return int(result.rowcount or 0)

    def set_failures(self, kind: str, key: str, *, failures: int, at: str) -> None:
        """Store the count under (kind, key); a count of 0 removes the row."""
        where = and_(login_failures.c.kind == kind, login_failures.c.key == key)
        if failures <= 0:
            self._conn.execute(delete(login_failures).where(where))
            return
        result = self._conn.execute(
            update(login_failures).where(where).values(failures=failures, last_failure_at=at)
        )
        if result.rowcount == 0:
            self._conn.execute(
                insert(login_failures),
                [{"kind": kind, "key": key, "failures": failures, "last_failure_at": at}],
            )

    # sessions

    def add_session(self, row: Mapping[str, Any]) -> None:
        """Store a new session."""
        self._conn.execute(insert(staff_sessions), [dict(row)])

    def session(self, token_hash: str) -> dict[str, Any] | None:
        """A session with its account's name, roles and state, or None."""
        row = self._conn.execute(
            select(
                staff_sessions,
                staff_accounts.c.name,
                staff_accounts.c.roles,
                staff_accounts.c.disabled,
            )
            .join(staff_accounts, staff_accounts.c.id == staff_sessions.c.account_id)
            .where(staff_sessions.c.token_hash == token_hash)
        ).first()
        return None if row is None else dict(row._mapping)

    def touch_session(self, token_hash: str, *, last_seen_at: str, expires_at: str) -> None:
        """Record a session's use and its new end."""
        self._conn.execute(
            update(staff_sessions)
            .where(staff_sessions.c.token_hash == token_hash)
            .values(last_seen_at=last_seen_at, expires_at=expires_at)
        )

    def end_session(self, token_hash: str) -> None:
        """Forget one session."""
        self._conn.execute(delete(staff_sessions).where(staff_sessions.c.token_hash == token_hash))

    def end_sessions_of(self, account_id: int) -> int:
        """Forget every session of an account; how many there were."""
        result = self._conn.execute(delete(staff_sessions).where(staff_sessions.c.account_id == account_id))
        return int(result.rowcount)

    def end_expired_sessions(self, now: str) -> None:
        """Forget the sessions that have ended."""
        self._conn.execute(delete(staff_sessions).where(staff_sessions.c.expires_at <= now))

    # alerts

    def alert(
        self,
        kind: str,
        *,
        at: str,
        by: str,
        account: str | None = None,
        address: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Record a security event for the administrator and the auditor."""
        self._conn.execute(
            insert(security_alerts),
            [
                {
                    "at": at,
                    "kind": kind,
                    "account": account,
                    "address": address,
                    "by": by,
                    "detail": json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True),
                }
            ],
        )

    def alerts(self, *, limit: int = 100, account: str | None = None) -> list[dict[str, Any]]:
        """The newest alerts first."""
        query = select(security_alerts)
        if account is not None:
            query = query.where(security_alerts.c.account == account)
        rows = self._conn.execute(query.order_by(security_alerts.c.id.desc()).limit(limit))
        return [{**r._mapping, "detail": json.loads(r.detail)} for r in rows]
