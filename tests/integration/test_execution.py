"""Carrying out an exchange, a release to a family, and the reports, on SQLite and PostgreSQL.

People are registered through the services; the agreed list is handed to the services as
registry ids, as the exchange model's ``agreed_list`` gives it.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pypdf import PdfReader
from sqlalchemy import inspect

from builders import OPERATOR, READER, People, Registry, agreed_exchange, event, register
from powbureau.domain.errors import (
    ConcurrentModification,
    Conflict,
    InvalidInput,
    NotFound,
    PersonNotFound,
    RuleViolation,
)
from powbureau.domain.execution import (
    Handover,
    HandoverEntry,
    IdentityCheck,
    MedicalState,
    Outcome,
    Resolution,
    UnexpectedMan,
    Valuables,
)
from powbureau.domain.family_release import Consent, ConsentForm, FamilyCheck, FamilyRelease, InformedHow
from powbureau.services import execution
from powbureau.services import registry as services
from powbureau.services.audit import who_read
from powbureau.services.integrity import verify_registry
from powbureau.store.execution import EXECUTION_TABLES
from powbureau.store.migrate import downgrade, upgrade
from powbureau.store.tables import metadata

DAY = (date.today() - timedelta(days=2)).isoformat()
EX = "EX-2026-050"
WISH = "не бажає повертатися: боїться переслідування"  # an absent man's wish: internal
PROCEEDINGS = "кримінальне провадження № 12023"  # a resolution's reason: internal
IDENTITY = IdentityCheck.of(["id_card", "questions"], ["surname", "given_name", "birth_date"])
FORMULA = '=HYPERLINK("http://x","y")'


def handover(**overrides: str) -> Handover:
    values = {
        "executed_on": DAY,
        "place": "КПП Ширяєве",
        "officer": "майор Ткаченко",
        "icrc_delegate": "Anna Keller (ICRC)",
    }
    values.update(overrides)
    return Handover(**values)  # type: ignore[arg-type]


def present(person_id: str, line: int, **kw: object) -> HandoverEntry:
    values: dict[str, object] = {
        "identity": IDENTITY,
        "medical": MedicalState.FIT,
        "valuables": Valuables(packet=f"VP-{line:04d}"),
        "line": line,
    }
    values.update(kw)
    return HandoverEntry(person_id, True, **values)  # type: ignore[arg-type]


def scan_file(tmp_path: Path, name: str = "handover-list.pdf") -> execution.ScanFile:
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.4\n% the handover list, signed by both officers and the ICRC delegate\n%%EOF\n")
    return execution.ScanFile(path, name)


def swap(reg: Registry, count: int) -> list[str]:
    """Men we hold, registered through the service; the first one's service number is a formula."""
    people = People(606)
    ids = []
    for n in range(count):
        overrides = {"service_number": FORMULA} if n == 0 else {}
        ids.append(register(reg, fields=people.fields(**overrides)))
    return ids


def show(reg: Registry, ref: str) -> services.PersonView:
    return services.show_person(uow=reg.uow(write=False), reader=READER, ref=ref)


