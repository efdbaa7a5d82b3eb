"""Tracing cases on both databases: one case per man, review, answers, standing re-checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import READER, Registry, add_places, event, register, write_csv
from powbureau.domain.errors import InvalidInput, RuleViolation
from powbureau.domain.inquiries import AnswerKind, Channel, Inquirer
from powbureau.matching import TraceQuery
from powbureau.services import inquiries

MOTHER = Inquirer("Наталья Коваленко", "mother", "+380 50 000 00 00", Channel.PHONE, "uk")
FATHER = Inquirer("Сергій Коваленко", "father", "serhii@example.org", Channel.EMAIL, "uk")
DIMA = TraceQuery(surname="Коваленко", given_name="Дима", birth_date="2001")


def _open(reg: Registry, sought: TraceQuery = DIMA, who: Inquirer = MOTHER) -> inquiries.OpenedCase:
    return inquiries.open_inquiry(uow=reg.uow(), sought=sought, inquirer=who, recorded_by="operator")


def test_a_mother_and_a_father_asking_about_one_man_share_one_case(registry: Registry) -> None:
    register(
        registry,
        fields={
            "surname": "Kovalenko",
            "given_name": "Dmytro",
            "patronymic": "Serhiiovych",
            "birth_date": "2001-03-14",
        },
    )
    first = _open(registry)
    second = _open(registry, TraceQuery(surname="KOVALENKO", given_name="Дмитрий"), FATHER)
    assert first.new_case and not second.new_case
    assert second.case_id == first.case_id
    view = inquiries.case_view(uow=registry.uow(write=False), reader=READER, case_id=first.case_id)
    assert [i["relation"] for i in view["inquirers"]] == ["mother", "father"]
    assert view["state"] == "under_review"
    assert len(view["candidates"]) == 1


def test_a_german_spelling_of_the_surname_joins_the_same_case(registry: Registry) -> None:
    first = _open(registry, TraceQuery(surname="Козлов", given_name="Андрей", birth_date="1990"))
    second = _open(
        registry, TraceQuery(surname="Koslow", given_name="Andrej", birth_date="1990-05-17"), FATHER
    )
    assert second.case_id == first.case_id and not second.new_case
    other = _open(registry, TraceQuery(surname="Kosslow", given_name="Andrej"), FATHER)
    assert other.new_case  # ss is с: Косслов, not Козлов


def test_an_inquiry_made_before_the_man_is_registered_is_matched_when_he_arrives(registry: Registry) -> None:
    opened = _open(registry)
    assert opened.state == "acknowledged" and opened.candidates == 0
    inquiries.recheck_open_cases(uow=registry.uow(), recorded_by="job")  # nothing new yet
    person = register(
        registry,
        fields={
            "surname": "КОВАЛЕНКО",
            "given_name": "Дмитрий",
            "patronymic": "Сергеевич",
            "birth_date": "2001-03-14",
        },
    )
    summary = inquiries.recheck_open_cases(uow=registry.uow(), recorded_by="job")
    assert (opened.case_id, person) in summary.new_candidates
    view = inquiries.case_view(uow=registry.uow(write=False), reader=READER, case_id=opened.case_id)
    assert view["state"] == "under_review"
    again = inquiries.recheck_open_cases(uow=registry.uow(), recorded_by="job")
    assert again.new_candidates == [] and again.from_event == summary.to_event


def test_confirmation_answer_and_a_new_answer_due_after_a_later_event(registry: Registry) -> None:
    add_places(registry, "CAMP-1")
    person = register(
        registry,
        fields={
            "surname": "Коваленко",
            "given_name": "Дмитро",
            "birth_date": "2001-03-14",
            "captured_on": "2024-05",
        },
    )
    opened = _open(registry)
    with pytest.raises(RuleViolation, match="second officer"):
        inquiries.decide_candidate(
            uow=registry.uow(),
            case_id=opened.case_id,
            person_ref=person,
            confirm=True,
            officer="officer-a",
            checked=["surname", "birth_year"],
        )
    inquiries.decide_candidate(
        uow=registry.uow(),
        case_id=opened.case_id,
        person_ref=person,
        confirm=True,
        officer="officer-a",
        checked=["birth_date_full", "family_detail"],
    )
    unverified = inquiries.answer_case(
        uow=registry.uow(), case_id=opened.case_id, inquirer_id=opened.inquirer_id, officer="officer-a"
    )
    assert unverified.answer.kind is AnswerKind.NO_INFORMATION and unverified.refused
    inquiries.verify_inquirer(
        uow=registry.uow(), inquirer_id=opened.inquirer_id, how="call_back", officer="officer-a"
    )
    told = inquiries.answer_case(
        uow=registry.uow(), case_id=opened.case_id, inquirer_id=opened.inquirer_id, officer="officer-a"
    )
    assert told.answer.kind is AnswerKind.HELD and told.refused is None
    inquiries.recheck_open_cases(uow=registry.uow(), recorded_by="job")
    event(registry, person, "transferred", place="CAMP-1")
    summary = inquiries.recheck_open_cases(uow=registry.uow(), recorded_by="job")
    assert summary.new_answers_due == [opened.case_id]
    assert (
        inquiries.case_view(uow=registry.uow(write=False), reader=READER, case_id=opened.case_id)["state"]
        == "new_answer_due"
    )


def test_a_dead_man_is_not_told_on_one_officers_word(registry: Registry) -> None:
    person = register(
        registry, fields={"surname": "Коваленко", "given_name": "Дмитро", "birth_date": "2001-03-14"}
    )
    event(registry, person, "died", occurred_on="2024-06")
    opened = _open(registry)
    with pytest.raises(RuleViolation, match="two officers"):
        inquiries.decide_candidate(
            uow=registry.uow(),
            case_id=opened.case_id,
            person_ref=person,
            confirm=True,
            officer="officer-a",
            checked=["birth_date_full"],
        )
    inquiries.decide_candidate(
        uow=registry.uow(),
        case_id=opened.case_id,
        person_ref=person,
        confirm=True,
        officer="officer-a",
        checked=["birth_date_full"],
        second_officer="officer-b",
    )
    inquiries.verify_inquirer(
        uow=registry.uow(), inquirer_id=opened.inquirer_id, how="document", officer="officer-a"
    )
    result = inquiries.answer_case(
        uow=registry.uow(), case_id=opened.case_id, inquirer_id=opened.inquirer_id, officer="officer-a"
    )
    assert result.answer.kind is AnswerKind.NO_INFORMATION
    assert "death record" in (result.refused or "")


def test_family_inquiries_are_matched_only_against_persons_in_our_custody(registry: Registry) -> None:
    register(
        registry,
        fields={
            "surname": "Коваленко",
            "given_name": "Дмитро",
            "birth_date": "2001-03-14",
            "category": "missing",
        },
    )
    opened = _open(registry)
    assert opened.candidates == 0


def test_inquiries_csv_is_filed_once_and_bad_lines_refuse_the_file(
    registry: Registry, tmp_path: Path
) -> None:
    register(registry, fields={"surname": "Коваленко", "given_name": "Дмитро", "birth_date": "2001-03-14"})
    columns = [
        "query_ref",
        "surname",
        "given_name",
        "birth_date",
        "inquirer_name",
        "inquirer_relation",
        "inquirer_contact",
    ]
    good = tmp_path / "inquiries.csv"
    write_csv(
        good,
        [
            {
                "query_ref": "Q1",
                "surname": "Kovalenko",
                "given_name": "Dmytro",
                "birth_date": "2001",
                "inquirer_name": "Н.",
                "inquirer_relation": "mother",
                "inquirer_contact": "+380 1",
            },
            {
                "query_ref": "Q2",
                "surname": "Шевчук",
                "given_name": "Олег",
                "birth_date": "",
                "inquirer_name": "О.",
                "inquirer_relation": "wife",
                "inquirer_contact": "+380 2",
            },
        ],
        columns,
    )
    factory = registry.uow
    filed = inquiries.import_inquiries(uow_factory=factory, path=good, source="list-1", recorded_by="op")
    assert len(filed) == 2 and filed[0].candidates == 1
    assert inquiries.import_inquiries(uow_factory=factory, path=good, source="list-1", recorded_by="op") == []
    bad = tmp_path / "bad.csv"
    write_csv(bad, [{"query_ref": "Q3", "surname": "Шевчук", "inquirer_contact": ""}], columns)
    with pytest.raises(Exception, match="line 2, column inquirer_contact"):
        inquiries.import_inquiries(uow_factory=factory, path=bad, source="list-2", recorded_by="op")


def test_an_officer_may_confirm_a_man_he_found_himself(registry: Registry) -> None:
    person = register(
        registry, fields={"surname": "Шевчук", "given_name": "Олег", "birth_date": "1990-01-02"}
    )
    opened = _open(registry, TraceQuery(surname="Коваленко", given_name="Дмитро"))
    inquiries.decide_candidate(
        uow=registry.uow(),
        case_id=opened.case_id,
        person_ref=person,
        confirm=True,
        officer="officer-a",
        checked=["document"],
        notes="his mother sent his passport",
    )
    view = inquiries.case_view(uow=registry.uow(write=False), reader=READER, case_id=opened.case_id)
    assert view["person_id"] == person
    assert [c["decision"] for c in view["candidates"] if c["person_id"] == person] == ["confirmed"]


def test_a_case_s_candidates_are_scored_with_the_bureau_s_prior(registry: Registry) -> None:
    from powbureau.services import tracing

    register(registry, fields={"surname": "Коваленко", "given_name": "Дмитро", "birth_date": "2001-03-14"})
    sought = TraceQuery(surname="Коваленко", given_name="Дмитрий")  # names only: in the middle
    half = _open(registry, sought)
    tracing.record_bureau_prior(
        uow=registry.uow(), registered=0.9, inquiries=0, estimated_from="test", recorded_by="officer"
    )
    mostly = _open(registry, TraceQuery(surname="КОВАЛЕНКО", given_name="Дима"), FATHER)
    assert mostly.case_id == half.case_id  # the same man: the case is matched again
    view = inquiries.case_view(uow=registry.uow(write=False), reader=READER, case_id=half.case_id)
    alone = tracing.trace_name(uow=registry.uow(write=False), reader=READER, query=sought)
    assert [c["probability"] for c in view["candidates"]] == [round(alone[0].probability, 6)]


def test_the_prior_is_estimated_from_the_cases_and_recorded(registry: Registry) -> None:
    from typer.testing import CliRunner

    from powbureau.cli import app
    from powbureau.services import tracing

    register(registry, fields={"surname": "Коваленко", "given_name": "Дмитро", "birth_date": "2001-03-14"})
    register(registry, fields={"surname": "Шевчук", "given_name": "Олег", "birth_date": "1990-07-02"})
    with pytest.raises(InvalidInput, match="no tracing cases"):
        inquiries.estimate_prior_from_cases(uow=registry.uow(write=False))
    _open(registry, TraceQuery(surname="Коваленко", given_name="Дмитрий", birth_date="2001-03-14"))
    _open(registry, TraceQuery(surname="Шевчук", given_name="Олег", birth_date="1990-07-02"), FATHER)
    for i, surname in enumerate(("Невідомий", "Незнайомий")):
        _open(registry, TraceQuery(surname=surname, given_name="Петро", birth_date=f"198{i}"), FATHER)
    estimate = inquiries.estimate_prior_from_cases(uow=registry.uow(write=False))
    assert estimate.inquiries == 4 and estimate.registered == pytest.approx(0.5, abs=0.02)
    done = CliRunner().invoke(
        app,
        ["--db", registry.url, "trace", "prior", "--cases", "--apply", "--json"],
        env={"POWBUREAU_DB": None},
    )
    assert done.exit_code == 0, done.output
    prior = tracing.read_bureau_prior(uow=registry.uow(write=False))
    assert prior is not None and prior.estimated_from == "the tracing cases" and prior.inquiries == 4
