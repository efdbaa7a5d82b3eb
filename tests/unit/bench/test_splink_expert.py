"""The expert Splink peer's own pieces: name keys, the birth-date levels, the shared posterior."""

from __future__ import annotations

import math

import pytest
from bench import splink_expert

duckdb = pytest.importorskip("duckdb")


def test_encode_is_one_byte_per_letter_and_reversible() -> None:
    letters = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ"
    encoded = splink_expert.encode(letters)
    assert len(encoded.encode("ascii")) == len(letters)
    assert len(set(encoded)) == len(letters)


def _row(fields: dict[str, str], *, inquiry: bool) -> dict[str, object]:
    columns = [c for c, _ in splink_expert.COLUMNS]
    return dict(zip(columns, splink_expert.expert_row("r", fields, inquiry=inquiry), strict=True))


def test_a_diminutive_in_latin_and_the_full_ukrainian_form_share_every_key() -> None:
    mother = _row({"surname": "Kovalenko", "given_name": "Dima"}, inquiry=True)
    registered = _row(
        {"surname": "Коваленко", "given_name": "Дмитро", "patronymic": "Сергійович"}, inquiry=False
    )
    assert mother["surname"] == registered["surname"]
    assert mother["given1"] == registered["given1"]
    assert mother["patr1"] is None and registered["patr1"] is not None


def _birth_level(left: str | None, right: str | None) -> str:
    """The label of the first birth-date level whose SQL holds, as Splink evaluates it."""
    comparisons = splink_expert.settings()["comparisons"]
    comparison = next(c for c in comparisons if c["output_column_name"] == "birth")
    cases = " ".join(
        f"WHEN {level['sql_condition']} THEN '{level['label_for_charts']}'"
        for level in comparison["comparison_levels"]
        if level["sql_condition"] != "ELSE"
    )
    year = lambda d: int(d[:4]) if d else None  # noqa: E731
    row = duckdb.execute(
        f"SELECT CASE {cases} ELSE 'else' END FROM (SELECT ?::VARCHAR AS birth_l, ?::VARCHAR AS birth_r, "
        "?::INTEGER AS birth_year_l, ?::INTEGER AS birth_year_r)",
        [left, right, year(left), year(right)],
    ).fetchone()
    assert row is not None
    return str(row[0])


@pytest.mark.parametrize(
    ("left", "right", "label"),
    [
        ("1994-03-07", "1994-03-07", "exact date"),
        ("1994-03-07", "1994-07-03", "day and month swapped"),
        ("1994-03-07", "1994-03-01", "one digit off"),
        ("1994-03-07", "1995-03-07", "one digit off"),
        ("1994-03-07", "1993-03-07", "one digit off"),
        ("1990-03-07", "1989-03-07", "year off by one, day and month equal"),
        ("1994-03", "1994-03-07", "year and month (one side partial)"),
        ("1994", "1994-03-07", "year (one side year only)"),
        ("1994-05-11", "1994-03-07", "same year, day or month differ"),
        ("1995", "1994-03-07", "a year apart"),
        ("1990-01-01", "1994-03-07", "else"),
        (None, "1994-03-07", "missing"),
    ],
)
def test_birth_date_levels(left: str | None, right: str, label: str) -> None:
    assert _birth_level(left, right) == label


def test_candidates_share_one_probability() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE predictions (source_dataset_l VARCHAR, unique_id_l VARCHAR, unique_id_r VARCHAR, "
        "match_weight DOUBLE)"
    )
    prior_weight = -20.0
    # two namesakes, each with a Bayes factor of 2^30 against 1,000 registered men
    con.execute(
        "INSERT INTO predictions VALUES ('inquiries', 'q1', 'a', 10.0), ('inquiries', 'q1', 'b', 10.0), "
        "('registry', 'c', 'q2', 10.0)"
    )
    found = splink_expert.posteriors(con, "predictions", prior_weight, registered=1000)
    odds = 2**30 / 1000  # (PRIOR / N) BF / (1 - PRIOR) with PRIOR one half
    shared = pytest.approx(odds / (1 + 2 * odds))
    assert found["q1"] == [("a", shared), ("b", shared)]
    assert found["q1"][0][1] < 0.5
    assert found["q2"] == [("c", pytest.approx(odds / (1 + odds)))]
    assert math.isclose(found["q2"][0][1], 1 - 1 / (1 + odds))
