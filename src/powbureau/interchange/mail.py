"""Received e-mail, read from bytes: headers, the text of the letter, its attachments.

Families write from whatever they have: a phone's mail app (UTF-8, base64), an old
desktop client in KOI8-R or Windows-1251, sometimes declaring the wrong charset or none,
sometimes sending only HTML. Everything here is pure on bytes (no database, no network):

* :func:`parse_message` never raises. A message it cannot make sense of is returned with
  ``malformed`` set to the reason, so that the ingest keeps it (raw bytes and all) for an
  officer instead of losing it or stopping.
* HTML is never rendered: it is turned into text with :mod:`html.parser`; scripts, styles
  and the head are dropped, images are dropped (nothing is fetched), entities unescaped.
* Text is decoded with the declared charset when that reads as plausible text, otherwise
  with whichever of UTF-8, Windows-1251 and KOI8-R reads best.
* :func:`read_source` yields the raw bytes of every message in a Maildir (``new/`` and
  ``cur/``) or of every ``*.eml`` file in a folder.
"""

from __future__ import annotations

import codecs
import email.errors
import email.header
import email.utils
import hashlib
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from html.parser import HTMLParser
from pathlib import Path
from typing import Final

__all__ = [
    "FALLBACK_CHARSETS",
    "Attachment",
    "ReceivedMessage",
    "as_email",
    "decode_text",
    "guess_language",
    "html_to_text",
    "is_maildir",
    "parse_message",
    "read_source",
]

#: Tried in this order when the declared charset is missing or does not read as text.
FALLBACK_CHARSETS: Final = ("utf-8", "cp1251", "koi8-r")
#: A Message-ID longer than this is replaced by its hash as the message's key.
_MAX_KEY: Final = 500
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES: Final = re.compile(r"\s+")
_UKRAINIAN: Final = frozenset("іїєґІЇЄҐ")
_WORD: Final = re.compile(r"[^\W\d_]+")
#: Defects after which the structure of the message cannot be trusted.
_SERIOUS: Final = frozenset(
    {"StartBoundaryNotFoundDefect", "MultipartInvariantViolationDefect", "MissingHeaderBodySeparatorDefect"}
)
_AUTOMATIC_SENDERS: Final = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+.-].*)?@", re.IGNORECASE
)


@dataclass(frozen=True)
class Attachment:
    """A file that came with a letter, kept byte for byte with its hash."""

    filename: str
    content_type: str
    size: int
    sha256: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ReceivedMessage:
    """What was read from one message; ``malformed`` says why it could not be read fully."""

    key: str
    message_id: str | None
    raw: bytes = field(repr=False)
    sha256: str
    sender_address: str
    sender_name: str
    subject: str
    date: datetime | None
    body: str
    html_only: bool
    declared_charset: str | None
    detected_charset: str | None
    attachments: tuple[Attachment, ...]
    language: str
    references: tuple[str, ...] = ()
    automatic: str | None = None
    problems: tuple[str, ...] = ()
    malformed: str | None = None


# -- text -------------------------------------------------------------------------------


def _known(charset: str | None) -> str | None:
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _word_score(word: str) -> int:
    n = len(word)
    cyrillic = sum("\u0400" <= c <= "\u04ff" for c in word)
    accented = sum("\u00c0" <= c <= "\u024f" for c in word)
    if cyrillic and cyrillic < n:
        return -2 * n  # scripts mixed within a word
    if 2 * accented > n:
        return -2 * n  # mostly accented Latin: Cyrillic read as Latin-1
    if n > 1 and not (word[1:].islower() or word.isupper()):
        return -2 * n  # capitals after the first letter: the other Cyrillic code page
    return n - 1


def _plausibility(text: str) -> int:
    """How much the text reads like text in some language; higher is better.

    Windows-1251 and KOI8-R put the Cyrillic letters on the same bytes with upper and
    lower case swapped, so read with the wrong one a word comes out in capitals after
    its first letter; read as Latin-1 it becomes accented Latin; bytes of UTF-8 decoded
    as a code page give words of mixed scripts, box drawing and control characters.
    """
    words = sum(_word_score(w) for w in _WORD.findall(text))
    odd = sum(1 for ch in text if ch == "\ufffd" or ("\x80" <= ch <= "\x9f") or ("\u2500" <= ch <= "\u25ff"))
    return words - 4 * odd


