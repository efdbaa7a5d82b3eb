"""Inquiries made on the public web form, queued until they are filed under a tracing case.

Only the SHA-256 of the follow-up secret is kept. ``failed_attempts`` and ``locked_until``
guard the follow-up page against guessing; ``released`` holds what an officer released.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column, Connection, Index, Integer, String, Table, Text, insert, select, update

from powbureau.domain.errors import NotFound
from powbureau.store.tables import metadata

__all__ = ["PublicInquiryRepository", "public_inquiries"]

public_inquiries = Table(
    "public_inquiries",
    metadata,
    Column("reference", String(16), primary_key=True),
    Column("secret_hash", String(64), nullable=False),
    Column("submitted", Text, nullable=False),
    Column("language", String(8), nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("state", String(12), nullable=False),
    Column("case_id", String(32)),
    Column("inquirer_id", Integer),
    Column("filed_at", String(32)),
    Column("failed_attempts", Integer, nullable=False),
    Column("locked_until", String(32)),
    Column("released", Text),
)
Index("ix_public_inquiries_state", public_inquiries.c.state, public_inquiries.c.received_at)
Index("ix_public_inquiries_inquirer_id", public_inquiries.c.inquirer_id)


class PublicInquiryRepository:
    """The queue of public inquiries; never commits."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, *, reference: str, secret_hash: str, submitted: Mapping[str, str], at: str) -> None:
        """Queue a submission."""
        self._conn.execute(
            insert(public_inquiries),
            [
                {
                    "reference": reference,
                    "secret_hash": secret_hash,
                    "submitted": json.dumps(dict(submitted), ensure_ascii=False, sort_keys=True),
                    "language": submitted.get("language", "uk"),
                    "received_at": at,
                    "state": "queued",
                    "failed_attempts": 0,
                }
            ],
        )

    def get(self, reference: str) -> dict[str, Any]:
        """One submission by reference."""
        row = self._conn.execute(
            select(public_inquiries).where(public_inquiries.c.reference == reference)
        ).first()
        if row is None:
            raise NotFound(f"no public inquiry {reference!r}")
        return dict(row._mapping)

    def exists(self, reference: str) -> bool:
        """True when the reference is taken."""
        found = self._conn.execute(
            select(public_inquiries.c.reference).where(public_inquiries.c.reference == reference)
        ).first()
        return found is not None

    def queued(self, limit: int) -> list[dict[str, Any]]:
        """Submissions not yet filed, oldest first."""
        rows = self._conn.execute(
            select(public_inquiries)
            .where(public_inquiries.c.state == "queued")
            .order_by(public_inquiries.c.received_at, public_inquiries.c.reference)
            .limit(limit)
        )
        return [dict(r._mapping) for r in rows]

    def mark_filed(self, reference: str, *, case_id: str, inquirer_id: int, at: str) -> None:
        """Record the case a submission was filed under."""
        self._conn.execute(
            update(public_inquiries)
            .where(public_inquiries.c.reference == reference)
            .values(state="filed", case_id=case_id, inquirer_id=inquirer_id, filed_at=at)
        )

    def record_attempt(self, reference: str, *, failed_attempts: int, locked_until: str | None) -> None:
        """Store the count of wrong secrets and any lock."""
        self._conn.execute(
            update(public_inquiries)
            .where(public_inquiries.c.reference == reference)
            .values(failed_attempts=failed_attempts, locked_until=locked_until)
        )

    def by_inquirer(self, inquirer_id: int) -> dict[str, Any] | None:
        """The submission an inquirer came from, if he came through the web form."""
        row = self._conn.execute(
            select(public_inquiries).where(public_inquiries.c.inquirer_id == inquirer_id)
        ).first()
        return None if row is None else dict(row._mapping)

    def release(self, reference: str, released: Mapping[str, Any]) -> None:
        """Put an officer's answer on the follow-up page."""
        self._conn.execute(
            update(public_inquiries)
            .where(public_inquiries.c.reference == reference)
            .values(released=json.dumps(dict(released), sort_keys=True))
        )
