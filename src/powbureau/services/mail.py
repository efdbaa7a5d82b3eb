"""Family inquiries by e-mail: take letters in, acknowledge them, transcribe, answer.

``ingest_mail`` reads a Maildir or a folder of .eml files. Each message is stored whole
(raw bytes, attachments with their hashes) in one transaction, under its Message-ID (or
the hash of its bytes), so reading the same mailbox again adds nothing and acknowledges
nobody twice. The acknowledgement, in the inquirer's language, is logged in the same
transaction and then written to the outbox Maildir (``tmp/`` then ``new/``, so a mail
transport never sees half a letter); a crash between the two leaves it logged but
unwritten, and the next ingest writes it unless the same bytes are already in the outbox.

A message is not an inquiry until an officer has read it: ``transcribe_message`` files it
with :func:`powbureau.services.inquiries.open_inquiry` (channel e-mail, matched at once)
and links the message to the case and inquirer. ``send_answer`` decides the answer with
:func:`powbureau.services.inquiries.answer_case` and writes it as a letter; "deceased" is
never written (the letter asks the family to contact the bureau) and an answer that is
withheld writes nothing.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import mailbox
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Final

from powbureau.domain.errors import ConcurrentModification, InvalidInput, RuleViolation
from powbureau.domain.inquiries import Channel, Inquirer
from powbureau.i18n import language
from powbureau.interchange.mail import ReceivedMessage, parse_message, read_source
from powbureau.interchange.mail_replies import (
    DEFAULT_SENDER,
    Letter,
    acknowledgement,
    answer_letter,
    sender_domain,
)
from powbureau.matching import TraceQuery
from powbureau.services.inquiries import OpenedCase, answer_case, open_inquiry
from powbureau.store.mail import message_ref
from powbureau.store.uow import UnitOfWork

__all__ = [
    "MAIL_FROM_ENV",
    "MAIL_SOURCE",
    "MailIngestSummary",
    "bureau_sender",
    "ingest_mail",
    "message_view",
    "reject_message",
    "send_answer",
    "transcribe_message",
    "transcription_queue",
]

#: The environment variable naming the bureau's From address.
MAIL_FROM_ENV: Final = "POWBUREAU_MAIL_FROM"
#: The ``source`` of an inquiry filed from a received message (its ``query_ref`` is the key).
MAIL_SOURCE: Final = "email"
_AWAITING: Final = "awaiting_transcription"
#: A claim older than this was left by a process that died; another officer may take over.
_CLAIM_TTL: Final = timedelta(minutes=10)
_SOUGHT_FIELDS: Final = tuple(TraceQuery.__dataclass_fields__)


@dataclass
class MailIngestSummary:
    """What one ingest did."""

    source: str
    outbox: str
    read: int = 0
    stored: list[str] = field(default_factory=list)
    already: int = 0
    malformed: list[tuple[str, str]] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    not_acknowledged: list[tuple[str, str]] = field(default_factory=list)
    letters_recovered: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain JSON values."""
        return asdict(self)


def bureau_sender(sender: str | None = None) -> str:
    """The bureau's From address: the one given, else ``$POWBUREAU_MAIL_FROM``, else a default."""
    return (sender or os.environ.get(MAIL_FROM_ENV) or DEFAULT_SENDER).strip()


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _email_address(contact: str, *, public: bool = True) -> str | None:
    """The address in a contact, or None; ``public`` wants a dotted domain (not localhost)."""
    address = email.utils.parseaddr(contact)[1].strip()
    local, _, domain = address.rpartition("@")
    if not local or not domain or not address.isascii() or any(c.isspace() for c in address):
        return None
    if public and "." not in domain:
        return None
    return address.lower()


def _no_ack_reason(message: ReceivedMessage, bureau: str) -> str | None:
    """Why a message gets no acknowledgement (nobody to write to, or a machine wrote it)."""
    if not message.sender_address:
        return "no sender address"
    if message.automatic:
        return message.automatic
    if message.sender_address == _email_address(bureau, public=False):
        return "sent by the bureau itself"
    return None


