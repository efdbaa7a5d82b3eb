"""Tracing's index in the database: each person's comparison values and candidate keys.

``match_profiles`` holds one row of normalised comparison values per current person
(:class:`powbureau.matching.Profile`) and ``match_keys`` the candidate keys he is
stored under, with his custody. Both are derived from the persons projection and are
written in the same transaction as it (bulk intake, :meth:`PersonRepository.add` and
``save``), so a fresh process or a running server reads what was committed, never a
stale copy. Merged-away records have no rows: they are never candidates.

:class:`SqlCandidateIndex` is the SQLite/PostgreSQL backend of
:class:`powbureau.matching.CandidateIndex`. Its only cache (the number of persons, given-name,
surname and unit frequencies) is keyed by the event chain's head, which every change moves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, func, inspect, select, tuple_

from powbureau.domain.lifecycle import PersonState
from powbureau.domain.people import IDENTITY_FIELDS
from powbureau.matching import (
    PROFILE_COLUMNS,
    CandidateIndex,
    Profile,
    profile_from_fields,
    profile_from_row,
    profile_row,
    registry_keys,
)
from powbureau.matching.index import unit_totals
from powbureau.matching.keys import PAIR_KEYS, alt_key
from powbureau.matching.profile import unit_number_keys
from powbureau.store.bulk import chunks, insert_many, sorting_threads
from powbureau.store.tables import chain_head, match_keys, match_profiles, person_refs, persons

__all__ = [
    "MatchIndex",
    "MatchRows",
    "SqlCandidateIndex",
    "match_rows",
    "rebuild_match_index",
    "row_match_rows",
    "state_match_rows",
]

#: (profile row or None for a merged-away record, key rows (key, custody, person_id))
MatchRows = tuple[tuple[str, ...] | None, list[tuple[str, str, str]]]
_IN_CHUNK = 500
_STAGED = "staged_match_keys"
_DERIVED_REF = "#"


def match_rows(person_id: str, custody: str, fields: Mapping[str, Any], merged_into: str | None) -> MatchRows:
    """The rows a person contributes to the match tables (none once merged away)."""
    if merged_into is not None:
        return None, []
    profile = profile_from_fields(fields, person_id=person_id, custody=custody)
    return profile_row(profile), [(k, custody, person_id) for k in registry_keys(profile)]


def state_match_rows(state: PersonState) -> MatchRows:
    """:func:`match_rows` of a person's state."""
    return match_rows(state.person_id, state.custody.value, state.fields, state.merged_into)


def row_match_rows(row: Mapping[str, Any]) -> MatchRows:
    """:func:`match_rows` of a ``persons`` projection row."""
    fields = {name: row[name] for name in IDENTITY_FIELDS}
    return match_rows(str(row["id"]), str(row["custody"]), fields, row["merged_into"])