def record(reg: Registry, persons: list[str], entries: list[HandoverEntry], tmp_path: Path, **kw: object):  # type: ignore[no-untyped-def]
    kw.setdefault("scan", scan_file(tmp_path))
    kw.setdefault("handover", handover())
    return execution.record_execution(
        uow=reg.uow(),
        exchange_id=kw.pop("exchange_id", EX),
        persons=persons,
        entries=entries,  # type: ignore[arg-type]
        recorded_by=OPERATOR,
        **kw,  # type: ignore[arg-type]
    )


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_swap_of_fifty_with_one_man_absent_and_one_unexpected(registry: Registry, tmp_path: Path) -> None:
    men = swap(registry, 50)
    sheet = execution.execution_sheet(
        uow=registry.uow(write=False), reader=READER, exchange_id=EX, persons=men
    )
    assert [line.person_id for line in sheet.lines] == men
    assert {line.version for line in sheet.lines} == {1} and {line.direction for line in sheet.lines} == {
        "handed_over"
    }
    absent = men[17]
    entries = [
        present(p, n, record_version=1) if p != absent else HandoverEntry(p, False, note=WISH, line=n)
        for n, p in enumerate(men, start=1)
    ]
    before = services.registry_stats(uow=registry.uow(write=False))["events"]
    result = record(
        registry,
        men,
        entries,
        tmp_path,
        unexpected=[UnexpectedMan("Петренко Іван", note="не з нашого списку")],
    )
    assert len(result.exchanged) == 49 and absent not in dict(result.exchanged)
    assert len(result.discrepancies) == 2
    assert (
        result.scans[0].sha256
        == __import__("hashlib").sha256(scan_file(tmp_path).path.read_bytes()).hexdigest()
    )
    assert services.registry_stats(uow=registry.uow(write=False))["events"] == before + 49
    # everyone handed over is exchanged, with the exchange named; the absent man is still held
    assert show(registry, men[0]).row["status"] == "exchanged"
    assert show(registry, absent).row["status"] == "held"
    _, events, _ = services.person_history(uow=registry.uow(write=False), reader=READER, ref=men[0])
    exchanged = events[-1]
    assert (exchanged.kind, exchanged.occurred_on, exchanged.place) == ("exchanged", DAY, "КПП Ширяєве")
    assert json.loads(exchanged.payload) == {"exchange_id": EX}
    assert verify_registry(uow=registry.uow(write=False)).ok
    view = execution.execution_view(uow=registry.uow(write=False), reader=READER, exchange_id=EX)
    kinds = {d["kind"]: d for d in view["discrepancies"]}
    assert kinds["absent"]["person_id"] == absent and kinds["absent"]["note"] == WISH
    assert (
        kinds["unexpected"]["name_as_written"] == "Петренко Іван" and kinds["unexpected"]["state"] == "open"
    )
    assert view["handover"]["icrc_delegate"] == "Anna Keller (ICRC)"
    # entered once
    with pytest.raises(Conflict, match="entered already"):
        record(registry, men, entries, tmp_path)
    # an unexpected man is not exchanged until resolved, and only under his registry record
    unexpected_id = kinds["unexpected"]["id"]
    with pytest.raises(RuleViolation, match="registry record"):
        execution.resolve_discrepancy(
            uow=registry.uow(),
            exchange_id=EX,
            discrepancy_id=unexpected_id,
            recorded_by=OPERATOR,
            resolution=Resolution(
                Outcome.EXCHANGED,
                "майор Ткаченко",
                "обидві сторони погодили",
                identity=IDENTITY,
                medical=MedicalState.FIT,
            ),
        )
    done = execution.resolve_discrepancy(
        uow=registry.uow(),
        exchange_id=EX,
        discrepancy_id=unexpected_id,
        recorded_by=OPERATOR,
        resolution=Resolution(Outcome.NOT_EXCHANGED, "майор Ткаченко", PROCEEDINGS),
    )
    assert done.event_id is None
    with pytest.raises(RuleViolation, match="resolved already"):
        execution.resolve_discrepancy(
            uow=registry.uow(),
            exchange_id=EX,
            discrepancy_id=unexpected_id,
            recorded_by=OPERATOR,
            resolution=Resolution(Outcome.NOT_EXCHANGED, "x", "y"),
        )
    execution.resolve_discrepancy(
        uow=registry.uow(),
        exchange_id=EX,
        discrepancy_id=kinds["absent"]["id"],
        recorded_by=OPERATOR,
        resolution=Resolution(Outcome.NOT_EXCHANGED, "майор Ткаченко", WISH),
    )
    assert show(registry, absent).row["status"] == "held"
    # the other party's list: only the agreed names, formula-safe, no internal reason
    document = execution.executed_list_csv(
        uow=registry.uow(write=False), reader=READER, exchange_id=EX, audience=execution.Audience.OTHER_PARTY
    )
    text = document.content.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["person_id"] for r in rows] == men
    assert sum(r["outcome"] == "exchanged" for r in rows) == 49
    assert next(r for r in rows if r["person_id"] == absent)["outcome"] == "not_handed_over"
    assert "medical_state" not in rows[0] and rows[1]["valuables_packet"] == "VP-0002"
    assert rows[0]["service_number"] == "'" + FORMULA
    for secret in (WISH, PROCEEDINGS, "Петренко", "не з нашого списку", "id_card"):
        assert secret not in text
    # the ICRC's PDF: a Cyrillic name, the scan's hash, no internal reason
    pdf = execution.executed_list_pdf(
        uow=registry.uow(write=False),
        reader=READER,
        exchange_id=EX,
        audience=execution.Audience.ICRC,
        language="uk",
    )
    assert pdf.content.startswith(b"%PDF")
    words = pdf_text(pdf.content)
    surname = show(registry, men[1]).row["surname"]
    assert any("\u0400" <= ch <= "\u04ff" for ch in surname) and surname in words
    assert "Виконаний список обміну" in words and result.scans[0].sha256 in words
    for secret in (WISH, PROCEEDINGS, "Петренко"):
        assert secret not in words
    # every document was a read, audited with its file's hash
    reads = who_read(uow=registry.uow(write=False), ref=men[1])
    actions = [r.action for r in reads]
    assert actions.count("exchange_report") == 2 and "execution_sheet" in actions
    assert any(r.file_sha256 == pdf.sha256 for r in reads)


