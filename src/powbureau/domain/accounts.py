"""Staff accounts: names, passwords, the second factor, sessions and login throttling (pure).

Every role needs a second factor. Each one either sees personal data of people held or
sought (registrar, tracing officer, hotline operator, medical, exchange negotiator,
liaison), sees the record of who read that data (auditor), or can give accounts any of
those roles (administrator). A stolen password alone must not open any of them, so the
bureau has no role that logs in with a password only.

Failed logins slow the next attempt, per account name and per address, with a delay that
doubles from one failure to the next up to a cap; after ``ACCOUNT_POLICY.lock_after``
consecutive failures an account is locked until an administrator unlocks it. The rules
here are pure functions of the failure count, the time of the last failure and ``now``;
the service stores the counters and applies them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from powbureau.domain.access import Channel, Reader, Role
from powbureau.domain.errors import InvalidInput

__all__ = [
    "ABSOLUTE_TIMEOUT",
    "ACCOUNT_POLICY",
    "ADDRESS_POLICY",
    "CSRF_FIELD",
    "IDLE_TIMEOUT",
    "MAX_PASSWORD",
    "MIN_PASSWORD",
    "SECOND_FACTOR_ROLES",
    "SESSION_COOKIE",
    "SLIDE_EVERY",
    "Staff",
    "ThrottlePolicy",
    "address_key",
    "check_password_rules",
    "login_key",
    "needs_second_factor",
    "parse_roles",
    "session_cookie_options",
    "session_expires_at",
    "validate_name",
]

_NAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")

MIN_PASSWORD = 12
#: Longer passwords are refused: hashing megabytes per attempt would be a cheap attack.
MAX_PASSWORD = 1024

#: Every role needs the second factor (see the module's docstring).
SECOND_FACTOR_ROLES: frozenset[Role] = frozenset(Role)

#: A session ends after this long without a request...
IDLE_TIMEOUT = timedelta(minutes=30)
#: ...and this long after login, however busy.
ABSOLUTE_TIMEOUT = timedelta(hours=12)
#: A session's last use is written at most this often (each write is a transaction).
SLIDE_EVERY = timedelta(seconds=60)

SESSION_COOKIE = "powbureau_session"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Staff:
    """A logged-in member of staff and the roles he holds (a person may hold several)."""

    name: str
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        """True when he holds ``role``."""
        return role in self.roles

    def reader(self, channel: Channel, *, case_id: str | None = None, reason: str | None = None) -> Reader:
        """Him as the reader the audit log names."""
        return Reader(self.name, channel, self.roles, case_id, reason)


def validate_name(name: str) -> str:
    """An account name: 2-64 characters, lower-case a-z first, then a-z, 0-9, ``.``, ``_``, ``-``.

    The alphabet keeps names unambiguous in logs and apart from the ``os:<login>`` of the
    command line (no colon).

    Raises:
        InvalidInput: naming the field ``name`` and the rule.
    """
    if not _NAME.fullmatch(name):
        raise InvalidInput(
            f"account name {name!r} is not allowed: use 2-64 characters, a lower-case letter "
            "first, then lower-case letters, digits, '.', '_' or '-'",
            field="name",
        )
    return name


def login_key(name: str) -> str:
    """The name a login attempt is counted under (names are lower-case; long input is cut)."""
    return name.strip().lower()[:64]


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    """Roles from their names; at least one.

    Raises:
        InvalidInput: an unknown role (the known ones are listed), or none at all.
    """
    roles: set[Role] = set()
    for value in values:
        try:
            roles.add(Role(value))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InvalidInput(f"unknown role {value!r}; the roles are: {known}", field="roles") from None
    if not roles:
        raise InvalidInput("an account needs at least one role", field="roles")
    return frozenset(roles)


def needs_second_factor(roles: Iterable[Role]) -> bool:
    """True when an account holding ``roles`` must log in with a TOTP code (for every role)."""
    return any(role in SECOND_FACTOR_ROLES for role in roles)


def check_password_rules(password: str) -> None:
    """A password chosen by a person: 12 to 1024 characters, not only spaces.

    Raises:
        InvalidInput: naming the field ``password`` and the rule broken.
    """
    if len(password) < MIN_PASSWORD or not password.strip():
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters", field="password")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"a password may have at most {MAX_PASSWORD} characters", field="password")


@dataclass(frozen=True)
class ThrottlePolicy:
    """How failed logins slow the next attempt.

    Attributes:
        free: failures that cost no delay (a typo or two).
        base: the delay, in seconds, after the first failure beyond ``free``; it doubles
            with every further failure.
        cap: the longest delay, in seconds.
        lock_after: lock after this many consecutive failures (None: never lock).
        alert_after: alert the administrator when the count reaches this (None: never).
        memory: failures older than this are forgotten (None: kept until a success or an
            unlock).
    """

    free: int
    base: float
    cap: float
    lock_after: int | None = None
    alert_after: int | None = None
    memory: timedelta | None = None

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` consecutive failures: 0, ..., 1, 2, 4, 8, ... capped."""
        beyond = failures - self.free
        if beyond <= 0:
            return 0.0
        if beyond > 64:  # 2**64 seconds is past any cap; avoid float overflow
            return self.cap
        return min(self.cap, self.base * 2.0 ** (beyond - 1))

    def current(self, failures: int, last_failure: datetime | None, now: datetime) -> int:
        """The failures that still count at ``now`` (old ones are forgotten after ``memory``)."""
        if last_failure is None or failures <= 0:
            return 0
        if self.memory is not None and now - last_failure > self.memory:
            return 0
        return failures

    def retry_after(self, failures: int, last_failure: datetime | None, now: datetime) -> float:
        """Seconds from ``now`` until the next attempt may be checked; 0 when it may be now."""
        counted = self.current(failures, last_failure, now)
        if counted == 0 or last_failure is None:
            return 0.0
        waited = (now - last_failure).total_seconds()
        return max(0.0, self.delay(counted) - waited)

    def locks(self, failures: int) -> bool:
        """True when ``failures`` consecutive failures lock the account."""
        return self.lock_after is not None and failures >= self.lock_after


#: Per account name: the first failure is free, then 1, 2, 4, ... 60 s; locked after 10.
ACCOUNT_POLICY = ThrottlePolicy(free=1, base=1.0, cap=60.0, lock_after=10, alert_after=10)
#: Per address: several people may share one (an office behind NAT), so five failures are
#: free, but one address guessing across many names is slowed up to 15 minutes a try and
#: reported at 20. An hour without failures forgets them.
ADDRESS_POLICY = ThrottlePolicy(free=5, base=1.0, cap=900.0, alert_after=20, memory=timedelta(hours=1))


def address_key(address: str) -> str:
    """The key an address is counted under: IPv4 as is, IPv6 by its /64 (one subscriber's)."""
    text = address.strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return text[:100] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def session_expires_at(created: datetime, last_seen: datetime) -> datetime:
    """When a session ends if nothing more happens: idle timeout, bounded by the absolute one."""
    return min(last_seen + IDLE_TIMEOUT, created + ABSOLUTE_TIMEOUT)


def session_cookie_options(*, secure: bool = True) -> dict[str, object]:
    """Attributes of the session cookie: HttpOnly, SameSite=Strict, Secure unless switched off.

    ``secure=False`` is only for a bureau tried out over plain HTTP on one machine.
    """
    return {
        "key": SESSION_COOKIE,
        "httponly": True,
        "secure": secure,
        "samesite": "strict",
        "path": "/",
        "max_age": int(ABSOLUTE_TIMEOUT.total_seconds()),
    }
