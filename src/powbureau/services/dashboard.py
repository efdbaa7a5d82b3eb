"""The dashboard's figures: people held, arrivals and releases per week, open inquiries by
age and state, the review queue and exchanges in progress. Counts only: no person is named,
so nothing here is a read of person data to audit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from powbureau.store.uow import UnitOfWork

__all__ = ["AGE_BANDS", "ARRIVALS", "DEPARTURES", "Dashboard", "WeekCount", "dashboard"]

#: Events that bring a man into our hands, and those that end our custody of him.
ARRIVALS = ("captured", "registered")
DEPARTURES = ("released", "exchanged", "repatriated")
#: Open inquiries by age, in days: (label, up to and including).
AGE_BANDS: tuple[tuple[str, int | None], ...] = (
    ("0-7", 7),
    ("8-30", 30),
    ("31-90", 90),
    ("91+", None),
)


@dataclass(frozen=True)
class WeekCount:
    """Arrivals and departures recorded in the ISO week starting on ``monday``."""

    monday: date
    arrivals: int
    departures: int


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard shows."""

    held_by_category: list[tuple[str, int]]
    held_by_place: list[tuple[str, int]]
    weeks: list[WeekCount]
    open_by_state: list[tuple[str, int]]
    open_by_age: list[tuple[str, int]]
    under_review: int
    candidates_waiting: int
    exchanges: list[tuple[str, int]]

    @property
    def held(self) -> int:
        """All persons we hold now."""
        return sum(n for _, n in self.held_by_category)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _band(days: int) -> str:
    for label, most in AGE_BANDS:
        if most is None or days <= most:
            return label
    return AGE_BANDS[-1][0]


def dashboard(*, uow: UnitOfWork, weeks: int = 12, today: date | None = None) -> Dashboard:
    """The figures, counted in one snapshot of the registry."""
    today = today or datetime.now(UTC).date()
    first = _monday(today) - timedelta(weeks=weeks - 1)
    with uow:
        by_category = uow.figures.held("category")
        by_place = uow.figures.held("place")
        moves = uow.figures.events_since(ARRIVALS + DEPARTURES, first.isoformat())
        cases = uow.figures.open_cases()
        under_review = uow.figures.cases_under_review()
        waiting = uow.figures.candidates_waiting()
        in_progress = uow.figures.exchanges_by_state()
    arrivals: Counter[date] = Counter()
    departures: Counter[date] = Counter()
    for kind, at in moves:
        monday = _monday(date.fromisoformat(at[:10]))
        (arrivals if kind in ARRIVALS else departures)[monday] += 1
    mondays = [first + timedelta(weeks=n) for n in range(weeks)]
    states: Counter[str] = Counter(state for state, _ in cases)
    ages: Counter[str] = Counter(_band((today - date.fromisoformat(at[:10])).days) for _, at in cases)
    return Dashboard(
        held_by_category=by_category,
        held_by_place=by_place,
        weeks=[WeekCount(m, arrivals[m], departures[m]) for m in mondays],
        open_by_state=sorted(states.items()),
        open_by_age=[(label, ages[label]) for label, _ in AGE_BANDS],
        under_review=under_review,
        candidates_waiting=waiting,
        exchanges=in_progress,
    )
