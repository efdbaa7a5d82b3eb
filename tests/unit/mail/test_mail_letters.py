"""Letters to families: only the answers the contract allows, in the inquirer's language.

"Deceased" is never written (the letter only asks the family to contact us), "no
information yet" says nothing about the person, and no letter ever says "not held".
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from powbureau.domain.errors import InvalidInput, RuleViolation
from powbureau.domain.inquiries import Answer, AnswerKind
from powbureau.interchange.mail import parse_message
from powbureau.interchange.mail_replies import (
    acknowledgement,
    answer_letter,
    answer_text,
    format_partial_date,
)

PERSON = "Громов Кирилл Викторович"
TODAY = date(2024, 7, 1)
LANGS = ("uk", "ru", "en")

#: Words naming each state a letter may carry, by language (stems, lower case).
STATE_WORDS = {
    "held": {"uk": ["під вартою"], "ru": ["под стражей"], "en": ["held", "custody"]},
    "released": {"uk": ["звільнено"], "ru": ["освобождено"], "en": ["released"]},
    "exchanged": {"uk": ["обмін"], "ru": ["обмен"], "en": ["exchange"]},
    "repatriated": {"uk": ["репатрі"], "ru": ["репатри"], "en": ["repatriated"]},
    "deceased": {
        "uk": ["помер", "загинув", "смерт", "загибел"],
        "ru": ["умер", "погиб", "смерт", "скончал"],
        "en": ["died", "dead", "death", "deceased"],
    },
}
NEVER = {
    "uk": ["не утримується", "не перебуває"],
    "ru": ["не содержится", "не находится"],
    "en": ["not held"],
}


def flat(text: str) -> str:
    """The text with every run of spaces, line breaks and no-break spaces as one space."""
    return " ".join(text.split())


def states_named(text: str, lang: str) -> set[str]:
    low = flat(text).lower()
    return {state for state, words in STATE_WORDS.items() if any(w in low for w in words[lang])}


def text_of(kind: AnswerKind, lang: str, on: str | None = None, by_person: bool = False) -> tuple[str, str]:
    return answer_text(
        Answer(kind, on=on, by_person=by_person),
        lang=lang,
        case_id="T0A1B2C3D4E5F",
        person=PERSON,
        today=TODAY,
        to_name="Людмила Громова",
    )


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["held", "released", "exchanged", "repatriated"])
def test_an_allowed_state_is_named_and_no_other(kind: str, lang: str) -> None:
    subject, body = text_of(AnswerKind(kind), lang, on="2024-06-11")
    body = flat(body)
    assert states_named(body, lang) == {kind}, body
    assert PERSON in body and "T0A1B2C3D4E5F" in subject and "T0A1B2C3D4E5F" in body
    assert "Людмила Громова" in body


@pytest.mark.parametrize(
    ("lang", "date_text"), [("uk", "11 червня 2024"), ("ru", "11 июня 2024"), ("en", "June 11, 2024")]
)
def test_released_exchanged_repatriated_carry_the_date(lang: str, date_text: str) -> None:
    for kind in (AnswerKind.RELEASED, AnswerKind.EXCHANGED, AnswerKind.REPATRIATED):
        assert date_text in flat(text_of(kind, lang, on="2024-06-11")[1])
        undated = flat(text_of(kind, lang)[1])
        assert "2024" not in undated.replace("T0A1B2C3D4E5F", "")
        assert {"uk": "Точну дату", "ru": "Точная дата", "en": "exact date"}[lang] in undated


@pytest.mark.parametrize("lang", LANGS)
def test_deceased_only_asks_the_family_to_contact_us(lang: str) -> None:
    for answer in (Answer(AnswerKind.DECEASED, on="2024-06", by_person=True), Answer(AnswerKind.DECEASED)):
        _, body = answer_text(
            answer, lang=lang, case_id="T0A1B2C3D4E5F", person=PERSON, today=TODAY, to_name="Людмила Громова"
        )
        expected = {
            "uk": "Доброго дня, Людмила Громова!\n\nБудь ласка, зв’яжіться з нами.\n\nСправа: T0A1B2C3D4E5F"
            "\n\nЗ повагою,\nІнформаційне бюро у справах військовополонених\n",
            "ru": "Здравствуйте, Людмила Громова!\n\nПожалуйста, свяжитесь с нами.\n\nДело: T0A1B2C3D4E5F"
            "\n\nС уважением,\nИнформационное бюро по делам военнопленных\n",
            "en": "Dear Людмила Громова,\n\nPlease contact us.\n\nCase: T0A1B2C3D4E5F"
            "\n\nWith respect,\nInformation Bureau for Prisoners of War\n",
        }[lang]
        assert body == expected
        assert states_named(body, lang) == set() and "Громов Кирилл" not in body and "2024" not in body


@pytest.mark.parametrize("lang", LANGS)
def test_no_information_yet_says_nothing_about_the_person(lang: str) -> None:
    body = flat(text_of(AnswerKind.NO_INFORMATION, lang)[1])
    assert states_named(body, lang) == set()
    assert "Громов Кирилл" not in body
    assert {"uk": "залишається відкритим", "ru": "остаётся открытым", "en": "remains open"}[lang] in body


@pytest.mark.parametrize("lang", LANGS)
def test_no_letter_ever_says_not_held(lang: str) -> None:
    for kind in AnswerKind:
        for on in (None, "2024", "2024-06", "2024-06-11"):
            subject, body = text_of(kind, lang, on=on, by_person=kind is AnswerKind.DECEASED)
            for words in NEVER.values():
                assert not any(w in flat(subject + " " + body).lower() for w in words)


def test_a_withheld_answer_cannot_be_written() -> None:
    blocked = Answer(
        AnswerKind.NO_INFORMATION, blocked="the detainee asked that his capture not be disclosed"
    )
    with pytest.raises(RuleViolation, match="withheld"):
        answer_text(blocked, lang="uk", case_id="T1", person=PERSON, today=TODAY, to_name="")


@pytest.mark.parametrize(
    ("value", "lang", "text"),
    [
        ("2024-06-11", "uk", "11 червня 2024\u202fр."),  # Babel: a narrow no-break space
        ("2024-06", "ru", "июнь 2024\u202fг."),
        ("2024-06", "en", "June 2024"),
        ("2024", "uk", "2024"),
        ("2024-13", "en", "2024-13"),
    ],
)
def test_partial_dates_written_out(value: str, lang: str, text: str) -> None:
    assert format_partial_date(value, lang) == text


def ack(lang: str, attachments: int = 0, to_name: str = "Оксана Мельничук") -> bytes:
    return acknowledgement(
        to_address="oksana.melnychuk@example.com",
        to_name=to_name,
        lang=lang,
        reference="E12",
        letter_date=date(2024, 5, 20),
        attachments=attachments,
        sender="Bureau <inquiries@bureau.example>",
        at=datetime(2024, 5, 21, 8, 0, tzinfo=UTC),
        message_id="<ack.abc@bureau.example>",
        in_reply_to="<CAJx4m2V@mail.example.com>",
        references=("<earlier@mail.example.com>",),
    ).eml


def test_the_acknowledgement_is_a_reply_in_the_language_and_says_nothing_about_anyone() -> None:
    for lang, words in (
        ("uk", ["Ваш лист від 20 травня 2024 р. надійшов до нас", "Номер вашого звернення: E12"]),
        ("ru", ["Ваше письмо от 20 мая 2024 г. дошло до нас", "Номер вашего обращения: E12"]),
        ("en", ["Your letter of May 20, 2024 has reached us", "Your reference: E12"]),
    ):
        raw = ack(lang)
        letter = parse_message(raw)
        assert all(w in flat(letter.body) for w in words), letter.body
        assert letter.automatic == "Auto-Submitted: auto-replied"  # no auto-reply loops
        assert letter.sender_address == "inquiries@bureau.example"
        assert states_named(letter.body, lang) == set()
        headers = raw.split(b"\n\n", 1)[0].decode()
        assert "In-Reply-To: <CAJx4m2V@mail.example.com>" in headers
        assert "References: <earlier@mail.example.com> <CAJx4m2V@mail.example.com>" in headers
        assert f"Content-Language: {lang}" in headers
        assert "Message-ID: <ack.abc@bureau.example>" in headers
    to = parse_message(ack("uk")).raw.split(b"\nTo: ", 1)[1].split(b"\n", 1)[0]
    assert to.isascii() and b"=?utf-8?" in to  # the name is RFC 2047 encoded


@pytest.mark.parametrize(
    ("lang", "n", "text"),
    [
        ("uk", 1, "додано 1 файл;"),
        ("uk", 3, "додано 3 файли;"),
        ("uk", 5, "додано 5 файлів;"),
        ("uk", 22, "додано 22 файли;"),
        ("ru", 1, "приложен 1 файл;"),
        ("ru", 2, "приложены 2 файла;"),
        ("ru", 11, "приложено 11 файлов;"),
        ("en", 1, "1 attached file;"),
        ("en", 2, "2 attached files;"),
    ],
)
def test_attachments_counted_in_the_plural_forms_of_each_language(lang: str, n: int, text: str) -> None:
    assert text in flat(parse_message(ack(lang, n)).body)


def test_no_attachments_no_sentence_and_no_name_a_polite_greeting() -> None:
    body = parse_message(ack("ru", 0, to_name="")).body
    assert "файл" not in body and body.startswith("Здравствуйте!")


def test_an_answer_letter_is_threaded_and_refuses_a_bad_address() -> None:
    kwargs = {
        "to_name": "Людмила Громова",
        "lang": "ru",
        "case_id": "T1",
        "person": PERSON,
        "sender": "inquiries@bureau.example",
        "at": datetime(2024, 7, 1, tzinfo=UTC),
        "message_id": "<answer.1@bureau.example>",
        "in_reply_to": "<orig@example.ru>",
    }
    letter = answer_letter(Answer(AnswerKind.HELD), to_address="l.gromova@example.ru", **kwargs)  # type: ignore[arg-type]
    parsed = parse_message(letter.eml)
    assert "находится у нас под стражей" in flat(parsed.body)
    assert parsed.automatic is None and b"In-Reply-To: <orig@example.ru>" in letter.eml
    with pytest.raises(InvalidInput):
        answer_letter(Answer(AnswerKind.HELD), to_address="not an address", **kwargs)  # type: ignore[arg-type]
