"""E-mail inquiries on both databases: ingest, idempotence, transcription, candidates, answers.

The letters in tests/data/mail come in; an officer transcribes them into inquiries that
are matched at once; answers go out as .eml files in the inquirer's language, and never
say more than the contract allows.
"""

from __future__ import annotations

import mailbox
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from builders import READER, Registry, event, register
from powbureau.domain.errors import ConcurrentModification, InvalidInput, RuleViolation
from powbureau.domain.inquiries import Channel, Inquirer, answer_for
from powbureau.interchange.mail import ReceivedMessage, as_email, parse_message
from powbureau.matching import TraceQuery
from powbureau.services import inquiries, mail
from powbureau.store.mail import MailRepository
from powbureau.store.migrate import downgrade, upgrade

DATA = Path(__file__).resolve().parents[1] / "data" / "mail"
NOW = datetime(2024, 10, 12, 9, 0, tzinfo=UTC)
BUREAU = "Bureau <inquiries@bureau.example>"
MAIL_TABLES = {"mail_messages", "mail_attachments", "mail_outbox"}


def ingest(reg: Registry, outbox: Path, source: Path = DATA) -> mail.MailIngestSummary:
    return mail.ingest_mail(uow=reg.uow(), source=source, outbox=outbox, now=NOW, sender=BUREAU)


def letters_in(outbox: Path) -> list[Path]:
    return sorted((outbox / "new").iterdir())


def fixture(name: str) -> ReceivedMessage:
    return parse_message((DATA / name).read_bytes())


def view(reg: Registry, name: str) -> dict[str, Any]:
    return mail.message_view(uow=reg.uow(write=False), message_key=fixture(name).key)


def flat(text: str) -> str:
    return " ".join(text.split())


def letter_to(outbox: Path, address: str) -> list[ReceivedMessage]:
    return [
        m for m in (parse_message(p.read_bytes()) for p in letters_in(outbox)) if address in m.raw.decode()
    ]


