"""The public pages through HTTP, on both databases: nothing looked up, nothing told, guessing limited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event as sa_event

from api_support import client, form_token
from builders import Registry, event, register
from powbureau.api.config import PublicLimits
from powbureau.services import inquiries
from powbureau.services.public_inquiries import file_public_inquiries, follow_up
from powbureau.store.uow import SqlUnitOfWork

DMYTRO = {
    "surname": "Kovalenko",
    "given_name": "Dmytro",
    "patronymic": "Serhiiovych",
    "birth_date": "2001-03-14",
    "unit": "A1234",
}
ASK_DMYTRO = {
    "surname": "Коваленко",
    "given_name": "Дмитро",
    "birth_date": "2001-03-14",
    "unit": "A1234",
    "inquirer_name": "Наталія Коваленко",
    "relation": "mother",
    "contact": "+380 50 000 00 00",
    "language": "uk",
}
ASK_NOBODY = {**ASK_DMYTRO, "surname": "Жовтобрюх", "given_name": "Арсеній", "birth_date": "1989"}


@pytest.fixture
def statements(registry: Registry) -> Iterator[list[str]]:
    """Every SQL statement the registry's engine runs while the test watches."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement.lower())

    sa_event.listen(registry.engine, "before_cursor_execute", record)
    yield seen
    sa_event.remove(registry.engine, "before_cursor_execute", record)


def _anonymised(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "reference": "R", "secret": "S"}