def decode_text(data: bytes, declared: str | None) -> tuple[str, str]:
    """Decode bytes of text; the text and the charset used.

    The declared charset is kept when it decodes the bytes and reads at least as well as
    each fallback; otherwise the best-reading fallback wins. Bytes no charset decodes are
    read as UTF-8 with replacement characters.
    """
    declared_codec = _known(declared)
    tried: list[tuple[int, int, str, str]] = []
    order = [declared_codec] if declared_codec else []
    order += [c for c in (_known(c) for c in FALLBACK_CHARSETS) if c and c not in order]
    for rank, charset in enumerate(order):
        try:
            text = data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            continue
        if data.isascii():
            return text, charset
        tried.append((_plausibility(text), -rank, charset, text))
    if not tried:
        return data.decode("utf-8", errors="replace"), "utf-8"
    _, _, charset, text = max(tried)
    return text, charset


def _clean(text: str) -> str:
    """Text without control or direction-override characters (a terminal must not run them)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", _clean(text)).strip()


def guess_language(text: str) -> str:
    """The language to answer in: Ukrainian if it has і, ї, є or ґ, else Russian if Cyrillic, else English."""
    if any(ch in _UKRAINIAN for ch in text):
        return "uk"
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        return "ru"
    return "en"


class _HtmlText(HTMLParser):
    """Collects the text of an HTML document; nothing in it is run or fetched."""

    _DROP: Final = frozenset(
        {"script", "style", "head", "title", "noscript", "template", "iframe", "object", "embed", "svg"}
    )
    _BLOCK: Final = frozenset(
        {
            "br", "p", "div", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "hr",
            "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "address",
        }
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._dropping = 0  # an unclosed <head> must not swallow the letter
        elif tag in self._DROP:
            self._dropping += 1
        elif tag in self._BLOCK and not self._dropping:
            self.parts.append("\n- " if tag == "li" else "\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCK and not self._dropping:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._DROP:
            self._dropping = max(0, self._dropping - 1)
        elif tag in self._BLOCK and not self._dropping:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML letter, never rendered: no script, style or image."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = [
        _SPACES.sub(" ", line.replace("\xa0", " ")).strip() for line in "".join(parser.parts).split("\n")
    ]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# -- headers ----------------------------------------------------------------------------


def _raw_header(msg: Message, name: str) -> str | None:
    """The header as it came (encoded words and 8-bit bytes untouched)."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _has_raw_bytes(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _decode_header(value: str) -> str:
    """A header's text: RFC 2047 encoded words in any charset, or raw 8-bit bytes."""
    if _has_raw_bytes(value) or not value.isascii():
        data = value.encode("utf-8", "surrogateescape")
        return _one_line(decode_text(data, None)[0])
    try:
        chunks = email.header.decode_header(value)
    except (email.errors.HeaderParseError, ValueError, LookupError):
        return _one_line(value)
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
        elif charset is None:
            out.append(chunk.decode("ascii", errors="replace"))
        else:
            out.append(decode_text(chunk, charset)[0])
    return _one_line("".join(out))


def _sender(msg: Message) -> tuple[str, str]:
    raw = _raw_header(msg, "From") or _raw_header(msg, "Sender") or ""
    name, address = email.utils.parseaddr(_SPACES.sub(" ", raw))
    address = address.strip()
    local, _, domain = address.rpartition("@")
    if not local or "." not in domain or _has_raw_bytes(address) or any(c.isspace() for c in address):
        address = ""
    return address.lower() if address.isascii() else "", _decode_header(name) if name else ""


def _message_id(msg: Message) -> str | None:
    raw = _raw_header(msg, "Message-ID")
    if raw is None:
        return None
    value = _SPACES.sub("", raw)
    if not value or not value.isascii() or _has_raw_bytes(value):
        return None
    return value


def _date(msg: Message) -> datetime | None:
    raw = _raw_header(msg, "Date")
    if not raw:
        return None
    try:
        value = email.utils.parsedate_to_datetime(_one_line(raw))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value  # the writer's own offset: "your letter of 20 May" is his date


