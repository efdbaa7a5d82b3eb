"""Events: the append-only history of each person, sealed in one hash chain.

An event's hash covers every stored column (canonical JSON of all fields but the
hash itself), and each event names the hash of the one before it, so that changing,
inserting or removing any stored event breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from json.encoder import encode_basestring
from typing import Any, NamedTuple

__all__ = [
    "GENESIS_HASH",
    "LIFECYCLE_KINDS",
    "REPATRIATION_KINDS",
    "REPORT_KINDS",
    "Event",
    "EventKind",
    "NewEvent",
    "canonical_json",
    "chain_hash",
    "event_hash",
    "hash_body",
    "hash_head",
    "hash_middle",
    "hash_tail",
    "seal",
    "utc_now",
]

GENESIS_HASH = "0" * 64


class EventKind(StrEnum):
    """What happened. Later issues may add kinds; the stored text is the kind's value."""

    CAPTURED = "captured"
    REGISTERED = "registered"
    TRANSFERRED = "transferred"
    HOSPITALISED = "hospitalised"
    DISCHARGED = "discharged"
    RELEASED = "released"
    EXCHANGED = "exchanged"
    REPATRIATED = "repatriated"
    ESCAPED = "escaped"
    RECAPTURED = "recaptured"
    DIED = "died"
    REMAINS_RETURNED = "remains_returned"
    REPORTED_MISSING = "reported_missing"
    REPORTED_HELD_BY_ADVERSARY = "reported_held_by_adversary"
    REPORTED_DEAD = "reported_dead"
    IDENTITY_CORRECTED = "identity_corrected"
    MERGED = "merged"
    UNMERGED = "unmerged"
    RETRACTED = "retracted"
    REPATRIATION_WISH_RECORDED = "repatriation_wish_recorded"
    PROCEEDINGS_RECORDED = "proceedings_recorded"
    MEDICAL_CATEGORY_RECORDED = "medical_category_recorded"


#: Kinds that move a person through captivity (they carry a date that orders them).
LIFECYCLE_KINDS = frozenset(
    {
        EventKind.CAPTURED,
        EventKind.TRANSFERRED,
        EventKind.HOSPITALISED,
        EventKind.DISCHARGED,
        EventKind.RELEASED,
        EventKind.EXCHANGED,
        EventKind.REPATRIATED,
        EventKind.ESCAPED,
        EventKind.RECAPTURED,
        EventKind.DIED,
        EventKind.REMAINS_RETURNED,
        EventKind.REPORTED_MISSING,
        EventKind.REPORTED_HELD_BY_ADVERSARY,
        EventKind.REPORTED_DEAD,
    }
)

#: Kinds that record what bears on a man's repatriation in an exchange (issue 6): his wish
#: and who heard it, criminal proceedings against him (GC III Art. 119), his medical
#: category and fitness to travel (Art. 109-110; never a diagnosis). They are events so that
#: they are tamper-evident and kept per person; they never move his custody status.
REPATRIATION_KINDS = frozenset(
    {
        EventKind.REPATRIATION_WISH_RECORDED,
        EventKind.PROCEEDINGS_RECORDED,
        EventKind.MEDICAL_CATEGORY_RECORDED,
    }
)

