"""The registry's staff pages through HTTP, on both databases: search and open a person
(audited), register with errors next to the fields and a duplicate warning before saving,
record events and identity corrections with two editors on one version, bulk import with
its progress page and the rejects CSV, the places, and roles refused."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from api_support import PASSWORD, client
from builders import People, Registry, add_places, event, register, write_csv
from powbureau.domain.access import Role
from powbureau.services import accounts
from powbureau.services.audit import who_read
from web_support import StaffBrowser, give_reason, sign_in, staff_browser


def _post(browser: StaffBrowser, url: str, data: Mapping[str, str], **kwargs: Any) -> httpx.Response:
    """POST a form as the browser does, with the session's CSRF token."""
    answer: httpx.Response = browser.http.post(url, data={"csrf": browser.csrf, **data}, **kwargs)
    return answer


def _person_id(location: str) -> str:
    found = re.search(r"/staff/persons/(P[0-9A-Z]+)", location)
    assert found, location
    return found.group(1)


def _field_error(html: str, name: str) -> str:
    """The error shown next to the field ``name`` (its aria-describedby target)."""
    assert f'id="f-{name}"' in html
    found = re.search(rf'<p class="field-error" id="e-{name}">([^<]*)</p>', html)
    assert found, f"no error next to {name}"
    return found.group(1)


def _registrar(registry: Registry, name: str = "reg-1") -> StaffBrowser:
    return staff_browser(registry, name, ["registrar"])


def test_search_by_name_and_open_the_person_whose_read_is_audited(registry: Registry) -> None:
    add_places(registry, "CAMP-1")
    person = register(
        registry, fields={"surname": "Коваленко", "given_name": "Дмитро", "category": "pow"}, place="CAMP-1"
    )
    register(registry, fields={"surname": "Шевченко", "given_name": "Тарас"})
    officer = staff_browser(registry, "tracer-1", ["tracing_officer"])
    start = officer.http.get("/staff/registry?lang=en")
    assert start.status_code == 200 and "Register a person" not in start.text  # registrars only
    unfiltered = officer.http.get("/staff/registry?lang=en&place=CAMP-1&status=held")
    assert "Say why you search the registry" in unfiltered.text and person not in unfiltered.text
    no_reason = _post(officer, "/staff/registry?lang=en", {"q": "Kovalenko"})
    assert no_reason.status_code == 422 and "Choose why you read these records" in no_reason.text
    assert person not in no_reason.text and "Коваленко" not in no_reason.text
    assert who_read(uow=registry.uow(write=False), ref=person) == []
    why = {"why": "family_contact", "why_text": "call of 3 May"}
    found = _post(officer, "/staff/registry?lang=en", {"q": "Kovalenko", **why})  # another spelling
    assert found.status_code == 200
    assert f'href="/staff/persons/{person}"' in found.text and "Шевченко" not in found.text
    assert "A family&#39;s call or letter not filed as a case yet: call of 3 May" in found.text
    by_id = _post(officer, "/staff/registry?lang=en", {"q": person, **why})
    assert f'href="/staff/persons/{person}"' in by_id.text and "Persons 1 to 1" in by_id.text
    filtered = officer.http.get("/staff/registry?lang=en&place=CAMP-1&status=held")
    assert (
        person in filtered.text
        and 'id="why-family_contact" name="why" value="family_contact" required checked' in filtered.text
    )
    listed = {r.reason for r in who_read(uow=registry.uow(write=False), ref=person) if r.action == "list"}
    assert listed == {"family_contact: call of 3 May"}
    asked = officer.http.get(f"/staff/persons/{person}?lang=en")
    assert asked.status_code == 200 and "Why do you open this record?" in asked.text
    assert "Коваленко" not in asked.text and "History" not in asked.text and "CAMP-1" not in asked.text
    assert not {r.action for r in who_read(uow=registry.uow(write=False), ref=person)} & {"show", "history"}
    reason = f"/staff/persons/{person}/reason?lang=en"
    vague = _post(officer, reason, {"why": "other", "why_text": " ", "next": f"/staff/persons/{person}"})
    assert (
        vague.status_code == 422
        and "Say the reason in a few words" in vague.text
        and "Коваленко" not in vague.text
    )
    given = _post(
        officer,
        reason,
        {"why": "liaison_request", "why_text": "ICRC note 12", "next": f"/staff/persons/{person}?lang=en"},
        follow_redirects=False,
    )
    assert given.status_code == 303 and given.headers["location"] == f"/staff/persons/{person}?lang=en"
    assert "ICRC" not in given.headers["location"]
    shown = officer.http.get(f"/staff/persons/{person}?lang=en")
    assert shown.status_code == 200
    assert "Коваленко" in shown.text and "History" in shown.text and "registered" in shown.text
    assert "Коваленко" not in shown.text.split("<title>")[1].split("</title>")[0]
    reads = who_read(uow=registry.uow(write=False), ref=person)
    assert {(r.user, r.channel, r.action) for r in reads} >= {
        ("tracer-1", "ui", "list"),
        ("tracer-1", "ui", "show"),
        ("tracer-1", "ui", "history"),
    }
    opened = [r for r in reads if r.action in ("show", "history")]
    why = {(r.reason, r.case_id, r.flagged) for r in opened}
    assert why == {("liaison_request: ICRC note 12", None, True)}


