"""Who may see what: staff roles, and the reader of a person's data that the audit log names.

GC III Art. 13 forbids exposing prisoners to public curiosity: nothing about any person is
public, each role sees only what its work needs, and every read of a person's data is
recorded with who read it and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "EXCHANGE_READERS",
    "PERSON_FIELDS",
    "PERSON_READERS",
    "Channel",
    "Reader",
    "Role",
    "may_read_executed_list",
    "may_read_history",
    "visible_person_fields",
]


class Role(StrEnum):
    """A staff role. One account may hold several."""

    HOTLINE_OPERATOR = "hotline_operator"  # takes calls; sees that candidates exist, never a state
    REGISTRAR = "registrar"  # registers people and their events
    TRACING_OFFICER = "tracing_officer"  # reviews candidates, confirms, answers families
    MEDICAL = "medical"  # medical needs and their waiting times
    EXCHANGE_NEGOTIATOR = "exchange_negotiator"  # categories and fitness to travel, never diagnoses
    LIAISON = "liaison"  # ICRC / Protecting Power: read-only Art. 122 fields, events, places
    AUDITOR = "auditor"  # the audit log only
    ADMINISTRATOR = "administrator"  # accounts, no person data


class Channel(StrEnum):
    """Where a read came through."""

    API = "api"
    UI = "ui"
    CLI = "cli"


@dataclass(frozen=True)
class Reader:
    """Who reads a person's data, through what, and why; the audit log records it.

    Attributes:
        user: the staff account of the session, or ``os:<login>`` for the command line.
        channel: api, ui or cli.
        roles: the roles the reader acts in (empty for the command line, which is trusted
            as the machine's operator).
        case_id: the tracing case (or, later, exchange) the read came through.
        reason: a typed reason when there is no case; such reads are flagged to the auditor.
    """

    user: str
    channel: Channel
    roles: frozenset[Role] = field(default_factory=frozenset)
    case_id: str | None = None
    reason: str | None = None


_RECORD = frozenset({"person_id", "custody", "status", "status_on", "place", "version", "unidentified"})
_CORE = frozenset({"surname", "given_name", "patronymic", "birth_date", "sex", "service_number"})
_IDENTITY = frozenset(
    {
        "birth_place",
        "nationality",
        "citizenship",
        "rank",
        "unit",
        "mother_name",
        "father_name",
        "category",
        "captured_on",
        "capture_place",
        "legal_status",
        "person_to_inform",
        "correspondence_address",
        "other_spellings",
        "description",
    }
)
_FULL = _RECORD | _CORE | _IDENTITY | {"refs", "conflicts", "open_conflicts", "registered_at", "updated_at"}

#: The fields of a person's record each role sees. The hotline operator, the auditor and
#: the administrator see none: the operator learns only that candidates exist and what to
#: ask the caller; the exchange negotiator gets what a list needs, never a diagnosis.
PERSON_FIELDS: dict[Role, frozenset[str]] = {
    Role.REGISTRAR: _FULL,
    Role.TRACING_OFFICER: _FULL,
    Role.LIAISON: _FULL,
    Role.MEDICAL: _RECORD | _CORE,
    Role.EXCHANGE_NEGOTIATOR: _RECORD | _CORE | {"rank", "unit", "category", "captured_on", "legal_status"},
}
#: Roles that read persons at all.
PERSON_READERS = frozenset(PERSON_FIELDS)
_HISTORY_READERS = frozenset({Role.REGISTRAR, Role.TRACING_OFFICER, Role.LIAISON})


def visible_person_fields(roles: frozenset[Role]) -> frozenset[str]:
    """The union of the fields the reader's roles see (empty: he may not read persons)."""
    out: frozenset[str] = frozenset()
    for role in roles:
        out |= PERSON_FIELDS.get(role, frozenset())
    return out


def may_read_history(roles: frozenset[Role]) -> bool:
    """True when one of the roles reads a person's events (GC III Art. 122 liaison included)."""
    return bool(roles & _HISTORY_READERS)


#: Roles that read the list of exchanges: the negotiator, and the ICRC / Protecting Power
#: liaison, who sees which exchanges there are (not their internal proposals).
EXCHANGE_READERS = frozenset({Role.EXCHANGE_NEGOTIATOR, Role.LIAISON})


def may_read_executed_list(roles: frozenset[Role], *, for_icrc: bool) -> bool:
    """The negotiator reads every executed list; the liaison only the ICRC's."""
    return Role.EXCHANGE_NEGOTIATOR in roles or (for_icrc and Role.LIAISON in roles)
