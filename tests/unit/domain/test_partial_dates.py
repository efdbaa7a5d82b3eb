"""Partial dates: ISO 8601 year, month or day precision, compared three ways, never with <."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from powbureau.domain.dates import Order, PartialDate, parse_partial_date
from powbureau.domain.errors import InvalidInput


@st.composite
def partial_dates(draw: st.DrawFn, min_year: int = 1, max_year: int = 9999) -> PartialDate:
    year = draw(st.integers(min_year, max_year))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    if precision == "year":
        return PartialDate(year)
    month = draw(st.integers(1, 12))
    if precision == "month":
        return PartialDate(year, month)
    return PartialDate(year, month, draw(st.integers(1, calendar.monthrange(year, month)[1])))


# Dates near each other, so that the three orders all turn up often.
near_dates = partial_dates(min_year=1999, max_year=2001)


@settings(deadline=None)
@given(partial_dates())
def test_text_round_trip(d: PartialDate) -> None:
    text = str(d)
    assert parse_partial_date(text) == d
    assert str(parse_partial_date(text)) == text
    assert len(text) in (4, 7, 10)


@settings(deadline=None)
@given(partial_dates())
def test_precision_matches_the_text(d: PartialDate) -> None:
    assert d.precision == {4: "year", 7: "month", 10: "day"}[len(str(d))]
    assert d.earliest <= d.latest
    assert d.contains(d)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1994", PartialDate(1994)),
        ("1994-03", PartialDate(1994, 3)),
        ("1994-03-07", PartialDate(1994, 3, 7)),
        ("2000-02-29", PartialDate(2000, 2, 29)),
        (" 1994-03 ", PartialDate(1994, 3)),
    ],
)
def test_parse_accepts_iso_forms(text: str, expected: PartialDate) -> None:
    assert parse_partial_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1994-02-30",
        "1994-02-29",
        "1900-02-29",
        "1994-04-31",
        "1994-13",
        "1994-00",
        "1994-03-00",
        "0000",
        "94",
        "1994-3",
        "1994-03-7",
        "1994/03/07",
        "",
        "  ",
        "март 1994",
        "1994-03-07T10:00",
    ],
)
def test_parse_refuses_anything_else(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_partial_date(text)


def test_february_30_is_refused_with_a_reason() -> None:
    with pytest.raises(InvalidInput, match="February 1994 has 28 days"):
        parse_partial_date("1994-02-30")


@settings(deadline=None)
@given(st.integers(1, 9999), st.integers(1, 12), st.integers(29, 40))
def test_days_past_the_end_of_the_month_are_refused(year: int, month: int, day: int) -> None:
    assume(day > calendar.monthrange(year, month)[1])
    with pytest.raises(InvalidInput):
        PartialDate(year, month, day)
    with pytest.raises(InvalidInput):
        parse_partial_date(f"{year:04d}-{month:02d}-{day:02d}")


def test_a_day_needs_a_month() -> None:
    with pytest.raises(InvalidInput):
        PartialDate(1994, None, 7)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("14.03.2001", "2001-03-14"),
        ("14/03/2001", "2001-03-14"),
        ("1.3.2001", "2001-03-01"),
        ("07.11.1994", "1994-11-07"),
    ],
)
def test_day_first_dates_are_refused_naming_the_iso_form(text: str, iso: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_partial_date(text)
    assert iso in str(caught.value)
    assert text in str(caught.value)


@settings(deadline=None)
@given(st.dates(min_value=date(1000, 1, 1)))
def test_any_dotted_full_date_names_its_iso_form(d: date) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_partial_date(f"{d.day:02d}.{d.month:02d}.{d.year:04d}")
    assert d.isoformat() in str(caught.value)


def test_there_is_no_less_than() -> None:
    with pytest.raises(TypeError):
        _ = PartialDate(1994) < PartialDate(1995)  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = PartialDate(1994) > PartialDate(1995)  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = PartialDate(1994) <= PartialDate(1995)  # type: ignore[operator]
    with pytest.raises(TypeError):
        sorted([PartialDate(1995), PartialDate(1994)])  # type: ignore[type-var]


def test_year_and_month_of_it_are_different_dates_that_overlap() -> None:
    year, month = PartialDate(1994), PartialDate(1994, 3)
    assert year != month
    assert year.compare(month) is Order.OVERLAPS
    assert year.contains(month)
    assert not month.contains(year)
    assert PartialDate(1994, 3).compare(PartialDate(1994, 4, 1)) is Order.BEFORE
    assert PartialDate(1994, 4, 1).compare(PartialDate(1994, 3)) is Order.AFTER
    assert PartialDate(1994, 12, 31).compare(PartialDate(1995)) is Order.BEFORE


@settings(deadline=None)
@given(near_dates, near_dates)
def test_before_and_after_are_mirror_images(a: PartialDate, b: PartialDate) -> None:
    assert (a.compare(b) is Order.BEFORE) == (b.compare(a) is Order.AFTER)
    assert (a.compare(b) is Order.AFTER) == (b.compare(a) is Order.BEFORE)


@settings(deadline=None)
@given(near_dates, near_dates)
def test_overlap_is_symmetric(a: PartialDate, b: PartialDate) -> None:
    assert (a.compare(b) is Order.OVERLAPS) == (b.compare(a) is Order.OVERLAPS)


@settings(deadline=None)
@given(near_dates, near_dates)
def test_containment_implies_overlap(a: PartialDate, b: PartialDate) -> None:
    if a.contains(b):
        assert a.compare(b) is Order.OVERLAPS
        assert b.compare(a) is Order.OVERLAPS


@settings(deadline=None)
@given(near_dates, near_dates)
def test_compare_agrees_with_the_days_each_date_may_mean(a: PartialDate, b: PartialDate) -> None:
    order = a.compare(b)
    if order is Order.BEFORE:
        assert a.latest < b.earliest
    elif order is Order.AFTER:
        assert a.earliest > b.latest
    else:
        assert a.earliest <= b.latest and b.earliest <= a.latest


@settings(deadline=None)
@given(near_dates, near_dates, near_dates)
def test_before_is_transitive(a: PartialDate, b: PartialDate, c: PartialDate) -> None:
    if a.compare(b) is Order.BEFORE and b.compare(c) is Order.BEFORE:
        assert a.compare(c) is Order.BEFORE


@settings(deadline=None)
@given(st.dates())
def test_from_date_is_a_full_date(d: date) -> None:
    pd = PartialDate.from_date(d)
    assert pd.precision == "day"
    assert pd.earliest == pd.latest == d
    assert str(pd) == d.isoformat()
