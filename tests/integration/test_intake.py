"""Bulk intake of persons.csv and its export, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from builders import READER, People, Registry, import_file, read_csv, write_csv
from powbureau.domain.errors import ImportRejected, InvalidInput
from powbureau.domain.people import FORMAT_COLUMNS
from powbureau.services import intake
from powbureau.services import registry as services
from powbureau.services.integrity import verify_registry

EXTRA_COLUMNS = ["blood_group", "примітка", "notes"]

# Cells that a careless writer or reader would change.
TRICKY_ROWS = [
    {
        "person_ref": "T-comma",
        "surname": "Коваленко, мл.",
        "given_name": 'Дмитро "Дима"',
        "patronymic": "Сергійович",
        "birth_date": "1994",
        "category": "pow",
        "notes": "first line\nsecond line",
    },
    {
        "person_ref": "T-space",
        "surname": " Шевчук ",
        "given_name": "Іван",
        "birth_date": "1994-03",
        "unit": "в/ч 12345",
        "rank": "-",
        "category": "civilian_internee",
        "blood_group": "A+",
    },
    {
        "person_ref": "T-latin",
        "surname": "Kovalenko-Šimková",
        "given_name": "Ołeksandr",
        "birth_date": "1994-03-07",
        "nationality": "UA",
        "category": "missing",
        "примітка": "так",
    },
    {
        "person_ref": "T-apos",
        "surname": "Прим'яченко",
        "given_name": "",
        "patronymic": "",
        "service_number": "=1+2",
        "category": "deceased",
        "mother_name": "@Оксана",
    },
    {
        "person_ref": "T-given",
        "surname": "",
        "given_name": "Дмитро",
        "category": "",
        "captured_on": "2022",
        "capture_place": "Маріуполь",
    },
    {
        "person_ref": "",
        "surname": "Без Ссылки",
        "given_name": "Иван",
        "birth_date": "1980",
        "captured_on": "2022-09-14",
    },
]


def persons_file(path: Path, count: int = 60, seed: int = 1, *, shuffle: bool = True) -> Path:
    """Faker rows plus the tricky ones, every format column and some unknown ones."""
    people = People(seed)
    rows = people.rows(count)
    for row in rows[::7]:
        row["blood_group"] = people.rng.choice(["0+", "A-", "B+"])
    rows[min(3, count - 1)]["примітка"] = "поранений"
    rows += TRICKY_ROWS
    columns = [*FORMAT_COLUMNS, *EXTRA_COLUMNS]
    if shuffle:
        random.Random(seed).shuffle(columns)
    return write_csv(path, rows, columns)


def assert_same_cells(original: Path, exported: Path) -> None:
    """Every cell of the original is in the export, unchanged (as ../shared/checks/contract does)."""
    header_a, rows_a = read_csv(original)
    header_b, rows_b = read_csv(exported)
    assert set(header_a) <= set(header_b), set(header_a) - set(header_b)
    keyed_a = {r["person_ref"]: r for r in rows_a if r["person_ref"]}
    keyed_b = {r["person_ref"]: r for r in rows_b if r["person_ref"]}
    assert set(keyed_a) == set(keyed_b)
    diff = [
        (ref, c, keyed_a[ref][c], keyed_b[ref][c])
        for ref in keyed_a
        for c in header_a
        if keyed_a[ref][c] != keyed_b[ref][c]
    ]
    assert diff == []
    unkeyed_a = Counter(tuple(r[c] for c in header_a) for r in rows_a if not r["person_ref"])
    unkeyed_b = Counter(tuple(r[c] for c in header_a) for r in rows_b if not r["person_ref"])
    assert unkeyed_a == unkeyed_b


def event_count(reg: Registry) -> int:
    return int(services.registry_stats(uow=reg.uow(write=False))["events"])


def person_count(reg: Registry) -> int:
    return int(services.registry_stats(uow=reg.uow(write=False))["persons"])


def assert_verified(reg: Registry) -> None:
    report = verify_registry(uow=reg.uow(write=False))
    assert report.ok, report.problems


def export(reg: Registry, path: Path, source: str | None = None) -> Path:
    intake.export_persons(uow=reg.uow(write=False), reader=READER, path=path, source=source)
    return path


def test_import_then_export_reproduces_every_cell(registry: Registry, tmp_path: Path) -> None:
    original = persons_file(tmp_path / "persons.csv")
    total = len(read_csv(original)[1])
    summary = import_file(registry, original)
    assert (summary.rows, summary.registered, summary.rejected_rows) == (total, total, 0)
    assert summary.corrections == [] and summary.unchanged == 0
    assert person_count(registry) == total
    assert_same_cells(original, export(registry, tmp_path / "all.csv"))
    assert_same_cells(original, export(registry, tmp_path / "default.csv", source="default"))
    assert export(registry, tmp_path / "none.csv", source="other").read_text().count("\n") == 1
    assert_verified(registry)


def test_what_an_import_records(registry: Registry, tmp_path: Path) -> None:
    original = write_csv(tmp_path / "few.csv", TRICKY_ROWS, [*FORMAT_COLUMNS, *EXTRA_COLUMNS])
    summary = import_file(registry, original, source="icrc")
    assert summary.sha256 == hashlib.sha256(original.read_bytes()).hexdigest()

    def view(ref: str) -> services.PersonView:
        return services.show_person(uow=registry.uow(write=False), reader=READER, ref=ref)

    comma = view("icrc:T-comma")
    assert comma.row["surname"] == "Коваленко, мл." and comma.row["rank"] is None
    assert json.loads(comma.row["extra"]) == {"notes": "first line\nsecond line"}
    assert (comma.row["custody"], comma.row["status"]) == ("ours", "held")
    assert view("icrc:T-space").row["surname"] == " Шевчук "
    missing = view("icrc:T-latin").row
    assert (missing["custody"], missing["status"]) == ("own", "missing")
    dead = view("icrc:T-apos").row
    assert (dead["status"], dead["service_number"], dead["mother_name"]) == ("deceased", "=1+2", "@Оксана")
    given = view("icrc:T-given").row
    assert (given["surname"], given["category"], given["status_on"]) == (None, None, "2022")
    _, events, _ = services.person_history(uow=registry.uow(write=False), reader=READER, ref="icrc:T-comma")
    origin = json.loads(events[0].payload)["origin"]
    assert origin == {"file": "few.csv", "line": 2}


def test_an_exported_file_imports_to_the_same_file(registry: Registry, tmp_path: Path) -> None:
    import_file(registry, persons_file(tmp_path / "persons.csv"), source="icrc")
    first = export(registry, tmp_path / "first.csv", source="icrc")
    # a second registry (same backend, fresh tables) takes the export
    from builders import make_registry

    with make_registry(registry.backend, tmp_path / "second") as other:
        (tmp_path / "second").mkdir(exist_ok=True)
        import_file(other, first, source="icrc")
        second = export(other, tmp_path / "second.csv", source="icrc")
    assert second.read_bytes() == first.read_bytes()


def test_only_the_name_columns_are_needed_and_a_bom_is_accepted(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("\ufeffsurname,given_name\nИванов,Иван\n,Петро\n", encoding="utf-8")
    summary = import_file(registry, path)
    assert summary.registered == 2
    header, _ = read_csv(export(registry, tmp_path / "out.csv"))
    assert header[0] == "person_ref"


def test_reimporting_the_same_file_writes_nothing(registry: Registry, tmp_path: Path) -> None:
    original = persons_file(tmp_path / "persons.csv")
    import_file(registry, original)
    events = event_count(registry)
    summary = import_file(registry, original)
    assert summary.registered == 0 and summary.corrections == []
    assert summary.unchanged == summary.rows == len(read_csv(original)[1])
    assert event_count(registry) == events
    assert person_count(registry) == summary.rows
    assert_verified(registry)


def test_a_changed_cell_becomes_a_correction_citing_file_and_line(registry: Registry, tmp_path: Path) -> None:
    original = persons_file(tmp_path / "persons.csv", shuffle=False)
    import_file(registry, original)
    header, rows = read_csv(original)
    events = event_count(registry)
    rows[4]["rank"] = "капитан"
    rows[9]["birth_date"] = "1977-07"
    rows[9]["blood_group"] = "AB+"
    changed = write_csv(tmp_path / "persons-v2.csv", rows, header)

    dry = import_file(registry, changed, dry_run=True)
    assert dry.dry_run
    assert [(c.line, c.person_ref) for c in dry.corrections] == [
        (6, rows[4]["person_ref"]),
        (11, rows[9]["person_ref"]),
    ]
    assert event_count(registry) == events
    pid = dry.corrections[0].person_id
    old_rank = services.show_person(uow=registry.uow(write=False), reader=READER, ref=pid).row["rank"]
    assert old_rank != "капитан"
    assert dry.corrections[0].changes == {"rank": [old_rank, "капитан"]}

    summary = import_file(registry, changed)
    assert [(c.line, c.person_ref, c.changes) for c in summary.corrections] == [
        (c.line, c.person_ref, c.changes) for c in dry.corrections
    ]
    assert summary.unchanged == summary.rows - 2 and summary.registered == 0
    assert summary.as_dict()["corrected"] == 2
    assert event_count(registry) == events + 2
    _, history, _ = services.person_history(uow=registry.uow(write=False), reader=READER, ref=pid)
    last = history[-1]
    assert last.kind == "identity_corrected"
    payload = json.loads(last.payload)
    assert payload["origin"] == {"file": "persons-v2.csv", "line": 6}
    assert payload["changes"] == {"rank": [old_rank, "капитан"]}
    nine = services.show_person(uow=registry.uow(write=False), reader=READER, ref=rows[9]["person_ref"]).row
    assert nine["birth_date"] == "1977-07"
    assert json.loads(nine["extra"])["blood_group"] == "AB+"
    assert_same_cells(changed, export(registry, tmp_path / "out.csv"))
    # and importing the corrected file again changes nothing more
    assert import_file(registry, changed).corrections == []
    assert event_count(registry) == events + 2
    assert_verified(registry)


def test_a_row_now_saying_deceased_records_the_death(registry: Registry, tmp_path: Path) -> None:
    rows = [{"person_ref": "D1", "surname": "Лебедев", "category": "pow"}]
    import_file(registry, write_csv(tmp_path / "a.csv", rows))
    rows[0]["category"] = "deceased"
    summary = import_file(registry, write_csv(tmp_path / "b.csv", rows))
    assert summary.corrections[0].changes == {"category": ["pow", "deceased"]}
    row = services.show_person(uow=registry.uow(write=False), reader=READER, ref="D1").row
    assert row["status"] == "deceased"
    assert_verified(registry)


def test_one_bad_row_refuses_the_file_listing_every_bad_row(registry: Registry, tmp_path: Path) -> None:
    rows = People(3).rows(30)
    rows[4]["birth_date"] = "1994-02-30"
    rows[10]["captured_on"] = "14.03.2001"
    rows[15]["surname"] = rows[15]["given_name"] = ""
    rows[20]["category"] = "hostage"
    rows[25]["sex"] = "Ч"
    path = write_csv(tmp_path / "bad.csv", rows, FORMAT_COLUMNS)
    with pytest.raises(ImportRejected) as caught:
        import_file(registry, path)
    errors = {(e.line, e.column) for e in caught.value.errors}
    assert errors == {(6, "birth_date"), (12, "captured_on"), (17, "surname"), (22, "category"), (27, "sex")}
    text = str(caught.value)
    assert "2001-03-14" in text and "1994-02-30" in text and "line 6" in text
    assert caught.value.bad_rows == 5
    assert person_count(registry) == 0 and event_count(registry) == 0


def test_duplicate_refs_in_one_chunk_refuse_the_file(registry: Registry, tmp_path: Path) -> None:
    rows = People(4).rows(10)
    rows[7]["person_ref"] = rows[2]["person_ref"]
    with pytest.raises(ImportRejected) as caught:
        import_file(registry, write_csv(tmp_path / "dup.csv", rows, FORMAT_COLUMNS))
    assert [(e.line, e.column) for e in caught.value.errors] == [(9, "person_ref")]
    assert "line 4" in caught.value.errors[0].reason
    assert person_count(registry) == 0


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Make the intake read 3 rows per chunk (the tests check that it did)."""
    from powbureau.services import intake_rows

    for module in (intake, intake_rows):
        monkeypatch.setattr(module, "CHUNK", 3, raising=False)
    return 3


