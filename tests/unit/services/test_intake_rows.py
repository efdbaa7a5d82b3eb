"""Bulk intake's prepared rows equal what the domain's own functions give for each row.

The chunk maker builds each row's events, hash pieces, projection row and match rows
directly; here every row of a chunk is rebuilt the slow way (``registration_events``,
``registration_state``, ``person_tuple``, ``match_rows``, ``hash_middle``) and the two
must be equal, value and type.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from powbureau.domain.events import GENESIS_HASH, chain_hash, event_hash, hash_head, hash_middle, hash_tail
from powbureau.domain.lifecycle import registration_state
from powbureau.domain.people import category_of, custody_for
from powbureau.domain.registry import registration_events
from powbureau.services.intake_rows import Good, PreparedChunk, Read, RowReader, _ChunkMaker
from powbureau.store.match_index import match_rows
from powbureau.store.repositories import person_tuple

STAMP = "2026-01-01T00:00:00.000000Z"


def _ids() -> Any:
    counter = itertools.count(1)
    return lambda: f"P{next(counter):013d}"


def _reference(
    header: list[str], rows: list[tuple[int, list[str]]], *, source: str, file: str
) -> PreparedChunk:
    """The chunk as the domain functions make it, one row at a time."""
    reader, new_id = RowReader(header), _ids()
    chunk = PreparedChunk(header, len(rows), [], [], [], [], [], [])
    for line, cells in rows:
        person_id = new_id()  # every row takes an id; a refused row leaves its own unused
        read = reader.read(line, cells)
        if not isinstance(read, Read):
            chunk.refused.append(read)
            continue
        ref, fields, extra = read
        events = registration_events(
            person_id,
            fields,
            recorded_by="op",
            source=source,
            ref=(source, ref),
            extra=extra,
            origin={"file": file, "line": line},
            validated=True,  # as the import does: the reader validated the row
        )
        state = registration_state(
            person_id,
            custody=custody_for(category_of(fields.get("category"))),
            fields=fields,
            extra=extra,
            ref=(source, ref),
            unidentified=False,
            place=None,
            then=[e.kind for e in events[1:]],
            recorded_at=STAMP,
            recorded_by="op",
        )
        profile, keys = match_rows(person_id, state.custody.value, state.fields, None)
        chunk.good.append(Good(line, ref, person_id, cells))
        chunk.persons.append(person_tuple(state))
        if profile is not None:
            chunk.profiles.append(profile)
        chunk.keys.extend(keys)
        for e in events:
            kind = str(e.kind)
            middle = hash_middle(
                person_id=person_id, kind=kind, occurred_on=e.occurred_on, place=e.place, payload=e.payload
            )
            chunk.events.append((person_id, kind, e.occurred_on, e.place, e.payload, middle))
    chunk.keys.sort()
    return chunk


def _typed(value: Any) -> Any:
    """The value with the type of every part, so that 1 == True does not pass."""
    if isinstance(value, tuple | list):
        return [type(value).__name__, *map(_typed, value)]
    return (type(value).__name__, value)


text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=8
)
cell = st.one_of(
    st.just(""),
    text,
    st.sampled_from(
        ["Иванов", "Коваленко", "Мар'яна", "O'Brien", 'Say "hi"', "a\\b", "'=1+2", "'-x", "Ü\u0301"]
    ),
)
OPTIONAL = [
    "patronymic",
    "birth_date",
    "sex",
    "nationality",
    "unit",
    "service_number",
    "mother_name",
    "father_name",
    "category",
    "captured_on",
    "capture_place",
    "citizenship",
    "legal_status",
    "description",
    "note",
    "blood_group",
]
VALUES: dict[str, Any] = {
    "birth_date": st.sampled_from(["", "1990", "1990-08", "1990-08-16", "1994-02-30", "16.08.1990"]),
    "captured_on": st.sampled_from(["", "2022", "2023-04", "2024-05-06", "2024-13-01"]),
    "category": st.sampled_from(["", "pow", "civilian_internee", "missing", "deceased", "spy", " pow"]),
    "sex": st.sampled_from(["", "M", "F", "X"]),
    "nationality": st.sampled_from(["", "RU", "UA", "ru"]),
    "citizenship": st.sampled_from(["", "RU", "UA"]),
    "unit": st.sampled_from(["", "в/ч 12345", "military unit 12345", "1065th Motor Rifle Regiment"]),
    "service_number": st.sampled_from(["", "АБ-123456", "AB 123456", "12"]),
    "mother_name": st.sampled_from(["", "Людмила", "Єрошенко Світлана Яківна", "Ivanova, Maria"]),
}


@st.composite
def files(draw: Any) -> tuple[list[str], list[tuple[int, list[str]]]]:
    columns = draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=len(OPTIONAL)))
    header = draw(st.permutations(["person_ref", "surname", "given_name", *columns]))
    rows = []
    for line in range(2, 2 + draw(st.integers(1, 6))):
        cells = [draw(VALUES.get(name, cell)) for name in header]
        if draw(st.booleans()):
            cells[header.index("person_ref")] = ""  # a derived ref
        if draw(st.integers(0, 9)) == 0:
            cells = cells[:-1]  # a short row: refused
        rows.append((line, cells))
    return header, rows


@settings(deadline=None, max_examples=300)
@given(file=files(), source=st.sampled_from(["bench", 'sender "A"', "джерело"]))
def test_a_prepared_chunk_is_what_the_domain_functions_give(
    file: tuple[list[str], list[tuple[int, list[str]]]], source: str
) -> None:
    header, rows = file
    maker = _ChunkMaker(header, source=source, recorded_by="op", file="p.csv", stamp=STAMP, new_id=_ids())
    fast = maker.make(rows)
    slow = _reference(header, rows, source=source, file="p.csv")
    assert _typed(list(fast)) == _typed(list(slow))


def test_the_hash_pieces_of_a_prepared_chunk_chain_to_the_event_hashes() -> None:
    header = ["person_ref", "surname", "given_name", "category", "captured_on"]
    rows = [
        (2, ["A1", "Иванов", "Иван", "missing", ""]),
        (3, ["A2", 'O"Brien', "", "deceased", "2024-05-06"]),
    ]
    chunk = _ChunkMaker(header, source="s", recorded_by="op", file="p.csv", stamp=STAMP, new_id=_ids()).make(
        rows
    )
    assert [e[1] for e in chunk.events] == ["registered", "reported_missing", "registered", "died"]
    head, tail = hash_head(None), hash_tail(recorded_at=STAMP, recorded_by="op", source="s")
    prev = GENESIS_HASH
    for number, (person_id, kind, occurred_on, place, payload, middle) in enumerate(chunk.events, start=1):
        digest = chain_hash(head, number, middle, prev, tail)
        assert digest == event_hash(
            id=number,
            person_id=person_id,
            kind=kind,
            occurred_on=occurred_on,
            place=place,
            recorded_at=STAMP,
            recorded_by="op",
            source="s",
            payload=payload,
            corrects=None,
            prev_hash=prev,
        )
        prev = digest
