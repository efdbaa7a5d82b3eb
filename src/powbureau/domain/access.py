"""Who may see what: staff roles, and the reader of a person's data that the audit log names.

GC III Art. 13 forbids exposing prisoners to public curiosity: nothing about any person is
public, each role sees only what its work needs, and every read of a person's data is
recorded with who read it and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Channel", "Reader", "Role"]


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
