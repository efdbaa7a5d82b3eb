"""The audit log on both databases: one record per read, who-read, and tampering refused or caught."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from builders import OPERATOR, READER, People, Registry, event, import_file, register, write_csv
from powbureau.domain.access import Channel, Reader
from powbureau.domain.audit import AuditRecord
from powbureau.domain.errors import PersonNotFound
from powbureau.domain.inquiries import Channel as InquiryChannel
from powbureau.domain.inquiries import Inquirer
from powbureau.domain.people import FORMAT_COLUMNS
from powbureau.matching import TraceQuery
from powbureau.services import audit, inquiries, intake, tracing
from powbureau.services import registry as services
from powbureau.services.integrity import verify_registry
from powbureau.store.audit import AuditLog
from powbureau.store.migrate import downgrade, upgrade
from powbureau.store.uow import SqlUnitOfWork

OFFICER = Reader(user="officer.koval", channel=Channel.UI, case_id="T0A1B2C3D4E5F")
CLERK = Reader(user="os:clerk", channel=Channel.CLI, reason="сверка списка лагеря")
KOVALENKO = {
    "surname": "Коваленко",
    "given_name": "Дмитро",
    "patronymic": "Сергійович",
    "birth_date": "2001-03-14",
}
MOTHER = Inquirer("Наталья Коваленко", "mother", "+380 50 000 00 00", InquiryChannel.PHONE, "uk")


def records(reg: Registry) -> list[AuditRecord]:
    """Every stored audit record, read back through the repository."""
    with reg.uow(write=False) as uow:
        return list(uow.audit.scan())


def only_new(reg: Registry, before: int) -> AuditRecord:
    """The one record written since there were ``before``; fails if there are more or none."""
    found = records(reg)[before:]
    assert len(found) == 1, found
    return found[0]


def test_a_show_writes_one_record_naming_the_person_the_reader_and_the_case(registry: Registry) -> None:
    pid = register(registry, People(61))
    other = register(registry, People(62))
    assert records(registry) == []  # registering is not reading
    view = services.show_person(uow=registry.uow(write=False), reader=OFFICER, ref=pid)
    assert view.person_id == pid
    record = only_new(registry, 0)
    assert record.action == "show" and record.person_ids == (pid,)
    assert (record.user, record.channel, record.case_id) == ("officer.koval", "ui", "T0A1B2C3D4E5F")
    assert record.flagged is False and record.reason is None and record.file_sha256 is None
    assert other not in record.person_ids
    assert audit.verify_audit(uow=registry.uow(write=False)).ok


def test_a_read_without_a_case_is_flagged_with_its_typed_reason(registry: Registry) -> None:
    pid = register(registry, People(63))
    _, events, _ = services.person_history(uow=registry.uow(write=False), reader=CLERK, ref=pid)
    assert events
    record = only_new(registry, 0)
    assert record.action == "history" and record.person_ids == (pid,)
    assert record.flagged is True and record.case_id is None
    assert (record.user, record.channel, record.reason) == ("os:clerk", "cli", "сверка списка лагеря")


def test_the_history_of_a_survivor_is_a_read_of_the_records_merged_into_him(registry: Registry) -> None:
    people = People(64)
    a, b = register(registry, people), register(registry, people)
    services.merge_persons(
        uow=registry.uow(), survivor_ref=a, other_ref=b, reason="one man", recorded_by=OPERATOR
    )
    services.person_history(uow=registry.uow(write=False), reader=OFFICER, ref=b)
    assert only_new(registry, 0).person_ids == tuple(sorted([a, b]))


def test_a_read_that_fails_records_nothing(registry: Registry) -> None:
    register(registry, People(65))
    with pytest.raises(PersonNotFound):
        services.show_person(uow=registry.uow(write=False), reader=OFFICER, ref="NOBODY")
    assert services.list_persons(uow=registry.uow(write=False), reader=OFFICER, surname="Никто") == []
    assert records(registry) == []  # a read naming nobody has nobody to answer for


def test_a_list_names_every_person_listed(registry: Registry) -> None:
    people = People(66)
    ids = [register(registry, people) for _ in range(4)]
    listed = services.list_persons(uow=registry.uow(write=False), reader=CLERK, limit=3)
    record = only_new(registry, 0)
    assert record.action == "list" and record.person_ids == tuple(sorted(r["id"] for r in listed))
    assert len(record.person_ids) == 3 and set(record.person_ids) < set(ids)


def test_possible_duplicates_name_the_man_and_his_doubles(registry: Registry) -> None:
    first = register(registry, fields=dict(KOVALENKO))
    second = register(
        registry,
        fields={
            "surname": "KOVALENKO",
            "given_name": "Dmytro",
            "patronymic": "Serhiiovych",
            "birth_date": "2001-03-14",
        },
    )
    lonely = register(registry, fields={"surname": "Шевчук", "given_name": "Олег", "birth_date": "1990"})
    found = services.possible_duplicates(uow=registry.uow(write=False), reader=OFFICER, ref=second)
    assert [p for p, _, _ in found] == [first]
    record = only_new(registry, 0)
    assert record.action == "duplicates" and record.person_ids == tuple(sorted([first, second]))
    assert services.possible_duplicates(uow=registry.uow(write=False), reader=OFFICER, ref=lonely) == []
    assert len(records(registry)) == 1


def test_a_trace_names_its_candidates_once_per_request(registry: Registry) -> None:
    wanted = register(registry, fields=dict(KOVALENKO))
    register(registry, fields={"surname": "Шевчук", "given_name": "Олег", "birth_date": "1990"})
    query = TraceQuery(surname="Коваленко", given_name="Дима", birth_date="2001")
    found = tracing.trace_name(uow=registry.uow(write=False), reader=CLERK, query=query, top=5)
    assert [c.person_id for c in found] == [wanted]
    record = only_new(registry, 0)
    assert record.action == "trace" and record.person_ids == (wanted,) and record.flagged
    found, rows = tracing.trace_with_records(
        uow=registry.uow(write=False), reader=OFFICER, query=query, top=5
    )
    assert set(rows) == {wanted}
    record = only_new(registry, 1)
    assert record.action == "trace" and record.person_ids == (wanted,) and record.case_id == OFFICER.case_id
    tracing.candidate_records(uow=registry.uow(write=False), reader=OFFICER, person_ids=[wanted])
    assert only_new(registry, 2).action == "candidates"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_export_names_every_person_and_the_hash_of_the_file(registry: Registry, tmp_path: Path) -> None:
    summary = import_file(
        registry, write_csv(tmp_path / "p.csv", People(67).rows(6), FORMAT_COLUMNS), source="icrc"
    )
    assert summary.registered == 6
    out = tmp_path / "exports" / "out.csv"
    out.parent.mkdir()
    written = intake.export_persons(uow=registry.uow(write=False), reader=CLERK, path=out, source="icrc")
    assert written == 6
    record = only_new(registry, 0)
    with registry.uow(write=False) as uow:
        everyone = sorted(r["id"] for r in uow.persons.scan())
    assert record.action == "export" and list(record.person_ids) == everyone
    assert record.file_sha256 == sha256(out)
    assert record.flagged and record.reason == CLERK.reason
    assert [p.name for p in out.parent.iterdir()] == ["out.csv"]  # no partial file left


def test_an_export_of_nobody_is_recorded_too(registry: Registry, tmp_path: Path) -> None:
    out = tmp_path / "empty.csv"
    assert intake.export_persons(uow=registry.uow(write=False), reader=OFFICER, path=out) == 0
    record = only_new(registry, 0)
    assert record.person_ids == () and record.file_sha256 == sha256(out)


def test_a_trace_batch_is_recorded_as_a_file_written(registry: Registry, tmp_path: Path) -> None:
    wanted = register(registry, fields=dict(KOVALENKO))
    asked = write_csv(
        tmp_path / "q.csv",
        [
            {"query_ref": "Q1", "surname": "Коваленко", "given_name": "Дмитро"},
            {"query_ref": "Q2", "surname": "Неизвестный", "given_name": "Никто"},
        ],
        ["query_ref", "surname", "given_name"],
    )
    out = tmp_path / "r.csv"
    tracing.trace_batch(uow=registry.uow(write=False), reader=CLERK, inquiries_csv=asked, top=3, out=out)
    record = only_new(registry, 0)
    assert record.action == "trace_batch" and record.person_ids == (wanted,)
    assert record.file_sha256 == sha256(out)


def test_reads_of_a_case_come_through_that_case(registry: Registry) -> None:
    person = register(registry, fields=dict(KOVALENKO))
    sought = TraceQuery(surname="Коваленко", given_name="Дима", birth_date="2001")
    opened = inquiries.open_inquiry(
        uow=registry.uow(), sought=sought, inquirer=MOTHER, recorded_by="operator"
    )
    assert records(registry) == []
    inquiries.case_view(uow=registry.uow(write=False), reader=CLERK, case_id=opened.case_id)
    record = only_new(registry, 0)
    assert (record.action, record.person_ids, record.case_id) == ("case", (person,), opened.case_id)
    assert record.flagged is False and record.user == CLERK.user
    queue = inquiries.review_queue(uow=registry.uow(write=False), reader=OFFICER)
    assert [c["person_id"] for case in queue for c in case["pending"]] == [person]
    assert only_new(registry, 1).action == "review"
    inquiries.list_cases(uow=registry.uow(write=False), reader=OFFICER)
    assert len(records(registry)) == 2  # no case names a confirmed person yet
    inquiries.decide_candidate(
        uow=registry.uow(),
        case_id=opened.case_id,
        person_ref=person,
        confirm=True,
        officer="officer-a",
        checked=["birth_date_full", "family_detail"],
    )
    inquiries.list_cases(uow=registry.uow(write=False), reader=OFFICER)
    record = only_new(registry, 2)
    assert (record.action, record.person_ids) == ("cases", (person,))


def test_who_read_lists_the_reads_of_one_man_and_of_the_records_merged_into_him(registry: Registry) -> None:
    people = People(68)
    a = register(registry, people, person_ref="A-1", source="icrc")
    b = register(registry, people, person_ref="B-1", source="hospital")
    c = register(registry, people)
    services.show_person(uow=registry.uow(write=False), reader=OFFICER, ref=a)
    services.show_person(uow=registry.uow(write=False), reader=CLERK, ref=b)
    services.show_person(uow=registry.uow(write=False), reader=OFFICER, ref=c)
    services.list_persons(uow=registry.uow(write=False), reader=CLERK)
    assert audit.who_read(uow=registry.uow(write=False), ref="icrc:A-1") == [
        r for r in audit.who_read(uow=registry.uow(write=False), ref=a)
    ]
    before = audit.who_read(uow=registry.uow(write=False), ref="A-1")
    assert [(r.action, r.user, r.person_id) for r in before] == [
        ("show", "officer.koval", a),
        ("list", "os:clerk", a),
    ]
    assert before[0].persons == 1 and before[1].persons == 3 and before[1].flagged
    services.merge_persons(
        uow=registry.uow(), survivor_ref=a, other_ref=b, reason="one man", recorded_by=OPERATOR
    )
    after = audit.who_read(uow=registry.uow(write=False), ref="hospital:B-1")
    assert [(r.audit_id, r.person_id) for r in after] == sorted([(1, a), (2, b), (4, a), (4, b)])
    assert c not in {r.person_id for r in after}
    assert [r.audit_id for r in audit.who_read(uow=registry.uow(write=False), ref=c)] == [3, 4]
    with pytest.raises(PersonNotFound):
        audit.who_read(uow=registry.uow(write=False), ref="NOBODY")
    assert len(records(registry)) == 4  # listing who read is not itself recorded


def test_if_the_read_cannot_be_recorded_the_read_fails(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = register(registry, People(69))

    def refuse(self: AuditLog, *args: Any, **kwargs: Any) -> AuditRecord:
        raise RuntimeError("the audit log cannot be written")

    monkeypatch.setattr(AuditLog, "append", refuse)
    with pytest.raises(RuntimeError, match="audit log"):
        services.show_person(uow=registry.uow(write=False), reader=OFFICER, ref=pid)
    out = tmp_path / "out" / "persons.csv"
    out.parent.mkdir()
    with pytest.raises(RuntimeError, match="audit log"):
        intake.export_persons(uow=registry.uow(write=False), reader=OFFICER, path=out)
    assert list(out.parent.iterdir()) == []  # the file is not handed out, nor a partial one left
    monkeypatch.undo()
    assert records(registry) == []


def run_together(*jobs: Callable[[], Any], timeout: float = 120) -> list[Any]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def runner(i: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = job()
        except BaseException as exc:  # reported to the test
            results[i] = exc

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
        assert not t.is_alive(), "a reader hung"
    return results


def test_concurrent_readers_never_fork_the_audit_chain(registry: Registry) -> None:
    pid = register(registry, People(70))
    engines = [registry.new_engine(), registry.new_engine()]

    def reader(engine: Any, who: str) -> int:
        for _ in range(25):
            services.show_person(
                uow=SqlUnitOfWork(engine, write=False), reader=Reader(who, Channel.API), ref=pid
            )
        return 25

    try:
        results = run_together(lambda: reader(engines[0], "a"), lambda: reader(engines[1], "b"))
    finally:
        for engine in engines:
            engine.dispose()
    assert results == [25, 25]
    stored = records(registry)
    assert [r.id for r in stored] == list(range(1, 51))
    assert sorted(r.user for r in stored) == ["a"] * 25 + ["b"] * 25
    assert audit.verify_audit(uow=registry.uow(write=False)).ok


@pytest.mark.postgres
def test_a_read_does_not_wait_for_the_registry_writers(postgres_registry: Registry) -> None:
    """A long import holds the event chain head; reads (and their audit records) go on."""
    pid = register(postgres_registry, People(71))
    holder = postgres_registry.new_engine()
    try:
        with holder.begin() as conn:
            conn.execute(text("SELECT last_id FROM chain_head WHERE id = 1 FOR UPDATE"))
            done = run_together(
                lambda: services.show_person(uow=postgres_registry.uow(write=False), reader=OFFICER, ref=pid),
                timeout=15,
            )
            assert not isinstance(done[0], BaseException), done
            assert done[0].person_id == pid
    finally:
        holder.dispose()
    assert len(records(postgres_registry)) == 1


# ---------------------------------------------------------------------------------------
# Tampering: refused by the database, or caught by verify


AUDIT_TABLES = ("audit_log", "audit_persons")


def build_reads(reg: Registry, tmp_path: Path) -> tuple[list[str], AuditRecord]:
    """Three reads; the second has every column filled (an export through a case, with a reason)."""
    people = People(72)
    ids = [register(reg, people) for _ in range(3)]
    services.show_person(uow=reg.uow(write=False), reader=CLERK, ref=ids[0])
    full = Reader(user="officer.koval", channel=Channel.UI, case_id="T0A1B2C3D4E5F", reason="запрос МККК")
    intake.export_persons(uow=reg.uow(write=False), reader=full, path=tmp_path / "out.csv")
    services.person_history(uow=reg.uow(write=False), reader=OFFICER, ref=ids[2])
    stored = records(reg)
    assert len(stored) == 3 and stored[1].file_sha256 and stored[1].reason and stored[1].case_id
    return ids, stored[1]


def tamper(reg: Registry, sql: str, **params: object) -> None:
    """What whoever holds the database file (or a superuser) can do: bypass the triggers and keys."""
    if reg.backend == "sqlite":
        con = sqlite3.connect(reg.url.removeprefix("sqlite:///"))
        try:
            names = [
                n
                for (n,) in con.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'audit%'"
                )
            ]
            for name in names:
                con.execute(f'DROP TRIGGER "{name}"')
            changed = con.execute(sql, params).rowcount
            con.commit()
        finally:
            con.close()
    else:
        with reg.engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            changed = conn.execute(text(sql), params).rowcount
    assert changed == 1


def audit_problems(reg: Registry) -> list[str]:
    return audit.verify_audit(uow=reg.uow(write=False)).problems


def names_record(message: str, audit_id: int) -> bool:
    return re.search(rf"audit record #{audit_id}\b", message) is not None


FORGED: dict[str, object] = {
    "id": 1002,
    "at": "2026-01-01T00:00:00.000000Z",
    "user_name": "someone-else",
    "channel": "api",
    "action": "show",
    "case_id": "T000000000000",
    "reason": "запрос МККК (исправлено)",
    "flagged": True,
    "file_sha256": "0" * 64,
    "prev_hash": "1" * 64,
    "hash": "2" * 64,
}


def test_every_column_of_the_audit_log_is_covered_by_a_forgery() -> None:
    from powbureau.store.audit import audit_log

    assert set(FORGED) == {c.name for c in audit_log.columns}


@pytest.mark.parametrize("column", sorted(FORGED))
def test_changing_any_column_of_a_record_is_caught_naming_it(
    registry: Registry, tmp_path: Path, column: str
) -> None:
    _, target = build_reads(registry, tmp_path)
    assert audit_problems(registry) == []
    tamper(
        registry, f"UPDATE audit_log SET {column} = :value WHERE id = :id", value=FORGED[column], id=target.id
    )
    found = audit_problems(registry)
    assert found, f"audit verify passed after audit_log.{column} was changed"
    assert names_record(found[0], target.id), found
    report = verify_registry(uow=registry.uow(write=False))
    assert any(names_record(p, target.id) for p in report.problems), report.problems


def test_hiding_that_a_man_was_read_is_caught(registry: Registry, tmp_path: Path) -> None:
    ids, _ = build_reads(registry, tmp_path)
    tamper(registry, "DELETE FROM audit_persons WHERE audit_id = 3 AND person_id = :p", p=ids[2])
    found = audit_problems(registry)
    assert found and names_record(found[0], 3), found
    left = audit.who_read(uow=registry.uow(write=False), ref=ids[2])
    assert [r.audit_id for r in left] == [2]  # the history read is gone from who-read: what the forger wanted


def test_blaming_a_read_on_another_man_is_caught(registry: Registry, tmp_path: Path) -> None:
    ids, _ = build_reads(registry, tmp_path)
    tamper(registry, "INSERT INTO audit_persons (audit_id, person_id) VALUES (1, :p)", p=ids[1])
    found = audit_problems(registry)
    assert found and names_record(found[0], 1), found


def test_a_stray_person_row_is_caught(registry: Registry, tmp_path: Path) -> None:
    ids, _ = build_reads(registry, tmp_path)
    tamper(registry, "INSERT INTO audit_persons (audit_id, person_id) VALUES (77, :p)", p=ids[0])
    found = audit_problems(registry)
    assert found and "#77" in found[0] and ids[0] in found[0], found


def test_a_removed_last_record_and_a_changed_head_are_caught(registry: Registry, tmp_path: Path) -> None:
    build_reads(registry, tmp_path)
    tamper(registry, "UPDATE audit_head SET last_id = 2 WHERE id = 1")
    found = audit_problems(registry)
    assert found and "head" in found[0], found
    tamper(registry, "UPDATE audit_head SET last_id = 3 WHERE id = 1")
    assert audit_problems(registry) == []
    tamper(registry, "DELETE FROM audit_log WHERE id = 3")
    found = audit_problems(registry)
    assert found and "head" in found[0], found


def test_the_registry_verify_reports_the_audit_chain(registry: Registry, tmp_path: Path) -> None:
    build_reads(registry, tmp_path)
    report = verify_registry(uow=registry.uow(write=False))
    assert report.ok and report.audit_records == 3 and report.events == 3
    tamper(registry, "UPDATE audit_log SET reason = 'просто так' WHERE id = 2")
    report = verify_registry(uow=registry.uow(write=False))
    assert report.events == 3 and len(report.problems) == 1
    assert names_record(report.problems[0], 2), report.problems


def test_sqlite_triggers_refuse_changing_the_audit_log(sqlite_registry: Registry, tmp_path: Path) -> None:
    build_reads(sqlite_registry, tmp_path)
    for sql in (
        "UPDATE audit_log SET reason = 'x' WHERE id = 2",
        "DELETE FROM audit_log WHERE id = 3",
        "UPDATE audit_persons SET person_id = 'P0' WHERE audit_id = 1",
        "DELETE FROM audit_persons",
    ):
        with pytest.raises(DBAPIError, match="append-only"), sqlite_registry.engine.begin() as conn:
            conn.execute(text(sql))
    assert audit_problems(sqlite_registry) == []
    assert len(records(sqlite_registry)) == 3


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        f"{verb} {table}{rest}"
        for table in AUDIT_TABLES
        for verb, rest in [
            (
                "UPDATE",
                " SET audit_id = audit_id" if table == "audit_persons" else " SET reason = 'x' WHERE id = 2",
            ),
            ("DELETE FROM", ""),
            ("TRUNCATE", ""),
            ("TRUNCATE", " CASCADE"),
        ]
    ],
)
def test_postgres_refuses_changing_the_audit_log_even_to_the_owner(
    postgres_registry: Registry, tmp_path: Path, sql: str
) -> None:
    build_reads(postgres_registry, tmp_path)
    with postgres_registry.engine.connect() as conn:
        owner, superuser = conn.execute(
            text(
                "SELECT tableowner = current_user, "
                "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) FROM pg_tables "
                "WHERE tablename = 'audit_log' AND schemaname = current_schema()"
            )
        ).one()
    assert owner and superuser
    # TRUNCATE audit_log alone is refused by the foreign key before the trigger is asked
    refusal = (
        "append-only|cannot truncate a table referenced" if sql == "TRUNCATE audit_log" else "append-only"
    )
    with pytest.raises(DBAPIError, match=refusal), postgres_registry.engine.begin() as conn:
        conn.execute(text(sql))
    assert audit_problems(postgres_registry) == []
    assert len(records(postgres_registry)) == 3


def test_the_audit_migration_goes_down_and_up(registry: Registry) -> None:
    pid = register(registry, People(73))
    event(registry, pid, "hospitalised", occurred_on="2024-06")
    services.show_person(uow=registry.uow(write=False), reader=READER, ref=pid)
    downgrade(registry.engine, "0003")
    assert not set(inspect(registry.engine).get_table_names()) & {"audit_log", "audit_persons", "audit_head"}
    upgrade(registry.engine)
    assert records(registry) == []
    services.show_person(uow=registry.uow(write=False), reader=READER, ref=pid)
    assert [r.id for r in records(registry)] == [1]
    with pytest.raises(DBAPIError, match="append-only"), registry.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    assert verify_registry(uow=registry.uow(write=False)).ok
