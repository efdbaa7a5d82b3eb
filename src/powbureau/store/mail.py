"""Received e-mail in the database: the messages as they came, their attachments, the outbox log.

A message is kept whole (its raw bytes and their SHA-256) under its key: the Message-ID,
or ``sha256:<hash of the raw bytes>`` when it has none, unique, so reading a mailbox again
adds nothing. An officer transcribes it into an inquiry (the message then names the case
and inquirer) or rejects it; ``version`` guards both against a second officer doing the
same at once. The outbox log keeps every letter written (the .eml bytes themselves, their
hash and where they were put); a letter not yet written has no ``written_at``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    and_,
    func,
    insert,
    select,
    update,
)

from powbureau.domain.errors import ConcurrentModification, NotFound
from powbureau.store.inquiries import inquirers
from powbureau.store.tables import metadata

__all__ = [
    "MESSAGE_STATES",
    "MailRepository",
    "mail_attachments",
    "mail_messages",
    "mail_outbox",
    "message_ref",
]

#: awaiting_transcription: an officer must read it; transcribed: filed as an inquiry;
#: rejected: not an inquiry (spam, an auto-reply, nothing about anyone).
MESSAGE_STATES = ("awaiting_transcription", "transcribed", "rejected")

mail_messages = Table(
    "mail_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_key", Text, nullable=False, unique=True),
    Column("message_id", Text),
    Column("raw", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("source_path", Text),
    Column("sender_address", Text, nullable=False),
    Column("sender_name", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("sent_at", String(32)),
    Column("received_at", String(32), nullable=False),
    Column("language", String(8), nullable=False),
    Column("declared_charset", String(40)),
    Column("detected_charset", String(40)),
    Column("html_only", Boolean, nullable=False),
    Column("body", Text, nullable=False),
    Column("problem", Text),
    Column("no_ack_reason", Text),
    Column("state", String(24), nullable=False),
    Column("case_id", String(32), ForeignKey("tracing_cases.id")),
    Column("inquirer_id", Integer, ForeignKey("inquirers.id")),
    Column("claimed_by", Text),
    Column("claimed_at", String(32)),
    Column("transcribed_by", Text),
    Column("transcribed_at", String(32)),
    Column("rejected_reason", Text),
    Column("version", Integer, nullable=False),
)
Index("ix_mail_messages_state", mail_messages.c.state, mail_messages.c.id)
Index("ix_mail_messages_inquirer_id", mail_messages.c.inquirer_id)

mail_attachments = Table(
    "mail_attachments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", Integer, ForeignKey("mail_messages.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("filename", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
)
Index("ix_mail_attachments_message_id", mail_attachments.c.message_id)

mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("message_id", Integer, ForeignKey("mail_messages.id")),
    Column("case_id", String(32), ForeignKey("tracing_cases.id")),
    Column("inquirer_id", Integer, ForeignKey("inquirers.id")),
    Column("answer", String(24)),
    Column("language", String(8), nullable=False),
    Column("recipient", Text, nullable=False),
    Column("rfc_message_id", Text, nullable=False),
    Column("eml", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("outbox", Text, nullable=False),
    Column("path", Text),
    Column("written_at", String(32)),
)
Index("ix_mail_outbox_message_id", mail_outbox.c.message_id)
Index("ix_mail_outbox_case_id", mail_outbox.c.case_id)

#: The columns of a message without its raw bytes (what lists and views read).
_SUMMARY = [c for c in mail_messages.c if c.name != "raw"]


def message_ref(message_id: int) -> str:
    """The bureau's short reference of a received message (given in the acknowledgement)."""
    return f"E{message_id}"


