"""Where candidates come from: the stored keys, behind one interface.

:class:`CandidateIndex` plays the part of Splink's database backend: the engine asks
it for the profiles stored under an inquiry's keys, for the registry's frequency of a
surname and for the number of persons matched against. ``store/match_index.py`` is
the SQL implementation (SQLite and PostgreSQL); :class:`MemoryCandidateIndex` is a
test double holding profiles in a dict, as httpx ships ``MockTransport``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import final

from powbureau.matching.keys import PAIR_KEYS, KeyQuery, key_query, pair_prefix, registry_keys
from powbureau.matching.profile import Profile, unit_number_keys

__all__ = ["SURNAME_ONLY_LIMIT", "BatchCandidateIndex", "CandidateIndex", "MemoryCandidateIndex"]

#: At most this many namesakes are scored when an inquiry gives nothing but a surname
#: (or nothing its keys can find): the lowest registry ids, so the answer is stable.
SURNAME_ONLY_LIMIT = 2000


class CandidateIndex(ABC):
    """The registered persons' profiles, looked up by candidate key."""

    @final
    def candidates(self, query: Profile, custody: str) -> list[Profile]:
        """The profiles of everyone stored under one of the inquiry's keys, by registry id.

        When the keys find nobody (or the inquiry has no given name), the persons with
        the inquiry's surname (any of its readings, or it among their German readings: a
        Cyrillic Козлов finds Koslow) are taken instead, up to :data:`SURNAME_ONLY_LIMIT`
        of them, lowest registry ids first.
        """
        plan = key_query(query)
        ids = self._keyed_ids(plan, custody)
        if query.surname and (not ids or not query.given):
            namesakes: set[str] = set()
            for surname in (query.surname, *query.surname_alt):
                namesakes.update(self._by_surname(surname, custody, SURNAME_ONLY_LIMIT))
            ids.update(sorted(namesakes)[:SURNAME_ONLY_LIMIT])
        ids.update(self._lookup(plan.given_less, custody))
        return self._profiles(sorted(ids))

    @final
    def candidate_ids(self, query: Profile, custody: str) -> set[str]:
        """The ids of persons of ``custody`` the inquiry's keys find (:class:`KeyQuery`)."""
        plan = key_query(query)
        return self._keyed_ids(plan, custody) | set(self._lookup(plan.given_less, custody))

    def _keyed_ids(self, plan: KeyQuery, custody: str) -> set[str]:
        """Who the inquiry's keys find, the men registered without a given name left out."""
        ids = set(self._lookup(plan.exact, custody))
        if plan.year_prefixes:
            admitted: dict[str, bool] = {}  # a common surname repeats the same few given names
            for key, person_id in self._prefixed(plan.year_prefixes, custody):
                given = key.rpartition("|")[2]
                ok = admitted.get(given)
                if ok is None:
                    ok = admitted[given] = plan.admits_given(given)
                if ok:
                    ids.add(person_id)
        return ids

    @final
    def pair_count(self, given: Iterable[str], fathers: Iterable[str], custody: str) -> int:
        """How many persons of ``custody`` with a birth year have one of these given-name ids
        and one of these father's-name ids (their ``p:`` keys, a range each)."""
        prefixes = [pair_prefix(g, f) for g in sorted(set(given)) for f in sorted(set(fathers))]
        return len({person_id for _key, person_id in self._prefixed(prefixes, custody)}) if prefixes else 0

    @final
    def pair_year_count(self, given: Iterable[str], fathers: Iterable[str], year: str, custody: str) -> int:
        """How many persons of ``custody`` born in ``year`` have one of these given-name ids
        and one of these father's-name ids (their ``p:`` keys, looked up exactly)."""
        keys = [f"{pair_prefix(g, f)}{year}" for g in sorted(set(given)) for f in sorted(set(fathers))]
        return len(set(self._lookup(keys, custody))) if keys and year else 0

    @final
    def given_year_counts(self, given: Iterable[str], custody: str) -> Counter[str]:
        """How many ``p:`` keys of ``custody`` with one of these given-name ids there are, by
        birth year: its dated men, once per father's-name id (a range per id, as long as the
        name is common; read by reconciliation's names rule only)."""
        prefixes = [f"{PAIR_KEYS}{g}|" for g in sorted(set(given))]
        return Counter(key.rpartition("|")[2] for key, _id in self._prefixed(prefixes, custody))

    @final
    def surname_count(self, surname: str, custody: str) -> int:
        """How many current persons of ``custody`` have this surname key."""
        return self._surname_count(surname, custody) if surname else 0

    @final
    def name_surname_count(self, profile: Profile, custody: str) -> int:
        """How many current persons of ``custody`` bear the surname of ``profile``, read as its
        most common reading when it has several (Koslow: Кослов, Козлов): the weaker
        evidence, for the engine's term frequency and reconciliation's namesake odds alike."""
        return max(self.surname_count(x, custody) for x in (profile.surname, *profile.surname_alt))

    @final
    def given_count(self, given: str, custody: str) -> int:
        """How many ``p:`` keys of ``custody`` have this given-name id: its dated men, once
        per father's-name id. Over :meth:`dated_pairs`, the given name's frequency."""
        return self._given_count(given, custody) if given else 0

    @final
    def unit_counts(self, unit: str, custody: str) -> tuple[int, int]:
        """How many current persons of ``custody`` have this unit key, and how many have its
        number under any kind (:func:`.unit_number_keys`): the term frequencies of the unit
        comparison's ``exact`` and ``number`` levels. One grouped count."""
        return self._unit_counts(unit, custody) if unit else (0, 0)

    @abstractmethod
    def population(self, custody: str) -> int:
        """How many current persons of ``custody`` there are."""

    @abstractmethod
    def dated_pairs(self, custody: str) -> int:
        """How many ``p:`` keys ``custody`` has: its dated men, once per pair of first-name ids."""

    @abstractmethod
    def _lookup(self, keys: Sequence[str], custody: str) -> Iterable[str]:
        """The ids of persons of ``custody`` stored under any of ``keys``."""

    @abstractmethod
    def _prefixed(self, prefixes: Sequence[str], custody: str) -> Iterable[tuple[str, str]]:
        """Every (key, person id) of ``custody`` whose key starts with one of ``prefixes``."""

    @abstractmethod
    def _by_surname(self, surname: str, custody: str, limit: int) -> Iterable[str]:
        """Up to ``limit`` ids, lowest first, of persons of ``custody`` with this surname key
        or with it among their German readings (``surname_alt``, stored as ``a:`` keys)."""

    @abstractmethod
    def _profiles(self, ids: Sequence[str]) -> list[Profile]:
        """The stored profiles of these ids, in the order given."""

    @abstractmethod
    def _surname_count(self, surname: str, custody: str) -> int:
        """How many persons of ``custody`` have this surname key."""

    @abstractmethod
    def _given_count(self, given: str, custody: str) -> int:
        """How many ``p:`` keys of ``custody`` start with this given-name id."""

    @abstractmethod
    def _unit_counts(self, unit: str, custody: str) -> tuple[int, int]:
        """How many persons of ``custody`` have this unit key, and its number under any kind."""


