"""Tracing against the database, on SQLite and PostgreSQL: keys written with the registration,
never stale, custody, merges and corrections followed, verified, batch files per the formats."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text
from typer.testing import CliRunner

from builders import READER, People, Registry, event, import_file, register, write_csv
from powbureau.cli import app
from powbureau.domain.errors import ImportRejected, InvalidInput
from powbureau.domain.people import FORMAT_COLUMNS
from powbureau.matching import TraceQuery, find_duplicates, profile_from_fields
from powbureau.services import registry as services
from powbureau.services import tracing
from powbureau.services.integrity import verify_registry
from powbureau.store.match_index import SqlCandidateIndex
from powbureau.store.migrate import downgrade, upgrade
from powbureau.store.tables import match_keys, match_profiles
from powbureau.store.uow import SqlUnitOfWork

KOVALENKO = {
    "surname": "Коваленко",
    "given_name": "Дмитро",
    "patronymic": "Сергійович",
    "birth_date": "2001-03-14",
    "unit": "в/ч 12345",
    "category": "pow",
}
ASK = TraceQuery(surname="KOVALENKO", given_name="Dima", birth_date="2001-03-14")


def trace(reg: Registry, query: TraceQuery = ASK, *, engine: object = None, top: int = 10) -> list[str]:
    uow = SqlUnitOfWork(engine or reg.engine, write=False)  # type: ignore[arg-type]
    return [c.person_id for c in tracing.trace_name(uow=uow, reader=READER, query=query, top=top)]


def counts(reg: Registry) -> tuple[int, int]:
    with reg.engine.connect() as conn:
        profiles = conn.execute(select(func.count()).select_from(match_profiles)).scalar_one()
        keys = conn.execute(select(func.count()).select_from(match_keys)).scalar_one()
    return int(profiles), int(keys)


def persons_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    return write_csv(path, rows, FORMAT_COLUMNS)


def test_keys_are_written_in_the_import_transaction(registry: Registry, tmp_path: Path) -> None:
    rows = People(3).rows(40)
    rows.append({"person_ref": "K1", **KOVALENKO})
    path = persons_csv(tmp_path / "p.csv", rows)
    import_file(registry, path, dry_run=True)
    assert counts(registry) == (0, 0)
    bad = persons_csv(
        tmp_path / "bad.csv", [*rows, {"person_ref": "K2", "surname": "X", "birth_date": "1994-02-30"}]
    )
    with pytest.raises(ImportRejected):
        import_file(registry, bad)
    assert counts(registry) == (0, 0)
    import_file(registry, path)
    profiles, keys = counts(registry)
    assert profiles == 41 and keys >= 41
    found = tracing.trace_name(uow=registry.uow(write=False), reader=READER, query=ASK, top=3)
    assert found[0].person_ref == "K1"
    assert found[0].probability > 0.5
    assert verify_registry(uow=registry.uow(write=False)).ok


def test_a_registration_is_found_at_once_from_another_connection(registry: Registry) -> None:
    other = registry.new_engine()
    try:
        assert trace(registry, engine=other) == []  # a running server has seen the registry
        pid = register(registry, fields=KOVALENKO)
        assert trace(registry, engine=other) == [pid]  # ... and is not stale after a write
        twin = register(registry, fields={**KOVALENKO, "birth_date": "1990"})
        assert set(trace(registry, engine=other)) == {pid, twin}
    finally:
        other.dispose()


def test_a_family_inquiry_is_matched_against_our_custody_only(registry: Registry) -> None:
    ours = register(registry, fields=KOVALENKO)
    register(registry, fields={**KOVALENKO, "category": "missing"})  # our own missing man
    assert trace(registry) == [ours]
    with registry.engine.connect() as conn:
        index = SqlCandidateIndex(conn)
        assert index.population("ours") == 1 and index.population("own") == 1


def test_given_name_counts_come_from_the_stored_keys_and_follow_every_registration(
    registry: Registry,
) -> None:
    """The term frequency of a given name: the dated men's (given, father) keys with it."""
    register(registry, fields=KOVALENKO)
    register(registry, fields={**KOVALENKO, "surname": "Шевчук", "birth_date": "1990"})
    register(registry, fields={**KOVALENKO, "given_name": "Ярополк"})
    register(registry, fields={**KOVALENKO, "surname": "Бойко", "birth_date": ""})  # no year: no pair key
    with registry.engine.connect() as conn:
        index = SqlCandidateIndex(conn)
        assert (index.given_count("дмитрий", "ours"), index.given_count("ярополк", "ours")) == (2, 1)
        assert index.dated_pairs("ours") == 3 and index.given_count("дмитрий", "own") == 0
    register(registry, fields={**KOVALENKO, "surname": "Мельник"})
    with registry.engine.connect() as conn:  # a new chain head: counted again, not a stale cache
        assert SqlCandidateIndex(conn).given_count("дмитрий", "ours") == 3