class MailRepository:
    """Received messages, their attachments and the outbox log; never commits."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    # -- messages ----------------------------------------------------------------------

    def add(self, row: Mapping[str, Any]) -> int:
        """Store a received message; return its id."""
        result = self._conn.execute(insert(mail_messages).returning(mail_messages.c.id), [dict(row)])
        return int(result.scalar_one())

    def id_of_key(self, message_key: str) -> int | None:
        """The id of the message stored under this key, if any."""
        row = self._conn.execute(
            select(mail_messages.c.id).where(mail_messages.c.message_key == message_key)
        ).first()
        return None if row is None else int(row.id)

    def get(self, ref: str, *, raw: bool = False) -> dict[str, Any]:
        """A message by its reference (``E12``), its key (Message-ID or ``sha256:...``) or id.

        Raises:
            NotFound: no message answers to it.
        """
        columns = list(mail_messages.c) if raw else _SUMMARY
        text = ref.strip()
        conditions = [mail_messages.c.message_key == text]
        if not text.startswith("<") and "@" in text:
            conditions.append(mail_messages.c.message_key == f"<{text}>")
        number = text[1:] if text[:1] in ("E", "e") else text
        if number.isdigit():
            conditions = [mail_messages.c.id == int(number), *conditions]
        for condition in conditions:
            row = self._conn.execute(select(*columns).where(condition)).first()
            if row is not None:
                return dict(row._mapping)
        raise NotFound(f"no received message {ref!r}")

    def by_inquirer(self, inquirer_id: int) -> dict[str, Any] | None:
        """The message an inquirer was transcribed from, if he wrote in."""
        row = self._conn.execute(
            select(*_SUMMARY).where(mail_messages.c.inquirer_id == inquirer_id).order_by(mail_messages.c.id)
        ).first()
        return None if row is None else dict(row._mapping)

    def in_state(self, state: str, *, limit: int = 100) -> list[dict[str, Any]]:
        """Messages in a state, oldest first, without their raw bytes."""
        rows = self._conn.execute(
            select(*_SUMMARY).where(mail_messages.c.state == state).order_by(mail_messages.c.id).limit(limit)
        )
        return [dict(r._mapping) for r in rows]

    def save(self, message_id: int, *, expected_version: int, **values: Any) -> int:
        """Change a message if nobody changed it since ``expected_version``; the new version.

        Raises:
            ConcurrentModification: someone else changed it first.
        """
        result = self._conn.execute(
            update(mail_messages)
            .where(and_(mail_messages.c.id == message_id, mail_messages.c.version == expected_version))
            .values(version=expected_version + 1, **values)
        )
        if result.rowcount != 1:
            current = self.get(str(message_id))
            who = current["transcribed_by"] or current["claimed_by"] or "another officer"
            raise ConcurrentModification(
                f"message {message_ref(message_id)} was changed by {who} (now version "
                f"{current['version']}, you had {expected_version}); reload it"
            )
        return expected_version + 1

    def count_by_state(self) -> dict[str, int]:
        """How many messages are in each state."""
        rows = self._conn.execute(select(mail_messages.c.state, func.count()).group_by(mail_messages.c.state))
        return {r[0]: int(r[1]) for r in rows}

    # -- attachments -------------------------------------------------------------------

    def add_attachments(self, message_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
        """Store a message's attachments in order."""
        if rows:
            self._conn.execute(
                insert(mail_attachments),
                [{**r, "message_id": message_id, "position": i} for i, r in enumerate(rows, 1)],
            )

    def attachments_of(self, message_id: int, *, data: bool = False) -> list[dict[str, Any]]:
        """A message's attachments in order (their bytes only when asked)."""
        columns = [c for c in mail_attachments.c if data or c.name != "data"]
        rows = self._conn.execute(
            select(*columns)
            .where(mail_attachments.c.message_id == message_id)
            .order_by(mail_attachments.c.position)
        )
        return [dict(r._mapping) for r in rows]

    # -- outbox ------------------------------------------------------------------------

    def add_letter(self, row: Mapping[str, Any]) -> int:
        """Log a letter to be written to the outbox; return its id."""
        result = self._conn.execute(insert(mail_outbox).returning(mail_outbox.c.id), [dict(row)])
        return int(result.scalar_one())

    def letter_written(self, letter_id: int, *, path: str, at: str) -> None:
        """Record where a letter was written."""
        self._conn.execute(
            update(mail_outbox).where(mail_outbox.c.id == letter_id).values(path=path, written_at=at)
        )

    def letters_unwritten(self) -> list[dict[str, Any]]:
        """Letters logged but not yet written (a crash came between), oldest first."""
        rows = self._conn.execute(
            select(mail_outbox).where(mail_outbox.c.written_at.is_(None)).order_by(mail_outbox.c.id)
        )
        return [dict(r._mapping) for r in rows]

    def letters(
        self, *, message_id: int | None = None, case_id: str | None = None, kind: str | None = None
    ) -> list[dict[str, Any]]:
        """Letters written for a message or a case, oldest first (without the .eml bytes)."""
        query = select(*[c for c in mail_outbox.c if c.name != "eml"])
        if message_id is not None:
            query = query.where(mail_outbox.c.message_id == message_id)
        if case_id is not None:
            query = query.where(mail_outbox.c.case_id == case_id)
        if kind is not None:
            query = query.where(mail_outbox.c.kind == kind)
        return [dict(r._mapping) for r in self._conn.execute(query.order_by(mail_outbox.c.id))]

    # -- inquirers ---------------------------------------------------------------------

    def inquirer_filed(self, source: str, query_ref: str) -> dict[str, Any] | None:
        """The inquirer an inquiry with this source and reference was filed as, if any."""
        row = self._conn.execute(
            select(inquirers.c.id, inquirers.c.case_id)
            .where(and_(inquirers.c.source == source, inquirers.c.query_ref == query_ref))
            .order_by(inquirers.c.id)
        ).first()
        return None if row is None else dict(row._mapping)
