"""How likely a namesake is: a match on the full name alone, read for reconciliation only.

The engine's namesake guard (:meth:`.Scorer.namesake_could_match`, :meth:`.Scorer.names_only`)
keeps a candidate whose only agreement is the name at or below ``names_only_cap``: for a
family's answer a name alone never names a man, and tracing keeps it so. A row of an
exchange list is different: a ``matched`` row is a proposal an officer confirms before
anything is written, and it is matched against one custody, not the whole registry. So
reconciliation asks the question the guard leaves open: how many men of this full name
would one expect among the persons matched against, and is the best candidate then the
row's man with probability at least the engine's ``confident``?

Hypotheses for a row that gives surname, given name and patronymic and nothing the record
can be compared on (every other field missing on one side): the row is the candidate
``c``; it is another of the ``N`` persons matched against (the other candidates, at the
odds their weights give); or it is a man not registered (prior ``p0``). With ``m`` the
chance that one man's three names are written so that they agree exactly (the settings'
m of the three exact levels) and ``f`` the chance that a man not registered carries this
full name::

    odds against c = p0 / (1 - p0) * N * f / m  +  sum over other candidates of 2^(w_j - w_c)

``N * f`` is the number of namesakes one expects among N men. ``f`` comes from term
frequencies of the custody matched against, not from a number set by hand: the surname's
frequency times that of the (given name, father's name) pair, each smoothed towards the
settings' u of its exact level with the engine's ``tf_prior_count`` (so a registry too
small to say how rare a name is gives the settings' average, and the match is held). The
pair is counted jointly (Ivan Ivanovich is commoner than Ivan times Ivanovich), among the
men whose record has a birth year (the index's ``p:`` keys: a range each, where counting
every record would scan the custody), taken as a fair sample; only the surname is taken as
independent of the first names. The candidate himself is counted once more, so a full
name is never estimated rarer than one man. ``N`` is at least the settings'
``min_population``, as in the engine's posterior. Pure code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from powbureau.matching.profile import Profile
from powbureau.matching.scoring import NAME_FIELDS, Candidate
from powbureau.matching.settings import MatchSettings

__all__ = ["FullNameOdds", "full_name_odds"]

_EXACT = "exact"
_NAMES = ("surname", "given_name", "patronymic")


@dataclass(frozen=True)
class FullNameOdds:
    """What a match on the full name alone is worth against one custody.

    Attributes:
        probability: that the row names the candidate (at most ``max_probability``).
        namesakes: men of this full name expected among ``among`` persons (N times f).
        population: how many persons were matched against.
        among: N, the population but at least ``min_population`` (as in the posterior).
        rivals: the odds the other candidates take from him.
    """

    probability: float
    namesakes: float
    population: int
    among: int
    rivals: float


def full_name_odds(
    row: Profile,
    best: Candidate,
    others: Iterable[Candidate],
    *,
    settings: MatchSettings,
    population: int,
    surname_count: int,
    pair_count: int,
    dated_pairs: int,
) -> FullNameOdds | None:
    """The probability that ``best`` is the row's man when only the full name agrees.

    Args:
        row: the row's profile (its given-name and father's-name ids are counted).
        best: the best candidate; the rule applies only when his surname, given name and
            patronymic agree exactly and no other field can be compared (none agrees,
            none disagrees), and nothing says he cannot be told apart from another.
        others: the other candidates found for the row.
        population: how many persons the row was matched against.
        surname_count: how many of them have the row's surname key.
        pair_count: how many of them with a birth year have the row's given name and
            father's name (:meth:`.CandidateIndex.pair_count`).
        dated_pairs: how many (dated man, pair of first-name ids) there are among them
            (:meth:`.CandidateIndex.dated_pairs`).

    Returns:
        The odds, or None when the rule does not apply.
    """
    levels = {c.field: c.level for c in best.comparisons}
    if any(levels.get(name) != _EXACT for name in NAME_FIELDS):
        return None
    if any(level is not None for name, level in levels.items() if name not in NAME_FIELDS):
        return None
    if best.cannot_tell_apart or not row.given or not row.patronymic:
        return None
    prior = settings.tf_prior_count
    surname, given, father = (settings.comparison(n).level(_EXACT) for n in _NAMES)
    surname_f = (surname_count + prior * surname.u) / (population + prior)
    pair_f = (pair_count + 1 + prior * given.u * father.u) / (dated_pairs + 1 + prior)
    n = max(population, settings.min_population)
    namesakes = n * surname_f * pair_f
    rivals = sum(2.0 ** (c.weight - best.weight) for c in others)
    odds_none = settings.prior_not_registered / (1 - settings.prior_not_registered)
    against = odds_none * namesakes / (surname.m * given.m * father.m) + rivals
    probability = min(1 / (1 + against), settings.max_probability)
    return FullNameOdds(probability, namesakes, population, n, rivals)
