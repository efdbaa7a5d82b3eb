"""Exchanges on both databases: lists version by version, settling rows, the news they carry,
wishes, proceedings and medical categories, the proposal and its shortfall, agreement."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from builders import READER, People, Registry, event, read_csv, register, write_csv
from powbureau.domain.errors import InvalidInput, NotFound, RuleViolation
from powbureau.domain.exchanges import Formula
from powbureau.domain.inquiries import Channel, Inquirer
from powbureau.interchange.exchange_lists import ListRow
from powbureau.matching import TraceQuery
from powbureau.services import exchanges, inquiries, reconciliation
from powbureau.services import registry as services
from powbureau.services.integrity import verify_registry
from powbureau.store.migrate import downgrade, upgrade

NEGOTIATOR = "negotiator-a"
OFFICER = "officer-b"
LIST_COLUMNS = (
    "list_ref",
    "list_kind",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "rank",
    "unit",
    "service_number",
    "claimed_state",
    "medical_category",
)
EXCHANGE_TABLES = {
    "exchanges",
    "exchange_log",
    "exchange_lists",
    "exchange_list_versions",
    "exchange_list_rows",
    "exchange_reconciliations",
    "exchange_proposals",
    "exchange_exclusions",
    "exchange_proposal_log",
}


def held(reg: Registry, people: People, count: int, **overrides: str | None) -> list[str]:
    """Men we hold, depending on RU unless told otherwise."""
    out = []
    for _ in range(count):
        fields = people.fields(nationality="RU", category="pow", **overrides)
        out.append(register(reg, fields=fields))
    return out


def missing(reg: Registry, people: People, **fields: str | None) -> tuple[str, dict[str, str | None]]:
    """One of our own people, reported missing."""
    data = people.fields(nationality="UA", category="missing", captured_on=None, capture_place=None)
    data.update(fields)
    return register(reg, fields=data), data


def list_row(ref: str, kind: str, fields: dict[str, Any], **cells: str) -> dict[str, str]:
    row = {"list_ref": ref, "list_kind": kind}
    row.update({k: (fields.get(k) or "") for k in LIST_COLUMNS[2:9]})
    row.update(cells)
    return row


def write_list(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    return write_csv(path, rows, LIST_COLUMNS)


def create(reg: Registry, formula: Formula, **kwargs: Any) -> str:
    kwargs.setdefault("party", "Russian Federation")
    kwargs.setdefault("power", "RU")
    return exchanges.create_exchange(uow=reg.uow(), formula=formula, created_by=NEGOTIATOR, **kwargs)


def import_list(reg: Registry, exchange_id: str, path: Path, **kwargs: Any) -> exchanges.ListImport:
    return exchanges.import_list(
        uow=reg.uow(), reader=READER, exchange_id=exchange_id, path=path, imported_by=NEGOTIATOR, **kwargs
    )


def settle(
    reg: Registry, exchange_id: str, list_name: str, list_ref: str, **kwargs: Any
) -> exchanges.Settlement:
    return exchanges.settle_row(
        uow=reg.uow(),
        exchange_id=exchange_id,
        list_name=list_name,
        list_ref=list_ref,
        officer=OFFICER,
        **kwargs,
    )


def propose(reg: Registry, exchange_id: str) -> exchanges.ProposalResult:
    return exchanges.propose(uow=reg.uow(), reader=READER, exchange_id=exchange_id, proposed_by=NEGOTIATOR)


def wish(reg: Registry, ref: str, what: str = "not_return", *, fears: bool = True) -> services.RecordedEvent:
    return exchanges.record_wish(
        uow=reg.uow(),
        ref=ref,
        wish=what,
        heard_by="ICRC delegate M. Rossi",
        heard_on="2024-05-02",
        language="ru",
        in_private=True,
        fears_persecution=fears,
        recorded_by="registrar",
    )


def history_kinds(reg: Registry, ref: str) -> list[str]:
    _, events, _ = services.person_history(uow=reg.uow(write=False), reader=READER, ref=ref)
    return [e.kind for e in events]


# ---------------------------------------------------------------------------------------
# The proposal


def test_a_swap_of_fifty_where_one_man_refuses_shows_him_blocked_and_the_shortfall(
    registry: Registry,
) -> None:
    people = People(50)
    men = held(registry, people, 50)
    refuses = men[17]
    wish(registry, refuses)
    exchange_id = create(registry, Formula.of("one_for_one", count=50))
    result = propose(registry, exchange_id)
    chosen = [c.person_id for c in result.proposal.chosen]
    assert len(chosen) == 49 and refuses not in chosen
    assert not result.proposal.met
    [short] = result.proposal.shortfall
    assert (short.category, short.wanted, short.chosen, short.missing) == ("any", 50, 49, 1)
    assert short.blocked_by == (refuses,)
    [excluded] = result.proposal.excluded
    assert excluded.person_id == refuses and excluded.held_back
    assert "fears persecution" in excluded.reason and "ICRC delegate M. Rossi" in excluded.reason
    assert "in private" in excluded.reason and "2024-05-02" in excluded.reason
    view = exchanges.exchange_view(uow=registry.uow(write=False), reader=READER, exchange_id=exchange_id)
    assert len(view["proposal"]) == 49 and all(p["reason"] for p in view["proposal"])
    [shown] = view["shortfall"]
    assert shown["missing"] == 1 and shown["blocked_by"][0]["person_id"] == refuses
    assert "non-refoulement" in shown["blocked_by"][0]["reasons"][0]["reason"]
    # the list for the other party names only the agreed men, and nothing internal
    exchanges.move_exchange(uow=registry.uow(), exchange_id=exchange_id, to="negotiating", by=NEGOTIATOR)
    exchanges.move_exchange(uow=registry.uow(), exchange_id=exchange_id, to="agreed", by=NEGOTIATOR)
    assert exchanges.agreed_list(uow=registry.uow(write=False), exchange_id=exchange_id) == chosen
    party = exchanges.other_party_list(uow=registry.uow(write=False), reader=READER, exchange_id=exchange_id)
    assert [r["list_ref"] for r in party] == chosen
    assert all(set(r) == set(exchanges.PARTY_COLUMNS) for r in party)
    flat = json.dumps(party, ensure_ascii=False)
    assert "persecution" not in flat and "ICRC" not in flat and refuses not in flat
    assert verify_registry(uow=registry.uow(write=False)).ok


def test_the_seriously_wounded_and_sick_come_first_then_length_of_captivity(registry: Registry) -> None:
    people = People(51)
    early, late = (
        held(registry, people, 1, captured_on="2022-03-01"),
        held(registry, people, 1, captured_on="2024-01"),
    )
    wounded = held(registry, people, 1, captured_on="2024-06-01")
    exchanges.record_medical_category(
        uow=registry.uow(),
        ref=wounded[0],
        category="seriously_wounded",
        fit_to_travel=True,
        recorded_by="medic",
    )
    exchange_id = create(registry, Formula.of("one_for_one", count=2))
    result = propose(registry, exchange_id)
    assert [c.person_id for c in result.proposal.chosen] == [wounded[0], early[0]]
    assert "direct repatriation" in result.proposal.chosen[0].reason
    assert [c.person_id for c in result.proposal.reserve] == late
    assert result.proposal.met


def test_every_block_is_shown_with_its_reason_and_the_shortfall_per_category(registry: Registry) -> None:
    people = People(52)
    fit, not_fit, pending, sentenced, closed = held(registry, people, 5)
    unknown = register(registry, fields={"description": "no papers", "nationality": "RU"}, unidentified=True)
    for man, category, travel in (
        (fit, "seriously_sick", True),
        (not_fit, "seriously_wounded", False),
        (pending, "pending", True),
        (sentenced, "seriously_wounded", True),
        (closed, "seriously_wounded", True),
    ):
        exchanges.record_medical_category(
            uow=registry.uow(),
            ref=man,
            category=category,
            fit_to_travel=travel,
            recorded_by="medic",
            decided_by="mixed medical commission",
        )
    exchanges.record_proceedings(
        uow=registry.uow(), ref=sentenced, stage="sentenced", recorded_by="registrar"
    )
    exchanges.record_proceedings(uow=registry.uow(), ref=closed, stage="opened", recorded_by="registrar")
    exchanges.record_proceedings(uow=registry.uow(), ref=closed, stage="closed", recorded_by="registrar")
    exchange_id = create(
        registry, Formula.of("per_category", per_category={"seriously_wounded": 3, "seriously_sick": 1})
    )
    result = propose(registry, exchange_id)
    assert {c.person_id for c in result.proposal.chosen} == {fit, closed}
    reasons = {e.person_id: e.reason for e in result.proposal.excluded}
    assert "not fit to travel" in reasons[not_fit]
    assert "category pending" in reasons[pending]
    assert "Art. 119" in reasons[sentenced]
    assert "unidentified" in reasons[unknown]
    [short] = result.proposal.shortfall
    assert (short.category, short.wanted, short.chosen) == ("seriously_wounded", 3, 1)
    assert set(short.blocked_by) == {not_fit, sentenced, pending}
    # all wounded: every wounded and sick man, regardless of number
    exchanges.set_terms(
        uow=registry.uow(), exchange_id=exchange_id, by=NEGOTIATOR, formula=Formula.of("all_wounded")
    )
    again = propose(registry, exchange_id)
    assert {c.person_id for c in again.proposal.chosen} == {fit, closed}
    assert {s.category for s in again.proposal.shortfall} == {"seriously_wounded"}


def test_a_man_already_exchanged_released_or_dead_is_never_offered(registry: Registry) -> None:
    people = People(53)
    stays, exchanged_man, released_man, dead_man = held(registry, people, 4, captured_on="2022-01")
    event(registry, exchanged_man, "exchanged", occurred_on="2024-02")
    event(registry, released_man, "released", occurred_on="2024-02")
    event(registry, dead_man, "died", occurred_on="2024-02")
    first = create(registry, Formula.of("one_for_one", count=4))
    result = propose(registry, first)
    assert [c.person_id for c in result.proposal.chosen] == [stays]
    for gone, why in (
        (exchanged_man, "already exchanged"),
        (released_man, "already released"),
        (dead_man, "deceased"),
    ):
        with pytest.raises(RuleViolation, match=why):
            exchanges.edit_proposal(
                uow=registry.uow(), exchange_id=first, by=NEGOTIATOR, reason="they asked", add=[gone]
            )
    # a man on another exchange's agreed list is not offered twice
    for to in ("negotiating", "agreed"):
        exchanges.move_exchange(uow=registry.uow(), exchange_id=first, to=to, by=NEGOTIATOR)
    second = create(registry, Formula.of("one_for_one", count=1))
    later = propose(registry, second)
    assert later.proposal.chosen == ()
    assert "already agreed in exchange " + first in later.proposal.excluded[0].reason


def test_the_negotiator_edits_the_list_and_every_change_is_logged(registry: Registry) -> None:
    people = People(54)
    a, b, c = held(registry, people, 3)
    exchange_id = create(registry, Formula.of("one_for_one", count=2))
    chosen = [ch.person_id for ch in propose(registry, exchange_id).proposal.chosen]
    out = next(p for p in (a, b, c) if p not in chosen)
    with pytest.raises(RuleViolation, match="remove one first"):
        exchanges.edit_proposal(
            uow=registry.uow(), exchange_id=exchange_id, by=NEGOTIATOR, reason="r", add=[out]
        )
    with pytest.raises(InvalidInput, match="why"):
        exchanges.edit_proposal(
            uow=registry.uow(), exchange_id=exchange_id, by=NEGOTIATOR, reason=" ", add=[out]
        )
    now = exchanges.edit_proposal(
        uow=registry.uow(),
        exchange_id=exchange_id,
        by=NEGOTIATOR,
        reason="the other party asked for him by name",
        remove=[chosen[0]],
        add=[out],
    )
    assert now == [chosen[1], out]
    view = exchanges.exchange_view(uow=registry.uow(write=False), reader=READER, exchange_id=exchange_id)
    log = [(h["action"], h["person_id"], h["by"]) for h in view["proposal_history"]]
    assert log[-2:] == [("removed", chosen[0], NEGOTIATOR), ("added", out, NEGOTIATOR)]
    assert view["proposal_history"][-1]["reason"] == "the other party asked for him by name"
    assert view["proposal"][-1]["how"] == "added"
    # the log refuses to be rewritten, in the database too
    with pytest.raises(DBAPIError, match="append-only"), registry.engine.begin() as conn:
        conn.execute(text("UPDATE exchange_proposal_log SET reason = 'nothing'"))


def test_agreeing_freezes_the_list_and_refuses_a_man_blocked_since(
    registry: Registry, tmp_path: Path
) -> None:
    people = People(55)
    a, b = held(registry, people, 2)
    exchange_id = create(registry, Formula.of("one_for_one", count=2))
    with pytest.raises(RuleViolation, match="cannot become agreed"):
        exchanges.move_exchange(uow=registry.uow(), exchange_id=exchange_id, to="agreed", by=NEGOTIATOR)
    exchanges.move_exchange(uow=registry.uow(), exchange_id=exchange_id, to="negotiating", by=NEGOTIATOR)
    with pytest.raises(RuleViolation, match="no proposed list"):
        exchanges.move_exchange(uow=registry.uow(), exchange_id=exchange_id, to="agreed", by=NEGOTIATOR)
    propose(registry, exchange_id)
    with pytest.raises(RuleViolation, match="no list is agreed"):
        exchanges.agreed_list(uow=registry.uow(write=False), exchange_id=exchange_id)
    wish(registry, b, fears=False)
    with pytest.raises(RuleViolation, match=f"{b}: .*against his will"):
        exchanges.move_exchange(uow=registry.uow(), exchange_id=exchange_id, to="agreed", by=NEGOTIATOR)
    # his wish changes: heard again, he wants to go home
    wish(registry, b, "return", fears=False)
    exchanges.move_exchange(
        uow=registry.uow(), exchange_id=exchange_id, to="agreed", by=NEGOTIATOR, reason="signed"
    )
    assert sorted(exchanges.agreed_list(uow=registry.uow(write=False), exchange_id=exchange_id)) == sorted(
        [a, b]
    )
    with pytest.raises(RuleViolation, match="fixed"):
        exchanges.edit_proposal(
            uow=registry.uow(), exchange_id=exchange_id, by=NEGOTIATOR, reason="r", remove=[a]
        )
    with pytest.raises(RuleViolation, match="no longer be proposed"):
        propose(registry, exchange_id)
    written = exchanges.write_other_party_list(
        uow=registry.uow(write=False), reader=READER, exchange_id=exchange_id, path=tmp_path / "for-them.csv"
    )
    header, rows = read_csv(tmp_path / "for-them.csv")
    assert written == 2 and header == list(exchanges.PARTY_COLUMNS)
    assert sorted(r["list_ref"] for r in rows) == sorted([a, b])
    assert "ICRC" not in (tmp_path / "for-them.csv").read_text(encoding="utf-8")
    exchanges.move_exchange(uow=registry.uow(), exchange_id=exchange_id, to="closed", by=NEGOTIATOR)
    assert len(exchanges.agreed_list(uow=registry.uow(write=False), exchange_id=exchange_id)) == 2


# ---------------------------------------------------------------------------------------
# Lists, versions, settling rows


def test_list_v2_with_three_changed_rows_reconciles_only_those(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = People(60)
    own = [missing(registry, people) for _ in range(8)]
    rows = [list_row(f"H{i}", "held", data, claimed_state="held") for i, (_, data) in enumerate(own)]
    seen: list[list[str]] = []
    real = reconciliation.reconcile_rows

    def counting(**kwargs: Any) -> Any:
        seen.append([r.list_ref for r in kwargs["rows"]])
        return real(**kwargs)

    monkeypatch.setattr(reconciliation, "reconcile_rows", counting)
    exchange_id = create(registry, Formula.of("one_for_one", count=8))
    first = import_list(registry, exchange_id, write_list(tmp_path / "held-v1.csv", rows), dated="2024-06-01")
    assert (first.list_name, first.version, first.reconciled) == ("their-held", 1, 8)
    assert seen == [[f"H{i}" for i in range(8)]]
    confirmed = settle(registry, exchange_id, "their-held", "H0")
    assert confirmed.decision == "confirmed" and confirmed.event_kind == "reported_held_by_adversary"
    # v2: three rows changed (a wound, a corrected birth date, a rank), the rest as they were
    rows[1]["claimed_state"] = "wounded"
    rows[2]["birth_date"] = "1971"
    rows[3]["rank"] = "сержант"
    second = import_list(registry, exchange_id, write_list(tmp_path / "held-v2.csv", rows))
    assert second.version == 2 and second.changed == ("H1", "H2", "H3")
    assert second.added == () and second.removed == () and second.unchanged == 5
    assert second.reconciled == 3 and seen[-1] == ["H1", "H2", "H3"]
    view = exchanges.list_view(
        uow=registry.uow(write=False), reader=READER, exchange_id=exchange_id, list_name="their-held"
    )
    by_ref = {r["list_ref"]: r for r in view["rows"]}
    assert by_ref["H1"]["differences"] == {"claimed_state": ["held", "wounded"]}
    assert by_ref["H3"]["differences"]["rank"][1] == "сержант"
    assert by_ref["H0"]["decision"] == "confirmed" and by_ref["H0"]["event_id"] == confirmed.event_id
    assert by_ref["H0"]["change"] == "unchanged" and by_ref["H4"]["change"] == "unchanged"
    # the same file again writes nothing; v3 drops a row and adds one, shown as such
    again = import_list(registry, exchange_id, tmp_path / "held-v2.csv")
    assert not again.new_version and again.version == 2 and len(seen) == 2
    _, newcomer = missing(registry, people)
    third = import_list(
        registry,
        exchange_id,
        write_list(tmp_path / "held-v3.csv", [*rows[1:], list_row("H9", "held", newcomer)]),
    )
    assert third.removed == ("H0",) and third.added == ("H9",) and seen[-1] == ["H9"]
    v3 = exchanges.list_view(
        uow=registry.uow(write=False), reader=READER, exchange_id=exchange_id, list_name="their-held"
    )
    assert [r["list_ref"] for r in v3["removed"]] == ["H0"] and v3["versions"] == 3
    old = exchanges.list_view(
        uow=registry.uow(write=False),
        reader=READER,
        exchange_id=exchange_id,
        list_name="their-held",
        number=1,
    )
    assert len(old["rows"]) == 8


def test_a_confirmed_held_list_match_writes_reported_held_and_makes_an_answer_due(
    registry: Registry, tmp_path: Path
) -> None:
    people = People(61)
    man, data = missing(registry, people, surname="Коваленко", given_name="Дмитро", birth_date="2001-03-14")
    opened = inquiries.open_inquiry(
        uow=registry.uow(),
        sought=TraceQuery(surname="Коваленко", given_name="Дмитро", birth_date="2001-03-14"),
        inquirer=Inquirer("Наталія Коваленко", "mother", "+380 50 000 00 00", Channel.PHONE),
        recorded_by="operator",
    )
    inquiries.decide_candidate(
        uow=registry.uow(),
        case_id=opened.case_id,
        person_ref=man,
        confirm=True,
        officer="tracer",
        checked=["birth_date_full", "service_number"],
    )
    assert inquiries.case_view(uow=registry.uow(write=False), reader=READER, case_id=opened.case_id)[
        "state"
    ] == ("acknowledged")
    exchange_id = create(registry, Formula.of("one_for_one", count=1))
    done = import_list(
        registry,
        exchange_id,
        write_list(tmp_path / "held.csv", [list_row("R-17", "held", data, claimed_state="held")]),
        dated="2024-06-01",
    )
    assert done.statuses == {"matched": 1}
    settled = settle(registry, exchange_id, "their-held", "R-17", note="service number agrees")
    assert settled.event_kind == "reported_held_by_adversary" and settled.answers_due == (opened.case_id,)
    recorded = services.person_history(uow=registry.uow(write=False), reader=READER, ref=man)[1][-1]
    assert (recorded.kind, recorded.source, recorded.occurred_on) == (
        "reported_held_by_adversary",
        "adversary list",
        "2024-06-01",
    )
    assert "R-17" in recorded.data["note"]
    shown = services.show_person(uow=registry.uow(write=False), reader=READER, ref=man)
    assert shown.row["status"] == "held_by_adversary"
    case = inquiries.case_view(uow=registry.uow(write=False), reader=READER, case_id=opened.case_id)
    assert case["state"] == "new_answer_due"
    assert any(h["action"] == "news" for h in case["history"])
    # confirming again changes nothing; rejecting a row whose news is written is refused
    assert settle(registry, exchange_id, "their-held", "R-17").event_id is None
    assert history_kinds(registry, man).count("reported_held_by_adversary") == 1
    with pytest.raises(RuleViolation, match="retract"):
        settle(registry, exchange_id, "their-held", "R-17", reject=True)
    event(registry, man, "retracted", corrects=settled.event_id, note="the wrong man")
    assert settle(registry, exchange_id, "their-held", "R-17", reject=True).decision == "rejected"
    assert verify_registry(uow=registry.uow(write=False)).ok


def test_a_row_saying_deceased_writes_reported_dead_never_died(registry: Registry, tmp_path: Path) -> None:
    people = People(62)
    man, data = missing(registry, people)
    exchange_id = create(registry, Formula.of("all_wounded"))
    import_list(
        registry,
        exchange_id,
        write_list(tmp_path / "held.csv", [list_row("D-1", "held", data, claimed_state="deceased")]),
    )
    settled = settle(registry, exchange_id, "their-held", "D-1")
    assert settled.event_kind == "reported_dead"
    kinds = history_kinds(registry, man)
    assert "reported_dead" in kinds and "died" not in kinds
    shown = services.show_person(uow=registry.uow(write=False), reader=READER, ref=man)
    assert shown.row["status"] == "reported_dead"


def test_an_ambiguous_row_goes_to_an_officer_with_the_detail_that_would_settle_it(
    registry: Registry, tmp_path: Path
) -> None:
    people = People(63)
    common = {"surname": "Шевченко", "given_name": "Олександр", "patronymic": None, "service_number": None}
    first, _ = missing(registry, people, birth_date="1990-02-03", unit="в/ч А0001", **common)
    second, _ = missing(registry, people, birth_date="1990-11-21", unit="в/ч А0777", **common)
    exchange_id = create(registry, Formula.of("one_for_one", count=1))
    row = {
        "list_ref": "A-1",
        "list_kind": "held",
        "surname": "Шевченко",
        "given_name": "Олександр",
        "birth_date": "1990",
    }
    done = import_list(registry, exchange_id, write_list(tmp_path / "held.csv", [row]))
    assert done.statuses == {"ambiguous": 1}
    view = exchanges.list_view(
        uow=registry.uow(write=False), reader=READER, exchange_id=exchange_id, list_name="their-held"
    )
    [shown] = view["rows"]
    assert {c["person_id"] for c in shown["candidates"]} == {first, second}
    assert shown["separating"] and shown["decision"] == "pending"
    with pytest.raises(InvalidInput, match="name the man"):
        settle(registry, exchange_id, "their-held", "A-1")
    settled = settle(
        registry, exchange_id, "their-held", "A-1", person_ref=second, note="unit per the family"
    )
    assert settled.person_id == second and settled.event_kind == "reported_held_by_adversary"
    assert "reported_held_by_adversary" not in history_kinds(registry, first)


def test_a_request_row_names_a_man_we_hold_and_orders_the_proposal(
    registry: Registry, tmp_path: Path
) -> None:
    people = People(64)
    first, asked = held(registry, people, 2, captured_on="2023-05-05")
    data = services.show_person(uow=registry.uow(write=False), reader=READER, ref=asked).row
    exchange_id = create(registry, Formula.of("one_for_one", count=1), criteria=["requested"])
    import_list(
        registry, exchange_id, write_list(tmp_path / "req.csv", [list_row("Q-1", "request", dict(data))])
    )
    settled = settle(registry, exchange_id, "their-request", "Q-1")
    assert settled.person_id == asked and settled.event_id is None
    result = propose(registry, exchange_id)
    assert [c.person_id for c in result.proposal.chosen] == [asked]
    assert "asked for by the other party" in result.proposal.chosen[0].reason
    # a held row names our own people, never a man we hold
    _, own = missing(registry, people)
    import_list(registry, exchange_id, write_list(tmp_path / "held.csv", [list_row("H-1", "held", own)]))
    with pytest.raises(RuleViolation, match="our own people"):
        settle(registry, exchange_id, "their-held", "H-1", person_ref=first)


# ---------------------------------------------------------------------------------------
# Wishes, proceedings, medical categories: events of the person


def test_the_new_records_are_events_that_never_move_the_man(registry: Registry) -> None:
    people = People(65)
    [man] = held(registry, people, 1)
    before = services.show_person(uow=registry.uow(write=False), reader=READER, ref=man).row
    first = wish(registry, man)
    exchanges.record_proceedings(
        uow=registry.uow(), ref=man, stage="opened", recorded_by="registrar", reference="case 12/2024"
    )
    exchanges.record_medical_category(
        uow=registry.uow(), ref=man, category="wounded_or_sick", fit_to_travel=True, recorded_by="medic"
    )
    after = services.show_person(uow=registry.uow(write=False), reader=READER, ref=man).row
    assert (after["status"], after["custody"], after["place"]) == (
        before["status"],
        before["custody"],
        before["place"],
    )
    assert after["version"] == before["version"] + 3
    stored = services.person_history(uow=registry.uow(write=False), reader=READER, ref=man)[1]
    assert stored[-3].data == {
        "fears_persecution": True,
        "heard_by": "ICRC delegate M. Rossi",
        "heard_on": "2024-05-02",
        "in_private": True,
        "language": "ru",
        "wish": "not_return",
    }
    assert stored[-1].data == {"category": "wounded_or_sick", "fit_to_travel": True}
    # a wish recorded in error is retracted like any event, and the proposal sees it gone
    event(registry, man, "retracted", corrects=first.event.id)
    exchange_id = create(registry, Formula.of("one_for_one", count=1))
    result = propose(registry, exchange_id)
    assert "criminal proceedings pending" in result.proposal.excluded[0].reason
    assert "persecution" not in result.proposal.excluded[0].reason
    assert verify_registry(uow=registry.uow(write=False)).ok


def test_the_new_records_are_refused_where_they_make_no_sense(registry: Registry) -> None:
    people = People(66)
    [man] = held(registry, people, 1, captured_on="2022-01")
    own, _ = missing(registry, people)
    with pytest.raises(RuleViolation, match="only for persons we hold"):
        wish(registry, own)
    with pytest.raises(InvalidInput, match="fears persecution yet wishes to return"):
        wish(registry, man, "return", fears=True)
    with pytest.raises(InvalidInput, match="needs its details"):
        event(registry, man, "repatriation_wish_recorded")
    with pytest.raises(InvalidInput, match="unknown medical category"):
        exchanges.record_medical_category(
            uow=registry.uow(), ref=man, category="broken leg", fit_to_travel=False, recorded_by="medic"
        )
    with pytest.raises(InvalidInput, match="stage"):
        exchanges.record_proceedings(uow=registry.uow(), ref=man, stage="pending", recorded_by="registrar")
    event(registry, man, "exchanged", occurred_on="2024-03")
    with pytest.raises(RuleViolation, match="while the person is exchanged"):
        wish(registry, man)
    exchanges.record_proceedings(uow=registry.uow(), ref=man, stage="closed", recorded_by="registrar")


# ---------------------------------------------------------------------------------------
# The exchange itself, and its tables


def test_states_terms_and_assignment_are_logged(registry: Registry) -> None:
    exchange_id = create(
        registry, Formula.of("one_for_one", count=5), planned_on="2024-07", place="Sumy crossing"
    )
    with pytest.raises(InvalidInput, match="count"):
        Formula.of("one_for_one")
    exchanges.assign_exchange(
        uow=registry.uow(), exchange_id=exchange_id, officer="lead-negotiator", by="chief"
    )
    version = exchanges.set_terms(
        uow=registry.uow(),
        exchange_id=exchange_id,
        by=NEGOTIATOR,
        criteria=["oldest", "women"],
        place="Belgorod",
    )
    with pytest.raises(Exception, match="changed by"):
        exchanges.move_exchange(
            uow=registry.uow(),
            exchange_id=exchange_id,
            to="negotiating",
            by=NEGOTIATOR,
            expected_version=version - 1,
        )
    exchanges.move_exchange(
        uow=registry.uow(), exchange_id=exchange_id, to="closed", by=NEGOTIATOR, reason="withdrawn"
    )
    with pytest.raises(RuleViolation, match="closed cannot become negotiating"):
        exchanges.move_exchange(uow=registry.uow(), exchange_id=exchange_id, to="negotiating", by=NEGOTIATOR)
    with pytest.raises(RuleViolation, match="without an agreed list"):
        exchanges.agreed_list(uow=registry.uow(write=False), exchange_id=exchange_id)
    [row] = exchanges.list_exchanges(uow=registry.uow(write=False), state="closed")
    assert (row["assigned_to"], row["place"], row["criteria"]) == (
        "lead-negotiator",
        "Belgorod",
        ["oldest", "women"],
    )
    view = exchanges.exchange_view(uow=registry.uow(write=False), reader=READER, exchange_id=exchange_id)
    assert [h["action"] for h in view["history"]] == ["created", "assigned", "terms", "state"]
    assert view["history"][-1]["detail"] == {"from": "proposed", "to": "closed", "reason": "withdrawn"}
    with pytest.raises(NotFound):
        exchanges.exchange_view(uow=registry.uow(write=False), reader=READER, exchange_id="XNOPE")


def test_the_exchange_tables_go_down_and_up(registry: Registry, tmp_path: Path) -> None:
    create(registry, Formula.of("all_wounded"))
    assert set(inspect(registry.engine).get_table_names()) >= EXCHANGE_TABLES
    downgrade(registry.engine, "0007")
    assert not EXCHANGE_TABLES & set(inspect(registry.engine).get_table_names())
    upgrade(registry.engine)
    assert exchanges.list_exchanges(uow=registry.uow(write=False)) == []


def test_the_minimal_reconciler_reads_rows_as_the_interface_says(registry: Registry) -> None:
    people = People(67)
    man, data = missing(registry, people)
    rows = [
        ListRow(
            2,
            "X-1",
            "held",
            {k: data.get(k) for k in ("surname", "given_name", "patronymic", "birth_date", "service_number")},
        ),
        ListRow(3, "X-2", "held", {"surname": "Нікого", "given_name": "Немає"}),
    ]
    found = reconciliation.reconcile_rows(uow=registry.uow(write=False), reader=READER, rows=rows)
    assert [(r.list_ref, r.status) for r in found] == [("X-1", "matched"), ("X-2", "not_held")]
    assert found[0].person_id == man


def test_our_request_names_our_own_people_version_by_version(registry: Registry, tmp_path: Path) -> None:
    people = People(68)
    first_man, _ = missing(registry, people)
    second_man, _ = missing(registry, people)
    [ours] = held(registry, people, 1)
    exchange_id = create(registry, Formula.of("one_for_one", count=1))

    def request(**kwargs: Any) -> exchanges.ListImport:
        return exchanges.request_our_people(
            uow=registry.uow(), exchange_id=exchange_id, by=NEGOTIATOR, **kwargs
        )

    first = request(add=[first_man])
    assert (first.list_name, first.version, first.added) == ("our-request", 1, (first_man,))
    with pytest.raises(RuleViolation, match="not one of our own people"):
        request(add=[ours])
    event(registry, second_man, "reported_held_by_adversary", source="ICRC")
    second = request(all_reported_held=True)
    assert second.added == (second_man,) and second.unchanged == 1 and second.version == 2
    event(registry, first_man, "identity_corrected", changes={"birth_date": "1980"})
    third = request(remove=[second_man])
    assert third.removed == (second_man,) and third.changed == (first_man,)
    rows = exchanges.other_party_list(
        uow=registry.uow(write=False), reader=READER, exchange_id=exchange_id, which="request"
    )
    assert [(r["list_ref"], r["list_kind"], r["birth_date"]) for r in rows] == [
        (first_man, "request", "1980")
    ]
    assert all(set(r) == set(exchanges.PARTY_COLUMNS) for r in rows)
    view = exchanges.list_view(
        uow=registry.uow(write=False), reader=READER, exchange_id=exchange_id, list_name="our-request"
    )
    assert view["party"] == "ours" and view["rows"][0]["differences"]["birth_date"][1] == "1980"
    with pytest.raises(InvalidInput, match="our own"):
        import_list(
            registry,
            exchange_id,
            write_list(tmp_path / "x.csv", [list_row("Z", "held", {"surname": "Z"})]),
            list_name="our-request",
        )
