"""``audit verify`` and ``audit who-read`` from outside: every read at the command line is recorded."""

from __future__ import annotations

import getpass
import hashlib
import sqlite3
from pathlib import Path

from cli_support import Cli

from builders import People, write_csv
from powbureau.domain.people import FORMAT_COLUMNS

ME = f"os:{getpass.getuser()}"


def test_reads_at_the_command_line_are_listed_by_who_read(cli: Cli, tmp_path: Path) -> None:
    rows = People(81).rows(5)
    cli.ok("import", "persons", str(write_csv(tmp_path / "p.csv", rows, FORMAT_COLUMNS)), "--source", "icrc")
    ref = f"icrc:{rows[0]['person_ref']}"
    assert cli.ok("audit", "who-read", ref, "--json").json() == {"ref": ref, "reads": []}
    person = cli.ok("--reason", "запит МКЧХ", "show", ref, "--json").json()["id"]
    cli.ok("history", rows[0]["person_ref"])
    out = tmp_path / "exports" / "persons.csv"
    out.parent.mkdir()
    cli.ok("export", "persons", str(out))
    reads = cli.ok("audit", "who-read", ref, "--json").json()["reads"]
    assert [r["action"] for r in reads] == ["show", "history", "export"]
    assert {r["user"] for r in reads} == {ME} and {r["channel"] for r in reads} == {"cli"}
    assert {r["person_id"] for r in reads} == {person}
    assert [r["reason"] for r in reads] == ["запит МКЧХ", None, None]
    assert all(r["flagged"] and r["case_id"] is None for r in reads)
    assert reads[2]["persons"] == 5
    assert reads[2]["file_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    table = cli.ok("audit", "who-read", rows[0]["person_ref"]).out
    assert ME in table and "запит МКЧХ" in table and "flagged" in table and "export" in table
    verified = cli.ok("audit", "verify")
    assert verified.out.startswith("ok: 3 audit records"), verified.text
    assert cli.ok("audit", "verify", "--json").json() == {"ok": True, "records": 3, "problems": []}
    assert "3 audit records in one unbroken chain" in cli.ok("verify").out


def test_a_case_read_names_the_case_and_a_trace_is_one_record(cli: Cli) -> None:
    person = cli.ok(
        "register", "--surname", "Коваленко", "--given-name", "Дмитро", "--birth-date", "2001-03-14"
    ).out.strip()
    opened = cli.ok(
        "inquiry",
        "open",
        "--inquirer-name",
        "Наталья Коваленко",
        "--relation",
        "mother",
        "--contact",
        "+380 50 000 00 00",
        "--surname",
        "Коваленко",
        "--given-name",
        "Дима",
        "--born",
        "2001",
        "--json",
    ).json()
    cli.ok("inquiry", "show", opened["case_id"])
    found = cli.ok("trace", "name", "Дима Коваленко 2001", "--json").json()
    assert [c["person_id"] for c in found["candidates"]] == [person]
    reads = cli.ok("audit", "who-read", person, "--json").json()["reads"]
    assert [(r["action"], r["case_id"], r["flagged"]) for r in reads] == [
        ("case", opened["case_id"], False),
        ("trace", None, True),
    ]


def test_who_read_refuses_nobody_and_needs_a_ref(cli: Cli) -> None:
    refused = cli("audit", "who-read", "NOBODY")
    assert refused.code == 1 and "NOBODY" in refused.err and refused.out == ""
    assert cli("audit", "who-read").code == 2


def test_audit_verify_names_a_tampered_record(sqlite_cli: Cli, tmp_path: Path) -> None:
    rows = People(82).rows(3)
    sqlite_cli.ok("import", "persons", str(write_csv(tmp_path / "p.csv", rows, FORMAT_COLUMNS)))
    for row in rows:
        sqlite_cli.ok("show", row["person_ref"])
    db = Path(sqlite_cli.db.removeprefix("sqlite:///"))
    con = sqlite3.connect(db)
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        con.execute(f'DROP TRIGGER "{name}"')
    con.execute("UPDATE audit_log SET user_name = 'someone-else' WHERE id = 2")
    con.commit()
    con.close()
    run = sqlite_cli.sub("audit", "verify")
    assert run.code == 1 and run.out == ""
    assert "FAIL" in run.err and "audit record #2" in run.err, run.text
    as_json = sqlite_cli("audit", "verify", "--json")
    assert as_json.code == 1 and as_json.json()["ok"] is False
    assert "audit record #2" in as_json.json()["problems"][0]
    whole = sqlite_cli.sub("verify")
    assert whole.code == 1 and "audit record #2" in whole.err, whole.text


def test_an_audit_extract_is_formula_safe_and_filters_by_person(cli: Cli, tmp_path: Path) -> None:
    rows = People(82).rows(3)
    cli.ok("import", "persons", str(write_csv(tmp_path / "p.csv", rows, FORMAT_COLUMNS)), "--source", "icrc")
    cli.ok("--reason", '=HYPERLINK("http://x","y")', "show", f"icrc:{rows[0]['person_ref']}")
    cli.ok("show", f"icrc:{rows[1]['person_ref']}")
    out = tmp_path / "audit.csv"
    done = cli.ok("audit", "extract", "--out", str(out))
    assert done.out.startswith("2 audit records") and hashlib.sha256(out.read_bytes()).hexdigest() in done.out
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,at,user,channel,action,person_ids")
    assert "'=HYPERLINK" in lines[1] and ",=HYPERLINK" not in out.read_text(encoding="utf-8")
    for row in rows:
        assert row["surname"] not in out.read_text(encoding="utf-8"), "no person data in the extract"
    one = tmp_path / "one.csv"
    assert cli.ok(
        "audit", "extract", "--out", str(one), "--person", f"icrc:{rows[1]['person_ref']}"
    ).out.startswith("1 audit records")
