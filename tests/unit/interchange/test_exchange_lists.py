"""exchange-list.csv read whole or refused whole, and reconciliation.csv written as the formats say."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from powbureau.domain.errors import ImportRejected, InvalidInput
from powbureau.interchange.exchange_lists import (
    RECONCILIATION_COLUMNS,
    read_exchange_list,
    read_reconciliation,
    write_reconciliation,
)
from powbureau.services.reconciliation import Reconciled

HEADER = (
    "list_ref,list_kind,claimed_state,medical_category,surname,given_name,patronymic,birth_date,"
    "rank,unit,service_number"
)
GOOD = [
    "L1,request,,,ГОНЧАРЕНКО,Дмитрий,Сергеевич,1994-03-07,рядовой,в/ч 12345,",
    "L2,held,wounded,seriously_wounded,Savchuk,Oleksandr,,1990,,,АБ-123456",
    "L3,offer,held,,Мельник,Андрій,Петрович,,солдат,,",
]


def write(path: Path, lines: list[str], *, encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def rejected(path: Path) -> str:
    with pytest.raises(ImportRejected) as info:
        read_exchange_list(path)
    return str(info.value)


def test_a_good_list_is_read_in_order_with_every_cell_as_written(tmp_path: Path) -> None:
    rows = read_exchange_list(write(tmp_path / "l.csv", [HEADER, *GOOD]))
    assert [(r.line, r.list_ref, r.list_kind) for r in rows] == [
        (2, "L1", "request"),
        (3, "L2", "held"),
        (4, "L3", "offer"),
    ]
    first, second = rows[0], rows[1]
    assert first.fields["surname"] == "ГОНЧАРЕНКО" and first.fields["unit"] == "в/ч 12345"
    assert first.fields["service_number"] is None  # an empty cell is "not known"
    assert first.claimed_state is None and first.medical_category is None
    assert (second.claimed_state, second.medical_category) == ("wounded", "seriously_wounded")
    assert second.fields["birth_date"] == "1990"  # partial dates are dates
    assert "rank" in first.fields and first.extra == {}


def test_optional_columns_may_be_absent_and_unknown_columns_are_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path / "l.csv",
        [
            "\ufefflist_kind,surname,list_ref,note,given_name",
            "request,Шевчук,A-1,фото в деле,Ігор",
            "held,Бойко,A-2,,",
        ],
    )
    rows = read_exchange_list(path)
    assert [r.list_ref for r in rows] == ["A-1", "A-2"]
    assert rows[0].extra == {"note": "фото в деле"} and rows[1].extra == {"note": ""}
    assert rows[0].claimed_state is None and rows[1].fields["given_name"] is None


def test_every_bad_row_is_named_with_line_column_and_reason(tmp_path: Path) -> None:
    path = write(
        tmp_path / "l.csv",
        [
            HEADER,
            GOOD[0],
            "L1,request,,,Коваль,Іван,,,,,",  # repeated ref
            "L4,swap,,,Коваль,Іван,,,,,",  # unknown kind
            "L5,,,,Коваль,Іван,,,,,",  # empty kind
            "L6,request,,,Коваль,Іван,,14.03.2001,,,",  # day-first date
            ",held,,,Коваль,Іван,,,,,",  # empty ref
            "L8,held,captured,,Коваль,Іван,,,,,",  # unknown claimed state
            "L9,held,,,,,Петрович,,,,",  # no name
            "L10,held,,,Коваль",  # too few cells
            "L11,offer,,,Коваль,Іван,,1994-02-30,,,",  # impossible date
        ],
    )
    message = rejected(path)
    assert "9 bad row(s)" in message
    assert "line 3, column list_ref: list_ref 'L1' already on line 2" in message
    assert "line 4, column list_kind: unknown list_kind 'swap' (allowed: offer, request, held)" in message
    assert "line 5, column list_kind: empty list_kind" in message
    assert "line 6, column birth_date:" in message and "2001-03-14" in message
    assert "line 7, column list_ref: empty list_ref" in message
    assert "line 8, column claimed_state: unknown claimed_state 'captured'" in message
    assert "line 9, column surname: empty name" in message
    assert "line 10, column *: 5 cells where the header has 11" in message
    assert "line 11, column birth_date:" in message and "February" in message


def test_a_row_with_several_faults_names_each(tmp_path: Path) -> None:
    message = rejected(write(tmp_path / "l.csv", [HEADER, ",held,dead,,Коваль,Іван,,07.03.1994,,,"]))
    assert "1 bad row(s)" in message
    for column in ("list_ref", "claimed_state", "birth_date"):
        assert f"line 2, column {column}:" in message


@pytest.mark.parametrize(("encoding", "named"), [("cp1251", "Windows-1251"), ("koi8-r", "KOI8-R")])
def test_a_legacy_encoding_is_refused_naming_it_unless_given(
    tmp_path: Path, encoding: str, named: str
) -> None:
    russian = "L3,offer,held,,Мельников,Андрей,Петрович,,рядовой,,"
    path = write(tmp_path / "l.csv", [HEADER, GOOD[0], russian], encoding=encoding)
    with pytest.raises(InvalidInput) as info:
        read_exchange_list(path)
    assert named in str(info.value) and "--encoding" in str(info.value)
    rows = read_exchange_list(path, encoding=encoding)
    assert rows[0].fields["surname"] == "ГОНЧАРЕНКО" and rows[1].fields["given_name"] == "Андрей"


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("list_kind,surname,given_name", "no list_ref column"),
        ("list_ref,surname,given_name", "no list_kind column"),
        ("list_ref,list_kind,rank", "it needs surname or given_name"),
        ("list_ref,list_kind,surname,surname", "'surname' appears twice"),
    ],
)
def test_a_header_that_cannot_be_read_is_refused(tmp_path: Path, header: str, words: str) -> None:
    with pytest.raises(InvalidInput) as info:
        read_exchange_list(write(tmp_path / "l.csv", [header, "L1,request,x,y"]))
    assert words in str(info.value)


def test_missing_and_empty_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        read_exchange_list(tmp_path / "absent.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InvalidInput, match="empty"):
        read_exchange_list(tmp_path / "empty.csv")


def test_a_protected_cell_is_read_as_it_was_meant(tmp_path: Path) -> None:
    rows = read_exchange_list(write(tmp_path / "l.csv", [HEADER, "'=L1,request,,,'-Коваль,Іван,,,,,"]))
    assert rows[0].list_ref == "=L1" and rows[0].fields["surname"] == "-Коваль"


def answers() -> list[Reconciled]:
    return [
        Reconciled(
            "L1",
            "matched",
            "held since 2024-05; agreed: surname (exact)",
            "P1",
            "S1",
            0.99994,
            (("P1", 0.99994),),
        ),
        Reconciled('=HYPERLINK("x")', "not_held", "no record as of 2026-11-24"),
        Reconciled("L3", "ambiguous", "-cannot tell apart S2, S3", candidates=(("P2", 0.4), ("P3", 0.4))),
        Reconciled("+L4", "deceased", "deceased on 2024-01-02", "P4", "@S4", 1.0, (("P4", 1.0),)),
    ]


def test_reconciliation_is_written_as_the_formats_say_and_read_back_cell_for_cell(tmp_path: Path) -> None:
    out = tmp_path / "reconciliation.csv"
    sha = write_reconciliation(out, answers())
    assert sha == hashlib.sha256(out.read_bytes()).hexdigest()
    assert not list(tmp_path.glob("*.partial"))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(RECONCILIATION_COLUMNS)
    assert lines[1] == "L1,S1,0.9999,matched,held since 2024-05; agreed: surname (exact)"
    assert lines[2].startswith('"\'=HYPERLINK(""x"")"') and lines[2].endswith(
        ",,,not_held,no record as of 2026-11-24"
    )
    assert lines[3] == 'L3,,,ambiguous,"\'-cannot tell apart S2, S3"'
    assert lines[4] == "'+L4,'@S4,1.0000,deceased,deceased on 2024-01-02"
    back = read_reconciliation(out)
    assert [r["list_ref"] for r in back] == ["L1", '=HYPERLINK("x")', "L3", "+L4"]
    assert back[3]["person_ref"] == "@S4" and back[2]["reason"] == "-cannot tell apart S2, S3"
    assert back[1]["person_ref"] == "" and back[1]["probability"] == ""


def test_the_same_answers_give_the_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert write_reconciliation(a, answers()) == write_reconciliation(b, answers())
    assert a.read_bytes() == b.read_bytes()