def unit_totals(unit: str, counts: Mapping[str, int]) -> tuple[int, int]:
    """(persons with ``unit``, persons with its number under any kind) from the counts of
    :func:`.unit_number_keys`, for the backends of :meth:`CandidateIndex.unit_counts`."""
    return counts.get(unit, 0), sum(counts.get(key, 0) for key in unit_number_keys(unit))


class MemoryCandidateIndex(CandidateIndex):
    """Profiles held in memory (tests, small experiments)."""

    def __init__(self, profiles: Iterable[Profile] = ()) -> None:
        self._by_id: dict[str, Profile] = {}
        self._keys: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._surnames: Counter[tuple[str, str]] = Counter()
        self._units: Counter[tuple[str, str]] = Counter()
        for profile in profiles:
            self.add(profile)

    def add(self, profile: Profile) -> None:
        """Store (or replace) one person's profile under its keys."""
        self.remove(profile.person_id)
        self._by_id[profile.person_id] = profile
        for key in registry_keys(profile):
            self._keys[(key, profile.custody)].add(profile.person_id)
        self._surnames[(profile.surname, profile.custody)] += 1
        self._units[(profile.unit, profile.custody)] += 1

    def remove(self, person_id: str) -> None:
        """Forget a person (merged away, for instance)."""
        old = self._by_id.pop(person_id, None)
        if old is None:
            return
        for key in registry_keys(old):
            self._keys[(key, old.custody)].discard(person_id)
        self._surnames[(old.surname, old.custody)] -= 1
        self._units[(old.unit, old.custody)] -= 1

    def population(self, custody: str) -> int:
        return sum(1 for p in self._by_id.values() if p.custody == custody)

    def dated_pairs(self, custody: str) -> int:
        return self._count_prefixed(PAIR_KEYS, custody)

    def _count_prefixed(self, prefix: str, custody: str) -> int:
        keys = self._keys.items()
        return sum(len(ids) for (key, c), ids in keys if c == custody and key.startswith(prefix))

    def _lookup(self, keys: Sequence[str], custody: str) -> Iterable[str]:
        found: set[str] = set()
        for key in keys:
            found |= self._keys.get((key, custody), set())
        return found

    def _prefixed(self, prefixes: Sequence[str], custody: str) -> Iterable[tuple[str, str]]:
        return [
            (key, person_id)
            for (key, c), ids in self._keys.items()
            if c == custody and key.startswith(tuple(prefixes))
            for person_id in ids
        ]

    def _by_surname(self, surname: str, custody: str, limit: int) -> Iterable[str]:
        found = (
            p.person_id
            for p in self._by_id.values()
            if p.custody == custody and (p.surname == surname or surname in p.surname_alt)
        )
        return sorted(found)[:limit]

    def _profiles(self, ids: Sequence[str]) -> list[Profile]:
        return [self._by_id[i] for i in ids]

    def _surname_count(self, surname: str, custody: str) -> int:
        return self._surnames[(surname, custody)]

    def _given_count(self, given: str, custody: str) -> int:
        return self._count_prefixed(f"{PAIR_KEYS}{given}|", custody)

    def _unit_counts(self, unit: str, custody: str) -> tuple[int, int]:
        return unit_totals(unit, {key: self._units[(key, custody)] for key in unit_number_keys(unit)})


