"""Identity fields, categories, registry ids and the events that register a person."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powbureau.domain.errors import InvalidInput
from powbureau.domain.events import GENESIS_HASH, canonical_json, seal
from powbureau.domain.lifecycle import registration_state, replay
from powbureau.domain.people import (
    FORMAT_COLUMNS,
    IDENTITY_FIELDS,
    Category,
    Custody,
    category_of,
    custody_for,
    display_name,
    validate_identity,
)
from powbureau.domain.registry import (
    _base32,
    identity_changes,
    new_person_id,
    registration_events,
    registration_payload,
)
from powbureau.store.repositories import person_tuple, projection_row
from powbureau.store.tables import persons

STAMP = "2026-01-01T00:00:00.000000Z"


def test_the_format_columns_are_those_of_persons_csv() -> None:
    assert FORMAT_COLUMNS == (
        "person_ref",
        "surname",
        "given_name",
        "patronymic",
        "birth_date",
        "birth_place",
        "sex",
        "nationality",
        "rank",
        "unit",
        "service_number",
        "mother_name",
        "father_name",
        "category",
        "captured_on",
        "capture_place",
    )
    assert set(FORMAT_COLUMNS[1:]) <= set(IDENTITY_FIELDS)


def test_registry_ids_are_opaque_and_unique() -> None:
    ids = {new_person_id() for _ in range(20000)}
    assert len(ids) == 20000
    for value in list(ids)[:500]:
        assert re.fullmatch(r"P[0-9A-HJKMNP-TV-Z]{12,13}", value), value


@given(st.integers(0, 2**64 - 1))
def test_registry_ids_are_base32_in_crockfords_letters(value: int) -> None:
    # the reference: RFC 4648 base32 of the 8 bytes, re-lettered
    letters = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    expected = base64.b32encode(value.to_bytes(8, "big")).decode("ascii")[:13].translate(letters)
    assert _base32(value) == expected


@pytest.mark.parametrize(
    ("cell", "category", "custody"),
    [
        ("", Category.POW, Custody.OURS),
        (None, Category.POW, Custody.OURS),
        ("pow", Category.POW, Custody.OURS),
        ("civilian_internee", Category.CIVILIAN_INTERNEE, Custody.OURS),
        ("missing", Category.MISSING, Custody.OWN),
        ("deceased", Category.DECEASED, Custody.OURS),
    ],
)
def test_category_and_custody(cell: str | None, category: Category, custody: Custody) -> None:
    assert category_of(cell) is category
    assert custody_for(category) is custody


@pytest.mark.parametrize("cell", ["POW", "prisoner", "internee", "dead", "wounded"])
def test_an_unknown_category_is_refused_naming_the_allowed_ones(cell: str) -> None:
    with pytest.raises(InvalidInput, match="unknown category") as caught:
        category_of(cell)
    assert "civilian_internee" in str(caught.value)
    assert caught.value.field == "category"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "surname"),
        ({"surname": "  ", "given_name": ""}, "surname"),
        ({"surname": "Иванов", "birth_date": "1994-02-30"}, "birth_date"),
        ({"surname": "Иванов", "captured_on": "14.03.2001"}, "captured_on"),
        ({"surname": "Иванов", "sex": "m"}, "sex"),
        ({"surname": "Иванов", "nationality": "RUS"}, "nationality"),
        ({"surname": "Иванов", "nationality": "ru"}, "nationality"),
        ({"surname": "Иванов", "category": "soldier"}, "category"),
    ],
)
def test_identity_fields_that_cannot_be_right_are_refused_naming_the_field(
    fields: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_identity(fields)
    assert caught.value.field == field


def test_a_given_name_alone_is_enough_and_an_unidentified_person_needs_no_name() -> None:
    validate_identity({"given_name": "Дмитро"})
    validate_identity({"description": "tall, scar on left hand"}, unidentified=True)


def test_display_name() -> None:
    assert display_name({"surname": "Шевчук", "given_name": "Іван", "patronymic": None}) == "Шевчук Іван"
    assert display_name({"description": "без документов"}) == "без документов"
    assert display_name({}) == "(unidentified)"


def test_identity_changes_list_only_what_differs() -> None:
    current = {"surname": "Иванов", "given_name": "Иван", "rank": None}
    assert identity_changes(current, {"surname": "Иванов", "rank": ""}) == {}
    assert identity_changes(current, {"surname": "Іванов"}) == {"surname": ["Иванов", "Іванов"]}
    assert identity_changes(current, {"given_name": None}) == {"given_name": ["Иван", None]}


@pytest.mark.parametrize(
    ("category", "kinds"),
    [
        ("pow", ["registered"]),
        ("civilian_internee", ["registered"]),
        ("", ["registered"]),
        ("missing", ["registered", "reported_missing"]),
        ("deceased", ["registered", "died"]),
    ],
)
def test_registration_events_follow_the_category(category: str, kinds: list[str]) -> None:
    events = registration_events(
        "P1", {"surname": "Иванов", "category": category}, recorded_by="op", source="bureau"
    )
    assert [e.kind for e in events][: len(kinds)] == kinds
    # whatever the first events, the state they replay to fits the category
    sealed = _seal(events)
    state = replay("P1", sealed)
    expected = {
        "pow": "held",
        "civilian_internee": "held",
        "": "held",
        "missing": "missing",
        "deceased": "deceased",
    }[category]
    assert state.status.value == expected


def test_registration_refuses_unknown_fields() -> None:
    with pytest.raises(InvalidInput, match="blood_group"):
        registration_events(
            "P1", {"surname": "Иванов", "blood_group": "A+"}, recorded_by="op", source="bureau"
        )


def _seal(new: list[Any]) -> list[Any]:
    out: list[Any] = []
    for i, e in enumerate(new, start=1):
        out.append(seal(e, id=i, prev_hash=out[-1].hash if out else GENESIS_HASH, recorded_at=STAMP))
    return out


cells = st.none() | st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)


@settings(deadline=None)
@given(
    surname=st.text("АБВГДЕЖабвгдеж", min_size=1, max_size=10),
    category=st.sampled_from(["", "pow", "civilian_internee", "missing", "deceased"]),
    captured_on=st.sampled_from([None, "2022", "2023-04", "2024-05-06"]),
    rank=cells,
    place=st.none() | st.sampled_from(["CAMP-1", "HOSP-1"]),
    extra=st.dictionaries(st.sampled_from(["blood_group", "notes"]), st.text(min_size=1, max_size=5)),
    ref=st.none() | st.tuples(st.sampled_from(["default", "icrc"]), st.text(min_size=1, max_size=6)),
    unidentified=st.booleans(),
)
def test_the_fast_registration_state_equals_the_replay(
    surname: str,
    category: str,
    captured_on: str | None,
    rank: str | None,
    place: str | None,
    extra: dict[str, str],
    ref: tuple[str, str] | None,
    unidentified: bool,
) -> None:
    fields = {"surname": surname, "category": category or None, "captured_on": captured_on, "rank": rank}
    new = registration_events(
        "P1",
        fields,
        recorded_by="op",
        source="bureau",
        ref=ref,
        extra=extra,
        unidentified=unidentified,
        place=place,
    )
    replayed = replay("P1", _seal(new))
    fast = registration_state(
        "P1",
        custody=custody_for(category_of(category)),
        fields=fields,
        extra=extra,
        ref=ref,
        unidentified=unidentified,
        place=place,
        then=[e.kind for e in new[1:]],
        recorded_at=STAMP,
        recorded_by="op",
    )
    assert projection_row(fast) == projection_row(replayed)
    for state in (fast, replayed):
        row = projection_row(state)
        assert person_tuple(state) == tuple(row[c.name] for c in persons.columns)
    assert fast.refs == replayed.refs
    assert fast.conflicts == replayed.conflicts
    assert (fast.last_dated is None) == (replayed.last_dated is None)


any_text = st.text(
    st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Z", "Cc", "Cf")), max_size=12
)


@settings(deadline=None)
@given(
    custody=st.sampled_from(["ours", "own"]),
    fields=st.dictionaries(
        st.sampled_from(["person_ref", *IDENTITY_FIELDS]), st.none() | any_text, max_size=8
    ),
    extra=st.none() | st.dictionaries(any_text, any_text, max_size=3),
    ref=st.none() | st.tuples(any_text, any_text),
    unidentified=st.booleans(),
    origin=st.none()
    | st.fixed_dictionaries({"file": any_text, "line": st.integers(0, 10**9)})
    | st.dictionaries(any_text, st.none() | st.booleans() | st.integers() | any_text, max_size=3),
)
def test_the_written_out_payload_is_the_canonical_json(
    custody: str,
    fields: dict[str, str | None],
    extra: dict[str, str] | None,
    ref: tuple[str, str] | None,
    unidentified: bool,
    origin: dict[str, Any] | None,
) -> None:
    payload: dict[str, Any] = {
        "custody": custody,
        "fields": {k: v for k, v in fields.items() if v is not None},
    }
    if extra:
        payload["extra"] = extra
    if ref is not None:
        payload["ref"] = list(ref)
    if unidentified:
        payload["unidentified"] = True
    if origin:
        payload["origin"] = origin
    written = registration_payload(custody, fields, extra, ref, unidentified, origin)
    assert written == canonical_json(payload)