def _references(msg: Message) -> tuple[str, ...]:
    found: list[str] = []
    for name in ("References", "In-Reply-To"):
        for ref in re.findall(r"<[^<>\s]+>", _raw_header(msg, name) or ""):
            if ref.isascii() and ref not in found:
                found.append(ref)
    return tuple(found)


def _automatic(msg: Message, sender: str) -> str | None:
    """Why the message looks machine-sent (never acknowledged: no mail loops, RFC 3834)."""
    auto = (_raw_header(msg, "Auto-Submitted") or "").strip().lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {_one_line(auto)}"
    precedence = (_raw_header(msg, "Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if _raw_header(msg, "List-Id") or _raw_header(msg, "List-Unsubscribe"):
        return "sent by a mailing list"
    if sender and _AUTOMATIC_SENDERS.match(sender):
        return f"an automatic sender ({sender})"
    return None


# -- body and attachments ---------------------------------------------------------------


def _leaves(part: Message, group: int | None = None) -> Iterator[tuple[Message, int | None]]:
    """The parts that carry content, each with the multipart/alternative it belongs to.

    A forwarded message (message/rfc822) counts as one part.
    """
    if part.get_content_maintype() == "multipart" and part.is_multipart():
        if part.get_content_subtype() == "alternative":
            group = id(part)
        for sub in part.get_payload():
            if isinstance(sub, Message):
                yield from _leaves(sub, group)
    else:
        yield part, group


def _payload(part: Message) -> bytes:
    if part.get_content_maintype() == "message" and part.is_multipart():
        inner = part.get_payload(0)
        if isinstance(inner, Message):
            try:
                return inner.as_bytes(policy=policy.default)
            except (ValueError, LookupError, UnicodeError, TypeError):
                return str(inner).encode("utf-8", "surrogateescape")
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _is_attachment(part: Message) -> bool:
    if part.get_content_disposition() == "attachment" or part.get_filename():
        return True
    return _kind(part) not in ("text/plain", "text/html")


def _kind(part: Message) -> str:
    """The content type, a multipart whose parts could not be found read as plain text."""
    kind = part.get_content_type()
    return "text/plain" if part.get_content_maintype() == "multipart" else kind


def _filename(part: Message, position: int) -> str:
    try:
        name = part.get_filename() or part.get_param("name", header="content-type")
    except (ValueError, LookupError, IndexError):
        name = None
    text = _decode_header(name if isinstance(name, str) else "")
    text = re.split(r"[/\\]", text)[-1].strip(" .")
    return text or f"attachment-{position}"


@dataclass
class _Body:
    text: str = ""
    html_only: bool = False
    declared: str | None = None
    detected: str | None = None


def _text_of(part: Message) -> tuple[str, str | None, str]:
    declared = part.get_param("charset")
    declared_name = _one_line(declared) if isinstance(declared, str) else None
    text, detected = decode_text(_payload(part), declared_name)
    if _kind(part) == "text/html":
        text = html_to_text(text)
    return _clean(text).strip(), declared_name, detected


def _body(leaves: list[tuple[Message, int | None]]) -> tuple[_Body, list[Message]]:
    """The letter's text and the parts that are attachments.

    Of alternatives (multipart/alternative) the plain text is taken, the HTML one only
    when there is no plain text or it is empty. Text parts that are not alternatives of
    each other (a letter split around an inline picture) are joined in order.
    """
    groups: dict[int, list[Message]] = {}
    order: list[int] = []
    attachments: list[Message] = []
    for part, group in leaves:
        if _is_attachment(part):
            attachments.append(part)
            continue
        key = group if group is not None else id(part)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(part)
    body = _Body()
    texts: list[str] = []
    kinds: list[bool] = []
    for key in order:
        for wanted in ("text/plain", "text/html"):
            found = False
            for part in groups[key]:
                if _kind(part) != wanted:
                    continue
                text, declared, detected = _text_of(part)
                if text:
                    if not texts:
                        body.declared, body.detected = declared, detected
                    texts.append(text)
                    kinds.append(wanted == "text/html")
                    found = True
                    break
            if found:
                break
    body.text = "\n\n".join(texts)
    body.html_only = bool(kinds) and all(kinds)
    return body, attachments


def _attachments(parts: list[Message]) -> tuple[Attachment, ...]:
    out = []
    for position, part in enumerate(parts, 1):
        data = _payload(part)
        out.append(
            Attachment(
                filename=_filename(part, position),
                content_type=part.get_content_type(),
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
            )
        )
    return tuple(out)


def _defect_names(msg: Message) -> list[str]:
    return [type(d).__name__ for part in msg.walk() for d in getattr(part, "defects", [])]


def parse_message(raw: bytes) -> ReceivedMessage:
    """Read one message; never raises (a message that cannot be read has ``malformed`` set)."""
    digest = hashlib.sha256(raw).hexdigest()
    fallback_key = f"sha256:{digest}"
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        message_id = _message_id(msg)
        address, name = _sender(msg)
        subject = _decode_header(_raw_header(msg, "Subject") or "")
        date = _date(msg)
        body, other = _body(list(_leaves(msg)))
        attachments = _attachments(other)
        defects = _defect_names(msg)
    except Exception as exc:  # a message, however broken, must never stop the ingest
        return ReceivedMessage(
            key=fallback_key,
            message_id=None,
            raw=raw,
            sha256=digest,
            sender_address="",
            sender_name="",
            subject="",
            date=None,
            body="",
            html_only=False,
            declared_charset=None,
            detected_charset=None,
            attachments=(),
            language="en",
            malformed=f"cannot be parsed: {type(exc).__name__}: {_one_line(str(exc))[:200]}",
        )
    serious = sorted(set(defects) & _SERIOUS)
    malformed = None
    if not any(True for _ in msg.raw_items()):
        malformed = "no headers: not an e-mail message"
    elif serious:
        malformed = "broken structure: " + ", ".join(serious)
    elif not address:
        malformed = "no sender address to answer"
    key = message_id if message_id and len(message_id) <= _MAX_KEY else fallback_key
    return ReceivedMessage(
        key=key,
        message_id=message_id,
        raw=raw,
        sha256=digest,
        sender_address=address,
        sender_name=name,
        subject=subject,
        date=date,
        body=body.text,
        html_only=body.html_only,
        declared_charset=body.declared,
        detected_charset=body.detected,
        attachments=attachments,
        language=guess_language(f"{subject}\n{body.text}"),
        references=_references(msg),
        automatic=_automatic(msg, address),
        problems=tuple(sorted(set(defects))),
        malformed=malformed,
    )


# -- where messages come from -------------------------------------------------------------


def is_maildir(path: Path) -> bool:
    """True for a folder laid out as a Maildir (``new/`` or ``cur/`` beside ``tmp/``)."""
    return path.is_dir() and ((path / "new").is_dir() or (path / "cur").is_dir())


def read_source(source: Path) -> Iterator[tuple[Path, bytes]]:
    """Every message of a Maildir, a folder of ``*.eml`` files, or one file: (path, raw bytes).

    A Maildir is read, never changed: messages stay in ``new/``; idempotence comes from
    the register of received messages, not from moving files.
    """
    if source.is_file():
        yield source, source.read_bytes()
        return
    if not source.is_dir():
        raise FileNotFoundError(f"no Maildir, folder or file at {source}")
    if is_maildir(source):
        box = mailbox.Maildir(source, factory=None, create=False)
        paths: dict[str, Path] = {}
        for sub in ("new", "cur"):
            folder = source / sub
            if folder.is_dir():
                for entry in folder.iterdir():
                    if not entry.name.startswith("."):
                        paths[entry.name.split(box.colon)[0]] = entry
        for key in sorted(paths):
            yield paths[key], box.get_bytes(key)
        return
    for path in sorted(source.glob("*.eml")):
        if path.is_file():
            yield path, path.read_bytes()


def as_email(raw: bytes) -> EmailMessage:
    """A message with its headers as objects (to read a letter the bureau wrote)."""
    return BytesParser(EmailMessage, policy=policy.default).parsebytes(raw)
