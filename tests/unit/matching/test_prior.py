"""The prior's estimate: EM over the share of inquiries about men not registered."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powbureau.matching import InquiryWeights, estimate_prior, posterior

POPULATION = 100_000


def evidence(likelihood_ratio: float) -> InquiryWeights:
    """An inquiry with one candidate whose evidence is ``likelihood_ratio`` times likelier if he is the man.

    The posterior shares the registered men's prior among the population, so the weight
    that carries a likelihood ratio of r for "registered" is log2(r * population).
    """
    return InquiryWeights((math.log2(likelihood_ratio * POPULATION),), POPULATION)


def mixture(share_not_registered: float, total: int) -> list[InquiryWeights]:
    """Inquiries whose kinds of evidence come exactly in the numbers the share predicts.

    Three kinds of evidence, with P(kind | registered) = 0.6, 0.3, 0.1 and P(kind | not) =
    0.075, 0.3, 0.625 (likelihood ratios 8, 1, 0.16); the maximum-likelihood share of such
    counts is the true one.
    """
    registered = total * (1 - share_not_registered)
    not_registered = total * share_not_registered
    out: list[InquiryWeights] = []
    for if_registered, if_not in ((0.6, 0.075), (0.3, 0.3), (0.1, 0.625)):
        count = round(registered * if_registered + not_registered * if_not)
        out += [evidence(if_registered / if_not)] * count
    return out


@pytest.mark.parametrize("share", [0.2, 1 / 3, 0.5, 2 / 3, 0.8])
def test_the_true_share_is_recovered(share: float) -> None:
    found = estimate_prior(mixture(share, 6000), min_population=10_000)
    assert found.converged
    assert found.not_registered == pytest.approx(share, abs=2e-3)
    assert found.registered == pytest.approx(1 - share, abs=2e-3)
    assert found.inquiries == 6000


@pytest.mark.parametrize("start", [0.05, 0.5, 0.95])
def test_the_estimate_does_not_depend_on_where_it_starts(start: float) -> None:
    found = estimate_prior(mixture(0.3, 4000), min_population=10_000, start=start, tolerance=1e-9)
    assert found.not_registered == pytest.approx(0.3, abs=1e-3)


def test_sure_answers_and_inquiries_without_candidates() -> None:
    sure = InquiryWeights((60.0,), POPULATION)
    nobody = InquiryWeights((), POPULATION)
    found = estimate_prior([sure] * 3 + [nobody] * 7, min_population=10_000)
    assert found.not_registered == pytest.approx(0.7, abs=1e-4)


def test_the_share_stays_within_bounds() -> None:
    nobody = InquiryWeights((), POPULATION)
    assert estimate_prior([nobody] * 10, min_population=10_000).not_registered == 0.99
    sure = InquiryWeights((80.0,), POPULATION)
    assert estimate_prior([sure] * 10, min_population=10_000).not_registered == 0.01


def test_the_fitted_prior_is_the_posterior_s() -> None:
    """At the fixed point the share equals the mean posterior of "not registered"."""
    inquiries = mixture(0.4, 3000) + [InquiryWeights((20.0, 19.0, 3.0), POPULATION)] * 50
    found = estimate_prior(inquiries, min_population=10_000, tolerance=1e-12)
    mean_none = math.fsum(
        1
        - math.fsum(
            posterior(
                list(i.weights),
                population=i.population,
                prior_none=found.not_registered,
                min_population=10_000,
            )
        )
        for i in inquiries
    ) / len(inquiries)
    assert mean_none == pytest.approx(found.not_registered, abs=1e-9)


def test_too_few_rounds_say_so() -> None:
    found = estimate_prior(mixture(0.3, 3000), min_population=10_000, start=0.9, max_rounds=1)
    assert not found.converged and found.rounds == 1


def test_nothing_to_estimate_from_is_refused() -> None:
    with pytest.raises(ValueError, match="no inquiries"):
        estimate_prior([], min_population=10_000)
    with pytest.raises(ValueError, match="start"):
        estimate_prior([InquiryWeights((), POPULATION)], min_population=10_000, start=1.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.floats(-30, 60), max_size=5), min_size=1, max_size=40))
def test_any_weights_give_a_share_in_bounds(weights: list[list[float]]) -> None:
    found = estimate_prior([InquiryWeights(tuple(w), POPULATION) for w in weights], min_population=10_000)
    assert 0.01 <= found.not_registered <= 0.99
