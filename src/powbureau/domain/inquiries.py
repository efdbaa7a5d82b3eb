"""Tracing cases: families asking whether a man is held, and the answers they may get.

One case per sought man, however many people ask about him (a mother by phone, a father
by e-mail, a line of a bulk list); each inquirer is verified separately. The answers a
family may get are only those of the contract: held; released, exchanged or repatriated
(with the date); deceased; or no information yet. Never "not held". Nothing is answered
on the engine's word alone: an officer confirms the match and records what was checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from powbureau.domain.errors import InvalidInput, RuleViolation

__all__ = [
    "FAMILY_RELATIONS",
    "RELATION_WORDS",
    "Answer",
    "AnswerKind",
    "CaseState",
    "Channel",
    "Closure",
    "Confirmation",
    "Inquirer",
    "Verification",
    "answer_for",
    "can_tell",
    "check_confirmation",
    "family_relation",
]


class CaseState(StrEnum):
    """Where a tracing case stands."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    AWAITING_DETAILS = "awaiting_details"  # we asked the inquirer for more
    UNDER_REVIEW = "under_review"  # candidates for an officer to confirm or reject
    ANSWERED = "answered"
    NEW_ANSWER_DUE = "new_answer_due"  # something happened to the man since the answer
    CLOSED = "closed"


class Closure(StrEnum):
    """Why a case was closed."""

    FOUND = "found"
    DEATH_CONFIRMED = "death_confirmed"
    WITHDRAWN = "withdrawn"
    DUPLICATE = "duplicate"


class Channel(StrEnum):
    """How an inquiry reached the bureau."""

    WEB = "web"
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    IN_PERSON = "in_person"
    LIST = "list"  # a line of inquiries.csv


class Verification(StrEnum):
    """How an inquirer's relation to the sought man was checked."""

    CALL_BACK = "call_back"
    FAMILY_DETAIL = "family_detail"  # a detail only the family knows
    DOCUMENT = "document"


#: Relations that may receive an answer about a specific person.
FAMILY_RELATIONS = frozenset(
    {
        "mother",
        "father",
        "wife",
        "husband",
        "son",
        "daughter",
        "brother",
        "sister",
        "grandmother",
        "grandfather",
        "guardian",
        "partner",
    }
)

#: The same relations as families write them in Ukrainian and Russian (the web form, e-mail
#: and the hotline take the relation as typed); a relation not here is not family.
RELATION_WORDS: dict[str, str] = {
    **{word: "mother" for word in ("мати", "матір", "мама", "мать", "матерь")},
    **{word: "father" for word in ("батько", "тато", "отец", "папа", "отець")},
    **{word: "wife" for word in ("дружина", "жена", "супруга")},
    **{word: "husband" for word in ("чоловік", "муж", "супруг")},
    **{word: "son" for word in ("син", "сын")},
    **{word: "daughter" for word in ("донька", "дочка", "дочь", "доня")},
    **{word: "brother" for word in ("брат",)},
    **{word: "sister" for word in ("сестра",)},
    **{word: "grandmother" for word in ("бабуся", "бабця", "баба", "бабушка")},
    **{word: "grandfather" for word in ("дідусь", "дід", "дедушка", "дед")},
    **{word: "guardian" for word in ("опікун", "опекун", "опікунка", "опекунша")},
    **{word: "partner" for word in ("цивільна дружина", "гражданская жена", "партнер", "партнерка")},
}


def family_relation(relation: str) -> str | None:
    """The relation as one of :data:`FAMILY_RELATIONS` (``мать`` -> ``mother``), or None."""
    word = " ".join(relation.strip().lower().replace("ё", "е").split())
    if word in FAMILY_RELATIONS:
        return word
    return RELATION_WORDS.get(word)


_OPEN = {
    CaseState.RECEIVED,
    CaseState.ACKNOWLEDGED,
    CaseState.AWAITING_DETAILS,
    CaseState.UNDER_REVIEW,
    CaseState.NEW_ANSWER_DUE,
}
_NEXT: dict[CaseState, set[CaseState]] = {
    CaseState.RECEIVED: {
        CaseState.ACKNOWLEDGED,
        CaseState.AWAITING_DETAILS,
        CaseState.UNDER_REVIEW,
        CaseState.ANSWERED,
        CaseState.CLOSED,
    },
    # A case still open whose man was confirmed gets news of him (a held list names him):
    # an answer is due, as after an answer.
    CaseState.ACKNOWLEDGED: {
        CaseState.AWAITING_DETAILS,
        CaseState.UNDER_REVIEW,
        CaseState.ANSWERED,
        CaseState.NEW_ANSWER_DUE,
        CaseState.CLOSED,
    },
    CaseState.AWAITING_DETAILS: {
        CaseState.UNDER_REVIEW,
        CaseState.ACKNOWLEDGED,
        CaseState.ANSWERED,
        CaseState.NEW_ANSWER_DUE,
        CaseState.CLOSED,
    },
    CaseState.UNDER_REVIEW: {
        CaseState.ANSWERED,
        CaseState.AWAITING_DETAILS,
        CaseState.ACKNOWLEDGED,
        CaseState.NEW_ANSWER_DUE,
        CaseState.CLOSED,
    },
    CaseState.ANSWERED: {CaseState.NEW_ANSWER_DUE, CaseState.UNDER_REVIEW, CaseState.CLOSED},
    CaseState.NEW_ANSWER_DUE: {CaseState.ANSWERED, CaseState.UNDER_REVIEW, CaseState.CLOSED},
    CaseState.CLOSED: set(),
}


