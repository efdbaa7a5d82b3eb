"""Exchanges of prisoners: the states of an exchange, the agreed formula, who may be offered, in
what order, and the proposed list that meets the formula (pure rules, no I/O).

Whom the bureau may put on its offer, and why, follows GC III:

* The seriously wounded and sick come first (Art. 109-110). Their medical category is that of
  the Model Agreement annexed to the Convention (Annex I): A, direct repatriation; B,
  accommodation in a neutral country. Only the category and fitness to travel are recorded,
  never a diagnosis: the negotiator needs nothing more.
* Then length of captivity (Art. 109(2) speaks of those long in captivity), then the criteria
  the negotiator sets (those the other party asked for, civilians, the oldest, women).
* Nobody is sent back against his will when he fears persecution (non-refoulement; ICRC
  practice; Art. 109(4) for the sick and wounded), nor while criminal proceedings or a sentence
  hold him (Art. 119), nor before he is fit to travel (Art. 109(1)), nor while he is
  unidentified or his category is pending. Each such man is shown with the reason.
* A man already exchanged, released, repatriated, escaped or dead is never offered.

The wish, the proceedings and the medical category are events of the person
(``REPATRIATION_KINDS``); :func:`standing_from` reads the current ones from his history.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from powbureau.domain.dates import PartialDate, parse_partial_date
from powbureau.domain.errors import InvalidInput, RuleViolation
from powbureau.domain.events import Event, EventKind
from powbureau.domain.lifecycle import effective_events

__all__ = [
    "DIRECT_REPATRIATION",
    "HELD_BACK",
    "WOUNDED_CATEGORIES",
    "Block",
    "BlockKind",
    "Choice",
    "Criterion",
    "ExchangeState",
    "Exclusion",
    "Formula",
    "FormulaKind",
    "MedicalCategory",
    "MedicalStanding",
    "Proceedings",
    "ProceedingsStage",
    "Proposal",
    "Prospect",
    "RepatriationWish",
    "Shortfall",
    "Standing",
    "Wish",
    "addition_refused",
    "blocks_of",
    "category_of",
    "check_exchange_transition",
    "choice_reason",
    "exchange_moves",
    "parse_criteria",
    "proposal_editable",
    "propose",
    "standing_from",
    "validate_details",
]


# ---------------------------------------------------------------------------------------
# The exchange and its states


class ExchangeState(StrEnum):
    """Where an exchange stands."""

    PROPOSED = "proposed"  # one party proposed it
    NEGOTIATING = "negotiating"  # lists go back and forth
    AGREED = "agreed"  # the names are agreed: the proposal is frozen
    EXECUTED = "executed"  # the handover took place (the execution sheet records it)
    CLOSED = "closed"  # done, or abandoned


_NEXT: dict[ExchangeState, frozenset[ExchangeState]] = {
    ExchangeState.PROPOSED: frozenset({ExchangeState.NEGOTIATING, ExchangeState.CLOSED}),
    ExchangeState.NEGOTIATING: frozenset({ExchangeState.AGREED, ExchangeState.CLOSED}),
    ExchangeState.AGREED: frozenset(
        {ExchangeState.NEGOTIATING, ExchangeState.EXECUTED, ExchangeState.CLOSED}
    ),
    ExchangeState.EXECUTED: frozenset({ExchangeState.CLOSED}),
    ExchangeState.CLOSED: frozenset(),
}


def exchange_moves(current: ExchangeState) -> frozenset[ExchangeState]:
    """The states an exchange may go to from ``current``."""
    return _NEXT[current]


def check_exchange_transition(current: ExchangeState, to: ExchangeState) -> None:
    """Refuse a state change the exchange cannot make.

    An agreement may be reopened (agreed back to negotiating) until it is executed.

    Raises:
        RuleViolation: naming both states and where the exchange may go.
    """
    if to not in _NEXT[current]:
        allowed = ", ".join(sorted(s.value for s in _NEXT[current])) or "nowhere: it is closed"
        raise RuleViolation(
            f"an exchange that is {current.value} cannot become {to.value} (it may go: {allowed})"
        )


def proposal_editable(state: ExchangeState) -> bool:
    """True while the proposal may change: before the names are agreed."""
    return state in (ExchangeState.PROPOSED, ExchangeState.NEGOTIATING)


# ---------------------------------------------------------------------------------------
# Medical categories (Model Agreement, GC III Annex I)


class MedicalCategory(StrEnum):
    """A man's category for repatriation, as the medical service or a mixed medical commission
    (Art. 112) decided it. Never a diagnosis."""

    SERIOUSLY_WOUNDED = "seriously_wounded"  # Annex I A(1)-(2): direct repatriation, Art. 110(1)
    SERIOUSLY_SICK = "seriously_sick"  # Annex I A(3): direct repatriation, Art. 110(1)
    NEUTRAL_ACCOMMODATION = "neutral_accommodation"  # Annex I B: Art. 110(2)
    WOUNDED_OR_SICK = "wounded_or_sick"  # under treatment, none of Annex I
    ABLE_BODIED = "able_bodied"  # none of the above (the default)
    PENDING = "pending"  # awaiting the medical service or a mixed medical commission


#: Annex I A: repatriated direct, regardless of number or rank (Art. 109(1), 110(1)).
DIRECT_REPATRIATION = frozenset({MedicalCategory.SERIOUSLY_WOUNDED, MedicalCategory.SERIOUSLY_SICK})
#: Every category of a wounded or sick man: what an "all wounded" formula takes.
WOUNDED_CATEGORIES = frozenset(
    {
        MedicalCategory.SERIOUSLY_WOUNDED,
        MedicalCategory.SERIOUSLY_SICK,
        MedicalCategory.NEUTRAL_ACCOMMODATION,
        MedicalCategory.WOUNDED_OR_SICK,
    }
)
#: Priority tier of each category: the seriously wounded and sick first (Annex I A, then B).
_TIER: dict[MedicalCategory, int] = {
    MedicalCategory.SERIOUSLY_WOUNDED: 0,
    MedicalCategory.SERIOUSLY_SICK: 0,
    MedicalCategory.NEUTRAL_ACCOMMODATION: 1,
    MedicalCategory.WOUNDED_OR_SICK: 2,
    MedicalCategory.ABLE_BODIED: 2,
    MedicalCategory.PENDING: 2,
}
_CATEGORY_WORDS: dict[MedicalCategory, str] = {
    MedicalCategory.SERIOUSLY_WOUNDED: "seriously wounded (Annex I A, direct repatriation, Art. 110(1))",
    MedicalCategory.SERIOUSLY_SICK: "seriously sick (Annex I A, direct repatriation, Art. 110(1))",
    MedicalCategory.NEUTRAL_ACCOMMODATION: "for accommodation in a neutral country (Annex I B, Art. 110(2))",
    MedicalCategory.WOUNDED_OR_SICK: "wounded or sick, not of Annex I",
    MedicalCategory.ABLE_BODIED: "able-bodied",
    MedicalCategory.PENDING: "category pending",
}


def _category(value: str, *, field_name: str = "category") -> MedicalCategory:
    try:
        return MedicalCategory(value)
    except ValueError:
        allowed = ", ".join(c.value for c in MedicalCategory)
        raise InvalidInput(
            f"unknown medical category {value!r} (allowed: {allowed})", field=field_name
        ) from None


# ---------------------------------------------------------------------------------------
# The formula and the negotiator's criteria


class FormulaKind(StrEnum):
    """What the parties agreed on."""

    ONE_FOR_ONE = "one_for_one"  # so many men for so many
    ALL_WOUNDED = "all_wounded"  # every wounded and sick man, regardless of number (Art. 109)
    PER_CATEGORY = "per_category"  # so many of each category


@dataclass(frozen=True)
class Formula:
    """The agreed formula.

    Attributes:
        kind: one for one, all wounded, or numbers per category.
        count: for one for one, how many men each side hands over.
        per_category: for numbers per category, (category, how many), sorted by category.
    """

    kind: FormulaKind
    count: int | None = None
    per_category: tuple[tuple[MedicalCategory, int], ...] = ()

    @classmethod
    def of(
        cls, kind: str, *, count: int | None = None, per_category: Mapping[str, int] | None = None
    ) -> Formula:
        """A formula checked for sense.

        Raises:
            InvalidInput: an unknown kind or category, a missing or negative number.
        """
        try:
            which = FormulaKind(kind)
        except ValueError:
            allowed = ", ".join(k.value for k in FormulaKind)
            raise InvalidInput(f"unknown formula {kind!r} (allowed: {allowed})", field="formula") from None
        if which is FormulaKind.ONE_FOR_ONE:
            if count is None or count < 1:
                raise InvalidInput(
                    "a one-for-one formula names how many men (count of 1 or more)", field="count"
                )
            if per_category:
                raise InvalidInput(
                    "numbers per category go with the per_category formula", field="per_category"
                )
            return cls(which, count=count)
        if which is FormulaKind.ALL_WOUNDED:
            if count is not None or per_category:
                raise InvalidInput("an all-wounded formula takes no numbers", field="formula")
            return cls(which)
        if count is not None:
            raise InvalidInput("a per-category formula gives its numbers per category", field="count")
        numbers: dict[MedicalCategory, int] = {}
        for name, number in (per_category or {}).items():
            category = _category(name, field_name="per_category")
            if category is MedicalCategory.PENDING:
                raise InvalidInput("no number can be agreed for a pending category", field="per_category")
            if number < 0:
                raise InvalidInput(
                    f"the number for {category.value} cannot be negative", field="per_category"
                )
            numbers[category] = number
        if not any(numbers.values()):
            raise InvalidInput(
                "a per-category formula needs a number above 0 for some category", field="per_category"
            )
        return cls(which, per_category=tuple(sorted(numbers.items())))

    def as_dict(self) -> dict[str, Any]:
        """The formula as stored (JSON)."""
        return {
            "kind": self.kind.value,
            "count": self.count,
            "per_category": {c.value: n for c, n in self.per_category},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Formula:
        """The formula :meth:`as_dict` stored."""
        return cls.of(
            str(data["kind"]), count=data.get("count"), per_category=data.get("per_category") or None
        )

    def describe(self) -> str:
        """In words, as the negotiator reads it."""
        if self.kind is FormulaKind.ONE_FOR_ONE:
            return f"one for one: {self.count} for {self.count}"
        if self.kind is FormulaKind.ALL_WOUNDED:
            return "all wounded and sick, regardless of number"
        return "per category: " + ", ".join(f"{n} {c.value}" for c, n in self.per_category)

    def allows(self, category: MedicalCategory) -> bool:
        """True when a man of this category can count towards the formula at all."""
        if self.kind is FormulaKind.ALL_WOUNDED:
            return category in WOUNDED_CATEGORIES
        if self.kind is FormulaKind.PER_CATEGORY:
            return dict(self.per_category).get(category, 0) > 0
        return category is not MedicalCategory.PENDING


class Criterion(StrEnum):
    """What the negotiator may order by after the medical tier and length of captivity."""

    REQUESTED = "requested"  # the other party asked for him (a matched row of its request list)
    CIVILIANS = "civilians"  # civilian internees first
    OLDEST = "oldest"  # the oldest first
    WOMEN = "women"  # women first


def parse_criteria(values: Iterable[str]) -> tuple[Criterion, ...]:
    """The negotiator's criteria in his order, each once.

    Raises:
        InvalidInput: an unknown criterion.
    """
    out: list[Criterion] = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            criterion = Criterion(value)
        except ValueError:
            allowed = ", ".join(c.value for c in Criterion)
            raise InvalidInput(
                f"unknown criterion {value!r} (allowed: {allowed})", field="criteria"
            ) from None
        if criterion not in out:
            out.append(criterion)
    return tuple(out)


# ---------------------------------------------------------------------------------------
# The man's wish, proceedings against him, his medical category


class Wish(StrEnum):
    """What he said when asked whether he wants to be repatriated."""

    RETURN = "return"
    NOT_RETURN = "not_return"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class RepatriationWish:
    """His recorded wish: what, who heard it, when, in which language, whether in private.

    It can change: the latest recorded wish counts.
    """

    wish: Wish
    heard_by: str
    heard_on: str
    language: str
    in_private: bool
    fears_persecution: bool
    note: str = ""

    def describe(self) -> str:
        """One line for the negotiator."""
        what = {
            Wish.RETURN: "wishes to be repatriated",
            Wish.NOT_RETURN: "does not wish to be repatriated",
            Wish.UNDECIDED: "has not decided whether he wishes to be repatriated",
        }[self.wish]
        privately = "in private" if self.in_private else "not in private"
        fears = "; fears persecution if sent back" if self.fears_persecution else ""
        return f"{what} (heard by {self.heard_by} on {self.heard_on}, in {self.language}, {privately}){fears}"


class ProceedingsStage(StrEnum):
    """Where criminal proceedings against him stand (GC III Art. 119(5))."""

    OPENED = "opened"  # prosecuted for an indictable offence
    SENTENCED = "sentenced"  # serving a sentence
    CLOSED = "closed"  # acquitted, dropped, or the sentence served


@dataclass(frozen=True)
class Proceedings:
    """Criminal proceedings against him, as last recorded."""

    stage: ProceedingsStage
    article: str = "119"
    reference: str = ""

    def describe(self) -> str:
        """One line for the negotiator."""
        ref = f" ({self.reference})" if self.reference else ""
        what = {
            ProceedingsStage.OPENED: "criminal proceedings pending",
            ProceedingsStage.SENTENCED: "serving a sentence",
            ProceedingsStage.CLOSED: "proceedings closed",
        }[self.stage]
        return f"{what}{ref} (GC III Art. {self.article})"


@dataclass(frozen=True)
class MedicalStanding:
    """His medical category and fitness to travel, and who decided them; never a diagnosis."""

    category: MedicalCategory
    fit_to_travel: bool
    decided_by: str = ""


_LANGUAGE_MAX = 40
_TEXT_MAX = 2000


def _text(details: Mapping[str, Any], name: str, *, required: bool, limit: int = 200) -> str:
    value = details.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{name.replace('_', ' ')} is required", field=name)
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name.replace('_', ' ')} must be text", field=name)
    if len(value) > limit:
        raise InvalidInput(f"{name.replace('_', ' ')} is longer than {limit} characters", field=name)
    return value.strip()


def _flag(details: Mapping[str, Any], name: str, *, required: bool = True) -> bool:
    value = details.get(name)
    if value is None and not required:
        return False
    if not isinstance(value, bool):
        raise InvalidInput(f"{name.replace('_', ' ')} must be true or false", field=name)
    return value


def validate_details(kind: str, details: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """The payload of a ``REPATRIATION_KINDS`` event, checked: exactly what is stored.

    A wish names what he said, who heard it, when, in which language and whether in
    private; proceedings their stage and article; a medical category its category and
    fitness to travel. A diagnosis has no field: nothing else is kept.

    Raises:
        InvalidInput: naming the field.
    """
    unknown = set(details) - _DETAIL_FIELDS[kind]
    if unknown:
        raise InvalidInput(f"{kind} has no field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    if kind == EventKind.REPATRIATION_WISH_RECORDED:
        try:
            wish = Wish(str(details.get("wish")))
        except ValueError:
            allowed = ", ".join(w.value for w in Wish)
            raise InvalidInput(f"wish must be one of {allowed}", field="wish") from None
        heard_on = _text(details, "heard_on", required=True, limit=10)
        try:
            when = parse_partial_date(heard_on)
        except InvalidInput as exc:
            raise InvalidInput(str(exc), field="heard_on") from None
        if when.earliest > today:
            raise InvalidInput(f"heard on {when}: that is in the future", field="heard_on")
        payload: dict[str, Any] = {
            "wish": wish.value,
            "heard_by": _text(details, "heard_by", required=True),
            "heard_on": str(when),
            "language": _text(details, "language", required=True, limit=_LANGUAGE_MAX),
            "in_private": _flag(details, "in_private"),
            "fears_persecution": _flag(details, "fears_persecution"),
        }
        if payload["fears_persecution"] and wish is Wish.RETURN:
            raise InvalidInput(
                "he fears persecution yet wishes to return: record what he said, as he said it, "
                "with the fear in the note",
                field="fears_persecution",
            )
    elif kind == EventKind.PROCEEDINGS_RECORDED:
        try:
            stage = ProceedingsStage(str(details.get("stage")))
        except ValueError:
            allowed = ", ".join(s.value for s in ProceedingsStage)
            raise InvalidInput(f"stage must be one of {allowed}", field="stage") from None
        payload = {
            "stage": stage.value,
            "article": _text(details, "article", required=False, limit=20) or "119",
        }
        reference = _text(details, "reference", required=False)
        if reference:
            payload["reference"] = reference
    elif kind == EventKind.MEDICAL_CATEGORY_RECORDED:
        category = _category(str(details.get("category")))
        payload = {"category": category.value, "fit_to_travel": _flag(details, "fit_to_travel")}
        decided_by = _text(details, "decided_by", required=False)
        if decided_by:
            payload["decided_by"] = decided_by
    else:
        raise InvalidInput(f"{kind} carries no details", field="kind")
    note = _text(details, "note", required=False, limit=_TEXT_MAX)
    if note:
        payload["note"] = note
    return payload


_DETAIL_FIELDS: dict[str, frozenset[str]] = {
    EventKind.REPATRIATION_WISH_RECORDED: frozenset(
        {"wish", "heard_by", "heard_on", "language", "in_private", "fears_persecution", "note"}
    ),
    EventKind.PROCEEDINGS_RECORDED: frozenset({"stage", "article", "reference", "note"}),
    EventKind.MEDICAL_CATEGORY_RECORDED: frozenset({"category", "fit_to_travel", "decided_by", "note"}),
}


@dataclass(frozen=True)
class Standing:
    """What his history says bears on his repatriation now: the latest of each record."""

    wish: RepatriationWish | None = None
    proceedings: Proceedings | None = None
    medical: MedicalStanding | None = None


def standing_from(events: Sequence[Event]) -> Standing:
    """The latest wish, proceedings and medical category in a man's events.

    Retracted and replaced events are left out, and a correction counts where the event it
    corrects stood, as :func:`powbureau.domain.lifecycle.replay` orders them.
    """
    by_id = {e.id: e for e in events}

    def position(event: Event) -> int:
        seen: set[int] = set()
        while event.corrects is not None and event.corrects in by_id and event.id not in seen:
            seen.add(event.id)
            event = by_id[event.corrects]
        return event.id

    wish: RepatriationWish | None = None
    proceedings: Proceedings | None = None
    medical: MedicalStanding | None = None
    for event in sorted(
        effective_events(sorted(events, key=lambda e: e.id)), key=lambda e: (position(e), e.id)
    ):
        if event.kind == EventKind.REPATRIATION_WISH_RECORDED:
            d = json.loads(event.payload)
            if "wish" in d:
                wish = RepatriationWish(
                    Wish(d["wish"]),
                    d.get("heard_by", ""),
                    d.get("heard_on", ""),
                    d.get("language", ""),
                    bool(d.get("in_private")),
                    bool(d.get("fears_persecution")),
                    d.get("note", ""),
                )
        elif event.kind == EventKind.PROCEEDINGS_RECORDED:
            d = json.loads(event.payload)
            if "stage" in d:
                proceedings = Proceedings(
                    ProceedingsStage(d["stage"]), d.get("article", "119"), d.get("reference", "")
                )
        elif event.kind == EventKind.MEDICAL_CATEGORY_RECORDED:
            d = json.loads(event.payload)
            if "category" in d:
                medical = MedicalStanding(
                    MedicalCategory(d["category"]), bool(d.get("fit_to_travel")), d.get("decided_by", "")
                )
    return Standing(wish, proceedings, medical)


# ---------------------------------------------------------------------------------------
# Who may be offered


@dataclass(frozen=True)
class Prospect:
    """A man the bureau might offer, with what decides whether and when.

    Attributes:
        person_id: registry id.
        custody: ``ours`` or ``own`` (only ``ours`` can be offered).
        status: his derived status (``held``, ``hospitalised``, ``exchanged``, ...).
        status_on: the date of that status.
        unidentified: registered without an established identity (GC III Art. 17).
        captured_on: the date of capture (partial), for length of captivity.
        birth_date: partial, for the ``oldest`` criterion.
        sex: ``M``, ``F`` or None.
        civilian: a civilian internee rather than a prisoner of war.
        power: the Power he depends on (the ``nationality`` column).
        standing: his wish, proceedings and medical category.
        requested: the other party asked for him on its request list.
        agreed_elsewhere: another exchange whose agreed list names him.
    """

    person_id: str
    custody: str = "ours"
    status: str = "held"
    status_on: str | None = None
    unidentified: bool = False
    captured_on: str | None = None
    birth_date: str | None = None
    sex: str | None = None
    civilian: bool = False
    power: str | None = None
    standing: Standing = field(default_factory=Standing)
    requested: bool = False
    agreed_elsewhere: str | None = None


class BlockKind(StrEnum):
    """Why a man is not offered."""

    NOT_OURS = "not_ours"  # our own people are asked for, not offered
    NO_LONGER_HELD = "no_longer_held"  # already exchanged, released, repatriated or escaped
    DEAD = "dead"
    OTHER_POWER = "other_power"  # depends on another Power, or on none recorded
    AGREED_ELSEWHERE = "agreed_elsewhere"
    WISH = "wish"  # his recorded wish against repatriation
    PROCEEDINGS = "proceedings"  # Art. 119
    NOT_FIT = "not_fit_to_travel"  # Art. 109(1)
    UNIDENTIFIED = "unidentified"
    CATEGORY_PENDING = "category_pending"


#: Blocks that hold back a man who could otherwise go: these are "who blocks" a shortfall.
#: The others (not ours, gone, dead, another Power) mean he is simply not there to offer.
HELD_BACK = frozenset(
    {
        BlockKind.AGREED_ELSEWHERE,
        BlockKind.WISH,
        BlockKind.PROCEEDINGS,
        BlockKind.NOT_FIT,
        BlockKind.UNIDENTIFIED,
        BlockKind.CATEGORY_PENDING,
    }
)


@dataclass(frozen=True)
class Block:
    """One reason a man is not offered (internal: never on a document for the other party)."""

    kind: BlockKind
    reason: str


_IN_CUSTODY = frozenset({"held", "hospitalised"})
_GONE = {
    "released": "already released",
    "exchanged": "already exchanged",
    "repatriated": "already repatriated",
    "escaped": "escaped",
}
_DEAD = {"deceased", "remains_returned", "reported_dead"}


def category_of(prospect: Prospect) -> MedicalCategory:
    """His recorded medical category; able-bodied when none was recorded."""
    medical = prospect.standing.medical
    return medical.category if medical is not None else MedicalCategory.ABLE_BODIED


def blocks_of(prospect: Prospect, *, power: str | None = None) -> tuple[Block, ...]:
    """Every reason this man may not be offered now; empty when he may.

    Args:
        prospect: the man.
        power: the other party's Power (ISO code); when given, a man depending on another
            Power, or on none recorded, is not offered to this party.
    """
    out: list[Block] = []
    since = f" on {prospect.status_on}" if prospect.status_on else ""
    if prospect.custody != "ours":
        out.append(Block(BlockKind.NOT_OURS, "one of our own people: he is asked for, never offered"))
    if prospect.status in _DEAD:
        out.append(
            Block(BlockKind.DEAD, f"recorded {prospect.status.replace('_', ' ')}{since}: never offered")
        )
    elif prospect.status in _GONE:
        out.append(Block(BlockKind.NO_LONGER_HELD, f"{_GONE[prospect.status]}{since}: never offered again"))
    elif prospect.status not in _IN_CUSTODY and prospect.custody == "ours":
        out.append(Block(BlockKind.NO_LONGER_HELD, f"not in our custody ({prospect.status})"))
    if power is not None and prospect.custody == "ours":
        if not prospect.power:
            out.append(Block(BlockKind.OTHER_POWER, "the Power he depends on is not recorded"))
        elif prospect.power.upper() != power.upper():
            out.append(Block(BlockKind.OTHER_POWER, f"depends on {prospect.power}, not on {power.upper()}"))
    if prospect.agreed_elsewhere:
        out.append(
            Block(BlockKind.AGREED_ELSEWHERE, f"already agreed in exchange {prospect.agreed_elsewhere}")
        )
    standing = prospect.standing
    wish = standing.wish
    if wish is not None and wish.wish is Wish.NOT_RETURN:
        why = (
            "no one is sent back against his will when he fears persecution (non-refoulement)"
            if wish.fears_persecution
            else "no one is repatriated against his will (GC III Art. 109; a recorded review is needed)"
        )
        out.append(Block(BlockKind.WISH, f"{wish.describe()}: {why}"))
    proceedings = standing.proceedings
    if proceedings is not None and proceedings.stage is not ProceedingsStage.CLOSED:
        out.append(Block(BlockKind.PROCEEDINGS, f"{proceedings.describe()}: may be kept until they end"))
    medical = standing.medical
    if medical is not None and medical.category is MedicalCategory.PENDING:
        by = f" by {medical.decided_by}" if medical.decided_by else ""
        out.append(Block(BlockKind.CATEGORY_PENDING, f"medical category pending{by}"))
    if medical is not None and not medical.fit_to_travel:
        out.append(Block(BlockKind.NOT_FIT, "not fit to travel (GC III Art. 109(1): once fit to travel)"))
    if prospect.unidentified:
        out.append(Block(BlockKind.UNIDENTIFIED, "unidentified (GC III Art. 17): identify him first"))
    return tuple(out)


# ---------------------------------------------------------------------------------------
# The proposal


@dataclass(frozen=True)
class Choice:
    """A man on the proposed list (or in reserve), with why and where."""

    person_id: str
    category: MedicalCategory
    reason: str


@dataclass(frozen=True)
class Exclusion:
    """A man who may not be offered, with every reason (internal)."""

    person_id: str
    category: MedicalCategory
    blocks: tuple[Block, ...]

    @property
    def held_back(self) -> bool:
        """True when he is there to offer but something holds him back."""
        return all(b.kind in HELD_BACK for b in self.blocks)

    @property
    def reason(self) -> str:
        """Every reason, in one line."""
        return "; ".join(b.reason for b in self.blocks)


@dataclass(frozen=True)
class Shortfall:
    """Where the formula cannot be met: how many are missing, and who is held back.

    ``category`` is a medical category, or ``any`` for a one-for-one formula.
    """

    category: str
    wanted: int
    chosen: int
    blocked_by: tuple[str, ...]

    @property
    def missing(self) -> int:
        """How many men the formula asks for that cannot be put on the list."""
        return self.wanted - self.chosen


@dataclass(frozen=True)
class Proposal:
    """A proposed list: chosen in priority order, the eligible men in reserve, the excluded
    with their reasons, and the shortfall per category."""

    formula: Formula
    chosen: tuple[Choice, ...]
    reserve: tuple[Choice, ...]
    excluded: tuple[Exclusion, ...]
    shortfall: tuple[Shortfall, ...]

    @property
    def met(self) -> bool:
        """True when the list meets the formula."""
        return not self.shortfall


def _midpoint(text: str | None) -> int | None:
    """A partial date as a day number at the middle of its range (None when unknown)."""
    if not text:
        return None
    try:
        when: PartialDate = parse_partial_date(text)
    except InvalidInput:
        return None
    first, last = when.earliest.toordinal(), when.latest.toordinal()
    return (first + last) // 2


def _priority(prospect: Prospect, criteria: Sequence[Criterion]) -> tuple[Any, ...]:
    """Sort key: the medical tier, length of captivity, the negotiator's criteria, the id."""
    category = category_of(prospect)
    captured = _midpoint(prospect.captured_on)
    key: list[Any] = [_TIER[category], (captured is None, captured or 0)]
    for criterion in criteria:
        if criterion is Criterion.REQUESTED:
            key.append(not prospect.requested)
        elif criterion is Criterion.CIVILIANS:
            key.append(not prospect.civilian)
        elif criterion is Criterion.WOMEN:
            key.append((prospect.sex or "").upper() != "F")
        elif criterion is Criterion.OLDEST:
            born = _midpoint(prospect.birth_date)
            key.append((born is None, born or 0))
    key.append(prospect.person_id)
    return tuple(key)


