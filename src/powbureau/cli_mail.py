"""``powbureau mail ...``: family inquiries by e-mail (a thin layer over services.mail).

What a family wrote is printed as plain text, never as terminal markup.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from powbureau.services import mail

mail_app = typer.Typer(help="Family inquiries by e-mail: ingest, transcribe, answer.", no_args_is_help=True)

OUTBOX_ENV = "POWBUREAU_OUTBOX"

_Outbox = Annotated[
    Path | None,
    typer.Option(help=f"The outbox Maildir letters are written to (default ${OUTBOX_ENV}, else ./outbox)."),
]
_From = Annotated[
    str | None,
    typer.Option("--from", help=f"The bureau's From address (default ${mail.MAIL_FROM_ENV})."),
]


def _cli() -> Any:
    from powbureau import cli  # the shared plumbing: --db, errors, output

    return cli


def _outbox(value: Path | None) -> Path:
    return value or Path(os.environ.get(OUTBOX_ENV) or "outbox")


@mail_app.command("ingest")
def ingest(
    source: Annotated[Path, typer.Argument(help="A Maildir, a folder of .eml files, or one .eml file.")],
    outbox: _Outbox = None,
    sender: _From = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Store every new message and write its acknowledgement; running again adds nothing."""
    cli = _cli()
    with cli._refusals():
        summary = mail.ingest_mail(
            uow=cli._uow(), source=source, outbox=_outbox(outbox), sender=sender, recorded_by=cli._user()
        )
    if as_json:
        cli._print_json(summary.as_dict())
        return
    for ref, reason in summary.malformed:
        cli.err.print(f"warning: {ref} is malformed ({reason}); kept for an officer", markup=False)
    for ref, reason in summary.not_acknowledged:
        cli.err.print(f"note: {ref} not acknowledged: {reason}", markup=False)
    cli.out.print(
        f"{summary.read} messages read: {len(summary.stored)} new, {summary.already} already received, "
        f"{len(summary.malformed)} malformed; {len(summary.acknowledged)} acknowledgements written "
        f"to {summary.outbox}",
        markup=False,
    )