def test_duplicate_refs_across_chunks_refuse_the_file(
    registry: Registry, tmp_path: Path, small_chunks: int
) -> None:
    rows = People(5).rows(10)
    rows[8]["person_ref"] = rows[1]["person_ref"]
    seen: list[int] = []
    with pytest.raises(ImportRejected) as caught:
        import_file(registry, write_csv(tmp_path / "dup.csv", rows, FORMAT_COLUMNS), progress=seen.append)
    assert len(seen) >= 3, "the file was not read in several chunks"
    assert [(e.line, e.column) for e in caught.value.errors] == [(10, "person_ref")]
    assert person_count(registry) == 0


def test_duplicate_refs_across_chunks_of_a_reimport_refuse_the_file(
    registry: Registry, tmp_path: Path, small_chunks: int
) -> None:
    rows = People(6).rows(10)
    import_file(registry, write_csv(tmp_path / "first.csv", rows, FORMAT_COLUMNS))
    events = event_count(registry)
    again = [dict(r) for r in rows]
    again[1]["rank"] = "майор"
    again[8] = {**rows[1], "rank": "полковник"}
    with pytest.raises(ImportRejected):
        import_file(registry, write_csv(tmp_path / "again.csv", again, FORMAT_COLUMNS))
    assert event_count(registry) == events


