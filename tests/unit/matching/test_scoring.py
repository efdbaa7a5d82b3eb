"""Comparison levels, the settings' guards, and the posterior's arithmetic."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from powbureau.matching import (
    LEVELS,
    MatchSettings,
    Profile,
    Scorer,
    compare_all,
    default_settings,
    posterior,
    profile_from_fields,
)
from powbureau.matching.compare import COMPARISONS


def level(field: str, q: Profile, r: Profile, *, inquiry: bool = True) -> str | None:
    names = [name for name, _, _ in COMPARISONS]
    return compare_all(q, r, inquiry=inquiry)[names.index(field)]


def p(**fields: str) -> Profile:
    return profile_from_fields(fields)


def q(**fields: str) -> Profile:
    return profile_from_fields(fields, inquiry=True)


@pytest.mark.parametrize(
    ("asked", "recorded", "expected"),
    [
        ("2001-03-14", "2001-03-14", "exact"),
        ("2001-03-04", "2001-04-03", "swap"),
        ("2002-03-14", "2001-03-14", "year_off"),
        ("2001-03-15", "2001-03-14", "typo"),
        ("2001-03", "2001-03-14", "month"),
        ("2001", "2001-03-14", "year"),
        ("2002", "2001-03-14", "near"),
        ("1995-07-01", "2001-03-14", "disagree"),
        ("", "2001-03-14", None),
    ],
)
def test_birth_date_levels(asked: str, recorded: str, expected: str | None) -> None:
    assert level("birth_date", q(birth_date=asked), p(birth_date=recorded)) == expected


def test_name_levels() -> None:
    man = p(surname="Коваленко", given_name="Дмитрий", patronymic="Сергеевич")
    assert level("surname", q(surname="Kovalenko"), man) == "exact"
    assert level("surname", q(surname="Коваленка"), man) == "typo"
    assert level("surname", q(surname="Петренко"), man) == "disagree"
    assert level("given_name", q(given_name="Дима"), man) == "exact"
    assert level("given_name", q(given_name="Д."), man) == "initial"
    assert level("given_name", q(given_name="Олег"), man) == "disagree"
    assert level("patronymic", q(patronymic="Сергійович"), man) == "exact"
    assert level("patronymic", q(father_name="Сергей"), man) == "exact"
    assert level("patronymic", q(), man) is None


def test_other_levels() -> None:
    man = p(
        unit="в/ч 12345",
        service_number="АБ-123456",
        mother_name="Коваленко Олена Іванівна",
        captured_on="2023-05-02",
        capture_place="Бахмут",
    )
    assert level("unit", q(unit="military unit 12345"), man) == "exact"
    assert level("unit", q(unit="12345"), man) == "number"
    assert level("service_number", q(service_number="AB 123456"), man) == "exact"
    assert level("service_number", q(service_number="123456"), man) == "digits"
    assert level("service_number", q(service_number="АБ-123457"), man) == "typo"
    assert level("mother_name", q(mother_name="Елена Коваленко"), man) == "full"
    assert level("mother_name", q(mother_name="Олена"), man) == "given"
    assert level("mother_name", q(mother_name="Ирина"), man) == "disagree"
    assert level("capture_date", q(last_seen_on="2023-04-20"), man) == "consistent"
    assert level("capture_date", q(last_seen_on="2022-01"), man) == "earlier"
    assert level("capture_date", q(last_seen_on="2023-06"), man) == "after"
    assert level("capture_place", q(last_seen_place="Bakhmut"), man) == "agree"
    other = p(captured_on="2023-05")
    assert level("capture_date", p(captured_on="2023-05-02"), other, inquiry=False) == "consistent"


def test_missing_fields_weigh_nothing() -> None:
    scorer = Scorer(default_settings())
    comparisons = scorer.compare(q(surname="Коваленко"), p(surname="Коваленко", birth_date="2001"))
    assert all(c.weight == 0 for c in comparisons if c.level is None)
    assert [c.field for c in comparisons if c.level is not None] == ["surname"]


def test_a_rare_surname_weighs_more_than_a_common_one() -> None:
    scorer = Scorer(default_settings())
    a, b = q(surname="Бугульмский"), p(surname="Бугульмский")
    rare = scorer.compare(a, b, surname_frequency=scorer.surname_frequency(1, 100_000))[0].weight
    common = scorer.compare(a, b, surname_frequency=scorer.surname_frequency(2_000, 100_000))[0].weight
    assert rare > common > 0
    # in a registry of one, his surname is not "everyone's surname"
    assert scorer.compare(a, b, surname_frequency=scorer.surname_frequency(1, 1))[0].weight > common


def test_a_rare_given_name_weighs_more_than_a_common_one() -> None:
    scorer = Scorer(default_settings())
    a, b = q(given_name="Ярополк"), p(given_name="Ярополк")
    given = [c.field for c in scorer.compare(a, b)].index("given_name")
    fixed = scorer.compare(a, b)[given].weight
    rare = scorer.compare(a, b, given_frequency=scorer.given_frequency(1, 100_000))[given].weight
    usual = scorer.compare(a, b, given_frequency=scorer.given_frequency(2_200, 100_000))[given].weight
    common = scorer.compare(a, b, given_frequency=scorer.given_frequency(5_500, 100_000))[given].weight
    assert rare > fixed > common > 0
    assert usual == pytest.approx(fixed, abs=0.05)  # at the settings' u, the fixed weight
    # never below the next level's weight: a shared Александр still outweighs a near miss
    close = default_settings().comparison("given_name").level("close").weight
    assert (
        scorer.compare(a, b, given_frequency=scorer.given_frequency(99_000, 100_000))[given].weight == close
    )
    # the frequency only changes the exact level
    other = scorer.compare(a, p(given_name="Олег"), given_frequency=scorer.given_frequency(1, 100_000))
    assert other[given].weight == scorer.compare(a, p(given_name="Олег"))[given].weight


def test_given_name_frequencies_are_off_without_term_frequency_in_the_settings() -> None:
    settings = default_settings()
    comparisons = tuple(
        replace(c, term_frequency=False) if c.name == "given_name" else c for c in settings.comparisons
    )
    assert Scorer(replace(settings, comparisons=comparisons)).given_frequency(1, 100) is None


def test_a_near_exact_date_outweighs_a_bare_year() -> None:
    birth = default_settings().comparison("birth_date")
    for near in ("swap", "year_off", "typo"):
        assert birth.level(near).weight > birth.level("year").weight


def test_posterior_shares_one_probability_with_not_registered() -> None:
    probs = posterior([20.0, 20.0, 5.0], population=100_000, prior_none=0.5, min_population=10)
    assert sum(probs) < 1
    assert probs[0] == probs[1] < 0.5
    assert probs[2] < probs[0]
    assert posterior([], population=10, prior_none=0.5, min_population=10) == []
    # a weight of log2(N) against prior odds 1:1 gives one half
    assert posterior([math.log2(1024)], population=1024, prior_none=0.5, min_population=1)[
        0
    ] == pytest.approx(0.5)


def test_posterior_does_not_overflow() -> None:
    assert posterior([5000.0, -5000.0], population=10, prior_none=0.5, min_population=10)[0] == pytest.approx(
        1.0
    )


def test_settings_round_trip_and_cover_every_level() -> None:
    settings = default_settings()
    assert MatchSettings.from_json(settings.to_json()) == settings
    for name, levels in LEVELS.items():
        comparison = settings.comparison(name)
        assert sorted(lv.name for lv in comparison.levels) == sorted(levels)
        assert all(lv.m > 0 and lv.u > 0 for lv in comparison.levels)


def test_settings_refuse_a_missing_level_or_a_zero_m() -> None:
    data = json.loads(default_settings().to_json())
    data["comparisons"][0]["levels"].pop()
    with pytest.raises(ValueError, match="surname"):
        MatchSettings.from_json(json.dumps(data))
    data = json.loads(default_settings().to_json())
    data["comparisons"][1]["levels"][-1]["m"] = 0.0
    with pytest.raises(ValueError, match="outside"):
        MatchSettings.from_json(json.dumps(data))


def test_settings_refuse_a_bad_prior() -> None:
    with pytest.raises(ValueError, match="prior"):
        replace(default_settings(), prior_not_registered=1.0)
