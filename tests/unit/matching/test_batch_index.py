"""Speed without a second matcher: a batch of queries through a memo, and the comparisons spelled
out, give exactly what the engine gives one query at a time."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from powbureau.matching import (
    BatchCandidateIndex,
    MemoryCandidateIndex,
    Profile,
    TraceQuery,
    compare_all,
    find_candidates,
    profile_from_fields,
)
from powbureau.matching.compare import COMPARISONS

SURNAMES = [
    "Коваленко",
    "Kovalenko",
    "КОВАЛЕНКО",
    "Шевченко",
    "Shevchenko",
    "Бондаренко",
    "Мельник",
    "Мельникова",
]
GIVEN = ["Дмитро", "Дмитрий", "Dima", "Олександр", "Саша", "Сергій", "Sergei", ""]
FATHERS = ["Сергійович", "Сергеевич", "Petrovich", "Іванович", ""]


def people(n: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        year = rng.randrange(1985, 1992)
        out.append(
            {
                "surname": rng.choice(SURNAMES),
                "given_name": rng.choice(GIVEN),
                "patronymic": rng.choice(FATHERS),
                "birth_date": rng.choice(
                    ["", str(year), f"{year}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 9)}"]
                ),
                "unit": rng.choice(["", "в/ч 12345", "military unit 54321"]),
                "service_number": rng.choice(["", "АБ-123456", "AB 123457"]),
                "mother_name": rng.choice(["", "Ганна", "Анна Петренко"]),
                "captured_on": rng.choice(["", "2024-05", "2023-01-02"]),
                "capture_place": rng.choice(["", "Бахмут", "Kupiansk"]),
            }
        )
    return out


def registry(n: int = 400) -> list[Profile]:
    return [
        profile_from_fields(f, person_id=f"P{i:04d}", custody="ours" if i % 3 else "own")
        for i, f in enumerate(people(n, seed=1))
    ]


class CountingIndex(MemoryCandidateIndex):
    """Counts how many profiles were fetched; leaves unknown ids out, as the database does."""

    def __init__(self, profiles: Iterable[Profile]) -> None:
        super().__init__(profiles)
        self.fetched = 0

    def _profiles(self, ids: Sequence[str]) -> list[Profile]:
        self.fetched += len(ids)
        return super()._profiles([i for i in ids if i in self._by_id])


def test_a_batch_through_the_memo_gets_exactly_what_each_query_gets_alone() -> None:
    stored = registry()
    queries = [
        TraceQuery(**{k: v or None for k, v in f.items() if k in TraceQuery.__dataclass_fields__})
        for f in people(120, seed=2)
    ]
    alone = MemoryCandidateIndex(stored)
    inner = CountingIndex(stored)
    batch = BatchCandidateIndex(inner, max_profiles=150)  # small: the memo is emptied on the way
    for custody in ("ours", "own"):
        for q in queries:
            if q.is_empty():
                continue
            assert find_candidates(q, index=batch, custody=custody, top=10) == find_candidates(
                q, index=alone, custody=custody, top=10
            )
    plain = CountingIndex(stored)
    for custody in ("ours", "own"):
        for q in queries:
            if not q.is_empty():
                find_candidates(q, index=plain, custody=custody, top=10)
    assert 0 < inner.fetched < plain.fetched  # namesakes offered again are not fetched again


def test_unknown_ids_are_left_out_and_not_asked_for_again() -> None:
    inner = CountingIndex(registry(10))
    batch = BatchCandidateIndex(inner)
    assert [p.person_id for p in batch._profiles(["P0001", "NOPE", "P0002"])] == ["P0001", "P0002"]
    assert [p.person_id for p in batch._profiles(["NOPE", "P0002"])] == ["P0002"]
    assert inner.fetched == 3
    assert batch.population("ours") == inner.population("ours")


def test_the_comparisons_spelled_out_are_those_of_the_table() -> None:
    profiles = registry(150)
    for q in profiles[:40]:
        for r in profiles:
            for inquiry in (True, False):
                expected = tuple(fn(q, r, inquiry) for _, _, fn in COMPARISONS)
                assert compare_all(q, r, inquiry=inquiry) == expected
