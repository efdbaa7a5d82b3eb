"""Use cases of the registry: register, record events, merge, look up, count."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from powbureau.domain.access import Reader
from powbureau.domain.audit import AuditAction
from powbureau.domain.errors import InvalidInput, RuleViolation
from powbureau.domain.events import REPATRIATION_KINDS, Event, EventKind, NewEvent, canonical_json
from powbureau.domain.exchanges import validate_details
from powbureau.domain.lifecycle import PersonState, check_entry, replay, state_before
from powbureau.domain.people import IDENTITY_FIELDS, category_of, validate_identity
from powbureau.domain.registry import identity_changes, new_person_id, registration_events
from powbureau.services.audit import record_read
from powbureau.store.uow import UnitOfWork

__all__ = [
    "PersonView",
    "RecordedEvent",
    "add_place",
    "duplicates_before_registration",
    "enter_event",
    "latest_events",
    "list_persons",
    "list_places",
    "merge_persons",
    "person_history",
    "possible_duplicates",
    "record_event",
    "register_person",
    "registry_stats",
    "show_person",
    "unmerge_person",
]


@dataclass(frozen=True)
class RecordedEvent:
    """An appended event and the warnings it was kept with (a conflict to resolve)."""

    event: Event
    warnings: list[str] = field(default_factory=list)
    version: int = 0


@dataclass(frozen=True)
class PersonView:
    """What the registry knows of one person now."""

    person_id: str
    row: Mapping[str, Any]
    refs: list[tuple[str, str]]
    conflicts: list[tuple[int, str]]


def _today() -> date:
    return datetime.now(UTC).date()


def register_person(
    *,
    uow: UnitOfWork,
    fields: Mapping[str, str | None],
    recorded_by: str,
    source: str = "bureau",
    person_ref: str | None = None,
    unidentified: bool = False,
    place: str | None = None,
) -> str:
    """Register one person and return his registry id.

    Raises:
        InvalidInput: a field that cannot be right.
        DuplicateReference: ``person_ref`` already names a person of ``source``.
        PlaceNotFound: ``place`` is not a registered place of detention.
    """
    from powbureau.domain.errors import DuplicateReference

    clean = {k: (v if v not in ("", None) else None) for k, v in fields.items()}
    if unidentified and not clean.get("description"):
        raise InvalidInput("an unidentified person needs a description", field="description")
    with uow:
        if place:
            uow.places.get(place)
        if person_ref:
            taken = uow.persons.find_refs(source, [person_ref])
            if taken:
                raise DuplicateReference(f"{source}:{person_ref} already names {taken[person_ref]}")
        person_id = new_person_id()
        new = registration_events(
            person_id,
            clean,
            recorded_by=recorded_by,
            source=source,
            ref=(source, person_ref) if person_ref else None,
            unidentified=unidentified,
            place=place,
        )
        # The projection is replayed from the sealed events, so that it carries their
        # recorded_at (a provisional replay would store an empty registered_at).
        sealed = uow.events.append(new)
        uow.persons.add([replay(person_id, sealed)])
        uow.commit()
    return person_id


def _append_for(
    uow: UnitOfWork, person_id: str, new: Sequence[NewEvent], *, expected_version: int | None
) -> tuple[list[Event], PersonState]:
    """Append events for one person and save his projection, guarding his version."""
    history = uow.events.for_person(person_id)
    version = len(history)
    _check_version(uow, person_id, version, expected_version)
    sealed = uow.events.append(new)
    state = replay(person_id, [*history, *sealed])
    uow.persons.save(state, expected_version=version)
    return sealed, state


def _check_version(uow: UnitOfWork, person_id: str, version: int, expected_version: int | None) -> None:
    """Refuse a change made on a version of the person that is no longer current."""
    if expected_version is not None and expected_version != version:
        row = uow.persons.get(person_id)
        from powbureau.domain.errors import ConcurrentModification

        raise ConcurrentModification(
            f"person {person_id} was changed by {row['updated_by']} at {row['updated_at']} "
            f"(now version {version}, you had version {expected_version}); "
            "reload and enter your change again"
        )


def record_event(
    *,
    uow: UnitOfWork,
    ref: str,
    kind: str,
    recorded_by: str,
    occurred_on: str | None = None,
    place: str | None = None,
    source: str | None = "bureau",
    note: str | None = None,
    corrects: int | None = None,
    changes: Mapping[str, str | None] | None = None,
    details: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> RecordedEvent:
    """Append one event to a person's history.

    Args:
        ref: the person (registry id, ``SOURCE:person_ref`` or a bare person_ref).
        kind: an :class:`EventKind` value.
        changes: for ``identity_corrected``, the fields and their new values.
        details: for the kinds of ``REPATRIATION_KINDS`` (a wish, proceedings, a medical
            category), their fields, checked by
            :func:`powbureau.domain.exchanges.validate_details`.
        expected_version: the version the caller saw; refused if it moved on.

    Raises:
        InvalidInput: an unknown kind, a bad date, a correction naming nothing.
        RuleViolation: an impossible entry, with the reason.
        ConcurrentModification: someone changed the person since ``expected_version``.
    """
    with uow:
        recorded = enter_event(
            uow,
            ref=ref,
            kind=kind,
            recorded_by=recorded_by,
            occurred_on=occurred_on,
            place=place,
            source=source,
            note=note,
            corrects=corrects,
            changes=changes,
            details=details,
            expected_version=expected_version,
        )
        uow.commit()
    return recorded


def enter_event(
    uow: UnitOfWork,
    *,
    ref: str,
    kind: str,
    recorded_by: str,
    occurred_on: str | None = None,
    place: str | None = None,
    source: str | None = "bureau",
    note: str | None = None,
    corrects: int | None = None,
    changes: Mapping[str, str | None] | None = None,
    details: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> RecordedEvent:
    """:func:`record_event` inside a unit of work the caller opened and will commit.

    For use cases that append events together with their own changes, all or nothing:
    an officer's confirmation of an exchange-list row and the event it writes; an exchange
    carried out (every man handed over, or none). The same rules and version guard apply;
    ``details`` go into the payload beside the note (an exchange's id; for the repatriation
    kinds, their validated details), never replacing what the registry itself writes.
    """
    try:
        EventKind(kind)
    except ValueError:
        raise InvalidInput(f"unknown event kind {kind!r}", field="kind") from None
    if occurred_on:
        from powbureau.domain.dates import parse_partial_date

        try:
            occurred_on = str(parse_partial_date(occurred_on))
        except InvalidInput as exc:
            raise InvalidInput(str(exc), field="occurred_on") from None
    person_id = uow.persons.resolve(ref)
    history = uow.events.for_person(person_id)
    # The version first: the rules below judge a state the caller may not have seen.
    _check_version(uow, person_id, len(history), expected_version)
    state = replay(person_id, history)
    payload: dict[str, Any] = {}
    if kind in REPATRIATION_KINDS:
        if details is None:
            raise InvalidInput(
                f"{kind} needs its details (powbureau exchange wish|proceedings|medical)", field="details"
            )
        given = {**details, "note": note} if note else dict(details)
        payload.update(validate_details(kind, given, today=_today()))
    else:
        for key, value in (details or {}).items():
            if key in ("note", "changes"):
                raise InvalidInput(f"{key!r} is written by the registry, not as a detail", field="details")
            payload[key] = value  # e.g. the exchange an `exchanged` event belongs to
        if note:
            payload["note"] = note
    if corrects is not None:
        target = uow.events.get(corrects)
        if target.person_id != person_id:
            raise InvalidInput(
                f"event #{corrects} belongs to {target.person_id}, not {person_id}",
                field="corrects",
            )
    elif kind == EventKind.RETRACTED:
        raise InvalidInput("a retraction names the event it retracts (--corrects)", field="corrects")
    if kind == EventKind.IDENTITY_CORRECTED:
        payload["changes"] = _identity_payload(state, changes or {})
        warnings: list[str] = []
    elif kind == EventKind.RETRACTED:
        warnings = []
    else:
        if changes:
            raise InvalidInput("field changes go with identity_corrected", field="changes")
        check_state = state
        if corrects is not None:
            check_state = state_before(person_id, history, corrects)
        warnings = check_entry(check_state, kind=kind, occurred_on=occurred_on, source=source, today=_today())
    if place and kind in ("transferred", "hospitalised", "discharged", "recaptured"):
        uow.places.get(place)
    new = NewEvent(
        person_id,
        kind,
        occurred_on=occurred_on or None,
        place=place or None,
        source=source or None,
        payload=canonical_json(payload),
        corrects=corrects,
        recorded_by=recorded_by,
    )
    sealed, after = _append_for(uow, person_id, [new], expected_version=expected_version)
    return RecordedEvent(sealed[0], warnings, after.version)


def _identity_payload(state: PersonState, changes: Mapping[str, str | None]) -> dict[str, list[str | None]]:
    unknown = set(changes) - set(IDENTITY_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown identity field {sorted(unknown)[0]!r}", field="changes")
    new = {k: (v or None) for k, v in changes.items()}
    merged = {**state.fields, **new}
    validate_identity(merged, unidentified=state.unidentified)
    diff = identity_changes(state.fields, new)
    if not diff:
        raise InvalidInput("the correction changes nothing", field="changes")
    return diff


def merge_persons(
    *, uow: UnitOfWork, survivor_ref: str, other_ref: str, reason: str, recorded_by: str
) -> tuple[str, str]:
    """Join two records of one man; the second resolves to the first from now on.

    Returns:
        (survivor id, merged id).

    Raises:
        RuleViolation: the two refs name one record, or the records differ in custody.
    """
    if not reason.strip():
        raise InvalidInput("a merge needs a reason", field="reason")
    with uow:
        survivor = uow.persons.resolve(survivor_ref)
        other = uow.persons.resolve(other_ref)
        if survivor == other:
            raise RuleViolation(f"{survivor_ref} and {other_ref} are already one record ({survivor})")
        a, b = uow.persons.get(survivor), uow.persons.get(other)
        if a["custody"] != b["custody"]:
            raise RuleViolation(
                f"{survivor} is custody {a['custody']} and {other} is custody {b['custody']}: "
                "one man cannot be both; correct the records first"
            )
        new = NewEvent(
            other,
            EventKind.MERGED,
            payload=canonical_json({"into": survivor, "reason": reason}),
            recorded_by=recorded_by,
            source="bureau",
        )
        _append_for(uow, other, [new], expected_version=None)
        uow.commit()
    return survivor, other


def unmerge_person(*, uow: UnitOfWork, ref: str, recorded_by: str, reason: str = "") -> tuple[str, str]:
    """Undo a merge: the merged record stands on its own again.

    ``ref`` names the merged record itself, or a survivor that absorbed exactly one.

    Returns:
        (restored id, former survivor id).
    """
    with uow:
        person_id = uow.persons.resolve(ref, follow_merges=False)
        row = uow.persons.get(person_id)
        if row["merged_into"] is None:
            absorbed = uow.persons.merged_into(person_id)
            if len(absorbed) != 1:
                names = ", ".join(absorbed) or "none"
                raise RuleViolation(
                    f"{person_id} is not a merged record; records merged into it: {names}; "
                    "name the one to unmerge"
                )
            person_id = absorbed[0]
            row = uow.persons.get(person_id)
        survivor = str(row["merged_into"])
        new = NewEvent(
            person_id,
            EventKind.UNMERGED,
            payload=canonical_json({"from": survivor, "reason": reason}),
            recorded_by=recorded_by,
            source="bureau",
        )
        _append_for(uow, person_id, [new], expected_version=None)
        uow.commit()
    return person_id, survivor


def show_person(*, uow: UnitOfWork, reader: Reader, ref: str) -> PersonView:
    """A person's current record (following merges); the read is audited."""
    with uow:
        person_id = uow.persons.resolve(ref)
        state = replay(person_id, uow.events.for_person(person_id))
        view = PersonView(
            person_id,
            dict(uow.persons.get(person_id)),
            uow.persons.refs_of(person_id),
            [(c.event_id, c.reason) for c in state.conflicts],
        )
    record_read(uow=uow, reader=reader, action=AuditAction.SHOW, person_ids=[person_id])
    return view


