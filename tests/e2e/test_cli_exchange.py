"""``powbureau exchange reconcile`` as a user runs it: the real command, exit codes, the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Cli, invoke

from builders import read_csv, write_csv

COLUMNS = (
    "list_ref",
    "list_kind",
    "claimed_state",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "unit",
)
ROWS = [
    {
        "list_ref": "L1",
        "list_kind": "request",
        "claimed_state": "held",
        "surname": "КОВАЛЕНКО",
        "given_name": "Дмитрий",
        "patronymic": "Сергеевич",
        "birth_date": "2001-03-14",
        "unit": "в/ч 12345",
    },
    {
        "list_ref": "L2",
        "list_kind": "held",
        "surname": "Мельничук",
        "given_name": "Bogdan",
        "patronymic": "Olegovich",
        "birth_date": "1998-04-09",
    },
    {
        "list_ref": "L3",
        "list_kind": "offer",
        "surname": "ЗАДОРОЖНЫЙ",
        "given_name": "Филипп",
        "birth_date": "1970-06-06",
    },
]


def registered(cli: Cli) -> None:
    cli.ok(
        "register",
        "--surname",
        "Коваленко",
        "--given-name",
        "Дмитро",
        "--patronymic",
        "Сергійович",
        "--birth-date",
        "2001-03-14",
        "--unit",
        "в/ч 12345",
        "--person-ref",
        "R1",
    )
    cli.ok(
        "register",
        "--surname",
        "Мельничук",
        "--given-name",
        "Богдан",
        "--patronymic",
        "Олегович",
        "--birth-date",
        "1998-04-09",
        "--category",
        "missing",
        "--person-ref",
        "O1",
    )
    cli.ok("event", "R1", "released", "--on", "2025-06-01")


def test_reconcile_writes_the_answer_and_prints_only_the_summary(cli: Cli, tmp_path: Path) -> None:
    registered(cli)
    listed = write_csv(tmp_path / "list.csv", ROWS, COLUMNS)
    out = tmp_path / "reconciliation.csv"
    run = cli.sub("exchange", "reconcile", str(listed), "--out", str(out), "--json")
    assert run.code == 0, run.text
    summary = run.json()
    assert summary["rows"] == 3 and summary["out"] == str(out)
    assert summary["statuses"] == {
        "matched": 1,
        "ambiguous": 0,
        "not_held": 1,
        "already_released": 1,
        "deceased": 0,
    }
    header, rows = read_csv(out)
    assert header == ["list_ref", "person_ref", "probability", "status", "reason"]
    assert [(r["list_ref"], r["person_ref"], r["status"]) for r in rows] == [
        ("L1", "R1", "already_released"),
        ("L2", "O1", "matched"),
        ("L3", "", "not_held"),
    ]
    assert rows[2]["reason"] == f"no record as of {summary['as_of']}"
    again = tmp_path / "again.csv"
    text = cli.sub("exchange", "reconcile", str(listed), "--out", str(again))
    assert text.code == 0 and "3 rows (1 matched, 0 ambiguous, 1 not_held, 1 already_released" in text.out
    assert again.read_bytes() == out.read_bytes()
    reads = cli.ok("audit", "who-read", "R1", "--json").json()
    assert [r["action"] for r in reads["reads"]] == ["reconcile", "reconcile"]


def test_a_bad_list_exits_1_naming_line_and_column_and_writes_nothing(
    sqlite_cli: Cli, tmp_path: Path
) -> None:
    registered(sqlite_cli)
    bad = [*ROWS, {**ROWS[0], "list_ref": "L1", "birth_date": "14.03.2001"}]
    listed = write_csv(tmp_path / "list.csv", bad, COLUMNS)
    run = sqlite_cli("exchange", "reconcile", str(listed), "--out", str(tmp_path / "out.csv"))
    assert run.code == 1 and run.out == ""
    assert "line 5, column list_ref" in run.err and "2001-03-14" in run.err
    assert not (tmp_path / "out.csv").exists()


def test_a_windows_1251_list_is_refused_naming_it_then_read_with_encoding(
    sqlite_cli: Cli, tmp_path: Path
) -> None:
    registered(sqlite_cli)
    russian = [r for r in ROWS if r["list_ref"] != "L2"]
    listed = write_csv(tmp_path / "list.csv", russian, COLUMNS, encoding="cp1251")
    out = tmp_path / "out.csv"
    run = sqlite_cli("exchange", "reconcile", str(listed), "--out", str(out))
    assert run.code == 1 and "Windows-1251" in run.err and "--encoding cp1251" in run.err
    assert not out.exists()
    assert sqlite_cli.ok("exchange", "reconcile", str(listed), "--out", str(out), "--encoding", "cp1251")
    assert [r["status"] for r in read_csv(out)[1]] == ["already_released", "not_held"]


@pytest.mark.parametrize(
    "args", [["exchange", "reconcile", "list.csv"], ["exchange", "reconcile", "--out", "x.csv"], ["exchange"]]
)
def test_usage_errors_exit_2(sqlite_cli: Cli, args: list[str]) -> None:
    run = sqlite_cli(*args)
    assert run.code == 2, run.text


def test_no_registry_is_refused_before_anything_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_csv(tmp_path / "list.csv", ROWS, COLUMNS)
    monkeypatch.chdir(tmp_path)
    run = invoke("exchange", "reconcile", "list.csv", "--out", "out.csv", db=None)
    assert run.code == 1 and "powbureau init" in run.err and run.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv"]


def test_an_out_file_that_cannot_be_written_is_refused(sqlite_cli: Cli, tmp_path: Path) -> None:
    registered(sqlite_cli)
    listed = write_csv(tmp_path / "list.csv", ROWS, COLUMNS)
    before = listed.read_bytes()
    for out, words in ((tmp_path / "no" / "out.csv", "no such folder"), (listed, "replace the list itself")):
        run = sqlite_cli("exchange", "reconcile", str(listed), "--out", str(out))
        assert run.code == 1 and words in run.err and run.out == "", run.text
    assert listed.read_bytes() == before
    assert not (tmp_path / "no").exists() and not list(tmp_path.glob("*.partial"))
