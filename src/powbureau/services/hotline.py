"""The hotline: while the caller speaks, tell the operator whether anyone may be the man
asked about and which detail to ask the caller for; never who, never his state.

An operator has not verified the caller, so nothing is said about any person: the hint
is whether candidates exist and the details that would settle them.
"""

from __future__ import annotations

from dataclasses import dataclass

from powbureau.domain.access import Reader
from powbureau.matching import TraceQuery
from powbureau.services.tracing import trace_name
from powbureau.store.uow import UnitOfWork

__all__ = ["HotlineHint", "hotline_hint"]

#: Candidates at least this probable count as "someone may be him".
_SOMEONE = 0.05
#: What to ask for when the caller gave it not, most useful first.
_ASK_ORDER = (
    ("birth_date", "birth date"),
    ("patronymic", "patronymic"),
    ("unit", "unit"),
    ("service_number", "service number"),
    ("mother_name", "mother's name"),
    ("last_seen_place", "place of capture"),
)


@dataclass(frozen=True)
class HotlineHint:
    """What the operator may see: whether candidates exist, and what to ask the caller."""

    candidates_exist: bool
    ask_for: tuple[str, ...]


def hotline_hint(*, uow: UnitOfWork, reader: Reader, query: TraceQuery) -> HotlineHint:
    """The hint for what the caller has said so far.

    Raises:
        InvalidInput: nothing searchable yet (no name, no service number).
    """
    found = [c for c in trace_name(uow=uow, reader=reader, query=query, top=5) if c.probability >= _SOMEONE]
    asked = []
    for candidate in found:
        for detail in candidate.separating:
            if detail not in asked:
                asked.append(detail)
    if found and not any(c.probability >= 0.95 for c in found):
        for attribute, label in _ASK_ORDER:
            if (
                not getattr(query, attribute)
                and label not in asked
                and not (attribute == "birth_date" and "full birth date" in asked)
            ):
                asked.append(label)
    if not found:
        asked = [label for attribute, label in _ASK_ORDER if not getattr(query, attribute)]
    return HotlineHint(bool(found), tuple(asked[:4]))
