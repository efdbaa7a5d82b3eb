"""Partial dates: 1994, 1994-03 or 1994-03-07, as sources write them.

A partial date is an interval of days. Comparison is three-valued: one date is
``BEFORE`` another, ``AFTER`` it, or they ``OVERLAP`` (1994 overlaps 1994-03). There
are deliberately no ``<``/``>`` operators: sort with :attr:`PartialDate.earliest` or
:attr:`PartialDate.latest`, saying which one you mean.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import lru_cache

from powbureau.domain.errors import InvalidInput

__all__ = ["Order", "PartialDate", "parse_partial_date"]

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_DOTTED = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")


class Order(Enum):
    """How two partial dates stand to each other."""

    BEFORE = "before"
    AFTER = "after"
    OVERLAPS = "overlaps"


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A year, a year and month, or a full date."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise InvalidInput(f"year {self.year} is out of range")
        if self.month is None and self.day is not None:
            raise InvalidInput("a day without a month is not a date")
        if self.month is not None and not 1 <= self.month <= 12:
            raise InvalidInput(f"{self.year:04d}-{self.month:02d}: there is no month {self.month}")
        if self.day is not None and self.month is not None:
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise InvalidInput(f"{self}: {calendar.month_name[self.month]} {self.year} has {last} days")

    def __str__(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def precision(self) -> str:
        """``year``, ``month`` or ``day``."""
        if self.month is None:
            return "year"
        return "month" if self.day is None else "day"

    @property
    def earliest(self) -> date:
        """The first day the date may mean."""
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> date:
        """The last day the date may mean."""
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return date(self.year, month, day)

    def compare(self, other: PartialDate) -> Order:
        """Say whether this date is wholly before, wholly after, or overlaps ``other``."""
        if self.latest < other.earliest:
            return Order.BEFORE
        if self.earliest > other.latest:
            return Order.AFTER
        return Order.OVERLAPS

    def contains(self, other: PartialDate) -> bool:
        """True when every day ``other`` may mean is a day this date may mean."""
        return self.earliest <= other.earliest and other.latest <= self.latest

    @classmethod
    def from_date(cls, value: date) -> PartialDate:
        """A full partial date from a calendar date."""
        return cls(value.year, value.month, value.day)


@lru_cache(maxsize=65536)
def parse_partial_date(text: str) -> PartialDate:
    """Read an ISO 8601 full or partial date.

    Args:
        text: ``1994``, ``1994-03`` or ``1994-03-07``.

    Returns:
        The partial date.

    Raises:
        InvalidInput: for anything else, naming the ISO form when the text is a
            day-first date such as ``14.03.2001``.

    Examples:
        >>> str(parse_partial_date("1994-03"))
        '1994-03'
    """
    value = text.strip()
    match = _ISO.match(value)
    if match is None:
        dotted = _DOTTED.match(value)
        if dotted:
            day, month, year = (int(g) for g in dotted.groups())
            hint = f"{year:04d}-{month:02d}-{day:02d}"
            try:
                PartialDate(year, month, day)
            except InvalidInput as exc:
                raise InvalidInput(
                    f"date {value!r} is not ISO 8601 (YYYY-MM-DD), and not a real date either: {exc}"
                ) from None
            raise InvalidInput(f"date {value!r} is not ISO 8601: write it as {hint}")
        raise InvalidInput(f"date {value!r} is not ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD)")
    year_text, month_text, day_text = match.groups()
    return PartialDate(
        int(year_text), int(month_text) if month_text else None, int(day_text) if day_text else None
    )
