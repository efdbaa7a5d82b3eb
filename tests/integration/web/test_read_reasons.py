"""Why a person's record is read, through HTTP on both databases: outside a case the page asks
for a reason before it shows anything of him, and the audit record carries it; through a
case that names him it is read for that case; the reason stays with its session and person
and never travels in an address."""

from __future__ import annotations

import base64
import json

from builders import People, Registry, register
from powbureau.domain.inquiries import Channel, Inquirer
from powbureau.matching import TraceQuery
from powbureau.services import inquiries
from powbureau.services.audit import who_read
from web_support import give_reason, staff_browser

WHY = "Why do you open this record?"


def _kovalenko(reg: Registry) -> str:
    return register(
        reg,
        fields={
            "surname": "Коваленко",
            "given_name": "Дмитро",
            "birth_date": "2001-03-14",
            "unit": "в/ч 12345",
        },
    )


def _reads(reg: Registry, person: str) -> list[tuple[str, str, str | None, str | None, bool]]:
    return [
        (r.user, r.action, r.case_id, r.reason, r.flagged)
        for r in who_read(uow=reg.uow(write=False), ref=person)
    ]


def test_every_page_of_a_person_asks_for_the_reason_first_and_shows_nothing_of_him(
    registry: Registry,
) -> None:
    person = _kovalenko(registry)
    clerk = staff_browser(registry, "clerk", ["registrar"])
    for url in ("", "/events/new", "/identity", "/merge"):
        asked = clerk.http.get(f"/staff/persons/{person}{url}?lang=en")
        assert asked.status_code == 200 and WHY in asked.text, url
        assert "Коваленко" not in asked.text and "12345" not in asked.text and "2001" not in asked.text, url
        assert f'name="next" value="/staff/persons/{person}{url}?lang=en"' in asked.text
    assert _reads(registry, person) == []
    none_chosen = clerk.post(f"/staff/persons/{person}/reason?lang=en", {"why": "", "why_text": "x"})
    assert (
        none_chosen.status_code == 422
        and "Choose why you read these records" in none_chosen.text
        and 'value="x"' in none_chosen.text
    )
    assert _reads(registry, person) == []
    went = clerk.post(
        f"/staff/persons/{person}/reason",
        {"why": "record_upkeep", "why_text": "", "next": f"/staff/persons/{person}/identity?lang=en"},
        follow_redirects=False,
    )
    assert went.headers["location"] == f"/staff/persons/{person}/identity?lang=en"
    form = clerk.http.get(went.headers["location"])
    assert form.status_code == 200 and 'value="Коваленко"' in form.text
    assert _reads(registry, person) == [("clerk", "show", None, "record_upkeep", True)]


def test_the_reason_goes_nowhere_but_his_own_pages(registry: Registry) -> None:
    person = _kovalenko(registry)
    other = register(registry, fields={"surname": "Шевчук"})
    clerk = staff_browser(registry, "clerk", ["registrar"])
    foreign = clerk.post(
        f"/staff/persons/{person}/reason",
        {"why": "list_check", "next": "https://evil.example/staff/persons/x"},
        follow_redirects=False,
    )
    assert foreign.headers["location"] == f"/staff/persons/{person}"
    assert WHY in clerk.http.get(f"/staff/persons/{other}?lang=en").text
    assert WHY not in clerk.http.get(f"/staff/persons/{person}?lang=en").text
    by_ref = register(registry, fields={"surname": "Гнатюк"}, source="camp4", person_ref="A-17")
    asked = clerk.http.get("/staff/persons/camp4:A-17?lang=en")
    assert WHY in asked.text and "Гнатюк" not in asked.text
    give_reason(clerk, "camp4:A-17")
    shown = clerk.http.get("/staff/persons/camp4:A-17?lang=en")
    assert WHY not in shown.text and "Гнатюк" in shown.text and by_ref in shown.text


def test_a_reason_given_in_one_session_does_not_open_the_record_in_another(registry: Registry) -> None:
    person = _kovalenko(registry)
    first = staff_browser(registry, "first", ["registrar"])
    answer = give_reason(first, person)
    packed = answer.cookies["pb_why"]
    second = staff_browser(registry, "second", ["registrar"])
    second.http.cookies.set("pb_why", packed, path=f"/staff/persons/{person}")
    assert WHY in second.http.get(f"/staff/persons/{person}?lang=en").text
    forged = base64.urlsafe_b64encode(json.dumps({"s": "x", "r": "list_check"}).encode()).decode()
    second.http.cookies.set("pb_why", forged, path=f"/staff/persons/{person}")
    assert WHY in second.http.get(f"/staff/persons/{person}?lang=en").text
    assert [r[0] for r in _reads(registry, person)] == []


def test_a_record_read_through_a_case_that_names_him_needs_no_reason(registry: Registry) -> None:
    person = _kovalenko(registry)
    stranger = register(registry, fields=People(61).fields())
    case = inquiries.open_inquiry(
        uow=registry.uow(),
        sought=TraceQuery(surname="Коваленко", given_name="Дима", birth_date="2001"),
        inquirer=Inquirer("Наталья Коваленко", "mother", "+380 50 000 00 00", Channel.PHONE, "uk"),
        recorded_by="operator",
    ).case_id
    officer = staff_browser(registry, "tracer", ["tracing_officer"])
    page = officer.http.get(f"/staff/inquiries/{case}?lang=en")
    assert f'href="/staff/persons/{person}?case={case}"' in page.text
    shown = officer.http.get(f"/staff/persons/{person}?case={case}&lang=en")
    assert shown.status_code == 200 and "Коваленко" in shown.text and WHY not in shown.text
    assert ("tracer", "show", case, None, False) in _reads(registry, person)
    assert ("tracer", "history", case, None, False) in _reads(registry, person)
    unrelated = officer.http.get(f"/staff/persons/{stranger}?case={case}&lang=en")
    assert WHY in unrelated.text and f"Case {case} does not name this person" in unrelated.text
    assert _reads(registry, stranger) == []
    give_reason(officer, stranger, "family_contact", "a second call")
    read = officer.http.get(f"/staff/persons/{stranger}?case={case}&lang=en")
    assert WHY not in read.text
    assert _reads(registry, stranger) == [
        ("tracer", "show", None, "family_contact: a second call", True),
        ("tracer", "history", None, "family_contact: a second call", True),
    ]


def test_a_registration_opens_the_new_record_for_its_upkeep_and_the_auditor_reads_the_reason(
    registry: Registry,
) -> None:
    clerk = staff_browser(registry, "clerk", ["registrar"])
    done = clerk.post(
        "/staff/persons/new?lang=en",
        {"surname": "Бойко", "given_name": "Остап", "source": "bureau", "confirm": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    person = done.headers["location"].split("/")[-1].split("?")[0]
    shown = clerk.http.get(done.headers["location"] + "&lang=en")
    assert "Бойко" in shown.text and WHY not in shown.text
    assert ("clerk", "show", None, "record_upkeep", True) in _reads(registry, person)
    give_reason(clerk, person, "other", "checking the camp's card index")
    clerk.http.get(f"/staff/persons/{person}")
    auditor = staff_browser(registry, "auditor", ["auditor"])
    page = auditor.get(f"/staff/audit?person={person}&lang=en")
    assert page.status_code == 200, page.text
    assert "Registering him, or keeping his record up to date" in page.text
    assert "Another reason (say which): checking the camp&#39;s card index" in page.text