def person_history(*, uow: UnitOfWork, reader: Reader, ref: str) -> tuple[str, list[Event], dict[int, str]]:
    """A person's events in recording order, with the conflicts marked by event id.

    The history of a survivor includes the events of the records merged into it; the
    read is audited as a read of all of them.
    """
    with uow:
        person_id = uow.persons.resolve(ref)
        ids = [person_id, *uow.persons.merged_into(person_id)]
        events = sorted((e for evs in uow.events.for_persons(ids).values() for e in evs), key=lambda e: e.id)
        state = replay(person_id, [e for e in events if e.person_id == person_id])
        conflicts = {c.event_id: c.reason for c in state.conflicts}
    record_read(uow=uow, reader=reader, action=AuditAction.HISTORY, person_ids=ids)
    return person_id, events, conflicts


def possible_duplicates(
    *, uow: UnitOfWork, reader: Reader, ref: str, top: int = 5
) -> list[tuple[str, float, str]]:
    """Registered persons of the same custody who may be this man entered again.

    They go to an officer's merge review (``merge`` after checking), never to "cannot
    tell apart". Returns (registry id, probability, explanation), most probable first.
    When there are any, the read is audited as a read of this man and of them.
    """
    from powbureau.matching import find_duplicates
    from powbureau.store.match_index import MatchIndex, SqlCandidateIndex

    with uow:
        person_id = uow.persons.resolve(ref)
        profiles = MatchIndex(uow.connection).profiles([person_id])
        if not profiles:
            return []
        found = find_duplicates(
            profiles[0],
            index=SqlCandidateIndex(uow.connection),
            custody=profiles[0].custody,
            top=top,
            min_probability=0.05,
        )
        duplicates = [(c.person_id, c.probability, c.explanation()) for c in found]
    if duplicates:
        named = [person_id, *(other for other, _, _ in duplicates)]
        record_read(uow=uow, reader=reader, action=AuditAction.DUPLICATES, person_ids=named)
    return duplicates


