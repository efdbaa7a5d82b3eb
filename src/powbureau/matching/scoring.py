"""Fellegi-Sunter scoring and the posterior over "which man, if any".

Each comparison level adds its weight ``log2(m/u)``; a missing field adds nothing.
The exact levels of the surname and the given name use the registry's own frequency of
that surname or given name as u (a shared Ярополк says more than a shared Александр).
An inquiry is about at most one man, so the candidates and "not registered" share one
probability (Bayes over the hypotheses {candidate 1..n, not registered})::

    P(candidate i) = 2^w_i / (K + sum_j 2^w_j),   K = N * p0 / (1 - p0)

where w is the calibrated weight, N the number of persons matched against (at least
``min_population``) and p0 the prior that the man is not registered.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from powbureau.matching.compare import COMPARISONS, FIELD_LABELS, compare_all
from powbureau.matching.profile import Profile
from powbureau.matching.settings import MatchSettings

__all__ = ["Candidate", "FieldComparison", "Scorer", "posterior"]

NAME_FIELDS = frozenset({"surname", "given_name", "patronymic"})

#: The frequencies a candidate is scored with: the surname's, the shared given name's, the
#: unit's and its number's (None: the level's fixed u).
Frequencies = tuple[float | None, float | None, float | None, float | None]
_SURNAME, _GIVEN, _UNIT, _UNIT_NUMBER = range(4)


@dataclass(frozen=True, slots=True)
class FieldComparison:
    """How one field of the inquiry compares with the candidate's record."""

    field: str
    level: str | None  # None: one side does not know it
    weight: float  # bits of evidence, 0 when missing

    @property
    def outcome(self) -> str:
        """``agreed``, ``disagreed`` or ``missing``."""
        if self.level is None:
            return "missing"
        return "agreed" if self.weight > 0 else "disagreed"

    def describe(self) -> str:
        """For people: "birth date (swap)"."""
        label = FIELD_LABELS[self.field]
        return label if self.level is None else f"{label} ({self.level})"


@dataclass(frozen=True)
class Candidate:
    """A registered person who may be the man sought, with the reasons.

    Attributes:
        person_id: registry id.
        probability: calibrated probability that he is the man sought.
        weight: calibrated match weight in bits.
        comparisons: every field's level and weight, in a fixed order.
        person_ref: his external id (filled in by the service; the registry id if none).
        cannot_tell_apart: other candidates the details given cannot separate from him.
        separating: the details that would separate them (``birth date``, ``unit``, ...).
        possible_duplicates: candidates that are probably the same man registered twice
            (for a merge review, not "cannot tell apart").
        names_only: nothing but names agreed, so his probability was capped.
    """

    person_id: str
    probability: float
    weight: float
    comparisons: tuple[FieldComparison, ...]
    person_ref: str = ""
    cannot_tell_apart: tuple[str, ...] = ()
    separating: tuple[str, ...] = ()
    possible_duplicates: tuple[str, ...] = ()
    names_only: bool = False
    notes: tuple[str, ...] = field(default=())

    def _fields(self, outcome: str) -> tuple[str, ...]:
        return tuple(c.describe() for c in self.comparisons if c.outcome == outcome)

    @property
    def agreed(self) -> tuple[str, ...]:
        """Fields that agreed, with their level."""
        return self._fields("agreed")

    @property
    def disagreed(self) -> tuple[str, ...]:
        """Fields that disagreed, with their level."""
        return self._fields("disagreed")

    @property
    def missing(self) -> tuple[str, ...]:
        """Fields one side does not know."""
        return self._fields("missing")

    def explanation(self) -> str:
        """One line for an officer: what agreed, disagreed, was missing, and any warning."""
        parts = [
            "agreed: " + (", ".join(self.agreed) or "nothing"),
            "disagreed: " + (", ".join(self.disagreed) or "nothing"),
            "missing: " + (", ".join(self.missing) or "nothing"),
        ]
        return "; ".join([*parts, *self.notes])


