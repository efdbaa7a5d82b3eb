"""Registration: the first events of a person, and corrections of his identity."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from json.encoder import encode_basestring
from typing import Any

from powbureau.domain.errors import InvalidInput
from powbureau.domain.events import EventKind, NewEvent, canonical_json
from powbureau.domain.people import (
    IDENTITY_FIELDS,
    Category,
    category_of,
    custody_for,
    validate_identity,
)

__all__ = ["identity_changes", "new_person_id", "registration_events", "registration_payload"]

# RFC 4648 base32 re-lettered as Crockford's (no I, L, O, U: nothing to misread), in
# ASCII order, so that ids sort as the numbers they encode.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]  # ten bits at a time
_COUNTER_BITS = 22
_last = [0, 0]  # (millisecond, counter) of the last id this process made


def new_person_id() -> str:
    """A new registry id: ``P`` + 13 base32 characters; opaque, never reused.

    Like a ULID: the millisecond of registration, then a counter that starts at a random
    point each millisecond. Ids made one after another sort in that order, so a bulk
    intake appends to the id indexes instead of inserting at random places, and two
    processes registering in the same millisecond are kept apart by the random start.
    """
    ms = time.time_ns() // 1_000_000
    if ms <= _last[0]:
        ms, counter = _last[0], _last[1] + 1
        if counter >> _COUNTER_BITS:
            ms, counter = ms + 1, secrets.randbits(_COUNTER_BITS - 1)
    else:
        counter = secrets.randbits(_COUNTER_BITS - 1)
    _last[:] = [ms, counter]
    return "P" + _base32((ms << _COUNTER_BITS) | counter)


def _base32(value: int) -> str:
    """The 13 characters base32 gives for 8 bytes (its 65 bits, the last one padding).

    Written out because bulk intake makes an id for every row: ``base64.b32encode``
    and a translation cost several times as much.
    """
    x = value << 1
    p = _PAIRS
    return (
        p[x >> 55]
        + p[(x >> 45) & 1023]
        + p[(x >> 35) & 1023]
        + p[(x >> 25) & 1023]
        + p[(x >> 15) & 1023]
        + p[(x >> 5) & 1023]
        + _CROCKFORD[x & 31]
    )


def registration_events(
    person_id: str,
    fields: Mapping[str, str | None],
    *,
    recorded_by: str,
    source: str | None,
    ref: tuple[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
    unidentified: bool = False,
    place: str | None = None,
    origin: Mapping[str, Any] | None = None,
    validated: bool = False,
) -> list[NewEvent]:
    """The events that register a person, as the contract maps his category.

    ``registered`` carries the identity exactly as written. For a POW or civilian
    internee it means "in our custody since ``captured_on``"; our own missing get a
    ``reported_missing`` event after it, and the deceased a ``died`` event with an
    unknown date, as the contract maps the category.

    Raises:
        InvalidInput: for identity fields that cannot be right, naming the field.
    """
    if not validated:
        unknown = set(fields) - set(IDENTITY_FIELDS)
        if unknown:
            raise InvalidInput(f"unknown field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
        validate_identity(fields, unidentified=unidentified)
    category = category_of(fields.get("category"))
    custody = custody_for(category)
    events = [
        NewEvent(
            person_id,
            EventKind.REGISTERED,
            place=place,
            source=source,
            payload=registration_payload(custody.value, fields, extra, ref, unidentified, origin),
            recorded_by=recorded_by,
        )
    ]
    if category is Category.MISSING:
        events.append(NewEvent(person_id, EventKind.REPORTED_MISSING, source=source, recorded_by=recorded_by))
    elif category is Category.DECEASED:
        events.append(NewEvent(person_id, EventKind.DIED, source=source, recorded_by=recorded_by))
    return events


def registration_payload(
    custody: str,
    fields: Mapping[str, str | None],
    extra: Mapping[str, str] | None,
    ref: tuple[str, str] | None,
    unidentified: bool,
    origin: Mapping[str, Any] | None,
) -> str:
    """The canonical JSON of a ``registered`` event's payload.

    Written out for the usual case (names and cells are text, the origin text and
    numbers), because bulk intake makes one per row and the ``json`` encoder cost more
    than the rest of the payload; anything else goes through :func:`canonical_json`.
    The tests hold both ways equal.
    """
    present = {k: v for k, v in fields.items() if v is not None}
    fields_json = _flat_json(present)
    extra_json = _flat_json(extra) if extra else ""
    origin_json = _flat_json(origin) if origin else ""
    plain_ref = ref is None or (type(ref[0]) is str and type(ref[1]) is str)
    if fields_json is not None and extra_json is not None and origin_json is not None and plain_ref:
        parts = ['{"custody":', encode_basestring(custody)]
        if extra_json:
            parts += [',"extra":', extra_json]
        parts += [',"fields":', fields_json]
        if origin_json:
            parts += [',"origin":', origin_json]
        if ref is not None:
            parts += [',"ref":[', encode_basestring(ref[0]), ",", encode_basestring(ref[1]), "]"]
        if unidentified:
            parts.append(',"unidentified":true')
        parts.append("}")
        return "".join(parts)
    payload: dict[str, Any] = {"custody": custody, "fields": present}
    if extra:
        payload["extra"] = dict(extra)
    if ref is not None:
        payload["ref"] = [ref[0], ref[1]]
    if unidentified:
        payload["unidentified"] = True
    if origin:
        payload["origin"] = dict(origin)
    return canonical_json(payload)


def _flat_json(value: Mapping[str, Any]) -> str | None:
    """canonical_json of a mapping of text keys to text or whole numbers; None for anything else."""
    parts = []
    for key in sorted(value):
        item = value[key]
        kind = type(item)
        if type(key) is not str or (kind is not str and kind is not int):
            return None
        parts.append(f"{encode_basestring(key)}:{encode_basestring(item) if kind is str else item}")
    return "{" + ",".join(parts) + "}"


def identity_changes(
    current: Mapping[str, str | None], new: Mapping[str, str | None]
) -> dict[str, list[str | None]]:
    """Fields whose value differs, as ``{field: [old, new]}``; absent means unchanged."""
    return {
        name: [current.get(name), new.get(name)]
        for name in IDENTITY_FIELDS
        if name in new and (current.get(name) or None) != (new.get(name) or None)
    }
