"""Releasing a man we hold into his family's hands (the seeds: mothers collecting sons in Kyiv)."""

from __future__ import annotations

from dataclasses import dataclass, field

from powbureau.domain.errors import RuleViolation
from powbureau.domain.events import utc_now
from powbureau.domain.family_release import FamilyRelease, check_release
from powbureau.domain.people import Custody
from powbureau.services.execution.handover import today
from powbureau.services.registry import enter_event
from powbureau.store.uow import UnitOfWork

__all__ = ["ReleaseResult", "release_to_family"]


@dataclass(frozen=True)
class ReleaseResult:
    """A release to a family as recorded."""

    release_id: int
    person_id: str
    event_id: int
    warnings: list[str] = field(default_factory=list)


def release_to_family(
    *, uow: UnitOfWork, release: FamilyRelease, recorded_by: str, expected_version: int | None = None
) -> ReleaseResult:
    """Release a man we hold into his family's hands: a ``released`` event and the record of
    his consent, both identity checks and the ICRC informed.

    Raises:
        RuleViolation: no consent, a check missing, the ICRC not informed, not a man we hold,
            or an impossible release (he is not held).
        InvalidInput: a value that cannot be right.
        ConcurrentModification: his record changed since ``expected_version``.
    """
    checked = check_release(release, today=today())
    assert checked.consent is not None and checked.identity is not None and checked.family is not None
    assert checked.icrc_informed_on is not None and checked.icrc_informed_how is not None
    with uow:
        person_id = uow.persons.resolve(checked.person_ref)
        if uow.persons.get(person_id)["custody"] != Custody.OURS:
            raise RuleViolation(
                f"{person_id} is one of our own people: only a man we hold is released to a family"
            )
        recorded = enter_event(
            uow,
            ref=person_id,
            kind="released",
            recorded_by=recorded_by,
            occurred_on=checked.released_on,
            place=checked.place,
            source="bureau",
            expected_version=expected_version,
            details={"to_family": checked.family.relation},
        )
        release_id = uow.execution.add_release(
            {
                "person_id": person_id,
                "released_on": checked.released_on,
                "place": checked.place,
                "released_by": checked.released_by,
                "consent_form": checked.consent.form,
                "consent_recorded_on": checked.consent.recorded_on,
                "consent_recorded_by": checked.consent.recorded_by,
                "identity_methods": " ".join(checked.identity.methods),
                "identity_checked": " ".join(checked.identity.checked),
                "family_name": checked.family.name,
                "family_relation": checked.family.relation,
                "family_document_type": checked.family.document_type,
                "family_document_number": checked.family.document_number,
                "family_relation_evidence": checked.family.relation_evidence,
                "icrc_informed_on": checked.icrc_informed_on,
                "icrc_informed_how": checked.icrc_informed_how.value,
                "icrc_note": checked.icrc_note,
                "note": checked.note,
                "event_id": recorded.event.id,
                "recorded_at": utc_now(),
                "recorded_by": recorded_by,
            }
        )
        uow.commit()
    return ReleaseResult(release_id, person_id, recorded.event.id, recorded.warnings)