def test_unit_counts_come_from_the_stored_profiles_and_follow_every_registration(
    registry: Registry,
) -> None:
    """The term frequency of a unit: persons of the custody with its key, and with its number
    under any kind; one grouped count over the (custody, unit) index of migration 0018."""
    register(registry, fields=KOVALENKO)  # в/ч 12345
    register(registry, fields={**KOVALENKO, "surname": "Шевчук", "unit": "military unit 12345"})
    register(registry, fields={**KOVALENKO, "surname": "Бойко", "unit": "12345th Motor Rifle Regiment"})
    register(registry, fields={**KOVALENKO, "surname": "Ткач", "unit": "в/ч 54321"})
    register(registry, fields={**KOVALENKO, "surname": "Лисенко", "unit": ""})
    register(registry, fields={**KOVALENKO, "category": "missing"})  # our own missing man
    with registry.engine.connect() as conn:
        index = SqlCandidateIndex(conn)
        assert index.unit_counts("вч:12345", "ours") == (2, 3)
        assert index.unit_counts("полк:12345", "ours") == (1, 3)
        assert index.unit_counts("вч:54321", "ours") == (1, 1)
        assert index.unit_counts("вч:99999", "ours") == (0, 0)
        assert index.unit_counts("вч:12345", "own") == (1, 1)
        assert index.unit_counts("вч:12345", "ours") == (2, 3)  # cached, the same
    pid = register(registry, fields={**KOVALENKO, "surname": "Мельник"})
    with registry.engine.connect() as conn:  # a new chain head: counted again, not a stale cache
        assert SqlCandidateIndex(conn).unit_counts("вч:12345", "ours") == (3, 4)
    event(registry, pid, "identity_corrected", changes={"unit": "в/ч 54321"})
    with registry.engine.connect() as conn:
        index = SqlCandidateIndex(conn)
        assert (index.unit_counts("вч:12345", "ours"), index.unit_counts("вч:54321", "ours")) == (
            (2, 3),
            (2, 2),
        )
        names = {ix["name"] for ix in inspect(conn).get_indexes("match_profiles")}
        assert "ix_match_profiles_unit" in names


def test_a_merged_record_is_no_candidate_and_comes_back_when_unmerged(registry: Registry) -> None:
    a = register(registry, fields=KOVALENKO)
    b = register(registry, fields={**KOVALENKO, "surname": "Kovalenko", "given_name": "Dmytro"})
    assert set(trace(registry)) == {a, b}
    services.merge_persons(uow=registry.uow(), survivor_ref=a, other_ref=b, reason="one man", recorded_by="t")
    assert trace(registry) == [a]
    services.unmerge_person(uow=registry.uow(), ref=b, recorded_by="t", reason="two men")
    assert set(trace(registry)) == {a, b}
    assert verify_registry(uow=registry.uow(write=False)).ok


def test_an_identity_correction_moves_his_keys(registry: Registry) -> None:
    pid = register(registry, fields=KOVALENKO)
    event(registry, pid, "identity_corrected", changes={"surname": "Шевчук", "birth_date": "1999-01-02"})
    assert trace(registry) == []
    assert trace(registry, TraceQuery(surname="Shevchuk", given_name="Dmytro", birth_date="1999-01-02")) == [
        pid
    ]
    assert verify_registry(uow=registry.uow(write=False)).ok


def test_an_event_that_changes_no_identity_leaves_the_keys_alone(registry: Registry) -> None:
    pid = register(registry, fields=KOVALENKO)
    before = counts(registry)
    event(registry, pid, "hospitalised", occurred_on="2024-02")
    assert counts(registry) == before
    assert trace(registry) == [pid]


