"""An exchange carried out over HTTP: the sheet, the scan streamed in, the results, the reports."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, timedelta

from pypdf import PdfReader

from api_support import staff_client
from builders import People, Registry, agreed_exchange, register

DAY = (date.today() - timedelta(days=1)).isoformat()
SCAN = b"\x89PNG\r\n\x1a\n" + b"a scanned page" * 100
CHECKED = {"methods": ["id_card", "questions"], "checked": ["surname", "given_name", "birth_date"]}


def test_sheet_scan_results_and_reports_over_http(registry: Registry) -> None:
    people = People(77)
    men = [register(registry, fields=people.fields()) for _ in range(3)]
    ex = agreed_exchange(registry.url, men)
    http = staff_client(registry, "negotiator", ["exchange_negotiator"])
    sheet = http.get(f"/api/exchanges/{ex}/execution-sheet", params={"person": men, "lang": "en"})
    assert sheet.status_code == 200 and sheet.headers["content-type"] == "application/pdf"
    assert sheet.headers["x-content-sha256"] == hashlib.sha256(sheet.content).hexdigest()
    assert f"Execution sheet of exchange {ex}" in PdfReader(io.BytesIO(sheet.content)).pages[0].extract_text()
    wrong = http.post(
        f"/api/imports/handover-scans/{ex}", content=b"{}", headers={"Content-Type": "text/plain"}
    )
    assert wrong.status_code == 415 and wrong.headers["content-type"] == "application/problem+json"
    not_a_scan = http.post(
        f"/api/imports/handover-scans/{ex}",
        content=b"plain text",
        headers={"Content-Type": "application/pdf"},
    )
    assert not_a_scan.status_code == 422
    body = {
        "executed_on": DAY,
        "place": "КПП-2",
        "officer": "майор Ткаченко",
        "icrc_delegate": "ICRC delegate",
        "persons": men,
        "entries": [
            {"person_id": men[0], "present": True, "identity": CHECKED, "medical_state": "seated",
             "valuables_packet": "VP-9", "line": 1},
            {"person_id": men[1], "present": False, "note": "під слідством", "line": 2},
            {"person_id": men[2], "present": True, "identity": CHECKED, "medical_state": "fit",
             "valuables_note": "none held", "line": 3},
        ],
    }  # fmt: skip
    unsigned = http.post(f"/api/exchanges/{ex}/execution", json=body)
    assert unsigned.status_code == 409 and "attach the scan" in unsigned.json()["detail"]
    scan = http.post(
        f"/api/imports/handover-scans/{ex}?filename=signed list.png",
        content=SCAN,
        headers={"Content-Type": "image/png"},
    )
    assert scan.status_code == 201, scan.text
    assert (
        scan.json()["sha256"] == hashlib.sha256(SCAN).hexdigest() and scan.json()["media_type"] == "image/png"
    )
    done = http.post(f"/api/exchanges/{ex}/execution", json=body)
    assert done.status_code == 201, done.text
    assert [x["person_id"] for x in done.json()["exchanged"]] == [men[0], men[2]]
    (absent,) = done.json()["discrepancies"]
    view = http.get(f"/api/exchanges/{ex}/execution").json()
    assert view["discrepancies"][0]["note"] == "під слідством" and view["discrepancies"][0]["state"] == "open"
    resolved = http.post(
        f"/api/exchanges/{ex}/discrepancies/{absent}/resolution",
        json={"outcome": "not_exchanged", "reason": "кримінальне провадження"},
    )
    assert resolved.status_code == 200 and resolved.json()["event_id"] is None
    report = http.get(f"/api/exchanges/{ex}/executed-list", params={"for": "other_party", "format": "csv"})
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(report.text)))
    assert [r["outcome"] for r in rows] == ["exchanged", "not_handed_over", "exchanged"]
    assert "під слідством" not in report.text and "провадження" not in report.text
    pdf = http.get(f"/api/exchanges/{ex}/executed-list", params={"for": "icrc", "lang": "ru"})
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert f"Исполненный список обмена {ex}" in text and "провадження" not in text
    liaison = staff_client(registry, "icrc", ["liaison"])
    listed = f"/api/exchanges/{ex}/executed-list"
    theirs = liaison.get(listed, params={"for": "icrc", "format": "csv"})
    assert theirs.status_code == 200 and "medical_state" in theirs.text
    refused = liaison.get(listed, params={"for": "other_party", "format": "csv"})
    assert refused.status_code == 403 and "icrc" in refused.json()["detail"]
    assert [e["id"] for e in liaison.get("/api/exchanges").json()] == [ex]
    missing = http.get("/api/exchanges/EX-404/executed-list")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


def test_terms_over_http_keep_the_reason_and_check_the_version(registry: Registry) -> None:
    http = staff_client(registry, "negotiator", ["exchange_negotiator"])
    created = http.post(
        "/api/exchanges", json={"party": "the other party", "formula": {"kind": "all_wounded"}}
    )
    assert created.status_code in (200, 201), created.text
    ex = created.json()["exchange_id"]
    version = http.get(f"/api/exchanges/{ex}").json()["version"]
    body = {"place": "КПП-4", "reason": "the road is shelled"}
    stale = http.post(f"/api/exchanges/{ex}/terms", json={**body, "expected_version": version + 1})
    assert stale.status_code == 409, stale.text
    done = http.post(f"/api/exchanges/{ex}/terms", json={**body, "expected_version": version})
    assert done.status_code == 200 and done.json()["version"] == version + 1
    logged = http.get(f"/api/exchanges/{ex}").json()["history"][-1]
    assert (logged["action"], logged["by"], logged["detail"]["reason"]) == (
        "terms",
        "negotiator",
        body["reason"],
    )
    assert logged["detail"]["place"] == "КПП-4"