@pytest.fixture
def in_a_worker(monkeypatch: pytest.MonkeyPatch, small_chunks: int) -> None:
    """Prepare even a small file in the worker process, 3 rows per chunk."""
    from powbureau.services import intake_rows

    monkeypatch.setattr(intake_rows, "_WORKER_MIN_BYTES", 0)


def test_through_the_worker_rejects_and_corrections_get_every_cell(
    registry: Registry, tmp_path: Path, in_a_worker: None
) -> None:
    # The worker leaves the good rows' cells out unless the import needs them: for a reject
    # file (a ref repeated in a later chunk is refused in the importer) or a known source.
    rows = People(9).rows(8)
    rows[6]["person_ref"] = rows[1]["person_ref"]
    rejects = tmp_path / "rejects.csv"
    path = write_csv(tmp_path / "first.csv", rows, FORMAT_COLUMNS)
    summary = import_file(registry, path, skip_invalid=True, rejects=rejects)
    assert (summary.registered, summary.rejected_rows) == (7, 1)
    with rejects.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[1][0] == "8" and "person_ref" in table[1][1]
    assert table[1][2:] == [rows[6].get(c, "") for c in FORMAT_COLUMNS]

    again = [dict(r) for r in rows[:6]]
    again[4]["rank"] = "майор" if again[4].get("rank") != "майор" else "капитан"
    summary = import_file(registry, write_csv(tmp_path / "again.csv", again, FORMAT_COLUMNS))
    assert (summary.registered, summary.unchanged) == (0, 5)
    assert [(c.line, c.person_ref, c.changes["rank"][1]) for c in summary.corrections] == [
        (6, rows[4]["person_ref"], again[4]["rank"])
    ]
    assert_verified(registry)


