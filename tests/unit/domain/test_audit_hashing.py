"""Audit records: one hash over every field, one chain, and the first bad record named."""

from __future__ import annotations

import hashlib
import json
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powbureau.domain.access import Channel, Reader
from powbureau.domain.audit import (
    AuditAction,
    AuditRecord,
    audit_hash,
    check_chain,
    new_read,
    seal_read,
)
from powbureau.domain.events import GENESIS_HASH

AT = "2026-11-24T10:00:00.000001Z"
SHA = hashlib.sha256(b"persons.csv").hexdigest()
OFFICER = Reader(user="officer.koval", channel=Channel.UI, case_id="T0A1B2C3D4E5F")


def chain(count: int) -> list[AuditRecord]:
    """``count`` sealed records, each naming the hash of the one before."""
    records: list[AuditRecord] = []
    prev = GENESIS_HASH
    for i in range(1, count + 1):
        reader = (
            OFFICER if i % 2 else Reader(user=f"os:clerk{i}", channel=Channel.CLI, reason="сверка списка")
        )
        if i == 3:
            new = new_read(reader, AuditAction.EXPORT, [f"P{i:012d}"], file_sha256=SHA)
        else:
            new = new_read(reader, AuditAction.SHOW, [f"P{i:012d}", "P000000000000"])
        records.append(seal_read(new, id=i, prev_hash=prev, at=AT))
        prev = records[-1].hash
    return records


def test_the_hash_is_sha256_of_the_canonical_json_of_every_field_but_the_hash() -> None:
    new = new_read(OFFICER, "export", ["P2", "P1", "P2"], file_sha256=SHA)
    record = seal_read(new, id=3, prev_hash="a" * 64, at=AT)
    body = {
        "id": 3,
        "at": AT,
        "user": "officer.koval",
        "channel": "ui",
        "action": "export",
        "person_ids": ["P1", "P2"],
        "case_id": "T0A1B2C3D4E5F",
        "reason": None,
        "flagged": False,
        "file_sha256": SHA,
        "prev_hash": "a" * 64,
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert record.hash == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert set(body) | {"hash"} == set(AuditRecord._fields)


FORGERIES: dict[str, Any] = {
    "id": 4,
    "at": "2026-11-24T10:00:00.000002Z",
    "user": "someone-else",
    "channel": "api",
    "action": "show",
    "person_ids": ("P1",),
    "case_id": "T000000000000",
    "reason": "посмотреть",
    "flagged": True,
    "file_sha256": None,
    "prev_hash": "b" * 64,
}


@pytest.mark.parametrize("field", sorted(FORGERIES))
def test_changing_any_field_changes_the_hash(field: str) -> None:
    record = seal_read(
        new_read(OFFICER, "export", ["P1", "P2"], file_sha256=SHA), id=3, prev_hash="a" * 64, at=AT
    )
    forged = record._replace(**{field: FORGERIES[field]})
    assert getattr(forged, field) != getattr(record, field)
    assert audit_hash(forged) != record.hash


def test_a_read_names_each_person_once_in_order_and_is_flagged_without_a_case() -> None:
    typed = Reader(user="os:ivan", channel=Channel.CLI, reason="  перевірка запиту  ")
    new = new_read(typed, "list", ["P3", "P1", "P3", "P2"])
    assert new.person_ids == ("P1", "P2", "P3")
    assert new.reason == "перевірка запиту"
    assert new.flagged and new.case_id is None and new.channel == "cli"
    assert not new_read(OFFICER, "show", ["P1"]).flagged
    blank = new_read(Reader(user="os:ivan", channel=Channel.CLI, reason="   "), "show", ["P1"])
    assert blank.reason is None and blank.flagged


@pytest.mark.parametrize(
    ("reader", "action", "sha", "message"),
    [
        (OFFICER, "peek", None, "peek"),
        (Reader(user=" ", channel=Channel.API), "show", None, "user"),
        (OFFICER, "export", "ABC", "SHA-256"),
        (OFFICER, "export", SHA.upper(), "SHA-256"),
    ],
)
def test_a_read_that_cannot_be_recorded_is_refused(
    reader: Reader, action: str, sha: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        new_read(reader, action, ["P1"], file_sha256=sha)


def test_an_unbroken_chain_checks() -> None:
    records = chain(5)
    assert records[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in pairwise(records))
    assert check_chain(records, (5, records[-1].hash)) == (5, None)
    assert check_chain([], (0, GENESIS_HASH)) == (0, None)


@pytest.mark.parametrize("field", sorted(FORGERIES))
def test_a_changed_field_is_named_by_record(field: str) -> None:
    records = chain(5)
    assert getattr(records[2], field) != FORGERIES[field]
    records[2] = records[2]._replace(**{field: FORGERIES[field]})
    problem = check_chain(records, (5, records[-1].hash)).problem
    assert problem is not None and "#3" in problem, problem


def test_a_missing_record_and_a_changed_head_are_named() -> None:
    records = chain(5)
    problem = check_chain(records[:2] + records[3:], (5, records[-1].hash)).problem
    assert problem is not None and "#4" in problem and "missing" in problem
    problem = check_chain(records[:4], (5, records[-1].hash)).problem
    assert problem is not None and "head" in problem
    problem = check_chain(records, (5, records[-2].hash)).problem
    assert problem is not None and "head" in problem


def test_a_record_resealed_with_a_false_flag_is_named() -> None:
    records = chain(3)
    forged = records[1]._replace(flagged=not records[1].flagged)
    forged = forged._replace(hash=audit_hash(forged))
    resealed = [records[0], forged]
    problem = check_chain(resealed, (2, forged.hash)).problem
    assert problem is not None and "#2" in problem and "flagged" in problem


@settings(deadline=None, max_examples=200)
@given(
    user=st.text(min_size=1).filter(str.strip),
    reason=st.none() | st.text(),
    ids=st.lists(st.text(max_size=12)),
)
def test_any_text_seals_and_checks(user: str, reason: str | None, ids: list[str]) -> None:
    new = new_read(Reader(user=user, channel=Channel.API, reason=reason), "trace", ids)
    record = seal_read(new, id=1, prev_hash=GENESIS_HASH, at=AT)
    assert record.person_ids == tuple(sorted(set(ids)))
    assert check_chain([record], (1, record.hash)) == (1, None)
    assert audit_hash(record._replace(user=user + "x")) != record.hash
