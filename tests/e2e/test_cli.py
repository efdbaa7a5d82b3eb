"""The command line, from outside: bad input refused with a reason, exit codes, JSON, no tracebacks."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cli_support import Cli, invoke, run_cli

from builders import People, read_csv, write_csv
from powbureau.domain.people import FORMAT_COLUMNS

Rows = list[dict[str, str]]


def persons(path: Path, count: int = 20, seed: int = 1, encoding: str = "utf-8") -> tuple[Path, Rows]:
    rows = People(seed).rows(count)
    if encoding != "utf-8":  # Faker's uk_UA writes the apostrophe as U+02BC, not in cp1251
        rows = [{k: v.replace("\u02bc", "'") for k, v in r.items()} for r in rows]
    write_csv(path, rows, FORMAT_COLUMNS, encoding=encoding)
    return path, rows


# ---------------------------------------------------------------------------------------
# The happy path, on both databases


@pytest.mark.slow
def test_init_import_show_stats_export_verify(cli: Cli, tmp_path: Path) -> None:
    # the installed command, in its own process
    again = cli.sub("init")
    assert again.code == 0 and "registry ready" in again.out
    path, rows = persons(tmp_path / "p.csv", 25)
    run = cli.sub("import", "persons", str(path), "--source", "icrc")
    assert run.code == 0 and "registered 25" in run.out, run.text
    assert "progress: 25 rows read" in run.err
    stats = cli.sub("stats", "--json")
    assert stats.code == 0 and json.loads(stats.out)["persons"] == 25
    verified = cli.sub("verify")
    assert verified.code == 0 and verified.out.startswith("ok"), verified.text
    # the rest in-process
    shown = cli.ok("show", f"icrc:{rows[0]['person_ref']}", "--json").json()
    assert shown["surname"] == rows[0]["surname"] and shown["refs"] == [f"icrc:{rows[0]['person_ref']}"]
    history = cli.ok("history", rows[0]["person_ref"], "--json").json()
    assert history["events"][0]["kind"] == "registered"
    listed = cli.ok("list", "--json", "--limit", "100").json()
    assert len(listed["persons"]) == 25
    cli.ok("export", "persons", str(tmp_path / "out.csv"), "--source", "icrc")
    _, exported = read_csv(tmp_path / "out.csv")
    assert {r["person_ref"] for r in exported} == {r["person_ref"] for r in rows}
    assert cli.ok("verify").out.startswith("ok")


def test_register_event_merge_unmerge_through_the_cli(cli: Cli) -> None:
    cli.ok("place", "add", "CAMP-1", "--name", "Табір 1")
    a = cli.ok(
        "register",
        "--surname",
        "Шевчук",
        "--given-name",
        "Іван",
        "--birth-date",
        "1990-05",
        "--person-ref",
        "UA-1",
        "--source",
        "ua",
        "--json",
    ).json()["person_id"]
    b = cli.ok(
        "register",
        "--unidentified",
        "--description",
        "без документів",
        "--person-ref",
        "TMP-1",
        "--source",
        "hospital",
    ).out.strip()
    assert a != b and b.startswith("P")
    moved = cli.ok("event", "ua:UA-1", "transferred", "--place", "CAMP-1", "--on", "2024-06", "--json")
    assert moved.json()["person_id"] == a
    died = cli.ok("event", a, "died", "--on", "2024-07", "--json").json()
    refused = cli("event", a, "transferred", "--place", "CAMP-1", "--on", "2024-08")
    assert refused.code == 1 and "no transferred after a recorded death" in refused.err
    kept = cli.ok("event", a, "released", "--on", "2024-08", "--source", "adversary list")
    assert "warning" in kept.err and "conflict" in kept.err
    cli.ok("event", a, "retracted", "--corrects", str(died["event_id"]), "--note", "wrong man")
    assert cli.ok("show", a, "--json").json()["status"] in ("held", "released")
    cli.ok("merge", a, "hospital:TMP-1", "--reason", "identified by photograph")
    assert cli.stats()["persons"] == 1
    assert cli.ok("show", "TMP-1", "--json").json()["id"] == a
    cli.ok("unmerge", "TMP-1")
    assert cli.stats()["persons"] == 2
    assert cli.ok("verify").code == 0


def test_stats_json_is_exactly_one_object(cli: Cli, tmp_path: Path) -> None:
    cli.ok("import", "persons", str(persons(tmp_path / "p.csv", 5)[0]))
    run = cli.ok("stats", "--json")
    value = json.loads(run.out)  # the whole of standard output, nothing before or after
    assert isinstance(value, dict)
    assert run.out.strip().count("\n") == 0
    assert value["persons"] == 5 and value["events"] >= 5
    assert set(value["by_custody"]) <= {"ours", "own"}
    for command in (["show", "--json"], ["history", "--json"], ["list", "--json"]):
        ref = read_csv(tmp_path / "p.csv")[1][0]["person_ref"]
        args = [command[0], ref, command[1]] if command[0] != "list" else command
        assert isinstance(json.loads(cli.ok(*args).out), dict)


# ---------------------------------------------------------------------------------------
# Encodings


def test_a_windows_1251_file_is_refused_naming_it_then_taken_with_encoding(
    sqlite_cli: Cli, tmp_path: Path
) -> None:
    path, rows = persons(tmp_path / "cp1251.csv", 30, encoding="cp1251")
    refused = sqlite_cli("import", "persons", str(path))
    assert refused.code == 1
    assert "Windows-1251" in refused.err and "--encoding cp1251" in refused.err
    assert sqlite_cli.stats()["persons"] == 0
    sqlite_cli.ok("import", "persons", str(path), "--encoding", "cp1251")
    assert sqlite_cli.stats()["persons"] == 30
    shown = sqlite_cli.ok("show", rows[7]["person_ref"], "--json").json()
    assert (shown["surname"], shown["patronymic"] or "") == (rows[7]["surname"], rows[7]["patronymic"])


def test_a_koi8_r_file_is_refused_naming_it_then_taken_with_encoding(sqlite_cli: Cli, tmp_path: Path) -> None:
    rows = People(2, locales=("ru_RU",)).rows(30)
    path = write_csv(tmp_path / "koi8.csv", rows, FORMAT_COLUMNS, encoding="koi8_r")
    refused = sqlite_cli("import", "persons", str(path))
    assert refused.code == 1
    assert "KOI8-R" in refused.err and "--encoding koi8-r" in refused.err
    assert sqlite_cli.stats()["persons"] == 0
    sqlite_cli.ok("import", "persons", str(path), "--encoding", "koi8-r")
    assert sqlite_cli.stats()["persons"] == 30
    assert sqlite_cli.ok("show", rows[3]["person_ref"], "--json").json()["surname"] == rows[3]["surname"]


def test_legacy_bytes_after_the_first_64_kib_are_named_too(sqlite_cli: Cli, tmp_path: Path) -> None:
    latin = [
        {
            "person_ref": f"L{i:05d}",
            "surname": "Kovalenko",
            "given_name": "Dmytro",
            "unit": "2nd Motor Rifle Division",
            "birth_date": "1990",
        }
        for i in range(1500)
    ]

    def encodable(row: dict[str, str]) -> bool:
        try:
            "".join(row.values()).encode("cp1251")
        except UnicodeEncodeError:  # e.g. the Ukrainian apostrophe ʼ has no Windows-1251 byte
            return False
        return True

    cyrillic = [r for r in People(3).rows(90, prefix="C") if encodable(r)][:30]
    path = write_csv(tmp_path / "late.csv", latin + cyrillic, FORMAT_COLUMNS, encoding="cp1251")
    assert path.stat().st_size > 1 << 16
    refused = sqlite_cli("import", "persons", str(path))
    assert refused.code == 1 and sqlite_cli.stats()["persons"] == 0
    assert "Windows-1251" in refused.err and "--encoding cp1251" in refused.err


# ---------------------------------------------------------------------------------------
# Bad files and rows: refused whole, with line and column


def expect_refused(cli: Cli, path: Path, *needles: str) -> str:
    run = cli("import", "persons", str(path))
    assert run.code == 1, run.text
    for needle in needles:
        assert needle in run.err, (needle, run.err)
    assert run.out == ""
    assert cli.stats()["persons"] == 0
    return run.err


def test_a_file_without_a_header_is_refused(sqlite_cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "noheader.csv"
    path.write_text("S1,Коваленко,Дмитро,1994\nS2,Шевчук,Іван,1990\n", encoding="utf-8")
    expect_refused(sqlite_cli, path, "header", "surname")


def test_an_unknown_column_is_kept_and_exported(sqlite_cli: Cli, tmp_path: Path) -> None:
    rows = People(4).rows(6)
    for i, row in enumerate(rows):
        row["група крові"] = ["0+", "A+", "", "B-", "AB+", ""][i]
    path = write_csv(tmp_path / "extra.csv", rows, [*FORMAT_COLUMNS, "група крові"])
    sqlite_cli.ok("import", "persons", str(path))
    sqlite_cli.ok("export", "persons", str(tmp_path / "out.csv"))
    header, exported = read_csv(tmp_path / "out.csv")
    assert "група крові" in header
    by_ref = {r["person_ref"]: r for r in exported}
    for row in rows:
        assert by_ref[row["person_ref"]]["група крові"] == row["група крові"]


def test_an_empty_name_is_refused_naming_line_and_column(sqlite_cli: Cli, tmp_path: Path) -> None:
    rows = People(5).rows(10)
    rows[6]["surname"] = rows[6]["given_name"] = ""
    path = write_csv(tmp_path / "noname.csv", rows, FORMAT_COLUMNS)
    expect_refused(sqlite_cli, path, "line 8", "surname")


def test_an_impossible_date_is_refused_naming_line_and_column(sqlite_cli: Cli, tmp_path: Path) -> None:
    rows = People(6).rows(40)
    rows[10]["birth_date"] = "1994-02-30"
    path = write_csv(tmp_path / "feb30.csv", rows, FORMAT_COLUMNS)
    expect_refused(sqlite_cli, path, "line 12", "birth_date", "1994-02-30")


def test_a_day_first_date_is_refused_naming_its_iso_form(sqlite_cli: Cli, tmp_path: Path) -> None:
    rows = People(7).rows(10)
    rows[2]["captured_on"] = "14.03.2001"
    path = write_csv(tmp_path / "dotted.csv", rows, FORMAT_COLUMNS)
    expect_refused(sqlite_cli, path, "line 4", "captured_on", "2001-03-14")


def test_an_unknown_category_is_refused(sqlite_cli: Cli, tmp_path: Path) -> None:
    rows = People(8).rows(10)
    rows[0]["category"] = "hostage"
    path = write_csv(tmp_path / "cat.csv", rows, FORMAT_COLUMNS)
    expect_refused(sqlite_cli, path, "line 2", "category", "hostage")


def test_every_bad_row_is_listed(sqlite_cli: Cli, tmp_path: Path) -> None:
    rows = People(9).rows(50)
    for i in (3, 17, 33):
        rows[i]["birth_date"] = "1994-13"
    path = write_csv(tmp_path / "many.csv", rows, FORMAT_COLUMNS)
    err = expect_refused(sqlite_cli, path, "line 5", "line 19", "line 35", "3 bad row")
    assert "nothing was imported" in err


def test_a_duplicate_ref_in_one_chunk_is_refused(sqlite_cli: Cli, tmp_path: Path) -> None:
    rows = People(10).rows(10)
    rows[8]["person_ref"] = rows[1]["person_ref"]
    path = write_csv(tmp_path / "dup.csv", rows, FORMAT_COLUMNS)
    expect_refused(sqlite_cli, path, "line 10", "person_ref", rows[1]["person_ref"])


@pytest.mark.slow
def test_a_duplicate_ref_across_chunks_is_refused(sqlite_cli: Cli, tmp_path: Path) -> None:
    from powbureau.services import intake

    rows = People(11).rows(2600)
    assert len(rows) > intake.CHUNK
    rows[2400]["person_ref"] = rows[5]["person_ref"]
    path = write_csv(tmp_path / "dup.csv", rows, FORMAT_COLUMNS)
    expect_refused(sqlite_cli, path, "line 2402", "person_ref", rows[5]["person_ref"])


def test_one_progress_line_per_chunk(sqlite_cli: Cli, tmp_path: Path) -> None:
    from powbureau.services import intake

    rows = People(16).rows(2 * intake.CHUNK)
    path = write_csv(tmp_path / "two-chunks.csv", rows, FORMAT_COLUMNS)
    run = sqlite_cli.ok("import", "persons", str(path))
    lines = [line for line in run.err.splitlines() if line.startswith("progress:")]
    assert lines == [f"progress: {intake.CHUNK} rows read", f"progress: {2 * intake.CHUNK} rows read"]


def test_skip_invalid_writes_a_reject_file(sqlite_cli: Cli, tmp_path: Path) -> None:
    rows = People(12).rows(10)
    rows[4]["birth_date"] = "1994-02-30"
    path = write_csv(tmp_path / "mixed.csv", rows, FORMAT_COLUMNS)
    rejects = tmp_path / "rejects.csv"
    usage = sqlite_cli("import", "persons", str(path), "--skip-invalid")
    assert usage.code == 1 and "--rejects" in usage.err
    run = sqlite_cli.ok("import", "persons", str(path), "--skip-invalid", "--rejects", str(rejects), "--json")
    summary = run.json()
    assert (summary["registered"], summary["rejected_rows"]) == (9, 1)
    header, refused = read_csv(rejects)
    assert header[:2] == ["rejected_line", "rejected_because"]
    assert refused[0]["rejected_line"] == "6" and "birth_date" in refused[0]["rejected_because"]


def test_a_reimport_with_a_change_lists_the_correction(sqlite_cli: Cli, tmp_path: Path) -> None:
    path, rows = persons(tmp_path / "p.csv", 10)
    sqlite_cli.ok("import", "persons", str(path))
    events = sqlite_cli.stats()["events"]
    same = sqlite_cli.ok("import", "persons", str(path))
    assert "registered 0, 10 unchanged, 0 corrected" in same.out
    rows[3]["rank"] = "полковник"
    write_csv(path, rows, FORMAT_COLUMNS)
    dry = sqlite_cli.ok("import", "persons", str(path), "--dry-run")
    assert "line 5" in dry.out and "полковник" in dry.out and "nothing was written" in dry.out
    assert sqlite_cli.stats()["events"] == events
    done = sqlite_cli.ok("import", "persons", str(path))
    assert "1 corrected" in done.out and "line 5" in done.out
    assert sqlite_cli.stats()["events"] == events + 1


# ---------------------------------------------------------------------------------------
# No registry, exit codes


NEEDS_REGISTRY = [
    ["stats"],
    ["stats", "--json"],
    ["verify"],
    ["list"],
    ["show", "X1"],
    ["history", "X1"],
    ["register", "--surname", "Иванов"],
    ["event", "X1", "released"],
    ["import", "persons", "p.csv"],
    ["export", "persons", "out.csv"],
    ["merge", "A", "B", "--reason", "r"],
    ["unmerge", "A"],
]


@pytest.mark.parametrize("args", NEEDS_REGISTRY, ids=lambda a: "-".join(a[:2]))
def test_a_folder_without_a_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    write_csv(tmp_path / "p.csv", People(13).rows(2), FORMAT_COLUMNS)
    monkeypatch.chdir(tmp_path)
    run = invoke(*args, db=None)
    assert run.code == 1, run.text
    assert "powbureau init" in run.err
    assert run.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]  # no database, no output file


@pytest.mark.parametrize("args", [["stats", "--json"], ["import", "persons", "p.csv"], ["verify"]])
def test_the_real_command_in_a_folder_without_a_registry(tmp_path: Path, args: list[str]) -> None:
    write_csv(tmp_path / "p.csv", People(13).rows(2), FORMAT_COLUMNS)
    run = run_cli(*args, db=None, cwd=tmp_path)
    assert run.code == 1, run.text
    assert "powbureau init" in run.err and "powbureau.db" in run.err
    assert run.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]


def test_powbureau_db_names_the_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'env.db'}"
    missing = invoke("stats", db=None, POWBUREAU_DB=url)
    assert missing.code == 1 and "env.db" in missing.err and not (tmp_path / "env.db").exists()
    assert invoke("init", db=None, POWBUREAU_DB=url).code == 0
    assert (tmp_path / "env.db").exists() and not (tmp_path / "powbureau.db").exists()
    assert invoke("stats", "--json", db=None, POWBUREAU_DB=url).json()["persons"] == 0


def test_the_real_command_ends_as_at_a_normal_exit(tmp_path: Path) -> None:
    # It skips the interpreter's teardown, not its work: the output is all there, the exit
    # status kept, and the last SQLite connection closed (which removes the WAL file).
    db = f"sqlite:///{tmp_path / 'r.db'}"
    assert run_cli("init", db=db).code == 0
    path = write_csv(tmp_path / "p.csv", People(14).rows(3), FORMAT_COLUMNS)
    run = run_cli("import", "persons", str(path), "--json", db=db)
    assert run.code == 0 and json.loads(run.out)["registered"] == 3
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("r.db")) == ["r.db"]
    refused = run_cli("show", "nobody-here", db=db)
    assert refused.code == 1 and "nobody-here" in refused.err


def test_an_unmigrated_sqlite_file_is_no_registry(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    run = invoke("stats", db=f"sqlite:///{path}")
    assert run.code == 1 and "powbureau init" in run.err


@pytest.mark.postgres
def test_an_unmigrated_postgres_schema_is_no_registry(empty_postgres_url: str, tmp_path: Path) -> None:
    write_csv(tmp_path / "x.csv", People(14).rows(2), FORMAT_COLUMNS)
    for args in (["stats", "--json"], ["verify"], ["import", "persons", str(tmp_path / "x.csv")]):
        run = invoke(*args, db=empty_postgres_url)
        assert run.code == 1 and "powbureau init" in run.err, run.text
    assert invoke("init", db=empty_postgres_url).code == 0
    assert invoke("stats", "--json", db=empty_postgres_url).json()["persons"] == 0


USAGE_ERRORS = [
    ["frobnicate"],
    ["import", "persons"],
    ["import"],
    ["show"],
    ["event", "X1"],
    ["stats", "--no-such-option"],
    ["list", "--limit", "zero"],
    ["merge", "A", "B"],
    ["event", "X1", "released", "--set", "surname"],
    ["register", "--blood-group", "A+"],
]


@pytest.mark.parametrize("args", USAGE_ERRORS, ids=lambda a: "-".join(a))
def test_usage_errors_exit_2(sqlite_cli: Cli, args: list[str]) -> None:
    run = sqlite_cli(*args)
    assert run.code == 2, run.text
    assert run.out == "" or "Usage" in run.out


REFUSALS = [
    ["show", "NOBODY"],
    ["event", "NOBODY", "released"],
    ["import", "persons", "absent.csv"],
    ["register"],
    ["register", "--surname", "Иванов", "--birth-date", "1994-02-30"],
    ["register", "--surname", "Иванов", "--category", "hostage"],
    ["place", "add", "X", "--name", "x", "--kind", "palace"],
]


@pytest.mark.parametrize("args", REFUSALS, ids=lambda a: "-".join(a[:3]))
def test_refusals_exit_1_with_a_message(sqlite_cli: Cli, args: list[str]) -> None:
    run = sqlite_cli(*args)
    assert run.code == 1, run.text
    assert run.err.strip() and run.out == ""


@pytest.mark.slow
def test_the_real_command_refuses_without_a_traceback(sqlite_cli: Cli, tmp_path: Path) -> None:
    rows = People(15).rows(20)
    rows[3]["birth_date"] = "1994-02-30"
    bad = write_csv(tmp_path / "bad.csv", rows, FORMAT_COLUMNS)
    legacy, _ = persons(tmp_path / "legacy.csv", 10, encoding="cp1251")
    for args, code, needle in [
        (["import", "persons", str(bad)], 1, "line 5"),
        (["import", "persons", str(legacy)], 1, "Windows-1251"),
        (["import", "persons", str(tmp_path / "absent.csv")], 1, "no such file"),
        (["event", "NOBODY", "released"], 1, "NOBODY"),
        (["frobnicate"], 2, "frobnicate"),
    ]:
        run = sqlite_cli.sub(*args)  # run_cli asserts that no output carries a traceback
        assert run.code == code, run.text
        assert needle in run.err, run.text
        assert run.out == ""


def test_verify_names_a_tampered_event(sqlite_cli: Cli, tmp_path: Path) -> None:
    sqlite_cli.ok("import", "persons", str(persons(tmp_path / "p.csv", 30)[0]))
    db = Path(sqlite_cli.db.removeprefix("sqlite:///"))
    con = sqlite3.connect(db)
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        con.execute(f'DROP TRIGGER "{name}"')
    con.execute("UPDATE events SET recorded_by = 'someone' WHERE id = 17")
    con.commit()
    con.close()
    run = sqlite_cli.sub("verify")
    assert run.code == 1
    assert "FAIL" in run.err and "#17" in run.err