class Scorer:
    """Turns two profiles into per-field levels and weights with one set of settings."""

    def __init__(self, settings: MatchSettings) -> None:
        self.settings = settings
        self._weights: list[dict[str, float]] = []
        # per comparison, its levels weighed by a frequency: level -> (slot in the
        # frequencies, m, the weight it never falls below)
        self._tf: list[dict[str, tuple[int, float, float]]] = []
        for name, levels, _fn in COMPARISONS:
            comparison = settings.comparison(name)
            self._weights.append({lv.name: lv.weight for lv in comparison.levels})
            exact = comparison.level(levels[0])
            if not comparison.term_frequency:
                self._tf.append({})
            elif name == "unit":
                # the exact level never below the number level at the same unit's frequency
                # (see _weight); the number level is the share of the number, whatever its kind
                number = comparison.level("number")
                self._tf.append(
                    {"exact": (_UNIT, exact.m, -math.inf), "number": (_UNIT_NUMBER, number.m, -math.inf)}
                )
            else:
                # never below the next level's weight: a typo must not outrank
                slot = _SURNAME if name == "surname" else _GIVEN
                self._tf.append({"exact": (slot, exact.m, comparison.level(levels[1]).weight)})
        self._names = [name for name, _, _ in COMPARISONS]
        self._surname_u = self._exact_u("surname")
        self._given_u = self._exact_u("given_name")
        unit = settings.comparison("unit")
        self._unit_u = (unit.level("exact").u, unit.level("number").u) if unit.term_frequency else None
        self._unit_floor = unit.tf_minimum_u
        self._unit_index = self._names.index("unit")
        # One shared (frozen) comparison per field and level: every candidate is scored with them.
        self._last_table: tuple[Frequencies, tuple[dict[str | None, float], ...]] = (
            (-1.0, -1.0, -1.0, -1.0),
            (),
        )
        self._fixed: list[dict[str | None, FieldComparison]] = [
            {None: FieldComparison(name, None, 0.0)}
            | {level: FieldComparison(name, level, w) for level, w in weights.items()}
            for name, weights in zip(self._names, self._weights, strict=True)
        ]

    def _exact_u(self, name: str) -> float:
        comparison = self.settings.comparison(name)
        return comparison.levels[0].u if comparison.term_frequency else 0.0

    def surname_frequency(self, count: int, population: int) -> float:
        """The registry's frequency of a surname, smoothed towards the exact level's u."""
        prior = self.settings.tf_prior_count
        return (count + prior * self._surname_u) / (population + prior)

    @property
    def weighs_given_frequency(self) -> bool:
        """True when the settings weigh a shared given name by its frequency."""
        return bool(self._given_u)

    def given_frequency(self, count: int, pairs: int) -> float | None:
        """The registry's frequency of a given name, smoothed towards the exact level's u.

        ``count`` of the ``pairs`` (given name, father's name) keys of the dated men have
        it (:meth:`.CandidateIndex.given_count`); None when the settings have no term
        frequency for given names.
        """
        if not self._given_u:
            return None
        prior = self.settings.tf_prior_count
        return (count + prior * self._given_u) / (pairs + prior)

    def unit_frequencies(self, exact: int, number: int, population: int) -> tuple[float, float] | None:
        """The registry's frequency of a unit and of its number under any kind, each smoothed
        towards its level's u as the surname's is and never below the settings'
        ``tf_minimum_u``: the u of the unit comparison's ``exact`` and ``number`` levels.

        ``exact`` and ``number`` of the ``population`` have them
        (:meth:`.CandidateIndex.unit_counts`); None when the settings have no term frequency
        for the unit (its levels keep their trained u).
        """
        if self._unit_u is None:
            return None
        prior = self.settings.tf_prior_count
        return (
            max((exact + prior * self._unit_u[0]) / (population + prior), self._unit_floor),
            max((number + prior * self._unit_u[1]) / (population + prior), self._unit_floor),
        )

    def unit_weight(self, unit_frequencies: tuple[float, float] | None, level: str = "exact") -> float:
        """The weight of an agreeing unit (``exact`` or ``number``) at these frequencies."""
        frequencies: Frequencies = (None, None, *(unit_frequencies or (None, None)))
        return self._weight(self._unit_index, level, frequencies)

    def compare(
        self,
        query: Profile,
        record: Profile,
        *,
        surname_frequency: float | None = None,
        given_frequency: float | None = None,
        unit_frequencies: tuple[float, float] | None = None,
        inquiry: bool = True,
    ) -> tuple[FieldComparison, ...]:
        """Every comparison's level and weight (exact names, the unit: the term-frequency weights)."""
        levels = compare_all(query, record, inquiry=inquiry)
        return self.comparisons(levels, surname_frequency, given_frequency, unit_frequencies)

    def score(
        self,
        query: Profile,
        record: Profile,
        *,
        surname_frequency: float | None = None,
        given_frequency: float | None = None,
        unit_frequencies: tuple[float, float] | None = None,
        inquiry: bool = True,
    ) -> tuple[tuple[str | None, ...], float]:
        """Each comparison's level and the calibrated weight: :meth:`total` of :meth:`compare`.

        For ranking many candidates: no :class:`FieldComparison` is built, only the
        levels, which :meth:`comparisons` turns into them for the few that are shown.
        """
        table = self._table(_frequencies(surname_frequency, given_frequency, unit_frequencies))
        levels = compare_all(query, record, inquiry=inquiry)
        raw = math.fsum([weights[level] for weights, level in zip(table, levels, strict=True)])
        return levels, self.settings.scale * raw + self.settings.offset

    def _table(self, frequencies: Frequencies) -> tuple[dict[str | None, float], ...]:
        """Each comparison's weight per level, the term-frequency levels at these frequencies."""
        last = self._last_table  # read once: the server's threads share the scorer
        if last[0] == frequencies:
            return last[1]
        table = tuple(
            {level: self._weight(i, level, frequencies) for level in fixed}
            for i, fixed in enumerate(self._fixed)
        )
        self._last_table = (frequencies, table)
        return table

    def comparisons(
        self,
        levels: Sequence[str | None],
        surname_frequency: float | None = None,
        given_frequency: float | None = None,
        unit_frequencies: tuple[float, float] | None = None,
    ) -> tuple[FieldComparison, ...]:
        """The comparisons of levels from :func:`compare_all`."""
        frequencies = _frequencies(surname_frequency, given_frequency, unit_frequencies)
        out: list[FieldComparison] = []
        fixed = self._fixed
        for i, level in enumerate(levels):
            tf = self._tf[i].get(level) if level is not None else None
            if tf is not None and frequencies[tf[0]] is not None:
                out.append(FieldComparison(self._names[i], level, self._weight(i, level, frequencies)))
            else:
                out.append(fixed[i][level])
        return tuple(out)

    def _weight(self, i: int, level: str | None, frequencies: Frequencies) -> float:
        tf = self._tf[i].get(level) if level is not None else None
        frequency = None if tf is None else frequencies[tf[0]]
        if tf is None or frequency is None:
            return self._fixed[i][level].weight
        weight = max(math.log2(tf[1] / frequency), tf[2])
        if i == self._unit_index and level == "exact":
            # a unit's exact agreement never weighs less than its number's
            weight = max(weight, self._weight(i, "number", frequencies))
        return weight

    def total(self, comparisons: Sequence[FieldComparison]) -> float:
        """The calibrated match weight (bits) of a set of comparisons."""
        raw = math.fsum(c.weight for c in comparisons)
        return self.settings.scale * raw + self.settings.offset

    @staticmethod
    def names_only(comparisons: Sequence[FieldComparison]) -> bool:
        """True when nothing but names agreed."""
        return not any(c.weight > 0 for c in comparisons if c.field not in NAME_FIELDS)

    #: What an agreeing unit must weigh (bits) to anchor a match on the names for
    #: :meth:`namesake_could_match`: with the unit's term frequency, a unit that many
    #: registered men share (a large division) is no anchor; a small one is. 7 bits: a
    #: unit of at most about one man in 130 of the custody matched against. Tracing's
    #: benchmark would allow 10 (its units hold one man in 1,000), but the other side's
    #: lists of our men name a few hundred units among thousands (7.9-9.2 bits),
    #: and 10 cost reconciliation 2.7 points of recall for no wrong match removed
    #: (docs/benchmarks.md, "Session 8: the unit weighed by its size").
    UNIT_ANCHOR_BITS = 7.0

    @staticmethod
    def namesake_could_match(
        comparisons: Sequence[FieldComparison], *, unit_anchor_bits: float | None = None
    ) -> bool:
        """True when a namesake of the candidate could agree as well as the man himself.

        Such a match is never certain. It is one when an identity detail disagrees (a
        brother or namesake with another given name, patronymic, birth date, service
        number or mother); when the surname disagrees outright (session 12: another man's
        given name, patronymic and birth date found him through the date's key, and a
        surname beyond a typo is no typing error); when the surname agrees only approximately and neither the
        exact birth date nor the service number backs it; or when nothing but the name
        and an approximate birth date agrees. A patronymic is part of the name: without
        a birth date that agrees (a year at least) or the place of capture, a namesake
        with the same full name explains it as well, however well the date of the last
        news fits the capture. So is the mother's given name without her surname, and a
        unit that weighs less than :attr:`UNIT_ANCHOR_BITS` (or ``unit_anchor_bits``): one
        so common in the registry that a namesake shares it too often.

        Except (session 7) when the details beyond the names carry the match by
        themselves (:meth:`dated_beyond_names`): then a namesake would have to agree on
        them by chance, which the posterior already prices.
        """
        agreed = _agreement(comparisons)
        if identity_disagrees(comparisons) or _surname_disagrees(comparisons):
            return True
        anchored = agreed("birth_date", "exact") or agreed("service_number")
        if Scorer.dated_beyond_names(comparisons):
            return False
        if not agreed("surname", "exact") and not anchored:
            return True
        placed = agreed("birth_date") or agreed("capture_place")
        # The mother's given name alone is as common as a patronymic (one mother in about
        # 70 shares it): like the patronymic it counts only beside a date or place.
        mother = agreed("mother_name", "full") or (agreed("mother_name") and placed)
        bits = Scorer.UNIT_ANCHOR_BITS if unit_anchor_bits is None else unit_anchor_bits
        unit = next((c for c in comparisons if c.field == "unit"), None)
        small_unit = unit is not None and unit.weight > 0 and unit.weight >= bits
        return not (anchored or (agreed("patronymic") and placed) or mother or small_unit)

    @staticmethod
    def held_at_cap(
        comparisons: Sequence[FieldComparison], probability: float, settings: MatchSettings
    ) -> bool:
        """True when the namesake guard holds a candidate of this ``probability`` at
        ``names_only_cap``: nothing but names agreed, or a namesake could match as well
        (:meth:`namesake_could_match`), and he is not :meth:`outweighs_namesakes`."""
        if probability <= settings.names_only_cap:
            return False
        if not (Scorer.names_only(comparisons) or Scorer.namesake_could_match(comparisons)):
            return False
        return not (probability >= settings.namesake_confident and Scorer.outweighs_namesakes(comparisons))

    @staticmethod
    def outweighs_namesakes(comparisons: Sequence[FieldComparison]) -> bool:
        """True when a match the guard would hold may keep its probability once that is at
        least ``namesake_confident`` (session 9): a birth date backs the names and nothing
        of his identity disagrees.

        The surname and the given name agree (a typo is allowed: the probability prices
        it); the birth date agrees, and either the patronymic agrees too or the date is
        the full one, swapped or a year off (without the patronymic, a namesake sharing a
        month of birth, a year or a date one digit off is what the benchmark's wrong
        answers were made of); neither the given name, the patronymic, the birth date,
        the service number nor the mother's name disagrees (a brother or a twin is not
        outweighed). A match on names alone, or on names and details without a birth
        date, never is: a namesake with no date is never certain.
        """
        agreed = _agreement(comparisons)
        if identity_disagrees(comparisons):
            return False
        if not (agreed("surname") and agreed("given_name") and agreed("birth_date")):
            return False
        return agreed("patronymic") or agreed("birth_date", "exact", "swap", "year_off")

    #: What the details beyond the names must be worth together (bits) for
    #: :meth:`dated_beyond_names`: a namesake agrees on that much by chance about once in
    #: 4,000. Chosen on benchmark seeds 1-5 (docs/benchmarks.md, "Session 7").
    DATED_EVIDENCE_BITS = 12.0

    @staticmethod
    def dated_beyond_names(comparisons: Sequence[FieldComparison]) -> bool:
        """True when a birth date agrees and the details beyond the names carry the match.

        The given name agrees exactly, the birth date agrees (at any level), no identity
        detail disagrees, and the fields beyond the names (birth date, service number,
        unit, mother's name, date and place of capture) are worth at least
        :attr:`DATED_EVIDENCE_BITS` together: a month, a year off or a swap with the last
        news fitting the capture or with the place of capture, a bare year or a date one
        digit off with both (an exact date anchors a match by itself,
        :meth:`namesake_could_match`). With an
        exact surname any agreeing birth date counts; with a surname one typo away (or
        part of a compound) the date must be near-exact or give the month: a bare year
        backs an approximate surname too little (the generator's similar surnames). A
        match on names alone, or on names and details without a birth date, is never
        released: a namesake with no date is never certain.
        """
        agreed = _agreement(comparisons)

        if not (agreed("given_name", "exact") and agreed("birth_date")):
            return False
        if identity_disagrees(comparisons):
            return False
        if not (
            agreed("surname", "exact")
            or (
                agreed("surname", "typo", "part")
                and agreed("birth_date", "swap", "year_off", "typo", "month")
            )
        ):
            return False
        beyond = math.fsum(c.weight for c in comparisons if c.field not in NAME_FIELDS)
        return beyond >= Scorer.DATED_EVIDENCE_BITS


