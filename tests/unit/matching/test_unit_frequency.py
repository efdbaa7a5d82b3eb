"""The unit weighed by its size in the registry (session 8), and the namesake guard's unit anchor."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest

from powbureau.matching import (
    FieldComparison,
    MatchSettings,
    MemoryCandidateIndex,
    Profile,
    Scorer,
    TraceQuery,
    default_settings,
    find_candidates,
    profile_from_fields,
)
from powbureau.matching.profile import unit_number_keys

SETTINGS = default_settings()
SCORER = Scorer(SETTINGS)
EXACT = SETTINGS.comparison("unit").level("exact")
NUMBER = SETTINGS.comparison("unit").level("number")


def with_unit(**changes: Any) -> MatchSettings:
    """The packaged settings with the unit comparison changed."""
    comparisons = tuple(replace(c, **changes) if c.name == "unit" else c for c in SETTINGS.comparisons)
    return replace(SETTINGS, comparisons=comparisons)


def expected(m: float, count: int, u: float, population: int) -> float:
    """Splink's term-frequency weight, the count smoothed towards the trained u."""
    prior = SETTINGS.tf_prior_count
    return math.log2(m / ((count + prior * u) / (population + prior)))


@pytest.mark.parametrize(
    ("exact", "number", "population"),
    [
        (1, 1, 100_000),  # a detachment of one registered man
        (5, 5, 100_000),  # a regiment of the synthetic registry
        (67, 67, 100_000),  # a military unit (в/ч) of it
        (670, 700, 1_000_000),  # the same at 1M
        (5_000, 5_000, 100_000),  # a division holding one registered man in twenty
        (20, 900, 100_000),  # its number is shared by other kinds of unit
    ],
)
def test_an_agreeing_unit_weighs_by_its_share_of_the_registry(
    exact: int, number: int, population: int
) -> None:
    frequencies = SCORER.unit_frequencies(exact, number, population)
    assert SCORER.unit_weight(frequencies, "exact") == pytest.approx(
        max(expected(EXACT.m, exact, EXACT.u, population), expected(NUMBER.m, number, NUMBER.u, population))
    )
    assert SCORER.unit_weight(frequencies, "number") == pytest.approx(
        expected(NUMBER.m, number, NUMBER.u, population)
    )
    # the kind differing says less than the kind agreeing
    assert SCORER.unit_weight(frequencies, "number") < SCORER.unit_weight(frequencies, "exact")


@pytest.mark.parametrize(
    ("small", "large"),
    [((1, 1), (2, 2)), ((5, 5), (67, 67)), ((67, 67), (5_000, 5_000)), ((20, 20), (20, 900))],
)
def test_a_smaller_unit_weighs_more(small: tuple[int, int], large: tuple[int, int]) -> None:
    for level in ("exact", "number"):
        a = SCORER.unit_weight(SCORER.unit_frequencies(*small, 100_000), level)
        b = SCORER.unit_weight(SCORER.unit_frequencies(*large, 100_000), level)
        assert a > b or (level == "exact" and small[0] == large[0] and a == b)


def test_a_small_registry_cannot_make_a_unit_rare() -> None:
    """Smoothed as the surname is: the one man of ten in a unit is one in ten, not one in a
    million, however few the registered are (``tf_prior_count`` more are counted at the
    trained u)."""
    few = SCORER.unit_weight(SCORER.unit_frequencies(1, 1, 10), "exact")
    many = SCORER.unit_weight(SCORER.unit_frequencies(1, 1, 100_000), "exact")
    assert few == pytest.approx(expected(EXACT.m, 1, EXACT.u, 10)) and few < EXACT.weight < many


@pytest.mark.parametrize(
    ("floor", "most"),
    [
        (0.0, expected(EXACT.m, 1, EXACT.u, 1_000_000)),  # the smoothing alone: 19.8 bits
        (1e-4, math.log2(EXACT.m / 1e-4)),  # 13.2
        (EXACT.u, EXACT.weight),  # never more than the trained average: 11.6
    ],
)
def test_the_floor_on_u_bounds_the_weight_of_a_rare_unit(floor: float, most: float) -> None:
    scorer = Scorer(with_unit(tf_minimum_u=floor))
    assert scorer.unit_weight(scorer.unit_frequencies(1, 1, 1_000_000), "exact") == pytest.approx(most)
    # a common unit is weighed by its count whatever the floor
    assert scorer.unit_weight(scorer.unit_frequencies(670, 670, 1_000_000), "exact") == pytest.approx(
        expected(EXACT.m, 670, EXACT.u, 1_000_000)
    )


def test_without_term_frequency_the_unit_keeps_its_trained_weights() -> None:
    scorer = Scorer(with_unit(term_frequency=False))
    assert scorer.unit_frequencies(1, 1, 100_000) is None
    assert scorer.unit_weight(None, "exact") == EXACT.weight
    assert scorer.unit_weight(None, "number") == NUMBER.weight