def test_all_or_nothing_an_impossible_line_refuses_the_whole_sheet(
    registry: Registry, tmp_path: Path
) -> None:
    men = swap(registry, 4)
    event(registry, men[2], "released", occurred_on=DAY)
    before = services.registry_stats(uow=registry.uow(write=False))["events"]
    entries = [present(p, n) for n, p in enumerate(men, start=1)]
    with pytest.raises(RuleViolation, match=r"line 3: refused: no exchanged while the person is released"):
        record(registry, men, entries, tmp_path)
    assert services.registry_stats(uow=registry.uow(write=False))["events"] == before
    with pytest.raises(NotFound, match="not been carried out"):
        execution.execution_view(uow=registry.uow(write=False), reader=READER, exchange_id=EX)
    assert show(registry, men[0]).row["status"] == "held"


def test_the_sheet_must_fit_the_list_and_say_what_was_checked(registry: Registry, tmp_path: Path) -> None:
    men = swap(registry, 3)
    full = [present(p, n) for n, p in enumerate(men, start=1)]
    with pytest.raises(RuleViolation, match=f"no line for 1 man/men on the agreed list \\({men[2]}\\)"):
        record(registry, men, full[:2], tmp_path)
    with pytest.raises(RuleViolation, match="not on the agreed list; enter him as an unexpected man"):
        record(registry, men[:2], full, tmp_path)
    with pytest.raises(InvalidInput, match=r"line 2: .*identity confirmed"):
        record(registry, men, [full[0], present(men[1], 2, identity=None), full[2]], tmp_path)
    with pytest.raises(InvalidInput, match=r"line 3: .*valuables"):
        record(registry, men, [*full[:2], present(men[2], 3, valuables=None)], tmp_path)
    with pytest.raises(InvalidInput, match="absent man has no identity check, medical state"):
        record(
            registry, men, [*full[:2], HandoverEntry(men[2], False, medical=MedicalState.STRETCHER)], tmp_path
        )
    with pytest.raises(InvalidInput, match="ICRC delegate"):
        record(registry, men, full, tmp_path, handover=handover(icrc_delegate=" "))
    with pytest.raises(InvalidInput, match="in the future"):
        record(registry, men, full, tmp_path, handover=handover(executed_on="2999-01-01"))
    with pytest.raises(RuleViolation, match="attach the scan of the signed handover list"):
        record(registry, men, full, tmp_path, scan=None)
    with pytest.raises(InvalidInput, match="a scan is a PDF, JPEG, PNG or TIFF"):
        bad = tmp_path / "list.txt"
        bad.write_text("not a scan")
        record(registry, men, full, tmp_path, scan=execution.ScanFile(bad, "list.txt"))
    with pytest.raises(PersonNotFound):
        record(registry, [*men, "P0000000000000"], [*full, HandoverEntry("P0000000000000", False)], tmp_path)
    # the version printed on the sheet guards against a change made since
    event(registry, men[1], "transferred", occurred_on=DAY)
    with pytest.raises(ConcurrentModification, match=r"line 2: person .* was changed"):
        record(registry, men, [full[0], present(men[1], 2, record_version=1), full[2]], tmp_path)
    # a scan attached first is enough
    execution.attach_scan(uow=registry.uow(), exchange_id=EX, scan=scan_file(tmp_path), attached_by=OPERATOR)
    assert len(record(registry, men, full, tmp_path, scan=None).exchanged) == 3


