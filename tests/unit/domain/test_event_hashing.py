"""Event hashing: canonical JSON, one hash over every stored field, one chain."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powbureau.domain.events import (
    GENESIS_HASH,
    Event,
    EventKind,
    NewEvent,
    canonical_json,
    chain_hash,
    event_hash,
    hash_head,
    hash_middle,
    hash_tail,
    seal,
    utc_now,
)

HASHED = [
    "id",
    "person_id",
    "kind",
    "occurred_on",
    "place",
    "recorded_at",
    "recorded_by",
    "source",
    "payload",
    "corrects",
    "prev_hash",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def fields(**overrides: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "id": 7,
        "person_id": "P0123456789AB",
        "kind": "transferred",
        "occurred_on": "2024-06",
        "place": "CAMP-1",
        "recorded_at": "2026-01-02T03:04:05.000006Z",
        "recorded_by": "оператор",
        "source": "ICRC",
        "payload": '{"note":"перевод"}',
        "corrects": None,
        "prev_hash": "a" * 64,
    }
    value.update(overrides)
    return value


def test_canonical_json_is_one_text_for_one_value() -> None:
    assert canonical_json({"b": 1, "a": [1, 2], "в": "Ш"}) == '{"a":[1,2],"b":1,"в":"Ш"}'
    assert canonical_json({"a": {"y": 1, "x": 2}}) == canonical_json({"a": {"x": 2, "y": 1}})


@settings(deadline=None)
@given(st.dictionaries(st.text(), json_values, max_size=6), st.randoms())
def test_canonical_json_ignores_key_order(value: dict[str, Any], rnd: Any) -> None:
    keys = list(value)
    rnd.shuffle(keys)
    shuffled = {k: value[k] for k in keys}
    assert canonical_json(shuffled) == canonical_json(value)
    assert json.loads(canonical_json(value)) == value


def test_the_hash_is_sha256_of_the_canonical_json_of_every_field() -> None:
    # Written out by hand: a change to the hashing scheme would orphan every stored chain.
    body = (
        '{"corrects":null,"id":7,"kind":"transferred","occurred_on":"2024-06",'
        '"payload":"{\\"note\\":\\"перевод\\"}","person_id":"P0123456789AB","place":"CAMP-1",'
        '"prev_hash":"' + "a" * 64 + '","recorded_at":"2026-01-02T03:04:05.000006Z",'
        '"recorded_by":"оператор","source":"ICRC"}'
    )
    assert event_hash(**fields()) == hashlib.sha256(body.encode("utf-8")).hexdigest()


awkward_text = st.text(
    st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Z", "Cc", "Cf")), max_size=30
)
optional_text = st.none() | awkward_text
#: id, person_id, kind, occurred_on, place, recorded_at, recorded_by, source, payload, corrects, prev_hash
EVENT_COLUMNS = (
    st.integers(1, 2**62),
    awkward_text,
    awkward_text,
    optional_text,
    optional_text,
    awkward_text,
    awkward_text,
    optional_text,
    st.dictionaries(awkward_text, json_values, max_size=3),
    st.none() | st.integers(1, 2**62),
    st.text("0123456789abcdef", min_size=64, max_size=64),
)


@settings(deadline=None)
@given(*EVENT_COLUMNS)
def test_the_hash_is_sha256_of_canonical_json_for_any_text(
    id: int,
    person_id: str,
    kind: str,
    occurred_on: str | None,
    place: str | None,
    recorded_at: str,
    recorded_by: str,
    source: str | None,
    payload: dict[str, Any],
    corrects: int | None,
    prev_hash: str,
) -> None:
    values = {
        "id": id,
        "person_id": person_id,
        "kind": kind,
        "occurred_on": occurred_on,
        "place": place,
        "recorded_at": recorded_at,
        "recorded_by": recorded_by,
        "source": source,
        "payload": canonical_json(payload),
        "corrects": corrects,
        "prev_hash": prev_hash,
    }
    reference = hashlib.sha256(canonical_json(values).encode("utf-8")).hexdigest()
    assert event_hash(**values) == reference


@settings(deadline=None)
@given(*EVENT_COLUMNS)
def test_the_hash_from_pieces_equals_the_hash(
    id: int,
    person_id: str,
    kind: str,
    occurred_on: str | None,
    place: str | None,
    recorded_at: str,
    recorded_by: str,
    source: str | None,
    payload: dict[str, Any],
    corrects: int | None,
    prev_hash: str,
) -> None:
    text = canonical_json(payload)
    middle = hash_middle(person_id=person_id, kind=kind, occurred_on=occurred_on, place=place, payload=text)
    tail = hash_tail(recorded_at=recorded_at, recorded_by=recorded_by, source=source)
    whole = event_hash(
        id=id,
        person_id=person_id,
        kind=kind,
        occurred_on=occurred_on,
        place=place,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        source=source,
        payload=text,
        corrects=corrects,
        prev_hash=prev_hash,
    )
    assert chain_hash(hash_head(corrects), id, middle, prev_hash, tail) == whole


def test_canonical_json_is_json_dumps_with_its_options() -> None:
    value = {"b": [1, None, True, 2.5], "a": {"y": '\u2028"\\', "x": "Ш"}, "c": "\x00"}
    dumped = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_json(value) == dumped


def test_the_hash_is_stable() -> None:
    assert event_hash(**fields()) == event_hash(**fields())
    assert len(event_hash(**fields())) == 64


@pytest.mark.parametrize("name", HASHED)
def test_changing_any_field_changes_the_hash(name: str) -> None:
    base = fields(corrects=3)
    changed = dict(base)
    value = base[name]
    if isinstance(value, int):
        changed[name] = value + 1
    elif name == "prev_hash":
        changed[name] = "b" + value[1:]
    else:
        changed[name] = value + "x"
    assert event_hash(**changed) != event_hash(**base)


@pytest.mark.parametrize("name", ["occurred_on", "place", "source", "corrects"])
def test_an_empty_field_and_a_filled_one_hash_differently(name: str) -> None:
    base = fields(**{name: None})
    for other in (0,) if name == "corrects" else ("", "None", "null"):
        assert event_hash(**{**base, name: other}) != event_hash(**base)


@settings(deadline=None)
@given(
    st.sampled_from([n for n in HASHED if n not in ("id", "corrects")]),
    st.text(min_size=1, max_size=20),
)
def test_any_text_change_changes_the_hash(name: str, suffix: str) -> None:
    base = fields()
    changed = {**base, name: (base[name] or "") + suffix}
    assert event_hash(**changed) != event_hash(**base)


def test_seal_hashes_what_it_stores_and_links_to_the_previous_event() -> None:
    new = NewEvent(
        "P1",
        EventKind.CAPTURED,
        occurred_on="2024",
        place="X",
        source="bureau",
        payload="{}",
        recorded_by="op",
    )
    first = seal(new, id=1, prev_hash=GENESIS_HASH, recorded_at="2026-01-01T00:00:00.000000Z")
    second = seal(new, id=2, prev_hash=first.hash, recorded_at="2026-01-01T00:00:00.000000Z")
    for e in (first, second):
        stored = {k: getattr(e, k) for k in HASHED}
        assert e.hash == event_hash(**stored)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert first.hash != second.hash
    assert first.kind == "captured" and isinstance(first, Event)


def test_seal_keeps_a_given_recorded_at() -> None:
    new = NewEvent("P1", "died", recorded_by="op", recorded_at="2020-01-01T00:00:00.000000Z")
    event = seal(new, id=1, prev_hash=GENESIS_HASH, recorded_at="2026-01-01T00:00:00.000000Z")
    assert event.recorded_at == "2020-01-01T00:00:00.000000Z"


def test_recorded_at_is_utc_with_microseconds() -> None:
    stamp = utc_now()
    assert stamp.endswith("Z") and len(stamp) == 27 and stamp[10] == "T"