def duplicates_before_registration(
    *,
    uow: UnitOfWork,
    reader: Reader,
    fields: Mapping[str, str | None],
    unidentified: bool = False,
    top: int = 5,
) -> list[tuple[str, float, str]]:
    """Registered persons of the same custody who may be the man about to be registered.

    The check :func:`possible_duplicates` makes after a registration, made before it, so
    a registrar sees the candidates before saving a second record of one man. Returns
    (registry id, probability, explanation), most probable first; the read is audited as a
    read of the candidates when there are any.

    Raises:
        InvalidInput: a field that cannot be right (checked first, as registering would).
    """
    from powbureau.domain.people import custody_for
    from powbureau.matching import find_duplicates
    from powbureau.matching.profile import profile_from_fields
    from powbureau.store.match_index import SqlCandidateIndex

    clean = {k: (v if v not in ("", None) else None) for k, v in fields.items()}
    if unidentified and not clean.get("description"):
        raise InvalidInput("an unidentified person needs a description", field="description")
    validate_identity(clean, unidentified=unidentified)
    custody = custody_for(category_of(clean.get("category"))).value
    profile = profile_from_fields(clean, custody=custody)
    if not profile.surname and not profile.given:
        return []
    with uow:
        found = find_duplicates(
            profile, index=SqlCandidateIndex(uow.connection), custody=custody, top=top, min_probability=0.05
        )
        duplicates = [(c.person_id, c.probability, c.explanation()) for c in found]
    if duplicates:
        named = [other for other, _, _ in duplicates]
        record_read(uow=uow, reader=reader, action=AuditAction.DUPLICATES, person_ids=named)
    return duplicates


