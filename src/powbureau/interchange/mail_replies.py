"""Letters the bureau writes to families: the acknowledgement and the answer (pure, no I/O).

Every text goes through gettext (:mod:`powbureau.i18n`) in the inquirer's language. An
answer letter says only what the contract allows:

* held; released, exchanged or repatriated, with the date (or that it is not recorded);
* no information yet, without a word about the person;
* "deceased" is never written: the letter only asks the family to contact the bureau.

Never "not held". A letter carries the case or message reference and nothing the
inquirer did not write himself, except the one allowed state.
"""

from __future__ import annotations

import email.utils
import hashlib
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Final

from babel.dates import format_date, format_skeleton

from powbureau.domain.errors import InvalidInput, RuleViolation
from powbureau.domain.inquiries import Answer, AnswerKind
from powbureau.i18n import language, translations

__all__ = [
    "DEFAULT_SENDER",
    "Letter",
    "acknowledgement",
    "answer_letter",
    "answer_text",
    "format_partial_date",
    "sender_domain",
]

#: Used when neither the caller nor ``$POWBUREAU_MAIL_FROM`` names the bureau's address.
DEFAULT_SENDER: Final = "bureau@localhost"
_WIDTH: Final = 76


@dataclass(frozen=True)
class Letter:
    """A letter ready for the outbox."""

    message_id: str
    recipient: str
    language: str
    subject: str
    body: str
    eml: bytes

    @property
    def sha256(self) -> str:
        """The hash of the .eml bytes, as logged with the outbox."""
        return hashlib.sha256(self.eml).hexdigest()


def sender_domain(sender: str) -> str:
    """The domain of the bureau's address (for Message-IDs)."""
    return email.utils.parseaddr(sender)[1].rpartition("@")[2] or "localhost"


def format_partial_date(value: str, lang: str) -> str:
    """A partial date (1994, 1994-03, 1994-03-07) written out in the language."""
    parts = value.split("-")
    try:
        if len(parts) == 3:
            return format_date(date(int(parts[0]), int(parts[1]), int(parts[2])), "long", locale=lang)
        if len(parts) == 2:
            return format_skeleton(
                "yMMMM", datetime(int(parts[0]), int(parts[1]), 1), locale=lang, fuzzy=True
            )
    except ValueError:
        return value
    return value


def _paragraphs(*paragraphs: str) -> str:
    return (
        "\n\n".join(
            "\n".join(textwrap.fill(line, _WIDTH) if line else "" for line in p.split("\n"))
            for p in paragraphs
            if p
        )
        + "\n"
    )


def _greeting(gettext: Callable[[str], str], name: str) -> str:
    _ = gettext
    return _("Dear %(name)s,") % {"name": name} if name.strip() else _("Dear Sir or Madam,")


def _signature(gettext: Callable[[str], str]) -> str:
    _ = gettext
    return _("With respect,") + "\n" + _("Information Bureau for Prisoners of War")


def _letter(
    *,
    sender: str,
    to_address: str,
    to_name: str,
    lang: str,
    subject: str,
    body: str,
    at: datetime,
    message_id: str,
    in_reply_to: str | None,
    references: Sequence[str],
    automatic: bool,
) -> Letter:
    _ = translations(lang).gettext
    from_name, from_address = email.utils.parseaddr(sender)
    try:
        recipient = Address(display_name=to_name, addr_spec=to_address)
        bureau = Address(
            display_name=from_name or _("Information Bureau for Prisoners of War"), addr_spec=from_address
        )
    except (ValueError, IndexError) as exc:
        raise InvalidInput(
            f"cannot write to {to_address!r} from {sender!r}: {exc}", field="address"
        ) from None
    msg = EmailMessage(policy=policy.default)
    msg["From"] = bureau
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(at)
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    chain = [*references, *([in_reply_to] if in_reply_to else [])]
    if chain:
        msg["References"] = " ".join(dict.fromkeys(chain[-10:]))
    if automatic:
        msg["Auto-Submitted"] = "auto-replied"  # RFC 3834: no auto-reply to this one
    msg.set_content(body, charset="utf-8", cte="7bit" if body.isascii() else "base64")
    msg["Content-Language"] = lang  # after set_content, which clears the Content-* headers
    return Letter(message_id, recipient.addr_spec, lang, subject, body, msg.as_bytes())