def check_transition(current: CaseState, to: CaseState) -> None:
    """Refuse a state change the case cannot make.

    Raises:
        RuleViolation: naming both states.
    """
    if to not in _NEXT[current]:
        raise RuleViolation(f"a case that is {current.value} cannot become {to.value}")


def is_open(state: CaseState) -> bool:
    """True while the case is still worked on (and re-checked against new registrations)."""
    return state in _OPEN


@dataclass(frozen=True)
class Inquirer:
    """Someone who asks about the sought man."""

    name: str
    relation: str
    contact: str
    channel: Channel
    language: str = "uk"
    knows: str = ""
    verification: Verification | None = None
    verified_by: str | None = None
    verified_at: str | None = None

    @property
    def is_family(self) -> bool:
        """True when the stated relation is one that may be answered."""
        return family_relation(self.relation) is not None

    def verified(self, how: Verification, *, by: str, at: datetime) -> Inquirer:
        """The inquirer with his relation verified: how, by whom and when."""
        if not by.strip():
            raise InvalidInput("a verification names the officer who did it", field="verified_by")
        return replace(self, verification=how, verified_by=by, verified_at=at.isoformat())


class AnswerKind(StrEnum):
    """The only answers a family may get (contract, "Answers to families")."""

    HELD = "held"
    RELEASED = "released"
    EXCHANGED = "exchanged"
    REPATRIATED = "repatriated"
    DECEASED = "deceased"
    NO_INFORMATION = "no_information_yet"


@dataclass(frozen=True)
class Answer:
    """What may be told, and how: ``by_person`` answers are never put in pages or e-mails."""

    kind: AnswerKind
    on: str | None = None
    by_person: bool = False
    blocked: str | None = None


@dataclass(frozen=True)
class Confirmation:
    """An officer's confirmation that a registered person is the man sought."""

    person_id: str
    officer: str
    checked: tuple[str, ...]
    second_officer: str | None = None
    notes: str = ""


#: Details that, agreeing, make a confirmation more than "name and birth year".
STRONG_DETAILS = frozenset(
    {
        "birth_date_full",
        "service_number",
        "patronymic",
        "unit",
        "mother_name",
        "father_name",
        "capture_place",
        "photo",
        "document",
        "family_detail",
    }
)


def check_confirmation(confirmation: Confirmation, *, status: str) -> None:
    """Refuse a confirmation that the contract does not allow to stand.

    A confirmation on name and birth year alone needs a second officer; so does any
    confirmation of a dead man. The second officer is not the first.

    Raises:
        InvalidInput: nothing recorded as checked.
        RuleViolation: a second officer is needed, or is the same person.
    """
    if not confirmation.checked:
        raise InvalidInput("record what was checked to confirm the match", field="checked")
    if confirmation.second_officer and confirmation.second_officer == confirmation.officer:
        raise RuleViolation("the second officer must be another person than the first")
    weak = not (set(confirmation.checked) & STRONG_DETAILS)
    if weak and not confirmation.second_officer:
        raise RuleViolation("confirmed on name and birth year alone: a second officer must confirm it too")
    if status in ("deceased", "remains_returned", "reported_dead") and not confirmation.second_officer:
        raise RuleViolation("a death is confirmed by two officers")


def can_tell(inquirer: Inquirer) -> str | None:
    """Why this inquirer may not be told about a specific person, or None if he may."""
    if not inquirer.is_family:
        return f"{inquirer.relation or 'the inquirer'} is not family: no answer about a person"
    if inquirer.verification is None:
        return "the inquirer's relation has not been verified"
    return None


def answer_for(
    *,
    status: str,
    status_on: str | None,
    confirmation: Confirmation | None,
    death_record_complete: bool,
    non_disclosure: Sequence[str] = (),
    inquirer_name: str = "",
) -> Answer:
    """The answer the family may get about the confirmed person.

    Args:
        status: the person's derived status (``Status`` value).
        status_on: the date of that status, if known.
        confirmation: the officer's confirmation; None gives "no information yet".
        death_record_complete: date, place, cause, burial and grave recorded (GC III Art. 120).
        non_disclosure: the detainee's recorded wish not to disclose his capture, as the
            names of the people it covers (``"*"`` for everyone).

    Returns:
        The answer, with ``blocked`` set to the reason when it may not be given.
    """
    if confirmation is None:
        return Answer(AnswerKind.NO_INFORMATION)
    if "*" in non_disclosure or (inquirer_name and inquirer_name in non_disclosure):
        return Answer(
            AnswerKind.NO_INFORMATION, blocked="the detainee asked that his capture not be disclosed"
        )
    if status in ("held", "hospitalised"):
        return Answer(AnswerKind.HELD, on=status_on)
    if status in ("released", "exchanged", "repatriated"):
        return Answer(AnswerKind(status), on=status_on)
    if status in ("deceased", "remains_returned"):
        if not confirmation.second_officer:
            return Answer(AnswerKind.NO_INFORMATION, blocked="a death is confirmed by two officers")
        if not death_record_complete:
            return Answer(AnswerKind.NO_INFORMATION, blocked="the death record is not complete")
        return Answer(AnswerKind.DECEASED, on=status_on, by_person=True)
    return Answer(AnswerKind.NO_INFORMATION)
