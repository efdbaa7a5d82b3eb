"""Carrying out an exchange at a border point: the rules.

An exchange is carried out where there is often no network: the bureau prints a sheet,
the officer fills it in by hand, both parties (and the ICRC delegate) sign the paper
handover list, and everything is entered afterwards, all of it or nothing. Per man the
sheet records whether he was there, how his identity was confirmed against the record,
how he travelled (never a diagnosis), and his valuables (GC III Art. 119). A man on the
list who did not come, or a man who came but was not on the list, is a **discrepancy**:
no ``exchanged`` event is written for him until an officer resolves it, naming who
decided and why.

Nothing here touches a database; the services store what :func:`plan_execution` and
:func:`check_resolution` accept. A release to a family is in :mod:`family_release`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from powbureau.domain.errors import InvalidInput, RuleViolation

__all__ = [
    "CHECKABLE_FIELDS",
    "Discrepancy",
    "DiscrepancyKind",
    "ExecutionPlan",
    "Handover",
    "HandoverEntry",
    "IdentityCheck",
    "IdentityMethod",
    "MedicalState",
    "Outcome",
    "Resolution",
    "UnexpectedMan",
    "Valuables",
    "check_resolution",
    "parse_day",
    "plan_execution",
]

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class MedicalState(StrEnum):
    """How a man travels at the handover: what the receiving side must prepare, never a diagnosis."""

    FIT = "fit"
    WALKING_WOUNDED = "walking_wounded"
    SEATED = "seated"
    STRETCHER = "stretcher"


class IdentityMethod(StrEnum):
    """How an identity was confirmed."""

    ID_CARD = "id_card"  # the GC III Art. 17 identity card
    IDENTITY_DOCUMENT = "identity_document"  # a passport or another official document
    SERVICE_NUMBER = "service_number"
    IDENTITY_DISC = "identity_disc"
    FINGERPRINTS = "fingerprints"
    PHOTOGRAPH = "photograph"  # compared with the photograph of the record
    QUESTIONS = "questions"  # personal details only he knows, asked against the record
    ICRC_CARD = "icrc_card"  # the ICRC registration card


#: The fields of a record an identity may be confirmed against.
CHECKABLE_FIELDS = frozenset(
    {
        "surname",
        "given_name",
        "patronymic",
        "birth_date",
        "birth_place",
        "rank",
        "unit",
        "service_number",
        "mother_name",
        "father_name",
        "nationality",
        "description",
    }
)
_NAME_FIELDS = {"surname", "given_name"}


class DiscrepancyKind(StrEnum):
    """What did not go as the list said."""

    ABSENT = "absent"  # on the agreed list, not at the border
    UNEXPECTED = "unexpected"  # at the border, not on the agreed list


class Outcome(StrEnum):
    """How a discrepancy was resolved."""

    EXCHANGED = "exchanged"  # he was handed over after all (an exchanged event is written)
    NOT_EXCHANGED = "not_exchanged"  # he stays where he is; no event


def parse_day(text: str, *, field: str, today: date) -> str:
    """A full date (YYYY-MM-DD) that is not in the future, as ISO text.

    Raises:
        InvalidInput: not a full date, or a date after ``today``.
    """
    value = (text or "").strip()
    if not _DAY.match(value):
        raise InvalidInput(f"{field} {text!r} must be a full date such as 2026-11-24", field=field)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field} {text!r} is not a date", field=field) from None
    if day > today:
        raise InvalidInput(f"{field} {value} is in the future", field=field)
    return value


def _required(value: str | None, what: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{what} is required", field=field)
    return text


@dataclass(frozen=True)
class IdentityCheck:
    """How a man's identity was confirmed, and against which fields of his record.

    Attributes:
        methods: how (an ID card, fingerprints, questions, ...).
        checked: the record's fields found to agree (at least two, one of them a name).
    """

    methods: tuple[IdentityMethod, ...]
    checked: tuple[str, ...]

    @classmethod
    def of(cls, methods: Iterable[str], checked: Iterable[str]) -> IdentityCheck:
        """Read an identity check from text values, naming the first that cannot be right.

        Raises:
            InvalidInput: an unknown method or field, no method, fewer than two fields, no name.
        """
        chosen: list[IdentityMethod] = []
        for text in methods:
            try:
                method = IdentityMethod(text.strip())
            except ValueError:
                allowed = ", ".join(m.value for m in IdentityMethod)
                raise InvalidInput(
                    f"unknown identity method {text!r} (allowed: {allowed})", field="identity_method"
                ) from None
            if method not in chosen:
                chosen.append(method)
        fields: list[str] = []
        for text in checked:
            name = text.strip()
            if name not in CHECKABLE_FIELDS:
                allowed = ", ".join(sorted(CHECKABLE_FIELDS))
                raise InvalidInput(
                    f"{name!r} is not a field an identity is checked against (allowed: {allowed})",
                    field="identity_checked",
                )
            if name not in fields:
                fields.append(name)
        check = cls(tuple(chosen), tuple(fields))
        check.validate()
        return check

    def validate(self) -> None:
        """Refuse a check that confirms nothing.

        Raises:
            InvalidInput: no method, fewer than two fields of the record, or no name among them.
        """
        if not self.methods:
            raise InvalidInput(
                "say how the identity was confirmed (identity_method)", field="identity_method"
            )
        if len(self.checked) < 2 or not _NAME_FIELDS & set(self.checked):
            raise InvalidInput(
                "an identity is confirmed against at least two fields of the record, one of them "
                "the surname or the given name (identity_checked)",
                field="identity_checked",
            )


@dataclass(frozen=True)
class Valuables:
    """What was returned to him (GC III Art. 119): a packet number, or a note ("none held")."""

    packet: str | None = None
    note: str | None = None

    def validate(self) -> None:
        """Refuse an empty record: the sheet must say what happened to his valuables.

        Raises:
            InvalidInput: neither a packet number nor a note.
        """
        if not (self.packet or "").strip() and not (self.note or "").strip():
            raise InvalidInput(
                "record the valuables returned: a packet number, or a note such as 'none held'",
                field="valuables",
            )


@dataclass(frozen=True)
class Handover:
    """The handover itself: when, where, and who signed for the bureau and the ICRC."""

    executed_on: str
    place: str
    officer: str
    icrc_delegate: str
    other_party_officer: str | None = None

    def validate(self, today: date) -> Handover:
        """The handover with its date checked and its names trimmed.

        Raises:
            InvalidInput: a missing place or name, or a date that is not a past full date.
        """
        return Handover(
            executed_on=parse_day(self.executed_on, field="executed_on", today=today),
            place=_required(self.place, "the border point (place)", "place"),
            officer=_required(self.officer, "the officer's name", "officer"),
            icrc_delegate=_required(self.icrc_delegate, "the ICRC delegate's name", "icrc_delegate"),
            other_party_officer=(self.other_party_officer or "").strip() or None,
        )


@dataclass(frozen=True)
class HandoverEntry:
    """One line of the sheet as filled in at the border, for a man on the agreed list.

    Attributes:
        person_id: his registry id, printed on the sheet.
        present: whether he was at the border.
        identity: how his identity was confirmed (present men only).
        medical: how he travelled (present men only).
        valuables: what was returned to him (present men only).
        record_version: the version of his record printed on the sheet; the entry is
            refused if the record changed since.
        note: internal; never in a document for the other party or the ICRC.
        line: the line of the sheet or of the entered file, for messages.
    """

    person_id: str
    present: bool
    identity: IdentityCheck | None = None
    medical: MedicalState | None = None
    valuables: Valuables | None = None
    record_version: int | None = None
    note: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class UnexpectedMan:
    """A man at the border who is not on the agreed list.

    Attributes:
        name_as_written: his name as he or the other party gave it.
        person_id: his registry id, if the officer found his record.
        note: internal.
        line: for messages.
    """

    name_as_written: str
    person_id: str | None = None
    note: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Discrepancy:
    """A discrepancy to store: open until an officer resolves it."""

    kind: DiscrepancyKind
    person_id: str | None
    name_as_written: str | None
    note: str | None
    line: int | None


@dataclass(frozen=True)
class ExecutionPlan:
    """What entering a sheet does: who is exchanged now, and the discrepancies left open."""

    handover: Handover
    exchanged: tuple[HandoverEntry, ...]
    absent: tuple[HandoverEntry, ...]
    discrepancies: tuple[Discrepancy, ...]


def _where(line: int | None) -> str:
    return f"line {line}: " if line is not None else ""


def plan_execution(
    handover: Handover,
    *,
    agreed: Sequence[str],
    entries: Sequence[HandoverEntry],
    unexpected: Sequence[UnexpectedMan],
    today: date,
) -> ExecutionPlan:
    """Check a filled-in sheet against the agreed list, as a whole.

    Every man on the list has exactly one line; a present man has his identity confirmed,
    his medical state and his valuables recorded; an absent man gets no exchange event
    and becomes a discrepancy; an unexpected man becomes a discrepancy and is not
    exchanged until it is resolved.

    Raises:
        InvalidInput: a line that cannot be right, named by its line number.
        RuleViolation: the sheet does not fit the agreed list (a missing or doubled line).
    """
    checked = handover.validate(today)
    listed = list(dict.fromkeys(agreed))
    if not listed:
        raise RuleViolation("the agreed list is empty: there is nobody to exchange")
    on_list = set(listed)
    seen: dict[str, HandoverEntry] = {}
    for entry in entries:
        where = _where(entry.line)
        if len(entry.person_id) > 32:
            raise InvalidInput(f"{where}{entry.person_id[:40]}... is not a registry id", field="person_id")
        if entry.person_id not in on_list:
            raise RuleViolation(
                f"{where}{entry.person_id} is not on the agreed list; enter him as an unexpected man"
            )
        if entry.person_id in seen:
            raise InvalidInput(f"{where}{entry.person_id} has two lines", field="person_id")
        seen[entry.person_id] = entry
        if entry.present:
            try:
                if entry.identity is None:
                    raise InvalidInput(
                        "a man handed over needs his identity confirmed against the record",
                        field="identity_method",
                    )
                entry.identity.validate()
                if entry.medical is None:
                    raise InvalidInput(
                        "record how he travelled (medical_state: fit, walking_wounded, seated, stretcher)",
                        field="medical_state",
                    )
                (entry.valuables or Valuables()).validate()
            except InvalidInput as exc:
                raise InvalidInput(f"{where}{entry.person_id}: {exc}", field=exc.field) from None
        elif entry.identity is not None or entry.medical is not None or entry.valuables is not None:
            raise InvalidInput(
                f"{where}{entry.person_id} is marked absent: an absent man has no identity check, "
                "medical state or valuables at the handover",
                field="present",
            )
    missing = [p for p in listed if p not in seen]
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise RuleViolation(
            f"the sheet has no line for {len(missing)} man/men on the agreed list ({shown}); "
            "mark each present or absent"
        )
    discrepancies: list[Discrepancy] = []
    ordered = [seen[p] for p in listed]
    absent = tuple(e for e in ordered if not e.present)
    for entry in absent:
        discrepancies.append(
            Discrepancy(DiscrepancyKind.ABSENT, entry.person_id, None, entry.note, entry.line)
        )
    for man in unexpected:
        name = (man.name_as_written or "").strip()
        if not name and not man.person_id:
            raise InvalidInput(f"{_where(man.line)}an unexpected man needs his name as written", field="name")
        if man.person_id and len(man.person_id) > 32:
            raise InvalidInput(
                f"{_where(man.line)}{man.person_id[:40]}... is not a registry id", field="person_id"
            )
        if man.person_id and man.person_id in on_list:
            raise RuleViolation(
                f"{_where(man.line)}{man.person_id} is on the agreed list; enter him in his own line"
            )
        discrepancies.append(
            Discrepancy(DiscrepancyKind.UNEXPECTED, man.person_id, name or None, man.note, man.line)
        )
    return ExecutionPlan(
        handover=checked,
        exchanged=tuple(e for e in ordered if e.present),
        absent=absent,
        discrepancies=tuple(discrepancies),
    )


@dataclass(frozen=True)
class Resolution:
    """An officer's decision on a discrepancy.

    Attributes:
        outcome: exchanged after all, or not exchanged.
        by: the officer who decided.
        reason: why; internal, never in a document for the other party or the ICRC.
        person_id: for an unexpected man handed over, his registry id (register him first
            if the bureau did not know him).
        identity, medical, valuables: as on a sheet's line, when he is handed over.
        occurred_on: when he was handed over (default: the day of the exchange).
    """

    outcome: Outcome
    by: str
    reason: str
    person_id: str | None = None
    identity: IdentityCheck | None = None
    medical: MedicalState | None = None
    valuables: Valuables | None = None
    occurred_on: str | None = None


def check_resolution(
    resolution: Resolution, *, kind: DiscrepancyKind, listed_person: str | None, resolved_by: str | None
) -> str | None:
    """Decide whether a discrepancy may be resolved so; the person to exchange, if any.

    Args:
        kind: the discrepancy's kind.
        listed_person: the man the discrepancy names (the absent man, or an unexpected man
            whose record was found at the border).
        resolved_by: who resolved it before, if anyone.

    Raises:
        RuleViolation: it is resolved already, or a handover lacks what a sheet's line needs.
        InvalidInput: no officer or no reason.
    """
    if resolved_by is not None:
        raise RuleViolation(f"the discrepancy was resolved already by {resolved_by}")
    _required(resolution.by, "the officer who resolves it", "by")
    _required(resolution.reason, "the reason for the resolution", "reason")
    if resolution.outcome is Outcome.NOT_EXCHANGED:
        return None
    person = resolution.person_id or listed_person
    if person is None:
        raise RuleViolation(
            "an unexpected man is exchanged only under his registry record: register him, then "
            "name his registry id (person_id)"
        )
    if kind is DiscrepancyKind.ABSENT and resolution.person_id and resolution.person_id != listed_person:
        raise RuleViolation(f"the discrepancy is about {listed_person}, not {resolution.person_id}")
    if resolution.identity is None or resolution.medical is None:
        raise RuleViolation(
            "a man handed over needs his identity confirmed against the record and his medical state"
        )
    resolution.identity.validate()
    (resolution.valuables or Valuables()).validate()
    return person