class MatchIndex:
    """Reads and writes the match tables on one connection (never commits)."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._staged = False

    # -- writing -------------------------------------------------------------------

    def add_rows(self, profiles: Sequence[tuple[str, ...]], keys: Sequence[tuple[str, str, str]]) -> None:
        """Insert prepared profile and key rows (see :func:`match_rows`)."""
        insert_many(self._conn, match_profiles, profiles)
        if self._staged:
            if keys:
                self._conn.exec_driver_sql(f"INSERT INTO temp.{_STAGED} VALUES (?, ?, ?)", list(keys))
            return
        insert_many(self._conn, match_keys, sorted(keys))

    def stage_keys(self) -> None:
        """SQLite: hold the key rows added from now on in a temporary table, until
        :meth:`write_staged_keys` writes them to ``match_keys`` in key order.

        For bulk intake into a small registry: keys fall all over the table, and once it
        outgrows the page cache each one inserted at its place costs a page read and write
        (4 million keys: 19 s of CPU), where appending them and sorting once costs 8.5 s.
        Nothing reads the keys before they are written (the import's unit of work only adds);
        the temporary table vanishes with the connection if the import fails or dies.
        """
        if self._conn.dialect.name != "sqlite":
            return
        self._conn.exec_driver_sql(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGED} (key TEXT, custody TEXT, person_id TEXT)"
        )
        self._conn.exec_driver_sql(f"DELETE FROM temp.{_STAGED}")
        self._staged = True

    def write_staged_keys(self) -> None:
        """Write the staged key rows to ``match_keys``, sorted once (SQLite may sort on two threads)."""
        if not self._staged:
            return
        self._staged = False
        with sorting_threads(self._conn):
            self._conn.exec_driver_sql(
                f'INSERT INTO match_keys ("key", custody, person_id) SELECT key, custody, person_id '
                f"FROM temp.{_STAGED} ORDER BY key, custody, person_id"
            )
        self._conn.exec_driver_sql(f"DROP TABLE temp.{_STAGED}")

    def add(self, states: Iterable[PersonState]) -> None:
        """Index new persons."""
        profiles: list[tuple[str, ...]] = []
        keys: list[tuple[str, str, str]] = []
        for state in states:
            profile, rows = state_match_rows(state)
            if profile is not None:
                profiles.append(profile)
                keys.extend(rows)
        self.add_rows(profiles, keys)

    def replace(self, state: PersonState) -> None:
        """Bring a changed person's rows up to date (nothing is written if they did not change)."""
        new_profile, new_keys = state_match_rows(state)
        old = self._stored_profile(state.person_id)
        if old == new_profile:
            return
        if old is not None:
            old_keys = [(k, old[1], old[0]) for k in registry_keys(profile_from_row(old))]
            for chunk in chunks(old_keys, _IN_CHUNK):
                self._conn.execute(
                    delete(match_keys).where(
                        tuple_(match_keys.c.key, match_keys.c.custody, match_keys.c.person_id).in_(chunk)
                    )
                )
            self._conn.execute(delete(match_profiles).where(match_profiles.c.person_id == state.person_id))
        if new_profile is not None:
            self.add_rows([new_profile], new_keys)

    def _stored_profile(self, person_id: str) -> tuple[str, ...] | None:
        row = self._conn.execute(
            select(*(match_profiles.c[c] for c in PROFILE_COLUMNS)).where(
                match_profiles.c.person_id == person_id
            )
        ).first()
        return None if row is None else tuple(row)

    # -- reading -------------------------------------------------------------------

    def lookup(self, keys: Sequence[str], custody: str) -> set[str]:
        """Ids of persons of ``custody`` stored under any of ``keys``."""
        found: set[str] = set()
        for chunk in chunks(sorted(set(keys)), _IN_CHUNK):
            member, values = self._member("key", chunk)
            sql = f"SELECT person_id FROM match_keys WHERE custody = {self._mark} AND {member}"
            found.update(self._conn.exec_driver_sql(sql, (custody, *values)).scalars())
        return found

    def prefixed(self, prefixes: Sequence[str], custody: str) -> list[tuple[str, str]]:
        """Every (key, person id) of ``custody`` whose key starts with one of ``prefixes``.

        A range of the primary key: keys compare byte-wise (code point order) on both
        databases (the ``C`` collation on PostgreSQL, migration 0011).
        """
        found: list[tuple[str, str]] = []
        mark = self._mark
        sql = (
            f"SELECT key, person_id FROM match_keys WHERE key >= {mark} AND key < {mark} AND custody = {mark}"
        )
        for prefix in sorted(set(prefixes)):
            if not prefix:
                raise ValueError("an empty prefix would read every key")
            upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            found.extend(tuple(row) for row in self._conn.exec_driver_sql(sql, (prefix, upper, custody)))
        return found

    def by_surname(self, surname: str, custody: str, limit: int) -> list[str]:
        """Up to ``limit`` ids of persons of ``custody`` with this surname key or with it among
        their German readings (their ``a:`` keys, few), lowest first."""
        rows = self._conn.execute(
            select(match_profiles.c.person_id)
            .where(and_(match_profiles.c.custody == custody, match_profiles.c.surname == surname))
            .order_by(_ordered(self._conn, match_profiles.c.person_id))
            .limit(limit)
        )
        ids = [r[0] for r in rows]
        readers = self.lookup([alt_key(surname)], custody) if surname else set()
        return sorted(readers.union(ids))[:limit] if readers else ids

    def profiles(self, ids: Sequence[str]) -> list[Profile]:
        """Stored profiles of these ids, in the order given (unknown ids left out)."""
        found: dict[str, Profile] = {}
        columns = ", ".join(PROFILE_COLUMNS)
        for chunk in chunks(list(ids), _IN_CHUNK):
            member, values = self._member("person_id", chunk)
            sql = f"SELECT {columns} FROM match_profiles WHERE {member}"
            for row in self._conn.exec_driver_sql(sql, values):
                found[row[0]] = profile_from_row(tuple(row))
        return [found[i] for i in ids if i in found]

    @property
    def _mark(self) -> str:
        """The driver's parameter marker."""
        return "%s" if self._conn.dialect.name == "postgresql" else "?"

    def _member(self, column: str, values: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        """``column`` is one of ``values``, as the driver's own SQL and its parameters.

        Look-ups bring hundreds or thousands of keys and ids: building SQLAlchemy's IN list
        for them cost more than the index look-ups themselves.
        """
        if self._conn.dialect.name == "postgresql":
            return f"{column} = ANY(%s)", (list(values),)
        return f"{column} IN ({', '.join('?' * len(values))})", tuple(values)

    def surname_count(self, surname: str, custody: str) -> int:
        """How many persons of ``custody`` have this surname key."""
        query = select(func.count()).where(
            and_(match_profiles.c.custody == custody, match_profiles.c.surname == surname)
        )
        return int(self._conn.execute(query).scalar_one())

    def unit_counts(self, units: Sequence[str], custody: str) -> dict[str, int]:
        """How many persons of ``custody`` have each of these unit keys (those with none
        left out): one grouped count over the ``(custody, unit)`` index (migration 0018)."""
        member, values = self._member("unit", sorted(set(units)))
        sql = (
            f"SELECT unit, COUNT(*) FROM match_profiles WHERE custody = {self._mark} AND {member} "
            "GROUP BY unit"
        )
        return {str(unit): int(n) for unit, n in self._conn.exec_driver_sql(sql, (custody, *values))}

    def population(self, custody: str) -> int:
        """How many current persons of ``custody`` are indexed."""
        query = select(func.count()).where(match_profiles.c.custody == custody)
        return int(self._conn.execute(query).scalar_one())

    def count_prefixed(self, prefix: str, custody: str) -> int:
        """How many keys of ``custody`` start with ``prefix`` (a range of the primary key)."""
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        mark = self._mark
        sql = f"SELECT COUNT(*) FROM match_keys WHERE key >= {mark} AND key < {mark} AND custody = {mark}"
        return int(self._conn.exec_driver_sql(sql, (prefix, upper, custody)).scalar_one())

    def external_refs(self, ids: Sequence[str]) -> dict[str, str]:
        """Each person's external id: his first (source, person_ref) that a sender gave."""
        found: dict[str, tuple[str, str]] = {}
        for chunk in chunks(list(ids), _IN_CHUNK):
            rows = self._conn.execute(
                select(person_refs.c.person_id, person_refs.c.source, person_refs.c.person_ref).where(
                    person_refs.c.person_id.in_(chunk)
                )
            )
            for person_id, source, ref in rows:
                if ref.startswith(_DERIVED_REF):
                    continue
                if person_id not in found or (source, ref) < found[person_id]:
                    found[person_id] = (source, ref)
        return {p: ref for p, (_s, ref) in found.items()}

    def candidate_index(self) -> SqlCandidateIndex:
        """The candidate index of this connection, for :func:`powbureau.matching.find_candidates`."""
        return SqlCandidateIndex(self._conn)

    def head(self) -> tuple[int, str]:
        """The event chain's head: it moves with every change to the registry."""
        row = self._conn.execute(select(chain_head.c.last_id, chain_head.c.last_hash)).one()
        return int(row[0]), str(row[1])

    # -- verifying -----------------------------------------------------------------

    def scan_profiles(self, batch: int = 5000) -> Iterator[tuple[str, ...]]:
        """Every stored profile row, by person id."""
        columns = [match_profiles.c[c] for c in PROFILE_COLUMNS]
        query = select(*columns).order_by(_ordered(self._conn, match_profiles.c.person_id))
        result = self._conn.execute(query.execution_options(stream_results=True, yield_per=batch))
        for row in result:
            yield tuple(row)

    def scan_keys(self, batch: int = 20000) -> Iterator[tuple[str, str, str]]:
        """Every stored key as (person_id, key, custody), by person id then key."""
        query = select(match_keys.c.person_id, match_keys.c.key, match_keys.c.custody).order_by(
            _ordered(self._conn, match_keys.c.person_id), match_keys.c.key, match_keys.c.custody
        )
        result = self._conn.execute(query.execution_options(stream_results=True, yield_per=batch))
        for row in result:
            yield row[0], row[1], row[2]


def _ordered(conn: Connection, column: Any) -> Any:
    """Order registry ids byte-wise on every database, as Python compares them."""
    return column.collate("C") if conn.dialect.name == "postgresql" else column


def rebuild_match_index(connection: Connection) -> int:
    """Recompute both match tables from the persons projection; returns the persons indexed.

    Nothing is done (0 is returned) while ``match_profiles`` lacks a column of today's
    profile: an older migration's rebuild, which the migration adding that column repeats.
    """
    stored = {c["name"] for c in inspect(connection).get_columns(match_profiles.name)}
    if not stored.issuperset(PROFILE_COLUMNS):
        return 0
    connection.execute(delete(match_keys))
    connection.execute(delete(match_profiles))
    index = MatchIndex(connection)
    # Options on the statement: Connection.execution_options() changes the connection itself, and a
    # stream_results left on it makes PostgreSQL reject alembic's next UPDATE (DECLARE ... CURSOR).
    result = connection.execute(select(persons).execution_options(stream_results=True, yield_per=5000))
    done = 0
    profiles: list[tuple[str, ...]] = []
    keys: list[tuple[str, str, str]] = []
    for row in result:
        profile, rows = row_match_rows(dict(row._mapping))
        if profile is None:
            continue
        profiles.append(profile)
        keys.extend(rows)
        if len(profiles) >= 5000:
            index.add_rows(profiles, keys)
            done += len(profiles)
            profiles, keys = [], []
    index.add_rows(profiles, keys)
    return done + len(profiles)


class _Statistics:
    """Population, surname and given-name counts of one registry state (one chain head)."""

    def __init__(self, head: tuple[int, str]) -> None:
        self.head = head
        self.population: dict[str, int] = {}
        self.surnames: dict[tuple[str, str], int] = {}
        self.dated: dict[str, int] = {}
        self.given: dict[tuple[str, str], int] = {}
        self.units: dict[tuple[str, str], tuple[int, int]] = {}


_STATISTICS: dict[str, _Statistics] = {}
_MAX_SURNAMES = 200_000


class SqlCandidateIndex(CandidateIndex):
    """The SQLite/PostgreSQL candidate index of one open connection (one unit of work)."""

    def __init__(self, connection: Connection) -> None:
        self._index = MatchIndex(connection)
        registry = connection.engine.url.render_as_string(hide_password=True)
        head = self._index.head()
        stats = _STATISTICS.get(registry)
        if stats is None or stats.head != head:
            stats = _STATISTICS[registry] = _Statistics(head)
        self._stats = stats

    def population(self, custody: str) -> int:
        count = self._stats.population.get(custody)
        if count is None:
            count = self._stats.population[custody] = self._index.population(custody)
        return count

    def dated_pairs(self, custody: str) -> int:
        count = self._stats.dated.get(custody)
        if count is None:
            count = self._stats.dated[custody] = self._index.count_prefixed(PAIR_KEYS, custody)
        return count

    def _surname_count(self, surname: str, custody: str) -> int:
        count = self._stats.surnames.get((surname, custody))
        if count is None:
            count = self._index.surname_count(surname, custody)
            if len(self._stats.surnames) < _MAX_SURNAMES:
                self._stats.surnames[(surname, custody)] = count
        return count

    def _given_count(self, given: str, custody: str) -> int:
        count = self._stats.given.get((given, custody))
        if count is None:
            count = self._index.count_prefixed(f"{PAIR_KEYS}{given}|", custody)
            if len(self._stats.given) < _MAX_SURNAMES:
                self._stats.given[(given, custody)] = count
        return count

    def _unit_counts(self, unit: str, custody: str) -> tuple[int, int]:
        counts = self._stats.units.get((unit, custody))
        if counts is None:
            counts = unit_totals(unit, self._index.unit_counts(unit_number_keys(unit), custody))
            if len(self._stats.units) < _MAX_SURNAMES:
                self._stats.units[(unit, custody)] = counts
        return counts

    def _lookup(self, keys: Sequence[str], custody: str) -> Iterable[str]:
        return self._index.lookup(keys, custody)

    def _prefixed(self, prefixes: Sequence[str], custody: str) -> Iterable[tuple[str, str]]:
        return self._index.prefixed(prefixes, custody)

    def _by_surname(self, surname: str, custody: str, limit: int) -> Iterable[str]:
        return self._index.by_surname(surname, custody, limit)

    def _profiles(self, ids: Sequence[str]) -> list[Profile]:
        return self._index.profiles(ids)

    def external_refs(self, ids: Sequence[str]) -> dict[str, str]:
        """Each person's external id (see :meth:`MatchIndex.external_refs`)."""
        return self._index.external_refs(ids)