def test_a_reimport_with_corrections_follows_the_new_identity(registry: Registry, tmp_path: Path) -> None:
    import_file(registry, persons_csv(tmp_path / "a.csv", [{"person_ref": "K1", **KOVALENKO}]))
    corrected = {"person_ref": "K1", **KOVALENKO, "surname": "Шевчук"}
    summary = import_file(registry, persons_csv(tmp_path / "b.csv", [corrected]))
    assert len(summary.corrections) == 1
    assert trace(registry, TraceQuery(surname="Коваленко")) == []
    assert len(trace(registry, TraceQuery(surname="Шевчук", given_name="Дмитро"))) == 1


def test_verify_names_a_missing_or_changed_tracing_row(registry: Registry) -> None:
    pid = register(registry, fields=KOVALENKO)
    register(registry, People(5))
    assert verify_registry(uow=registry.uow(write=False)).ok
    with registry.engine.begin() as conn:
        conn.execute(text("UPDATE match_profiles SET unit = 'вч:99999' WHERE person_id = :p"), {"p": pid})
    problems = verify_registry(uow=registry.uow(write=False)).problems
    assert problems and pid in problems[0] and "tracing profile" in problems[0]
    with registry.engine.begin() as conn:
        conn.execute(text("UPDATE match_profiles SET unit = 'вч:12345' WHERE person_id = :p"), {"p": pid})
        conn.execute(text("DELETE FROM match_keys WHERE person_id = :p AND key LIKE 'd:%'"), {"p": pid})
    problems = verify_registry(uow=registry.uow(write=False)).problems
    assert problems and pid in problems[0] and "tracing key" in problems[0]


def test_upgrading_a_registry_indexes_the_persons_already_there(registry: Registry) -> None:
    pid = register(registry, fields=KOVALENKO)
    downgrade(registry.engine, "0001")
    upgrade(registry.engine)
    assert trace(registry) == [pid]
    assert verify_registry(uow=registry.uow(write=False)).ok


def test_a_surname_written_the_german_way_is_found_both_ways_and_verified(registry: Registry) -> None:
    kozlov = register(
        registry,
        fields={
            "surname": "Козлов",
            "given_name": "Андрей",
            "patronymic": "Петрович",
            "birth_date": "1990-05-17",
        },
    )
    saporoschez = register(
        registry,
        fields={
            "surname": "Saporoschez",
            "given_name": "Taras",
            "birth_date": "1985-02-03",
            "category": "pow",
        },
    )
    assert trace(registry, TraceQuery(surname="Koslow", given_name="Andrej", birth_date="1990-05-17")) == [
        kozlov
    ]
    assert trace(registry, TraceQuery(surname="Запорожец", given_name="Тарас")) == [saporoschez]  # by surname
    with registry.engine.connect() as conn:
        alt = conn.execute(
            select(match_profiles.c.surname_alt).where(match_profiles.c.person_id == saporoschez)
        )
        assert "запорожец" in alt.scalar_one().split()
    assert verify_registry(uow=registry.uow(write=False)).ok
    downgrade(registry.engine, "0015")
    with registry.engine.connect() as conn:  # 0015 stores nobody under a German reading
        assert not conn.execute(
            select(match_keys.c.key).where(match_keys.c.key.startswith("n:запорожец|"))
        ).all()
        assert conn.execute(select(match_keys.c.key).where(match_keys.c.person_id == saporoschez)).all()
    upgrade(registry.engine)  # 0016 adds the readings and rebuilds the keys
    assert trace(registry, TraceQuery(surname="Запорожец", given_name="Тарас", birth_date="1985")) == [
        saporoschez
    ]
    assert verify_registry(uow=registry.uow(write=False)).ok


def test_a_cyrillic_surname_alone_finds_a_man_registered_the_german_way(registry: Registry) -> None:
    koslow = register(registry, fields={"surname": "Koslow"})  # nothing but the surname: no n: key
    kozlov = register(registry, fields={"surname": "Козлов", "given_name": "Андрей"})
    assert set(trace(registry, TraceQuery(surname="Козлов"))) == {koslow, kozlov}
    assert set(trace(registry, TraceQuery(surname="Koslow"))) == {koslow, kozlov}
    assert verify_registry(uow=registry.uow(write=False)).ok


