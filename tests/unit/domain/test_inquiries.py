"""The answers a family may get, and who may be told (contract: "Answers to families")."""

from datetime import UTC, datetime

import pytest

from powbureau.domain.errors import InvalidInput, RuleViolation
from powbureau.domain.inquiries import (
    AnswerKind,
    CaseState,
    Channel,
    Confirmation,
    Inquirer,
    Verification,
    answer_for,
    can_tell,
    check_confirmation,
    check_transition,
    family_relation,
    is_open,
)

STRONG = Confirmation("P1", "officer-a", ("birth_date_full", "patronymic"))
TWO = Confirmation("P1", "officer-a", ("surname", "birth_year"), second_officer="officer-b")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("held", AnswerKind.HELD),
        ("hospitalised", AnswerKind.HELD),
        ("released", AnswerKind.RELEASED),
        ("exchanged", AnswerKind.EXCHANGED),
        ("repatriated", AnswerKind.REPATRIATED),
        ("escaped", AnswerKind.NO_INFORMATION),
        ("missing", AnswerKind.NO_INFORMATION),
    ],
)
def test_a_confirmed_person_gets_only_the_contract_answers(status: str, expected: AnswerKind) -> None:
    answer = answer_for(status=status, status_on="2024-05", confirmation=STRONG, death_record_complete=False)
    assert answer.kind is expected
    assert answer.kind.value != "not_held"


def test_without_an_officers_confirmation_the_answer_is_no_information_yet() -> None:
    answer = answer_for(status="held", status_on=None, confirmation=None, death_record_complete=True)
    assert answer.kind is AnswerKind.NO_INFORMATION


def test_a_death_needs_two_officers_and_a_complete_record_and_is_told_by_a_person() -> None:
    one = answer_for(status="deceased", status_on="2024", confirmation=STRONG, death_record_complete=True)
    assert one.kind is AnswerKind.NO_INFORMATION and "two officers" in (one.blocked or "")
    incomplete = answer_for(
        status="deceased", status_on="2024", confirmation=TWO, death_record_complete=False
    )
    assert incomplete.kind is AnswerKind.NO_INFORMATION and "not complete" in (incomplete.blocked or "")
    told = answer_for(status="deceased", status_on="2024", confirmation=TWO, death_record_complete=True)
    assert told.kind is AnswerKind.DECEASED and told.by_person


def test_a_wish_not_to_disclose_blocks_the_answer() -> None:
    for wish, name in ((["*"], "Наталья"), (["Наталья"], "Наталья")):
        answer = answer_for(
            status="held",
            status_on=None,
            confirmation=STRONG,
            death_record_complete=False,
            non_disclosure=wish,
            inquirer_name=name,
        )
        assert answer.kind is AnswerKind.NO_INFORMATION and answer.blocked
    other = answer_for(
        status="held",
        status_on=None,
        confirmation=STRONG,
        death_record_complete=False,
        non_disclosure=["Ольга"],
        inquirer_name="Наталья",
    )
    assert other.kind is AnswerKind.HELD


def test_name_and_birth_year_alone_need_a_second_officer() -> None:
    with pytest.raises(RuleViolation, match="second officer"):
        check_confirmation(Confirmation("P1", "a", ("surname", "birth_year")), status="held")
    check_confirmation(TWO, status="held")
    check_confirmation(STRONG, status="held")
    with pytest.raises(RuleViolation, match="another person"):
        check_confirmation(Confirmation("P1", "a", ("surname",), second_officer="a"), status="held")
    with pytest.raises(InvalidInput):
        check_confirmation(Confirmation("P1", "a", ()), status="held")
    with pytest.raises(RuleViolation, match="two officers"):
        check_confirmation(STRONG, status="deceased")


def test_only_verified_family_may_be_told() -> None:
    mother = Inquirer("Наталья", "mother", "+7 900 000-00-00", Channel.PHONE)
    assert "not been verified" in (can_tell(mother) or "")
    verified = mother.verified(Verification.CALL_BACK, by="officer-a", at=datetime(2026, 1, 1, tzinfo=UTC))
    assert can_tell(verified) is None
    journalist = Inquirer("X", "journalist", "x@example.org", Channel.EMAIL).verified(
        Verification.DOCUMENT, by="officer-a", at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert "not family" in (can_tell(journalist) or "")


def test_case_states_move_only_forward_as_allowed() -> None:
    check_transition(CaseState.RECEIVED, CaseState.UNDER_REVIEW)
    check_transition(CaseState.ANSWERED, CaseState.NEW_ANSWER_DUE)
    with pytest.raises(RuleViolation):
        check_transition(CaseState.CLOSED, CaseState.UNDER_REVIEW)
    with pytest.raises(RuleViolation):
        check_transition(CaseState.RECEIVED, CaseState.NEW_ANSWER_DUE)
    assert is_open(CaseState.NEW_ANSWER_DUE) and not is_open(CaseState.CLOSED)


@pytest.mark.parametrize(
    ("written", "relation"),
    [
        ("мать", "mother"),
        ("Мати", "mother"),
        ("  отец ", "father"),
        ("батько", "father"),
        ("дружина", "wife"),
        ("жена", "wife"),
        ("сын", "son"),
        ("бабушка", "grandmother"),
        ("Mother", "mother"),
    ],
)
def test_families_write_their_relation_in_their_own_language(written: str, relation: str) -> None:
    assert family_relation(written) == relation
    assert Inquirer("Н. К.", written, "+380", Channel.WEB).is_family


@pytest.mark.parametrize("written", ["сосед", "сусід", "friend", "журналист", ""])
def test_anyone_else_is_not_family(written: str) -> None:
    assert family_relation(written) is None
    assert can_tell(Inquirer("Н. К.", written, "+380", Channel.WEB)) is not None