def _months(captured_on: str | None, as_of: date) -> str:
    middle = _midpoint(captured_on)
    if middle is None:
        return "date of capture not recorded"
    months = max(0, (as_of.toordinal() - middle) * 12 // 365)
    return f"held since {captured_on} (about {months} months)"


def choice_reason(prospect: Prospect, criteria: Sequence[Criterion], as_of: date) -> str:
    """Why he is on the list, as the negotiator reads it: category, captivity, criteria, wish."""
    category = category_of(prospect)
    parts = [_CATEGORY_WORDS[category]]
    medical = prospect.standing.medical
    if medical is not None and medical.fit_to_travel:
        parts.append("fit to travel")
    parts.append(_months(prospect.captured_on, as_of))
    if Criterion.REQUESTED in criteria and prospect.requested:
        parts.append("asked for by the other party")
    if Criterion.CIVILIANS in criteria and prospect.civilian:
        parts.append("civilian internee")
    if Criterion.WOMEN in criteria and (prospect.sex or "").upper() == "F":
        parts.append("a woman")
    if Criterion.OLDEST in criteria and prospect.birth_date:
        parts.append(f"born {prospect.birth_date}")
    wish = prospect.standing.wish
    parts.append(wish.describe() if wish is not None else "no wish recorded")
    return "; ".join(parts)


def propose(
    prospects: Iterable[Prospect],
    formula: Formula,
    *,
    criteria: Sequence[Criterion] = (),
    power: str | None = None,
    as_of: date,
) -> Proposal:
    """The proposed list meeting the formula, in priority order, or as near as it can get.

    Every man is either chosen, in reserve (eligible, beyond what the formula takes) or
    excluded with his reasons. Where the formula cannot be met, the shortfall per category
    names the men held back (wish, proceedings, fitness, identity, pending category) who
    would otherwise fill it. The same men give the same proposal, in whatever order.
    """
    ordered = sorted({p.person_id: p for p in prospects}.values(), key=lambda p: _priority(p, criteria))
    eligible: list[Prospect] = []
    excluded: list[Exclusion] = []
    for prospect in ordered:
        blocks = blocks_of(prospect, power=power)
        if blocks:
            excluded.append(Exclusion(prospect.person_id, category_of(prospect), blocks))
        else:
            eligible.append(prospect)
    held_back = [e for e in excluded if e.held_back]
    chosen: list[Prospect] = []
    shortfall: list[Shortfall] = []

    def blocking(categories: Iterable[MedicalCategory] | None) -> tuple[str, ...]:
        wanted = None if categories is None else set(categories)
        return tuple(
            e.person_id
            for e in held_back
            if wanted is None or e.category in wanted or e.category is MedicalCategory.PENDING
        )

    if formula.kind is FormulaKind.ONE_FOR_ONE:
        count = formula.count or 0
        chosen = eligible[:count]
        if len(chosen) < count:
            shortfall.append(Shortfall("any", count, len(chosen), blocking(None)))
    elif formula.kind is FormulaKind.ALL_WOUNDED:
        chosen = [p for p in eligible if category_of(p) in WOUNDED_CATEGORIES]
        for category in sorted(WOUNDED_CATEGORIES):
            who = tuple(e.person_id for e in held_back if e.category is category)
            if who:
                taken = sum(1 for p in chosen if category_of(p) is category)
                shortfall.append(Shortfall(category.value, taken + len(who), taken, who))
    else:
        for category, number in formula.per_category:
            of_category = [p for p in eligible if category_of(p) is category][:number]
            chosen.extend(of_category)
            if len(of_category) < number:
                shortfall.append(Shortfall(category.value, number, len(of_category), blocking([category])))
        chosen.sort(key=lambda p: _priority(p, criteria))
    taken_ids = {p.person_id for p in chosen}
    reserve = []
    for p in eligible:
        if p.person_id in taken_ids:
            continue
        category = category_of(p)
        why = (
            "eligible, in reserve"
            if formula.allows(category)
            else f"the formula takes no {category.value} man"
        )
        reserve.append(Choice(p.person_id, category, f"{why}: {choice_reason(p, criteria, as_of)}"))
    return Proposal(
        formula,
        tuple(Choice(p.person_id, category_of(p), choice_reason(p, criteria, as_of)) for p in chosen),
        tuple(reserve),
        tuple(excluded),
        tuple(shortfall),
    )


def addition_refused(
    prospect: Prospect,
    formula: Formula,
    on_list: Mapping[MedicalCategory, int],
    *,
    power: str | None = None,
) -> str | None:
    """Why the negotiator may not add this man to the proposal, or None if he may.

    A blocked man is never offered, and the list never goes over the formula: to swap a
    man, remove one first.

    Args:
        on_list: how many men of each category the proposal already holds.
    """
    blocks = blocks_of(prospect, power=power)
    if blocks:
        return "; ".join(b.reason for b in blocks)
    category = category_of(prospect)
    if not formula.allows(category):
        return f"the formula ({formula.describe()}) takes no {category.value} man"
    if formula.kind is FormulaKind.ONE_FOR_ONE and sum(on_list.values()) >= (formula.count or 0):
        return f"the list already holds {formula.count} men ({formula.describe()}): remove one first"
    if formula.kind is FormulaKind.PER_CATEGORY:
        allowed = dict(formula.per_category).get(category, 0)
        if on_list.get(category, 0) >= allowed:
            return f"the list already holds {allowed} {category.value} men: remove one first"
    return None
