"""Registration: the first events of a person, and corrections of his identity."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
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

__all__ = ["identity_changes", "new_person_id", "registration_events"]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_person_id() -> str:
    """A new registry id: opaque, random, never reused (``P`` + 12 base32 characters)."""
    value = secrets.randbits(60)
    chars = [_ALPHABET[(value >> (5 * i)) & 31] for i in range(12)]
    return "P" + "".join(reversed(chars))


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
) -> list[NewEvent]:
    """The events that register a person, as the contract maps his category.

    ``registered`` carries the identity exactly as written; then ``captured`` for a
    POW or civilian internee (dated ``captured_on``, at ``capture_place``),
    ``reported_missing`` for our own missing, or ``died`` with an unknown date.

    Raises:
        InvalidInput: for identity fields that cannot be right, naming the field.
    """
    unknown = set(fields) - set(IDENTITY_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    validate_identity(fields, unidentified=unidentified)
    category = category_of(fields.get("category"))
    custody = custody_for(category)
    payload: dict[str, Any] = {
        "custody": custody.value,
        "fields": {k: v for k, v in fields.items() if v is not None},
    }
    if extra:
        payload["extra"] = dict(extra)
    if ref is not None:
        payload["ref"] = [ref[0], ref[1]]
    if unidentified:
        payload["unidentified"] = True
    if origin:
        payload["origin"] = dict(origin)
    events = [
        NewEvent(
            person_id,
            EventKind.REGISTERED,
            place=place,
            source=source,
            payload=canonical_json(payload),
            recorded_by=recorded_by,
        )
    ]
    if category in (Category.POW, Category.CIVILIAN_INTERNEE):
        kind, occurred_on, at = EventKind.CAPTURED, fields.get("captured_on"), fields.get("capture_place")
    elif category is Category.MISSING:
        kind, occurred_on, at = EventKind.REPORTED_MISSING, None, None
    else:
        kind, occurred_on, at = EventKind.DIED, None, None
    events.append(
        NewEvent(person_id, kind, occurred_on=occurred_on, place=at, source=source,
                 recorded_by=recorded_by)
    )
    return events


def identity_changes(
    current: Mapping[str, str | None], new: Mapping[str, str | None]
) -> dict[str, list[str | None]]:
    """Fields whose value differs, as ``{field: [old, new]}``; absent means unchanged."""
    return {
        name: [current.get(name), new.get(name)]
        for name in IDENTITY_FIELDS
        if name in new and (current.get(name) or None) != (new.get(name) or None)
    }
