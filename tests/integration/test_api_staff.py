"""Staff requests through HTTP on both databases: sessions, CSRF, conflicts, hostile text, audit."""

from __future__ import annotations

from api_support import PASSWORD, client, staff_client
from builders import Registry, register
from powbureau.domain.access import Role
from powbureau.domain.people import IDENTITY_FIELDS
from powbureau.services import accounts
from powbureau.services.audit import verify_audit, who_read

HOSTILE = [
    "Robert'); DROP TABLE persons;--",
    "' OR '1'='1",
    '<script>alert("x")</script>',
    '=HYPERLINK("http://evil","x")',
    "Коваленко\u202e",
]


def test_forged_closed_and_missing_sessions_are_refused(registry: Registry) -> None:
    http = staff_client(registry, "clerk", ["registrar"])
    assert http.get("/api/persons").status_code == 200
    forged = client(registry)
    forged.cookies.set("pb_session", "forged-token-" + "x" * 30)
    answer = forged.get("/api/persons")
    assert answer.status_code == 401 and answer.headers["content-type"] == "application/problem+json"
    token = http.cookies["pb_session"]
    assert http.delete("/api/session").status_code == 204
    stale = client(registry)
    stale.cookies.set("pb_session", token)
    assert stale.get("/api/persons").status_code == 401


def test_a_disabled_account_loses_its_session_at_once(registry: Registry) -> None:
    http = staff_client(registry, "clerk", ["registrar"])
    accounts.disable_user(uow=registry.uow(), name="clerk", by="admin")
    assert http.get("/api/persons").status_code == 401


def test_every_change_needs_the_csrf_token(registry: Registry) -> None:
    http = staff_client(registry, "clerk", ["registrar"])
    body = {"surname": "Шевчук", "given_name": "Олег"}
    missing = http.post("/api/persons", json=body, headers={"X-CSRF-Token": ""})
    wrong = http.post("/api/persons", json=body, headers={"X-CSRF-Token": "not-the-token"})
    assert missing.status_code == wrong.status_code == 403
    assert http.post("/api/persons", json=body).status_code == 201


