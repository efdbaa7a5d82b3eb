"""``powbureau mail ...`` from outside: ingest a Maildir, queue, show, transcribe, answer."""

from __future__ import annotations

import mailbox
import shutil
from pathlib import Path

import pytest
from cli_support import Cli

from powbureau.interchange.mail import parse_message

DATA = Path(__file__).resolve().parents[1] / "data" / "mail"
BUREAU = "inquiries@bureau.example"


def maildir_of_fixtures(root: Path) -> Path:
    box = root / "Maildir"
    mailbox.Maildir(box, create=True)
    for i, path in enumerate(sorted(DATA.glob("*.eml"))):
        target = (
            box / "new" / f"17000000{i:02d}.M1P1.mx"
            if i % 3
            else box / "cur" / f"17000000{i:02d}.M1P1.mx:2,S"
        )
        shutil.copy(path, target)
    return box


def refs(cli: Cli) -> dict[str, str]:
    """Message key -> the bureau's reference (E1, E2, ...), from the queue."""
    return {r["message_key"]: r["ref"] for r in cli.ok("mail", "queue", "--json").json()["queue"]}


def ref_of(cli: Cli, name: str) -> str:
    return refs(cli)[parse_message((DATA / name).read_bytes()).key]


@pytest.mark.slow
def test_mail_ingest_a_maildir_then_again(cli: Cli, tmp_path: Path) -> None:
    box = maildir_of_fixtures(tmp_path)
    outbox = tmp_path / "outbox"
    run = cli.sub("mail", "ingest", str(box), "--outbox", str(outbox), "--from", BUREAU)
    assert run.code == 0, run.text
    assert run.out.strip() == (
        f"11 messages read: 11 new, 0 already received, 1 malformed; 9 acknowledgements written to {outbox}"
    )
    assert "is malformed (broken structure" in run.err and "not acknowledged: Auto-Submitted" in run.err
    acks = sorted((outbox / "new").iterdir())
    assert len(acks) == 9
    assert all(parse_message(p.read_bytes()).sender_address == BUREAU for p in acks)

    again = cli.sub("mail", "ingest", str(box), "--outbox", str(outbox), "--from", BUREAU, "--json")
    assert again.code == 0, again.text
    summary = again.json()
    assert (summary["read"], summary["stored"], summary["already"], summary["acknowledged"]) == (
        11,
        [],
        11,
        [],
    )
    assert sorted((outbox / "new").iterdir()) == acks

    # the outbox defaults to $POWBUREAU_OUTBOX, and the From address to $POWBUREAU_MAIL_FROM
    elsewhere = tmp_path / "elsewhere"
    extra = tmp_path / "extra.eml"
    extra.write_bytes((DATA / "09-no-message-id.eml").read_bytes().replace(b"June 2024", b"July 2024"))
    run = cli.sub(
        "mail",
        "ingest",
        str(extra),
        POWBUREAU_OUTBOX=str(elsewhere),
        POWBUREAU_MAIL_FROM="bureau@example.org",
    )
    assert run.code == 0 and "1 new" in run.out, run.text
    [letter] = (elsewhere / "new").iterdir()
    assert parse_message(letter.read_bytes()).sender_address == "bureau@example.org"


def test_mail_queue_show_transcribe_reject_answer(cli: Cli, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    cli.ok("mail", "ingest", str(DATA), "--outbox", str(outbox))
    assert len(refs(cli)) == 11

    html = ref_of(cli, "07-html-only.eml")
    shown = cli.ok("mail", "show", html)
    assert "«Бондар Сергій Олексійович»" in shown.out and "(HTML only, shown as text)" in shown.out
    assert "<script" not in shown.out and "http" not in shown.out
    as_json = cli.ok("mail", "show", html, "--json").json()
    assert as_json["html_only"] is True and "raw" not in as_json

    pid = cli.ok(
        "register", "--surname", "Бондар", "--given-name", "Сергій", "--patronymic", "Олексійович",
        "--birth-date", "1985-04-02", "--unit", "в/ч А4321",
    ).out.strip()  # fmt: skip
    opened = cli.ok(
        "mail", "transcribe", html, "--inquirer-name", "Ірина Бондар", "--relation", "wife",
        "--surname", "Бондар", "--given-name", "Сергій", "--patronymic", "Олексійович", "--born", "1985",
        "--unit", "А4321", "--json",
    ).json()  # fmt: skip
    assert opened["new_case"] and opened["state"] == "under_review" and opened["candidates"] == 1
    again = cli(
        "mail", "transcribe", html, "--inquirer-name", "x", "--relation", "wife", "--surname", "Бондар"
    )
    assert again.code == 1 and "already transcribed" in again.err

    auto = ref_of(cli, "11-auto-reply.eml")
    assert cli.ok("mail", "reject", auto, "--reason", "out-of-office reply").out.strip() == f"{auto} rejected"
    assert len(refs(cli)) == 9

    case, inquirer = opened["case_id"], str(opened["inquirer_id"])
    cli.ok("inquiry", "decide", case, "--person", pid, "--confirm", "--checked", "patronymic,unit")
    withheld = cli("mail", "answer", case, inquirer, "--outbox", str(outbox))
    assert withheld.code == 1 and "withheld: the inquirer's relation has not been verified" in withheld.err
    cli.ok("inquiry", "verify-inquirer", inquirer, "--how", "family_detail")
    path = Path(cli.ok("mail", "answer", case, inquirer, "--outbox", str(outbox)).out.strip())
    letter = parse_message(path.read_bytes())
    assert path.parent == outbox.resolve() / "new"
    assert "Бондар Сергій Олексійович — перебуває у нас під вартою" in " ".join(letter.body.split())


def test_mail_commands_refuse_what_is_not_there(cli: Cli, tmp_path: Path) -> None:
    missing = cli("mail", "ingest", str(tmp_path / "absent"), "--outbox", str(tmp_path / "o"))
    assert missing.code == 1 and "no Maildir, folder or file" in missing.err
    unknown = cli("mail", "show", "E99")
    assert unknown.code == 1 and "no received message 'E99'" in unknown.err
    no_case = cli("mail", "answer", "TNOSUCHCASE", "1", "--outbox", str(tmp_path / "o"))
    assert no_case.code == 1 and "no inquirer #1" in no_case.err
    assert cli("mail", "answer", "T1").code == 2  # usage: the inquirer is missing
    bad_from = cli("mail", "ingest", str(DATA), "--outbox", str(tmp_path / "o"), "--from", "nobody")
    assert bad_from.code == 1 and "not an e-mail address" in bad_from.err