def test_migration_0017_reads_letters_that_run_together_and_0016_does_not(registry: Registry) -> None:
    anna = register(
        registry, fields={"surname": "Beschlebnaja", "given_name": "Anna", "birth_date": "1990-05-17"}
    )

    def stored() -> tuple[list[str], list[str]]:
        with registry.engine.connect() as conn:
            alt = conn.execute(select(match_profiles.c.surname_alt).where(match_profiles.c.person_id == anna))
            keys = conn.execute(select(match_keys.c.key).where(match_keys.c.person_id == anna))
            return alt.scalar_one().split(), sorted(keys.scalars())

    alt, keys = stored()
    assert "бесхлебни" in alt and "a:бесхлебни" in keys and "n:бесхлебни|анна" in keys
    assert trace(registry, TraceQuery(surname="Бесхлебная", given_name="Анна")) == [anna]
    downgrade(registry.engine, "0016")
    alt, keys = stored()  # 0016's readings: ш or ж only, and no a: keys
    assert alt == ["бежлебни"] and not [k for k in keys if k.startswith("a:") or "бесхлебни" in k]
    assert "n:бежлебни|анна" in keys and "y:бешлебни|1990|анна" in keys
    upgrade(registry.engine)
    alt, keys = stored()
    assert "бесхлебни" in alt and "a:бесхлебни" in keys
    assert verify_registry(uow=registry.uow(write=False)).ok


def test_duplicates_of_a_new_registration_are_looked_for_in_the_same_custody(registry: Registry) -> None:
    first = register(registry, fields=KOVALENKO)
    register(registry, fields={**KOVALENKO, "category": "missing"})
    new = profile_from_fields(
        {**KOVALENKO, "surname": "Kovalenko", "given_name": "Dmytro"}, person_id="PNEW", custody="ours"
    )
    with registry.engine.connect() as conn:
        found = find_duplicates(new, index=SqlCandidateIndex(conn), custody="ours")
    assert [c.person_id for c in found] == [first]


