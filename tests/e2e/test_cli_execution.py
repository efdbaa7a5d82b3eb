"""``powbureau exchange execute | resolve | report | release`` from outside, on both databases."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

from cli_support import Cli
from pypdf import PdfReader

from builders import agreed_exchange, read_csv, write_csv

DAY = (date.today() - timedelta(days=1)).isoformat()
SECRET = "боїться повертатися додому"


def men(cli: Cli) -> list[str]:
    names = [("Коваленко", "Дмитро"), ("Шевченко", "Андрій"), ("Смирнов", "Алексей")]
    return [
        cli.ok("register", "--surname", s, "--given-name", g, "--birth-date", "1999-05", "--json").json()[
            "person_id"
        ]
        for s, g in names
    ]


def test_print_enter_resolve_and_report_an_exchange(cli: Cli, tmp_path: Path) -> None:
    a, b, c = men(cli)
    EX = agreed_exchange(cli.db, [a, b, c])  # noqa: N806 (the exchange of this test)
    listed = ["--person", a, "--person", b, "--person", c]
    refused = cli("exchange", "execute", EX, "--person", a, "--sheet", str(tmp_path / "s.pdf"))
    assert refused.code == 1 and "not the agreed list" in refused.err
    sheet = tmp_path / "sheet.pdf"
    assert (
        "3 men" in cli.ok("exchange", "execute", EX, *listed, "--sheet", str(sheet), "--language", "ru").out
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(sheet.read_bytes())).pages)
    assert f"Лист исполнения обмена {EX}" in text and "Коваленко" in text and "Смирнов" in text
    entries = write_csv(
        tmp_path / "entries.csv",
        [
            {
                "line": "1",
                "person_id": a,
                "present": "yes",
                "identity_method": "id_card",
                "identity_checked": "surname given_name birth_date",
                "medical_state": "fit",
                "valuables_packet": "VP-1",
            },
            {"line": "2", "person_id": b, "present": "no", "note": SECRET},
            {
                "line": "3",
                "person_id": c,
                "present": "yes",
                "identity_method": "questions",
                "identity_checked": "surname given_name",
                "medical_state": "stretcher",
                "valuables_note": "none held",
            },
            {"line": "4", "unexpected": "yes", "name_as_written": "Петренко Іван"},
        ],
        [
            "line",
            "person_id",
            "present",
            "identity_method",
            "identity_checked",
            "medical_state",
            "valuables_packet",
            "valuables_note",
            "unexpected",
            "name_as_written",
            "note",
        ],
    )
    scan = tmp_path / "signed.pdf"
    scan.write_bytes(b"%PDF-1.4\n% signed at the border\n%%EOF\n")
    handover = [
        "--officer",
        "майор Ткаченко",
        "--icrc-delegate",
        "Anna Keller",
        "--on",
        DAY,
        "--place",
        "КПП-1",
    ]
    no_scan = cli("exchange", "execute", EX, *listed, "--entries", str(entries), *handover)
    assert no_scan.code == 1 and "attach the scan" in no_scan.err
    done = cli.ok(
        "exchange",
        "execute",
        EX,
        *listed,
        "--entries",
        str(entries),
        "--scan",
        str(scan),
        *handover,
        "--json",
    ).json()
    assert [x["person_id"] for x in done["exchanged"]] == [a, c] and len(done["discrepancies"]) == 2
    assert cli.ok("show", a, "--json").json()["status"] == "exchanged"
    assert cli.ok("show", b, "--json").json()["status"] == "held"
    view = cli.ok("exchange", "execute", EX, "--json").json()
    assert [d["state"] for d in view["discrepancies"]] == ["open", "open"]
    summary = cli.ok("exchange", "execute", EX).out
    assert "2 of 3 men on the list present" in summary and "discrepancy" in summary
    for number in done["discrepancies"]:
        resolved = cli.ok(
            "exchange", "resolve", EX, str(number), "--outcome", "not-exchanged", "--reason", SECRET, "--json"
        ).json()
        assert resolved["outcome"] == "not_exchanged" and resolved["event_id"] is None
    assert cli("exchange", "report", EX).code == 2
    pdf, csv_file = tmp_path / "executed.pdf", tmp_path / "executed.csv"
    cli.ok("exchange", "report", EX, "--pdf", str(pdf), "--csv", str(csv_file), "--for", "icrc")
    header, rows = read_csv(csv_file)
    assert header[-1] == "medical_state" and [r["person_id"] for r in rows] == [a, b, c]
    assert [r["outcome"] for r in rows] == ["exchanged", "not_handed_over", "exchanged"]
    words = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "Шевченко" in words and f"Виконаний список обміну {EX}" in words
    for leaked in (SECRET, "Петренко"):
        assert leaked not in words and leaked not in csv_file.read_text(encoding="utf-8")
    bad = write_csv(tmp_path / "bad.csv", [{"person_id": a, "present": "perhaps"}], ["person_id", "present"])
    d = cli.ok("register", "--surname", "Гончар", "--given-name", "Петро", "--json").json()["person_id"]
    other = agreed_exchange(cli.db, [d])
    bad = write_csv(tmp_path / "bad.csv", [{"person_id": d, "present": "perhaps"}], ["person_id", "present"])
    rejected = cli("exchange", "execute", other, "--person", d, "--entries", str(bad), *handover)
    assert rejected.code == 1 and "line 2, present" in rejected.err


def test_release_a_son_to_his_mother(cli: Cli) -> None:
    son = men(cli)[2]
    release = [
        "exchange",
        "release",
        son,
        "--consent-form",
        "signed_statement",
        "--consent-on",
        DAY,
        "--consent-by",
        "капітан Бондар",
        "--identity-method",
        "id_card",
        "--identity-checked",
        "surname,given_name,birth_date",
        "--family-name",
        "Наталья Смирнова",
        "--relation",
        "mother",
        "--document-type",
        "passport",
        "--document-number",
        "4510 123456",
        "--on",
        DAY,
        "--place",
        "Київ",
        "--officer",
        "капітан Бондар",
        "--icrc-informed-on",
        DAY,
        "--icrc-informed-how",
        "email",
    ]
    refused = cli(*release)
    assert refused.code == 1 and "recorded consent" in refused.err
    assert cli.ok("show", son, "--json").json()["status"] == "held"
    done = cli.ok(*release, "--consent", "--json").json()
    assert done["person_id"] == son and done["event_id"] > 0
    assert cli.ok("show", son, "--json").json()["status"] == "released"
    history = cli.ok("history", son).out
    assert "released" in history
