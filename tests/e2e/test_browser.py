"""The web UI in a real browser (Debian's chromium, Playwright) against ``powbureau serve``
on SQLite: sign-in, language, the family pages at 360 px without JavaScript, and axe-core
on every main page. PostgreSQL is covered by the HTTP tests of the same pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import Staff, add_staff, axe_violations, browser, describe, sign_in
from cli_support import serving

from api_support import PASSWORD
from builders import Registry, add_places, agreed_exchange, make_registry, register
from powbureau.domain.access import Role
from powbureau.domain.exchanges import Formula
from powbureau.domain.inquiries import Channel as InquiryChannel
from powbureau.domain.inquiries import Inquirer
from powbureau.matching import TraceQuery
from powbureau.services import exchanges, inquiries

__all__ = ["browser"]


SOUGHT = {
    "surname": "Коваленко",
    "given_name": "Дмитро",
    "patronymic": "Сергійович",
    "birth_date": "2001-03-14",
    "unit": "A1234",
    "mother_name": "Наталія",
    "category": "pow",
    "captured_on": "2024-05-02",
}
ASKED_BY_PHONE = {"surname": "Мельник", "given_name": "Олег", "birth_date": "1990-07-01", "category": "pow"}
OWN_MISSING = {
    "surname": "Бондаренко",
    "given_name": "Тарас",
    "birth_date": "1988-09-30",
    "service_number": "UA-771203",
    "category": "missing",
    "nationality": "UA",
}


class Site:
    """The running service and the staff who use it."""

    def __init__(self, base: str, reg: Registry) -> None:
        self.base = base
        self.registry = reg
        self.second_officer: Staff | None = None
        self.exchange = ""
        self.agreed = ""
        self.person = ""
        self.sought = ""
        self.case = ""
        self._made = 0

    def fresh(self, role: Role) -> Staff:
        """A new account with ``role``: a second-factor code is good for one sign-in only."""
        self._made += 1
        return add_staff(self.registry, f"e2e-{role.value.replace('_', '-')}-{self._made}", role)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder: Path = tmp_path_factory.mktemp("site")
    with make_registry("sqlite", folder) as reg:
        add_places(reg, "CAMP-1")
        sought = register(reg, fields=SOUGHT, place="CAMP-1")
        register(reg, fields=OWN_MISSING)
        person = register(reg, fields=ASKED_BY_PHONE, place="CAMP-1")
        case = inquiries.open_inquiry(
            uow=reg.uow(),
            sought=TraceQuery(surname="Мельник", given_name="Олег", birth_date="1990"),
            inquirer=Inquirer("Ірина Мельник", "mother", "+380 50 000 00 00", InquiryChannel.PHONE),
            recorded_by="setup",
        ).case_id
        second = add_staff(reg, "e2e-second-officer", Role.TRACING_OFFICER)
        exchange = exchanges.create_exchange(
            uow=reg.uow(),
            party="the other party",
            formula=Formula.of("one_for_one", count=5),
            created_by="setup",
        )
        handed_over = register(reg, fields={**ASKED_BY_PHONE, "given_name": "Ілля"}, place="CAMP-1")
        agreed = agreed_exchange(reg.url, [handed_over])
        reg.engine.dispose()
        with serving(reg.url) as base:
            site = Site(base, reg)
            site.second_officer = second
            site.exchange, site.agreed = exchange, agreed
            site.person, site.case, site.sought = person, case, sought
            yield site


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-GB")
    try:
        yield context.new_page()
    finally:
        context.close()


def test_staff_sign_in_with_the_second_factor_and_land_on_their_start_page(site: Site, page: Any) -> None:
    page.goto(f"{site.base}/staff/dashboard")
    assert "/staff/login" in page.url
    sign_in(page, site.base, site.fresh(Role.AUDITOR))
    assert page.url.endswith("/staff/audit")
    assert page.get_by_role("heading", level=1).inner_text() == "Audit of reads of personal data"
    page.get_by_role("link", name="Dashboard").click()
    assert page.get_by_role("heading", name="Dashboard").is_visible()


def test_a_wrong_code_is_refused_with_one_message(site: Site, page: Any) -> None:
    page.goto(f"{site.base}/staff/login?lang=en")
    page.get_by_label("Account", exact=True).fill(site.fresh(Role.REGISTRAR).name)
    page.get_by_label("Password", exact=True).fill("not the password at all")
    page.get_by_label("Code from your authenticator app").fill("123456")
    page.get_by_role("button", name="Sign in").click()
    assert "Sign-in refused" in page.get_by_role("alert").inner_text()


def test_switching_language_is_remembered(site: Site, page: Any) -> None:
    sign_in(page, site.base, site.fresh(Role.AUDITOR))
    page.get_by_role("link", name="Русский").click()
    assert page.locator("html").get_attribute("lang") == "ru"
    page.goto(f"{site.base}/staff/dashboard")
    assert page.locator("html").get_attribute("lang") == "ru"
    page.get_by_role("link", name="Українська").click()
    assert page.locator("html").get_attribute("lang") == "uk"


@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
def test_the_family_form_works_without_javascript_at_360px(site: Site, browser: Any, lang: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.goto(f"{site.base}/public/inquiries/new?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        title = page.title()
        assert "Коваленко" not in title
        inputs = page.locator("form input:not([type=hidden])")
        assert inputs.count() > 5
    finally:
        context.close()


STAFF_PAGES = [
    (Role.HOTLINE_OPERATOR, "/staff/hotline"),
    (Role.HOTLINE_OPERATOR, "/staff/dashboard"),
    (Role.REGISTRAR, "/staff/registry"),
    (Role.REGISTRAR, "/staff/persons/new"),
    (Role.REGISTRAR, "/staff/persons/{person}"),
    (Role.REGISTRAR, "/staff/persons/{person}/events/new"),
    (Role.REGISTRAR, "/staff/persons/{person}/identity"),
    (Role.REGISTRAR, "/staff/persons/{person}/merge"),
    (Role.REGISTRAR, "/staff/imports"),
    (Role.REGISTRAR, "/staff/places"),
    (Role.TRACING_OFFICER, "/staff/tracing"),
    (Role.TRACING_OFFICER, "/staff/inquiries"),
    (Role.TRACING_OFFICER, "/staff/inquiries/{case}"),
    (Role.TRACING_OFFICER, "/staff/inquiries/{case}/candidates/{person}"),
    (Role.TRACING_OFFICER, "/staff/mail"),
    (Role.MEDICAL, "/staff/medical"),
    (Role.EXCHANGE_NEGOTIATOR, "/staff/exchanges"),
    (Role.EXCHANGE_NEGOTIATOR, "/staff/exchanges/{exchange}"),
    (Role.EXCHANGE_NEGOTIATOR, "/staff/exchanges/{exchange}/proposal"),
    (Role.EXCHANGE_NEGOTIATOR, "/staff/exchanges/{exchange}/execution"),
    (Role.EXCHANGE_NEGOTIATOR, "/staff/exchanges/{exchange}/terms"),
    (Role.EXCHANGE_NEGOTIATOR, "/staff/exchanges/{agreed}/execution"),
    (Role.LIAISON, "/staff/liaison"),
    (Role.AUDITOR, "/staff/audit"),
    (Role.ADMINISTRATOR, "/staff/admin"),
]


@pytest.mark.parametrize(("role", "path"), STAFF_PAGES, ids=[p for _, p in STAFF_PAGES])
def test_axe_finds_no_serious_violation_on_staff_pages(
    site: Site, browser: Any, role: Role, path: str
) -> None:
    context = browser.new_context(bypass_csp=True, locale="uk-UA")
    try:
        page = context.new_page()
        sign_in(page, site.base, site.fresh(role))
        answer = page.goto(
            site.base
            + path.format(person=site.person, case=site.case, exchange=site.exchange, agreed=site.agreed)
        )
        assert answer is not None and answer.status == 200, path
        found = axe_violations(page)
        assert not found, describe(found)
        asked = page.locator("main form[action$='/reason']")
        if asked.count():  # a person's page outside a case asks why first: check it, then the page
            asked.locator("input[value=list_check]").check()
            asked.locator("#f-why_text").fill("camp 1 roll call")
            asked.locator("button[type=submit]").click()
            page.wait_for_load_state()
            assert not asked.count(), path
            found = axe_violations(page)
            assert not found, describe(found)
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/staff/login", "/public/inquiries/new", "/public/follow-up"])
def test_axe_finds_no_serious_violation_on_open_pages(site: Site, browser: Any, path: str) -> None:
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{site.base}{path}")
        found = axe_violations(page)
        assert not found, describe(found)
    finally:
        context.close()


def test_the_accessibility_check_can_fail(browser: Any) -> None:
    page = browser.new_page()
    try:
        page.set_content("<html><body><form><input type='text'></form></body></html>")
        found = {v["id"] for v in axe_violations(page)}
        assert {"label", "html-has-lang"} <= found
    finally:
        page.close()


def test_a_family_asks_an_officer_confirms_and_the_family_reads_the_answer(site: Site, browser: Any) -> None:
    family = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    officer = browser.new_context(locale="en-GB")
    second = browser.new_context(locale="en-GB")
    try:
        # A mother writes in Russian, with the Russian form of her son's name.
        mother = family.new_page()
        mother.goto(f"{site.base}/public/inquiries/new?lang=ru")
        for field, value in {
            "surname": "Коваленко",
            "given_name": "Дмитрий",
            "patronymic": "Сергеевич",
            "birth_date": "2001-03-14",
            "unit": "A1234",
            "inquirer_name": "Наталья Коваленко",
            "relation": "мать",
            "contact": "+380 50 123 45 67",
        }.items():
            mother.locator(f"#f-{field}").fill(value)
        mother.locator("form button[type=submit]").click()
        # all_inner_texts does not wait: the page with the two codes may still be loading
        mother.locator("main code").nth(1).wait_for()
        codes = mother.locator("main code").all_inner_texts()
        reference, secret = codes[0], codes[1]
        assert reference.startswith("W-")
        # The officer finds the candidate in the review queue once the service has filed it.
        desk = officer.new_page()
        sign_in(desk, site.base, site.fresh(Role.TRACING_OFFICER))
        review = desk.locator(f"a[href$='/candidates/{site.sought}']").first
        for _ in range(30):
            if review.count():
                break
            desk.wait_for_timeout(500)
            desk.reload()
        review.click()
        assert "agrees" in desk.locator("main").inner_text()
        for check in desk.locator("input[name=checked]").all()[:3]:
            check.check()
        desk.get_by_role("button", name="Confirm the match").click()
        text = desk.locator("main").inner_text()
        if "Awaiting second officer" in text:
            assert site.second_officer is not None
            other = second.new_page()
            sign_in(other, site.base, site.second_officer)
            other.goto(desk.url)
            other.get_by_role("button", name="Countersign the confirmation").click()
            assert "Confirmed person" in other.locator("main").inner_text()
        # The officer verifies the mother by calling back, then answers her.
        case_url = desk.url.split("/candidates/")[0]
        desk.goto(case_url)
        desk.locator("select[id^=f-how-]").first.select_option("call_back")
        desk.get_by_role("button", name="Record the verification").click()
        desk.get_by_role("button", name="Answer inquirer", exact=False).first.click()
        assert "Print the answer letter (PDF)" in desk.locator("main").inner_text()
        # The mother reads the answer with her reference and secret.
        mother.goto(f"{site.base}/public/follow-up?lang=ru")
        mother.locator("#f-reference").fill(reference)
        mother.locator("#f-secret").fill(secret)
        mother.locator("form button[type=submit]").click()
        answer = mother.locator("main").inner_text()
        assert "Коваленко" not in mother.title()
        assert reference not in mother.url and secret not in mother.url
        assert "содержащееся под нашей охраной" in answer, answer
        assert mother.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        for context in (family, officer, second):
            context.close()


def test_the_hotline_hint_comes_as_the_operator_types_and_the_inquiry_is_filed(site: Site, page: Any) -> None:
    sign_in(page, site.base, site.fresh(Role.HOTLINE_OPERATOR))
    assert page.url.endswith("/staff/hotline")
    page.locator("#f-surname").press_sequentially("Коваленко", delay=20)
    hint = page.locator("#hint")
    hint.get_by_text("Nobody registered matches yet").wait_for()
    page.locator("#f-given_name").press_sequentially("Дима", delay=20)
    hint.get_by_text("Someone registered may be him").wait_for()
    assert "Дмитро" not in hint.inner_text() and "held" not in hint.inner_text()
    page.locator("#f-caller_name").fill("Наталія Коваленко")
    page.locator("#f-contact").fill("+380 50 123 45 67")
    page.locator("#f-relation").select_option("mother")
    page.get_by_role("button", name="File the inquiry").click()
    page.get_by_text("Inquiry filed").wait_for()
    assert page.locator("#call .reference").inner_text().startswith("T")
    assert page.url.endswith("/staff/hotline")
    assert page.locator("#f-surname").input_value() == ""


def test_an_exchange_list_is_uploaded_and_reconciled(site: Site, page: Any, tmp_path: Path) -> None:
    negotiator = site.fresh(Role.EXCHANGE_NEGOTIATOR)
    exchange = site.exchange
    held = tmp_path / "their-held.csv"
    held.write_text(
        "list_ref,list_kind,surname,given_name,birth_date,service_number\n"
        "H-1,held,БОНДАРЕНКО,Тарас,1988-09-30,UA-771203\n"
        "H-2,held,Невідомий,Петро,1979,\n",
        encoding="utf-8",
    )
    sign_in(page, site.base, negotiator)
    page.goto(f"{site.base}/staff/exchanges/{exchange}")
    page.get_by_label("The list (exchange-list.csv)").set_input_files(str(held))
    page.get_by_role("button", name="Upload the list").click()
    page.wait_for_url("**/lists/**")
    rows = page.locator("main").inner_text()
    assert "H-1" in rows and "H-2" in rows
    assert "matched" in rows or "ambiguous" in rows
    assert "not held" in rows or "no record" in rows
    page.goto(f"{site.base}/staff/exchanges/{exchange}")
    page.get_by_role("link", name="Change the terms").click()
    page.get_by_label("Crossing point").fill("КПП-7")
    page.get_by_label("Why the terms change").fill("moved by the ICRC")
    page.get_by_role("button", name="Save the new terms").click()
    page.wait_for_url(f"**/staff/exchanges/{exchange}#log")
    history = page.locator("ol.timeline").inner_text()
    assert "terms changed" in history and "КПП-7" in history and "moved by the ICRC" in history


def test_a_registrar_registers_a_man_and_records_his_transfer(site: Site, page: Any) -> None:
    sign_in(page, site.base, site.fresh(Role.REGISTRAR))
    assert page.url.endswith("/staff/registry")
    page.get_by_role("link", name="Register a person").first.click()
    page.locator("#f-surname").fill("Шевчук")
    page.locator("#f-given_name").fill("Андрій")
    page.locator("#f-birth_date").fill("1994-02-30")
    page.get_by_role("button", name="Register", exact=True).click()
    error = page.locator("#e-birth_date")
    assert error.is_visible() and page.locator("#f-surname").input_value() == "Шевчук"
    page.locator("#f-birth_date").fill("1994-02")
    page.locator("#f-captured_on").fill("2024-05-02")
    page.locator("#f-category").select_option("pow")
    page.locator("#f-place").select_option("CAMP-1")
    page.get_by_role("button", name="Register", exact=True).click()
    page.wait_for_url("**/staff/persons/P*")
    assert "Шевчук" in page.locator("main").inner_text()
    assert "Шевчук" not in page.title() and "Шевчук" not in page.url
    page.get_by_role("link", name="Record an event").click()
    page.locator("#f-kind").select_option("transferred")
    page.locator("#f-occurred_on").fill("2024-06-01")
    page.locator("#f-place").select_option("CAMP-1")
    page.get_by_role("button", name="Record the event").click()
    page.wait_for_url("**/staff/persons/P*")
    history = page.locator("ol.timeline").inner_text()
    assert "transferred" in history and "registered" in history


def test_staff_sign_in_and_reach_the_menu_with_the_keyboard_alone(site: Site, page: Any) -> None:
    staff = site.fresh(Role.AUDITOR)
    page.goto(f"{site.base}/staff/login?lang=en")
    assert page.evaluate("document.activeElement.id") == "f-name"  # the account field has the focus
    page.keyboard.type(staff.name)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(staff.code())
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/audit")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    page.keyboard.press("Enter")  # the skip link moves the focus to the page's content
    assert page.evaluate("document.activeElement.id") == "main"
    focusable = page.evaluate(
        "Array.from(document.querySelectorAll('a[href], button, input, select, textarea'))"
        ".filter(e => e.tabIndex < 0 && !e.disabled).length"
    )
    assert focusable == 0


def test_a_tracing_officer_estimates_the_prior_and_records_it(site: Site, browser: Any) -> None:
    # Last in the module: the prior it records scores every inquiry filed after it.
    context = browser.new_context(bypass_csp=True, locale="en-GB")  # axe is injected inline
    try:
        page = context.new_page()
        sign_in(page, site.base, site.fresh(Role.TRACING_OFFICER))
        assert page.url.endswith("/staff/tracing")
        page.get_by_role("button", name="Estimate the prior from the tracing cases").click()
        shown = page.locator("#estimate").inner_text()
        assert "Estimated from" in shown and "tracing cases" in shown
        found = axe_violations(page)
        assert not found, describe(found)
        page.get_by_role("button", name="Record this estimate as the bureau's prior").click()
        page.wait_for_url("**/staff/tracing?prior=recorded*")
        text = page.locator("section[aria-labelledby=prior]").inner_text()
        assert "is recorded as the bureau's prior" in text and "the tracing cases" in text
    finally:
        context.close()
