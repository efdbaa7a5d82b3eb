"""Family inquiries made on the public web form: what is kept, and how the follow-up is guarded.

A public inquiry needs no account. The request only stores and queues it: nothing about
the registry is looked up while the inquirer waits, and everyone gets the same response
apart from the reference and the secret, so the response says nothing about whether the
man is registered. The follow-up page shows only what an officer has released, to the one
who holds the secret; guessing is limited per reference, and released answers expire.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from powbureau.domain.errors import InvalidInput
from powbureau.domain.inquiries import AnswerKind

__all__ = [
    "ATTEMPT_LOCK",
    "FIELD_LIMITS",
    "MAX_FAILED_ATTEMPTS",
    "RELEASE_VALID_FOR",
    "SOUGHT_FIELDS",
    "FollowUp",
    "FollowUpState",
    "Released",
    "clean_submission",
    "follow_up_of",
    "secret_digest",
    "secret_matches",
]

#: Wrong secrets a reference tolerates before it is locked for ``ATTEMPT_LOCK``.
MAX_FAILED_ATTEMPTS = 5
ATTEMPT_LOCK = timedelta(hours=1)
#: How long a released answer stays on the follow-up page.
RELEASE_VALID_FOR = timedelta(days=30)

SOUGHT_FIELDS = (
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "unit",
    "service_number",
    "mother_name",
    "father_name",
    "last_seen_on",
    "last_seen_place",
)
INQUIRER_FIELDS = ("inquirer_name", "relation", "contact", "language", "knows")
#: Longest accepted value of each field, in characters.
FIELD_LIMITS: Mapping[str, int] = {
    **dict.fromkeys(SOUGHT_FIELDS, 200),
    "inquirer_name": 200,
    "relation": 40,
    "contact": 300,
    "language": 2,
    "knows": 4000,
}
_LANGUAGES = frozenset({"uk", "ru", "en"})


def clean_submission(fields: Mapping[str, str | None]) -> dict[str, str]:
    """The submitted fields, trimmed and checked, with empty ones left out.

    Raises:
        InvalidInput: an unknown or overlong field, a control character, no name of the
            sought man, or no way to answer the inquirer; ``field`` names it.
    """
    out: dict[str, str] = {}
    for name, value in fields.items():
        if name not in FIELD_LIMITS:
            raise InvalidInput(f"unknown field {name!r}", field=name)
        text = (value or "").strip()
        if not text:
            continue
        if len(text) > FIELD_LIMITS[name]:
            raise InvalidInput(f"{name} is longer than {FIELD_LIMITS[name]} characters", field=name)
        if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
            raise InvalidInput(f"{name} holds a control character", field=name)
        out[name] = text
    if not any(out.get(f) for f in ("surname", "given_name", "service_number")):
        raise InvalidInput("give the sought man's surname, given name or service number", field="surname")
    if not out.get("contact"):
        raise InvalidInput("give an address or telephone number for the answer", field="contact")
    if not out.get("inquirer_name"):
        raise InvalidInput("give your name", field="inquirer_name")
    if not out.get("relation"):
        raise InvalidInput("say how you are related to him", field="relation")
    language = out.get("language", "uk")
    if language not in _LANGUAGES:
        raise InvalidInput("language is one of uk, ru, en", field="language")
    out["language"] = language
    return out


def secret_digest(secret: str) -> str:
    """What is stored of a follow-up secret (the secret itself is random, 128 bits)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, digest: str) -> bool:
    """Constant-time comparison of a presented secret with the stored digest."""
    return hmac.compare_digest(secret_digest(secret), digest)


class FollowUpState(StrEnum):
    """What the follow-up page may say."""

    RECEIVED = "received"  # stored, not yet answered
    ANSWERED = "answered"  # an officer released an answer
    CONTACT_US = "contact_us"  # the answer is told by a person; the page only asks to get in touch
    EXPIRED = "expired"  # the released answer is no longer shown


@dataclass(frozen=True)
class Released:
    """An answer an officer released to the follow-up page."""

    kind: AnswerKind
    on: str | None
    by_person: bool
    until: datetime


@dataclass(frozen=True)
class FollowUp:
    """The follow-up page's content: never a death, never a name."""

    reference: str
    state: FollowUpState
    answer: AnswerKind | None = None
    on: str | None = None
    language: str = "uk"


def follow_up_of(reference: str, language: str, released: Released | None, now: datetime) -> FollowUp:
    """What the page shows for this reference now."""
    if released is None:
        return FollowUp(reference, FollowUpState.RECEIVED, language=language)
    if now >= released.until:
        return FollowUp(reference, FollowUpState.EXPIRED, language=language)
    if released.by_person or released.kind is AnswerKind.DECEASED:
        return FollowUp(reference, FollowUpState.CONTACT_US, language=language)
    return FollowUp(reference, FollowUpState.ANSWERED, released.kind, released.on, language)
