"""The lifecycle: state derived from events; operators refused, outside news kept as conflicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powbureau.domain.errors import InvalidInput, RuleViolation
from powbureau.domain.events import (
    GENESIS_HASH,
    LIFECYCLE_KINDS,
    REPORT_KINDS,
    Event,
    EventKind,
    NewEvent,
    canonical_json,
    seal,
)
from powbureau.domain.lifecycle import (
    FIRST_HAND_SOURCES,
    PersonState,
    Status,
    check_entry,
    effective_events,
    replay,
    state_before,
)
from powbureau.domain.people import Custody
from powbureau.domain.registry import registration_events

PID = "P00000000000A"
TODAY = date(2026, 1, 1)
DEAD = {Status.DECEASED, Status.REMAINS_RETURNED}
OPERATOR_SOURCES = ["bureau", "document", "operator", "registrar", ""]
OUTSIDE_SOURCES = ["ICRC", "family", "adversary list", "the person", "press"]


@dataclass
class History:
    """A person's events, sealed into a chain, entered the way the service enters them."""

    events: list[Event] = field(default_factory=list)

    @classmethod
    def of(cls, category: str = "pow", captured_on: str | None = None) -> History:
        history = cls()
        fields = {
            "surname": "Коваленко",
            "given_name": "Дмитро",
            "category": category,
            "captured_on": captured_on,
        }
        for new in registration_events(PID, fields, recorded_by="op", source="bureau", ref=("default", "R1")):
            history.add(new)
        return history

    def add(self, new: NewEvent) -> Event:
        prev = self.events[-1].hash if self.events else GENESIS_HASH
        event = seal(
            new,
            id=len(self.events) + 1,
            prev_hash=prev,
            recorded_at=f"2026-01-01T00:00:{len(self.events):02d}.000000Z",
        )
        self.events.append(event)
        return event

    def state(self) -> PersonState:
        return replay(PID, self.events)

    def check(self, kind: str, on: str | None = None, source: str = "bureau") -> list[str]:
        return check_entry(self.state(), kind=kind, occurred_on=on, source=source, today=TODAY)

    def enter(
        self,
        kind: str,
        on: str | None = None,
        source: str = "bureau",
        place: str | None = None,
        corrects: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> tuple[Event, list[str]]:
        """Check an entry as the service does, then append it; RuleViolation propagates."""
        warnings = [] if kind == EventKind.RETRACTED else self.check(kind, on, source)
        event = self.add(
            NewEvent(
                PID,
                kind,
                occurred_on=on,
                place=place,
                source=source,
                payload=canonical_json(payload or {}),
                corrects=corrects,
                recorded_by="op",
            )
        )
        return event, warnings


def snapshot(state: PersonState) -> dict[str, Any]:
    """What a person's state says, without its bookkeeping (version, timestamps)."""
    return {
        "custody": state.custody,
        "fields": state.fields,
        "extra": state.extra,
        "refs": state.refs,
        "unidentified": state.unidentified,
        "status": state.status,
        "status_on": state.status_on,
        "place": state.place,
        "merged_into": state.merged_into,
        "last_dated": state.last_dated,
        "conflicts": state.conflicts,
    }


def conflict_ids(state: PersonState) -> set[int]:
    return {c.event_id for c in state.conflicts}


# ---------------------------------------------------------------------------------------
# Random histories


@st.composite
def dates(draw: st.DrawFn) -> str | None:
    if draw(st.booleans()):
        return None
    year = draw(st.integers(2022, 2025))
    precision = draw(st.sampled_from(["year", "month", "day", "day"]))
    if precision == "year":
        return f"{year}"
    month = draw(st.integers(1, 12))
    if precision == "month":
        return f"{year}-{month:02d}"
    return f"{year}-{month:02d}-{draw(st.integers(1, 28)):02d}"


entries = st.tuples(
    st.sampled_from(sorted(LIFECYCLE_KINDS)),
    dates(),
    st.sampled_from(OPERATOR_SOURCES + OUTSIDE_SOURCES),
    st.sampled_from(["CAMP-1", "CAMP-2", "HOSP-1", None]),
)
categories = st.sampled_from(["pow", "civilian_internee", "missing", "deceased"])


def play(category: str, steps: list[tuple[str, str | None, str, str | None]]) -> History:
    """Enter every step that is not refused, checking the rules as it goes."""
    history = History.of(category)
    for kind, on, source, place in steps:
        before = history.state()
        count = len(history.events)
        try:
            event, warnings = history.enter(kind, on, source, place)
        except RuleViolation as refused:
            # Refused: only a first-hand entry, never a report, and the reason names the kind.
            assert source.strip().lower() in FIRST_HAND_SOURCES
            assert kind not in REPORT_KINDS
            assert kind in str(refused)
            assert len(history.events) == count
            continue
        after = history.state()
        # Deceased is final: nothing brings a dead man back.
        if before.status in DEAD:
            assert after.status in DEAD, (before.status, kind, after.status)
        # What the check warned about is exactly what the replay flags as a conflict.
        assert (event.id in conflict_ids(after)) == bool(warnings), (kind, warnings, after.conflicts)
        # A first-hand entry that was accepted fits; its only possible warning is lateness.
        if source.strip().lower() in FIRST_HAND_SOURCES and kind not in REPORT_KINDS:
            assert all("reported late" in w for w in warnings), warnings
        # Nothing entered is dropped: every event counts in the version.
        assert after.version == len(history.events)
        # Old conflicts stay flagged.
        assert conflict_ids(before) <= conflict_ids(after)
    return history


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(categories, st.lists(entries, max_size=14))
def test_random_histories_follow_the_rules(category: str, steps: list[Any]) -> None:
    play(category, steps)


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(categories, st.lists(entries, min_size=1, max_size=12), st.data())
def test_a_retraction_restores_the_state_without_the_event(
    category: str, steps: list[Any], data: st.DataObject
) -> None:
    history = play(category, steps)
    target = data.draw(st.sampled_from(history.events), label="retracted")
    without = replay(PID, [e for e in history.events if e.id != target.id])
    retraction, _ = history.enter(EventKind.RETRACTED, corrects=target.id, source="bureau")
    assert snapshot(history.state()) == snapshot(without)
    # Retracting the retraction brings the event back.
    original = replay(PID, history.events[:-1])
    history.enter(EventKind.RETRACTED, corrects=retraction.id, source="bureau")
    assert snapshot(history.state()) == snapshot(original)
    assert history.state().version == len(history.events)


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(categories, st.lists(entries, min_size=1, max_size=12), entries)
def test_a_correction_of_the_last_event_replaces_it(
    category: str, steps: list[Any], replacement: Any
) -> None:
    history = play(category, steps)
    last = history.events[-1]
    kind, on, source, place = replacement
    fixed = Event(
        id=last.id,
        person_id=PID,
        kind=kind,
        occurred_on=on,
        place=place,
        recorded_at=last.recorded_at,
        recorded_by="op",
        source=source,
        payload="{}",
        corrects=None,
        prev_hash=last.prev_hash,
        hash=last.hash,
    )
    expected = replay(PID, [*history.events[:-1], fixed])
    history.add(
        NewEvent(PID, kind, occurred_on=on, place=place, source=source, corrects=last.id, recorded_by="op")
    )
    got = history.state()
    assert got.status == expected.status
    assert got.place == expected.place
    assert got.status_on == expected.status_on
    assert got.custody == expected.custody
    assert {c.reason for c in got.conflicts} == {c.reason for c in expected.conflicts}


# ---------------------------------------------------------------------------------------
# The rules, one by one


def test_registration_maps_the_category() -> None:
    assert History.of("pow").state().status is Status.HELD
    assert History.of("pow").state().custody is Custody.OURS
    assert History.of("civilian_internee").state().status is Status.HELD
    missing = History.of("missing").state()
    assert (missing.custody, missing.status) == (Custody.OWN, Status.MISSING)
    dead = History.of("deceased").state()
    assert dead.status is Status.DECEASED and dead.status_on is None
    assert [e.kind for e in History.of("missing").events] == ["registered", "reported_missing"]
    assert [e.kind for e in History.of("deceased").events] == ["registered", "died"]


def test_no_transfer_after_a_recorded_death_is_refused_for_an_operator() -> None:
    history = History.of("pow", "2024-01")
    history.enter("died", "2024-05-01")
    count = len(history.events)
    for source in OPERATOR_SOURCES:
        with pytest.raises(RuleViolation, match="no transferred after a recorded death"):
            history.enter("transferred", "2024-06", source)
    assert len(history.events) == count
    assert history.state().status is Status.DECEASED


@pytest.mark.parametrize("kind", ["released", "exchanged", "hospitalised", "escaped", "captured"])
def test_an_operator_entry_that_does_not_fit_is_refused_naming_the_kind(kind: str) -> None:
    history = History.of("pow", "2024-01")
    history.enter("died", "2024-05")
    with pytest.raises(RuleViolation) as refused:
        history.check(kind, "2024-06", "bureau")
    assert kind in str(refused.value)
    assert PID in str(refused.value)


def test_a_report_from_outside_that_does_not_fit_is_kept_as_a_conflict() -> None:
    history = History.of("pow", "2024-01")
    died, _ = history.enter("died", "2024-05-01")
    event, warnings = history.enter("transferred", "2024-06", "adversary list", "CAMP-9")
    assert warnings and "transferred" in warnings[0] and "conflict" in warnings[0]
    state = history.state()
    assert state.status is Status.DECEASED and state.status_on == "2024-05-01"
    assert event.id in conflict_ids(state)
    assert died.id not in conflict_ids(state)
    assert state.place is None


def test_a_release_reported_for_a_man_never_captured_is_kept_not_refused() -> None:
    history = History.of("missing")
    _, warnings = history.enter("captured", "2024-03", "ICRC")
    assert warnings
    assert history.state().status is Status.MISSING
    with pytest.raises(RuleViolation, match="captured does not apply to our own people"):
        history.check("captured", "2024-03", "bureau")


def test_late_news_is_kept_and_flagged() -> None:
    history = History.of("pow", "2024-01-10")
    history.enter("transferred", "2024-06-10", place="CAMP-2")
    late, warnings = history.enter("hospitalised", "2024-06-01", "ICRC", "HOSP-1")
    assert any("reported late" in w for w in warnings)
    state = history.state()
    assert late in history.events
    assert late.id in conflict_ids(state)
    # Late news does not move the person: the later, recorded transfer stands.
    assert (state.status, state.place, state.status_on) == (Status.HELD, "CAMP-2", "2024-06-10")


def test_late_news_from_an_operator_is_kept_with_a_warning() -> None:
    history = History.of("pow", "2024-01-10")
    history.enter("transferred", "2024-06-10", place="CAMP-2")
    warnings = history.check("transferred", "2024-02", "bureau")
    assert warnings and "reported late" in warnings[0]


def test_a_late_death_still_makes_the_person_deceased() -> None:
    history = History.of("pow", "2024-01-10")
    history.enter("transferred", "2024-06-10", place="CAMP-2")
    died, warnings = history.enter("died", "2024-03", "ICRC")
    assert warnings
    state = history.state()
    assert state.status is Status.DECEASED and died.id in conflict_ids(state)


def test_overlapping_dates_are_not_late() -> None:
    history = History.of("pow", "2024-01-10")
    history.enter("transferred", "2024-06-10", place="CAMP-2")
    assert history.check("transferred", "2024-06", "bureau") == []
    assert history.check("transferred", "2024", "bureau") == []


def test_a_retraction_restores_the_prior_state() -> None:
    history = History.of("pow", "2024-01")
    history.enter("transferred", "2024-02", place="CAMP-1")
    before = snapshot(history.state())
    died, _ = history.enter("died", "2024-05", "ICRC")
    assert history.state().status is Status.DECEASED
    history.enter("retracted", corrects=died.id, payload={"note": "reported in error"})
    assert snapshot(history.state()) == before
    # and the man can be transferred again
    assert history.check("transferred", "2024-06", "bureau") == []


def test_effective_events_leave_out_retracted_and_superseded_events() -> None:
    history = History.of("pow", "2024-01")
    a, _ = history.enter("transferred", "2024-02", place="CAMP-1")
    b, _ = history.enter("transferred", "2024-02", place="CAMP-2", corrects=a.id)
    r, _ = history.enter("retracted", corrects=b.id)
    kept = [e.id for e in effective_events(history.events)]
    assert a.id not in kept and b.id not in kept and r.id not in kept
    assert kept == [e.id for e in history.events if e.id < a.id]


def test_a_correction_replaces_the_event() -> None:
    history = History.of("pow", "2024-01")
    wrong, _ = history.enter("transferred", "2024-02", place="CAMP-1")
    history.enter("transferred", "2024-02", place="CAMP-2", corrects=wrong.id)
    state = history.state()
    assert (state.status, state.place, state.status_on) == (Status.HELD, "CAMP-2", "2024-02")
    assert state.conflicts == []


def test_a_correction_of_an_earlier_event_takes_its_place() -> None:
    history = History.of("pow", "2024-01")
    wrong, _ = history.enter("transferred", "2024-02", place="CAMP-1")
    history.enter("hospitalised", "2024-03", place="HOSP-1")
    history.enter("discharged", "2024-04")
    assert history.state().place == "CAMP-1"
    # The operator corrects the transfer: it was to CAMP-2, on the same day.
    check_state = state_before(PID, history.events, wrong.id)
    warnings = check_entry(
        check_state, kind="transferred", occurred_on="2024-02", source="bureau", today=TODAY
    )
    history.add(
        NewEvent(
            PID,
            "transferred",
            occurred_on="2024-02",
            place="CAMP-2",
            source="bureau",
            corrects=wrong.id,
            recorded_by="op",
        )
    )
    state = history.state()
    assert warnings == []
    assert state.conflicts == []
    assert (state.status, state.place) == (Status.HELD, "CAMP-2")


def test_discharge_returns_to_the_place_before_hospital() -> None:
    history = History.of("pow", "2024-01")
    history.enter("transferred", "2024-02", place="CAMP-1")
    history.enter("hospitalised", "2024-03", place="HOSP-1")
    assert (history.state().status, history.state().place) == (Status.HOSPITALISED, "HOSP-1")
    history.enter("discharged", "2024-04")
    assert (history.state().status, history.state().place) == (Status.HELD, "CAMP-1")
    history.enter("released", "2024-05")
    assert (history.state().status, history.state().place) == (Status.RELEASED, None)
    history.enter("repatriated", "2024-06")
    assert history.state().status is Status.REPATRIATED


def test_own_people_move_through_reports() -> None:
    history = History.of("missing")
    history.enter("reported_held_by_adversary", "2024-02", "ICRC")
    assert history.state().status is Status.HELD_BY_ADVERSARY
    history.enter("exchanged", "2024-07", "bureau")
    assert history.state().status is Status.EXCHANGED
    with pytest.raises(RuleViolation, match="transferred does not apply to our own people"):
        history.check("transferred", "2024-08", "bureau")


def test_escape_and_recapture() -> None:
    history = History.of("pow", "2024-01")
    history.enter("escaped", "2024-02")
    assert history.state().status is Status.ESCAPED and history.state().place is None
    with pytest.raises(RuleViolation, match="no transferred while the person is escaped"):
        history.check("transferred", "2024-03", "bureau")
    history.enter("recaptured", "2024-03", place="CAMP-2")
    assert (history.state().status, history.state().place) == (Status.HELD, "CAMP-2")


def test_remains_returned_only_after_death() -> None:
    history = History.of("pow", "2024-01")
    with pytest.raises(RuleViolation, match="remains_returned"):
        history.check("remains_returned", "2024-02", "bureau")
    history.enter("died", "2024-02")
    history.enter("remains_returned", "2024-04")
    assert history.state().status is Status.REMAINS_RETURNED
    with pytest.raises(RuleViolation, match="no died while the person is remains_returned"):
        history.check("died", "2024-05", "bureau")


@pytest.mark.parametrize("kind", ["registered", "merged", "unmerged"])
def test_kinds_with_their_own_command_cannot_be_entered(kind: str) -> None:
    with pytest.raises(InvalidInput, match=kind):
        History.of().check(kind)


def test_a_date_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidInput, match="future"):
        History.of().check("transferred", "2026-01-02")
    assert History.of().check("transferred", "2026-01-01") == []
    # A partial date that may mean today is not in the future.
    assert History.of().check("transferred", "2026") == []


def test_a_merged_record_takes_no_entries() -> None:
    history = History.of()
    history.add(NewEvent(PID, "merged", payload=canonical_json({"into": "PSURVIVOR"}), recorded_by="op"))
    assert history.state().merged_into == "PSURVIVOR"
    with pytest.raises(RuleViolation, match="PSURVIVOR"):
        history.check("transferred", "2024-06")
    history.add(NewEvent(PID, "unmerged", payload=canonical_json({"from": "PSURVIVOR"}), recorded_by="op"))
    assert history.state().merged_into is None
    assert history.check("transferred", "2024-06") == []


def test_identity_corrections_change_fields_and_extras() -> None:
    history = History.of()
    history.add(
        NewEvent(
            PID,
            "identity_corrected",
            recorded_by="op",
            payload=canonical_json(
                {
                    "changes": {"surname": ["Коваленко", "Коваленків"], "birth_date": [None, "1990"]},
                    "extra_changes": {"blood_group": [None, "A+"]},
                }
            ),
        )
    )
    state = history.state()
    assert state.fields["surname"] == "Коваленків"
    assert state.fields["birth_date"] == "1990"
    assert state.extra == {"blood_group": "A+"}
    assert state.status is Status.HELD
