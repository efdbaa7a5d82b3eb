"""Repositories: the only code that reads and writes the registry's tables.

They never commit; the unit of work does. The event log is append-only: it has
``append`` and readers, nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select, update

from powbureau.domain.errors import (
    AmbiguousReference,
    ConcurrentModification,
    EventNotFound,
    PersonNotFound,
    PlaceNotFound,
)
from powbureau.domain.events import Event, NewEvent, chain_hash, hash_head, hash_tail, seal, utc_now
from powbureau.domain.lifecycle import PersonState
from powbureau.domain.people import IDENTITY_FIELDS
from powbureau.store.bulk import chunks as _chunks
from powbureau.store.bulk import insert_many as _insert_many
from powbureau.store.match_index import MatchIndex
from powbureau.store.tables import (
    chain_head,
    events,
    match_keys,
    match_profiles,
    person_refs,
    persons,
    places,
)

__all__ = ["EventLog", "PersonRepository", "PlaceRepository", "projection_row"]


def projection_row(state: PersonState) -> dict[str, Any]:
    """The ``persons`` row that a person's state projects to."""
    row: dict[str, Any] = {
        "id": state.person_id,
        "version": state.version,
        "custody": state.custody.value,
        "status": state.status.value,
        "status_on": state.status_on,
        "place": state.place,
        "merged_into": state.merged_into,
        "unidentified": state.unidentified,
        "open_conflicts": len(state.conflicts),
        "extra": json.dumps(state.extra, ensure_ascii=False, sort_keys=True),
        "registered_at": state.registered_at,
        "updated_at": state.updated_at,
        "updated_by": state.updated_by,
    }
    for name in IDENTITY_FIELDS:
        row[name] = state.fields.get(name)
    return row


def person_tuple(state: PersonState) -> tuple[Any, ...]:
    """:func:`projection_row` as a tuple in the ``persons`` table's column order.

    Built directly (bulk intake makes one per row); the tests hold it equal to the row.
    """
    get = state.fields.get
    return (
        state.person_id,
        state.version,
        state.custody.value,
        state.status.value,
        state.status_on,
        state.place,
        state.merged_into,
        state.unidentified,
        len(state.conflicts),
        *[get(name) for name in IDENTITY_FIELDS],
        json.dumps(state.extra, ensure_ascii=False, sort_keys=True) if state.extra else "{}",
        state.registered_at,
        state.updated_at,
        state.updated_by,
    )


def ref_tuples(state: PersonState) -> list[tuple[str, str, str]]:
    """The ``person_refs`` rows of a person, in the table's column order."""
    return [(ref, source, state.person_id) for source, ref in state.refs]


