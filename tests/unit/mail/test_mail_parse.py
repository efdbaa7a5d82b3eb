"""Reading families' e-mail: charsets right and wrong, encoded headers, HTML never rendered.

The messages in tests/data/mail are built as mail clients write them (Gmail, The Bat!,
Outlook Express, SquirrelMail, Thunderbird, iPhone Mail); the people in them are invented.
"""

from __future__ import annotations

import hashlib
import mailbox
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powbureau.interchange.mail import (
    decode_text,
    guess_language,
    html_to_text,
    is_maildir,
    parse_message,
    read_source,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "mail"
FIXTURES = sorted(DATA.glob("*.eml"))


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_utf8_base64_multipart_alternative_from_a_phone() -> None:
    m = parse_message(load("01-utf8-base64.eml"))
    assert m.key == m.message_id == "<CAJx4m2V0pQ8xK7r1bN9dWm3fH5u2Lq@mail.example.com>"
    assert (m.sender_address, m.sender_name) == ("oksana.melnychuk@example.com", "Оксана Мельничук")
    assert m.subject == "Запит щодо сина Мельничука А.П."
    assert m.date is not None and m.date.utcoffset() == timedelta(hours=3)
    assert (m.date.year, m.date.month, m.date.day, m.date.hour) == (2024, 5, 20, 9)
    assert "Мельничук Андрій Петрович, 14.03.1998 р.н." in m.body
    assert m.body.count("Мельничук Андрій Петрович") == 1  # the HTML alternative is not added
    assert (m.declared_charset, m.detected_charset) == ("UTF-8", "utf-8")
    assert m.language == "uk" and not m.html_only and m.attachments == ()
    assert m.malformed is None and m.automatic is None
    assert m.sha256 == hashlib.sha256(load("01-utf8-base64.eml")).hexdigest()


def test_koi8r_quoted_printable_from_the_bat() -> None:
    m = parse_message(load("02-koi8r-qp.eml"))
    assert m.sender_name == "Виктор Громов" and m.sender_address == "v.gromov@example.ru"
    assert m.subject == "Сын Громов Кирилл Викторович"
    assert "моего сына Громова Кирилла Викторовича,\n1996 года рождения" in m.body
    assert "Громова Людмила Ивановна" in m.body
    assert (m.declared_charset, m.detected_charset) == ("koi8-r", "koi8-r")
    assert m.language == "ru"


def test_windows_1251_eight_bit_from_outlook_express() -> None:
    m = parse_message(load("03-cp1251-8bit.eml"))
    assert m.subject == "Справка о муже"
    assert m.sender_name == "Marina Savvina"
    assert "Я жена Саввина Олега Николаевича, 12.07.1989 г.р." in m.body
    assert "\r" not in m.body
    assert m.detected_charset == "cp1251" and m.language == "ru"


def test_a_wrongly_declared_charset_is_read_as_what_the_bytes_are() -> None:
    m = parse_message(load("04-wrong-charset.eml"))
    assert m.declared_charset == "ISO-8859-1"
    assert m.detected_charset == "cp1251"
    assert "ищу брата, Лаптев Денис Сергеевич, 2001 г.р." in m.body
    assert m.language == "ru"


def test_a_missing_charset_is_detected() -> None:
    m = parse_message(load("05-missing-charset.eml"))
    assert m.declared_charset is None and m.detected_charset == "koi8-r"
    assert "Мой сын Зайцев Никита Андреевич 2003 года рождения." in m.body
    assert m.sender_name == "" and m.sender_address == "a.zaitsev@example.org"


def test_rfc2047_headers_in_several_charsets_folded() -> None:
    m = parse_message(load("06-rfc2047-headers.eml"))
    assert m.sender_name == "Ганна Ковальчук"  # windows-1251, Q encoding, folded before the address
    assert m.subject == "Про онука Ковальчука Тараса"  # a UTF-8 word then a KOI8-U word
    assert "Мій онук Ковальчук Тарас Іванович" in m.body
    assert m.language == "uk"


def test_html_only_is_read_as_text_with_no_script_and_nothing_fetched() -> None:
    m = parse_message(load("07-html-only.eml"))
    assert m.html_only
    assert "Прошу допомогти знайти мого чоловіка «Бондар Сергій Олексійович», 1985 р.н." in m.body
    assert "З повагою, Ірина Бондар" in m.body  # numeric character references decoded
    assert "Шановні пані та панове!" in m.body
    for never in ("<", ">", "script", "document", "cookie", "fetch", "http", "tracker", "evil", "pixel",
                  "background", "Лист"):  # fmt: skip
        assert never not in m.body, never
    assert m.attachments == ()


def test_attachments_are_kept_byte_for_byte_with_their_hash() -> None:
    m = parse_message(load("08-attachments.eml"))
    assert [(a.filename, a.content_type) for a in m.attachments] == [
        ("військовий квиток.pdf", "application/pdf"),
        ("IMG_4821.jpeg", "image/jpeg"),
    ]
    pdf, jpeg = m.attachments
    assert pdf.data.startswith(b"%PDF-1.4") and pdf.data.endswith(b"%%EOF\n")
    assert jpeg.data.startswith(b"\xff\xd8\xff") and jpeg.data.endswith(b"\xff\xd9")
    for a in m.attachments:
        assert a.size == len(a.data) and a.sha256 == hashlib.sha256(a.data).hexdigest()
    assert "Савчук Олександр Миколайович, 2000 р. н." in m.body
    assert m.subject == "Савчук О.М., документи"


def test_without_a_message_id_the_key_is_the_hash_of_the_raw_message() -> None:
    raw = load("09-no-message-id.eml")
    m = parse_message(raw)
    assert m.message_id is None
    assert m.key == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert m.language == "en" and m.sender_name == "Lidia Morozova"
    assert parse_message(raw + b"\n").key != m.key


def test_a_malformed_message_is_kept_with_the_reason() -> None:
    raw = load("10-malformed.eml")
    m = parse_message(raw)
    assert m.malformed is not None and "StartBoundaryNotFoundDefect" in m.malformed
    assert m.raw == raw and m.key.startswith("sha256:")
    assert m.sender_address == ""
    assert "This is a multi-part message in MIME format." in m.body  # what there is, for an officer


def test_an_auto_reply_is_recognised_as_machine_sent() -> None:
    m = parse_message(load("11-auto-reply.eml"))
    assert m.automatic == "Auto-Submitted: auto-replied"
    assert m.malformed is None


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "no headers"),
        (b"\x00\x01\x02 garbage without headers", "no headers"),
        (b"Subject: hello\n\nno sender here\n", "no sender address"),
    ],
)
def test_things_that_are_not_letters_are_malformed_not_errors(raw: bytes, reason: str) -> None:
    m = parse_message(raw)
    assert m.malformed is not None and reason in m.malformed
    assert m.key == "sha256:" + hashlib.sha256(raw).hexdigest()


