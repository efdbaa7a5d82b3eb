"""The rules of carrying out an exchange and of a release to a family, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from powbureau.domain.errors import ImportRejected, InvalidInput, RuleViolation
from powbureau.domain.execution import (
    DiscrepancyKind,
    Handover,
    HandoverEntry,
    IdentityCheck,
    IdentityMethod,
    MedicalState,
    Outcome,
    Resolution,
    UnexpectedMan,
    Valuables,
    check_resolution,
    parse_day,
    plan_execution,
)
from powbureau.domain.family_release import (
    Consent,
    ConsentForm,
    FamilyCheck,
    FamilyRelease,
    InformedHow,
    check_release,
)
from powbureau.interchange.execution_files import executed_list_csv, read_execution_entries

TODAY = date(2026, 11, 24)
HANDOVER = Handover("2026-11-20", " КПП Ширяєве ", "майор Ткаченко", "Anna Keller")
ID = IdentityCheck.of(["id_card"], ["surname", "birth_date"])


def here(person: str, line: int = 1) -> HandoverEntry:
    return HandoverEntry(person, True, ID, MedicalState.WALKING_WOUNDED, Valuables("VP-7"), line=line)


def test_an_identity_is_confirmed_how_and_against_which_fields() -> None:
    assert ID.methods == (IdentityMethod.ID_CARD,) and ID.checked == ("surname", "birth_date")
    assert IdentityCheck.of(["questions", "questions"], ["given_name", "mother_name"]).methods == (
        IdentityMethod.QUESTIONS,
    )
    for methods, checked, message in [
        ([], ["surname", "birth_date"], "how the identity was confirmed"),
        (["telepathy"], ["surname", "birth_date"], "unknown identity method 'telepathy'"),
        (["id_card"], ["surname"], "at least two fields"),
        (["id_card"], ["birth_date", "unit"], "one of them the surname or the given name"),
        (["id_card"], ["surname", "diagnosis"], "'diagnosis' is not a field"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            IdentityCheck.of(methods, checked)


def test_a_sheet_is_planned_whole_absent_men_get_no_event() -> None:
    plan = plan_execution(
        HANDOVER,
        agreed=["P1", "P2", "P3"],
        entries=[here("P3", 3), HandoverEntry("P2", False, note="в госпіталі", line=2), here("P1", 1)],
        unexpected=[UnexpectedMan("Петренко", line=4)],
        today=TODAY,
    )
    assert [e.person_id for e in plan.exchanged] == ["P1", "P3"]
    assert [e.person_id for e in plan.absent] == ["P2"]
    assert [(d.kind, d.person_id, d.name_as_written) for d in plan.discrepancies] == [
        (DiscrepancyKind.ABSENT, "P2", None),
        (DiscrepancyKind.UNEXPECTED, None, "Петренко"),
    ]
    assert plan.handover.place == "КПП Ширяєве"


@pytest.mark.parametrize(
    ("entries", "unexpected", "error", "message"),
    [
        ([here("P1")], [], RuleViolation, r"no line for 1 man/men on the agreed list \(P2\)"),
        ([here("P1"), here("P2"), here("P9")], [], RuleViolation, "P9 is not on the agreed list"),
        ([here("P1"), here("P1", 2), here("P2")], [], InvalidInput, "line 2: P1 has two lines"),
        (
            [here("P1"), HandoverEntry("P2", False, valuables=Valuables("VP-1"), line=5)],
            [],
            InvalidInput,
            "line 5: P2 is marked absent",
        ),
        (
            [here("P1"), replace(here("P2", 2), medical=None)],
            [],
            InvalidInput,
            "line 2: P2: record how he travelled",
        ),
        ([here("P1"), replace(here("P2", 2), valuables=Valuables(" "))], [], InvalidInput, "packet number"),
        (
            [here("P1"), here("P2")],
            [UnexpectedMan(" ", line=9)],
            InvalidInput,
            "line 9: an unexpected man needs",
        ),
        ([here("P1"), here("P2")], [UnexpectedMan("X", "P2")], RuleViolation, "P2 is on the agreed list"),
    ],
)
def test_a_sheet_that_does_not_fit_the_list_is_refused(
    entries: list[HandoverEntry], unexpected: list[UnexpectedMan], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        plan_execution(HANDOVER, agreed=["P1", "P2"], entries=entries, unexpected=unexpected, today=TODAY)


def test_the_handover_needs_a_past_day_a_place_the_officer_and_the_icrc_delegate() -> None:
    for bad, message in [
        (replace(HANDOVER, executed_on="20.11.2026"), "full date"),
        (replace(HANDOVER, executed_on="2026-11"), "full date"),
        (replace(HANDOVER, executed_on="2026-02-30"), "not a date"),
        (replace(HANDOVER, executed_on="2026-11-25"), "in the future"),
        (replace(HANDOVER, place=""), "border point"),
        (replace(HANDOVER, officer=" "), "officer"),
        (replace(HANDOVER, icrc_delegate=""), "ICRC delegate"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            plan_execution(bad, agreed=["P1"], entries=[here("P1")], unexpected=[], today=TODAY)
    with pytest.raises(RuleViolation, match="empty"):
        plan_execution(HANDOVER, agreed=[], entries=[], unexpected=[], today=TODAY)
    assert parse_day("2026-11-24", field="x", today=TODAY) == "2026-11-24"


def test_a_discrepancy_is_resolved_once_with_who_and_why() -> None:
    out = Resolution(Outcome.NOT_EXCHANGED, "майор Ткаченко", "провадження")
    assert check_resolution(out, kind=DiscrepancyKind.ABSENT, listed_person="P2", resolved_by=None) is None
    handed = Resolution(
        Outcome.EXCHANGED,
        "майор",
        "прибув пізніше",
        identity=ID,
        medical=MedicalState.FIT,
        valuables=Valuables(note="none held"),
    )
    assert check_resolution(handed, kind=DiscrepancyKind.ABSENT, listed_person="P2", resolved_by=None) == "P2"
    with pytest.raises(RuleViolation, match="resolved already by майор"):
        check_resolution(out, kind=DiscrepancyKind.ABSENT, listed_person="P2", resolved_by="майор")
    with pytest.raises(InvalidInput, match="reason"):
        check_resolution(
            replace(out, reason=" "), kind=DiscrepancyKind.ABSENT, listed_person="P2", resolved_by=None
        )
    with pytest.raises(RuleViolation, match="registry record"):
        check_resolution(handed, kind=DiscrepancyKind.UNEXPECTED, listed_person=None, resolved_by=None)
    with pytest.raises(RuleViolation, match="about P2, not P3"):
        check_resolution(
            replace(handed, person_id="P3"), kind=DiscrepancyKind.ABSENT, listed_person="P2", resolved_by=None
        )
    with pytest.raises(RuleViolation, match="identity confirmed"):
        check_resolution(
            replace(handed, identity=None), kind=DiscrepancyKind.ABSENT, listed_person="P2", resolved_by=None
        )
    with pytest.raises(InvalidInput, match="valuables"):
        check_resolution(
            replace(handed, valuables=None), kind=DiscrepancyKind.ABSENT, listed_person="P2", resolved_by=None
        )


RELEASE = FamilyRelease(
    person_ref="P1",
    consent=Consent(True, ConsentForm.BEFORE_ICRC_DELEGATE, "2026-11-19", " капітан Бондар "),
    identity=ID,
    family=FamilyCheck(" Наталья ", "mother", "passport", "4510 123456"),
    released_on="2026-11-20",
    place="Київ",
    released_by="капітан Бондар",
    icrc_informed_on="2026-11-20",
    icrc_informed_how=InformedHow.DELEGATE_PRESENT,
)


def test_a_release_needs_his_consent_both_checks_and_the_icrc_informed() -> None:
    checked = check_release(RELEASE, today=TODAY)
    assert checked.family is not None and checked.family.name == "Наталья"
    assert checked.consent is not None and checked.consent.recorded_by == "капітан Бондар"
    for bad, error, message in [
        (replace(RELEASE, consent=None), RuleViolation, "own recorded consent"),
        (
            replace(RELEASE, consent=Consent(False, ConsentForm.SIGNED_STATEMENT, "2026-11-19", "x")),
            RuleViolation,
            "own recorded consent",
        ),
        (
            replace(RELEASE, consent=Consent(True, None, "2026-11-19", "x")),
            RuleViolation,
            "how, when and by whom",
        ),
        (replace(RELEASE, identity=None), RuleViolation, "identity must be confirmed"),
        (replace(RELEASE, family=FamilyCheck("Н", "", "passport", "1")), RuleViolation, "relation"),
        (replace(RELEASE, icrc_informed_how=None), RuleViolation, "ICRC"),
        (replace(RELEASE, released_on="2027-01-01"), InvalidInput, "in the future"),
        (replace(RELEASE, place=""), InvalidInput, "place"),
    ]:
        with pytest.raises(error, match=message):
            check_release(bad, today=TODAY)


def test_the_entries_file_is_read_whole_naming_every_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "entries.csv"
    good.write_text(
        "line,person_id,present,identity_method,identity_checked,medical_state,valuables_packet,valuables_note,"
        "record_version,unexpected,name_as_written,note\n"
        '1,P1,yes,id_card questions,"surname,birth_date",fit,VP-1,,3,,,\n'
        "2,P2,ні,,,,,,,,,в госпіталі\n"
        ",,,,,,,,,yes,Петренко Іван,\n",
        encoding="utf-8",
    )
    entries, unexpected = read_execution_entries(good)
    assert entries[0] == HandoverEntry(
        "P1",
        True,
        IdentityCheck.of(["id_card", "questions"], ["surname", "birth_date"]),
        MedicalState.FIT,
        Valuables("VP-1"),
        3,
        None,
        1,
    )
    assert entries[1] == HandoverEntry("P2", False, note="в госпіталі", line=2)
    assert unexpected == [UnexpectedMan("Петренко Іван", None, None, 4)]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "person_id,present,medical_state,record_version,identity_method,identity_checked\n"
        "P1,maybe,,,,\nP2,yes,sick,,,\nP3,yes,fit,v2,,\nP4,no,,,id_card,surname\n,yes,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as refused:
        read_execution_entries(bad)
    assert refused.value.bad_rows == 5
    text = str(refused.value)
    for expected in (
        "line 2, present",
        "line 3, medical_state",
        "line 4, record_version",
        "line 5, present",
        "line 6, person_id",
    ):
        assert expected in text


def test_the_executed_list_csv_defuses_formulas() -> None:
    content = executed_list_csv(
        [{"row": 1, "surname": "=cmd|' /C calc'!A0", "rank": None}], ["row", "surname", "rank"]
    )
    assert content.decode("utf-8") == "row,surname,rank\n1,'=cmd|' /C calc'!A0,\n"