def _stream(path: Path, share: bool = True) -> list[tuple[Any, ...]]:
    """What ``prepared_stream`` gives for the file, registry ids from a fixed clock."""
    from powbureau.domain import registry
    from powbureau.services import intake_rows

    registry._last[:] = [0, 0]
    chunks = intake_rows.prepared_stream(
        path, encoding=None, source="s", recorded_by="op", stamp="T", share=share
    )
    return [
        tuple(c._replace(good=[(g.line, g.ref, g.person_id, list(g.cells)) for g in c.good])) for c in chunks
    ]


def test_chunks_made_by_the_importer_or_the_worker_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_a_worker: None
) -> None:
    # The importer makes a chunk itself when it would wait for the worker: whoever makes a
    # chunk, its rows, ids and hash pieces are the same (ids come from the worker in order).
    from types import SimpleNamespace

    from powbureau.domain import registry
    from powbureau.services import intake_rows

    monkeypatch.setattr(registry, "time", SimpleNamespace(time_ns=lambda: 1_790_000_000_000_000_000))
    monkeypatch.setattr(registry, "secrets", SimpleNamespace(randbits=lambda bits: 0))
    rows = People(11).rows(20)
    rows[4]["birth_date"] = "1994-02-30"  # refused: its id is skipped, the others keep their order
    path = write_csv(tmp_path / "p.csv", rows, FORMAT_COLUMNS)
    made_here: list[int] = []
    make = intake_rows._ChunkMaker.make

    def counted(self: Any, rows: Any, ids: Any = None) -> Any:
        made_here.append(len(rows))
        return make(self, rows, ids)

    monkeypatch.setattr(intake_rows._ChunkMaker, "make", counted)
    monkeypatch.setattr(intake_rows, "_waiting", lambda receive: False)
    by_worker = _stream(path)
    assert made_here == [], "the worker made every chunk"
    monkeypatch.setattr(intake_rows, "_waiting", lambda receive: True)
    assert _stream(path, share=False) == by_worker
    assert made_here == [], "the importer made a chunk though told not to (PostgreSQL)"
    shared = _stream(path)
    assert made_here, "the importer made no chunk"
    assert sum(made_here) < len(rows), "the worker made no chunk"
    assert shared == by_worker
    assert len(shared) == 7 and sum(len(c[2]) for c in shared) == 19