class BatchCandidateIndex(CandidateIndex):
    """Another index seen through a memo, for many queries against one registry state.

    Queries about men with the same common surname are offered the same hundreds of
    namesakes; their profiles are fetched once. Only use it inside one read transaction
    (one unit of work), where the registry cannot change: it never looks again. The memo
    of profiles is emptied when it holds ``max_profiles``, so memory stays bounded; put
    queries with the same surname next to each other to get the most from it.
    """

    def __init__(self, inner: CandidateIndex, *, max_profiles: int = 50_000) -> None:
        self._inner = inner
        self._max = max_profiles
        self._held: dict[str, Profile | None] = {}
        self._population: dict[str, int] = {}
        self._counts: dict[tuple[str, str], int] = {}
        self._dated: dict[str, int] = {}
        self._given: dict[tuple[str, str], int] = {}
        self._units: dict[tuple[str, str], tuple[int, int]] = {}

    def population(self, custody: str) -> int:
        if custody not in self._population:
            self._population[custody] = self._inner.population(custody)
        return self._population[custody]

    def dated_pairs(self, custody: str) -> int:
        if custody not in self._dated:
            self._dated[custody] = self._inner.dated_pairs(custody)
        return self._dated[custody]

    def _lookup(self, keys: Sequence[str], custody: str) -> Iterable[str]:
        return self._inner._lookup(keys, custody)

    def _prefixed(self, prefixes: Sequence[str], custody: str) -> Iterable[tuple[str, str]]:
        return self._inner._prefixed(prefixes, custody)

    def _by_surname(self, surname: str, custody: str, limit: int) -> Iterable[str]:
        return self._inner._by_surname(surname, custody, limit)

    def _profiles(self, ids: Sequence[str]) -> list[Profile]:
        held = self._held
        wanted = [i for i in ids if i not in held]
        if wanted:
            if len(held) + len(wanted) > self._max:
                held.clear()
                wanted = list(ids)
            fetched = {p.person_id: p for p in self._inner._profiles(wanted)}
            for i in wanted:
                held[i] = fetched.get(i)
        return [p for p in (held[i] for i in ids) if p is not None]

    def _surname_count(self, surname: str, custody: str) -> int:
        key = (surname, custody)
        if key not in self._counts:
            self._counts[key] = self._inner.surname_count(surname, custody)
        return self._counts[key]

    def _given_count(self, given: str, custody: str) -> int:
        key = (given, custody)
        if key not in self._given:
            self._given[key] = self._inner.given_count(given, custody)
        return self._given[key]

    def _unit_counts(self, unit: str, custody: str) -> tuple[int, int]:
        key = (unit, custody)
        if key not in self._units:
            self._units[key] = self._inner.unit_counts(unit, custody)
        return self._units[key]
