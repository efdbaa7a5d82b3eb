"""``powbureau inquiry ...``: tracing cases from the command line (a thin layer over services)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from powbureau.domain.inquiries import Channel, Inquirer
from powbureau.matching import TraceQuery
from powbureau.services import inquiries

inquiry_app = typer.Typer(help="Tracing cases: families asking about a man.", no_args_is_help=True)


def _cli() -> Any:
    from powbureau import cli  # the shared plumbing: --db, errors, output

    return cli


@inquiry_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="inquiries.csv (shared/formats)")],
    source: Annotated[
        str, typer.Option(help="Who sent the list; a line already filed is skipped.")
    ] = "default",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """File every line of inquiries.csv as an inquiry, matched at once."""
    cli = _cli()
    with cli._refusals():
        engine = cli._engine()
        opened = inquiries.import_inquiries(
            uow_factory=lambda: cli.SqlUnitOfWork(engine), path=file, source=source, recorded_by=cli._user()
        )
    if as_json:
        cli._print_json({"filed": [o.__dict__ for o in opened]})
        return
    new = sum(o.new_case for o in opened)
    review = sum(o.state == "under_review" for o in opened)
    cli.out.print(
        f"{file.name}: {len(opened)} inquiries filed, {new} new cases, {review} with candidates to review"
    )


@inquiry_app.command("open")
def open_(
    inquirer_name: Annotated[str, typer.Option("--inquirer-name", help="Who asks.")],
    relation: Annotated[str, typer.Option(help="mother, father, wife, ...")],
    contact: Annotated[str, typer.Option(help="How to answer: phone, e-mail or address.")],
    channel: Annotated[str, typer.Option(help="phone, email, web, letter, in_person, list")] = "phone",
    language: Annotated[str, typer.Option(help="The inquirer's language: uk, ru or en.")] = "uk",
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
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Open an inquiry (a call, a letter) and match it at once."""
    cli = _cli()
    sought = TraceQuery(
        surname,
        given_name,
        patronymic,
        born,
        unit,
        service_number,
        mother_name,
        father_name,
        last_seen_on,
        last_seen_place,
    )
    with cli._refusals():
        try:
            how = Channel(channel)
        except ValueError:
            cli._fail(f"unknown channel {channel!r}", 2)
        opened = inquiries.open_inquiry(
            uow=cli._uow(),
            sought=sought,
            inquirer=Inquirer(inquirer_name, relation, contact, how, language, knows),
            recorded_by=cli._user(),
        )
    if as_json:
        cli._print_json(opened.__dict__)
    else:
        kind = "new case" if opened.new_case else "added to the open case"
        cli.out.print(f"{opened.case_id} ({kind}; inquirer #{opened.inquirer_id}): {opened.state}")


