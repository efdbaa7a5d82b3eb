"""The full-name odds reconciliation reads a names-only match with (matching/namesakes.py)."""

from __future__ import annotations

from typing import Any

import pytest

from powbureau.matching import (
    Candidate,
    MemoryCandidateIndex,
    Profile,
    Scorer,
    default_settings,
    find_candidates,
    inquiry_weights,
    profile_from_fields,
)
from powbureau.matching.namesakes import FullNameOdds, full_name_odds, rank_odds, reweigh, scored_mass

SETTINGS = default_settings()
SCORER = Scorer(SETTINGS)
RECORD = {"surname": "Гнатюк", "given_name": "Сергій", "patronymic": "Васильович", "birth_date": "1993-02-17"}
ROW = {"surname": "ГНАТЮК", "given_name": "Сергей", "patronymic": "Васильевич"}


def candidate(row: dict[str, str], record: dict[str, str], person_id: str = "P1") -> Candidate:
    comparisons = SCORER.compare(profile_from_fields(row), profile_from_fields(record))
    names_only = SCORER.names_only(comparisons)
    return Candidate(person_id, 0.9, SCORER.total(comparisons), comparisons, names_only=names_only)


def found_odds(
    row: dict[str, str] = ROW,
    record: dict[str, str] = RECORD,
    *,
    population: int = 100_000,
    surname_count: int = 1,
    pair_count: int = 1,
    others: tuple[Candidate, ...] = (),
    given_count: int | None = None,
    year_count: int | None = None,
) -> FullNameOdds | None:
    """:func:`full_name_odds` of one row and record, every registered man dated."""
    return full_name_odds(
        profile_from_fields(row),
        candidate(row, record),
        others,
        settings=SETTINGS,
        population=population,
        surname_count=surname_count,
        pair_count=pair_count,
        dated_pairs=population,
        given_count=given_count,
        year_count=year_count,
    )


def odds(row: dict[str, str] = ROW, record: dict[str, str] = RECORD, **counts: Any) -> float | None:
    """The probability of :func:`found_odds` (``counts``: its keyword arguments)."""
    found = found_odds(row, record, **counts)
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
        ({**ROW, "patronymic": ""}, "no patronymic and no count of the given name: left to the guard"),
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


# -- session 6: a birth year, the rank, every scored rival ------------------------------


def year_odds(
    year_count: int | None, *, record_birth: str = "1993-02-17", surname_count: int = 1
) -> float | None:
    row = {**ROW, "birth_date": "1993"}
    record = {**RECORD, "birth_date": record_birth}
    found = found_odds(row, record, surname_count=surname_count, year_count=year_count)
    return None if found is None else found.probability


def test_names_and_a_birth_year_are_read_with_the_year_counted() -> None:
    rare, common = year_odds(1, surname_count=300), year_odds(40, surname_count=300)
    assert rare is not None and rare >= SETTINGS.confident
    assert common is not None and common < SETTINGS.confident
    assert year_odds(None) is None, "without the count of the year the guard keeps him"
    assert year_odds(1, record_birth="1971-02-17") is None, "a year that differs is no agreement"


def test_an_agreeing_rank_makes_a_namesake_rarer() -> None:
    counts = {"private": 40_000, "sergeant": 9_000, "captain": 1_000}
    rare_rank = rank_odds("капитан", counts, settings=SETTINGS)
    common_rank = rank_odds("рядовой", counts, settings=SETTINGS)
    assert rare_rank is not None and common_rank is not None
    assert rare_rank.frequency < common_rank.frequency < 1
    base = dict(surname_count=300, pair_count=120)
    plain = full_name_odds(
        profile_from_fields(ROW), candidate(ROW, RECORD), (), settings=SETTINGS,
        population=100_000, dated_pairs=100_000, **base,
    )  # fmt: skip
    ranked = full_name_odds(
        profile_from_fields(ROW), candidate(ROW, RECORD), (), settings=SETTINGS,
        population=100_000, dated_pairs=100_000, rank=rare_rank, **base,
    )  # fmt: skip
    assert plain is not None and ranked is not None
    assert ranked.namesakes == pytest.approx(plain.namesakes * rare_rank.frequency)
    assert ranked.probability > plain.probability and ranked.rank and not plain.rank


def test_a_rank_no_table_knows_or_a_tiny_custody_says_nothing() -> None:
    assert rank_odds("гвардии рядовой", {"private": 10}, settings=SETTINGS) is None
    assert rank_odds("", {"private": 10}, settings=SETTINGS) is None
    # three men in the custody: the frequency is smoothed towards one and says nothing
    assert rank_odds("капитан", {"captain": 1, "private": 2}, settings=SETTINGS) is None


def found_for(row: dict[str, str], records: list[dict[str, str]]) -> tuple[list[Candidate], int]:
    men = [profile_from_fields(r, person_id=f"P{i}", custody="own") for i, r in enumerate(records, 1)]
    index = MemoryCandidateIndex(men)
    return find_candidates(profile_from_fields(row), index=index, custody="own", top=5), len(men)