def acknowledgement(
    *,
    to_address: str,
    to_name: str,
    lang: str,
    reference: str,
    letter_date: date,
    attachments: int,
    sender: str,
    at: datetime,
    message_id: str,
    in_reply_to: str | None,
    references: Sequence[str] = (),
) -> Letter:
    """The letter that tells a family their letter arrived (it says nothing about anyone)."""
    lang = language(lang)
    t = translations(lang)
    _ = t.gettext
    ngettext = t.ngettext
    files = (
        ngettext(
            "Your letter came with %(n)d attached file; it is kept with your letter.",
            "Your letter came with %(n)d attached files; they are kept with your letter.",
            attachments,
        )
        % {"n": attachments}
        if attachments
        else ""
    )
    body = _paragraphs(
        _greeting(_, to_name),
        _("Your letter of %(date)s has reached us. Thank you for writing to us.")
        % {"date": format_date(letter_date, "long", locale=lang)},
        _(
            "An officer of the bureau will read it and register your inquiry. Every inquiry is "
            "checked against the bureau's records, and checked again whenever new information "
            "reaches us."
        ),
        files,
        _(
            "We will write to you as soon as we have information that we can give you. There is "
            "no need to write again; if you wish to add something, please reply to this letter."
        ),
        _("Your reference: %(ref)s") % {"ref": reference},
        _signature(_),
        _("This letter was written automatically."),
    )
    return _letter(
        sender=sender,
        to_address=to_address,
        to_name=to_name,
        lang=lang,
        subject=_("Your letter has been received (reference %(ref)s)") % {"ref": reference},
        body=body,
        at=at,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        automatic=True,
    )


def answer_text(
    answer: Answer, *, lang: str, case_id: str, person: str, today: date, to_name: str
) -> tuple[str, str]:
    """The subject and text of an answer letter.

    Raises:
        RuleViolation: the answer is blocked (nothing may be written).
    """
    if answer.blocked:
        raise RuleViolation(f"the answer is withheld: {answer.blocked}")
    lang = language(lang)
    _ = translations(lang).gettext
    subject = _("Answer to your inquiry (case %(case)s)") % {"case": case_id}
    case_line = _("Case: %(case)s") % {"case": case_id}
    if answer.kind is AnswerKind.DECEASED or answer.by_person:
        # Told by a person, never in writing: the letter asks for contact and nothing more.
        return subject, _paragraphs(_greeting(_, to_name), _("Please contact us."), case_line, _signature(_))
    if answer.kind is AnswerKind.NO_INFORMATION:
        text = _(
            "We do not yet have information about the person you asked about that we can give "
            "you. Your inquiry remains open: it is checked again whenever new information reaches "
            "the bureau, and we will write to you as soon as there is news."
        )
        return subject, _paragraphs(_greeting(_, to_name), text, case_line, _signature(_))
    values = {"person": person, "date": format_date(today, "long", locale=lang)}
    if answer.kind is AnswerKind.HELD:
        state = _(
            "According to the bureau's records as of %(date)s, the person you asked about, "
            "%(person)s, is held in our custody."
        )
        when = ""
    else:
        state = {
            AnswerKind.RELEASED: _(
                "According to the bureau's records, the person you asked about, %(person)s, "
                "has been released."
            ),
            AnswerKind.EXCHANGED: _(
                "According to the bureau's records, the person you asked about, %(person)s, "
                "has been handed over in an exchange of prisoners."
            ),
            AnswerKind.REPATRIATED: _(
                "According to the bureau's records, the person you asked about, %(person)s, "
                "has been repatriated."
            ),
        }[answer.kind]
        when = (
            _("Date: %(date)s") % {"date": format_partial_date(answer.on, lang)}
            if answer.on
            else _("The exact date has not been recorded yet.")
        )
    return subject, _paragraphs(
        _greeting(_, to_name),
        state % values,
        when,
        _("If you have any questions, you may reply to this letter."),
        case_line,
        _signature(_),
    )


def answer_letter(
    answer: Answer,
    *,
    to_address: str,
    to_name: str,
    lang: str,
    case_id: str,
    person: str,
    sender: str,
    at: datetime,
    message_id: str,
    in_reply_to: str | None,
    references: Sequence[str] = (),
) -> Letter:
    """The answer to one inquirer, as a letter (see :func:`answer_text` for what it says)."""
    lang = language(lang)
    subject, body = answer_text(
        answer, lang=lang, case_id=case_id, person=person, today=at.date(), to_name=to_name
    )
    return _letter(
        sender=sender,
        to_address=to_address,
        to_name=to_name,
        lang=lang,
        subject=subject,
        body=body,
        at=at,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        automatic=False,
    )