def test_an_unexpected_man_exchanged_after_resolution_and_our_own_men_received(
    registry: Registry, tmp_path: Path
) -> None:
    ours = swap(registry, 2)
    own = register(
        registry, fields=People(7).fields(category="missing", captured_on=None, capture_place=None)
    )
    men = [*ours, own]
    result = record(
        registry,
        men,
        [present(p, n) for n, p in enumerate(men, start=1)],
        tmp_path,
        unexpected=[UnexpectedMan("Сидоренко Петро Іванович", line=4)],
    )
    assert show(registry, own).row["status"] == "exchanged"
    # the bureau did not know him: register him (one of our own, received), then resolve
    newcomer = register(
        registry, fields={"surname": "Сидоренко", "given_name": "Петро", "category": "missing"}
    )
    resolution = Resolution(
        Outcome.EXCHANGED,
        "майор Ткаченко",
        "прийнятий за згодою обох сторін",
        person_id=newcomer,
        identity=IDENTITY,
        medical=MedicalState.STRETCHER,
        valuables=Valuables(note="нічого не вилучалося"),
    )
    with pytest.raises(RuleViolation, match="on the agreed list"):
        execution.resolve_discrepancy(
            uow=registry.uow(),
            exchange_id=EX,
            discrepancy_id=result.discrepancies[0],
            recorded_by=OPERATOR,
            resolution=Resolution(**{**resolution.__dict__, "person_id": ours[0]}),
        )
    done = execution.resolve_discrepancy(
        uow=registry.uow(),
        exchange_id=EX,
        discrepancy_id=result.discrepancies[0],
        recorded_by=OPERATOR,
        resolution=resolution,
    )
    assert done.event_id is not None and show(registry, newcomer).row["status"] == "exchanged"
    icrc = execution.executed_list(
        uow=registry.uow(write=False), reader=READER, exchange_id=EX, audience=execution.Audience.ICRC
    )
    assert icrc.person_ids == [*men, newcomer]
    assert [r["direction"] for r in icrc.rows] == ["handed_over", "handed_over", "received", "received"]
    assert icrc.rows[-1]["medical_state"] == "stretcher" and icrc.rows[-1]["outcome"] == "exchanged"
    assert verify_registry(uow=registry.uow(write=False)).ok


def release(person: str, **overrides: object) -> FamilyRelease:
    values: dict[str, object] = {
        "person_ref": person,
        "consent": Consent(True, ConsentForm.SIGNED_STATEMENT, DAY, "капітан Бондар"),
        "identity": IDENTITY,
        "family": FamilyCheck("Наталья Смирнова", "mother", "passport", "4510 123456", "birth certificate"),
        "released_on": DAY,
        "place": "Київ",
        "released_by": "капітан Бондар",
        "icrc_informed_on": DAY,
        "icrc_informed_how": InformedHow.EMAIL,
    }
    values.update(overrides)
    return FamilyRelease(**values)  # type: ignore[arg-type]