#: The details of a man's identity: one that disagrees says another man (a brother, a namesake).
IDENTITY_FIELDS = ("given_name", "patronymic", "birth_date", "service_number", "mother_name")


def identity_disagrees(comparisons: Sequence[FieldComparison]) -> bool:
    """True when a detail of the man's identity (:data:`IDENTITY_FIELDS`) disagrees."""
    return any(c.level is not None and c.weight <= 0 for c in comparisons if c.field in IDENTITY_FIELDS)


def _surname_disagrees(comparisons: Sequence[FieldComparison]) -> bool:
    return any(c.field == "surname" and c.level == "disagree" for c in comparisons)


def _agreement(comparisons: Sequence[FieldComparison]) -> Callable[..., bool]:
    """``agreed(field, *levels)``: the field agreed (at one of ``levels``, if given)."""
    by_field = {c.field: c for c in comparisons}

    def agreed(name: str, *levels: str) -> bool:
        c = by_field.get(name)
        return c is not None and c.weight > 0 and (not levels or c.level in levels)

    return agreed


def _frequencies(surname: float | None, given: float | None, unit: tuple[float, float] | None) -> Frequencies:
    return (surname, given, *(unit or (None, None)))


def posterior(
    weights: Sequence[float], *, population: int, prior_none: float, min_population: int
) -> list[float]:
    """The probability of each candidate, with "none of them" as one more hypothesis.

    Args:
        weights: calibrated match weights (bits), one per candidate.
        population: how many persons were matched against.
        prior_none: prior probability that the man is none of the registered.
        min_population: the prior is shared among at least this many.

    Returns:
        One probability per candidate, in the order given (they and "none" sum to 1).
    """
    if not weights:
        return []
    log2_k = math.log2(max(population, min_population, 1)) + math.log2(prior_none / (1 - prior_none))
    top = max(log2_k, *weights)
    denominator = math.fsum([2.0 ** (log2_k - top), *(2.0 ** (w - top) for w in weights)])
    return [2.0 ** (w - top) / denominator for w in weights]
