"""Staff account rules: names, roles, passwords, the login throttle, session lifetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from powbureau.domain.access import Channel, Role
from powbureau.domain.accounts import (
    ABSOLUTE_TIMEOUT,
    ACCOUNT_POLICY,
    ADDRESS_POLICY,
    IDLE_TIMEOUT,
    Staff,
    ThrottlePolicy,
    address_key,
    check_password_rules,
    login_key,
    needs_second_factor,
    parse_roles,
    session_cookie_options,
    session_expires_at,
    validate_name,
)
from powbureau.domain.errors import InvalidInput

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
policies = st.sampled_from([ACCOUNT_POLICY, ADDRESS_POLICY])


@pytest.mark.parametrize("name", ["ivan.k", "o_petrenko", "admin-2", "ab", "a" * 64])
def test_good_account_names_are_kept(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "a", "Ivan", "1van", "os:ivan", "іван", "ivan k", "a" * 65, "-ab", ".ab"]
)
def test_bad_account_names_are_refused_naming_the_field(name: str) -> None:
    with pytest.raises(InvalidInput, match="account name") as info:
        validate_name(name)
    assert info.value.field == "name"


def test_login_key_folds_case_and_bounds_length() -> None:
    assert login_key("  Ivan.K ") == "ivan.k"
    assert len(login_key("x" * 10_000)) == 64


def test_roles_are_parsed_and_an_unknown_one_is_named() -> None:
    assert parse_roles(["registrar", Role.AUDITOR, "registrar"]) == {Role.REGISTRAR, Role.AUDITOR}
    with pytest.raises(InvalidInput, match=r"'warden'.*registrar") as info:
        parse_roles(["warden"])
    assert info.value.field == "roles"
    with pytest.raises(InvalidInput, match="at least one role"):
        parse_roles([])


@pytest.mark.parametrize("role", list(Role))
def test_every_role_needs_the_second_factor(role: Role) -> None:
    assert needs_second_factor([role])


def test_no_roles_need_no_second_factor() -> None:
    assert not needs_second_factor([])


@pytest.mark.parametrize(
    ("password", "ok"),
    [("x" * 11, False), ("x" * 12, True), (" " * 20, False), ("x" * 1024, True), ("x" * 1025, False)],
)
def test_password_rules(password: str, ok: bool) -> None:
    if ok:
        check_password_rules(password)
    else:
        with pytest.raises(InvalidInput) as info:
            check_password_rules(password)
        assert info.value.field == "password"


def test_the_account_delay_doubles_from_the_second_failure_up_to_the_cap() -> None:
    assert [ACCOUNT_POLICY.delay(n) for n in range(10)] == [0, 0, 1, 2, 4, 8, 16, 32, 60, 60]


def test_the_address_delay_allows_a_few_failures_and_has_a_higher_cap() -> None:
    assert [ADDRESS_POLICY.delay(n) for n in range(9)] == [0, 0, 0, 0, 0, 0, 1, 2, 4]
    assert ADDRESS_POLICY.delay(1000) == ADDRESS_POLICY.cap > ACCOUNT_POLICY.cap


def test_an_account_locks_at_ten_failures_and_an_address_never_does() -> None:
    assert [ACCOUNT_POLICY.locks(n) for n in (0, 9, 10, 11)] == [False, False, True, True]
    assert not ADDRESS_POLICY.locks(10**6)


@given(policies, st.integers(min_value=-5, max_value=10_000))
def test_the_delay_never_shrinks_and_never_passes_the_cap(policy: ThrottlePolicy, failures: int) -> None:
    assert 0 <= policy.delay(failures) <= policy.delay(failures + 1) <= policy.cap


@given(policies, st.integers(min_value=0, max_value=200), st.floats(min_value=0, max_value=7200))
def test_retry_after_counts_down_from_the_delay(policy: ThrottlePolicy, failures: int, waited: float) -> None:
    now = T0 + timedelta(seconds=waited)
    left = policy.retry_after(failures, T0, now)
    assert 0 <= left <= policy.delay(failures)
    if policy.current(failures, T0, now) == failures:
        assert left == pytest.approx(max(0.0, policy.delay(failures) - waited))


def test_address_failures_are_forgotten_after_an_hour_of_quiet_and_account_ones_are_not() -> None:
    later = T0 + timedelta(hours=1, seconds=1)
    assert ADDRESS_POLICY.current(50, T0, T0 + timedelta(minutes=59)) == 50
    assert ADDRESS_POLICY.current(50, T0, later) == 0
    assert ADDRESS_POLICY.retry_after(50, T0, T0 + timedelta(minutes=1)) > 0
    assert ACCOUNT_POLICY.current(9, T0, T0 + timedelta(days=30)) == 9


def test_no_failures_means_no_wait() -> None:
    assert ACCOUNT_POLICY.retry_after(0, None, T0) == 0


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        (" 192.0.2.7 ", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("", "unknown"),
        ("testclient", "testclient"),
    ],
)
def test_addresses_are_counted_by_subscriber(address: str, key: str) -> None:
    assert address_key(address) == key


def test_a_session_ends_after_idle_time_or_at_the_absolute_limit() -> None:
    assert session_expires_at(T0, T0) == T0 + IDLE_TIMEOUT
    late = T0 + ABSOLUTE_TIMEOUT - timedelta(minutes=5)
    assert session_expires_at(T0, late) == T0 + ABSOLUTE_TIMEOUT


def test_the_session_cookie_is_http_only_same_site_and_secure_unless_switched_off() -> None:
    options = session_cookie_options()
    assert options["httponly"] is True and options["secure"] is True and options["samesite"] == "strict"
    assert session_cookie_options(secure=False)["secure"] is False


def test_staff_reads_as_the_audit_logs_reader() -> None:
    staff = Staff("ivan.k", frozenset({Role.REGISTRAR, Role.TRACING_OFFICER}))
    reader = staff.reader(Channel.UI, case_id="T1")
    assert (reader.user, reader.roles, reader.case_id) == ("ivan.k", staff.roles, "T1")
    assert staff.has(Role.REGISTRAR) and not staff.has(Role.AUDITOR)