def test_raw_eight_bit_headers_and_terminal_control_characters() -> None:
    raw = (
        "From: Олег Іваненко <oleh@example.com>\n".encode()
        + b"Subject: \xd1\xef\xf0\xe0\xe2\xea\xe0 \x1b[31mred\x1b[0m \xe2\x80\xae\n"  # cp1251 + ESC + RLO
        + b"Message-ID: <1@example.com>\n\nHello\x07 there\r\n"
    )
    m = parse_message(raw)
    assert m.sender_name == "Олег Іваненко"
    assert "\x1b" not in m.subject and "\u202e" not in m.subject
    assert m.subject.startswith("Справка ")
    assert m.body == "Hello there"


FIXTURE_BYTES = [p.read_bytes() for p in FIXTURES]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.integers(0, len(FIXTURE_BYTES) - 1),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8),
)
def test_a_damaged_message_never_raises(which: int, cut: float, flips: list[tuple[float, int]]) -> None:
    data = bytearray(FIXTURE_BYTES[which][: int(len(FIXTURE_BYTES[which]) * cut) + 1])
    for where, value in flips:
        data[min(int(where * len(data)), len(data) - 1)] = value
    m = parse_message(bytes(data))
    assert m.raw == bytes(data)
    assert m.key


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    assert parse_message(raw).sha256 == hashlib.sha256(raw).hexdigest()


