"""A swap of 50 carried out end to end from the command line, on both databases: the men
imported from a camp's list, one refusing repatriation, the proposal, the agreement, the
execution sheet, the handover with one man missing at the border, its resolution, the
executed lists, and a clean ``verify`` (issue 6, "done means")."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

from cli_support import Cli
from pypdf import PdfReader

from builders import People, read_csv, write_csv
from powbureau.domain.people import FORMAT_COLUMNS

DAY = (date.today() - timedelta(days=1)).isoformat()
ENTRY_COLUMNS = [
    "line",
    "person_id",
    "present",
    "identity_method",
    "identity_checked",
    "medical_state",
    "valuables_packet",
    "note",
]


def test_a_swap_of_fifty_with_one_man_refusing_and_one_missing_at_the_border(
    cli: Cli, tmp_path: Path
) -> None:
    people = People(50)
    rows = [
        people.row(f"C-{n:03d}", sparse=False, nationality="RU", captured_on="2023-02", category="pow")
        for n in range(52)
    ]
    camp_list = write_csv(tmp_path / "camp.csv", rows, FORMAT_COLUMNS)
    assert "52" in cli.ok("import", "persons", str(camp_list), "--source", "camp-1").out
    held = [p["person_id"] for p in cli.ok("list", "--json", "--limit", "100").json()["persons"]]
    assert len(held) == 52

    exchange = cli.ok(
        "exchange", "create", "--party", "Russian Federation", "--power", "RU",
        "--formula", "one_for_one", "--count", "50", "--on", DAY, "--place", "КПП-1", "--json",
    ).json()["exchange_id"]  # fmt: skip

    # one man will not go back: heard in private by the ICRC, he fears persecution
    refusing = held[7]
    cli.ok(
        "exchange", "wish", refusing, "--wish", "not_return", "--heard-by", "ICRC delegate",
        "--heard-on", "2024-05-02", "--language", "ru", "--in-private", "--fears-persecution",
    )  # fmt: skip
    proposed = cli.ok("exchange", "propose", exchange, "--json").json()
    chosen = [c["person_id"] for c in proposed["chosen"]]
    assert len(chosen) == 50 and refusing not in chosen and proposed["shortfall"] == []
    shown = cli.ok("exchange", "show", exchange).out
    assert "non-refoulement" in shown

    cli.ok("exchange", "state", exchange, "negotiating")
    cli.ok("exchange", "state", exchange, "agreed", "--reason", "signed by both parties")
    for_them = tmp_path / "for-them.csv"
    assert "wrote 50 names" in cli.ok("exchange", "party-list", exchange, "--out", str(for_them)).out
    assert refusing not in for_them.read_text(encoding="utf-8")

    # the sheet printed for the border point, where there is no network
    listed = [arg for person in chosen for arg in ("--person", person)]
    sheet = tmp_path / "sheet.pdf"
    assert "50 men" in cli.ok("exchange", "execute", exchange, *listed, "--sheet", str(sheet)).out
    assert len("".join(p.extract_text() for p in PdfReader(io.BytesIO(sheet.read_bytes())).pages)) > 1000

    # entered afterwards: one man on the list was not brought to the border
    absent = chosen[21]
    entries = [
        {"line": str(n), "person_id": person, "present": "no", "note": "not brought to the border"}
        if person == absent
        else {
            "line": str(n),
            "person_id": person,
            "present": "yes",
            "identity_method": "id_card",
            "identity_checked": "surname given_name birth_date",
            "medical_state": "fit",
            "valuables_packet": f"VP-{n}",
        }
        for n, person in enumerate(chosen, start=1)
    ]
    entries_file = write_csv(tmp_path / "entries.csv", entries, ENTRY_COLUMNS)
    scan = tmp_path / "signed.pdf"
    scan.write_bytes(b"%PDF-1.4\n% the handover list signed at the border\n%%EOF\n")
    done = cli.ok(
        "exchange", "execute", exchange, *listed, "--entries", str(entries_file), "--scan", str(scan),
        "--officer", "майор Ткаченко", "--icrc-delegate", "Anna Keller", "--on", DAY, "--place", "КПП-1",
        "--json",
    ).json()  # fmt: skip
    assert cli.ok("exchange", "show", exchange, "--json").json()["state"] == "executed"
    exchanged = [x["person_id"] for x in done["exchanged"]]
    assert len(exchanged) == 49 and absent not in exchanged and len(done["discrepancies"]) == 1
    for number in done["discrepancies"]:
        cli.ok(
            "exchange", "resolve", exchange, str(number), "--outcome", "not-exchanged",
            "--reason", "stays in camp 1; next exchange",
        )  # fmt: skip

    states = {p: cli.ok("show", p, "--json").json()["status"] for p in (chosen[0], absent, refusing)}
    assert states == {chosen[0]: "exchanged", absent: "held", refusing: "held"}
    csv_file, pdf = tmp_path / "executed.csv", tmp_path / "executed.pdf"
    cli.ok("exchange", "report", exchange, "--pdf", str(pdf), "--csv", str(csv_file), "--for", "icrc")
    _, reported = read_csv(csv_file)
    outcomes = {r["person_id"]: r["outcome"] for r in reported}
    assert len(outcomes) == 50 and outcomes[absent] == "not_handed_over"
    assert sum(1 for o in outcomes.values() if o == "exchanged") == 49
    assert "not brought to the border" not in csv_file.read_text(encoding="utf-8")
    stats = cli.ok("stats", "--json").json()
    assert stats["by_status"]["exchanged"] == 49 and stats["by_status"]["held"] == 3
    assert cli.ok("verify").out.startswith("ok")
