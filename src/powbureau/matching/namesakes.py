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
``min_population``, as in the engine's posterior.

Two more readings, also for reconciliation only (session 6):

* **Names and a birth year.** When the full name agrees exactly and the birth dates agree
  only as far as one side gives them (the level ``year`` or ``month``: a year on the list,
  a full date in the record, or the other way round), and nothing else can be compared,
  the same odds are read with the year: ``f`` counts the men of the custody who have this
  given name, father's name *and* birth year (the index's ``p:given|father|year`` keys,
  looked up exactly), and ``m`` includes the chance that one man's year is written the
  same on both sides (the settings' m of the birth-date levels where the year agrees,
  over all its levels).
* **The rank** (:func:`rank_odds`, :func:`reweigh`). A list gives a rank, and so do most
  registrations; the engine's comparisons do not read it (an inquiry has none). Here the
  rank is one more Fellegi-Sunter comparison applied to the candidates found: a candidate
  whose rank agrees is ``agrees / f_rank`` times likelier, one whose rank differs
  ``(1 - agrees) / (1 - f_rank)``, with ``f_rank`` the share of the custody holding the
  row's rank and ``agrees`` (:data:`RANK_AGREES`) the chance that one man's rank is written
  the same on both sides. Every registered person the engine scored but did not return
  is counted as if his rank agreed (the most he could take), and "not registered" is left
  as it was. In the full-name odds an agreeing rank multiplies the namesakes expected by
  ``f_rank`` and ``m`` by ``agrees``; a rank that differs leaves the match to the guard.

One more, session 7: **names without the father's name.** When the patronymic cannot be
compared (the row or the record lacks it) and surname and given name agree exactly, the
same odds are read on those two (and the birth year, as above): ``f`` is the surname's
frequency times the given name's among the custody's dated men (the ``p:`` keys of that
given-name id, once per father's name: :meth:`.CandidateIndex.given_count`, or by birth
year :meth:`.CandidateIndex.given_year_counts`), and ``m`` leaves out the patronymic. A
man not registered is then anyone of that surname and given name, whatever his father's
name: a row that gives a patronymic the record lacks is read as if it gave none.

The rivals in the odds are, when the engine's posterior can be read back (some candidate's
probability is not capped), every registered person it scored, not only those returned:
``sum 2^w`` over all of them is ``2^w / p - K`` for any candidate whose ``p`` is exact.
Pure code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from powbureau.matching.profile import Profile
from powbureau.matching.ranks import rank_key
from powbureau.matching.scoring import NAME_FIELDS, Candidate, Scorer
from powbureau.matching.settings import MatchSettings

__all__ = [
    "RANK_AGREES",
    "FullNameOdds",
    "RankOdds",
    "Reweighed",
    "full_name_odds",
    "rank_odds",
    "reweigh",
    "scored_mass",
]

_EXACT = "exact"
_NAMES = ("surname", "given_name", "patronymic")
#: Birth-date levels at which the two years agree while the dates agree only in part.
_PARTIAL = ("year", "month")
#: Birth-date levels at which the year agrees (the m of "his year is written the same").
_YEAR_AGREES = ("exact", "swap", "month", "year")
#: The chance that one man's rank is written the same on the list and in his record. The
#: synthetic data never change a rank; real men are promoted, and the other side's records
#: may be older than ours, so one in ten is allowed to differ. It is set here, not trained:
#: no inquiry gives a rank to train it on (docs/exchanges.md, "Rank").
RANK_AGREES: Final = 0.9


@dataclass(frozen=True)
class RankOdds:
    """What the row's rank says of a candidate whose record gives one.

    Attributes:
        key: the row's rank (:func:`powbureau.matching.ranks.rank_key`).
        frequency: the share of the persons matched against who hold it (smoothed).
        agrees: the chance that one man's rank is written the same (:data:`RANK_AGREES`).
    """

    key: str
    frequency: float
    agrees: float = RANK_AGREES

    @property
    def agree(self) -> float:
        """How much likelier a candidate of the same rank is (m / u)."""
        return self.agrees / self.frequency

    @property
    def differ(self) -> float:
        """How much likelier a candidate of another rank is ((1 - m) / (1 - u))."""
        return (1 - self.agrees) / (1 - self.frequency) if self.frequency < 1 else 1.0

    def factor(self, other: str) -> float:
        """The factor of a candidate whose record gives the rank ``other`` ("" none)."""
        if not other:
            return 1.0
        return self.agree if other == self.key else self.differ


def rank_odds(row_rank: str, counts: Mapping[str, int], *, settings: MatchSettings) -> RankOdds | None:
    """The rank's odds against one custody, or None when the row gives no rank the table knows.

    Args:
        row_rank: the rank as the row writes it.
        counts: how many persons of the custody hold each rank, by its key
            (persons whose rank is missing or unknown are not counted).

    The frequency is smoothed towards 1 with the engine's ``tf_prior_count``: a custody too
    small to say how common a rank is makes an agreeing rank worth little.
    """
    key = rank_key(row_rank)
    if not key:
        return None
    prior = settings.tf_prior_count
    frequency = (counts.get(key, 0) + prior) / (sum(counts.values()) + prior)
    if frequency >= RANK_AGREES:
        return None  # a custody almost all of one rank: an agreeing rank would say nothing
    return RankOdds(key, frequency)