def test_registration_shows_the_error_next_to_the_field_and_keeps_the_input(registry: Registry) -> None:
    clerk = _registrar(registry)
    form = clerk.http.get("/staff/persons/new?lang=en")
    assert form.status_code == 200 and 'for="f-surname"' in form.text
    refused = _post(
        clerk,
        "/staff/persons/new?lang=en",
        {"surname": "Бондаренко", "given_name": "Олег", "birth_date": "1994-13-45", "unit": "в/ч 12345"},
    )
    assert refused.status_code == 422
    assert _field_error(refused.text, "birth_date")
    assert 'aria-invalid="true" aria-describedby="e-birth_date' in refused.text
    assert 'value="Бондаренко"' in refused.text and 'value="в/ч 12345"' in refused.text
    done = _post(
        clerk,
        "/staff/persons/new?lang=en",
        {"surname": "Бондаренко", "given_name": "Олег", "birth_date": "1994-03", "source": "bureau"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert _person_id(done.headers["location"])
    page = clerk.http.get(done.headers["location"] + "&lang=en")
    assert "The person is registered." in page.text and "1994-03" in page.text


def test_a_possible_duplicate_is_shown_before_saving_then_register_anyway(registry: Registry) -> None:
    fields = People(seed=3).fields(surname="Мельник", given_name="Андрій", birth_date="1990-05-06")
    first = register(registry, fields=fields)
    clerk = _registrar(registry)
    typed = {k: v or "" for k, v in fields.items()}
    warned = _post(clerk, "/staff/persons/new?lang=en", typed)
    assert warned.status_code == 200
    assert "This person may already be registered" in warned.text
    assert f'href="/staff/persons/{first}" target="_blank" rel="noopener"' in warned.text
    assert 'name="confirm" value="1"' in warned.text and "Register anyway" in warned.text
    assert 'value="Мельник"' in warned.text
    done = _post(clerk, "/staff/persons/new?lang=en", {**typed, "confirm": "1"}, follow_redirects=False)
    assert done.status_code == 303
    assert _person_id(done.headers["location"]) != first


def test_record_an_event_and_see_it_in_the_history(registry: Registry) -> None:
    add_places(registry, "CAMP-1", "CAMP-2")
    person = register(registry, fields={"surname": "Ткаченко", "captured_on": "2024-01-02"}, place="CAMP-1")
    clerk = _registrar(registry)
    give_reason(clerk, person, "record_upkeep", "transfer order 17")
    form = clerk.http.get(f"/staff/persons/{person}/events/new?lang=en")
    version = re.search(r'name="expected_version" value="(\d+)"', form.text)
    assert version
    bad = _post(
        clerk,
        f"/staff/persons/{person}/events/new?lang=en",
        {
            "kind": "transferred",
            "occurred_on": "2024-02-31",
            "place": "CAMP-2",
            "expected_version": version.group(1),
        },
    )
    assert bad.status_code == 422 and _field_error(bad.text, "occurred_on")
    done = _post(
        clerk,
        f"/staff/persons/{person}/events/new?lang=en",
        {
            "kind": "transferred",
            "occurred_on": "2024-03-01",
            "place": "CAMP-2",
            "source": "transfer order 17",
            "note": "by bus",
            "expected_version": version.group(1),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = clerk.http.get(done.headers["location"] + "&lang=en")
    assert "is recorded" in page.text and "transferred" in page.text and "transfer order 17" in page.text
    assert "recorded by reg-1" in page.text


def test_a_conflict_is_flagged_with_what_to_do_and_a_retraction_strikes_the_event(registry: Registry) -> None:
    person = register(registry, fields={"surname": "Лисенко", "captured_on": "2024-01-02"})
    event(registry, person, "died", occurred_on="2024-02-01")
    late = event(registry, person, "transferred", occurred_on="2024-03-01", source="adversary list")
    assert late.warnings
    clerk = _registrar(registry)
    give_reason(clerk, person)
    page = clerk.http.get(f"/staff/persons/{person}?lang=en")
    assert "Conflict to resolve" in page.text and f"Retract event #{late.event.id}" in page.text
    form = clerk.http.get(
        f"/staff/persons/{person}/events/new?kind=retracted&corrects={late.event.id}&lang=en"
    )
    version = re.search(r'name="expected_version" value="(\d+)"', form.text)
    assert version and f'value="{late.event.id}"' in form.text
    done = _post(
        clerk,
        f"/staff/persons/{person}/events/new?lang=en",
        {
            "kind": "retracted",
            "corrects": str(late.event.id),
            "note": "wrong man",
            "expected_version": version.group(1),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    after = clerk.http.get(f"/staff/persons/{person}?lang=en")
    assert "<del>" in after.text and "retracted by event #" in after.text


def test_two_editors_on_one_version_the_second_sees_who_changed_what_and_keeps_his_input(
    registry: Registry,
) -> None:
    add_places(registry, "CAMP-1", "HOSP-1")
    person = register(registry, fields={"surname": "Руденко", "captured_on": "2024-01-02"}, place="CAMP-1")
    first = _registrar(registry, "reg-first")
    second = _registrar(registry, "reg-second")
    give_reason(first, person)
    give_reason(second, person)
    form_1 = first.http.get(f"/staff/persons/{person}/events/new")
    form_2 = second.http.get(f"/staff/persons/{person}/identity")
    v1 = re.search(r'name="expected_version" value="(\d+)"', form_1.text)
    v2 = re.search(r'name="expected_version" value="(\d+)"', form_2.text)
    assert v1 and v2 and v1.group(1) == v2.group(1)
    saved = _post(
        first,
        f"/staff/persons/{person}/events/new",
        {
            "kind": "hospitalised",
            "occurred_on": "2024-02-01",
            "place": "HOSP-1",
            "expected_version": v1.group(1),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    clash = _post(
        second,
        f"/staff/persons/{person}/identity?lang=en",
        {
            "surname": "Руденко",
            "given_name": "Ігор",
            "note": "from his card",
            "expected_version": v2.group(1),
        },
    )
    assert clash.status_code == 409
    assert "Changed since you opened the form" in clash.text
    assert "reg-first" in clash.text and "taken to hospital" in clash.text and "HOSP-1" in clash.text
    assert 'value="Ігор"' in clash.text and "from his card" in clash.text
    newer = re.search(r'name="expected_version" value="(\d+)"', clash.text)
    assert newer and int(newer.group(1)) == int(v2.group(1)) + 1
    again = _post(
        second,
        f"/staff/persons/{person}/identity?lang=en",
        {
            "surname": "Руденко",
            "given_name": "Ігор",
            "note": "from his card",
            "expected_version": newer.group(1),
        },
        follow_redirects=False,
    )
    assert again.status_code == 303
    page = second.http.get(f"/staff/persons/{person}?lang=en")
    assert "identity corrected" in page.text and "Ігор" in page.text


def _wait(clerk: StaffBrowser, url: str) -> str:
    for _ in range(200):
        page = clerk.http.get(url + "?lang=en")
        assert page.status_code == 200
        if 'hx-trigger="every 1s"' not in page.text:
            text: str = page.text
            return text
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def _upload(clerk: StaffBrowser, path: Path, source: str) -> httpx.Response:
    with path.open("rb") as handle:
        answer: httpx.Response = clerk.http.post(
            "/staff/uploads/persons?lang=en",
            data={"csrf": clerk.csrf, "source": source, "encoding": ""},
            files={"file": (path.name, handle, "text/csv")},
            follow_redirects=False,
        )
    return answer


def test_an_import_taken_whole_shows_its_progress_then_the_summary(
    registry: Registry, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "persons.csv", People(seed=5).rows(30))
    clerk = _registrar(registry)
    form = clerk.http.get("/staff/imports?lang=en")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    started = _upload(clerk, path, "unit-registrar")
    assert started.status_code == 303, started.text
    job = started.headers["location"]
    first = clerk.http.get(job + "?lang=en")
    assert "<progress" in first.text or "Imported" in first.text
    done = _wait(clerk, job)
    assert "The whole file was taken." in done
    assert re.search(r"<dt>Registered</dt><dd>30</dd>", done)
    again = _upload(clerk, path, "unit-registrar")
    assert re.search(r"<dt>Unchanged</dt><dd>30</dd>", _wait(clerk, again.headers["location"]))
    other = staff_browser(registry, "reg-other", ["registrar"])
    assert other.http.get(job).status_code == 404  # a job is its own registrar's


def test_an_import_refused_lists_the_rows_and_gives_them_as_csv(registry: Registry, tmp_path: Path) -> None:
    rows = People(seed=6).rows(5)
    rows[2]["birth_date"] = "1990-02-30"
    rows[4]["sex"] = "=HYPERLINK(1)"
    path = write_csv(tmp_path / "persons.csv", rows)
    clerk = _registrar(registry)
    started = _upload(clerk, path, "unit-registrar")
    page = _wait(clerk, started.headers["location"])
    assert "Refused: nothing was imported" in page and "birth_date" in page
    rejects = clerk.http.get(started.headers["location"] + "/rejects.csv")
    assert rejects.status_code == 200 and rejects.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(rejects.text)))
    assert table[0] == ["line", "column", "reason"]
    assert {(r[0], r[1]) for r in table[1:]} >= {("4", "birth_date"), ("6", "sex")}
    assert not any(cell.startswith("=") for row in table for cell in row)
    listed = _post(
        clerk, "/staff/registry", {"category": "pow", "why": "list_check", "why_text": "the import"}
    )
    assert "No person matches." in listed.text


def test_an_import_without_a_file_or_source_is_refused_next_to_the_field(registry: Registry) -> None:
    clerk = _registrar(registry)
    answer = clerk.http.post(
        "/staff/uploads/persons?lang=en",
        data={"csrf": clerk.csrf, "source": ""},
        files={"file": ("p.csv", b"surname\n", "text/csv")},
    )
    assert answer.status_code == 422 and _field_error(answer.text, "source")


def test_an_upload_past_the_limit_is_refused_before_it_is_read(registry: Registry, tmp_path: Path) -> None:
    new = accounts.add_user(
        uow=registry.uow(), name="reg-9", roles=[Role.REGISTRAR], by="t", password=PASSWORD
    )
    http = client(registry, max_upload_bytes=1000, upload_dir=tmp_path / "uploads")
    csrf = sign_in(http, "reg-9", new.totp_secret)
    big = b"surname,given_name\n" + b"x,y\n" * 20_000
    answer = http.post(
        "/staff/uploads/persons?lang=en",
        data={"csrf": csrf, "source": "s"},
        files={"file": ("p.csv", big, "text/csv")},
    )
    assert answer.status_code == 413 and "larger than the upload limit" in answer.text
    assert not list((tmp_path / "uploads").glob("*"))


def test_the_places_show_capacity_and_occupancy_in_words(registry: Registry) -> None:
    from powbureau.services.registry import add_place

    add_place(uow=registry.uow(), code="CAMP-9", name="Camp No. 9", kind="camp", capacity=1)
    for n in range(2):
        register(registry, fields={"surname": f"Петренко{n}"}, place="CAMP-9")
    liaison = staff_browser(registry, "icrc-1", ["liaison"])
    page = liaison.http.get("/staff/places?lang=en")
    assert page.status_code == 200 and "Camp No. 9" in page.text and "over capacity by 1" in page.text


@pytest.mark.parametrize(
    "url",
    ["/staff/registry", "/staff/places", "/staff/persons/new", "/staff/imports"],
)
def test_the_hotline_operator_is_refused(registry: Registry, url: str) -> None:
    operator = staff_browser(registry, "hotline-1", ["hotline_operator"])
    assert operator.http.get(url).status_code == 403


def test_roles_that_only_read_are_refused_the_registrars_pages(registry: Registry) -> None:
    person = register(registry, fields={"surname": "Кравченко"})
    operator = staff_browser(registry, "hotline-2", ["hotline_operator"])
    assert operator.http.get(f"/staff/persons/{person}").status_code == 403
    assert who_read(uow=registry.uow(write=False), ref=person) == []
    medical = staff_browser(registry, "doc-1", ["medical"])
    give_reason(medical, person)
    shown = medical.http.get(f"/staff/persons/{person}?lang=en")
    assert shown.status_code == 200 and "Кравченко" in shown.text
    assert "History" not in shown.text and "Record an event" not in shown.text
    assert medical.http.get(f"/staff/persons/{person}/events/new").status_code == 403
    liaison = staff_browser(registry, "icrc-2", ["liaison"])
    refused = _post(liaison, f"/staff/persons/{person}/events/new", {"kind": "released"})
    assert refused.status_code == 403


def test_a_registrar_adds_a_place_with_errors_next_to_the_field(registry: Registry) -> None:
    registrar = staff_browser(registry, "clerk-places", ["registrar"])
    bad = registrar.post(
        "/staff/places?lang=en", {"code": "CAMP-3", "name": "Camp 3", "kind": "camp", "capacity": "x"}
    )
    assert bad.status_code == 422 and 'id="e-capacity"' in bad.text and 'value="CAMP-3"' in bad.text
    added = registrar.post(
        "/staff/places?lang=en", {"code": "CAMP-3", "name": "Camp 3", "kind": "camp", "capacity": "40"}
    )
    assert added.status_code == 200 and "Place CAMP-3 is registered." in added.text and "Camp 3" in added.text
    again = registrar.post("/staff/places?lang=en", {"code": "CAMP-3", "name": "Other", "kind": "camp"})
    assert again.status_code == 409 and 'id="e-code"' in again.text
    liaison = staff_browser(registry, "icrc-places", ["liaison"])
    assert "Register a place of detention" not in liaison.http.get("/staff/places?lang=en").text
    assert liaison.post("/staff/places", {"code": "X-1", "name": "X", "kind": "camp"}).status_code == 403


def test_two_records_of_one_man_are_merged_and_the_merge_undone(registry: Registry) -> None:
    first = register(registry, fields={"surname": "Кравчук", "given_name": "Олег", "birth_date": "1990"})
    second = register(registry, fields={"surname": "Кравчук", "given_name": "Олег", "birth_date": "1990-05"})
    registrar = staff_browser(registry, "clerk-merge", ["registrar"])
    give_reason(registrar, first)
    form = registrar.get(f"/staff/persons/{first}/merge?lang=en")
    assert form.status_code == 200 and "Merge the records" in form.text
    no_reason = registrar.post(f"/staff/persons/{first}/merge?lang=en", {"action": "merge", "other": second})
    assert (
        no_reason.status_code == 422 and "reason" in no_reason.text and f'value="{second}"' in no_reason.text
    )
    merged = registrar.post(
        f"/staff/persons/{first}/merge?lang=en",
        {"action": "merge", "other": second, "reason": "one man registered twice by two camps"},
    )
    assert merged.status_code == 200 and "The records are merged" in merged.text
    assert "merged" in merged.text  # the merge is an event on the timeline
    undone = registrar.post(
        f"/staff/persons/{first}/merge?lang=en", {"action": "unmerge", "other": second, "reason": "brothers"}
    )
    assert undone.status_code == 200 and "The merge is undone" in undone.text
    assert f"/staff/persons/{second}" in str(undone.url)
    medical = staff_browser(registry, "doc-merge", ["medical"])
    assert medical.get(f"/staff/persons/{first}/merge").status_code == 403
