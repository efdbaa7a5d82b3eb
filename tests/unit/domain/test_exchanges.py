"""The rules of an exchange: states, the formula, blocks, priority and the proposal's invariants."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powbureau.domain.errors import InvalidInput, RuleViolation
from powbureau.domain.events import EventKind, NewEvent, canonical_json, seal
from powbureau.domain.exchanges import (
    WOUNDED_CATEGORIES,
    BlockKind,
    Criterion,
    ExchangeState,
    Formula,
    FormulaKind,
    MedicalCategory,
    MedicalStanding,
    Proceedings,
    ProceedingsStage,
    Prospect,
    RepatriationWish,
    Standing,
    Wish,
    addition_refused,
    blocks_of,
    category_of,
    check_exchange_transition,
    parse_criteria,
    propose,
    standing_from,
    validate_details,
)

TODAY = date(2024, 7, 1)

# ---------------------------------------------------------------------------------------
# Strategies

statuses = st.sampled_from(
    ["held", "held", "held", "hospitalised", "released", "exchanged", "repatriated", "escaped", "deceased"]
)
categories = st.sampled_from(list(MedicalCategory))
wishes = st.none() | st.builds(
    RepatriationWish,
    st.sampled_from(list(Wish)),
    st.just("ICRC"),
    st.just("2024-05"),
    st.just("ru"),
    st.booleans(),
    st.booleans(),
)
medical = st.none() | st.builds(MedicalStanding, categories, st.booleans())
proceedings = st.none() | st.builds(Proceedings, st.sampled_from(list(ProceedingsStage)))
dates = st.none() | st.sampled_from(["2022", "2022-03", "2022-03-05", "2023-01-15", "2023-07", "2024"])


@st.composite
def prospects(draw: st.DrawFn, index: int) -> Prospect:
    return Prospect(
        person_id=f"P{index:04d}",
        custody=draw(st.sampled_from(["ours", "ours", "ours", "own"])),
        status=draw(statuses),
        unidentified=draw(st.booleans().map(lambda b: b and draw(st.booleans()))),
        captured_on=draw(dates),
        birth_date=draw(dates),
        sex=draw(st.sampled_from(["M", "F", None])),
        civilian=draw(st.booleans()),
        power=draw(st.sampled_from(["RU", "RU", "RU", "BY", None])),
        standing=Standing(draw(wishes), draw(proceedings), draw(medical)),
        requested=draw(st.booleans()),
        agreed_elsewhere=draw(st.sampled_from([None, None, None, "X1"])),
    )


@st.composite
def men(draw: st.DrawFn) -> list[Prospect]:
    count = draw(st.integers(0, 30))
    return [draw(prospects(i)) for i in range(count)]


formulas = st.one_of(
    st.integers(1, 25).map(lambda n: Formula.of("one_for_one", count=n)),
    st.just(Formula.of("all_wounded")),
    st.dictionaries(
        st.sampled_from([c.value for c in MedicalCategory if c is not MedicalCategory.PENDING]),
        st.integers(0, 8),
        min_size=1,
    )
    .filter(lambda d: any(d.values()))
    .map(lambda d: Formula.of("per_category", per_category=d)),
)
criteria = st.lists(st.sampled_from(list(Criterion)), unique=True, max_size=4)
powers = st.sampled_from([None, "RU"])


# ---------------------------------------------------------------------------------------
# The proposal's invariants


@settings(max_examples=150, deadline=None)
@given(men(), formulas, criteria, powers)
def test_a_proposal_never_offers_a_blocked_man(
    group: list[Prospect], formula: Formula, order: list[Criterion], power: str | None
) -> None:
    proposal = propose(group, formula, criteria=order, power=power, as_of=TODAY)
    by_id = {p.person_id: p for p in group}
    for choice in proposal.chosen:
        assert blocks_of(by_id[choice.person_id], power=power) == ()
        assert by_id[choice.person_id].status in ("held", "hospitalised")
        assert by_id[choice.person_id].custody == "ours"


@settings(max_examples=150, deadline=None)
@given(men(), formulas, criteria, powers)
def test_a_proposal_never_goes_over_the_formula(
    group: list[Prospect], formula: Formula, order: list[Criterion], power: str | None
) -> None:
    proposal = propose(group, formula, criteria=order, power=power, as_of=TODAY)
    taken = Counter(c.category for c in proposal.chosen)
    if formula.kind is FormulaKind.ONE_FOR_ONE:
        assert len(proposal.chosen) <= (formula.count or 0)
    elif formula.kind is FormulaKind.ALL_WOUNDED:
        assert set(taken) <= WOUNDED_CATEGORIES
    else:
        agreed = dict(formula.per_category)
        assert all(n <= agreed.get(category, 0) for category, n in taken.items())


@settings(max_examples=150, deadline=None)
@given(men(), formulas, criteria, powers, st.randoms(use_true_random=False))
def test_a_proposal_is_deterministic_in_any_order(
    group: list[Prospect], formula: Formula, order: list[Criterion], power: str | None, rng: object
) -> None:
    shuffled = list(group)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert propose(group, formula, criteria=order, power=power, as_of=TODAY) == propose(
        shuffled, formula, criteria=order, power=power, as_of=TODAY
    )


@settings(max_examples=150, deadline=None)
@given(men(), formulas, criteria, powers)
def test_every_man_is_chosen_in_reserve_or_excluded_with_a_reason(
    group: list[Prospect], formula: Formula, order: list[Criterion], power: str | None
) -> None:
    proposal = propose(group, formula, criteria=order, power=power, as_of=TODAY)
    chosen = [c.person_id for c in proposal.chosen]
    reserve = [c.person_id for c in proposal.reserve]
    excluded = [e.person_id for e in proposal.excluded]
    assert sorted(chosen + reserve + excluded) == sorted(p.person_id for p in group)
    assert all(c.reason for c in (*proposal.chosen, *proposal.reserve))
    assert all(e.blocks and e.reason for e in proposal.excluded)


@settings(max_examples=150, deadline=None)
@given(men(), formulas, criteria, powers)
def test_a_shortfall_means_nobody_eligible_was_left_out(
    group: list[Prospect], formula: Formula, order: list[Criterion], power: str | None
) -> None:
    proposal = propose(group, formula, criteria=order, power=power, as_of=TODAY)
    held_back = {e.person_id for e in proposal.excluded if e.held_back}
    for short in proposal.shortfall:
        assert short.missing > 0
        assert set(short.blocked_by) <= held_back
        if short.category == "any":
            assert not proposal.reserve
        elif formula.kind is FormulaKind.PER_CATEGORY:
            assert not [r for r in proposal.reserve if r.category.value == short.category]
    if formula.kind is FormulaKind.ONE_FOR_ONE and len(proposal.chosen) < (formula.count or 0):
        assert proposal.shortfall


@settings(max_examples=150, deadline=None)
@given(men(), st.integers(1, 25), criteria)
def test_the_seriously_wounded_and_sick_come_first(
    group: list[Prospect], count: int, order: list[Criterion]
) -> None:
    proposal = propose(group, Formula.of("one_for_one", count=count), criteria=order, as_of=TODAY)
    tier = {
        MedicalCategory.SERIOUSLY_WOUNDED: 0,
        MedicalCategory.SERIOUSLY_SICK: 0,
        MedicalCategory.NEUTRAL_ACCOMMODATION: 1,
    }
    worst_chosen = max((tier.get(c.category, 2) for c in proposal.chosen), default=-1)
    best_reserve = min((tier.get(c.category, 2) for c in proposal.reserve), default=3)
    assert worst_chosen <= best_reserve


# ---------------------------------------------------------------------------------------
# Examples


def man(pid: str, **kwargs: object) -> Prospect:
    kwargs.setdefault("power", "RU")
    return Prospect(person_id=pid, **kwargs)  # type: ignore[arg-type]


def test_length_of_captivity_then_the_negotiators_criteria_then_the_id() -> None:
    group = [
        man("P3", captured_on="2023-01-01"),
        man("P2", captured_on="2022-03-05", sex="F"),
        man("P1", captured_on="2022-03-05"),
        man("P4"),
    ]
    plain = propose(group, Formula.of("one_for_one", count=4), as_of=TODAY)
    assert [c.person_id for c in plain.chosen] == ["P1", "P2", "P3", "P4"]
    women = propose(group, Formula.of("one_for_one", count=4), criteria=[Criterion.WOMEN], as_of=TODAY)
    assert [c.person_id for c in women.chosen] == ["P2", "P1", "P3", "P4"]
    assert "about 27 months" in plain.chosen[0].reason
    assert "date of capture not recorded" in plain.chosen[3].reason


def test_a_wish_blocks_with_who_heard_it_and_why() -> None:
    fears = RepatriationWish(Wish.NOT_RETURN, "ICRC delegate", "2024-05-02", "ru", True, True)
    [block] = blocks_of(man("P1", standing=Standing(wish=fears)))
    assert block.kind is BlockKind.WISH
    assert (
        "non-refoulement" in block.reason and "ICRC delegate" in block.reason and "in private" in block.reason
    )
    unwilling = RepatriationWish(Wish.NOT_RETURN, "officer", "2024-05", "uk", False, False)
    [block] = blocks_of(man("P1", standing=Standing(wish=unwilling)))
    assert "against his will" in block.reason and "not in private" in block.reason
    willing = RepatriationWish(Wish.RETURN, "officer", "2024-05", "uk", True, False)
    assert blocks_of(man("P1", standing=Standing(wish=willing))) == ()
    assert blocks_of(man("P1", standing=Standing(proceedings=Proceedings(ProceedingsStage.CLOSED)))) == ()


def test_a_man_of_another_power_or_none_recorded_is_not_offered_to_this_party() -> None:
    assert blocks_of(man("P1", power="BY"), power="RU")[0].kind is BlockKind.OTHER_POWER
    assert "not recorded" in blocks_of(man("P1", power=None), power="RU")[0].reason
    assert blocks_of(man("P1", power="ru"), power="RU") == ()


def test_the_negotiator_may_not_add_a_blocked_man_or_go_over_the_formula() -> None:
    one = Formula.of("one_for_one", count=1)
    assert addition_refused(man("P1"), one, {}) is None
    assert "remove one first" in (addition_refused(man("P1"), one, {MedicalCategory.ABLE_BODIED: 1}) or "")
    assert "already exchanged" in (addition_refused(man("P1", status="exchanged"), one, {}) or "")
    wounded = Formula.of("all_wounded")
    assert "takes no able_bodied" in (addition_refused(man("P1"), wounded, {}) or "")
    per = Formula.of("per_category", per_category={"seriously_sick": 1})
    sick = man("P1", standing=Standing(medical=MedicalStanding(MedicalCategory.SERIOUSLY_SICK, True)))
    assert category_of(sick) is MedicalCategory.SERIOUSLY_SICK
    assert addition_refused(sick, per, {}) is None
    assert "already holds 1" in (addition_refused(sick, per, {MedicalCategory.SERIOUSLY_SICK: 1}) or "")


def test_formulas_are_checked_and_round_trip() -> None:
    for bad, kwargs in (
        ("one_for_one", {}),
        ("one_for_one", {"count": 0}),
        ("all_wounded", {"count": 3}),
        ("per_category", {"per_category": {"able_bodied": 0}}),
        ("per_category", {"per_category": {"pending": 2}}),
        ("per_category", {"per_category": {"legless": 2}}),
        ("two_for_one", {"count": 2}),
    ):
        with pytest.raises(InvalidInput):
            Formula.of(bad, **kwargs)  # type: ignore[arg-type]
    per = Formula.of("per_category", per_category={"seriously_wounded": 10, "able_bodied": 40})
    assert Formula.from_dict(per.as_dict()) == per
    assert per.describe() == "per category: 40 able_bodied, 10 seriously_wounded"
    assert parse_criteria(["requested", " oldest", "requested", ""]) == (
        Criterion.REQUESTED,
        Criterion.OLDEST,
    )
    with pytest.raises(InvalidInput, match="criterion"):
        parse_criteria(["tallest"])


def test_exchange_states_move_as_the_negotiation_does() -> None:
    check_exchange_transition(ExchangeState.PROPOSED, ExchangeState.NEGOTIATING)
    check_exchange_transition(ExchangeState.AGREED, ExchangeState.NEGOTIATING)
    check_exchange_transition(ExchangeState.AGREED, ExchangeState.EXECUTED)
    check_exchange_transition(ExchangeState.EXECUTED, ExchangeState.CLOSED)
    for current, to in (
        (ExchangeState.PROPOSED, ExchangeState.AGREED),
        (ExchangeState.EXECUTED, ExchangeState.NEGOTIATING),
        (ExchangeState.CLOSED, ExchangeState.PROPOSED),
        (ExchangeState.NEGOTIATING, ExchangeState.EXECUTED),
    ):
        with pytest.raises(RuleViolation):
            check_exchange_transition(current, to)


def _events(*items: tuple[str, dict[str, object], int | None]) -> list:  # type: ignore[type-arg]
    out = []
    prev = "0" * 64
    for i, (kind, payload, corrects) in enumerate(items, start=1):
        e = seal(
            NewEvent("P1", kind, payload=canonical_json(payload), corrects=corrects, recorded_by="t"),
            id=i,
            prev_hash=prev,
            recorded_at="2024-01-01T00:00:00.000000Z",
        )
        prev = e.hash
        out.append(e)
    return out


def test_the_latest_record_counts_and_a_retracted_one_does_not() -> None:
    first = {
        "wish": "not_return",
        "heard_by": "a",
        "heard_on": "2024-01",
        "language": "ru",
        "in_private": True,
        "fears_persecution": True,
    }
    later = {**first, "wish": "return", "fears_persecution": False}
    standing = standing_from(
        _events(
            ("registered", {}, None),
            (EventKind.REPATRIATION_WISH_RECORDED, first, None),
            (
                EventKind.MEDICAL_CATEGORY_RECORDED,
                {"category": "seriously_sick", "fit_to_travel": False},
                None,
            ),
            (EventKind.REPATRIATION_WISH_RECORDED, later, None),
            (EventKind.PROCEEDINGS_RECORDED, {"stage": "opened", "article": "119"}, None),
            ("retracted", {}, 5),
        )
    )
    assert standing.wish is not None and standing.wish.wish is Wish.RETURN
    assert standing.proceedings is None
    assert standing.medical == MedicalStanding(MedicalCategory.SERIOUSLY_SICK, False)
    # a correction takes the place of the event it corrects, not the end of the history
    corrected = standing_from(
        _events(
            (EventKind.REPATRIATION_WISH_RECORDED, first, None),
            (EventKind.REPATRIATION_WISH_RECORDED, later, None),
            (EventKind.REPATRIATION_WISH_RECORDED, {**first, "heard_by": "b"}, 1),
        )
    )
    assert corrected.wish is not None and corrected.wish.wish is Wish.RETURN


def test_the_details_kept_are_exactly_the_fields_of_each_record() -> None:
    wish = validate_details(
        EventKind.REPATRIATION_WISH_RECORDED,
        {
            "wish": "undecided",
            "heard_by": " ICRC ",
            "heard_on": "2024-05",
            "language": "uk",
            "in_private": False,
            "fears_persecution": False,
        },
        today=TODAY,
    )
    assert wish["heard_by"] == "ICRC" and wish["heard_on"] == "2024-05"
    with pytest.raises(InvalidInput, match="diagnosis"):
        validate_details(
            EventKind.MEDICAL_CATEGORY_RECORDED,
            {"category": "seriously_sick", "fit_to_travel": True, "diagnosis": "x"},
            today=TODAY,
        )
    with pytest.raises(InvalidInput, match="future"):
        validate_details(
            EventKind.REPATRIATION_WISH_RECORDED,
            {**wish, "heard_on": "2030-01"},
            today=TODAY,
        )
    with pytest.raises(InvalidInput, match="true or false"):
        validate_details(
            EventKind.MEDICAL_CATEGORY_RECORDED, {"category": "pending", "fit_to_travel": "yes"}, today=TODAY
        )
    assert validate_details(EventKind.PROCEEDINGS_RECORDED, {"stage": "sentenced"}, today=TODAY) == {
        "stage": "sentenced",
        "article": "119",
    }


def test_the_new_kinds_never_move_a_man_and_are_refused_where_they_make_no_sense() -> None:
    from powbureau.domain.lifecycle import check_entry, replay
    from powbureau.domain.registry import registration_events

    def history(category: str, *later: str) -> list:  # type: ignore[type-arg]
        news = registration_events(
            "P1", {"surname": "Коваленко", "category": category}, recorded_by="t", source="bureau"
        )
        news += [NewEvent("P1", kind, occurred_on="2024-01", recorded_by="t") for kind in later]
        out, prev = [], "0" * 64
        for i, new in enumerate(news, start=1):
            e = seal(new, id=i, prev_hash=prev, recorded_at="2024-01-01T00:00:00.000000Z")
            out.append(e)
            prev = e.hash
        return out

    held = history("pow")
    before = replay("P1", held)
    for kind in (
        EventKind.REPATRIATION_WISH_RECORDED,
        EventKind.PROCEEDINGS_RECORDED,
        EventKind.MEDICAL_CATEGORY_RECORDED,
    ):
        assert check_entry(before, kind=kind, occurred_on=None, source="the person", today=TODAY) == []
        after = replay(
            "P1",
            [*held, seal(NewEvent("P1", kind, recorded_by="t"), id=99, prev_hash="0" * 64, recorded_at="x")],
        )
        assert (after.status, after.place, after.conflicts) == (before.status, before.place, [])
        for state in (replay("P1", history("missing")), replay("P1", history("pow", "died"))):
            with pytest.raises(RuleViolation, match="refused"):
                check_entry(state, kind=kind, occurred_on=None, source="ICRC", today=TODAY)
    released = replay("P1", history("pow", "released"))
    check_entry(
        released, kind=EventKind.PROCEEDINGS_RECORDED, occurred_on=None, source="document", today=TODAY
    )
    with pytest.raises(RuleViolation, match="while the person is released"):
        check_entry(
            released,
            kind=EventKind.REPATRIATION_WISH_RECORDED,
            occurred_on=None,
            source="bureau",
            today=TODAY,
        )
