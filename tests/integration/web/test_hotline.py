"""The hotline console through HTTP, on both databases: the live hint names nobody and no
state, an inquiry is filed from the console (htmx and plain form), other roles are refused."""

from __future__ import annotations

from builders import READER, People, Registry, event, register
from powbureau.services import inquiries
from powbureau.web.labels import LABELS
from web_support import staff_browser

HX = {"HX-Request": "true"}


def test_the_hint_says_what_to_ask_and_never_who_or_what_happened(registry: Registry) -> None:
    people = People(seed=3)
    registered = [people.fields() for _ in range(4)]
    registered.append(
        people.fields(
            surname="Коваленко", given_name="Дмитро", patronymic="Сергійович", birth_date="2001-03-14"
        )
    )
    registered.append(
        people.fields(
            surname="Коваленко", given_name="Дмитро", patronymic="Іванович", birth_date="1999-07-01"
        )
    )
    ids = [register(registry, fields=f) for f in registered]
    event(registry, ids[-1], "died", occurred_on="2024-06")
    operator = staff_browser(registry, "operator", ["hotline_operator"])
    console = operator.get("/staff/hotline?lang=en")
    assert console.status_code == 200
    assert 'hx-post="/staff/hotline/hint"' in console.text and 'aria-live="polite"' in console.text
    hint = operator.post(
        "/staff/hotline/hint?lang=en", {"surname": "Коваленко", "given_name": "Дима"}, headers=HX
    )
    assert hint.status_code == 200 and "<html" not in hint.text
    assert "Someone registered may be him" in hint.text and "Ask the caller for" in hint.text
    for fields in registered:
        for key in ("surname", "given_name", "patronymic", "birth_date", "service_number", "unit"):
            if fields.get(key) and key != "surname":
                assert str(fields[key]) not in hint.text, key
        if fields["surname"] != "Коваленко":  # the one the operator typed himself
            assert str(fields["surname"]) not in hint.text
    assert "Коваленко" not in hint.text
    for pid in ids:
        assert pid not in hint.text
    lowered = hint.text.lower()
    states = [s for k, s in LABELS["status"].items() if k != "registered"] + ["died", "dead"]
    for state in states:
        assert state not in lowered, state
    nobody = operator.post("/staff/hotline/hint?lang=en", {"surname": "Неизвестный"}, headers=HX)
    assert "Nobody registered matches yet" in nobody.text


def test_the_console_files_an_inquiry_and_clears_for_the_next_call(registry: Registry) -> None:
    operator = staff_browser(registry, "operator", ["hotline_operator"])
    missing = operator.post(
        "/staff/hotline/inquiries?lang=en", {"surname": "Коваленко", "caller_name": "Наталья"}, headers=HX
    )
    assert missing.status_code == 200 and "<html" not in missing.text
    assert 'id="e-contact"' in missing.text and 'id="e-relation"' in missing.text
    assert 'value="Наталья"' in missing.text
    filed = operator.post(
        "/staff/hotline/inquiries?lang=en",
        {
            "surname": "Коваленко",
            "given_name": "Дима",
            "birth_date": "2001",
            "caller_name": "Наталья",
            "relation": "mother",
            "contact": "+380 50 000 00 00",
            "language": "ru",
            "notes": "last call from him in May",
        },
        headers=HX,
    )
    assert filed.status_code == 200 and "Inquiry filed" in filed.text
    case_id = filed.text.split('class="reference">')[1].split("<")[0]
    assert 'value="Наталья"' not in filed.text and "Коваленко" not in filed.text
    cases = inquiries.list_cases(uow=registry.uow(write=False), reader=READER, search=case_id)
    assert [c["id"] for c in cases] == [case_id]
    plain = operator.post(
        "/staff/hotline/inquiries?lang=en",
        {"surname": "Шевчук", "caller_name": "Олена", "relation": "wife", "contact": "+380 1"},
    )
    assert plain.status_code == 200 and "<html" in plain.text and "Inquiry filed" in plain.text


def test_other_roles_are_refused_the_console(registry: Registry) -> None:
    registrar = staff_browser(registry, "clerk", ["registrar"])
    assert registrar.get("/staff/hotline").status_code == 403
    assert registrar.post("/staff/hotline/hint", {"surname": "Коваленко"}, headers=HX).status_code == 403
    refused = registrar.post("/staff/hotline/inquiries", {"surname": "X", "caller_name": "Y"})
    assert refused.status_code == 403