def list_persons(
    *, uow: UnitOfWork, reader: Reader, ref: str | None = None, **filters: Any
) -> list[Mapping[str, Any]]:
    """Current persons matching the filters of :meth:`PersonRepository.search`; audited.

    ``ref`` (a registry id, ``SOURCE:person_ref`` or a bare person_ref) narrows the list to
    the person it names, following merges; a ref that names nobody (or several) finds none.
    """
    from powbureau.domain.errors import AmbiguousReference, NotFound

    with uow:
        if ref:
            try:
                filters["person_id"] = uow.persons.resolve(ref.strip())
            except (NotFound, AmbiguousReference):
                return []
        rows: list[Mapping[str, Any]] = [dict(r) for r in uow.persons.search(**filters)]
    record_read(uow=uow, reader=reader, action=AuditAction.LIST, person_ids=[r["id"] for r in rows])
    return rows


def registry_stats(*, uow: UnitOfWork) -> dict[str, Any]:
    """Distinct current persons, by custody and status, and the chain's length."""
    with uow:
        counts = uow.persons.counts()
        by_custody: dict[str, int] = {}
        by_status: dict[str, int] = {}
        for key, n in counts.items():
            custody, status = key.split(":")
            by_custody[custody] = by_custody.get(custody, 0) + n
            by_status[status] = by_status.get(status, 0) + n
        return {
            "persons": sum(counts.values()),
            "by_custody": dict(sorted(by_custody.items())),
            "by_status": dict(sorted(by_status.items())),
            "events": uow.events.count(),
            "places": len(uow.places.with_occupancy()),
        }