def _guarded(candidate: Candidate) -> bool:
    return Scorer.names_only(candidate.comparisons) or Scorer.namesake_could_match(candidate.comparisons)


def scored_mass(candidates: Sequence[Candidate], *, settings: MatchSettings, population: int) -> float | None:
    """``sum 2^w`` over every person the engine scored for the row, read back from a
    candidate whose probability is exact (not held at the guard's cap, not capped at
    ``max_probability``);
    None when every candidate is capped (or none was found)."""
    n = max(population, settings.min_population)
    odds = settings.prior_not_registered / (1 - settings.prior_not_registered)
    exact = [
        c
        for c in candidates
        if 0 < c.probability < settings.max_probability
        and (c.probability != settings.names_only_cap or not _guarded(c))
    ]
    if not exact:
        return None
    c = max(exact, key=lambda x: x.probability)
    returned = math.fsum(2.0**x.weight for x in candidates)
    return max(float(2.0**c.weight) / c.probability - n * odds, returned)


@dataclass(frozen=True)
class Reweighed:
    """A row's candidates after the rank, and what the rivals of the best are worth.

    Attributes:
        candidates: re-weighed, most probable first.
        rivals: ``sum`` over every other person scored of his likelihood relative to the
            best's (rank included); None when the engine's posterior cannot be read back,
            and only the candidates returned can be counted.
    """

    candidates: list[Candidate]
    rivals: float | None


def reweigh(
    candidates: Sequence[Candidate],
    ranks: Mapping[str, str],
    rank: RankOdds | None,
    *,
    settings: MatchSettings,
    population: int,
    prior: float | None = None,
) -> Reweighed:
    """The candidates' probabilities with the rank read, and the best one's rivals.

    Args:
        candidates: the engine's, best first (their weights and probabilities).
        ranks: each candidate's rank key ("" or absent: his record gives none).
        rank: the row's rank odds; None (and no ``prior``) leaves the candidates exactly as
            they are.
        population: how many persons the row was matched against.
        prior: the share of rows about men not registered to use instead of the settings'
            (the list's own, :func:`powbureau.matching.prior.estimate_prior`).
    """
    if not candidates:
        return Reweighed([], None)
    mass = scored_mass(candidates, settings=settings, population=population)
    if rank is None and prior is None:
        factors = [1.0] * len(candidates)
        out = list(candidates)
    else:
        factors = [rank.factor(ranks.get(c.person_id, "")) if rank else 1.0 for c in candidates]
        out = _reweighed(
            candidates,
            factors,
            mass,
            max(rank.agree, 1.0) if rank else 1.0,
            settings=settings,
            population=population,
            prior=settings.prior_not_registered if prior is None else prior,
        )
    best = out[0]
    own = factors[[c.person_id for c in candidates].index(best.person_id)]
    by_id = {c.person_id: (c.weight, g) for c, g in zip(candidates, factors, strict=True)}
    returned = sum(2.0 ** (w - best.weight) * g for pid, (w, g) in by_id.items() if pid != best.person_id)
    if mass is None:
        return Reweighed(out, returned / own)
    rest = max(0.0, mass - sum(2.0**c.weight for c in candidates)) / 2.0**best.weight
    rest_factor = max(rank.agree, 1.0) if rank is not None else 1.0
    return Reweighed(out, (returned + rest * rest_factor) / own)


def _reweighed(
    candidates: Sequence[Candidate],
    factors: Sequence[float],
    mass: float | None,
    rest_factor: float,
    *,
    settings: MatchSettings,
    population: int,
    prior: float,
) -> list[Candidate]:
    """The posterior again with each candidate's factor and ``prior``; the engine's guard and caps kept."""
    if mass is None:
        return list(candidates)  # every candidate capped: the guard holds them as it did
    n = max(population, settings.min_population)
    none = n * prior / (1 - prior)
    liked = [2.0**c.weight * g for c, g in zip(candidates, factors, strict=True)]
    rest = max(0.0, mass - sum(2.0**c.weight for c in candidates))
    total = none + rest * rest_factor + sum(liked)
    cap, most = settings.names_only_cap, settings.max_probability
    out = []
    for c, like in zip(candidates, liked, strict=True):
        p = like / total
        if Scorer.held_at_cap(c.comparisons, p, settings):
            p = cap
        out.append(replace(c, probability=min(p, most), cannot_tell_apart=(), separating=()))
    out.sort(key=lambda c: (-c.probability, -c.weight, c.person_id))
    best = out[0]
    if best.probability < settings.confident:
        least = max(best.probability * settings.ambiguity_ratio, settings.ambiguity_floor)
        twins = set(best.possible_duplicates)
        close = tuple(c.person_id for c in out[1:] if c.probability >= least and c.person_id not in twins)
        if close:
            before = next(c for c in candidates if c.person_id == best.person_id)
            same = set(before.cannot_tell_apart) == set(close)
            out[0] = replace(best, cannot_tell_apart=close, separating=before.separating if same else ())
    return out