def inquiries_file(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = [
        "query_ref",
        "surname",
        "given_name",
        "patronymic",
        "birth_date",
        "unit",
        "service_number",
        "mother_name",
        "father_name",
        "last_seen_on",
        "last_seen_place",
        "inquirer_name",
    ]
    return write_csv(path, rows, columns)


def test_trace_batch_writes_the_formats_file_alone_equals_batch(registry: Registry, tmp_path: Path) -> None:
    import_file(
        registry, persons_csv(tmp_path / "p.csv", [*People(7).rows(60), {"person_ref": "K1", **KOVALENKO}])
    )
    people = People(7).rows(60)
    rows = [
        {
            "query_ref": f"Q{i}",
            "surname": r["surname"],
            "given_name": r["given_name"],
            "birth_date": r["birth_date"],
        }
        for i, r in enumerate(people[:20])
    ]
    rows.append({"query_ref": "QK", "surname": "Kovalenko", "given_name": "Dima", "birth_date": "2001"})
    rows.append({"query_ref": "QNONE", "surname": "Неизвестный", "given_name": "Никто"})
    path = inquiries_file(tmp_path / "inquiries.csv", rows)
    out_a, out_b = tmp_path / "a.csv", tmp_path / "b.csv"
    summary = tracing.trace_batch(
        uow=registry.uow(write=False), reader=READER, inquiries_csv=path, top=3, out=out_a
    )
    tracing.trace_batch(uow=registry.uow(write=False), reader=READER, inquiries_csv=path, top=3, out=out_b)
    assert out_a.read_bytes() == out_b.read_bytes()
    with out_a.open(encoding="utf-8", newline="") as handle:
        result = list(csv.DictReader(handle))
    assert list(result[0])[:4] == ["query_ref", "rank", "person_ref", "probability"]
    assert summary.inquiries == 22 and summary.rows == len(result)
    assert not [r for r in result if r["query_ref"] == "QNONE"]  # no candidate, no row
    by_query: dict[str, list[dict[str, str]]] = {}
    for r in result:
        by_query.setdefault(r["query_ref"], []).append(r)
    assert all(
        len(v) <= 3 and [r["rank"] for r in v] == [str(i) for i in range(1, len(v) + 1)]
        for v in by_query.values()
    )
    assert by_query["QK"][0]["person_ref"] == "K1"
    alone = tracing.trace_name(
        uow=registry.uow(write=False),
        reader=READER,
        query=TraceQuery(surname="Kovalenko", given_name="Dima", birth_date="2001"),
        top=3,
    )
    assert [(c.person_ref, f"{c.probability:.4f}") for c in alone] == [
        (r["person_ref"], r["probability"]) for r in by_query["QK"]
    ]


def test_trace_batch_refuses_a_bad_file_naming_the_line(registry: Registry, tmp_path: Path) -> None:
    path = inquiries_file(
        tmp_path / "bad.csv",
        [
            {"query_ref": "Q1", "surname": "Иванов", "birth_date": "14.03.2001"},
            {"query_ref": "Q1", "surname": "Петров"},
        ],
    )
    out = tmp_path / "out.csv"
    with pytest.raises(ImportRejected) as caught:
        tracing.trace_batch(uow=registry.uow(write=False), reader=READER, inquiries_csv=path, top=3, out=out)
    message = str(caught.value)
    assert "line 2" in message and "2001-03-14" in message and "line 3" in message
    assert not out.exists()
    with pytest.raises(InvalidInput, match="top"):
        tracing.trace_batch(uow=registry.uow(write=False), reader=READER, inquiries_csv=path, top=0, out=out)


def test_the_trace_commands(registry: Registry, tmp_path: Path) -> None:
    import_file(registry, persons_csv(tmp_path / "p.csv", [{"person_ref": "K1", **KOVALENKO}]))
    runner = CliRunner()
    env = {"POWBUREAU_DB": None, "COLUMNS": "200"}
    done = runner.invoke(
        app, ["--db", registry.url, "trace", "name", "Дима Коваленко born 14.03.2001", "--json"], env=env
    )
    assert done.exit_code == 0, done.output
    answer = json.loads(done.stdout)
    assert answer["query"]["birth_date"] == "2001-03-14"
    assert answer["candidates"][0]["person_ref"] == "K1"
    assert "surname (exact)" in answer["candidates"][0]["agreed"]
    done = runner.invoke(
        app, ["--db", registry.url, "trace", "name", "--surname", "Коваленко", "--born", "1.1"], env=env
    )
    assert done.exit_code == 1 and "birth date" in done.stderr and "Traceback" not in done.output
    done = runner.invoke(app, ["--db", registry.url, "trace", "name"], env=env)
    assert done.exit_code == 1 and "needs a name" in done.stderr
    path = inquiries_file(
        tmp_path / "q.csv", [{"query_ref": "Q1", "surname": "Коваленко", "given_name": "Дмитро"}]
    )
    out = tmp_path / "r.csv"
    done = runner.invoke(
        app, ["--db", registry.url, "trace", "batch", str(path), "--top", "5", "--out", str(out)], env=env
    )
    assert done.exit_code == 0, done.output
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("Q1,1,K1,")


def test_the_prior_is_estimated_from_the_inquiries_and_given_to_the_batch(
    registry: Registry, tmp_path: Path
) -> None:
    people = People(11).rows(80)
    import_file(registry, persons_csv(tmp_path / "p.csv", people))
    ours = [p for p in people if p["category"] in ("pow", "civilian_internee")]
    registered = [
        {
            "query_ref": f"R{i}",
            "surname": r["surname"],
            "given_name": r["given_name"],
            "patronymic": r["patronymic"],
            "birth_date": r["birth_date"],
        }
        for i, r in enumerate(ours[:30])
    ]
    strangers = [
        {
            "query_ref": f"S{i}",
            "surname": f"Незнайко{chr(0x430 + i)}ов",
            "given_name": "Пётр",
            "birth_date": "1990",
        }
        for i in range(10)
    ]
    path = inquiries_file(tmp_path / "inquiries.csv", registered + strangers)
    estimate = tracing.estimate_registered_share(uow=registry.uow(write=False), inquiries_csv=path)
    assert estimate.converged and estimate.inquiries == 40
    assert estimate.registered == pytest.approx(0.75, abs=0.03)

    runner = CliRunner()
    env = {"POWBUREAU_DB": None, "COLUMNS": "200"}
    done = runner.invoke(app, ["--db", registry.url, "trace", "prior", str(path), "--json"], env=env)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["registered"] == round(estimate.registered, 4)

    # a weaker inquiry, so that the prior shows: the surname and given name only
    weak = inquiries_file(
        tmp_path / "weak.csv",
        [{"query_ref": "W", "surname": ours[0]["surname"], "given_name": ours[0]["given_name"]}],
    )

    def batch(out: Path, share: str) -> Any:
        args = [
            "--db",
            registry.url,
            "trace",
            "batch",
            str(weak),
            "--out",
            str(out),
            "--prior-registered",
            share,
        ]
        return runner.invoke(app, args, env=env)

    probabilities = {}
    for share in ("0.2", "0.8"):
        out = tmp_path / f"r{share}.csv"
        done = batch(out, share)
        assert done.exit_code == 0, done.output
        with out.open(encoding="utf-8", newline="") as handle:
            probabilities[share] = float(next(csv.DictReader(handle))["probability"])
    assert probabilities["0.2"] < probabilities["0.8"]
    alone = tracing.trace_name(
        uow=registry.uow(write=False),
        reader=READER,
        query=TraceQuery(surname=ours[0]["surname"], given_name=ours[0]["given_name"]),
        settings=tracing.settings_with_registered_share(0.8),
    )
    assert f"{alone[0].probability:.4f}" == f"{probabilities['0.8']:.4f}"
    done = batch(tmp_path / "x.csv", "1.5")
    assert done.exit_code == 1 and "between 0 and 1" in done.stderr


def test_the_bureau_s_prior_is_recorded_and_every_family_inquiry_uses_it(
    registry: Registry, tmp_path: Path
) -> None:
    people = People(12).rows(40)
    import_file(registry, persons_csv(tmp_path / "p.csv", people))
    man = next(p for p in people if p["category"] in ("pow", "civilian_internee"))
    weak = TraceQuery(surname=man["surname"], given_name=man["given_name"])
    before = tracing.trace_name(uow=registry.uow(write=False), reader=READER, query=weak)[0].probability
    assert tracing.read_bureau_prior(uow=registry.uow(write=False)) is None

    runner = CliRunner()
    env = {"POWBUREAU_DB": None, "COLUMNS": "200"}
    rows = [
        {
            "query_ref": f"R{i}",
            "surname": p["surname"],
            "given_name": p["given_name"],
            "patronymic": p["patronymic"],
            "birth_date": p["birth_date"],
        }
        for i, p in enumerate(people)
        if p["category"] in ("pow", "civilian_internee")
    ]
    path = inquiries_file(tmp_path / "inquiries.csv", rows)
    done = runner.invoke(
        app, ["--db", registry.url, "trace", "prior", str(path), "--apply", "--json"], env=env
    )
    assert done.exit_code == 0, done.output
    recorded = json.loads(done.stdout)
    assert recorded["applied"] and recorded["registered"] > 0.9
    prior = tracing.read_bureau_prior(uow=registry.uow(write=False))
    assert prior is not None and prior.estimated_from == "inquiries.csv" and prior.previous == ()
    assert prior.registered == pytest.approx(recorded["registered"], abs=1e-4)

    # the same inquiry, alone and in a batch, now starts from the recorded prior
    after = tracing.trace_name(uow=registry.uow(write=False), reader=READER, query=weak)[0].probability
    assert after > before
    out = tmp_path / "r.csv"
    one = inquiries_file(
        tmp_path / "one.csv", [{"query_ref": "W", "surname": man["surname"], "given_name": man["given_name"]}]
    )
    tracing.trace_batch(uow=registry.uow(write=False), reader=READER, inquiries_csv=one, top=3, out=out)
    with out.open(encoding="utf-8", newline="") as handle:
        assert next(csv.DictReader(handle))["probability"] == f"{after:.4f}"

    tracing.record_bureau_prior(
        uow=registry.uow(),
        registered=0.5,
        inquiries=0,
        estimated_from="set back by hand",
        recorded_by="officer",
    )
    again = tracing.read_bureau_prior(uow=registry.uow(write=False))
    assert again is not None and again.registered == 0.5 and len(again.previous) == 1
    assert again.previous[0]["estimated_from"] == "inquiries.csv"
    assert (
        tracing.trace_name(uow=registry.uow(write=False), reader=READER, query=weak)[0].probability == before
    )
    done = runner.invoke(app, ["--db", registry.url, "trace", "prior"], env=env)
    assert done.exit_code == 0 and "50.0%" in done.stdout and "officer" in done.stdout
    for share in (1.0, 5e-324, 1e-17):  # the last two are above 0, but 1 - share is 1.0 in floating point
        with pytest.raises(InvalidInput, match="between 0 and 1"):
            tracing.record_bureau_prior(
                uow=registry.uow(), registered=share, inquiries=0, estimated_from="x", recorded_by="officer"
            )