def _open_outbox(outbox: Path) -> mailbox.Maildir:
    try:
        return mailbox.Maildir(outbox, factory=None, create=True)
    except OSError as exc:
        raise InvalidInput(f"cannot use {outbox} as the outbox Maildir: {exc}", field="outbox") from None


def _in_outbox(outbox: Path, sha256: str) -> Path | None:
    """A file in the outbox with exactly these bytes (written before a crash), if any."""
    for sub in ("new", "cur"):
        folder = outbox / sub
        if folder.is_dir():
            for entry in folder.iterdir():
                if entry.is_file() and hashlib.sha256(entry.read_bytes()).hexdigest() == sha256:
                    return entry
    return None


def _write_letter(uow: UnitOfWork, box: mailbox.Maildir, outbox: Path, letter_id: int, eml: bytes) -> Path:
    """Put a logged letter in the outbox (tmp/ then new/) and record where."""
    key = box.add(eml)
    path = outbox / "new" / key
    with uow:
        uow.mail.letter_written(letter_id, path=str(path), at=_stamp(datetime.now(UTC)))
        uow.commit()
    return path


def _letter_row(
    letter: Letter, *, kind: str, at: str, by: str, outbox: Path, **values: Any
) -> dict[str, Any]:
    return {
        "kind": kind,
        "language": letter.language,
        "recipient": letter.recipient,
        "rfc_message_id": letter.message_id,
        "eml": letter.eml,
        "sha256": letter.sha256,
        "created_at": at,
        "created_by": by,
        "outbox": str(outbox),
        **values,
    }


def _recover_letters(uow: UnitOfWork, box: mailbox.Maildir, outbox: Path) -> int:
    """Write the letters an earlier run logged but did not write (it stopped in between)."""
    with uow:
        pending = [r for r in uow.mail.letters_unwritten() if Path(r["outbox"]) == outbox]
    for row in pending:
        found = _in_outbox(outbox, row["sha256"])
        if found is not None:
            with uow:
                uow.mail.letter_written(row["id"], path=str(found), at=_stamp(datetime.now(UTC)))
                uow.commit()
        else:
            _write_letter(uow, box, outbox, row["id"], row["eml"])
    return len(pending)