class EventLog:
    """The one hash chain of the registry."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._head: tuple[int, str] | None = None

    def _lock_head(self) -> tuple[int, str]:
        query = select(chain_head.c.last_id, chain_head.c.last_hash).where(chain_head.c.id == 1)
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).one()
        return int(row.last_id), str(row.last_hash)

    def size(self) -> int:
        """The number of events in the chain (its head's id); locks the head like an append."""
        if self._head is None:
            self._head = self._lock_head()
        return self._head[0]

    def append(self, new_events: Sequence[NewEvent], *, recorded_at: str | None = None) -> list[Event]:
        """Seal events onto the chain head and store them.

        The head is locked on the first append of the unit of work (BEGIN IMMEDIATE on
        SQLite, ``SELECT ... FOR UPDATE`` on PostgreSQL) and held until it ends.
        """
        if not new_events:
            return []
        if self._head is None:
            self._head = self._lock_head()
        last_id, last_hash = self._head
        at = recorded_at or utc_now()
        sealed: list[Event] = []
        for new in new_events:
            last_id += 1
            event = seal(new, id=last_id, prev_hash=last_hash, recorded_at=at)
            last_hash = event.hash
            sealed.append(event)
        _insert_many(self._conn, events, [_event_tuple(e) for e in sealed])
        self._conn.execute(
            update(chain_head).where(chain_head.c.id == 1).values(last_id=last_id, last_hash=last_hash)
        )
        self._head = (last_id, last_hash)
        return sealed

    def append_prepared(
        self,
        new_events: Sequence[tuple[str, str, str | None, str | None, str, bytes]],
        *,
        recorded_at: str,
        recorded_by: str,
        source: str | None,
    ) -> None:
        """Chain and store events prepared in bulk, all recorded at, by and from the same.

        Each is ``(person_id, kind, occurred_on, place, payload, middle)``, ``middle`` the
        piece of its hashed body that :func:`powbureau.domain.events.hash_middle` gives;
        none corrects another. What :meth:`append` does, with the hashing mostly done.
        """
        if not new_events:
            return
        if self._head is None:
            self._head = self._lock_head()
        last_id, last_hash = self._head
        head = hash_head(None)
        tail = hash_tail(recorded_at=recorded_at, recorded_by=recorded_by, source=source)
        rows: list[tuple[Any, ...]] = []
        for person_id, kind, occurred_on, place, payload, middle in new_events:
            last_id += 1
            digest = chain_hash(head, last_id, middle, last_hash, tail)
            rows.append(
                (
                    last_id,
                    person_id,
                    kind,
                    occurred_on,
                    place,
                    recorded_at,
                    recorded_by,
                    source,
                    payload,
                    None,
                    last_hash,
                    digest,
                )
            )
            last_hash = digest
        _insert_many(self._conn, events, rows)
        self._conn.execute(
            update(chain_head).where(chain_head.c.id == 1).values(last_id=last_id, last_hash=last_hash)
        )
        self._head = (last_id, last_hash)

    def get(self, event_id: int) -> Event:
        """One event by id."""
        row = self._conn.execute(select(events).where(events.c.id == event_id)).first()
        if row is None:
            raise EventNotFound(f"no event #{event_id}")
        return Event(**row._mapping)

    def for_person(self, person_id: str) -> list[Event]:
        """A person's events in recording order."""
        rows = self._conn.execute(select(events).where(events.c.person_id == person_id).order_by(events.c.id))
        return [Event(**r._mapping) for r in rows]

    def for_persons(self, person_ids: Sequence[str]) -> dict[str, list[Event]]:
        """The events of several persons, each in recording order."""
        found: dict[str, list[Event]] = {p: [] for p in person_ids}
        for chunk in _chunks(list(person_ids), 500):
            rows = self._conn.execute(
                select(events).where(events.c.person_id.in_(chunk)).order_by(events.c.id)
            )
            for r in rows:
                found[r.person_id].append(Event(**r._mapping))
        return found

    def scan(self, *, order_by_person: bool = False, batch: int = 5000) -> Iterator[Event]:
        """Every stored event, streamed, by id or grouped by person."""
        order = (_ordered(self._conn, events.c.person_id), events.c.id) if order_by_person else (events.c.id,)
        result = self._conn.execute(
            select(events).order_by(*order).execution_options(stream_results=True, yield_per=batch)
        )
        for row in result:
            yield Event(**row._mapping)

    def head(self) -> tuple[int, str]:
        """The stored chain head: the last event's id and hash."""
        row = self._conn.execute(
            select(chain_head.c.last_id, chain_head.c.last_hash).where(chain_head.c.id == 1)
        ).one()
        return int(row.last_id), str(row.last_hash)

    def count(self) -> int:
        """How many events are stored."""
        return int(self._conn.execute(select(func.count()).select_from(events)).scalar_one())

    def latest(self, *, limit: int = 50, offset: int = 0) -> list[Event]:
        """The most recently recorded events, newest first."""
        query = select(events).order_by(events.c.id.desc()).limit(limit).offset(offset)
        return [Event(**r._mapping) for r in self._conn.execute(query)]


class PersonRepository:
    """The ``persons`` projection and the external references that name persons.

    :meth:`add` and :meth:`save` also write the person's tracing keys
    (``store/match_index.py``) in the same transaction; bulk intake, which calls
    :meth:`add_rows`, writes the keys it prepared with ``uow.matches.add_rows``.
    """

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._matches = MatchIndex(connection)

    def add(self, states: Iterable[PersonState]) -> None:
        """Insert the projection rows, external references and tracing keys of new persons."""
        rows: list[tuple[Any, ...]] = []
        refs: list[tuple[str, str, str]] = []
        states = list(states)
        for state in states:
            rows.append(person_tuple(state))
            refs.extend(ref_tuples(state))
        self.add_rows(rows, refs)
        self._matches.add(states)

    def add_rows(self, rows: Sequence[tuple[Any, ...]], refs: Sequence[tuple[str, str, str]]) -> None:
        """Insert prepared projection and reference rows (see :func:`person_tuple`)."""
        _insert_many(self._conn, persons, rows)
        _insert_many(self._conn, person_refs, refs)

    def save(self, state: PersonState, *, expected_version: int) -> None:
        """Write a changed person's projection if nobody changed him since ``expected_version``.

        Raises:
            ConcurrentModification: naming who changed the person and when.
        """
        row = projection_row(state)
        result = self._conn.execute(
            update(persons)
            .where(and_(persons.c.id == state.person_id, persons.c.version == expected_version))
            .values(**{k: v for k, v in row.items() if k != "id"})
        )
        if result.rowcount != 1:
            current = self.get(state.person_id)
            raise ConcurrentModification(
                f"person {state.person_id} was changed by {current['updated_by']} at "
                f"{current['updated_at']} (now version {current['version']}, you had version "
                f"{expected_version}); reload and enter your change again"
            )
        known = {(s, r) for s, r in self.refs_of(state.person_id)}
        _insert_many(self._conn, person_refs, [t for t in ref_tuples(state) if (t[1], t[0]) not in known])
        self._matches.replace(state)

    def get(self, person_id: str) -> Mapping[str, Any]:
        """A person's projection row."""
        row = self._conn.execute(select(persons).where(persons.c.id == person_id)).first()
        if row is None:
            raise PersonNotFound(f"no person {person_id}")
        return dict(row._mapping)

    def exists(self, person_id: str) -> bool:
        """True when a person has that registry id."""
        query = select(persons.c.id).where(persons.c.id == person_id)
        return self._conn.execute(query).first() is not None

    def refs_of(self, person_id: str) -> list[tuple[str, str]]:
        """The (source, person_ref) keys that name a record."""
        rows = self._conn.execute(
            select(person_refs.c.source, person_refs.c.person_ref)
            .where(person_refs.c.person_id == person_id)
            .order_by(person_refs.c.source, person_refs.c.person_ref)
        )
        return [(r.source, r.person_ref) for r in rows]

    def find_refs(self, source: str, refs: Sequence[str]) -> dict[str, str]:
        """Map those of ``refs`` already known for ``source`` to their person ids."""
        found: dict[str, str] = {}
        # The driver's own statement: bulk intake asks this of every row, and building
        # SQLAlchemy's IN list cost more than the index look-ups. On PostgreSQL never a
        # prepared statement: its generic plan cannot hash the list of refs and compared
        # every row of the growing table with each of them (minutes for 100,000 rows).
        sql = "SELECT person_ref, person_id FROM person_refs WHERE source = "
        for chunk in _chunks(list(refs), 500):
            if self._conn.dialect.name == "postgresql":
                driver: Any = self._conn.connection.dbapi_connection  # a psycopg 3 connection
                with driver.cursor() as cursor:
                    cursor.execute(f"{sql}%s AND person_ref = ANY(%s)", (source, list(chunk)), prepare=False)
                    found.update({r[0]: r[1] for r in cursor.fetchall()})
            else:
                marks = ", ".join("?" * len(chunk))
                rows = self._conn.exec_driver_sql(f"{sql}? AND person_ref IN ({marks})", (source, *chunk))
                found.update({r[0]: r[1] for r in rows})
        return found

    def source_known(self, source: str) -> bool:
        """True when some person has a reference from ``source``."""
        query = select(person_refs.c.person_id).where(person_refs.c.source == source).limit(1)
        return self._conn.execute(query).first() is not None

    def rows(self, person_ids: Sequence[str]) -> dict[str, Mapping[str, Any]]:
        """The projection rows of several persons."""
        found: dict[str, Mapping[str, Any]] = {}
        for chunk in _chunks(list(person_ids), 900):
            for r in self._conn.execute(select(persons).where(persons.c.id.in_(chunk))):
                found[r.id] = dict(r._mapping)
        return found

    def ranks(self, person_ids: Sequence[str]) -> dict[str, str]:
        """Each person's rank as written ("" none)."""
        found: dict[str, str] = {}
        for chunk in _chunks(list(person_ids), 900):
            for pid, rank in self._conn.execute(
                select(persons.c.id, persons.c.rank).where(persons.c.id.in_(chunk))
            ):
                found[pid] = rank or ""
        return found

    def rank_counts(self) -> dict[tuple[str, str], int]:
        """How many current persons of each custody have each rank, as written ("" none); read
        from the index ``ix_persons_custody_rank`` alone."""
        query = (
            select(persons.c.custody, persons.c.rank, func.count())
            .where(persons.c.merged_into.is_(None))
            .group_by(persons.c.custody, persons.c.rank)
        )
        return {(custody, rank or ""): int(n) for custody, rank, n in self._conn.execute(query)}

    def resolve(self, ref: str, *, follow_merges: bool = True) -> str:
        """The registry id a reference names.

        Args:
            ref: a registry id, ``SOURCE:person_ref``, or a bare person_ref that only
                one source uses.
            follow_merges: give the surviving record of a merge.

        Raises:
            PersonNotFound: nothing answers to ``ref``.
            AmbiguousReference: a bare person_ref used by several sources.
        """
        person_id = self._lookup(ref.strip())
        if follow_merges:
            seen = {person_id}
            while (into := self.get(person_id)["merged_into"]) is not None and into not in seen:
                seen.add(into)
                person_id = into
        return person_id

    def _lookup(self, ref: str) -> str:
        if self.exists(ref):
            return ref
        if ":" in ref:
            source, _, person_ref = ref.partition(":")
            found = self.find_refs(source, [person_ref])
            if person_ref in found:
                return found[person_ref]
        rows = self._conn.execute(
            select(person_refs.c.source, person_refs.c.person_id).where(person_refs.c.person_ref == ref)
        ).all()
        if len(rows) == 1:
            return str(rows[0].person_id)
        if len(rows) > 1:
            sources = ", ".join(sorted(f"{r.source}:{ref}" for r in rows))
            raise AmbiguousReference(f"{ref!r} is used by several sources; say which: {sources}")
        raise PersonNotFound(f"no person answers to {ref!r}")

    def scan(self, *, source: str | None = None, batch: int = 5000) -> Iterator[Mapping[str, Any]]:
        """Projection rows in registry-id order, optionally only those a source sent."""
        query = select(persons).order_by(_ordered(self._conn, persons.c.id))
        if source is not None:
            query = (
                select(persons, person_refs.c.person_ref)
                .join(person_refs, person_refs.c.person_id == persons.c.id)
                .where(person_refs.c.source == source)
                .order_by(person_refs.c.person_ref)
            )
        result = self._conn.execute(query.execution_options(stream_results=True, yield_per=batch))
        for row in result:
            yield dict(row._mapping)

    def scan_refs(self, *, by_person: bool = False, batch: int = 5000) -> Iterator[tuple[str, str, str]]:
        """Every external reference as (source, person_ref, person_id)."""
        order = (
            (_ordered(self._conn, person_refs.c.person_id), person_refs.c.source, person_refs.c.person_ref)
            if by_person
            else (person_refs.c.source, person_refs.c.person_ref)
        )
        result = self._conn.execute(
            select(person_refs).order_by(*order).execution_options(stream_results=True, yield_per=batch)
        )
        for row in result:
            yield row.source, row.person_ref, row.person_id

    def merged_into(self, person_id: str) -> list[str]:
        """The records merged into a survivor."""
        rows = self._conn.execute(
            select(persons.c.id).where(persons.c.merged_into == person_id).order_by(persons.c.id)
        )
        return [r.id for r in rows]

    def counts(self) -> dict[str, int]:
        """Current (unmerged) persons by custody and status."""
        rows = self._conn.execute(
            select(persons.c.custody, persons.c.status, func.count())
            .where(persons.c.merged_into.is_(None))
            .group_by(persons.c.custody, persons.c.status)
        )
        return {f"{r[0]}:{r[1]}": int(r[2]) for r in rows}

    def search(
        self,
        *,
        custody: str | None = None,
        status: str | None = None,
        place: str | None = None,
        surname: str | None = None,
        conflicts: bool = False,
        category: str | None = None,
        name: str | None = None,
        person_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Mapping[str, Any]]:
        """Current persons matching plain filters, in registry-id order.

        ``name`` matches a surname in any spelling the names layer reads back (its
        surname key, as tracing compares them), or a surname or given name as written;
        ``category`` ``pow`` includes an empty category, which means pow.
        """
        query = select(persons).where(persons.c.merged_into.is_(None))
        if person_id:
            query = query.where(persons.c.id == person_id)
        if category:
            same = persons.c.category == category
            query = query.where(or_(same, persons.c.category.is_(None)) if category == "pow" else same)
        if name and name.strip():
            query = query.where(_name_matches(name))
        if custody:
            query = query.where(persons.c.custody == custody)
        if status:
            query = query.where(persons.c.status == status)
        if place:
            query = query.where(persons.c.place == place)
        if surname:
            query = query.where(persons.c.surname == surname)
        if conflicts:
            query = query.where(persons.c.open_conflicts > 0)
        query = query.order_by(persons.c.id).limit(limit).offset(offset)
        return [dict(r._mapping) for r in self._conn.execute(query)]


class PlaceRepository:
    """Places of detention: camps, hospitals, transit points."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, row: Mapping[str, Any]) -> None:
        """Register a place."""
        self._conn.execute(places.insert(), [dict(row)])

    def get(self, code: str) -> Mapping[str, Any]:
        """One place by code."""
        row = self._conn.execute(select(places).where(places.c.code == code)).first()
        if row is None:
            raise PlaceNotFound(f"no place of detention {code!r}; add it with `place add`")
        return dict(row._mapping)

    def exists(self, code: str) -> bool:
        """True when a place has that code."""
        return self._conn.execute(select(places.c.code).where(places.c.code == code)).first() is not None

    def with_occupancy(self) -> list[dict[str, Any]]:
        """Every place with the number of persons there now."""
        here = (
            select(persons.c.place, func.count().label("n"))
            .where(persons.c.merged_into.is_(None))
            .group_by(persons.c.place)
            .subquery()
        )
        rows = self._conn.execute(
            select(places, func.coalesce(here.c.n, 0).label("occupants"))
            .outerjoin(here, here.c.place == places.c.code)
            .order_by(places.c.code)
        )
        return [dict(r._mapping) for r in rows]


def _name_matches(name: str) -> ColumnElement[bool]:
    """Persons one of whose words of ``name`` is the surname (any spelling, a German one's
    readings included, both ways: Koslow finds Козлов, and Козлов finds a man registered as
    Koslow by his ``a:`` keys) or a name as written."""
    from powbureau.matching.keys import alt_key
    from powbureau.names import german_surname_keys, name_scheme, surname_key

    words = [w for w in name.split() if w.strip()][:5]
    scheme = name_scheme(*words)
    keys = sorted({k for w in words for k in (surname_key(w, scheme), *german_surname_keys(w, scheme)) if k})
    written = [name.strip(), *words]
    by_key = persons.c.id.in_(select(match_profiles.c.person_id).where(match_profiles.c.surname.in_(keys)))
    by_reading = persons.c.id.in_(
        select(match_keys.c.person_id).where(match_keys.c.key.in_([alt_key(k) for k in keys]))
    )
    return or_(by_key, by_reading, persons.c.surname.in_(written), persons.c.given_name.in_(written))


def _ordered(conn: Connection, column: Any) -> Any:
    """Order registry ids byte-wise on every database, as Python compares them."""
    return column.collate("C") if conn.dialect.name == "postgresql" else column


_EVENT_COLUMNS = [c.name for c in events.columns]


def _event_tuple(e: Event) -> tuple[Any, ...]:
    return (
        e.id,
        e.person_id,
        e.kind,
        e.occurred_on,
        e.place,
        e.recorded_at,
        e.recorded_by,
        e.source,
        e.payload,
        e.corrects,
        e.prev_hash,
        e.hash,
    )
