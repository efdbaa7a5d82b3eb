"""Use cases of the public web form: submit, file the queue under tracing cases, follow up.

``submit_public_inquiry`` only stores: it reads nothing of the registry or of the cases,
so neither its result nor its timing can tell anyone whether a man is registered.
``file_public_inquiries`` (run by the service in the background, or by ``inquiry
process-queue``) files each queued submission with :func:`file_inquiry`, where matching
runs. ``follow_up`` shows the inquirer only what an officer released.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from powbureau.domain.errors import NotFound, RuleViolation
from powbureau.domain.events import utc_now
from powbureau.domain.inquiries import AnswerKind, Channel, Inquirer
from powbureau.domain.public import (
    ATTEMPT_LOCK,
    MAX_FAILED_ATTEMPTS,
    SOUGHT_FIELDS,
    FollowUp,
    Released,
    clean_submission,
    follow_up_of,
    secret_digest,
    secret_matches,
)
from powbureau.matching import TraceQuery
from powbureau.services.inquiries import OpenedCase, file_inquiry
from powbureau.store.uow import UnitOfWork

__all__ = [
    "WRONG_REFERENCE_OR_SECRET",
    "PublicReceipt",
    "file_public_inquiries",
    "follow_up",
    "submit_public_inquiry",
]

#: The one refusal of the follow-up page, whether the reference exists or not.
WRONG_REFERENCE_OR_SECRET = "no inquiry with this reference and secret"  # noqa: S105
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone


@dataclass(frozen=True)
class PublicReceipt:
    """What the inquirer keeps: the reference and the secret (shown once, stored hashed)."""

    reference: str
    secret: str


def _new_reference() -> str:
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"W-{chars[:4]}-{chars[4:]}"


def submit_public_inquiry(
    *, uow: UnitOfWork, fields: Mapping[str, str | None], now: datetime | None = None
) -> PublicReceipt:
    """Store a family's inquiry from the public form and queue it; nothing is looked up.

    Raises:
        InvalidInput: a field is missing, unknown or too long (``field`` names it).
    """
    submitted = clean_submission(fields)
    at = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    secret = secrets.token_urlsafe(16)
    with uow:
        reference = _new_reference()
        while uow.public.exists(reference):
            reference = _new_reference()
        uow.public.add(reference=reference, secret_hash=secret_digest(secret), submitted=submitted, at=at)
        uow.commit()
    return PublicReceipt(reference, secret)


def file_public_inquiries(
    *, uow_factory: Callable[[], UnitOfWork], recorded_by: str = "system:web-queue", limit: int = 100
) -> list[OpenedCase]:
    """File queued web inquiries under tracing cases, each in its own transaction.

    A submission is filed and marked filed in one transaction, so a crash files nobody
    twice and skips nobody.
    """
    with uow_factory() as uow:
        references = [row["reference"] for row in uow.public.queued(limit)]
    opened: list[OpenedCase] = []
    for reference in references:
        with uow_factory() as uow:
            row = uow.public.get(reference)
            if row["state"] != "queued":
                continue
            data = json.loads(row["submitted"])
            sought = TraceQuery(**{f: data.get(f) for f in SOUGHT_FIELDS})
            inquirer = Inquirer(
                data["inquirer_name"],
                data["relation"],
                data["contact"],
                Channel.WEB,
                data.get("language", "uk"),
                data.get("knows", ""),
            )
            case = file_inquiry(uow, sought, inquirer, recorded_by=recorded_by, query_ref=reference)
            uow.public.mark_filed(reference, case_id=case.case_id, inquirer_id=case.inquirer_id, at=utc_now())
            uow.commit()
        opened.append(case)
    return opened


def _released(row: Mapping[str, object]) -> Released | None:
    if not row["released"]:
        return None
    data = json.loads(str(row["released"]))
    return Released(
        AnswerKind(data["kind"]),
        data.get("on"),
        bool(data.get("by_person")),
        datetime.fromisoformat(data["until"]),
    )


def follow_up(*, uow: UnitOfWork, reference: str, secret: str, now: datetime | None = None) -> FollowUp:
    """What the holder of the reference and secret may see now.

    Wrong secrets are counted; after ``MAX_FAILED_ATTEMPTS`` the reference answers nobody
    for ``ATTEMPT_LOCK``, even with the right secret.

    Raises:
        NotFound: the reference or the secret is wrong (one message for both).
        RuleViolation: too many wrong secrets; try later.
    """
    now = now or datetime.now(UTC)
    with uow:
        try:
            row = uow.public.get(reference.strip().upper())
        except NotFound:
            raise NotFound(WRONG_REFERENCE_OR_SECRET) from None
        locked = row["locked_until"]
        if locked and now < datetime.fromisoformat(locked):
            raise RuleViolation("too many wrong secrets for this reference; try again later")
        if not secret_matches(secret, row["secret_hash"]):
            failed = row["failed_attempts"] + 1
            until = (now + ATTEMPT_LOCK).isoformat() if failed >= MAX_FAILED_ATTEMPTS else None
            uow.public.record_attempt(
                row["reference"], failed_attempts=0 if until else failed, locked_until=until
            )
            uow.commit()
            raise NotFound(WRONG_REFERENCE_OR_SECRET)
        if row["failed_attempts"]:
            uow.public.record_attempt(row["reference"], failed_attempts=0, locked_until=None)
            uow.commit()
        return follow_up_of(row["reference"], row["language"], _released(row), now)