def ingest_mail(
    *,
    uow: UnitOfWork,
    source: Path,
    outbox: Path,
    now: datetime | None = None,
    sender: str | None = None,
    recorded_by: str = "mail",
) -> MailIngestSummary:
    """Store every new message of a Maildir or .eml folder and acknowledge it.

    Args:
        source: a Maildir, a folder of ``*.eml`` files, or one file.
        outbox: the Maildir acknowledgements are written to (created if missing).
        now: the time of receipt (default: now).
        sender: the bureau's From address (default :func:`bureau_sender`).

    Raises:
        InvalidInput: the source does not exist or a file cannot be read (the messages
            before it are kept; run again to go on).
    """
    bureau = bureau_sender(sender)
    if _email_address(bureau, public=False) is None:
        raise InvalidInput(f"the bureau's address {bureau!r} is not an e-mail address", field="sender")
    outbox = outbox.resolve()
    box = _open_outbox(outbox)
    summary = MailIngestSummary(source=str(source), outbox=str(outbox))
    summary.letters_recovered = _recover_letters(uow, box, outbox)
    messages = read_source(source)
    while True:
        try:
            path, raw = next(messages)
        except StopIteration:
            break
        except OSError as exc:
            raise InvalidInput(f"cannot read {source}: {exc}", field="source") from None
        summary.read += 1
        received = now or datetime.now(UTC)
        at = _stamp(received)
        message = parse_message(raw)
        with uow:
            if uow.mail.id_of_key(message.key) is not None:
                summary.already += 1
                continue
            no_ack = _no_ack_reason(message, bureau)
            message_id = uow.mail.add(
                {
                    "message_key": message.key,
                    "message_id": message.message_id,
                    "raw": message.raw,
                    "sha256": message.sha256,
                    "source_path": str(path),
                    "sender_address": message.sender_address,
                    "sender_name": message.sender_name,
                    "subject": message.subject,
                    "sent_at": _stamp(message.date) if message.date else None,
                    "received_at": at,
                    "language": message.language,
                    "declared_charset": message.declared_charset,
                    "detected_charset": message.detected_charset,
                    "html_only": message.html_only,
                    "body": message.body,
                    "problem": message.malformed,
                    "no_ack_reason": no_ack,
                    "state": _AWAITING,
                    "version": 0,
                }
            )
            uow.mail.add_attachments(
                message_id,
                [
                    {
                        "filename": a.filename,
                        "content_type": a.content_type,
                        "size": a.size,
                        "sha256": a.sha256,
                        "data": a.data,
                    }
                    for a in message.attachments
                ],
            )
            ref = message_ref(message_id)
            letter_id, letter = None, None
            if no_ack is None:
                letter = acknowledgement(
                    to_address=message.sender_address,
                    to_name=message.sender_name,
                    lang=message.language,
                    reference=ref,
                    letter_date=(message.date or received).date(),
                    attachments=len(message.attachments),
                    sender=bureau,
                    at=received,
                    message_id=f"<ack.{hashlib.sha256(message.key.encode()).hexdigest()[:32]}"
                    f"@{sender_domain(bureau)}>",
                    in_reply_to=message.message_id,
                    references=message.references,
                )
                letter_id = uow.mail.add_letter(
                    _letter_row(
                        letter,
                        kind="acknowledgement",
                        at=at,
                        by=recorded_by,
                        outbox=outbox,
                        message_id=message_id,
                    )
                )
            uow.commit()
        summary.stored.append(ref)
        if message.malformed:
            summary.malformed.append((ref, message.malformed))
        if letter_id is not None and letter is not None:
            _write_letter(uow, box, outbox, letter_id, letter.eml)
            summary.acknowledged.append(ref)
        else:
            summary.not_acknowledged.append((ref, no_ack or ""))
    return summary


def _with_attachments(uow: UnitOfWork, row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "ref": message_ref(row["id"]), "attachments": uow.mail.attachments_of(row["id"])}


def transcription_queue(*, uow: UnitOfWork, limit: int = 100) -> list[dict[str, Any]]:
    """Messages waiting for an officer to read them, oldest first (text, not raw bytes)."""
    with uow:
        return [_with_attachments(uow, r) for r in uow.mail.in_state(_AWAITING, limit=limit)]


def message_view(*, uow: UnitOfWork, message_key: str) -> dict[str, Any]:
    """One received message: its text, attachments and the letters written about it."""
    with uow:
        row = _with_attachments(uow, uow.mail.get(message_key))
        row["letters"] = uow.mail.letters(message_id=row["id"])
        return row


def _sought(fields: Mapping[str, str | None]) -> TraceQuery:
    unknown = sorted(set(fields) - set(_SOUGHT_FIELDS))
    if unknown:
        raise InvalidInput(
            f"unknown field(s) of the sought man: {', '.join(unknown)} (known: {', '.join(_SOUGHT_FIELDS)})",
            field=unknown[0],
        )
    return TraceQuery(**{k: (v.strip() if v and v.strip() else None) for k, v in fields.items()})


