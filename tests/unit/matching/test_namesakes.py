"""The full-name odds reconciliation reads a names-only match with (matching/namesakes.py)."""

from __future__ import annotations

import pytest

from powbureau.matching import (
    Candidate,
    MemoryCandidateIndex,
    Profile,
    Scorer,
    default_settings,
    profile_from_fields,
)
from powbureau.matching.namesakes import full_name_odds

SETTINGS = default_settings()
SCORER = Scorer(SETTINGS)
RECORD = {"surname": "Гнатюк", "given_name": "Сергій", "patronymic": "Васильович", "birth_date": "1993-02-17"}
ROW = {"surname": "ГНАТЮК", "given_name": "Сергей", "patronymic": "Васильевич"}


def candidate(row: dict[str, str], record: dict[str, str], person_id: str = "P1") -> Candidate:
    comparisons = SCORER.compare(profile_from_fields(row), profile_from_fields(record))
    names_only = SCORER.names_only(comparisons)
    return Candidate(person_id, 0.9, SCORER.total(comparisons), comparisons, names_only=names_only)


def odds(
    row: dict[str, str] = ROW,
    record: dict[str, str] = RECORD,
    *,
    population: int = 100_000,
    surname_count: int = 1,
    pair_count: int = 1,
    others: tuple[Candidate, ...] = (),
) -> float | None:
    found = full_name_odds(
        profile_from_fields(row),
        candidate(row, record),
        others,
        settings=SETTINGS,
        population=population,
        surname_count=surname_count,
        pair_count=pair_count,
        dated_pairs=population,
    )
    return None if found is None else found.probability


def test_a_rare_full_name_in_a_large_custody_is_taken() -> None:
    p = odds()
    assert p is not None and p >= SETTINGS.confident


def test_a_common_full_name_is_held() -> None:
    p = odds(surname_count=900, pair_count=400)
    assert p is not None and p < SETTINGS.confident


def test_a_small_registry_says_nothing_and_holds_the_match() -> None:
    # one man, counted once: the smoothing gives the settings' average frequencies, and
    # the posterior is shared among at least min_population
    p = odds(population=1)
    assert p is not None and p < SETTINGS.confident


def test_the_same_counts_in_a_larger_custody_make_a_namesake_likelier() -> None:
    small = odds(population=20_000, surname_count=40, pair_count=30)
    large = odds(population=200_000, surname_count=400, pair_count=300)
    assert small is not None and large is not None and large < small


def test_another_candidate_of_the_same_full_name_takes_half() -> None:
    twin = candidate(ROW, {**RECORD, "birth_date": "1990-01-01"}, "P2")
    p = odds(others=(twin,))
    assert p is not None and p <= 0.5


@pytest.mark.parametrize(
    ("row", "why"),
    [
        ({**ROW, "birth_date": "1993"}, "a birth date that agrees is more than the name"),
        ({**ROW, "birth_date": "1971-05-05"}, "a birth date that disagrees"),
        ({**ROW, "patronymic": ""}, "no patronymic: not the full name"),
        ({**ROW, "surname": "ГНАТЮН"}, "a surname that agrees only approximately"),
    ],
)
def test_the_rule_applies_only_to_the_exact_full_name_alone(row: dict[str, str], why: str) -> None:
    assert odds(row) is None, why


def test_the_pair_is_counted_together_among_the_dated_men_of_one_custody() -> None:
    men = [
        profile_from_fields(RECORD, person_id="P1", custody="own"),
        profile_from_fields({**RECORD, "surname": "Мельник"}, person_id="P2", custody="own"),
        profile_from_fields({**RECORD, "birth_date": ""}, person_id="P3", custody="own"),  # not dated
        profile_from_fields({**RECORD, "patronymic": "Петрович"}, person_id="P4", custody="own"),
        profile_from_fields({**RECORD, "given_name": "Іван"}, person_id="P5", custody="own"),
        profile_from_fields(RECORD, person_id="P6", custody="ours"),
    ]
    index = MemoryCandidateIndex(men)
    row = profile_from_fields(ROW)
    assert index.pair_count(row.given, row.patronymic, "own") == 2
    assert index.pair_count(row.given, row.patronymic, "ours") == 1
    assert index.pair_count(row.given, (), "own") == 0
    assert index.dated_pairs("own") == 4


def test_profiles_in_the_tests_are_what_they_say() -> None:
    assert isinstance(profile_from_fields(ROW), Profile)
    assert candidate(ROW, RECORD).names_only