SAMPLE = "Добрий день. Мій син Тарас Іванович, прошу повідомити про нього."
RUSSIAN = "Здравствуйте, прошу сообщить о моём сыне Кирилле Викторовиче."


@pytest.mark.parametrize("charset", ["utf-8", "cp1251", "koi8-r"])
def test_cyrillic_is_read_right_whatever_the_charset_declared(charset: str) -> None:
    data = RUSSIAN.encode(charset)
    for declared in (charset, None, "iso-8859-1", "us-ascii", "x-unknown"):
        assert decode_text(data, declared) == (RUSSIAN, charset)


def test_the_declared_charset_wins_when_it_reads_well() -> None:
    assert decode_text("café crème".encode("latin-1"), "iso-8859-1") == ("café crème", "iso8859-1")
    assert decode_text(SAMPLE.encode("koi8-u"), "koi8-u")[0] == SAMPLE


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (SAMPLE, "uk"),
        ("Шукаю сина, Ґудзь Євген", "uk"),
        (RUSSIAN, "ru"),
        ("Dear Sir or Madam, my son", "en"),
        ("", "en"),
    ],
)
def test_the_language_to_answer_in(text: str, lang: str) -> None:
    assert guess_language(text) == lang


def test_html_to_text_drops_what_is_never_shown() -> None:
    html = (
        "<html><head><title>t</title><style>p{}</style></head><body>"
        "<p>One&nbsp;&amp;&#160;two</p><script>alert(1)</script><ul><li>a</li><li>b</li></ul>"
        "<img src='http://x.example/p.gif' alt='pixel'><noscript>ns</noscript>Three<br>Four</body></html>"
    )
    assert html_to_text(html) == "One & two\n\n- a\n\n- b\n\nThree\nFour"
    assert html_to_text("<head><p>unclosed head<body>kept") == "kept"
    assert html_to_text("text<script>never closed") == "text"


def _copy_into_maildir(root: Path) -> Path:
    box = root / "Maildir"
    mailbox.Maildir(box, create=True)
    for i, path in enumerate(FIXTURES):
        if i % 2:
            shutil.copy(path, box / "new" / f"17000000{i:02d}.M1P1.host")
        else:
            shutil.copy(path, box / "cur" / f"17000000{i:02d}.M1P1.host:2,S")
    (box / "tmp" / "half-written").write_bytes(b"From: x@y.z\n")
    (box / "new" / ".hidden").write_bytes(b"From: x@y.z\n")
    return box


def test_a_maildir_is_read_in_new_and_cur_not_tmp_and_left_unchanged(tmp_path: Path) -> None:
    box = _copy_into_maildir(tmp_path)
    before = sorted(p.relative_to(box) for p in box.rglob("*"))
    assert is_maildir(box)
    found = list(read_source(box))
    assert sorted(raw for _, raw in found) == sorted(FIXTURE_BYTES)
    assert {p.parent.name for p, _ in found} == {"new", "cur"}
    assert sorted(p.relative_to(box) for p in box.rglob("*")) == before


def test_a_folder_of_eml_files_and_a_single_file(tmp_path: Path) -> None:
    (tmp_path / "b.eml").write_bytes(FIXTURE_BYTES[1])
    (tmp_path / "a.eml").write_bytes(FIXTURE_BYTES[0])
    (tmp_path / "notes.txt").write_bytes(b"not mail")
    assert not is_maildir(tmp_path)
    assert [(p.name, raw) for p, raw in read_source(tmp_path)] == [
        ("a.eml", FIXTURE_BYTES[0]),
        ("b.eml", FIXTURE_BYTES[1]),
    ]
    assert list(read_source(tmp_path / "b.eml")) == [(tmp_path / "b.eml", FIXTURE_BYTES[1])]
    with pytest.raises(FileNotFoundError):
        list(read_source(tmp_path / "absent"))