@dataclass(frozen=True)
class FullNameOdds:
    """What a match on the full name alone is worth against one custody.

    Attributes:
        probability: that the row names the candidate (at most ``max_probability``).
        namesakes: men of this full name expected among ``among`` persons (N times f).
        population: how many persons were matched against.
        among: N, the population but at least ``min_population`` (as in the posterior).
        rivals: the odds the other candidates take from him.
        year: the birth year was read too (names and a birth year only).
        rank: an agreeing rank was read too.
        father: the father's name was compared (False: surname and given name only).
        prior: the share of rows about men not registered, when the list's own was used.
    """

    probability: float
    namesakes: float
    population: int
    among: int
    rivals: float
    year: bool = False
    rank: bool = False
    prior: float | None = None
    father: bool = True


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
    year_count: int | None = None,
    given_count: int | None = None,
    rivals: float | None = None,
    rank: RankOdds | None = None,
) -> FullNameOdds | None:
    """The probability that ``best`` is the row's man when only the full name agrees.

    Args:
        row: the row's profile (its given-name and father's-name ids are counted).
        best: the best candidate; the rule applies only when his surname, given name and
            patronymic agree exactly (or the patronymic is missing on one side) and no
            other field can be compared (none agrees, none disagrees), and nothing says he
            cannot be told apart from another.
        others: the other candidates found for the row.
        population: how many persons the row was matched against.
        surname_count: how many of them have the row's surname key.
        pair_count: how many of them with a birth year have the row's given name and
            father's name (:meth:`.CandidateIndex.pair_count`).
        dated_pairs: how many (dated man, pair of first-name ids) there are among them
            (:meth:`.CandidateIndex.dated_pairs`).
        year_count: when the birth dates agree only as far as one side gives them (level
            ``year`` or ``month``): how many of them have the row's given name, father's
            name and birth year (:meth:`.CandidateIndex.pair_year_count`), or, when the
            patronymic cannot be compared, how many ``p:`` keys have the given name and
            year (:meth:`.CandidateIndex.given_year_counts`); without it such a candidate
            is left to the guard.
        given_count: when the patronymic cannot be compared and no year is read: how many
            ``p:`` keys have the row's given name (:meth:`.CandidateIndex.given_count`);
            without it such a candidate is left to the guard.
        rivals: what every other person scored takes from him (:func:`reweigh`); by
            default the ``others`` given, by their weights.
        rank: the row's rank odds when his record's rank agrees (the caller leaves a rank
            that differs to the guard).

    Returns:
        The odds, or None when the rule does not apply.
    """
    levels = {c.field: c.level for c in best.comparisons}
    if levels.get("surname") != _EXACT or levels.get("given_name") != _EXACT:
        return None
    father_level = levels.get("patronymic")
    if father_level not in (_EXACT, None):
        return None
    fatherless = father_level is None
    birth = levels.get("birth_date")
    others_compared = (lv for name, lv in levels.items() if name not in NAME_FIELDS and name != "birth_date")
    if any(level is not None for level in others_compared):
        return None
    year = birth is not None
    if year and (birth not in _PARTIAL or year_count is None):
        return None
    if best.cannot_tell_apart or not row.given or not (row.patronymic or fatherless):
        return None
    if fatherless and not year and given_count is None:
        return None
    prior = settings.tf_prior_count
    surname, given, father = (settings.comparison(n).level(_EXACT) for n in _NAMES)
    surname_f = (surname_count + prior * surname.u) / (population + prior)
    m = surname.m * given.m * (1.0 if fatherless else father.m)
    first = given.u * (1.0 if fatherless else father.u)  # a stranger's first names agree by chance
    if year and year_count is not None:
        dates = settings.comparison("birth_date")
        agreeing = [dates.level(name) for name in _YEAR_AGREES]
        m *= sum(lv.m for lv in agreeing) / sum(lv.m for lv in dates.levels)
        chance = first * sum(lv.u for lv in agreeing)
        pair_f = (year_count + 1 + prior * chance) / (dated_pairs + 1 + prior)
    else:
        count = (given_count or 0) if fatherless else pair_count
        pair_f = (count + 1 + prior * first) / (dated_pairs + 1 + prior)
    n = max(population, settings.min_population)
    namesakes = n * surname_f * pair_f
    if rank is not None:
        namesakes *= rank.frequency
        m *= rank.agrees
    if rivals is None:
        rivals = sum(2.0 ** (c.weight - best.weight) for c in others)
    odds_none = settings.prior_not_registered / (1 - settings.prior_not_registered)
    against = odds_none * namesakes / m + rivals
    probability = min(1 / (1 + against), settings.max_probability)
    return FullNameOdds(
        probability, namesakes, population, n, rivals, year, rank is not None, father=not fatherless
    )