def _parse_stamp(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _awaiting(row: Mapping[str, Any], *, officer: str, at: str, expected_version: int | None) -> None:
    """Refuse to work on a message that is done, changed, or being worked on by another officer."""
    ref = message_ref(row["id"])
    if row["state"] == "transcribed":
        raise RuleViolation(
            f"message {ref} was already transcribed by {row['transcribed_by']} into case {row['case_id']}"
        )
    if row["state"] == "rejected":
        raise RuleViolation(
            f"message {ref} was rejected by {row['transcribed_by']}: {row['rejected_reason']}"
        )
    if expected_version is not None and row["version"] != expected_version:
        raise ConcurrentModification(
            f"message {ref} changed (now version {row['version']}, you had {expected_version}); reload it"
        )
    claimed_by, claimed_at = row["claimed_by"], row["claimed_at"]
    if claimed_by and claimed_by != officer and _parse_stamp(at) - _parse_stamp(claimed_at) < _CLAIM_TTL:
        raise ConcurrentModification(f"message {ref} is being transcribed by {claimed_by} since {claimed_at}")


def transcribe_message(
    *,
    uow: UnitOfWork,
    message_key: str,
    officer: str,
    sought: Mapping[str, str | None],
    inquirer_name: str,
    relation: str,
    contact: str | None = None,
    inquirer_language: str | None = None,
    knows: str = "",
    expected_version: int | None = None,
) -> OpenedCase:
    """File a received message as an inquiry (matched at once) and link the two.

    The message is claimed first, so that two officers cannot file it twice; the inquiry
    is filed with source ``email`` and the message key as its reference, so a crash
    between filing and linking is repaired by transcribing again.

    Args:
        message_key: the message's reference (``E12``), Message-ID or key.
        sought: the sought man's fields as ``inquiry open`` takes them (surname, given_name,
            patronymic, birth_date, unit, service_number, mother_name, father_name,
            last_seen_on, last_seen_place).
        contact: how to answer (default: the sender's address).
        inquirer_language: uk, ru or en (default: the language the letter was written in).

    Raises:
        RuleViolation: the message was already transcribed or rejected.
        ConcurrentModification: another officer changed it or is transcribing it.
        InvalidInput: no sought man, no officer, no way to answer.
    """
    query = _sought(sought)
    if not officer.strip():
        raise InvalidInput("a transcription names the officer", field="officer")
    if not inquirer_name.strip() or not relation.strip():
        raise InvalidInput("a transcription names the inquirer and his relation", field="inquirer_name")
    at = _stamp(datetime.now(UTC))
    with uow:
        row = uow.mail.get(message_key)
        _awaiting(row, officer=officer, at=at, expected_version=expected_version)
        version = uow.mail.save(row["id"], expected_version=row["version"], claimed_by=officer, claimed_at=at)
        filed = uow.mail.inquirer_filed(MAIL_SOURCE, row["message_key"])
        uow.commit()
    if filed is None:
        inquirer = Inquirer(
            name=inquirer_name.strip(),
            relation=relation.strip().lower(),
            contact=(contact or row["sender_address"] or "").strip(),
            channel=Channel.EMAIL,
            language=language(inquirer_language or row["language"]),
            knows=knows,
        )
        try:
            opened = open_inquiry(
                uow=uow,
                sought=query,
                inquirer=inquirer,
                recorded_by=officer,
                source=MAIL_SOURCE,
                query_ref=row["message_key"],
            )
        except Exception:
            with uow:
                uow.mail.save(row["id"], expected_version=version, claimed_by=None, claimed_at=None)
                uow.commit()
            raise
    else:
        with uow:
            state = uow.cases.get(filed["case_id"])["state"]
        opened = OpenedCase(filed["case_id"], int(filed["id"]), False, state, 0)
    with uow:
        uow.mail.save(
            row["id"],
            expected_version=version,
            state="transcribed",
            case_id=opened.case_id,
            inquirer_id=opened.inquirer_id,
            transcribed_by=officer,
            transcribed_at=at,
            claimed_by=None,
            claimed_at=None,
        )
        uow.cases.log(
            opened.case_id,
            at=at,
            by=officer,
            action="mail_transcribed",
            detail={
                "message": message_ref(row["id"]),
                "key": row["message_key"],
                "inquirer": opened.inquirer_id,
            },
        )
        uow.commit()
    return opened


def reject_message(
    *, uow: UnitOfWork, message_key: str, officer: str, reason: str, expected_version: int | None = None
) -> None:
    """Set a message aside as no inquiry (spam, an auto-reply, nothing about anyone).

    Raises:
        InvalidInput: no reason or no officer.
        RuleViolation: the message was already transcribed or rejected.
        ConcurrentModification: another officer changed it or is transcribing it.
    """
    if not reason.strip():
        raise InvalidInput("say why the message is not an inquiry", field="reason")
    if not officer.strip():
        raise InvalidInput("a rejection names the officer", field="officer")
    at = _stamp(datetime.now(UTC))
    with uow:
        row = uow.mail.get(message_key)
        _awaiting(row, officer=officer, at=at, expected_version=expected_version)
        uow.mail.save(
            row["id"],
            expected_version=row["version"],
            state="rejected",
            rejected_reason=reason.strip(),
            transcribed_by=officer,
            transcribed_at=at,
            claimed_by=None,
            claimed_at=None,
        )
        uow.commit()


def _person(sought: Mapping[str, Any]) -> str:
    """The sought man as the family named him (the answer repeats nothing else)."""
    name = " ".join(str(sought[k]) for k in ("surname", "given_name", "patronymic") if sought.get(k))
    return name or str(sought.get("service_number") or "")


def send_answer(
    *,
    uow: UnitOfWork,
    case_id: str,
    inquirer_id: int,
    officer: str,
    outbox: Path,
    sender: str | None = None,
    now: datetime | None = None,
) -> Path:
    """Decide what the inquirer may be told and write it to the outbox as a letter.

    The answer is recorded by :func:`powbureau.services.inquiries.answer_case`. The letter
    is in the inquirer's language and replies to his letter if he wrote in.

    Returns:
        The path of the letter in the outbox's ``new/``.

    Raises:
        InvalidInput: the inquirer gave no e-mail address, or did not ask in this case.
        RuleViolation: the answer is withheld (the reason is named); nothing is written.
    """
    bureau = bureau_sender(sender)
    with uow:
        inquirer = uow.cases.inquirer(inquirer_id)
        case = uow.cases.get(case_id)
        if inquirer["case_id"] != case_id:
            raise InvalidInput(f"inquirer #{inquirer_id} did not ask in case {case_id}", field="inquirer")
        address = _email_address(inquirer["contact"])
        if address is None:
            raise InvalidInput(
                f"inquirer #{inquirer_id} gave no e-mail address ({inquirer['contact']!r}); "
                "answer by phone or letter",
                field="contact",
            )
        origin = uow.mail.by_inquirer(inquirer_id)
        references: tuple[str, ...] = ()
        if origin is not None:
            references = parse_message(uow.mail.get(str(origin["id"]), raw=True)["raw"]).references
    result = answer_case(uow=uow, case_id=case_id, inquirer_id=inquirer_id, officer=officer)
    if result.refused:
        raise RuleViolation(f"withheld: {result.refused}; no letter was written")
    at = now or datetime.now(UTC)
    letter = answer_letter(
        result.answer,
        to_address=address,
        to_name=inquirer["name"],
        lang=inquirer["language"],
        case_id=case_id,
        person=_person(json.loads(case["sought"])),
        sender=bureau,
        at=at,
        message_id=make_msgid(idstring=f"answer.{case_id}", domain=sender_domain(bureau)),
        in_reply_to=origin["message_id"] if origin else None,
        references=references,
    )
    outbox = outbox.resolve()
    box = _open_outbox(outbox)
    with uow:
        letter_id = uow.mail.add_letter(
            _letter_row(
                letter,
                kind="answer",
                at=_stamp(at),
                by=officer,
                outbox=outbox,
                message_id=origin["id"] if origin else None,
                case_id=case_id,
                inquirer_id=inquirer_id,
                answer=result.answer.kind.value,
            )
        )
        uow.commit()
    return _write_letter(uow, box, outbox, letter_id, letter.eml)