def test_a_submission_reads_nothing_of_the_registry_and_answers_everyone_alike(
    registry: Registry, statements: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    register(registry, fields=DMYTRO)

    def no_matching(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the matcher ran inside a public request")

    monkeypatch.setattr(inquiries, "find_candidates", no_matching)
    monkeypatch.setattr(inquiries, "file_inquiry", no_matching)
    http = client(registry)
    statements.clear()
    held = http.post("/public/inquiries", json=ASK_DMYTRO)
    unknown = http.post("/public/inquiries", json=ASK_NOBODY)
    assert held.status_code == unknown.status_code == 201
    touched = " ".join(statements)
    for table in ("persons", "person_refs", "match_keys", "events", "tracing_cases", "inquirers"):
        assert f" {table} " not in touched.replace('"', " ").replace("\n", " "), table
    a, b = held.json(), unknown.json()
    assert a["reference"] != b["reference"] and a["secret"] != b["secret"]
    assert json.dumps(_anonymised(a)) == json.dumps(_anonymised(b))

    def strip(r: Any) -> bytes:
        body: bytes = r.content
        return body.replace(r.json()["reference"].encode(), b"R").replace(r.json()["secret"].encode(), b"S")

    assert strip(held) == strip(unknown)
    assert sorted(held.headers.keys()) == sorted(unknown.headers.keys())


def _answer_held(reg: Registry, case_id: str, inquirer_id: int, person: str) -> None:
    inquiries.verify_inquirer(uow=reg.uow(), inquirer_id=inquirer_id, how="call_back", officer="officer-a")
    inquiries.decide_candidate(
        uow=reg.uow(),
        case_id=case_id,
        person_ref=person,
        confirm=True,
        officer="officer-a",
        checked=("birth_date_full", "unit"),
    )
    inquiries.answer_case(uow=reg.uow(), case_id=case_id, inquirer_id=inquirer_id, officer="officer-a")


def test_the_follow_up_shows_only_what_an_officer_released(registry: Registry) -> None:
    person = register(registry, fields=DMYTRO)
    http = client(registry)
    receipt = http.post("/public/inquiries", json=ASK_DMYTRO).json()
    headers = {"X-Inquiry-Secret": receipt["secret"]}
    page = http.get(f"/public/inquiries/{receipt['reference']}", headers=headers)
    assert page.status_code == 200 and page.json()["state"] == "received" and page.json()["answer"] is None
    [filed] = file_public_inquiries(uow_factory=lambda: SqlUnitOfWork(registry.engine))
    assert filed.candidates == 1
    assert file_public_inquiries(uow_factory=lambda: SqlUnitOfWork(registry.engine)) == []
    assert (
        http.get(f"/public/inquiries/{receipt['reference']}", headers=headers).json()["state"] == "received"
    )
    _answer_held(registry, filed.case_id, filed.inquirer_id, person)
    page = http.get(f"/public/inquiries/{receipt['reference']}", headers=headers).json()
    assert page == {
        "reference": receipt["reference"],
        "state": "answered",
        "answer": "held",
        "on": page["on"],
    }
    later = datetime.now(UTC) + timedelta(days=31)
    expired = follow_up(
        uow=registry.uow(), reference=receipt["reference"], secret=receipt["secret"], now=later
    )
    assert expired.state.value == "expired" and expired.answer is None


def test_a_death_is_never_shown_on_the_page(registry: Registry) -> None:
    person = register(registry, fields=DMYTRO)
    event(registry, person, "died", occurred_on="2024-05-01", source="bureau")
    http = client(registry)
    receipt = http.post("/public/inquiries", json=ASK_DMYTRO).json()
    [filed] = file_public_inquiries(uow_factory=lambda: SqlUnitOfWork(registry.engine))
    inquiries.verify_inquirer(uow=registry.uow(), inquirer_id=filed.inquirer_id, how="document", officer="a")
    inquiries.decide_candidate(
        uow=registry.uow(),
        case_id=filed.case_id,
        person_ref=person,
        confirm=True,
        officer="a",
        checked=("birth_date_full", "unit"),
        second_officer="b",
    )
    inquiries.answer_case(
        uow=registry.uow(), case_id=filed.case_id, inquirer_id=filed.inquirer_id, officer="a"
    )
    body = http.get(
        f"/public/inquiries/{receipt['reference']}", headers={"X-Inquiry-Secret": receipt["secret"]}
    )
    text = body.text.lower()
    assert "deceased" not in text and "died" not in text and "dead" not in text
    assert body.json()["state"] in ("received", "contact_us")


def test_wrong_secrets_are_one_refusal_and_lock_the_reference(registry: Registry) -> None:
    http = client(registry)
    receipt = http.post("/public/inquiries", json=ASK_NOBODY).json()
    unknown = http.get("/public/inquiries/W-AAAA-AAAA", headers={"X-Inquiry-Secret": "x"})
    wrong = http.get(f"/public/inquiries/{receipt['reference']}", headers={"X-Inquiry-Secret": "x"})
    assert unknown.status_code == wrong.status_code == 404
    assert unknown.json()["detail"] == wrong.json()["detail"]
    assert unknown.headers["content-type"] == "application/problem+json"
    for _ in range(4):
        http.get(f"/public/inquiries/{receipt['reference']}", headers={"X-Inquiry-Secret": "x"})
    right = http.get(
        f"/public/inquiries/{receipt['reference']}", headers={"X-Inquiry-Secret": receipt["secret"]}
    )
    assert right.status_code == 429, "five wrong secrets lock the reference even for the right one"


def test_an_enumeration_of_references_is_stopped_per_address(registry: Registry) -> None:
    http = client(registry, limits=PublicLimits(follow_ups_per_address=10))
    codes = [
        http.get(f"/public/inquiries/W-AAAA-{i:04d}", headers={"X-Inquiry-Secret": "guess"}).status_code
        for i in range(15)
    ]
    assert codes[:10] == [404] * 10
    assert codes[10:] == [429] * 5
    limited = http.get("/public/inquiries/W-AAAA-9999", headers={"X-Inquiry-Secret": "guess"})
    assert limited.headers["content-type"] == "application/problem+json" and "retry-after" in limited.headers


def test_submissions_are_limited_per_address_and_per_sought_name(registry: Registry) -> None:
    http = client(registry, limits=PublicLimits(submissions_per_address=3, submissions_per_name=2))
    names = ["Шевченко", "Бондаренко", "Ткаченко", "Кравченко"]
    codes = [http.post("/public/inquiries", json={**ASK_NOBODY, "surname": n}).status_code for n in names]
    assert codes == [201, 201, 201, 429]
    # many addresses (behind a trusted proxy) about one name
    proxied = client(
        registry,
        limits=PublicLimits(submissions_per_address=100, submissions_per_name=2),
        trusted_proxies=("127.0.0.1",),
    )
    codes = [
        proxied.post(
            "/public/inquiries", json=ASK_NOBODY, headers={"X-Forwarded-For": f"198.51.100.{i}"}
        ).status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]


def test_an_untrusted_peer_cannot_choose_its_address(registry: Registry) -> None:
    http = client(registry, limits=PublicLimits(submissions_per_address=2))
    codes = [
        http.post(
            "/public/inquiries",
            json={**ASK_NOBODY, "surname": f"Петренко{i}"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]


@pytest.mark.parametrize(
    ("body", "headers", "status", "words"),
    [
        (b'{"surname": "Kovalenko",', {"Content-Type": "application/json"}, 400, "not valid JSON"),
        (b"surname=Kovalenko", {"Content-Type": "text/plain"}, 415, "application/json"),
        (b"<x/>", {"Content-Type": "application/xml"}, 415, "application/json"),
        (
            json.dumps({**ASK_NOBODY, "admin": True}).encode(),
            {"Content-Type": "application/json"},
            422,
            "admin",
        ),
        (
            json.dumps({**ASK_NOBODY, "contact": ""}).encode(),
            {"Content-Type": "application/json"},
            422,
            "contact",
        ),
        (
            json.dumps({**ASK_NOBODY, "surname": "x" * 201}).encode(),
            {"Content-Type": "application/json"},
            422,
            "surname",
        ),
        (b"{" + b" " * 1_100_000 + b"}", {"Content-Type": "application/json"}, 413, "limited"),
    ],
)
def test_bad_bodies_get_a_problem_naming_what_is_wrong(
    registry: Registry, body: bytes, headers: dict[str, str], status: int, words: str
) -> None:
    answer = client(registry).post("/public/inquiries", content=body, headers=headers)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == status and words in problem["detail"] + str(problem.get("field", ""))


def test_the_html_form_works_without_javascript_and_needs_its_token(registry: Registry) -> None:
    http = client(registry)
    page = http.get("/public/inquiries/new", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert page.status_code == 200 and '<html lang="ru">' in page.text and "<script" not in page.text
    assert "Фамилия" in page.text and "Отправить запрос" in page.text, "the form speaks Russian"
    token = form_token(page.text)
    hostile = '<script>alert(1)</script>"=HYPERLINK("http://x")'
    fields = {**ASK_NOBODY, "knows": hostile, "csrf": token, "language": "ru"}
    sent = http.post("/public/inquiries", data=fields)
    assert sent.status_code == 201 and "W-" in sent.text and "<script>alert" not in sent.text
    missing = dict(fields, surname="", given_name="", csrf=token)
    again = http.post("/public/inquiries", data=missing)
    assert again.status_code == 422 and "aria-invalid" in again.text and "<script>alert" not in again.text
    assert "&lt;script&gt;" in again.text, "what was typed is kept, escaped"
    forged = http.post("/public/inquiries", data={**fields, "csrf": "forged"})
    assert forged.status_code == 403
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"


def test_the_html_follow_up_tells_the_state_and_nothing_in_the_address(registry: Registry) -> None:
    http = client(registry)
    receipt = http.post("/public/inquiries", json=ASK_NOBODY).json()
    page = http.get("/public/follow-up?lang=en")
    shown = http.post(
        "/public/follow-up",
        data={"reference": receipt["reference"], "secret": receipt["secret"], "csrf": form_token(page.text)},
    )
    assert shown.status_code == 200 and "no information for you yet" in shown.text
    assert receipt["secret"] not in str(shown.url)


def test_health_and_the_openapi_document(registry: Registry) -> None:
    http = client(registry)
    assert http.get("/healthz").json() == {"status": "ok"}
    spec = http.get("/openapi.json").json()
    assert "/public/inquiries" in spec["paths"]
    missing = http.get("/no/such/page")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
