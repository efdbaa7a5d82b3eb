"""How many of a bureau's inquiries are about men it has registered: the prior, estimated.

The posterior (:func:`.posterior`) shares one probability among the registered candidates
and "not registered", starting from a prior: the share of inquiries about men who are not
among the registered. No fixed number is right for every bureau. Where most of the men
asked about are held, a prior of one half makes the engine under-confident; where most are
missing on the battlefield, over-confident. The candidates' weights already say much about
it: an inquiry with one candidate agreeing on everything is very likely about a registered
man, one with only weak candidates very likely not.

:func:`estimate_prior` fits that share to a set of inquiries by expectation-maximisation,
as Splink estimates the share of matching pairs: with the share of the last round, each
inquiry's probability of "not registered" is computed from its candidates' weights; their
mean is the next round's share; it stops when the share no longer moves. No truth is used.
The estimate is meant to be made once over a bureau's inquiries (or a list's), looked at by
a person, and then given to the engine as its setting: every inquiry is then still answered
the same alone or in a batch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["InquiryWeights", "PriorEstimate", "estimate_prior"]

#: The share is kept inside these bounds: neither "every inquiry" nor "none" is ever certain.
_LOWEST, _HIGHEST = 0.01, 0.99


@dataclass(frozen=True)
class InquiryWeights:
    """What one inquiry's posterior depends on.

    Attributes:
        weights: the calibrated match weights (bits) of its candidates (none: none found).
        population: how many registered persons it was matched against.
    """

    weights: Sequence[float]
    population: int


@dataclass(frozen=True)
class PriorEstimate:
    """The fitted share of inquiries about men not registered.

    Attributes:
        not_registered: the fitted prior (``MatchSettings.prior_not_registered``).
        inquiries: how many inquiries it was fitted on.
        rounds: EM rounds run.
        converged: the share moved less than the tolerance in the last round.
    """

    not_registered: float
    inquiries: int
    rounds: int
    converged: bool

    @property
    def registered(self) -> float:
        """The share of inquiries about registered men."""
        return 1.0 - self.not_registered


def _none_probability(inquiry: InquiryWeights, log2_prior_odds: float, min_population: int) -> float:
    """P(not registered | candidates) under prior odds ``2 ** log2_prior_odds``, as in :func:`.posterior`."""
    if not inquiry.weights:
        return 1.0
    log2_k = math.log2(max(inquiry.population, min_population, 1)) + log2_prior_odds
    top = max(log2_k, *inquiry.weights)
    others = math.fsum(2.0 ** (w - top) for w in inquiry.weights)
    mine: float = 2.0 ** (log2_k - top)
    return mine / (mine + others)


def estimate_prior(
    inquiries: Sequence[InquiryWeights],
    *,
    min_population: int,
    start: float = 0.5,
    tolerance: float = 1e-6,
    max_rounds: int = 500,
) -> PriorEstimate:
    """Fit the share of inquiries about men not registered (EM over the mixing share).

    Args:
        inquiries: each inquiry's candidate weights and population.
        min_population: as ``MatchSettings.min_population`` (the posterior's floor).
        start: the share the first round starts from.
        tolerance: stop when the share moves less than this.
        max_rounds: stop after this many rounds in any case.

    Returns:
        The fitted share, kept within [0.01, 0.99].

    Raises:
        ValueError: no inquiries, or a start outside (0, 1).

    Examples:
        >>> sure = InquiryWeights([40.0], 100_000)    # one candidate agreeing on everything
        >>> none = InquiryWeights([], 100_000)        # nobody found
        >>> round(estimate_prior([sure, sure, none], min_population=10_000).not_registered, 3)
        0.333
    """
    if not inquiries:
        raise ValueError("the prior cannot be estimated from no inquiries")
    if not 0.0 < start < 1.0:
        raise ValueError(f"start must be between 0 and 1, not {start}")
    share = start
    for rounds in range(1, max_rounds + 1):
        log2_odds = math.log2(share / (1.0 - share))
        fitted = math.fsum(_none_probability(i, log2_odds, min_population) for i in inquiries) / len(
            inquiries
        )
        fitted = min(max(fitted, _LOWEST), _HIGHEST)
        moved = abs(fitted - share)
        share = fitted
        if moved < tolerance:
            return PriorEstimate(share, len(inquiries), rounds, True)
    return PriorEstimate(share, len(inquiries), max_rounds, False)