def _indexes(registry: Registry) -> dict[str, list[tuple[str, tuple[str | None, ...]]]]:
    from sqlalchemy import inspect

    found = inspect(registry.new_engine())
    return {
        t: sorted((str(i["name"]), tuple(i["column_names"])) for i in found.get_indexes(t))
        for t in ("events", "person_refs", "match_profiles", "persons", "match_keys")
    }


def test_an_import_into_a_small_registry_builds_its_indexes_after_the_rows(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Into an empty registry the indexes are dropped and made again in the import's own
    # transaction: after a refused file and after an import they are all there as before.
    from powbureau.store import bulk

    before = _indexes(registry)
    assert {name for table in before.values() for name, _ in table} >= set(bulk.BULK_INDEXES)
    deferred: list[bool] = []
    defer = intake.defer_indexes
    monkeypatch.setattr(intake, "defer_indexes", lambda conn: deferred.append(True) or defer(conn))
    monkeypatch.setattr(intake, "_STAGED_KEYS_BYTES", 0)  # the match keys sorted once too (SQLite)
    rows = People(12).rows(30)
    bad = [dict(r) for r in rows]
    bad[20]["birth_date"] = "1994-02-30"
    with pytest.raises(ImportRejected):
        import_file(registry, write_csv(tmp_path / "bad.csv", bad, FORMAT_COLUMNS))
    assert deferred == [True]
    assert _indexes(registry) == before
    import_file(registry, write_csv(tmp_path / "good.csv", rows, FORMAT_COLUMNS))
    assert deferred == [True, True]
    assert _indexes(registry) == before
    assert_verified(registry)  # the tracing keys too
    with registry.uow(write=False) as uow:
        assert uow.connection.exec_driver_sql("SELECT count(*) FROM match_keys").scalar_one() > 30
    # Now the registry is larger than a small file, and a known source's file reads by them:
    # the indexes are kept up to date row by row.
    import_file(
        registry, write_csv(tmp_path / "more.csv", People(13).rows(3), FORMAT_COLUMNS), source="other"
    )
    import_file(registry, write_csv(tmp_path / "again.csv", rows, FORMAT_COLUMNS))
    assert deferred == [True, True]
    assert person_count(registry) == 33


def test_skip_invalid_writes_rejects_that_can_be_fixed_and_imported(
    registry: Registry, tmp_path: Path
) -> None:
    rows = People(7).rows(12)
    rows[2]["birth_date"] = "1994-02-30"
    rows[5]["surname"] = rows[5]["given_name"] = ""
    rows[6]["captured_on"] = "14.03.2001"
    rows[6]["surname"] = '=HYPERLINK("http://example.invalid","x")'
    rows[9]["person_ref"] = rows[0]["person_ref"]
    path = write_csv(tmp_path / "mixed.csv", rows, FORMAT_COLUMNS)
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(InvalidInput, match="rejects"):
        import_file(registry, path, skip_invalid=True)
    summary = import_file(registry, path, skip_invalid=True, rejects=rejects)
    assert (summary.registered, summary.rejected_rows) == (8, 4)
    assert person_count(registry) == 8

    with rejects.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["rejected_line", "rejected_because", *FORMAT_COLUMNS]
    by_line = {int(r[0]): r for r in table[1:]}
    assert set(by_line) == {4, 7, 8, 11}
    assert "birth_date" in by_line[4][1] and "1994-02-30" in by_line[4][1]
    assert "surname" in by_line[7][1]
    assert "2001-03-14" in by_line[8][1]
    assert "person_ref" in by_line[11][1]
    # a cell a spreadsheet would run is defused in the file meant for people
    assert by_line[8][2 + FORMAT_COLUMNS.index("surname")].startswith("'=HYPERLINK")

    # the officer fixes the cells and imports the rows again (without the two report columns)
    fixes = {
        4: ("birth_date", "1994-02"),
        7: ("surname", "Невідомий"),
        8: ("captured_on", "2001-03-14"),
        11: ("person_ref", "R-NEW-11"),
    }
    fixed_rows = []
    for line, row in by_line.items():
        cells = dict(zip(FORMAT_COLUMNS, row[2:], strict=True))
        column, value = fixes[line]
        cells[column] = value
        fixed_rows.append(cells)
    fixed = write_csv(tmp_path / "fixed.csv", fixed_rows, FORMAT_COLUMNS)
    again = import_file(registry, fixed)
    assert (again.registered, again.rejected_rows) == (4, 0)
    assert person_count(registry) == 12
    hyperlink = services.show_person(
        uow=registry.uow(write=False), reader=READER, ref=rows[6]["person_ref"]
    ).row
    assert hyperlink["surname"] == '=HYPERLINK("http://example.invalid","x")'
    assert_verified(registry)


def test_a_corrected_reject_file_imports_as_it_is(registry: Registry, tmp_path: Path) -> None:
    rows = People(8).rows(5)
    rows[2]["birth_date"] = "1994-02-30"
    rejects = tmp_path / "rejects.csv"
    import_file(
        registry, write_csv(tmp_path / "in.csv", rows, FORMAT_COLUMNS), skip_invalid=True, rejects=rejects
    )
    text = rejects.read_text(encoding="utf-8").replace("1994-02-30", "1994-02-28")
    rejects.write_text(text, encoding="utf-8")
    assert import_file(registry, rejects).registered == 1
    row = services.show_person(uow=registry.uow(write=False), reader=READER, ref=rows[2]["person_ref"]).row
    assert json.loads(row["extra"]) == {}


def test_a_dry_run_writes_nothing(registry: Registry, tmp_path: Path) -> None:
    path = persons_file(tmp_path / "persons.csv", count=20)
    summary = import_file(registry, path, dry_run=True)
    assert summary.dry_run and summary.registered == summary.rows == 26
    assert person_count(registry) == 0 and event_count(registry) == 0
    assert import_file(registry, path).registered == 26
    assert_verified(registry)


def test_files_that_cannot_be_read_are_refused(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        import_file(registry, tmp_path / "absent.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InvalidInput, match="empty"):
        import_file(registry, empty)
    headless = tmp_path / "headless.csv"
    headless.write_text("R1,Иванов,Иван\nR2,Петров,Пётр\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="header"):
        import_file(registry, headless)
    twice = tmp_path / "twice.csv"
    twice.write_text("surname,surname\nИванов,Петров\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="twice"):
        import_file(registry, twice)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("person_ref,surname\nR1,Иванов,лишнее\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="line 2"):
        import_file(registry, ragged)
    with pytest.raises(InvalidInput, match="source"):
        import_file(registry, persons_file(tmp_path / "ok.csv", count=2), source=" ")
    assert person_count(registry) == 0


def test_import_export_verify_after_all_that(registry: Registry, tmp_path: Path) -> None:
    original = persons_file(tmp_path / "persons.csv", count=40, seed=9)
    import_file(registry, original, source="icrc")
    import_file(registry, original, source="ua-mod")
    header, rows = read_csv(original)
    rows[0]["surname"] = "Змінений"
    import_file(registry, write_csv(tmp_path / "v2.csv", rows, header), source="icrc")
    assert person_count(registry) == 2 * len(rows)
    assert_same_cells(original, export(registry, tmp_path / "ua.csv", source="ua-mod"))
    icrc = export(registry, tmp_path / "icrc.csv", source="icrc")
    assert_same_cells(tmp_path / "v2.csv", icrc)
    assert_verified(registry)


def test_a_row_spanning_lines_is_named_by_the_line_it_starts_on(registry: Registry, tmp_path: Path) -> None:
    rows = [
        {"person_ref": "M1", "surname": "Иванов", "birth_date": "1994-02-30", "notes": "one\ntwo\nthree"},
        {"person_ref": "M2", "surname": "Петров", "birth_date": "14.03.2001", "notes": ""},
    ]
    with pytest.raises(ImportRejected) as caught:
        import_file(registry, write_csv(tmp_path / "multi.csv", rows))
    assert [(e.line, e.column) for e in caught.value.errors] == [(2, "birth_date"), (5, "birth_date")]