def test_the_engine_posterior_is_read_back_over_every_person_scored() -> None:
    row = {"surname": "Гнатюк", "given_name": "Сергій", "birth_date": "1993"}
    records = [{**RECORD, "birth_date": f"{1990 + i}-02-17", "patronymic": f"Петрович{i}"} for i in range(9)]
    found, population = found_for(row, records)
    assert len(found) == 5, "only five are returned, nine are scored"
    index = MemoryCandidateIndex(
        [profile_from_fields(r, person_id=f"P{i}", custody="own") for i, r in enumerate(records, 1)]
    )
    every = inquiry_weights(profile_from_fields(row), index=index, custody="own")
    mass = scored_mass(found, settings=SETTINGS, population=population)
    assert mass == pytest.approx(sum(2.0**w for w in every.weights), rel=1e-9)


def test_the_rank_separates_two_namesakes_and_leaves_a_list_without_ranks_untouched() -> None:
    row = dict(ROW)
    twins = [dict(RECORD, birth_date="1990-01-01"), dict(RECORD, birth_date="1985-05-05")]
    found, population = found_for(row, twins)
    assert found[0].cannot_tell_apart, "two men of the same full name: nothing separates them"
    same = reweigh(found, {}, None, settings=SETTINGS, population=population)
    assert same.candidates == found, "no rank and no prior: the engine's answer as it was"
    rank = rank_odds("капитан", {"captain": 500, "private": 40_000}, settings=SETTINGS)
    assert rank is not None
    ranks = {"P1": "private", "P2": "captain"}
    weighed = reweigh(found, ranks, rank, settings=SETTINGS, population=population)
    best, other = weighed.candidates[:2]
    assert best.person_id == "P2" and not best.cannot_tell_apart
    assert other.probability < best.probability * SETTINGS.ambiguity_ratio
    assert best.probability <= SETTINGS.names_only_cap, "a rank is no anchor: the guard still holds him"
    assert weighed.rivals is not None and weighed.rivals < 0.1


def test_a_lower_prior_of_strangers_raises_every_candidate() -> None:
    row = {**ROW, "birth_date": "1993"}
    found, population = found_for(row, [RECORD, {**RECORD, "surname": "Гнатюкевич"}])
    half = reweigh(found, {}, None, settings=SETTINGS, population=population, prior=0.5)
    quarter = reweigh(found, {}, None, settings=SETTINGS, population=population, prior=0.25)
    assert [c.probability for c in half.candidates] == pytest.approx([c.probability for c in found])
    assert quarter.candidates[0].probability > half.candidates[0].probability


# -- session 7: surname and given name when the patronymic cannot be compared ---------------


def fatherless_odds(
    row: dict[str, str],
    record: dict[str, str] = RECORD,
    *,
    given_count: int | None = None,
    year_count: int | None = None,
    surname_count: int = 1,
) -> float | None:
    found = found_odds(
        row, record, pair_count=0, surname_count=surname_count, given_count=given_count, year_count=year_count
    )
    if found is not None:
        assert not found.father, "the father's name was not read"
    return None if found is None else found.probability


def test_without_a_patronymic_the_given_names_frequency_is_read() -> None:
    row = {**ROW, "patronymic": ""}
    rare, common = fatherless_odds(row, given_count=20), fatherless_odds(row, given_count=5_000)
    assert rare is not None and rare >= SETTINGS.confident
    assert common is not None and common < SETTINGS.confident
    # the same rare surname and given name weigh less than with the father's name too
    full = odds(surname_count=1, pair_count=20)
    assert full is not None and rare < full


def test_a_patronymic_the_record_lacks_is_read_as_none() -> None:
    record = {**RECORD, "patronymic": ""}
    assert fatherless_odds(ROW, record, given_count=20) == fatherless_odds(
        {**ROW, "patronymic": ""}, given_count=20
    )
    assert fatherless_odds(ROW, {**RECORD, "patronymic": "Петрович"}, given_count=20) is None, (
        "a patronymic that differs is no agreement"
    )


def test_without_a_patronymic_the_given_name_and_year_are_counted_together() -> None:
    row = {**ROW, "patronymic": "", "birth_date": "1993"}
    rare = fatherless_odds(row, year_count=1, surname_count=20)
    common = fatherless_odds(row, year_count=400, surname_count=20)
    assert rare is not None and rare >= SETTINGS.confident
    assert common is not None and common < SETTINGS.confident
    assert fatherless_odds(row, given_count=1) is None, "a year read needs the year's count"


def test_a_given_names_dated_men_are_counted_by_year_in_one_custody() -> None:
    men = [
        profile_from_fields(RECORD, person_id="P1", custody="own"),
        profile_from_fields({**RECORD, "surname": "Мельник"}, person_id="P2", custody="own"),
        profile_from_fields({**RECORD, "birth_date": "1990-01-01"}, person_id="P3", custody="own"),
        profile_from_fields({**RECORD, "birth_date": ""}, person_id="P4", custody="own"),  # not dated
        profile_from_fields({**RECORD, "given_name": "Іван"}, person_id="P5", custody="own"),
        profile_from_fields(RECORD, person_id="P6", custody="ours"),
    ]
    index = MemoryCandidateIndex(men)
    given = profile_from_fields(ROW).given
    assert index.given_year_counts(given, "own") == {"1993": 2, "1990": 1}
    assert index.given_year_counts(given, "ours") == {"1993": 1}
    assert index.given_count(next(iter(given)), "own") == 3
