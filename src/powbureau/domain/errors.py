"""Errors raised by powbureau.

* PowBureauError            - the root; every error a user can cause derives from it
  x InvalidInput            - a value that cannot be read (a date, a category, a file)
    x ImportRejected        - a file refused whole, with every bad row
  x NotFound                - PersonNotFound, EventNotFound, PlaceNotFound
  x Conflict                - ConcurrentModification, AmbiguousReference, DuplicateReference
  x RuleViolation           - an impossible entry (a transfer after a recorded death)
  x NoRegistry              - the database is missing or not migrated
  x PermissionDenied
  x LoginRefused            - one message for every failed login, with the time to wait
  x SessionInvalid          - unknown, expired or ended session; log in again
  x KeyUnavailable          - no key for the TOTP secrets (not configured, missing, unreadable)
  x SecretUnreadable        - the key does not open a stored secret (wrong key; value altered or moved)

The CLI maps them to exit codes (1 for all of them), the API to HTTP statuses.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "LOGIN_REFUSED_MESSAGE",
    "AmbiguousReference",
    "ConcurrentModification",
    "Conflict",
    "DuplicateReference",
    "EventNotFound",
    "ImportRejected",
    "InvalidInput",
    "KeyUnavailable",
    "LoginRefused",
    "NoRegistry",
    "NotFound",
    "PermissionDenied",
    "PersonNotFound",
    "PlaceNotFound",
    "PowBureauError",
    "RuleViolation",
    "SecretUnreadable",
    "SessionInvalid",
]


class PowBureauError(Exception):
    """Root of every error a user of the bureau can cause."""

    code = "error"


class InvalidInput(PowBureauError):
    """A value that cannot be read: a date, a category, a field of a form."""

    code = "invalid_input"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(PowBureauError):
    """Something asked for by reference does not exist."""

    code = "not_found"


class PersonNotFound(NotFound):
    """No person answers to the reference."""


class EventNotFound(NotFound):
    """No event has that id."""


class PlaceNotFound(NotFound):
    """No place of detention has that code."""


class Conflict(PowBureauError):
    """The request clashes with what is stored."""

    code = "conflict"


class ConcurrentModification(Conflict):
    """Raised when a record changed since the caller read it (optimistic versioning)."""


class AmbiguousReference(Conflict):
    """Raised when a bare person_ref names persons of several sources."""


class DuplicateReference(Conflict):
    """Raised when an external reference is already taken."""


class RuleViolation(PowBureauError):
    """Raised when an entry is impossible given the recorded history."""

    code = "rule_violation"


class NoRegistry(PowBureauError):
    """Raised when a command other than ``init`` meets a missing or un-migrated database."""

    code = "no_registry"


class PermissionDenied(PowBureauError):
    """Raised when the caller's role may not do this."""

    code = "permission_denied"


#: The one message of every refused login: it never tells whether the account exists.
LOGIN_REFUSED_MESSAGE = (
    "login refused: the name, password or code is wrong, or the account cannot log in now; "
    "wait before trying again, and ask an administrator if it persists"
)


class LoginRefused(PowBureauError):
    """Raised for every failed login, whatever the cause, with one message.

    Attributes:
        retry_after: seconds before the next attempt will be checked at all.
    """

    code = "login_refused"

    def __init__(self, retry_after: float) -> None:
        super().__init__(LOGIN_REFUSED_MESSAGE)
        self.retry_after = retry_after


class SessionInvalid(PowBureauError):
    """Raised when a session token is unknown, expired, or its account was disabled."""

    code = "session_invalid"


class KeyUnavailable(PowBureauError):
    """Raised when the key that seals the staff accounts' TOTP secrets cannot be had: not
    configured (PostgreSQL without ``POWBUREAU_SECRET_KEY_FILE``), missing, or unreadable."""

    code = "key_unavailable"


class SecretUnreadable(PowBureauError):
    """Raised when the key does not open a stored TOTP secret: a wrong key file, or the
    stored value was altered or copied from another account."""

    code = "secret_unreadable"


class ImportRejected(InvalidInput):
    """Raised when a file is refused whole; carries every bad row (up to a limit)."""

    def __init__(self, file: str, errors: list[Any], bad_rows: int) -> None:
        shown = "\n".join(str(e) for e in errors)
        more = "" if len(errors) >= bad_rows else f"\n(and more: {bad_rows} bad rows in all)"
        super().__init__(
            f"{file}: refused, nothing was imported: {bad_rows} bad row(s)\n{shown}{more}",
            field="file",
        )
        self.errors = errors
        self.bad_rows = bad_rows