def test_ingest_stores_everything_once_and_acknowledges_once(registry: Registry, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    first = ingest(registry, outbox)
    assert first.read == 11 and len(first.stored) == 11 and first.already == 0
    assert [reason for _, reason in first.malformed] == [fixture("10-malformed.eml").malformed]
    assert sorted(reason for _, reason in first.not_acknowledged) == [
        "Auto-Submitted: auto-replied",
        "no sender address",
    ]
    written = letters_in(outbox)
    assert len(first.acknowledged) == len(written) == 9
    replied_to = {as_email(p.read_bytes())["In-Reply-To"] for p in written}
    expected = {fixture(p.name).message_id for p in DATA.glob("*.eml")} - {"<autoreply-5521@example.net>"}
    assert replied_to == expected  # None: the letter without a Message-ID

    again = ingest(registry, outbox)
    assert again.read == 11 and again.stored == [] and again.already == 11
    assert again.acknowledged == [] and again.letters_recovered == 0
    assert letters_in(outbox) == written

    queue = mail.transcription_queue(uow=registry.uow(write=False), limit=100)
    assert len(queue) == 11 and all(r["state"] == "awaiting_transcription" for r in queue)
    with registry.uow(write=False) as uow:
        for path in DATA.glob("*.eml"):
            stored = uow.mail.get(parse_message(path.read_bytes()).key, raw=True)
            assert stored["raw"] == path.read_bytes() and stored["source_path"] == str(path)
        pdf_message = uow.mail.get(fixture("08-attachments.eml").key)
        files = uow.mail.attachments_of(pdf_message["id"], data=True)
    assert [(f["filename"], f["sha256"], f["data"]) for f in files] == [
        (a.filename, a.sha256, a.data) for a in fixture("08-attachments.eml").attachments
    ]


def test_a_maildir_with_the_same_messages_adds_nothing(registry: Registry, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    ingest(registry, outbox, DATA / "01-utf8-base64.eml")
    box = tmp_path / "Maildir"
    mailbox.Maildir(box, create=True)
    shutil.copy(DATA / "01-utf8-base64.eml", box / "cur" / "1700000001.M1P1.host:2,S")
    shutil.copy(DATA / "09-no-message-id.eml", box / "new" / "1700000002.M1P1.host")
    summary = ingest(registry, outbox, box)
    assert summary.read == 2 and summary.already == 1 and len(summary.stored) == 1
    assert len(letters_in(outbox)) == 2
    assert (box / "new" / "1700000002.M1P1.host").exists()  # the source is never changed


@pytest.mark.parametrize(
    ("name", "address", "words"),
    [
        ("01-utf8-base64.eml", "oksana.melnychuk@example.com", "Ваш лист від 20 травня 2024 р. надійшов"),
        ("02-koi8r-qp.eml", "v.gromov@example.ru", "Ваше письмо от 19 марта 2024 г. дошло"),
        ("04-wrong-charset.eml", "anna.lapteva@example.net", "Ваше письмо от 15 августа 2024 г."),
        ("07-html-only.eml", "iryna.bondar@example.com", "Доброго дня, Iryna Bondar!"),
        ("08-attachments.eml", "viktor.savchuk@example.com", "До вашого листа додано 2 файли;"),
        ("09-no-message-id.eml", "l.morozova@example.org", "Your letter of October 10, 2024 has reached us."),
    ],
)
def test_the_acknowledgement_is_in_the_language_of_the_letter(
    registry: Registry, tmp_path: Path, name: str, address: str, words: str
) -> None:
    outbox = tmp_path / "outbox"
    summary = ingest(registry, outbox, DATA / name)
    [ack] = letter_to(outbox, address)
    assert words in flat(ack.body)
    assert f"{summary.stored[0]}" in flat(ack.body)  # the reference to quote
    assert ack.sender_address == "inquiries@bureau.example"
    assert view(registry, name)["letters"][0]["kind"] == "acknowledgement"


def transcribe(reg: Registry, name: str, officer: str = "officer-a", **sought: str) -> inquiries.OpenedCase:
    return mail.transcribe_message(
        uow=reg.uow(),
        message_key=fixture(name).key,
        officer=officer,
        sought=sought,
        inquirer_name=fixture(name).sender_name or "?",
        relation="mother",
    )


def confirm(reg: Registry, opened: inquiries.OpenedCase, person: str, **kwargs: Any) -> None:
    inquiries.decide_candidate(
        uow=reg.uow(),
        case_id=opened.case_id,
        person_ref=person,
        confirm=True,
        officer="officer-a",
        checked=kwargs.pop("checked", ["birth_date_full", "patronymic"]),
        **kwargs,
    )


def answer(reg: Registry, opened: inquiries.OpenedCase, outbox: Path) -> Path:
    return mail.send_answer(
        uow=reg.uow(),
        case_id=opened.case_id,
        inquirer_id=opened.inquirer_id,
        officer="officer-a",
        outbox=outbox,
        sender=BUREAU,
    )


def verify(reg: Registry, opened: inquiries.OpenedCase) -> None:
    inquiries.verify_inquirer(
        uow=reg.uow(), inquirer_id=opened.inquirer_id, how="call_back", officer="officer-a"
    )


def test_transcribe_match_confirm_and_answer_held_in_ukrainian(registry: Registry, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    ingest(registry, outbox)
    person = register(
        registry,
        fields={
            "surname": "Мельничук",
            "given_name": "Андрій",
            "patronymic": "Петрович",
            "birth_date": "1998-03-14",
            "unit": "в/ч А1234",
        },
    )
    opened = transcribe(
        registry, "01-utf8-base64.eml", surname="Мельничук", given_name="Андрій", patronymic="Петрович",
        birth_date="1998-03-14", unit="в/ч А1234",
    )  # fmt: skip
    assert opened.new_case and opened.state == "under_review" and opened.candidates == 1
    case = inquiries.case_view(uow=registry.uow(write=False), reader=READER, case_id=opened.case_id)
    assert [c["person_id"] for c in case["candidates"]] == [person]
    [inquirer] = case["inquirers"]
    assert (inquirer["channel"], inquirer["contact"], inquirer["language"], inquirer["source"]) == (
        "email", "oksana.melnychuk@example.com", "uk", "email",
    )  # fmt: skip
    assert inquirer["query_ref"] == fixture("01-utf8-base64.eml").key
    assert "mail_transcribed" in [h["action"] for h in case["history"]]
    message = view(registry, "01-utf8-base64.eml")
    assert (message["state"], message["case_id"], message["inquirer_id"]) == (
        "transcribed", opened.case_id, opened.inquirer_id,
    )  # fmt: skip
    assert message["transcribed_by"] == "officer-a" and message["claimed_by"] is None
    queue = mail.transcription_queue(uow=registry.uow(write=False))
    assert message["id"] not in [r["id"] for r in queue] and len(queue) == 10

    with pytest.raises(RuleViolation, match="already transcribed by officer-a"):
        transcribe(registry, "01-utf8-base64.eml", surname="Мельничук")
    with pytest.raises(RuleViolation, match="already transcribed"):
        mail.reject_message(uow=registry.uow(), message_key=message["ref"], officer="b", reason="spam")

    confirm(registry, opened, person)
    before = letters_in(outbox)
    with pytest.raises(RuleViolation, match="withheld: the inquirer's relation has not been verified"):
        answer(registry, opened, outbox)
    assert letters_in(outbox) == before
    verify(registry, opened)
    path = answer(registry, opened, outbox)
    letter = parse_message(path.read_bytes())
    assert letter.subject == f"Відповідь на ваш запит (справа {opened.case_id})"
    body = flat(letter.body)
    assert "Мельничук Андрій Петрович — перебуває у нас під вартою." in body
    assert body.startswith("Доброго дня, Оксана Мельничук!")
    assert b"In-Reply-To: <CAJx4m2V0pQ8xK7r1bN9dWm3fH5u2Lq@mail.example.com>" in letter.raw
    assert b"oksana.melnychuk@example.com" in letter.raw
    logged = view(registry, "01-utf8-base64.eml")["letters"]
    assert [(w["kind"], w["answer"]) for w in logged] == [("acknowledgement", None), ("answer", "held")]
    assert logged[1]["path"] == str(path) and logged[1]["sha256"] == letter.sha256
    case = inquiries.case_view(uow=registry.uow(write=False), reader=READER, case_id=opened.case_id)
    assert case["state"] == "answered"


def test_released_with_the_date_in_russian(registry: Registry, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    ingest(registry, outbox, DATA / "02-koi8r-qp.eml")
    person = register(
        registry,
        fields={"surname": "Громов", "given_name": "Кирилл", "patronymic": "Викторович", "birth_date": "1996",
                "unit": "войсковая часть 12345", "mother_name": "Громова Людмила Ивановна"},
    )  # fmt: skip
    event(registry, person, "released", occurred_on="2024-06-11")
    opened = transcribe(
        registry, "02-koi8r-qp.eml", surname="Громов", given_name="Кирилл", patronymic="Викторович",
        birth_date="1996", unit="в/ч 12345", mother_name="Людмила",
    )  # fmt: skip
    assert opened.candidates == 1
    confirm(registry, opened, person, checked=["patronymic", "unit"])
    verify(registry, opened)
    letter = parse_message(answer(registry, opened, outbox).read_bytes())
    body = flat(letter.body)
    assert "Громов Кирилл Викторович — освобождено." in body and "Дата: 11 июня 2024 г." in body
    assert body.startswith("Здравствуйте, Виктор Громов!")
    for never in ("под стражей", "обмен", "умер", "погиб"):
        assert never not in body


def test_no_information_yet_in_english_says_nothing_about_anyone(registry: Registry, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    ingest(registry, outbox, DATA / "09-no-message-id.eml")
    register(registry, fields={"surname": "Морозов", "given_name": "Павел", "birth_date": "1970-05-05"})
    opened = transcribe(
        registry, "09-no-message-id.eml", surname="Morozov", given_name="Pavel", birth_date="1997-02-02",
        unit="30616",
    )  # fmt: skip
    assert opened.state == "acknowledged" and opened.candidates == 0
    letter = parse_message(answer(registry, opened, outbox).read_bytes())
    body = flat(letter.body)
    assert body.startswith("Dear Lidia Morozova, ")
    rest = body.removeprefix("Dear Lidia Morozova, ")
    assert rest.startswith("We do not yet have information about the person you asked about")
    for never in ("Morozov", "Pavel", "held", "custody", "released", "not held"):
        assert never not in rest
    assert b"In-Reply-To" not in letter.raw  # the letter had no Message-ID to reply to


def test_a_death_is_never_written_only_please_contact_us(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = tmp_path / "outbox"
    ingest(registry, outbox, DATA / "03-cp1251-8bit.eml")
    person = register(
        registry,
        fields={
            "surname": "Саввин",
            "given_name": "Олег",
            "patronymic": "Николаевич",
            "birth_date": "1989-07-12",
        },
    )
    event(registry, person, "died", occurred_on="2024-08")
    opened = transcribe(
        registry, "03-cp1251-8bit.eml", surname="Саввин", given_name="Олег", patronymic="Николаевич",
        birth_date="1989-07-12",
    )  # fmt: skip
    confirm(registry, opened, person, second_officer="officer-b")
    verify(registry, opened)
    before = letters_in(outbox)
    with pytest.raises(RuleViolation, match="withheld: the death record is not complete"):
        answer(registry, opened, outbox)
    assert letters_in(outbox) == before

    # Once the registry holds a complete death record, the answer is "deceased": told by a
    # person. The letter then asks the family to contact us, and says nothing else.
    monkeypatch.setattr(
        inquiries, "answer_for", lambda **kw: answer_for(**{**kw, "death_record_complete": True})
    )
    letter = parse_message(answer(registry, opened, outbox).read_bytes())
    assert flat(letter.body) == flat(
        f"Здравствуйте, Marina Savvina! Пожалуйста, свяжитесь с нами. Дело: {opened.case_id} "
        "С уважением, Информационное бюро по делам военнопленных"
    )
    logged = view(registry, "03-cp1251-8bit.eml")["letters"]
    assert logged[-1]["answer"] == "deceased"


def test_reject_sets_a_message_aside(registry: Registry, tmp_path: Path) -> None:
    ingest(registry, tmp_path / "outbox", DATA / "11-auto-reply.eml")
    key = fixture("11-auto-reply.eml").key
    with pytest.raises(InvalidInput, match="say why"):
        mail.reject_message(uow=registry.uow(), message_key=key, officer="officer-a", reason=" ")
    mail.reject_message(
        uow=registry.uow(), message_key=key, officer="officer-a", reason="an out-of-office reply"
    )
    message = view(registry, "11-auto-reply.eml")
    assert (message["state"], message["rejected_reason"]) == ("rejected", "an out-of-office reply")
    assert mail.transcription_queue(uow=registry.uow(write=False)) == []
    with pytest.raises(RuleViolation, match="rejected by officer-a: an out-of-office reply"):
        transcribe(registry, "11-auto-reply.eml", surname="Кравець")


def test_two_officers_cannot_file_one_message_twice(registry: Registry, tmp_path: Path) -> None:
    ingest(registry, tmp_path / "outbox", DATA / "06-rfc2047-headers.eml")
    key = fixture("06-rfc2047-headers.eml").key
    with pytest.raises(ConcurrentModification, match="you had 7"):
        mail.transcribe_message(
            uow=registry.uow(), message_key=key, officer="officer-b", sought={"surname": "Ковальчук"},
            inquirer_name="Ганна", relation="grandmother", expected_version=7,
        )  # fmt: skip
    # officer A is in the middle of filing it
    claimed_at = datetime.now(UTC)
    with registry.uow() as uow:
        row = uow.mail.get(key)
        uow.mail.save(row["id"], expected_version=row["version"], claimed_by="officer-a",
                      claimed_at=claimed_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))  # fmt: skip
        uow.commit()
    with pytest.raises(ConcurrentModification, match="being transcribed by officer-a"):
        transcribe(registry, "06-rfc2047-headers.eml", officer="officer-b", surname="Ковальчук")
    # ...and died: after ten minutes another officer may take it over
    with registry.uow() as uow:
        row = uow.mail.get(key)
        stale = (claimed_at - timedelta(minutes=11)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        uow.mail.save(row["id"], expected_version=row["version"], claimed_at=stale)
        uow.commit()
    opened = transcribe(registry, "06-rfc2047-headers.eml", officer="officer-b", surname="Ковальчук")
    assert view(registry, "06-rfc2047-headers.eml")["transcribed_by"] == "officer-b"
    assert opened.new_case


def test_a_transcription_that_stopped_after_filing_is_linked_not_filed_again(
    registry: Registry, tmp_path: Path
) -> None:
    ingest(registry, tmp_path / "outbox", DATA / "08-attachments.eml")
    key = fixture("08-attachments.eml").key
    earlier = inquiries.open_inquiry(
        uow=registry.uow(),
        sought=TraceQuery(surname="Савчук", given_name="Олександр"),
        inquirer=Inquirer("Віктор Савчук", "brother", "viktor.savchuk@example.com", Channel.EMAIL, "uk"),
        recorded_by="officer-a",
        source=mail.MAIL_SOURCE,
        query_ref=key,
    )
    opened = transcribe(registry, "08-attachments.eml", surname="Савчук", given_name="Олександр")
    assert (opened.case_id, opened.inquirer_id) == (earlier.case_id, earlier.inquirer_id)
    case = inquiries.case_view(uow=registry.uow(write=False), reader=READER, case_id=opened.case_id)
    assert len(case["inquirers"]) == 1
    assert view(registry, "08-attachments.eml")["state"] == "transcribed"


def test_a_failed_filing_releases_the_claim(registry: Registry, tmp_path: Path) -> None:
    ingest(registry, tmp_path / "outbox", DATA / "10-malformed.eml")
    key = fixture("10-malformed.eml").key
    with pytest.raises(InvalidInput, match="a way to answer"):
        transcribe(registry, "10-malformed.eml", surname="Іваненко")  # no sender address, no contact
    assert view(registry, "10-malformed.eml")["claimed_by"] is None
    opened = mail.transcribe_message(
        uow=registry.uow(), message_key=key, officer="officer-b", sought={"surname": "Іваненко"},
        inquirer_name="?", relation="brother", contact="+380 44 000 00 00",
    )  # fmt: skip
    assert opened.new_case
    with pytest.raises(InvalidInput, match="no e-mail address"):
        answer(registry, opened, tmp_path / "outbox")


def test_an_acknowledgement_logged_but_not_written_is_written_by_the_next_run(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = tmp_path / "outbox"
    real_add = mailbox.Maildir.add

    def crash(self: mailbox.Maildir, message: Any) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(mailbox.Maildir, "add", crash)
    with pytest.raises(OSError, match="disk full"):
        ingest(registry, outbox, DATA / "01-utf8-base64.eml")
    assert letters_in(outbox) == []
    monkeypatch.setattr(mailbox.Maildir, "add", real_add)
    again = ingest(registry, outbox, DATA / "01-utf8-base64.eml")
    assert again.letters_recovered == 1 and again.stored == [] and again.already == 1
    [letter] = letters_in(outbox)
    assert view(registry, "01-utf8-base64.eml")["letters"][0]["path"] == str(letter)

    # written, but the process died before recording it: found in the outbox, not written twice
    real_mark = MailRepository.letter_written
    monkeypatch.setattr(
        MailRepository, "letter_written", lambda *a, **k: (_ for _ in ()).throw(OSError("killed"))
    )
    with pytest.raises(OSError, match="killed"):
        ingest(registry, outbox, DATA / "02-koi8r-qp.eml")
    assert len(letters_in(outbox)) == 2
    monkeypatch.setattr(MailRepository, "letter_written", real_mark)
    assert ingest(registry, outbox, DATA / "02-koi8r-qp.eml").letters_recovered == 1
    assert len(letters_in(outbox)) == 2
    assert view(registry, "02-koi8r-qp.eml")["letters"][0]["written_at"] is not None


def test_the_mail_migration_goes_down_and_up(registry: Registry, tmp_path: Path) -> None:
    ingest(registry, tmp_path / "outbox", DATA / "09-no-message-id.eml")
    assert set(inspect(registry.engine).get_table_names()) >= MAIL_TABLES
    downgrade(registry.engine, "0005")
    tables = set(inspect(registry.engine).get_table_names())
    assert not tables & MAIL_TABLES and {"tracing_cases", "inquirers", "events"} <= tables
    upgrade(registry.engine)
    assert set(inspect(registry.engine).get_table_names()) >= MAIL_TABLES
    assert ingest(registry, tmp_path / "outbox2", DATA / "09-no-message-id.eml").stored == ["E1"]
