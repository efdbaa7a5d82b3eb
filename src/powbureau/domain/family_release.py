"""Releasing a man we hold into his family's hands: the rules.

The seeds tell of mothers who came to Kyiv to collect their captured sons. Such a release
needs the man's own recorded consent, which is where non-refoulement is heard (a man may
fear going home: "if we are exchanged, we will be shot by our own people"), his identity
confirmed against his record, the family member's identity and relation checked on a
document, and the ICRC informed. Nothing here touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from powbureau.domain.errors import InvalidInput, RuleViolation
from powbureau.domain.execution import IdentityCheck, parse_day

__all__ = ["Consent", "ConsentForm", "FamilyCheck", "FamilyRelease", "InformedHow", "check_release"]


def _required(value: str | None, what: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{what} is required", field=field)
    return text


class ConsentForm(StrEnum):
    """How a man's consent to his release was recorded."""

    SIGNED_STATEMENT = "signed_statement"
    RECORDED_INTERVIEW = "recorded_interview"
    BEFORE_ICRC_DELEGATE = "before_icrc_delegate"


class InformedHow(StrEnum):
    """How the ICRC was informed."""

    DELEGATE_PRESENT = "delegate_present"
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    NOTIFICATION = "notification"  # the bureau's signed notice to the Central Tracing Agency


@dataclass(frozen=True)
class Consent:
    """The man's own word that he wants to go with his family, and how it was recorded."""

    given: bool
    form: ConsentForm | None = None
    recorded_on: str | None = None
    recorded_by: str | None = None


@dataclass(frozen=True)
class FamilyCheck:
    """Who collects him, and how that was checked on a document."""

    name: str
    relation: str
    document_type: str
    document_number: str
    relation_evidence: str | None = None


@dataclass(frozen=True)
class FamilyRelease:
    """A release of a man we hold into the hands of a family member."""

    person_ref: str
    consent: Consent | None
    identity: IdentityCheck | None
    family: FamilyCheck | None
    released_on: str
    place: str
    released_by: str
    icrc_informed_on: str | None
    icrc_informed_how: InformedHow | None
    icrc_note: str | None = None
    note: str | None = None


def check_release(release: FamilyRelease, *, today: date) -> FamilyRelease:
    """Decide whether a release to a family may be recorded; the release, checked.

    Raises:
        RuleViolation: no recorded consent of the man, no identity check of him or of the
            family member, or the ICRC not informed.
        InvalidInput: a value that cannot be right.
    """
    consent = release.consent
    if consent is None or not consent.given:
        raise RuleViolation(
            "refused: a release to a family needs the man's own recorded consent; nobody is handed "
            "over against his will (hear his fears first: non-refoulement)"
        )
    if consent.form is None or not (consent.recorded_by or "").strip() or not consent.recorded_on:
        raise RuleViolation("refused: record how, when and by whom his consent was recorded")
    if release.identity is None:
        raise RuleViolation("refused: the man's identity must be confirmed against his record")
    release.identity.validate()
    family = release.family
    if family is None or not all(
        (v or "").strip()
        for v in (family.name, family.relation, family.document_type, family.document_number)
    ):
        raise RuleViolation(
            "refused: the family member's identity and relation must be checked on a document "
            "(name, relation, document type and number)"
        )
    if release.icrc_informed_on is None or release.icrc_informed_how is None:
        raise RuleViolation("refused: record when and how the ICRC was informed of the release")
    released_on = parse_day(release.released_on, field="released_on", today=today)
    return FamilyRelease(
        person_ref=_required(release.person_ref, "the man (person)", "person"),
        consent=Consent(
            True,
            consent.form,
            parse_day(consent.recorded_on, field="consent_recorded_on", today=today),
            (consent.recorded_by or "").strip(),
        ),
        identity=release.identity,
        family=FamilyCheck(
            family.name.strip(),
            family.relation.strip(),
            family.document_type.strip(),
            family.document_number.strip(),
            (family.relation_evidence or "").strip() or None,
        ),
        released_on=released_on,
        place=_required(release.place, "the place of the handover", "place"),
        released_by=_required(release.released_by, "the officer who releases him", "released_by"),
        icrc_informed_on=parse_day(release.icrc_informed_on, field="icrc_informed_on", today=today),
        icrc_informed_how=release.icrc_informed_how,
        icrc_note=(release.icrc_note or "").strip() or None,
        note=(release.note or "").strip() or None,
    )