@mail_app.command("queue")
def queue(
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 100,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Messages waiting for an officer to transcribe them, oldest first."""
    cli = _cli()
    with cli._refusals():
        rows = mail.transcription_queue(uow=cli._uow(write=False), limit=limit)
    if as_json:
        cli._print_json({"queue": rows})
        return
    table = Table("ref", "received", "from", "lang", "subject", "files", "problem")
    for r in rows:
        table.add_row(
            r["ref"],
            r["received_at"][:16],
            Text(f"{r['sender_name']} <{r['sender_address']}>" if r["sender_address"] else "?"),
            r["language"],
            Text(r["subject"]),
            str(len(r["attachments"])),
            Text(r["problem"] or ""),
        )
    cli.out.print(table)


@mail_app.command("show")
def show(
    key: Annotated[str, typer.Argument(help="The message's reference (E12), Message-ID or key.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A received message as text (HTML is never rendered), its files and the letters sent."""
    cli = _cli()
    with cli._refusals():
        view = mail.message_view(uow=cli._uow(write=False), message_key=key)
    if as_json:
        cli._print_json(view)
        return
    lines = [
        f"{view['ref']} ({view['state']}, version {view['version']})  key {view['message_key']}",
        f"from: {view['sender_name']} <{view['sender_address']}>",
        f"subject: {view['subject']}",
        f"sent: {view['sent_at'] or '?'}  received: {view['received_at']}  language: {view['language']}",
        f"charset: declared {view['declared_charset'] or '-'}, read as {view['detected_charset'] or '-'}"
        + ("  (HTML only, shown as text)" if view["html_only"] else ""),
    ]
    if view["problem"]:
        lines.append(f"problem: {view['problem']}")
    if view["case_id"]:
        lines.append(
            f"filed in case {view['case_id']} as inquirer #{view['inquirer_id']} by {view['transcribed_by']}"
        )
    if view["rejected_reason"]:
        lines.append(f"rejected by {view['transcribed_by']}: {view['rejected_reason']}")
    lines += ["", view["body"], ""]
    for a in view["attachments"]:
        lines.append(
            f"file {a['position']}: {a['filename']} ({a['content_type']}, {a['size']} bytes, "
            f"sha256 {a['sha256']})"
        )
    for w in view["letters"]:
        where = w["path"] or "not written yet"
        lines.append(f"letter: {w['kind']} to {w['recipient']} ({w['language']}) {where}")
    cli.out.print("\n".join(lines), markup=False)


@mail_app.command("transcribe")
def transcribe(
    key: Annotated[str, typer.Argument(help="The message's reference (E12), Message-ID or key.")],
    inquirer_name: Annotated[str, typer.Option("--inquirer-name", help="Who wrote.")],
    relation: Annotated[str, typer.Option(help="mother, father, wife, ...")],
    contact: Annotated[
        str | None, typer.Option(help="How to answer (default: the sender's address).")
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="uk, ru or en (default: the language of the letter).")
    ] = None,
    knows: Annotated[str, typer.Option(help="What the inquirer knows (last news, ...).")] = "",
    surname: Annotated[str | None, typer.Option()] = None,
    given_name: Annotated[str | None, typer.Option()] = None,
    patronymic: Annotated[str | None, typer.Option()] = None,
    born: Annotated[str | None, typer.Option(help="YYYY, YYYY-MM or YYYY-MM-DD")] = None,
    unit: Annotated[str | None, typer.Option()] = None,
    service_number: Annotated[str | None, typer.Option()] = None,
    mother_name: Annotated[str | None, typer.Option()] = None,
    father_name: Annotated[str | None, typer.Option()] = None,
    last_seen_on: Annotated[str | None, typer.Option()] = None,
    last_seen_place: Annotated[str | None, typer.Option()] = None,
    expected_version: Annotated[
        int | None,
        typer.Option("--expected-version", help="Refuse if the message changed since this version."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """File a received message as an inquiry; it is matched at once."""
    cli = _cli()
    sought = {
        "surname": surname,
        "given_name": given_name,
        "patronymic": patronymic,
        "birth_date": born,
        "unit": unit,
        "service_number": service_number,
        "mother_name": mother_name,
        "father_name": father_name,
        "last_seen_on": last_seen_on,
        "last_seen_place": last_seen_place,
    }
    with cli._refusals():
        opened = mail.transcribe_message(
            uow=cli._uow(),
            message_key=key,
            officer=cli._user(),
            sought=sought,
            inquirer_name=inquirer_name,
            relation=relation,
            contact=contact,
            inquirer_language=language,
            knows=knows,
            expected_version=expected_version,
        )
    if as_json:
        cli._print_json(opened.__dict__)
        return
    kind = "new case" if opened.new_case else "added to the open case"
    cli.out.print(
        f"{key}: {opened.case_id} ({kind}; inquirer #{opened.inquirer_id}): {opened.state}, "
        f"{opened.candidates} candidate(s)",
        markup=False,
    )


@mail_app.command("reject")
def reject(
    key: Annotated[str, typer.Argument(help="The message's reference (E12), Message-ID or key.")],
    reason: Annotated[str, typer.Option(help="Why it is not an inquiry (spam, an auto-reply, ...).")],
    expected_version: Annotated[int | None, typer.Option("--expected-version")] = None,
) -> None:
    """Set a message aside as no inquiry."""
    cli = _cli()
    with cli._refusals():
        mail.reject_message(
            uow=cli._uow(),
            message_key=key,
            officer=cli._user(),
            reason=reason,
            expected_version=expected_version,
        )
    cli.out.print(f"{key} rejected", markup=False)


@mail_app.command("answer")
def answer(
    case_id: Annotated[str, typer.Argument(help="The case.")],
    inquirer: Annotated[int, typer.Argument(help="The inquirer's number (see `inquiry show`).")],
    outbox: _Outbox = None,
    sender: _From = None,
) -> None:
    """Write the answer this inquirer may be given to the outbox, in his language."""
    cli = _cli()
    with cli._refusals():
        path = mail.send_answer(
            uow=cli._uow(),
            case_id=case_id,
            inquirer_id=inquirer,
            officer=cli._user(),
            outbox=_outbox(outbox),
            sender=sender,
        )
    cli.out.print(str(path), markup=False)