def test_a_release_to_his_mother_with_consent_and_both_checks(registry: Registry) -> None:
    son = register(registry, fields=People(42).fields())
    before = services.registry_stats(uow=registry.uow(write=False))["events"]
    refusals = [
        (release(son, consent=None), "needs the man's own recorded consent"),
        (release(son, consent=Consent(False)), "needs the man's own recorded consent"),
        (release(son, consent=Consent(True)), "how, when and by whom his consent"),
        (release(son, identity=None), "identity must be confirmed"),
        (release(son, family=None), "family member's identity and relation"),
        (release(son, family=FamilyCheck("Наталья", "mother", "passport", " ")), "family member's identity"),
        (release(son, icrc_informed_on=None), "ICRC was informed"),
    ]
    for refused, reason in refusals:
        with pytest.raises(RuleViolation, match=reason):
            execution.release_to_family(uow=registry.uow(), release=refused, recorded_by=OPERATOR)
    assert services.registry_stats(uow=registry.uow(write=False))["events"] == before
    assert show(registry, son).row["status"] == "held"
    done = execution.release_to_family(uow=registry.uow(), release=release(son), recorded_by=OPERATOR)
    assert show(registry, son).row["status"] == "released"
    _, events, _ = services.person_history(uow=registry.uow(write=False), reader=READER, ref=son)
    assert events[-1].id == done.event_id and events[-1].kind == "released"
    assert json.loads(events[-1].payload) == {"to_family": "mother"}
    with registry.uow(write=False) as uow:
        stored = uow.execution.releases_of(son)
    assert len(stored) == 1 and stored[0]["family_document_number"] == "4510 123456"
    assert stored[0]["consent_form"] == "signed_statement" and stored[0]["icrc_informed_how"] == "email"
    # released once; one of our own people is not "released to a family" by us
    with pytest.raises(RuleViolation, match="no released while the person is released"):
        execution.release_to_family(uow=registry.uow(), release=release(son), recorded_by=OPERATOR)
    own = register(
        registry, fields=People(43).fields(category="missing", captured_on=None, capture_place=None)
    )
    with pytest.raises(RuleViolation, match="one of our own people"):
        execution.release_to_family(uow=registry.uow(), release=release(own), recorded_by=OPERATOR)
    assert verify_registry(uow=registry.uow(write=False)).ok


def test_the_agreed_list_comes_from_the_exchange_model(registry: Registry) -> None:
    men = [register(registry, fields={"surname": f"Гончар{n}", "given_name": "Петро"}) for n in range(2)]
    ex = agreed_exchange(registry.url, men)
    assert execution.agreed_persons(uow=registry.uow(write=False), exchange_id=ex) == men
    assert execution.agreed_persons(uow=registry.uow(write=False), exchange_id=ex, given=men[::-1]) == men
    with pytest.raises(RuleViolation, match="not the agreed list"):
        execution.agreed_persons(uow=registry.uow(write=False), exchange_id=ex, given=men[:1])


def test_the_migration_creates_what_the_tables_declare_and_goes_down_and_up(
    registry: Registry, tmp_path: Path
) -> None:
    with registry.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert [d for d in diffs if EXECUTION_TABLES & set(str(d).split("'"))] == []
    men = swap(registry, 1)
    record(registry, men, [present(men[0], 1)], tmp_path)
    downgrade(registry.engine, "0008")
    assert not EXECUTION_TABLES & set(inspect(registry.engine).get_table_names())
    upgrade(registry.engine)
    with pytest.raises(NotFound):
        execution.execution_view(uow=registry.uow(write=False), reader=READER, exchange_id=EX)