@inquiry_app.command("list")
def list_(
    state: Annotated[str | None, typer.Option(help="received, acknowledged, under_review, ...")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 100,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Cases, oldest first, with their state and age."""
    cli = _cli()
    with cli._refusals():
        rows = inquiries.list_cases(uow=cli._uow(write=False), reader=cli._reader(), state=state, limit=limit)
    if as_json:
        cli._print_json(
            {
                "cases": [
                    {k: r[k] for k in ("id", "state", "closure", "opened_at", "age_days", "person_id")}
                    for r in rows
                ]
            }
        )
        return
    table = Table("case", "state", "opened", "age (days)", "confirmed person")
    for r in rows:
        table.add_row(r["id"], r["state"], r["opened_at"][:10], str(r["age_days"]), r["person_id"] or "")
    cli.out.print(table)


@inquiry_app.command("show")
def show(case_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """A case: what is sought, who asks, candidates, history."""
    cli = _cli()
    with cli._refusals():
        view = inquiries.case_view(uow=cli._uow(write=False), reader=cli._reader(case_id), case_id=case_id)
    if as_json:
        cli._print_json(view)
        return
    sought = ", ".join(f"{k} {v}" for k, v in view["sought"].items() if v)
    cli.out.print(f"case {view['id']}: {view['state']}  sought: {sought}")
    for i in view["inquirers"]:
        verified = (
            f"verified by {i['verified_by']} ({i['verification']})" if i["verification"] else "not verified"
        )
        cli.out.print(f"  inquirer #{i['id']}: {i['name']} ({i['relation']}, {i['channel']}), {verified}")
    for c in view["candidates"]:
        e = c["explanation"]
        cli.out.print(
            f"  candidate {c['person_id']} p={c['probability']:.3f} [{c['decision']}] "
            f"agreed: {', '.join(e['agreed']) or '-'}; disagreed: {', '.join(e['disagreed']) or '-'}"
        )
        if e["cannot_tell_apart"]:
            cli.out.print(
                f"    cannot be told apart from {', '.join(e['cannot_tell_apart'])}; "
                f"ask for: {', '.join(e['separating'])}"
            )
    for h in view["history"]:
        cli.out.print(f"  {h['at'][:19]} {h['by']}: {h['action']}")


@inquiry_app.command("review")
def review(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The review queue: cases with candidates waiting for an officer."""
    cli = _cli()
    with cli._refusals():
        queue = inquiries.review_queue(uow=cli._uow(write=False), reader=cli._reader())
    if as_json:
        cli._print_json({"queue": queue})
        return
    for case in queue:
        cli.out.print(f"{case['id']} ({case['state']}): {len(case['pending'])} candidate(s) pending")
        for c in case["pending"]:
            cli.out.print(
                f"  {c['person_id']} p={c['probability']:.3f}  {', '.join(c['explanation']['agreed'])}"
            )


@inquiry_app.command("decide")
def decide(
    case_id: str,
    person: Annotated[str, typer.Option(help="The candidate (registry id or reference).")],
    confirm: Annotated[bool, typer.Option("--confirm/--reject", help="Confirm or reject the candidate.")],
    checked: Annotated[
        str,
        typer.Option(
            help="What was checked, comma-separated: birth_date_full, "
            "patronymic, service_number, unit, mother_name, document, ..."
        ),
    ] = "",
    second_officer: Annotated[str | None, typer.Option(help="The second officer who confirms too.")] = None,
    notes: Annotated[str, typer.Option()] = "",
) -> None:
    """Confirm or reject a candidate, recording what was checked."""
    cli = _cli()
    with cli._refusals():
        inquiries.decide_candidate(
            uow=cli._uow(),
            case_id=case_id,
            person_ref=person,
            confirm=confirm,
            officer=cli._user(),
            checked=[c.strip() for c in checked.split(",") if c.strip()],
            second_officer=second_officer,
            notes=notes,
        )
    cli.out.print(f"{case_id}: {person} {'confirmed' if confirm else 'rejected'}")


@inquiry_app.command("verify-inquirer")
def verify_inquirer(
    inquirer_id: int,
    how: Annotated[str, typer.Option(help="call_back, family_detail or document")],
    note: Annotated[str, typer.Option()] = "",
) -> None:
    """Record how an inquirer's relation to the sought man was verified."""
    cli = _cli()
    with cli._refusals():
        inquiries.verify_inquirer(
            uow=cli._uow(), inquirer_id=inquirer_id, how=how, officer=cli._user(), note=note
        )
    cli.out.print(f"inquirer #{inquirer_id} verified ({how})")


@inquiry_app.command("answer")
def answer(
    case_id: str,
    inquirer: Annotated[int, typer.Option(help="The inquirer's number (see `inquiry show`).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """What this inquirer may be told now (recorded in the case's history)."""
    cli = _cli()
    with cli._refusals():
        result = inquiries.answer_case(
            uow=cli._uow(), case_id=case_id, inquirer_id=inquirer, officer=cli._user()
        )
    a = result.answer
    if as_json:
        cli._print_json(
            {
                "case": case_id,
                "inquirer": inquirer,
                "answer": a.kind.value,
                "on": a.on,
                "by_person": a.by_person,
                "refused": result.refused,
            }
        )
        return
    line = f"answer: {a.kind.value}" + (f" ({a.on})" if a.on else "")
    if a.by_person:
        line += "; to be told by a person: pages and e-mails only say 'please contact us'"
    cli.out.print(line)
    if result.refused:
        cli.err.print(f"withheld: {result.refused}")


@inquiry_app.command("recheck")
def recheck(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Re-check open cases against persons registered or changed since the last re-check."""
    cli = _cli()
    with cli._refusals():
        summary = inquiries.recheck_open_cases(uow=cli._uow(), recorded_by=cli._user())
    if as_json:
        cli._print_json(summary.__dict__)
        return
    cli.out.print(
        f"events {summary.from_event + 1}..{summary.to_event}: {summary.persons_changed} persons "
        f"changed, {summary.cases_checked} cases re-checked, {len(summary.new_candidates)} new "
        f"candidates, {len(summary.new_answers_due)} new answers due"
    )


@inquiry_app.command("process-queue")
def process_queue(
    limit: Annotated[int, typer.Option(min=1, help="File at most this many.")] = 1000,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """File inquiries queued by the public web form under tracing cases (``serve`` does this too)."""
    from powbureau.services.public_inquiries import file_public_inquiries
    from powbureau.store.uow import SqlUnitOfWork

    cli = _cli()
    with cli._refusals():
        engine = cli._engine()
        filed = file_public_inquiries(
            uow_factory=lambda: SqlUnitOfWork(engine), recorded_by=cli._user(), limit=limit
        )
    if as_json:
        cli._print_json({"filed": [f.__dict__ for f in filed]})
        return
    cli.out.print(f"{len(filed)} web inquiries filed")