def add_place(
    *,
    uow: UnitOfWork,
    code: str,
    name: str,
    kind: str,
    capacity: int | None = None,
    address: str | None = None,
) -> str:
    """Register a place of detention (camp, hospital, transit point, other)."""
    from powbureau.domain.errors import DuplicateReference
    from powbureau.domain.events import utc_now

    kinds = ("camp", "hospital", "transit", "other")
    if kind not in kinds:
        raise InvalidInput(f"place kind {kind!r} must be one of {', '.join(kinds)}", field="kind")
    if not code.strip() or not name.strip():
        raise InvalidInput("a place needs a code and a name", field="code")
    if capacity is not None and capacity < 0:
        raise InvalidInput("capacity cannot be negative", field="capacity")
    with uow:
        if uow.places.exists(code):
            raise DuplicateReference(f"place {code!r} exists")
        uow.places.add(
            {
                "code": code,
                "name": name,
                "kind": kind,
                "capacity": capacity,
                "address": address,
                "created_at": utc_now(),
            }
        )
        uow.commit()
    return code


def list_places(*, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every place of detention with who is there now (count) and its capacity."""
    with uow:
        return uow.places.with_occupancy()


def latest_events(*, uow: UnitOfWork, reader: Reader, limit: int = 50, offset: int = 0) -> list[Event]:
    """The registry's events as they were recorded, newest first, a page at a time (the
    liaison's notifications); the persons they name are audited as read."""
    if not 1 <= limit <= 500 or offset < 0:
        raise InvalidInput("a page holds 1 to 500 events from offset 0 on", field="limit")
    with uow:
        found = uow.events.latest(limit=limit, offset=offset)
    if found:
        named = sorted({e.person_id for e in found})
        record_read(uow=uow, reader=reader, action=AuditAction.HISTORY, person_ids=named)
    return found
