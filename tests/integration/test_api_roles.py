"""docs/roles.csv is the access policy: every endpoint called as every role gets the status
and at most the fields the table gives, on both databases; an endpoint without rows fails."""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyotp
from fastapi.testclient import TestClient

from api_support import PASSWORD, client, form_token, staff_client
from builders import READER, Registry, add_places, agreed_exchange, register, write_csv
from powbureau.domain.access import Role
from powbureau.domain.exchanges import Formula
from powbureau.domain.execution import Handover, HandoverEntry, IdentityCheck, MedicalState, Valuables
from powbureau.domain.inquiries import Channel, Inquirer
from powbureau.matching import TraceQuery
from powbureau.services import accounts, exchanges, execution, inquiries, mail

ROLES_CSV = Path(__file__).parents[2] / "docs" / "roles.csv"
MAIL = Path(__file__).parents[1] / "data" / "mail"
ANONYMOUS = "anonymous"
SOUGHT = {"surname": "Коваленко", "given_name": "Дмитро", "birth_date": "2001-03-14", "unit": "A1234"}
OWN_ROW = {
    "surname": "Бондаренко",
    "given_name": "Тарас",
    "birth_date": "1988-09-30",
    "service_number": "UA-771203",
}
OWN = {**OWN_ROW, "category": "missing", "nationality": "UA"}
SCAN = b"%PDF-1.4\n% a signed handover list\n%%EOF\n"
CHECKED = {"methods": ["id_card"], "checked": ["surname", "given_name"]}


def policy() -> list[dict[str, str]]:
    with ROLES_CSV.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_endpoint_has_a_row_for_every_role_and_every_row_an_endpoint(registry: Registry) -> None:
    spec = client(registry).get("/openapi.json").json()
    routes = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops} | {
        ("GET", "/openapi.json")
    }
    table: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in policy():
        table[(row["method"], row["path"])].add(row["role"])
    everyone = {r.value for r in Role} | {ANONYMOUS}
    missing = sorted(routes - set(table))
    assert not missing, f"endpoints without a row in docs/roles.csv: {missing}"
    stale = sorted(set(table) - routes)
    assert not stale, f"rows of docs/roles.csv for no endpoint: {stale}"
    incomplete = {k: sorted(everyone - v) for k, v in table.items() if v != everyone}
    assert not incomplete, f"endpoints lacking roles in docs/roles.csv: {incomplete}"