#: Kinds that are news from a source, never the bureau's own first-hand entry.
REPORT_KINDS = frozenset(
    {EventKind.REPORTED_MISSING, EventKind.REPORTED_HELD_BY_ADVERSARY, EventKind.REPORTED_DEAD}
)


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no spaces and raw UTF-8: one text for one value.

    (``json.dumps`` with these options, through one encoder made once: building an
    encoder for each call cost more than encoding a registration's payload.)
    """
    return _CANONICAL.encode(value)


def utc_now() -> str:
    """The current UTC time as stored in ``recorded_at``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class NewEvent(NamedTuple):
    """An event not yet in the chain."""

    person_id: str
    kind: str
    occurred_on: str | None = None
    place: str | None = None
    source: str | None = None
    payload: str = "{}"
    corrects: int | None = None
    recorded_by: str = ""
    recorded_at: str = ""


class Event(NamedTuple):
    """An event in the chain: every field below is stored and hashed (a tuple in column order)."""

    id: int
    person_id: str
    kind: str
    occurred_on: str | None
    place: str | None
    recorded_at: str
    recorded_by: str
    source: str | None
    payload: str
    corrects: int | None
    prev_hash: str
    hash: str

    @property
    def data(self) -> dict[str, Any]:
        """The payload, read from its canonical JSON."""
        value: dict[str, Any] = json.loads(self.payload)
        return value


def event_hash(
    *,
    id: int,
    person_id: str,
    kind: str,
    occurred_on: str | None,
    place: str | None,
    recorded_at: str,
    recorded_by: str,
    source: str | None,
    payload: str,
    corrects: int | None,
    prev_hash: str,
) -> str:
    """SHA-256 of the canonical JSON of every stored field but the hash.

    The JSON is built directly, in sorted key order, because this runs for every
    event of a bulk import; :func:`hash_body` is the reference it must equal.
    """
    body = (
        f'{{"corrects":{"null" if corrects is None else int(corrects)},"id":{int(id)},'
        f'"kind":{encode_basestring(kind)},"occurred_on":{_text(occurred_on)},'
        f'"payload":{encode_basestring(payload)},"person_id":{encode_basestring(person_id)},'
        f'"place":{_text(place)},"prev_hash":{encode_basestring(prev_hash)},'
        f'"recorded_at":{encode_basestring(recorded_at)},'
        f'"recorded_by":{encode_basestring(recorded_by)},"source":{_text(source)}}}'
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _text(value: str | None) -> str:
    return "null" if value is None else str(encode_basestring(value))


# The hashed body of an event in pieces, for bulk intake: everything but ``id`` and
# ``prev_hash`` is known before the event's place in the chain is, so a worker process
# builds those pieces and the importing process only joins them into the chain.
#     body = head(corrects) + id + middle(...) + prev_hash + tail(...)
# :func:`chain_hash` of the pieces equals :func:`event_hash` (held equal by the tests).


def hash_head(corrects: int | None) -> bytes:
    """The hashed body up to the event's id."""
    return f'{{"corrects":{"null" if corrects is None else int(corrects)},"id":'.encode()


def hash_middle(
    *, person_id: str, kind: str, occurred_on: str | None, place: str | None, payload: str
) -> bytes:
    """The hashed body between the event's id and its prev_hash."""
    return (
        f',"kind":{encode_basestring(kind)},"occurred_on":{_text(occurred_on)},'
        f'"payload":{encode_basestring(payload)},"person_id":{encode_basestring(person_id)},'
        f'"place":{_text(place)},"prev_hash":"'
    ).encode()


def hash_tail(*, recorded_at: str, recorded_by: str, source: str | None) -> bytes:
    """The hashed body after the event's prev_hash: the same for every event of one import."""
    return (
        f'","recorded_at":{encode_basestring(recorded_at)},'
        f'"recorded_by":{encode_basestring(recorded_by)},"source":{_text(source)}}}'
    ).encode()


def chain_hash(head: bytes, id: int, middle: bytes, prev_hash: str, tail: bytes) -> str:
    """:func:`event_hash` from the pieces; ``prev_hash`` is a chain hash (hex digits)."""
    return hashlib.sha256(b"%b%d%b%b%b" % (head, id, middle, prev_hash.encode("ascii"), tail)).hexdigest()


def hash_body(**fields: Any) -> str:
    """The canonical JSON that :func:`event_hash` hashes, built the slow, obvious way."""
    return canonical_json(fields)


def seal(new: NewEvent, *, id: int, prev_hash: str, recorded_at: str) -> Event:
    """Give a new event its place in the chain."""
    at = new.recorded_at or recorded_at
    digest = event_hash(
        id=id,
        person_id=new.person_id,
        kind=str(new.kind),
        occurred_on=new.occurred_on,
        place=new.place,
        recorded_at=at,
        recorded_by=new.recorded_by,
        source=new.source,
        payload=new.payload,
        corrects=new.corrects,
        prev_hash=prev_hash,
    )
    return Event(
        id=id,
        person_id=new.person_id,
        kind=str(new.kind),
        occurred_on=new.occurred_on,
        place=new.place,
        recorded_at=at,
        recorded_by=new.recorded_by,
        source=new.source,
        payload=new.payload,
        corrects=new.corrects,
        prev_hash=prev_hash,
        hash=digest,
    )
