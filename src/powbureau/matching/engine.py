"""The engine's two questions: who may this inquiry be about, and is this man registered twice.

Both take their candidates from a :class:`.CandidateIndex` and score each with the same
:class:`.Scorer`. Nothing depends on other inquiries: the same inquiry against the same
registry gets the same candidates and probabilities, alone or in a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import combinations

from powbureau.matching.index import CandidateIndex
from powbureau.matching.prior import InquiryWeights
from powbureau.matching.profile import Profile
from powbureau.matching.query import TraceQuery
from powbureau.matching.scoring import Candidate, FieldComparison, Scorer, posterior
from powbureau.matching.settings import MatchSettings, default_settings

__all__ = ["find_candidates", "find_duplicates", "inquiry_weights"]

#: The details that can separate candidates, in the order an officer should ask for them.
_SEPARATORS = (
    ("birth", "birth date"),
    ("service", "service number"),
    ("unit", "unit"),
    ("patronymic", "patronymic"),
    ("mother_given", "mother's name"),
    ("capture_place", "place of capture"),
)
#: Two candidates at least this likely to be one man go to a merge review.
_DUPLICATE_AT = 0.5


def _scorer(settings: MatchSettings) -> Scorer:
    """The scorer of these settings (the last one built is kept)."""
    if not _LAST or _LAST[0].settings is not settings:
        _LAST[:] = [Scorer(settings)]
    return _LAST[0]


_LAST: list[Scorer] = []


def _score_all(
    scorer: Scorer,
    query: Profile,
    records: Sequence[Profile],
    *,
    index: CandidateIndex,
    custody: str,
    inquiry: bool,
) -> tuple[
    int,
    float | None,
    tuple[float, float] | None,
    list[tuple[Profile, tuple[str | None, ...], float, float | None]],
]:
    """The population, the surname's and the unit's frequencies in it, and every record with
    its levels, weight and the frequency of the given name it shares with the query (if it does)."""
    population = index.population(custody)
    frequency = scorer.surname_frequency(index.name_surname_count(query, custody), population)
    units = (
        scorer.unit_frequencies(*index.unit_counts(query.unit, custody), population) if query.unit else None
    )
    given: dict[str, float | None] = {}
    if query.given and scorer.weighs_given_frequency:
        pairs = index.dated_pairs(custody)
        given = {g: scorer.given_frequency(index.given_count(g, custody), pairs) for g in query.given}
    scored = []
    for record in records:
        # a name with two ids (Саша) counts as its more common one: the weaker evidence
        shared = [f for g in record.given if (f := given.get(g)) is not None] if given else None
        given_frequency = max(shared) if shared else None
        levels, weight = scorer.score(
            query,
            record,
            surname_frequency=frequency,
            given_frequency=given_frequency,
            unit_frequencies=units,
            inquiry=inquiry,
        )
        scored.append((record, levels, weight, given_frequency))
    return population, frequency, units, scored


def _rank(
    query: Profile,
    records: Sequence[Profile],
    *,
    index: CandidateIndex,
    custody: str,
    settings: MatchSettings,
    prior_none: float,
    inquiry: bool,
    top: int,
) -> list[tuple[Candidate, Profile]]:
    """The ``top`` most probable candidates, by probability, then weight, then registry id.

    Every record is scored (the posterior shares one probability among all of them), but
    only those returned are built into :class:`Candidate`: a common surname brings hundreds.
    """
    scorer = _scorer(settings)
    population, frequency, units, scored = _score_all(
        scorer, query, records, index=index, custody=custody, inquiry=inquiry
    )
    probabilities = posterior(
        [w for _, _, w, _ in scored],
        population=population,
        prior_none=prior_none,
        min_population=settings.min_population,
    )
    cap, most = settings.names_only_cap, settings.max_probability
    capped = []
    for (record, levels, weight, given_frequency), p in zip(scored, probabilities, strict=True):
        # the guard only matters above its cap: below it, min(p, cap) is p and there is no note
        guarded = False
        comparisons: tuple[FieldComparison, ...] | None = None
        if p > cap:
            comparisons = scorer.comparisons(levels, frequency, given_frequency, units)
            guarded = scorer.held_at_cap(comparisons, p, settings)
        shown = min(cap if guarded else p, most)
        capped.append(
            (shown, weight, record.person_id, guarded, record, levels, given_frequency, comparisons)
        )
    capped.sort(key=lambda item: (-item[0], -item[1], item[2]))
    out = []
    for p, weight, person_id, guarded, record, levels, given_frequency, built in capped[:top]:
        notes: tuple[str, ...] = ()
        if guarded:
            notes = (
                "a namesake would agree as well: ask for the full birth date, the patronymic "
                "or the service number",
            )
        comparisons = built or scorer.comparisons(levels, frequency, given_frequency, units)
        names_only = scorer.names_only(comparisons)
        out.append((Candidate(person_id, p, weight, comparisons, names_only=names_only, notes=notes), record))
    return out


def find_candidates(
    query: TraceQuery | Profile,
    *,
    index: CandidateIndex,
    custody: str = "ours",
    top: int = 10,
    settings: MatchSettings | None = None,
) -> list[Candidate]:
    """Rank the registered persons who may be the man an inquiry asks about.

    Args:
        query: the inquiry (its fields, or an already computed profile).
        index: where the registered persons' keys and profiles are stored.
        custody: whom to match against: ``ours`` for a family inquiry (persons in our
            custody now or before), ``own`` for the other side's held lists.
        top: how many candidates to return.
        settings: scoring settings (the packaged ``settings.json`` by default).

    Returns:
        Up to ``top`` candidates, most probable first (ties by registry id), each with
        its calibrated probability and the fields that agreed, disagreed or were missing.
        Candidates that cannot be told apart say so and name the details that would
        separate them; likely duplicate registrations are marked for a merge review.

    Examples:
        >>> from powbureau.matching import MemoryCandidateIndex, profile_from_fields
        >>> man = profile_from_fields({"surname": "Коваленко", "given_name": "Дмитрий",
        ...     "birth_date": "2001-03-14"}, person_id="P1", custody="ours")
        >>> found = find_candidates(TraceQuery(surname="Kovalenko", given_name="Dima",
        ...     birth_date="2001-14-03"[:4]), index=MemoryCandidateIndex([man]))
        >>> [c.person_id for c in found]
        ['P1']
    """
    settings = settings or default_settings()
    profile = query.profile() if isinstance(query, TraceQuery) else query
    records = index.candidates(profile, custody)
    ranked = _rank(
        profile,
        records,
        index=index,
        custody=custody,
        settings=settings,
        prior_none=settings.prior_not_registered,
        inquiry=True,
        top=top,
    )
    return _annotate(profile, ranked, settings)


def inquiry_weights(
    query: TraceQuery | Profile,
    *,
    index: CandidateIndex,
    custody: str = "ours",
    settings: MatchSettings | None = None,
) -> InquiryWeights:
    """Every candidate's match weight and the population: what the prior's estimate needs.

    The weights are those :func:`find_candidates` shares its posterior among, for every
    candidate the index returns (not only the best ones).
    """
    settings = settings or default_settings()
    profile = query.profile() if isinstance(query, TraceQuery) else query
    records = index.candidates(profile, custody)
    population, _, _, scored = _score_all(
        _scorer(settings), profile, records, index=index, custody=custody, inquiry=True
    )
    return InquiryWeights(tuple(weight for _, _, weight, _ in scored), population)


def _annotate(
    query: Profile, ranked: list[tuple[Candidate, Profile]], settings: MatchSettings
) -> list[Candidate]:
    """Say which candidates cannot be told apart (and what would), or are one man twice."""
    if len(ranked) < 2 or ranked[0][0].probability >= settings.confident:
        return [c for c, _ in ranked]
    best = ranked[0][0].probability
    least = max(best * settings.ambiguity_ratio, settings.ambiguity_floor)
    group = [(c, r) for c, r in ranked if c.probability >= least]
    if len(group) < 2:
        return [c for c, _ in ranked]
    scorer = _scorer(settings)
    duplicates: dict[str, set[str]] = {c.person_id: set() for c, _ in group}
    for (a, ra), (b, rb) in combinations(group, 2):
        if _same_man(scorer, ra, rb, settings):
            duplicates[a.person_id].add(b.person_id)
            duplicates[b.person_id].add(a.person_id)
    out: list[Candidate] = []
    in_group = {c.person_id for c, _ in group}
    for candidate, record in ranked:
        if candidate.person_id not in in_group:
            out.append(candidate)
            continue
        twins = tuple(sorted(duplicates[candidate.person_id]))
        others = [(c, r) for c, r in group if c.person_id != candidate.person_id and c.person_id not in twins]
        notes: list[str] = list(candidate.notes)
        separating: tuple[str, ...] = ()
        if others:
            separating = _separating(query, [record, *(r for _, r in others)])
            detail = ", ".join(separating) or "no recorded detail"
            notes.append(
                f"cannot be told apart from {', '.join(c.person_id for c, _ in others)}; "
                f"{detail} would separate them"
            )
        if twins:
            notes.append(f"probably the same man as {', '.join(twins)}: for a merge review")
        out.append(
            replace(
                candidate,
                cannot_tell_apart=tuple(c.person_id for c, _ in others),
                separating=separating,
                possible_duplicates=twins,
                notes=tuple(notes),
            )
        )
    return out


def _same_man(scorer: Scorer, a: Profile, b: Profile, settings: MatchSettings) -> bool:
    comparisons = scorer.compare(a, b, inquiry=False)
    if scorer.names_only(comparisons):
        return False
    p = posterior(
        [scorer.total(comparisons)],
        population=1,
        prior_none=1 - settings.duplicate_rate,
        min_population=settings.min_population,
    )[0]
    return p >= _DUPLICATE_AT


def _separating(query: Profile, records: Sequence[Profile]) -> tuple[str, ...]:
    """Details the inquiry lacks (or gives only in part) that differ among the records."""
    out = []
    for attribute, label in _SEPARATORS:
        asked = getattr(query, attribute)
        values = {getattr(r, attribute) for r in records if getattr(r, attribute)}
        if len(values) < 2:
            continue
        if attribute == "birth" and asked and len(asked) < 10:
            out.append("full birth date")
        elif not asked:
            out.append(label)
    return tuple(out)


def find_duplicates(
    profile: Profile,
    *,
    index: CandidateIndex,
    custody: str,
    top: int = 5,
    settings: MatchSettings | None = None,
    min_probability: float = 0.01,
) -> list[Candidate]:
    """Registered persons of the same custody who may be this new registration again.

    Args:
        profile: the new registration's profile (its ``person_id`` is never a candidate).
        index: the stored keys and profiles.
        custody: the registration's custody: duplicates are looked for among the same.
        top: how many to return at most.
        min_probability: leave out candidates less likely than this.

    Returns:
        Candidates for a merge review, most probable first; empty when none is likely.
    """
    settings = settings or default_settings()
    records = [r for r in index.candidates(profile, custody) if r.person_id != profile.person_id]
    ranked = _rank(
        profile,
        records,
        index=index,
        custody=custody,
        settings=settings,
        prior_none=1 - settings.duplicate_rate,
        inquiry=False,
        top=top,
    )
    return [c for c, _ in ranked if c.probability >= min_probability]