class World:
    """What the calls need: a place, persons, a case with an inquirer, a public inquiry, staff."""

    def __init__(self, reg: Registry) -> None:
        add_places(reg, "CAMP-1")
        self.person = register(reg, fields={**SOUGHT, "patronymic": "Сергійович"}, place="CAMP-1")
        opened = inquiries.open_inquiry(
            uow=reg.uow(),
            sought=TraceQuery(**SOUGHT),
            inquirer=Inquirer("Наталія Коваленко", "mother", "+380 50 000 00 00", Channel.PHONE),
            recorded_by="setup",
        )
        self.case, self.inquirer = opened.case_id, opened.inquirer_id
        inquiries.decide_candidate(
            uow=reg.uow(),
            case_id=self.case,
            person_ref=self.person,
            confirm=True,
            officer="other-officer",
            checked=["name", "birth_year"],
            await_second=True,
        )
        anon = client(reg)
        receipt = anon.post(
            "/public/inquiries",
            json={
                "surname": "Бондар",
                "inquirer_name": "Олена",
                "relation": "wife",
                "contact": "o@example.org",
            },
        ).json()
        self.reference, self.secret = receipt["reference"], receipt["secret"]
        accounts.add_user(
            uow=reg.uow(), name="newclerk", roles=[Role.REGISTRAR], by="setup", password=PASSWORD
        )
        inbox = Path(tempfile.mkdtemp(prefix="inbox-"))
        for name in ("01-utf8-base64.eml", "03-cp1251-8bit.eml"):
            shutil.copy(MAIL / name, inbox / name)
        mail.ingest_mail(uow=reg.uow(), source=inbox, outbox=inbox / "outbox")
        queue = mail.transcription_queue(uow=reg.uow(write=False))
        self.mail_keys = [f"E{m['id']}" for m in queue]
        # an exchange, with the other side's held list naming one of our own missing men
        self.own = register(reg, fields=OWN)
        self.exchange = exchanges.create_exchange(
            uow=reg.uow(),
            party="the other party",
            formula=Formula.of("one_for_one", count=5),
            created_by="setup",
        )
        held = write_csv(inbox / "held.csv", [{"list_ref": "H-1", "list_kind": "held", **OWN_ROW}])
        exchanges.import_list(
            uow=reg.uow(), reader=READER, exchange_id=self.exchange, path=held, imported_by="setup"
        )
        self._exchanges(reg, inbox)

    def _exchanges(self, reg: Registry, folder: Path) -> None:
        """An exchange carried out with one man absent, another ready to enter, a man to release."""
        men = [register(reg, fields={"surname": f"Мороз{n}", "given_name": "Іван"}) for n in range(4)]
        self.executed_men, self.fresh_men = men[:2], men[2:]
        self.done_exchange = agreed_exchange(reg.url, self.executed_men)
        self.fresh_exchange = agreed_exchange(reg.url, self.fresh_men)
        self.release_person = register(reg, fields={"surname": "Смирнов", "given_name": "Олексій"})
        scan = folder / "handover.pdf"
        scan.write_bytes(SCAN)
        for exchange in (self.done_exchange, self.fresh_exchange):
            execution.attach_scan(
                uow=reg.uow(),
                exchange_id=exchange,
                scan=execution.ScanFile(scan, scan.name),
                attached_by="setup",
            )
        identity = IdentityCheck.of(CHECKED["methods"], CHECKED["checked"])
        done = execution.record_execution(
            uow=reg.uow(),
            exchange_id=self.done_exchange,
            persons=self.executed_men,
            handover=Handover("2026-11-01", "КПП-1", "майор Ткаченко", "ICRC delegate"),
            entries=[
                HandoverEntry(men[0], True, identity, MedicalState.FIT, Valuables("VP-1")),
                HandoverEntry(men[1], False),
            ],
            recorded_by="setup",
        )
        self.discrepancy = done.discrepancies[0]

    def _exchange_call(self, method: str, path: str) -> tuple[str, dict[str, Any] | None, dict[str, Any]]:
        """The URL, body and other arguments of a call to an exchange's endpoint."""
        fresh = method == "POST" and path.endswith("/execution")
        url = path.format(
            exchange_id=self.fresh_exchange if fresh else self.done_exchange, discrepancy_id=self.discrepancy
        )
        body: dict[str, Any] | None = None
        kwargs: dict[str, Any] = {}
        if path.endswith("/execution-sheet"):
            url += "?" + "&".join(f"person={p}" for p in self.executed_men)
        elif fresh:
            body = {
                "executed_on": "2026-11-02",
                "place": "КПП-1",
                "officer": "майор Ткаченко",
                "icrc_delegate": "ICRC delegate",
                "persons": self.fresh_men,
                "entries": [
                    {
                        "person_id": p,
                        "present": True,
                        "identity": CHECKED,
                        "medical_state": "fit",
                        "valuables_note": "none held",
                    }
                    for p in self.fresh_men
                ],
            }
        elif path.endswith("/resolution"):
            body = {"outcome": "not_exchanged", "reason": "в госпіталі; наступний обмін"}
        elif path.startswith("/api/imports/handover-scans/"):
            kwargs = {"content": SCAN, "headers": {"Content-Type": "application/pdf"}}
        elif path.endswith("/executed-list"):
            url += "?for=icrc&format=csv"
        elif path == "/api/releases":
            body = {
                "person": self.release_person,
                "consent": True,
                "consent_form": "signed_statement",
                "consent_recorded_on": "2026-11-01",
                "consent_recorded_by": "капітан Бондар",
                "identity": CHECKED,
                "family_name": "Наталія Смирнова",
                "relation": "mother",
                "document_type": "passport",
                "document_number": "FA 123456",
                "released_on": "2026-11-02",
                "place": "Київ",
                "icrc_informed_on": "2026-11-02",
                "icrc_informed_how": "email",
            }
        return url, body, kwargs

    def request(self, http: TestClient, method: str, path: str) -> Any:
        execution_paths = ("/execution-sheet", "/execution", "/executed-list", "/resolution")
        if path.endswith(execution_paths) or path.startswith(
            ("/api/imports/handover-scans/", "/api/releases")
        ):
            url, json_body, kwargs = self._exchange_call(method, path)
            if json_body is not None:
                kwargs["json"] = json_body
            return http.request(method, url, **kwargs)
        key = self.mail_keys[1] if path.endswith("/rejection") else self.mail_keys[0]
        url = path.format(
            key=key,
            ref=self.person,
            case_id=self.case,
            inquirer_id=self.inquirer,
            reference=self.reference,
            name="newclerk",
            exchange_id=self.exchange,
            list_name="their-held",
        )
        body: dict[str, Any] | None = None
        kwargs: dict[str, Any] = {}
        if path == "/public/inquiries" and method == "POST":
            body = {
                "surname": "Мельник",
                "inquirer_name": "Ганна",
                "relation": "mother",
                "contact": "h@example.org",
            }
        elif path == "/public/inquiries/{reference}":
            kwargs["headers"] = {"X-Inquiry-Secret": self.secret}
        elif path == "/public/follow-up" and method == "POST":
            token = form_token(http.get("/public/follow-up").text)
            kwargs["data"] = {"reference": self.reference, "secret": self.secret, "csrf": token}
        elif path == "/api/persons" and method == "POST":
            body = {"surname": "Шевчук", "given_name": "Олег", "birth_date": "1990"}
        elif path == "/api/persons/{ref}/events":
            body = {"kind": "hospitalised", "occurred_on": "2024-06-01"} if method == "POST" else None
        elif path == "/api/places" and method == "POST":
            body = {"code": "HOSP-9", "name": "Hospital 9", "kind": "hospital", "capacity": 40}
        elif path == "/api/inquiries" and method == "POST":
            body = {
                "sought": {"surname": "Мельник"},
                "inquirer_name": "Іван",
                "relation": "father",
                "contact": "+380 67 000 00 00",
            }
        elif path.endswith("/decisions"):
            body = {"person_ref": self.person, "confirm": True, "checked": ["birth_date_full", "unit"]}
        elif path.endswith("/countersign"):
            body = {"person_ref": self.person}
        elif path.endswith("/verification"):
            body = {"how": "call_back"}
        elif path == "/api/hotline/hint":
            url += "?surname=Kovalenko&given_name=Dima"
        elif path == "/api/imports/persons":
            kwargs["content"] = (
                "person_ref,surname,given_name,birth_date\nIMP-1,Гончар,Петро,1991-05\n".encode()
            )
            kwargs["headers"] = {"Content-Type": "text/csv"}
            url += "?source=roles-test"
        elif path.endswith("/assignment"):
            body = {"officer": "as-tracing-officer"}
        elif path == "/api/tracing/prior" and method == "POST":
            body = {"registered": 0.6, "reason": "roles test"}
        elif path.endswith("/transcription"):
            body = {"sought": {"surname": "Коваленко"}, "inquirer_name": "Наталія", "relation": "mother"}
        elif path.endswith("/rejection"):
            body = {"reason": "not an inquiry"}
        elif path.endswith("/roles"):
            body = {"roles": ["registrar", "medical"]}
        elif path == "/api/users" and method == "POST":
            body = {"name": "another-clerk", "roles": ["registrar"]}
        elif path.startswith(("/api/exchanges", "/api/imports/exchanges")) or path.startswith(
            "/api/persons/{ref}/"
        ):
            body, extra = self.exchange_request(method, path)
            kwargs.update(extra)
            if path.endswith("/party-list"):
                url += "?draft=true"
            elif path.startswith("/api/imports/exchanges"):
                url += "?list=their-offer"
        if body is not None:
            kwargs["json"] = body
        return http.request(method, url, **kwargs)

    def exchange_request(self, method: str, path: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """The body (or upload) of a call to the exchange routes."""
        if path == "/api/exchanges" and method == "POST":
            return {"party": "the other party", "formula": {"kind": "all_wounded"}}, {}
        if path.endswith("/state"):
            return {"to": "negotiating", "reason": "talks began"}, {}
        if path.endswith("/terms"):
            return {"place": "the crossing point", "planned_on": "2024-07"}, {}
        if path.startswith("/api/imports/exchanges"):
            csv_text = "list_ref,list_kind,surname,given_name,birth_date\nO-1,offer,Ткаченко,Андрій,1995\n"
            return None, {"content": csv_text.encode(), "headers": {"Content-Type": "text/csv"}}
        if path.endswith("/settlements"):
            return {"list_ref": "H-1", "note": "service number agrees"}, {}
        if path.endswith("/our-request"):
            return {"add": [self.own]}, {}
        if path.endswith("/proposal/changes"):
            return {"remove": [self.person], "reason": "he is needed as a witness"}, {}
        if path.endswith("/repatriation-wish"):
            return {
                "wish": "return",
                "heard_by": "ICRC delegate",
                "heard_on": "2024-05-02",
                "language": "uk",
                "in_private": True,
                "fears_persecution": False,
            }, {}
        if path.endswith("/proceedings"):
            return {"stage": "closed", "reference": "case 1/2024"}, {}
        if path.endswith("/medical-category"):
            return {"category": "wounded_or_sick", "fit_to_travel": True, "decided_by": "camp doctor"}, {}
        return None, {}


def _keys(body: Any) -> set[str]:
    if isinstance(body, dict) and "items" in body and isinstance(body["items"], list):
        return set().union(*(set(i) for i in body["items"])) if body["items"] else set()
    if isinstance(body, dict):
        return set(body)
    if isinstance(body, list):
        return set().union(*(set(i) for i in body if isinstance(i, dict))) if body else set()
    return set()


def test_every_role_gets_what_the_table_says_and_no_more(registry: Registry) -> None:
    world = World(registry)
    clients: dict[str, TestClient] = {ANONYMOUS: client(registry)}
    for role in Role:
        clients[role.value] = staff_client(registry, f"as-{role.value}".replace("_", "-"), [role.value])
    wrong: list[str] = []
    rows = policy()
    last = [r for r in rows if (r["method"], r["path"]) == ("DELETE", "/api/session")]
    for row in [r for r in rows if r not in last] + last:
        http = clients[row["role"]]
        if row["path"] == "/api/session" and row["method"] == "POST":
            name = f"as-{row['role']}".replace("_", "-")
            answer = http.post("/api/session", json={"name": name, "password": "wrong", "totp": "000000"})
            expected = 401
            if answer.status_code != expected:
                wrong.append(
                    f"POST /api/session with a wrong password as {row['role']}: {answer.status_code}"
                )
            continue
        answer = world.request(http, row["method"], row["path"])
        if answer.status_code != int(row["status"]):
            wrong.append(
                f"{row['method']} {row['path']} as {row['role']}: {answer.status_code}, "
                f"table says {row['status']}: {answer.text[:200]}"
            )
            continue
        if answer.status_code >= 400:
            if answer.headers.get("content-type") != "application/problem+json":
                wrong.append(
                    f"{row['method']} {row['path']} as {row['role']}: a {answer.status_code} "
                    "that is not problem+json"
                )
            continue
        if row["fields"] not in ("*", "") and "json" in answer.headers.get("content-type", ""):
            extra = _keys(answer.json()) - set(row["fields"].split())
            if extra:
                wrong.append(f"{row['method']} {row['path']} as {row['role']} sees {sorted(extra)}")
    assert not wrong, "\n".join(wrong)


def test_a_second_factor_code_is_needed_and_cannot_be_replayed(registry: Registry) -> None:
    new = accounts.add_user(
        uow=registry.uow(), name="clerk", roles=[Role.REGISTRAR], by="t", password=PASSWORD
    )
    http = client(registry)
    code = pyotp.TOTP(new.totp_secret).now()
    no_code = http.post("/api/session", json={"name": "clerk", "password": PASSWORD, "totp": ""})
    assert no_code.status_code == 401
    assert (
        http.post("/api/session", json={"name": "clerk", "password": PASSWORD, "totp": code}).status_code
        == 200
    )
    replay = client(registry).post("/api/session", json={"name": "clerk", "password": PASSWORD, "totp": code})
    assert replay.status_code == 401


def test_an_upload_is_taken_whole_or_refused_naming_every_bad_row(registry: Registry) -> None:
    http = staff_client(registry, "uploader", ["registrar"])
    good = "person_ref,surname,given_name,birth_date\nU-1,Гончар,Петро,1991-05\nU-2,Мороз,Іван,1988\n"
    done = http.post(
        "/api/imports/persons?source=upload", content=good.encode(), headers={"Content-Type": "text/csv"}
    )
    assert done.status_code == 200 and done.json()["registered"] == 2
    bad = "person_ref,surname,given_name,birth_date\nU-3,Бойко,Олег,1990-02-30\nU-4,,Ігор,14.03.2001\n"
    refused = http.post(
        "/api/imports/persons?source=upload", content=bad.encode(), headers={"Content-Type": "text/csv"}
    )
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["bad_rows"] == 2 and "line 2" in problem["rows"][0] and "2001-03-14" in problem["detail"]
    wrong_type = http.post(
        "/api/imports/persons", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert wrong_type.status_code == 415
