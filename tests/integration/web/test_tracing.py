"""The tracing officer's pages through HTTP, on both databases: the review queue, a case,
the side-by-side review with a confirmation countersigned by a second officer, a rejection,
the printed answer letter, the e-mail queue and a transcription, refused roles."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

from pypdf import PdfReader

from builders import READER, Registry, event, register
from powbureau.domain.inquiries import Channel, Inquirer
from powbureau.matching import TraceQuery
from powbureau.services import inquiries, mail
from web_support import staff_browser

MAIL = Path(__file__).resolve().parents[2] / "data" / "mail"
MOTHER = Inquirer("Наталья Коваленко", "mother", "+380 50 000 00 00", Channel.PHONE, "uk")
DIMA = TraceQuery(surname="Коваленко", given_name="Дима", birth_date="2001")


def _kovalenko(reg: Registry) -> str:
    return register(
        reg,
        fields={
            "surname": "Коваленко",
            "given_name": "Дмитро",
            "patronymic": "Сергійович",
            "birth_date": "2001-03-14",
            "unit": "в/ч 12345",
        },
    )


def _case(reg: Registry, who: Inquirer = MOTHER) -> inquiries.OpenedCase:
    return inquiries.open_inquiry(uow=reg.uow(), sought=DIMA, inquirer=who, recorded_by="operator")


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_the_review_queue_lists_waiting_candidates_with_their_age(registry: Registry) -> None:
    person = _kovalenko(registry)
    opened = _case(registry)
    officer = staff_browser(registry, "officer-a", ["tracing_officer"])
    page = officer.get("/staff/tracing?lang=en")
    assert page.status_code == 200
    assert opened.case_id in page.text
    assert f'href="/staff/inquiries/{opened.case_id}/candidates/{person}"' in page.text
    assert "Age in days" in page.text
    assert "Коваленко" not in page.text.split("<title>")[1].split("</title>")[0]


def test_the_review_queue_says_which_prior_the_probabilities_assume(registry: Registry) -> None:
    from powbureau.services import tracing

    officer = staff_browser(registry, "officer-a", ["tracing_officer"])
    assert "half of family inquiries" in officer.get("/staff/tracing?lang=en").text
    tracing.record_bureau_prior(
        uow=registry.uow(),
        registered=0.62,
        inquiries=900,
        estimated_from="october.csv",
        recorded_by="officer-b",
    )
    page = officer.get("/staff/tracing?lang=en").text
    assert "62" in page and "officer-b" in page and "october.csv" in page
    assert "зареєстрованих" in officer.get("/staff/tracing?lang=uk").text


def test_a_confirmation_on_name_and_birth_year_waits_for_a_second_officer(registry: Registry) -> None:
    person = _kovalenko(registry)
    opened = _case(registry)
    first = staff_browser(registry, "officer-a", ["tracing_officer"])
    review = first.get(f"/staff/inquiries/{opened.case_id}/candidates/{person}?lang=en")
    assert review.status_code == 200
    assert 'class="agree"' in review.text and "agrees" in review.text
    assert "not given" in review.text  # the inquiry gives no unit
    assert "Calibrated probability" in review.text
    nothing = first.post(
        f"/staff/inquiries/{opened.case_id}/candidates/{person}/decision?lang=en",
        {"decision": "confirm", "notes": "by phone"},
    )
    assert nothing.status_code == 422
    assert 'id="e-checked"' in nothing.text and "Record what was checked" in nothing.text
    assert "by phone" in nothing.text  # what the officer typed is kept
    proposed = first.post(
        f"/staff/inquiries/{opened.case_id}/candidates/{person}/decision?lang=en",
        {"decision": "confirm", "checked": ["surname", "birth_year"]},
    )
    assert proposed.status_code == 200 and "Awaiting second officer" in proposed.text
    assert "Countersign the confirmation" not in proposed.text  # not by the one who proposed
    second = staff_browser(registry, "officer-b", ["tracing_officer"])
    other = second.get(f"/staff/inquiries/{opened.case_id}/candidates/{person}?lang=en")
    assert "Countersign the confirmation" in other.text
    signed = second.post(f"/staff/inquiries/{opened.case_id}/candidates/{person}/countersign?lang=en")
    assert signed.status_code == 200
    case = inquiries.case_view(
        uow=registry.uow(write=False),
        reader=READER,
        case_id=opened.case_id,
    )
    assert case["person_id"] == person
    confirmed = next(h for h in case["history"] if h["action"] == "match_confirmed")["detail"]
    assert confirmed["checked"] == ["surname", "birth_year"]
    assert confirmed["officer"] == "officer-a" and confirmed["second_officer"] == "officer-b"


def test_a_rejection_is_recorded_and_the_case_page_says_so(registry: Registry) -> None:
    person = _kovalenko(registry)
    opened = _case(registry)
    officer = staff_browser(registry, "officer-a", ["tracing_officer"])
    done = officer.post(
        f"/staff/inquiries/{opened.case_id}/candidates/{person}/decision?lang=en",
        {"decision": "reject", "notes": "another man"},
    )
    assert done.status_code == 200
    assert "rejected" in done.text and "(officer-a)" in done.text


def test_an_answer_is_printed_in_the_inquirers_language(registry: Registry) -> None:
    person = _kovalenko(registry)
    opened = _case(registry)
    officer = staff_browser(registry, "officer-a", ["tracing_officer"])
    officer.post(
        f"/staff/inquiries/{opened.case_id}/candidates/{person}/decision",
        {"decision": "confirm", "checked": ["birth_date_full", "unit"]},
    )
    base = f"/staff/inquiries/{opened.case_id}/inquirers/{opened.inquirer_id}"
    bad = officer.post(f"{base}/verification?lang=en", {"how": ""})
    assert bad.status_code == 422 and "Choose how the inquirer was verified" in bad.text
    assert f'id="e-how-{opened.inquirer_id}"' in bad.text
    assert officer.post(f"{base}/verification", {"how": "call_back", "note": "called"}).status_code == 200
    answered = officer.post(f"{base}/answer?lang=en")
    assert answered.status_code == 200 and "held" in answered.text
    letter = officer.get(f"/staff/inquiries/{opened.case_id}/letters/{opened.inquirer_id}.pdf")
    assert letter.status_code == 200 and letter.headers["content-type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")
    text = _pdf_text(letter.content)
    assert "перебуває у нас під вартою" in text
    assert opened.case_id in text


def test_a_death_is_never_written_in_a_letter(registry: Registry) -> None:
    person = _kovalenko(registry)
    event(registry, person, "died", occurred_on="2024-06")
    opened = _case(registry)
    first = staff_browser(registry, "officer-a", ["tracing_officer"])
    second = staff_browser(registry, "officer-b", ["tracing_officer"])
    review = f"/staff/inquiries/{opened.case_id}/candidates/{person}"
    first.post(f"{review}/decision", {"decision": "confirm", "checked": ["birth_date_full"]})
    assert second.post(f"{review}/countersign").status_code == 200
    base = f"/staff/inquiries/{opened.case_id}/inquirers/{opened.inquirer_id}"
    first.post(f"{base}/verification", {"how": "document"})
    first.post(f"{base}/answer")
    letter = first.get(f"/staff/inquiries/{opened.case_id}/letters/{opened.inquirer_id}.pdf?lang=en")
    assert letter.status_code == 409 and not letter.content.startswith(b"%PDF")
    assert "withheld" in letter.text
    # an inquirer with nothing to be told yet gets "no information yet", never a state
    other = inquiries.open_inquiry(
        uow=registry.uow(),
        sought=TraceQuery(surname="Шевчук", given_name="Олег"),
        inquirer=Inquirer("Олена", "wife", "+380 1", Channel.PHONE, "ru"),
        recorded_by="operator",
    )
    first.post(f"/staff/inquiries/{other.case_id}/inquirers/{other.inquirer_id}/answer")
    pdf = first.get(f"/staff/inquiries/{other.case_id}/letters/{other.inquirer_id}.pdf")
    text = _pdf_text(pdf.content).lower()
    assert pdf.status_code == 200 and other.case_id.lower() in text
    for word in ("умер", "скончал", "погиб", "died", "deceased", "смерт"):
        assert word not in text


def test_the_inquiry_list_searches_by_surname_and_case_id(registry: Registry) -> None:
    opened = _case(registry)
    other = inquiries.open_inquiry(
        uow=registry.uow(),
        sought=TraceQuery(surname="Шевчук", given_name="Олег"),
        inquirer=Inquirer("Олена", "wife", "+380 1", Channel.PHONE, "uk"),
        recorded_by="operator",
    )
    officer = staff_browser(registry, "officer-a", ["tracing_officer"])
    found = officer.get("/staff/inquiries", params={"q": "коваленко", "lang": "en"})
    assert opened.case_id in found.text and other.case_id not in found.text
    by_id = officer.get("/staff/inquiries", params={"q": other.case_id.lower()})
    assert other.case_id in by_id.text and opened.case_id not in by_id.text
    old = officer.get("/staff/inquiries", params={"older": "30"})
    assert opened.case_id not in old.text
    case = officer.get(f"/staff/inquiries/{opened.case_id}?lang=en")
    assert case.status_code == 200 and "Record the verification" in case.text
    assigned = officer.post(f"/staff/inquiries/{opened.case_id}/assignment?lang=en", {"officer": ""})
    assert assigned.status_code == 422 and 'id="e-officer"' in assigned.text
    officer.post(f"/staff/inquiries/{opened.case_id}/assignment", {"officer": "officer-b"})
    assert "officer-b" in officer.get(f"/staff/inquiries/{opened.case_id}").text


def test_an_email_is_read_as_text_and_transcribed_into_a_case(registry: Registry, tmp_path: Path) -> None:
    mail.ingest_mail(
        uow=registry.uow(),
        source=MAIL / "07-html-only.eml",
        outbox=tmp_path / "outbox",
        now=datetime(2024, 10, 12, tzinfo=UTC),
        sender="Bureau <inquiries@bureau.example>",
    )
    mail.ingest_mail(
        uow=registry.uow(),
        source=MAIL / "08-attachments.eml",
        outbox=tmp_path / "outbox",
        now=datetime(2024, 10, 12, tzinfo=UTC),
        sender="Bureau <inquiries@bureau.example>",
    )
    officer = staff_browser(registry, "officer-a", ["tracing_officer"])
    queue = officer.get("/staff/mail?lang=en")
    refs = re.findall(r'href="/staff/mail/(E\d+)"', queue.text)
    assert queue.status_code == 200 and len(refs) == 2
    html_only, attached = refs
    shown = officer.get(f"/staff/mail/{html_only}?lang=en")
    assert "<script" not in shown.text.split("<main")[1] and "shown as text" in shown.text
    with_files = officer.get(f"/staff/mail/{attached}")
    stored = mail.message_view(uow=registry.uow(write=False), message_key=attached)
    assert all(a["sha256"] in with_files.text for a in stored["attachments"])
    missing = officer.post(
        f"/staff/mail/{attached}/transcription?lang=en", {"inquirer_name": "Віктор", "relation": "father"}
    )
    assert missing.status_code == 422 and 'id="e-surname"' in missing.text
    filed = officer.post(
        f"/staff/mail/{attached}/transcription",
        {"surname": "Савчук", "given_name": "Андрій", "inquirer_name": "Віктор", "relation": "father"},
        follow_redirects=False,
    )
    assert filed.status_code == 303 and filed.headers["location"].startswith("/staff/inquiries/T")
    case_id = filed.headers["location"].rsplit("/", 1)[1]
    assert officer.get(filed.headers["location"]).status_code == 200
    assert mail.message_view(uow=registry.uow(write=False), message_key=attached)["case_id"] == case_id
    no_reason = officer.post(f"/staff/mail/{html_only}/rejection?lang=en", {"reason": " "})
    assert no_reason.status_code == 422 and 'id="e-reason"' in no_reason.text
    officer.post(f"/staff/mail/{html_only}/rejection", {"reason": "spam"})
    assert re.findall(r'href="/staff/mail/(E\d+)"', officer.get("/staff/mail").text) == []


def test_other_roles_are_refused_the_tracing_pages(registry: Registry) -> None:
    opened = _case(registry)
    operator = staff_browser(registry, "operator", ["hotline_operator"])
    registrar = staff_browser(registry, "clerk", ["registrar"])
    for browser in (operator, registrar):
        for url in (
            "/staff/tracing",
            "/staff/inquiries",
            f"/staff/inquiries/{opened.case_id}",
            "/staff/mail",
        ):
            assert browser.get(url).status_code == 403, url
        refused = browser.post(f"/staff/inquiries/{opened.case_id}/assignment", {"officer": "x"})
        assert refused.status_code == 403


def test_an_officer_estimates_the_prior_from_the_cases_and_records_it(registry: Registry) -> None:
    from powbureau.services import tracing

    officer = staff_browser(registry, "officer-a", ["tracing_officer"])
    empty = officer.post("/staff/tracing/prior/estimate?lang=en", {})
    assert empty.status_code == 422 and "no tracing cases to estimate from" in empty.text
    _kovalenko(registry)
    _case(registry)
    stranger = TraceQuery(surname="Невідомий", given_name="Петро", birth_date="1979")
    inquiries.open_inquiry(uow=registry.uow(), sought=stranger, inquirer=MOTHER, recorded_by="operator")
    expected = inquiries.estimate_prior_from_cases(uow=registry.uow(write=False))
    shown = officer.post("/staff/tracing/prior/estimate?lang=en", {})
    assert shown.status_code == 200 and "Estimated from 2 tracing cases" in shown.text
    seen = re.search(r'name="seen" value="([0-9.]+)"', shown.text)
    assert seen and abs(float(seen.group(1)) - expected.registered) < 1e-6
    assert tracing.read_bureau_prior(uow=registry.uow(write=False)) is None  # estimating records nothing
    stale = officer.post("/staff/tracing/prior?lang=en", {"seen": f"{expected.registered + 0.2:.6f}"})
    assert stale.status_code == 409 and "The cases changed since" in stale.text
    assert tracing.read_bureau_prior(uow=registry.uow(write=False)) is None
    forged = officer.http.post("/staff/tracing/prior", data={"seen": seen.group(1)})
    assert forged.status_code == 403
    clerk = staff_browser(registry, "clerk", ["registrar"])
    assert clerk.post("/staff/tracing/prior", {"seen": seen.group(1)}).status_code == 403
    assert clerk.post("/staff/tracing/prior/estimate", {}).status_code == 403
    assert tracing.read_bureau_prior(uow=registry.uow(write=False)) is None
    done = officer.post("/staff/tracing/prior", {"seen": seen.group(1)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/staff/tracing?prior=recorded#prior"
    prior = tracing.read_bureau_prior(uow=registry.uow(write=False))
    assert prior is not None
    assert (prior.registered, prior.inquiries, prior.estimated_from, prior.recorded_by) == (
        round(expected.registered, 4),
        2,
        "the tracing cases",
        "officer-a",
    )
    page = officer.get(done.headers["location"].split("#")[0] + "&lang=en")
    assert "is recorded as the bureau's prior" in page.text and "the tracing cases" in page.text
