"""Concurrent writers: optimistic versions per person, and one unforked chain for the registry."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, text

from builders import READER, People, Registry, add_places, register
from powbureau.domain.errors import ConcurrentModification
from powbureau.services import registry as services
from powbureau.services.integrity import verify_registry
from powbureau.store.uow import SqlUnitOfWork


def run_together(*jobs: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run jobs in threads released at the same moment; return ("ok", value) or ("error", exc)."""
    barrier = threading.Barrier(len(jobs))
    results: list[tuple[str, Any]] = [("none", None)] * len(jobs)

    def runner(i: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = ("ok", job())
        except BaseException as exc:  # reported to the test, which decides
            results[i] = ("error", exc)

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
        assert not t.is_alive(), "a writer hung"
    return results


def test_two_operators_with_the_same_version_one_wins(registry: Registry) -> None:
    engines = [registry.new_engine(), registry.new_engine()]
    try:
        people = People(41)
        for round_ in range(4):
            pid = register(registry, people)
            shown = services.show_person(uow=registry.uow(write=False), reader=READER, ref=pid)
            version = shown.row["version"]

            def enter(engine: Engine, who: str, kind: str, pid: str = pid, version: int = version) -> Any:
                return services.record_event(
                    uow=SqlUnitOfWork(engine),
                    ref=pid,
                    kind=kind,
                    recorded_by=who,
                    occurred_on="2024-06",
                    expected_version=version,
                )

            results = run_together(
                lambda: enter(engines[0], "officer-a", "hospitalised"),
                lambda: enter(engines[1], "officer-b", "released"),
            )
            outcomes = sorted(r[0] for r in results)
            assert outcomes == ["error", "ok"], (round_, results)
            winner = "officer-a" if results[0][0] == "ok" else "officer-b"
            error = next(r[1] for r in results if r[0] == "error")
            assert isinstance(error, ConcurrentModification), repr(error)
            assert winner in str(error)
            row = services.show_person(uow=registry.uow(write=False), reader=READER, ref=pid).row
            assert row["version"] == version + 1
            assert row["updated_by"] == winner
            assert row["status"] == ("hospitalised" if winner == "officer-a" else "released")
        report = verify_registry(uow=registry.uow(write=False))
        assert report.ok, report.problems
    finally:
        for engine in engines:
            engine.dispose()


@pytest.mark.slow
def test_two_writers_append_a_thousand_events_each_to_one_chain(registry: Registry) -> None:
    per_writer, persons_each = 1000, 20
    add_places(registry, "CAMP-1", "CAMP-2")
    people = People(42)
    own = [[register(registry, people) for _ in range(persons_each)] for _ in range(2)]
    start = int(services.registry_stats(uow=registry.uow(write=False))["events"])
    engines = [registry.new_engine(), registry.new_engine()]

    def writer(engine: Engine, persons: list[str], who: str) -> list[int]:
        ids = []
        for i in range(per_writer):
            recorded = services.record_event(
                uow=SqlUnitOfWork(engine),
                ref=persons[i % len(persons)],
                kind="transferred",
                place="CAMP-1" if (i // len(persons)) % 2 else "CAMP-2",
                recorded_by=who,
                occurred_on="2024",
            )
            assert recorded.warnings == []
            ids.append(recorded.event.id)
        return ids

    try:
        results = run_together(
            lambda: writer(engines[0], own[0], "writer-a"), lambda: writer(engines[1], own[1], "writer-b")
        )
    finally:
        for engine in engines:
            engine.dispose()
    errors = [r[1] for r in results if r[0] != "ok"]
    assert errors == []
    ids_a, ids_b = results[0][1], results[1][1]
    assert len(ids_a) == len(ids_b) == per_writer
    assert ids_a == sorted(ids_a) and ids_b == sorted(ids_b)
    assert sorted(ids_a + ids_b) == list(range(start + 1, start + 2 * per_writer + 1))
    if registry.backend == "postgres":
        # they really ran at the same time: their ids interleave (SQLite may serve one writer
        # first: its busy handler gives no turn to the waiting one)
        assert ids_a[0] < ids_b[-1] and ids_b[0] < ids_a[-1]
    with registry.engine.connect() as conn:
        query = text("SELECT id FROM events WHERE id > :s ORDER BY id")
        stored = conn.execute(query, {"s": start}).scalars().all()
        head = conn.execute(text("SELECT last_id FROM chain_head")).scalar_one()
    assert stored == list(range(start + 1, start + 2 * per_writer + 1))
    assert head == start + 2 * per_writer
    stats = services.registry_stats(uow=registry.uow(write=False))
    assert stats["events"] == start + 2 * per_writer
    report = verify_registry(uow=registry.uow(write=False))
    assert report.ok, report.problems
    for pid in own[0] + own[1]:
        row = services.show_person(uow=registry.uow(write=False), reader=READER, ref=pid).row
        assert row["version"] == 1 + per_writer // persons_each


@pytest.mark.slow
def test_verify_while_others_write_sees_one_consistent_registry(registry: Registry) -> None:
    """A verify running beside the bureau's daily work must not report tampering that is not there."""
    add_places(registry, "CAMP-1", "CAMP-2")
    people = People(43)
    persons = [register(registry, people) for _ in range(10)]
    writer_engine, reader_engine = registry.new_engine(), registry.new_engine()
    done = threading.Event()
    reports: list[Any] = []

    def write() -> int:
        try:
            for i in range(300):
                services.record_event(
                    uow=SqlUnitOfWork(writer_engine),
                    ref=persons[i % 10],
                    kind="transferred",
                    place=f"CAMP-{1 + i % 2}",
                    recorded_by="writer",
                    occurred_on="2024",
                )
            return 300
        finally:
            done.set()

    def verify() -> int:
        while not done.is_set():
            reports.append(verify_registry(uow=SqlUnitOfWork(reader_engine, write=False)))
        return len(reports)

    try:
        results = run_together(write, verify)
    finally:
        writer_engine.dispose()
        reader_engine.dispose()
    assert [r[0] for r in results] == ["ok", "ok"], results
    assert len(reports) >= 3
    bad = [r.problems for r in reports if not r.ok]
    assert bad == [], f"{len(bad)} of {len(reports)} verify runs failed while nothing was tampered: {bad[0]}"


def test_the_same_file_imported_twice_at_once_registers_nobody_twice(
    registry: Registry, tmp_path: Any
) -> None:
    from builders import import_file, write_csv
    from powbureau.domain.errors import PowBureauError
    from powbureau.domain.people import FORMAT_COLUMNS

    path = write_csv(tmp_path / "p.csv", People(44).rows(300), FORMAT_COLUMNS)
    engines = [registry.new_engine(), registry.new_engine()]
    try:
        results = run_together(
            *(lambda e=e: intake_on(e, path) for e in engines)  # type: ignore[misc]
        )
    finally:
        for engine in engines:
            engine.dispose()
    for outcome, value in results:
        assert outcome == "ok" or isinstance(value, PowBureauError), repr(value)
    assert any(outcome == "ok" for outcome, _ in results)
    assert services.registry_stats(uow=registry.uow(write=False))["persons"] == 300
    report = verify_registry(uow=registry.uow(write=False))
    assert report.ok, report.problems
    # and a third import finds everything in place
    assert import_file(registry, path).unchanged == 300


def intake_on(engine: Engine, path: Any) -> Any:
    from powbureau.services import intake

    return intake.import_persons(uow=SqlUnitOfWork(engine), path=path, recorded_by="clerk")


def test_one_reference_registered_twice_at_once_names_one_person(registry: Registry) -> None:
    from powbureau.domain.errors import DuplicateReference

    engines = [registry.new_engine(), registry.new_engine()]
    fields = People(45).fields()
    try:
        for round_ in range(3):
            ref = f"DUP-{round_}"
            results = run_together(
                *(
                    lambda e=e, ref=ref: services.register_person(  # type: ignore[misc]
                        uow=SqlUnitOfWork(e),
                        fields=fields,
                        recorded_by="clerk",
                        source="icrc",
                        person_ref=ref,
                    )
                    for e in engines
                )
            )
            outcomes = sorted(outcome for outcome, _ in results)
            assert outcomes == ["error", "ok"], results
            error = next(value for outcome, value in results if outcome == "error")
            assert isinstance(error, DuplicateReference), repr(error)
    finally:
        for engine in engines:
            engine.dispose()
    assert services.registry_stats(uow=registry.uow(write=False))["persons"] == 3
    report = verify_registry(uow=registry.uow(write=False))
    assert report.ok, report.problems
