"""A person's state, derived from his events and never stored by hand.

:func:`replay` folds a person's events (in recording order) into a
:class:`PersonState`. :func:`check_entry` decides whether a new entry may be
appended: an operator's impossible entry is refused with the reason; news from an
outside source is never dropped, and if it does not fit it is kept and shown as a
conflict for an officer. An entry dated before what is already recorded is kept and
flagged the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from powbureau.domain.dates import Order, PartialDate, parse_partial_date
from powbureau.domain.errors import InvalidInput, RuleViolation
from powbureau.domain.events import LIFECYCLE_KINDS, REPATRIATION_KINDS, REPORT_KINDS, Event, EventKind
from powbureau.domain.people import Custody

__all__ = [
    "FIRST_HAND_SOURCES",
    "Conflict",
    "PersonState",
    "Status",
    "check_entry",
    "effective_events",
    "registration_state",
    "replay",
    "state_before",
]

K = EventKind


class Status(StrEnum):
    """Where a person stands now, as the events tell it."""

    REGISTERED = "registered"  # our own person known to the bureau, nothing reported yet
    HELD = "held"
    HOSPITALISED = "hospitalised"
    ESCAPED = "escaped"
    RELEASED = "released"
    EXCHANGED = "exchanged"
    REPATRIATED = "repatriated"
    DECEASED = "deceased"
    REMAINS_RETURNED = "remains_returned"
    MISSING = "missing"
    HELD_BY_ADVERSARY = "held_by_adversary"
    REPORTED_DEAD = "reported_dead"


S = Status
_IN_CUSTODY = {S.HELD, S.HOSPITALISED}
_DEAD = {S.DECEASED, S.REMAINS_RETURNED}
_OWN_OPEN = {S.REGISTERED, S.MISSING, S.HELD_BY_ADVERSARY, S.REPORTED_DEAD}
_OUT_OF_CUSTODY = {S.ESCAPED, S.RELEASED, S.EXCHANGED, S.REPATRIATED}

#: (custody, kind) -> (statuses it may follow, status it leads to)
_TRANSITIONS: dict[tuple[Custody, str], tuple[set[Status], Status]] = {
    (Custody.OURS, K.CAPTURED): ({S.REGISTERED}, S.HELD),
    (Custody.OURS, K.RECAPTURED): ({S.ESCAPED}, S.HELD),
    (Custody.OURS, K.TRANSFERRED): (_IN_CUSTODY, S.HELD),
    (Custody.OURS, K.HOSPITALISED): (_IN_CUSTODY, S.HOSPITALISED),
    (Custody.OURS, K.DISCHARGED): ({S.HOSPITALISED}, S.HELD),
    (Custody.OURS, K.ESCAPED): (_IN_CUSTODY, S.ESCAPED),
    (Custody.OURS, K.RELEASED): (_IN_CUSTODY, S.RELEASED),
    (Custody.OURS, K.EXCHANGED): (_IN_CUSTODY, S.EXCHANGED),
    (Custody.OURS, K.REPATRIATED): (_IN_CUSTODY | {S.RELEASED, S.EXCHANGED}, S.REPATRIATED),
    (Custody.OURS, K.REPORTED_MISSING): (_OUT_OF_CUSTODY, S.MISSING),
    (Custody.OURS, K.REPORTED_DEAD): (_OUT_OF_CUSTODY | {S.MISSING}, S.REPORTED_DEAD),
    (Custody.OWN, K.REPORTED_MISSING): (_OWN_OPEN, S.MISSING),
    (Custody.OWN, K.REPORTED_HELD_BY_ADVERSARY): (_OWN_OPEN, S.HELD_BY_ADVERSARY),
    (Custody.OWN, K.REPORTED_DEAD): (_OWN_OPEN, S.REPORTED_DEAD),
    (Custody.OWN, K.ESCAPED): (_OWN_OPEN, S.ESCAPED),
    (Custody.OWN, K.RELEASED): (_OWN_OPEN | {S.ESCAPED}, S.RELEASED),
    (Custody.OWN, K.EXCHANGED): (_OWN_OPEN, S.EXCHANGED),
    (Custody.OWN, K.REPATRIATED): (_OWN_OPEN | {S.RELEASED, S.EXCHANGED, S.ESCAPED}, S.REPATRIATED),
}
_ANY_ALIVE = set(Status) - _DEAD
for _custody in Custody:
    _TRANSITIONS[(_custody, K.DIED)] = (_ANY_ALIVE, S.DECEASED)
    _TRANSITIONS[(_custody, K.REMAINS_RETURNED)] = ({S.DECEASED, S.REPORTED_DEAD}, S.REMAINS_RETURNED)

#: Kinds that record something about a man without moving him (``REPATRIATION_KINDS``), and
#: the statuses he must be in: a wish is heard and a medical category decided while we hold
#: him; proceedings may still be closed after he has left our custody. Only for persons we
#: hold or held (custody ``ours``); refused otherwise, whatever the source, because these
#: are always the bureau's own record of what it heard or decided.
_RECORDED_WHILE: dict[str, set[Status]] = {
    K.REPATRIATION_WISH_RECORDED: _IN_CUSTODY,
    K.MEDICAL_CATEGORY_RECORDED: _IN_CUSTODY,
    K.PROCEEDINGS_RECORDED: _IN_CUSTODY | _OUT_OF_CUSTODY,
}

#: Sources whose entries are the bureau's own first-hand record: an impossible entry
#: from them is refused. Anything else is news from outside and is never refused.
FIRST_HAND_SOURCES = frozenset({"", "bureau", "document", "operator", "registrar"})

#: Kinds that set the current place of detention to the event's place.
_PLACE_KINDS = {K.REGISTERED, K.TRANSFERRED, K.HOSPITALISED, K.DISCHARGED, K.RECAPTURED}


@dataclass(frozen=True, slots=True)
class Conflict:
    """An event that does not fit the history; shown to an officer."""

    event_id: int
    reason: str


@dataclass(slots=True)
class PersonState:
    """Everything the registry knows of one person now, rebuilt from his events."""

    person_id: str
    custody: Custody = Custody.OURS
    fields: dict[str, str | None] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    refs: list[tuple[str, str]] = field(default_factory=list)
    unidentified: bool = False
    status: Status = Status.REGISTERED
    status_on: str | None = None
    place: str | None = None
    merged_into: str | None = None
    version: int = 0
    last_dated: tuple[int, str] | None = None
    conflicts: list[Conflict] = field(default_factory=list)
    registered_at: str = ""
    updated_at: str = ""
    updated_by: str = ""
    _place_before_hospital: str | None = None


def effective_events(events: Sequence[Event]) -> list[Event]:
    """The events that still count: retracted and superseded ones left out.

    A ``retracted`` event removes the event it names; retracting a retraction
    restores what that retraction removed. Any other event naming an earlier one in
    ``corrects`` replaces it.
    """
    by_id = {e.id: e for e in events}
    removed: set[int] = set()
    for e in events:
        if e.corrects is None:
            continue
        if e.kind == K.RETRACTED:
            removed.add(e.corrects)
            target = by_id.get(e.corrects)
            if target is not None and target.kind == K.RETRACTED and target.corrects is not None:
                removed.discard(target.corrects)
        else:
            removed.add(e.corrects)
    return [e for e in events if e.id not in removed and e.kind != K.RETRACTED]


def _transition(state: PersonState, kind: str) -> tuple[Status | None, str | None]:
    """The status an event leads to, or the reason it cannot happen."""
    if kind not in LIFECYCLE_KINDS:
        return None, None
    if state.status in _DEAD and kind not in (K.REMAINS_RETURNED, K.REPORTED_DEAD, K.DIED):
        return None, f"no {kind} after a recorded death"
    if kind == K.REPORTED_DEAD and state.status in _DEAD:
        return None, None
    rule = _TRANSITIONS.get((state.custody, kind))
    if rule is None:
        whose = "our own people (custody own)" if state.custody is Custody.OWN else "persons we hold"
        return None, f"{kind} does not apply to {whose}"
    allowed, to = rule
    if state.status not in allowed:
        return None, f"no {kind} while the person is {state.status.value}"
    return to, None


def _apply(state: PersonState, event: Event) -> None:
    kind = event.kind
    data: dict[str, Any] = json.loads(event.payload) if event.payload != "{}" else {}
    if kind == K.REGISTERED:
        state.custody = Custody(data.get("custody", Custody.OURS))
        state.fields = dict(data.get("fields", {}))
        state.extra = dict(data.get("extra", {}))
        state.unidentified = bool(data.get("unidentified", False))
        ref = data.get("ref")
        if ref:
            state.refs.append((ref[0], ref[1]))
        state.place = event.place
        if state.custody is Custody.OURS:
            captured_on = state.fields.get("captured_on")
            state.status, state.status_on = Status.HELD, captured_on
            if captured_on:
                state.last_dated = (event.id, captured_on)
        return
    if kind == K.IDENTITY_CORRECTED:
        for name, change in data.get("changes", {}).items():
            state.fields[name] = change[1]
        for name, change in data.get("extra_changes", {}).items():
            if change[1] is None:
                state.extra.pop(name, None)
            else:
                state.extra[name] = change[1]
        if "unidentified" in data:
            state.unidentified = bool(data["unidentified"])
        return
    if kind == K.MERGED:
        state.merged_into = data["into"]
        return
    if kind == K.UNMERGED:
        state.merged_into = None
        return
    if kind not in LIFECYCLE_KINDS:
        return
    when = _date_of(event.occurred_on)
    late = _late(state, when)
    to, reason = _transition(state, kind)
    if reason is not None:
        state.conflicts.append(Conflict(event.id, f"does not fit the history: {reason}"))
        if kind != K.DIED:
            return
        to = S.DECEASED
    if late is not None:
        state.conflicts.append(Conflict(event.id, late))
        if kind not in (K.DIED, K.REPORTED_DEAD):
            return
    if when is not None and (state.last_dated is None or _after(when, state.last_dated[1])):
        state.last_dated = (event.id, str(when))
    if to is None:
        return
    if to is S.HOSPITALISED and state.status is not S.HOSPITALISED:
        state._place_before_hospital = state.place
    state.status, state.status_on = to, event.occurred_on
    if kind in _PLACE_KINDS:
        state.place = event.place or (state._place_before_hospital if kind == K.DISCHARGED else state.place)
    elif to not in _IN_CUSTODY:
        state.place = None


def _date_of(text: str | None) -> PartialDate | None:
    return parse_partial_date(text) if text else None


def _after(when: PartialDate, other: str) -> bool:
    return when.compare(parse_partial_date(other)) is Order.AFTER


def _late(state: PersonState, when: PartialDate | None) -> str | None:
    if when is None or state.last_dated is None:
        return None
    event_id, latest = state.last_dated
    if when.compare(parse_partial_date(latest)) is Order.BEFORE:
        return f"reported late: dated {when}, before event #{event_id} dated {latest}"
    return None


def replay(person_id: str, events: Iterable[Event]) -> PersonState:
    """Rebuild a person's state from all of his events.

    Events are applied in recording order, except that an event correcting an earlier
    one takes that event's place, so a corrected transfer is where the wrong one was.
    Retracted and replaced events are left out but still count in the version.
    """
    ordered = sorted(events, key=lambda e: e.id)
    state = PersonState(person_id)
    if not ordered:
        return state
    applied: list[Event] = ordered
    if any(e.corrects is not None for e in ordered):
        by_id = {e.id: e for e in ordered}

        def position(event: Event) -> int:
            seen: set[int] = set()
            while (
                event.corrects is not None
                and event.kind != K.RETRACTED
                and event.corrects in by_id
                and event.id not in seen
            ):
                seen.add(event.id)
                event = by_id[event.corrects]
            return event.id

        applied = sorted(effective_events(ordered), key=lambda e: (position(e), e.id))
    for event in applied:
        _apply(state, event)
    state.version = len(ordered)
    registered = next((e for e in ordered if e.kind == K.REGISTERED), None)
    if registered is not None:
        state.registered_at = registered.recorded_at
    state.updated_at, state.updated_by = ordered[-1].recorded_at, ordered[-1].recorded_by
    return state


def state_before(person_id: str, events: Sequence[Event], event_id: int) -> PersonState:
    """The state as it stood just before ``event_id``: what a correction of it is checked against."""
    return replay(person_id, [e for e in events if e.id < event_id])


def registration_state(
    person_id: str,
    *,
    custody: Custody,
    fields: dict[str, str | None],
    extra: dict[str, str],
    ref: tuple[str, str] | None,
    unidentified: bool,
    place: str | None,
    then: Sequence[str],
    recorded_at: str,
    recorded_by: str,
) -> PersonState:
    """The state :func:`replay` gives for a fresh registration, without re-reading it.

    Bulk intake's fast path: ``then`` are the kinds appended after ``registered``
    (``reported_missing`` or ``died``, undated). The unit tests hold this equal to
    ``replay`` of the same events.
    """
    state = PersonState(
        person_id,
        custody=custody,
        fields={k: v for k, v in fields.items() if v is not None},
        extra=dict(extra),
        refs=[ref] if ref else [],
        unidentified=unidentified,
        place=place,
        version=1 + len(then),
        registered_at=recorded_at,
        updated_at=recorded_at,
        updated_by=recorded_by,
    )
    if custody is Custody.OURS:
        captured_on = fields.get("captured_on")
        state.status, state.status_on = Status.HELD, captured_on
        if captured_on:
            state.last_dated = (0, captured_on)
    for kind in then:
        to, _ = _transition(state, kind)
        if to is not None:
            state.status, state.status_on = to, None
            if to not in _IN_CUSTODY:
                state.place = None
    return state


def _not_recorded_while(state: PersonState, kind: str) -> str | None:
    """Why a kind of ``REPATRIATION_KINDS`` cannot be recorded for him now, or None."""
    if state.custody is not Custody.OURS:
        return f"{kind} is recorded only for persons we hold or held, not for our own people"
    allowed = _RECORDED_WHILE[kind]
    if state.status not in allowed:
        return f"no {kind} while the person is {state.status.value}"
    return None


def check_entry(
    state: PersonState,
    *,
    kind: str,
    occurred_on: str | None,
    source: str | None,
    today: date,
) -> list[str]:
    """Decide whether a new entry may be appended to a person's history.

    Returns:
        Warnings to show (the entry will be flagged as a conflict); empty when it fits.

    Raises:
        RuleViolation: for an impossible first-hand entry, with the reason.
        InvalidInput: for a date in the future or a kind that cannot be entered.
    """
    if state.merged_into is not None:
        raise RuleViolation(f"{state.person_id} was merged into {state.merged_into}; record it there")
    if kind in (K.REGISTERED, K.MERGED, K.UNMERGED):
        raise InvalidInput(f"{kind} is written by its own command, not as an event", field="kind")
    when = _date_of(occurred_on)
    if when is not None and when.earliest > today:
        raise InvalidInput(f"date {when} is in the future", field="occurred_on")
    if kind in REPATRIATION_KINDS:
        reason = _not_recorded_while(state, kind)
        if reason is not None:
            raise RuleViolation(f"refused: {reason} (person {state.person_id})")
        return []
    warnings: list[str] = []
    _, reason = _transition(state, kind)
    if reason is not None:
        first_hand = (source or "").strip().lower() in FIRST_HAND_SOURCES
        if first_hand and kind not in REPORT_KINDS:
            raise RuleViolation(f"refused: {reason} (person {state.person_id})")
        warnings.append(f"kept as a conflict for an officer: {reason}")
    if kind in LIFECYCLE_KINDS:
        late = _late(state, when)
        if late is not None:
            warnings.append(f"kept as a conflict for an officer: {late}")
    return warnings