def test_sign_in_never_says_whether_the_account_exists(registry: Registry) -> None:
    accounts.add_user(uow=registry.uow(), name="clerk", roles=[Role.REGISTRAR], by="t", password=PASSWORD)
    http = client(registry)
    unknown = http.post("/api/session", json={"name": "nobody", "password": PASSWORD, "totp": "123456"})
    wrong = http.post("/api/session", json={"name": "clerk", "password": "wrong password", "totp": "123456"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]


def test_two_registrars_on_one_version_one_wins_the_other_gets_a_conflict(registry: Registry) -> None:
    first = staff_client(registry, "first", ["registrar"])
    second = staff_client(registry, "second", ["registrar"])
    person = first.post("/api/persons", json={"surname": "Мороз", "given_name": "Іван"}).json()["person_id"]
    version = first.get(f"/api/persons/{person}").json()["version"]
    a = first.post(
        f"/api/persons/{person}/events", json={"kind": "hospitalised", "expected_version": version}
    )
    b = second.post(
        f"/api/persons/{person}/events", json={"kind": "hospitalised", "expected_version": version}
    )
    assert a.status_code == 201
    assert b.status_code == 409 and b.headers["content-type"] == "application/problem+json"
    assert "first" in b.json()["detail"] or "version" in b.json()["detail"]


def test_hostile_text_in_every_field_is_kept_verbatim_and_harms_nothing(registry: Registry) -> None:
    http = staff_client(registry, "clerk", ["registrar"])
    free_text = [
        f
        for f in IDENTITY_FIELDS
        if f not in ("birth_date", "captured_on", "sex", "nationality", "citizenship", "category")
    ]
    for hostile in HOSTILE:
        body = dict.fromkeys(free_text, hostile)
        made = http.post("/api/persons", json=body)
        assert made.status_code == 201, made.text
        shown = http.get(f"/api/persons/{made.json()['person_id']}").json()
        assert all(shown[f] == hostile for f in free_text)
    listed = http.get("/api/persons?limit=500").json()["items"]
    assert len(listed) == len(HOSTILE), "no injected condition widened or dropped the query"


def test_a_read_through_the_api_is_audited_with_the_reason_given(registry: Registry) -> None:
    person = register(registry, fields={"surname": "Коваленко", "given_name": "Дмитро"})
    http = staff_client(registry, "liaison-1", ["liaison"])
    shown = http.get(f"/api/persons/{person}", headers={"X-Access-Reason": "ICRC visit list"})
    assert shown.status_code == 200
    reads = who_read(uow=registry.uow(write=False), ref=person)
    assert [(r.user, r.channel, r.reason, r.flagged) for r in reads] == [
        ("liaison-1", "api", "ICRC visit list", True)
    ]
    assert verify_audit(uow=registry.uow(write=False)).ok
    auditor = staff_client(registry, "auditor-1", ["auditor"])
    listed = auditor.get(f"/api/audit/who-read/{person}").json()
    assert [r["user"] for r in listed] == ["liaison-1"]
    assert auditor.get("/api/audit/verify").json()["ok"] is True


def test_the_hotline_learns_what_to_ask_never_who_or_a_state(registry: Registry) -> None:
    for given, born in (("Дмитро", "2001-03-14"), ("Дмитрий", "1975-06-02")):
        register(registry, fields={"surname": "Коваленко", "given_name": given, "birth_date": born})
    http = staff_client(registry, "hotline-1", ["hotline_operator"])
    hint = http.get("/api/hotline/hint", params={"surname": "Kovalenko", "given_name": "Dima"})
    assert hint.status_code == 200
    body = hint.json()
    assert body["candidates_exist"] is True and "birth date" in body["ask_for"]
    text = hint.text.lower()
    assert "held" not in text and "2001" not in text and "p0" not in text and "коваленко" not in text
    assert http.get("/api/persons").status_code == 403
    filed = http.post(
        "/api/inquiries",
        json={
            "sought": {"surname": "Kovalenko", "given_name": "Dima"},
            "inquirer_name": "Наталія",
            "relation": "mother",
            "contact": "+380 50 000 00 00",
            "notes": "called at 10:05; last news from Izium",
        },
    )
    assert filed.status_code == 201 and set(filed.json()) == {"case_id", "inquirer_id", "new_case", "state"}


def test_answering_an_inquirer_is_an_audited_read_through_the_case(registry: Registry) -> None:
    from powbureau.domain.inquiries import Channel, Inquirer
    from powbureau.matching import TraceQuery
    from powbureau.services import inquiries

    person = register(
        registry, fields={"surname": "Коваленко", "given_name": "Дмитро", "birth_date": "2001-03-14"}
    )
    opened = inquiries.open_inquiry(
        uow=registry.uow(),
        sought=TraceQuery(surname="Коваленко", given_name="Дмитро", birth_date="2001-03-14"),
        inquirer=Inquirer("Наталія", "mother", "+380 50 000 00 00", Channel.PHONE),
        recorded_by="t",
    )
    http = staff_client(registry, "officer-1", ["tracing_officer"])
    assert (
        http.post(
            f"/api/inquiries/{opened.case_id}/inquirers/{opened.inquirer_id}/verification",
            json={"how": "call_back"},
        ).status_code
        == 200
    )
    decided = http.post(
        f"/api/inquiries/{opened.case_id}/decisions",
        json={"person_ref": person, "confirm": True, "checked": ["birth_date_full", "patronymic"]},
    )
    assert decided.json()["outcome"] == "confirmed"
    told = http.post(f"/api/inquiries/{opened.case_id}/inquirers/{opened.inquirer_id}/answer")
    assert told.status_code == 200 and told.json()["answer"] == "held"
    reads = [(r.user, r.action, r.case_id) for r in who_read(uow=registry.uow(write=False), ref=person)]
    assert ("officer-1", "answer", opened.case_id) in reads


def test_new_roles_end_the_sessions_that_held_the_old_ones(registry: Registry) -> None:
    clerk = staff_client(registry, "clerk", ["registrar"])
    admin = staff_client(registry, "admin-1", ["administrator"])
    assert clerk.get("/api/persons").status_code == 200
    assert admin.post("/api/users/clerk/roles", json={"roles": ["hotline_operator"]}).status_code == 200
    assert clerk.get("/api/persons").status_code == 401
    summary = {u["name"]: u for u in admin.get("/api/users").json()}
    assert summary["clerk"]["roles"] == ["hotline_operator"]
    assert admin.post("/api/users/clerk/disable").status_code == 200
    assert admin.post("/api/users/clerk/enable").status_code == 200
    kinds = [a["kind"] for a in admin.get("/api/security-alerts").json()]
    assert {"roles_changed", "account_disabled", "account_enabled"} <= set(kinds)


def test_a_number_too_large_for_the_database_is_a_problem_not_a_crash(registry: Registry) -> None:
    http = staff_client(registry, "clerk", ["registrar"])
    person = http.post("/api/persons", json={"surname": "Мороз"}).json()["person_id"]
    huge = http.post(f"/api/persons/{person}/events", json={"kind": "retracted", "corrects": 2**70})
    assert huge.status_code == 422 and huge.headers["content-type"] == "application/problem+json"
    officer = staff_client(registry, "officer", ["tracing_officer"])
    answer = officer.post(f"/api/inquiries/T000000000000/inquirers/{2**70}/answer")
    assert answer.status_code in (404, 422) and answer.headers["content-type"] == "application/problem+json"


def test_a_tracing_officer_records_the_prior_and_it_is_kept_with_who_and_why(registry: Registry) -> None:
    http = staff_client(registry, "tracing-1", ["tracing_officer"])
    assert http.get("/api/tracing/prior").json() == {"prior": None}
    done = http.post(
        "/api/tracing/prior", json={"registered": 0.62, "reason": "trace prior on October's inquiries"}
    )
    assert done.status_code == 200, done.text
    shown = http.get("/api/tracing/prior").json()["prior"]
    assert shown["registered"] == 0.62 and shown["recorded_by"] == "tracing-1"
    assert shown["estimated_from"] == "trace prior on October's inquiries"
    refused = http.post("/api/tracing/prior", json={"registered": 1.0, "reason": "certain"})
    assert refused.status_code == 422
    registrar = staff_client(registry, "registrar-1", ["registrar"])
    assert registrar.post("/api/tracing/prior", json={"registered": 0.3, "reason": "x"}).status_code == 403