def man(person_id: str, **fields: str) -> Profile:
    return profile_from_fields(fields, person_id=person_id, custody="ours")


def test_the_index_counts_a_unit_and_its_number_under_any_kind() -> None:
    index = MemoryCandidateIndex(
        [
            man("P1", surname="Коваленко", unit="в/ч 12345"),
            man("P2", surname="Шевчук", unit="military unit 12345"),
            man("P3", surname="Бойко", unit="12345"),  # a number, no kind
            man("P4", surname="Мельник", unit="в/ч 54321"),
            profile_from_fields({"surname": "Ткач", "unit": "в/ч 12345"}, person_id="P5", custody="own"),
        ]
    )
    assert unit_number_keys("вч:12345") == (
        ":12345",
        "бат:12345",
        "бр:12345",
        "вч:12345",
        "див:12345",
        "полк:12345",
    )
    assert index.unit_counts("вч:12345", "ours") == (2, 3)
    assert index.unit_counts(":12345", "ours") == (1, 3)
    assert index.unit_counts("вч:99999", "ours") == (0, 0)
    assert index.unit_counts("", "ours") == (0, 0)
    index.remove("P1")
    assert index.unit_counts("вч:12345", "ours") == (1, 2)


FULL_NAME = {"surname": "Коваленко", "given_name": "Дмитро", "patronymic": "Сергійович"}


def comparisons(
    count: int, population: int, *, asked_unit: str = "в/ч 12345", **asked: str
) -> tuple[FieldComparison, ...]:
    record = man("PK", **FULL_NAME, unit="в/ч 12345", birth_date="2001-03-14")
    query = TraceQuery(**{**FULL_NAME, "unit": asked_unit, **asked}).profile()
    return SCORER.compare(
        query,
        record,
        surname_frequency=SCORER.surname_frequency(50, population),
        given_frequency=SCORER.given_frequency(2_000, population),
        unit_frequencies=SCORER.unit_frequencies(count, count, population),
    )


@pytest.mark.parametrize(
    ("count", "population", "asked", "held"),
    [
        # the full name and a unit, no birth date: the unit anchors only when it is small
        (1, 100_000, {}, False),  # 16.5 bits
        (67, 100_000, {}, False),  # 10.5: a military unit (в/ч) of the synthetic registry
        (37, 11_025, {}, False),  # 8.2: a unit of the synthetic own custody (exchange lists)
        (600, 100_000, {}, False),  # 7.3
        (800, 100_000, {}, True),  # 6.9
        (6_000, 1_000_000, {}, False),  # 7.3: the same share at 1M
        (8_000, 1_000_000, {}, True),  # 6.9
        (5_000, 100_000, {}, True),  # 4.3: one registered man in twenty
        # a number with another kind: the number's own share, a weaker anchor
        (10, 100_000, {"asked_unit": "12345"}, False),  # 8.2
        (40, 100_000, {"asked_unit": "12345"}, True),  # 6.2
        # other anchors do not need the unit
        (5_000, 100_000, {"birth_date": "2001-03-14"}, False),
        # a disagreeing birth date holds him whatever the unit
        (1, 100_000, {"birth_date": "1995-07-01"}, True),
    ],
)
def test_a_unit_anchors_a_namesake_match_only_when_it_is_rare_enough(
    count: int, population: int, asked: dict[str, str], held: bool
) -> None:
    found = comparisons(count, population, **asked)
    assert Scorer.namesake_could_match(found) is held


@pytest.mark.parametrize(("bits", "held"), [(0.0, False), (10.4, False), (10.6, True), (99.0, True)])
def test_the_unit_anchor_threshold_can_be_given(bits: float, held: bool) -> None:
    found = comparisons(67, 100_000)  # 10.5 bits
    assert Scorer.namesake_could_match(found, unit_anchor_bits=bits) is held


def test_a_large_registry_of_one_small_unit_releases_the_full_name_and_unit() -> None:
    """End to end on an in-memory index: the same inquiry is held when many registered men
    share the unit, released when the man's unit is rare among them."""
    crowd = [
        man(f"PX{i:05d}", surname=f"Прізвище{i % 500}", given_name="Олег", unit=f"в/ч {10000 + i % 40}")
        for i in range(20_000)
    ]
    query = TraceQuery(**FULL_NAME, unit="в/ч 77777")
    alone = find_candidates(
        query, index=MemoryCandidateIndex([*crowd, man("PK", **FULL_NAME, unit="в/ч 77777")])
    )
    assert alone[0].person_id == "PK" and not alone[0].notes
    crowded = [man(f"PU{i:05d}", surname=f"Інше{i}", given_name="Олег", unit="в/ч 77777") for i in range(400)]
    index = MemoryCandidateIndex([*crowd, *crowded, man("PK", **FULL_NAME, unit="в/ч 77777")])
    best = find_candidates(query, index=index)[0]
    assert best.person_id == "PK"
    assert best.probability <= SETTINGS.names_only_cap
    assert any("namesake would agree" in note for note in best.notes)
