"""The exchange negotiator's, the medical service's and the liaison's pages through HTTP, on
both databases: create an exchange, upload a list and settle its rows, make and edit the
proposal, enter the handover with an absent man, record a medical category, read the events."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from builders import READER, People, Registry, agreed_exchange, event, register, write_csv
from powbureau.domain.exchanges import Formula
from powbureau.services import exchanges
from web_support import staff_browser

LIST_COLUMNS = ("list_ref", "list_kind", "surname", "given_name", "birth_date", "claimed_state")
DAY = (date.today() - timedelta(days=1)).isoformat()
SCAN = b"\x89PNG\r\n\x1a\n" + b"a scanned page" * 100


def missing(reg: Registry, people: People, **fields: str | None) -> str:
    data = people.fields(nationality="UA", category="missing", captured_on=None, capture_place=None)
    data.update(fields)
    return register(reg, fields=data)


def test_the_negotiator_creates_an_exchange_and_sees_it_listed(registry: Registry) -> None:
    browser = staff_browser(registry, "neg", ["exchange_negotiator"])
    page = browser.http.get("/staff/exchanges?lang=en")
    assert page.status_code == 200 and "Record a proposed exchange" in page.text
    wrong = browser.post(
        "/staff/exchanges", {"party": "Russian Federation", "formula": "one_for_one", "count": ""}
    )
    assert wrong.status_code == 422
    assert 'aria-invalid="true"' in wrong.text and 'value="Russian Federation"' in wrong.text
    done = browser.post(
        "/staff/exchanges",
        {"party": "Russian Federation", "power": "ru", "formula": "one_for_one", "count": "5",
         "criteria": ["requested", "oldest"], "place": "КПП-2"},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    exchange_id = done.headers["location"].rsplit("/", 1)[1]
    listed = browser.http.get("/staff/exchanges")
    assert exchange_id in listed.text and "КПП-2" in listed.text
    overview = browser.http.get(f"/staff/exchanges/{exchange_id}?lang=en")
    assert "Start negotiating" in overview.text and "asked for by the other party" in overview.text
    moved = browser.post(f"/staff/exchanges/{exchange_id}/state", {"to": "agreed"})
    assert moved.status_code == 409 and "negotiating" in moved.text


def test_a_list_is_uploaded_its_rows_reconciled_and_an_ambiguous_row_settled(
    registry: Registry, tmp_path: Path
) -> None:
    people = People(91)
    common = {"surname": "Шевченко", "given_name": "Олександр", "patronymic": None, "service_number": None}
    missing(registry, people, birth_date="1990-02-03", unit="в/ч А0001", **common)
    second = missing(registry, people, birth_date="1990-11-21", unit="в/ч А0777", **common)
    exchange_id = exchanges.create_exchange(
        uow=registry.uow(), party="RU", formula=Formula.of("one_for_one", count=1), created_by="t"
    )
    path = write_csv(
        tmp_path / "held.csv",
        [{"list_ref": "A-1", "list_kind": "held", "surname": "Шевченко", "given_name": "Олександр",
          "birth_date": "1990", "claimed_state": "held"}],
        LIST_COLUMNS,
    )  # fmt: skip
    browser = staff_browser(registry, "neg", ["exchange_negotiator"])
    uploaded = browser.http.post(
        f"/staff/uploads/exchanges/{exchange_id}/lists?lang=en",
        data={"csrf": browser.csrf, "dated": "2024-06-01"},
        files={"file": ("held.csv", path.read_bytes(), "text/csv")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303, uploaded.text
    assert uploaded.headers["location"].endswith("/lists/their-held?version=1")
    rows = browser.http.get(f"/staff/exchanges/{exchange_id}/lists/their-held?only=ambiguous&lang=en")
    assert "ambiguous: an officer chooses" in rows.text and second in rows.text
    overview = browser.http.get(f"/staff/exchanges/{exchange_id}")
    assert "held.csv" in overview.text
    url = f"/staff/exchanges/{exchange_id}/lists/their-held/settlements?lang=en"
    no_reason = browser.post(url, {"list_ref": "A-1", "choice": second, "note": ""})
    assert no_reason.status_code == 422 and "say why" in no_reason.text
    unnamed = browser.post(url, {"list_ref": "A-1", "choice": "confirm", "note": "checked"})
    assert (
        unnamed.status_code == 422
        and "name the man" in unnamed.text
        and ">checked</textarea>" in unnamed.text
    )
    settled = browser.post(url, {"list_ref": "A-1", "choice": second, "note": "unit per the family"})
    assert (
        settled.status_code == 200 and "confirmed" in settled.text and "unit per the family" in settled.text
    )
    tracer = staff_browser(registry, "tracer", ["tracing_officer"])
    assert tracer.http.get(f"/staff/exchanges/{exchange_id}/lists/their-held").status_code == 200
    assert tracer.http.get(f"/staff/exchanges/{exchange_id}").status_code == 403


def test_the_proposal_is_made_edited_and_agreed(registry: Registry) -> None:
    people = People(92)
    men = [register(registry, fields=people.fields(nationality="RU", category="pow")) for _ in range(3)]
    exchange_id = exchanges.create_exchange(
        uow=registry.uow(), party="RU", power="RU", formula=Formula.of("one_for_one", count=2), created_by="t"
    )
    browser = staff_browser(registry, "neg", ["exchange_negotiator"])
    made = browser.post(f"/staff/exchanges/{exchange_id}/proposal?lang=en", {})
    assert made.status_code == 200 and "The proposal is made." in made.text
    view = exchanges.exchange_view(uow=registry.uow(write=False), reader=READER, exchange_id=exchange_id)
    chosen = [p["person_id"] for p in view["proposal"]]
    spare = next(m for m in men if m not in chosen)
    full = browser.post(
        f"/staff/exchanges/{exchange_id}/proposal/changes?lang=en", {"add": spare, "reason": "asked for"}
    )
    assert full.status_code == 422 and 'aria-invalid="true"' in full.text and "asked for" in full.text
    swapped = browser.post(
        f"/staff/exchanges/{exchange_id}/proposal/changes",
        {"remove": chosen[0], "add": spare, "reason": "asked for at the talks"},
    )
    assert swapped.status_code == 200 and "asked for at the talks" in swapped.text
    now = exchanges.exchange_view(uow=registry.uow(write=False), reader=READER, exchange_id=exchange_id)
    assert {p["person_id"] for p in now["proposal"]} == {chosen[1], spare}
    browser.post(f"/staff/exchanges/{exchange_id}/state", {"to": "negotiating"})
    agreed = browser.post(
        f"/staff/exchanges/{exchange_id}/state?lang=en", {"to": "agreed", "reason": "signed"}
    )
    assert agreed.status_code == 200 and "The list is agreed" in agreed.text


def test_the_handover_is_entered_with_an_absent_man_and_his_discrepancy_resolved(registry: Registry) -> None:
    people = People(93)
    men = [register(registry, fields=people.fields()) for _ in range(2)]
    exchange_id = agreed_exchange(registry.url, men)
    browser = staff_browser(registry, "neg", ["exchange_negotiator"])
    form = browser.http.get(f"/staff/exchanges/{exchange_id}/execution?lang=en")
    assert form.status_code == 200 and f'name="present-{men[0]}"' in form.text
    sheet = browser.http.get(f"/staff/exchanges/{exchange_id}/execution-sheet")
    assert sheet.status_code == 200 and sheet.headers["content-type"] == "application/pdf"
    handover = {
        "executed_on": DAY, "place": "КПП-2", "officer": "майор Ткаченко", "icrc_delegate": "ICRC delegate",
        f"present-{men[0]}": "yes", f"method-{men[0]}": ["id_card", "questions"],
        f"checked-{men[0]}": ["surname", "given_name", "birth_date"], f"medical-{men[0]}": "seated",
        f"packet-{men[0]}": "VP-9", f"present-{men[1]}": "no", f"note-{men[1]}": "у шпиталі",
    }  # fmt: skip
    unsigned = browser.post(f"/staff/exchanges/{exchange_id}/execution?lang=en", handover)
    assert unsigned.status_code == 422 and "scan" in unsigned.text and 'value="VP-9"' in unsigned.text
    scan = browser.http.post(
        f"/staff/uploads/exchanges/{exchange_id}/scans",
        data={"csrf": browser.csrf},
        files={"scan": ("signed.png", SCAN, "image/png")},
        follow_redirects=False,
    )
    assert scan.status_code == 303, scan.text
    done = browser.post(f"/staff/exchanges/{exchange_id}/execution?lang=en", handover)
    assert done.status_code == 200, done.text
    assert "absent" in done.text and "у шпиталі" in done.text and "Resolve discrepancy" in done.text
    number = re.search(r"/discrepancies/(\d+)/resolution", done.text)
    assert number
    no_reason = browser.post(
        f"/staff/exchanges/{exchange_id}/discrepancies/{number.group(1)}/resolution?lang=en",
        {"outcome": "not_exchanged", "reason": ""},
    )
    assert no_reason.status_code == 422
    resolved = browser.post(
        f"/staff/exchanges/{exchange_id}/discrepancies/{number.group(1)}/resolution?lang=en",
        {"outcome": "not_exchanged", "reason": "in hospital"},
    )
    assert resolved.status_code == 200 and "resolved" in resolved.text
    report = browser.http.get(f"/staff/exchanges/{exchange_id}/executed-list?for=other_party&format=csv")
    assert report.status_code == 200 and "not_handed_over" in report.text and "у шпиталі" not in report.text
    liaison = staff_browser(registry, "icrc", ["liaison"])
    page = liaison.http.get("/staff/liaison?lang=en")
    assert page.status_code == 200 and exchange_id in page.text and "exchanged" in page.text
    icrc = liaison.http.get(f"/staff/exchanges/{exchange_id}/executed-list?for=icrc&format=csv")
    assert icrc.status_code == 200 and "medical_state" in icrc.text
    theirs = liaison.http.get(f"/staff/exchanges/{exchange_id}/executed-list?for=other_party&format=csv")
    assert theirs.status_code == 403


def test_the_medical_service_records_a_category_and_sees_men_in_hospital(registry: Registry) -> None:
    people = People(94)
    man = register(registry, fields=people.fields(nationality="RU", category="pow"))
    event(registry, man, "hospitalised", occurred_on=DAY)
    browser = staff_browser(registry, "doc", ["medical"])
    page = browser.http.get("/staff/medical?lang=en")
    assert page.status_code == 200 and man in page.text and "In hospital now: 1" in page.text
    assert "birth_place" not in page.text and "captured" not in page.text.lower()
    refused = browser.post("/staff/medical?lang=en", {"person": man, "category": "seriously_wounded"})
    assert refused.status_code == 422 and "Say whether he is fit to travel." in refused.text
    unknown = browser.post(
        "/staff/medical?lang=en", {"person": "UA-NOBODY", "category": "able_bodied", "fit_to_travel": "yes"}
    )
    assert unknown.status_code == 422 and 'aria-invalid="true"' in unknown.text
    done = browser.post(
        "/staff/medical?lang=en",
        {"person": man, "category": "seriously_wounded", "fit_to_travel": "no", "decided_by": "Dr Koval"},
    )
    assert done.status_code == 200 and "is recorded" in done.text
    assert "seriously wounded (direct repatriation)" in done.text and "Dr Koval" in done.text


def test_the_liaison_reads_events_newest_first_page_by_page(registry: Registry) -> None:
    people = People(95)
    men = [register(registry, fields=people.fields()) for _ in range(3)]
    browser = staff_browser(registry, "icrc", ["liaison"])
    page = browser.http.get("/staff/liaison?lang=en")
    assert page.status_code == 200
    positions = [page.text.index(m) for m in men]
    assert positions == sorted(positions, reverse=True)
    assert browser.http.get("/staff/liaison?page=2").status_code == 200
    assert browser.http.get("/staff/exchanges").status_code == 200


def test_wrong_roles_are_refused(registry: Registry) -> None:
    exchange_id = exchanges.create_exchange(
        uow=registry.uow(), party="RU", formula=Formula.of("all_wounded"), created_by="t"
    )
    clerk = staff_browser(registry, "clerk", ["registrar"])
    base = f"/staff/exchanges/{exchange_id}"
    for url in (
        "/staff/exchanges",
        base,
        f"{base}/proposal",
        f"{base}/execution",
        "/staff/medical",
        "/staff/liaison",
    ):
        assert clerk.http.get(url).status_code == 403, url
    liaison = staff_browser(registry, "icrc", ["liaison"])
    assert liaison.post("/staff/exchanges", {"party": "X", "formula": "all_wounded"}).status_code == 403
    assert liaison.http.get(f"/staff/exchanges/{exchange_id}/proposal").status_code == 403
    negotiator = staff_browser(registry, "neg", ["exchange_negotiator"])
    assert negotiator.post("/staff/medical", {"person": "x"}).status_code == 403
    assert negotiator.http.get("/staff/liaison").status_code == 403


def test_the_terms_change_with_a_reason_and_the_version_the_negotiator_saw(registry: Registry) -> None:
    exchange_id = exchanges.create_exchange(
        uow=registry.uow(), party="RU", power="RU", formula=Formula.of("one_for_one", count=5),
        criteria=["oldest"], place="КПП-2", created_by="t",
    )  # fmt: skip
    browser = staff_browser(registry, "neg", ["exchange_negotiator"])
    overview = browser.http.get(f"/staff/exchanges/{exchange_id}?lang=en")
    assert f'href="/staff/exchanges/{exchange_id}/terms"' in overview.text
    form = browser.http.get(f"/staff/exchanges/{exchange_id}/terms?lang=en")
    assert form.status_code == 200 and 'name="version" value="0"' in form.text
    assert 'value="КПП-2"' in form.text
    assert 'id="c-oldest" name="criteria" value="oldest" checked' in form.text
    url = f"/staff/exchanges/{exchange_id}/terms?lang=en"
    typed = {"version": "0", "power": "RU", "formula": "one_for_one", "count": "7",
             "criteria": ["oldest", "women"], "planned_on": "2026-12-01", "place": "КПП-3"}  # fmt: skip
    no_reason = browser.post(url, typed)
    assert no_reason.status_code == 422 and "Say why the terms change" in no_reason.text
    assert 'value="КПП-3"' in no_reason.text and 'value="7"' in no_reason.text
    unchanged = browser.post(url, {**typed, "count": "5", "criteria": ["oldest"], "planned_on": "",
                                   "place": "КПП-2", "reason": "as before"})  # fmt: skip
    assert unchanged.status_code == 422 and "Nothing to change" in unchanged.text
    done = browser.post(url, {**typed, "reason": "agreed by telephone"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/staff/exchanges/{exchange_id}#log"
    summary = exchanges.exchange_summary(uow=registry.uow(write=False), exchange_id=exchange_id)
    assert (summary["formula"]["count"], summary["criteria"], summary["planned_on"], summary["place"]) == (
        7,
        ["oldest", "women"],
        "2026-12-01",
        "КПП-3",
    )
    view = exchanges.exchange_view(uow=registry.uow(write=False), reader=READER, exchange_id=exchange_id)
    logged = view["history"][-1]
    assert (logged["action"], logged["by"]) == ("terms", "neg")
    assert logged["detail"]["reason"] == "agreed by telephone"
    assert logged["detail"]["before"]["place"] == "КПП-2" and logged["detail"]["place"] == "КПП-3"
    assert "power" not in logged["detail"]
    shown = browser.http.get(f"/staff/exchanges/{exchange_id}?lang=en")
    assert "terms changed" in shown.text and "agreed by telephone" in shown.text
    assert "crossing point КПП-2 → КПП-3" in shown.text
    stale = browser.post(url, {**typed, "place": "КПП-9", "reason": "moved again"})
    assert stale.status_code == 409 and "changed by neg" in stale.text
    assert 'value="КПП-9"' in stale.text and 'name="version" value="1"' in stale.text
    now = exchanges.exchange_summary(uow=registry.uow(write=False), exchange_id=exchange_id)
    assert now["place"] == "КПП-3"
    tracer = staff_browser(registry, "tracer", ["tracing_officer"])
    assert tracer.http.get(f"/staff/exchanges/{exchange_id}/terms").status_code == 403
    assert tracer.post(url, {**typed, "version": "1", "reason": "x"}).status_code == 403


def test_after_agreement_only_the_date_and_place_change(registry: Registry) -> None:
    people = People(96)
    man = register(registry, fields=people.fields())
    exchange_id = agreed_exchange(registry.url, [man])
    browser = staff_browser(registry, "neg", ["exchange_negotiator"])
    form = browser.http.get(f"/staff/exchanges/{exchange_id}/terms?lang=en")
    assert "the formula, the criteria and the Power are fixed" in form.text
    assert 'name="formula"' not in form.text
    version = re.search(r'name="version" value="(\d+)"', form.text)
    assert version
    url = f"/staff/exchanges/{exchange_id}/terms?lang=en"
    moved = browser.post(
        url, {"version": version.group(1), "formula": "all_wounded", "planned_on": DAY, "reason": "rain"},
        follow_redirects=False,
    )  # fmt: skip
    assert moved.status_code == 303
    summary = exchanges.exchange_summary(uow=registry.uow(write=False), exchange_id=exchange_id)
    assert summary["planned_on"] == DAY and summary["formula"]["kind"] == "one_for_one"


def test_our_request_list_is_written_from_the_exchange_page(registry: Registry) -> None:
    people = People(97)
    ours = [missing(registry, people) for _ in range(2)]
    prisoner = register(registry, fields=people.fields(nationality="RU", category="pow"))
    exchange_id = exchanges.create_exchange(
        uow=registry.uow(), party="RU", formula=Formula.of("all_wounded"), created_by="t"
    )
    browser = staff_browser(registry, "neg", ["exchange_negotiator"])
    overview = browser.http.get(f"/staff/exchanges/{exchange_id}?lang=en")
    assert "We ask for nobody yet." in overview.text
    url = f"/staff/exchanges/{exchange_id}/our-request?lang=en"
    refused = browser.post(url, {"add": f"{ours[0]} {prisoner}"})
    assert refused.status_code == 422 and "not one of our own people" in refused.text
    assert f'value="{ours[0]} {prisoner}"' in refused.text
    nothing = browser.post(url, {"add": "", "remove": ""})
    assert nothing.status_code == 422 and "name someone to add or remove" in nothing.text
    done = browser.post(url, {"add": f"{ours[0]}, {ours[1]}"}, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/staff/exchanges/{exchange_id}/lists/our-request?version=1"
    listed = browser.http.get(done.headers["location"] + "&lang=en")
    assert listed.status_code == 200 and ours[0] in listed.text and ours[1] in listed.text
    assert "/settlements" not in listed.text
    taken_off = browser.post(url, {"remove": ours[1]}, follow_redirects=False)
    assert taken_off.headers["location"].endswith("our-request?version=2")
    rows = exchanges.list_view(
        uow=registry.uow(write=False), reader=READER, exchange_id=exchange_id, list_name="our-request"
    )
    assert [r["list_ref"] for r in rows["rows"]] == [ours[0]] and rows["removed"][0]["list_ref"] == ours[1]
    overview = browser.http.get(f"/staff/exchanges/{exchange_id}?lang=en")
    assert "Version 2 names 1 men." in overview.text and "our list written" in overview.text
    tracer = staff_browser(registry, "tracer", ["tracing_officer"])
    assert tracer.post(url, {"add": ours[1]}).status_code == 403


def test_a_man_not_on_the_list_is_entered_at_the_border(registry: Registry) -> None:
    people = People(98)
    men = [register(registry, fields=people.fields()) for _ in range(2)]
    stranger = register(registry, fields=people.fields())
    exchange_id = agreed_exchange(registry.url, men)
    browser = staff_browser(registry, "neg", ["exchange_negotiator"])
    form = browser.http.get(f"/staff/exchanges/{exchange_id}/execution?lang=en")
    assert 'name="u-name-1"' in form.text and 'name="u-name-2"' not in form.text
    assert "Line 3: a man not on the list" in form.text
    handover = {
        "executed_on": DAY, "place": "КПП-2", "officer": "майор Ткаченко", "icrc_delegate": "ICRC delegate",
        "slots": "2", f"present-{men[0]}": "yes", f"method-{men[0]}": ["id_card"],
        f"checked-{men[0]}": ["surname", "birth_date"], f"medical-{men[0]}": "fit",
        f"packet-{men[0]}": "VP-1",
        f"present-{men[1]}": "yes", f"method-{men[1]}": ["id_card"],
        f"checked-{men[1]}": ["surname", "birth_date"], f"medical-{men[1]}": "fit",
        "u-name-0": "Петренко Іван", "u-note-0": "came with the column",
    }  # fmt: skip
    url = f"/staff/exchanges/{exchange_id}/execution?lang=en"
    no_valuables = browser.post(url, handover)
    assert no_valuables.status_code == 422 and f'id="e-line-{men[1]}"' in no_valuables.text
    assert "record the valuables" in no_valuables.text
    handover[f"valuables-{men[1]}"] = "none held"
    more = browser.post(url, {**handover, "more": "1"})
    assert more.status_code == 200 and 'name="u-name-2"' in more.text and 'value="Петренко Іван"' in more.text
    browser.http.post(
        f"/staff/uploads/exchanges/{exchange_id}/scans",
        data={"csrf": browser.csrf},
        files={"scan": ("signed.png", SCAN, "image/png")},
    )
    listed = browser.post(url, {**handover, "slots": "3", "u-person-2": men[1]})
    assert listed.status_code == 422 and 'id="e-unexpected-2"' in listed.text
    assert "is on the agreed list" in listed.text and 'value="came with the column"' in listed.text
    unnamed = browser.post(url, {**handover, "u-name-0": "", "u-note-0": "", "u-note-1": "someone"})
    assert unnamed.status_code == 422 and 'id="e-unexpected-1"' in unnamed.text
    done = browser.post(url, {**handover, "u-person-1": stranger, "u-name-1": "Коваль"})
    assert done.status_code == 200, done.text
    assert done.text.count("not on the list") >= 2 and "Петренко Іван" in done.text and stranger in done.text
    assert "came with the column" in done.text


def test_a_terms_change_logged_without_what_was_before_shows_the_new_terms_only(registry: Registry) -> None:
    exchange_id = exchanges.create_exchange(
        uow=registry.uow(), party="RU", formula=Formula.of("all_wounded"), place="КПП-2", created_by="t"
    )
    with registry.uow() as uow:  # a step as the command line logged it before "before" was kept
        uow.exchanges.log(
            exchange_id, at="2026-01-01T00:00:00.000Z", by="old", action="terms", detail={"place": "КПП-5"}
        )
        uow.commit()
    browser = staff_browser(registry, "neg", ["exchange_negotiator"])
    page = browser.http.get(f"/staff/exchanges/{exchange_id}?lang=en")
    assert "crossing point КПП-5" in page.text and "→" not in page.text
