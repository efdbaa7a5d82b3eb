"""The command line: a thin layer over the services (``powbureau --help``).

Standard output carries only the result; progress and messages go to standard error.
Exit codes: 0 done, 1 refused (bad input, a rule), 2 usage.
"""

from __future__ import annotations

import atexit
import functools
import getpass
import importlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from typer.core import TyperGroup
from typer.main import get_group_from_info
from typer.models import TyperInfo

from powbureau.cli_service import serve
from powbureau.domain.access import Channel, Reader
from powbureau.domain.errors import ImportRejected, PowBureauError
from powbureau.domain.people import IDENTITY_FIELDS, display_name
from powbureau.services import intake, integrity, registry
from powbureau.store.db import database_url, dispose_engines, open_engine, require_registry
from powbureau.store.keyring import open_to_others, prepare_keyring
from powbureau.store.uow import SqlUnitOfWork


@functools.cache
def _exchange_app() -> typer.Typer:
    from powbureau.cli_exchange import exchange_app
    from powbureau.cli_exchanges import exchange_core_app
    from powbureau.cli_execution import execution_app

    exchange_app.add_typer(exchange_core_app)
    exchange_app.add_typer(execution_app)
    return exchange_app


def _module_app(module: str, name: str) -> Callable[[], typer.Typer]:
    return lambda: getattr(importlib.import_module(module), name)


#: The command groups kept in modules of their own, in the order the help lists them: each
#: is imported when one of its commands runs, or when the help or a mistyped command needs
#: them all. A command of this module (``import persons`` above all, which a bulk intake's
#: wall time includes) does not wait for their imports (0.2 s of CPU).
_GROUPS: dict[str, Callable[[], typer.Typer]] = {
    "trace": _module_app("powbureau.cli_tracing", "trace_app"),
    "inquiry": _module_app("powbureau.cli_inquiries", "inquiry_app"),
    "user": _module_app("powbureau.cli_users", "user_app"),
    "audit": _module_app("powbureau.cli_audit", "audit_app"),
    "mail": _module_app("powbureau.cli_mail", "mail_app"),
    "exchange": _exchange_app,
}


class _LazyGroups(TyperGroup):
    """The top command, with :data:`_GROUPS` made when first asked for."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            for name in [cmd_name] if cmd_name in _GROUPS else _GROUPS:  # unknown: suggest from all
                if name not in self.commands:
                    info = TyperInfo(_GROUPS[name](), name=name)
                    self.commands[name] = get_group_from_info(
                        info,
                        pretty_exceptions_short=app.pretty_exceptions_short,
                        suggest_commands=app.suggest_commands,
                        rich_markup_mode=app.rich_markup_mode,
                    )
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: Any) -> list[str]:
        for name in _GROUPS:
            self.get_command(ctx, name)
        return [*(n for n in self.commands if n not in _GROUPS), *_GROUPS]


app = typer.Typer(
    help="powbureau: the information bureau for prisoners of war (GC III Art. 122).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_LazyGroups,
)
import_app = typer.Typer(help="Take files in.", no_args_is_help=True)
export_app = typer.Typer(help="Write files out.", no_args_is_help=True)
place_app = typer.Typer(help="Places of detention.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(place_app, name="place")
app.command("serve")(serve)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class _Context:
    url: str | None = None
    reason: str | None = None


_ctx = _Context()


@app.callback()
def _main(
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default $POWBUREAU_DB, else sqlite:///powbureau.db)."),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            help="Why you read a person's data, when no case is named; recorded in the audit log "
            "and shown to the auditor.",
        ),
    ] = None,
) -> None:
    _ctx.url = db
    _ctx.reason = reason


def _fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(code)


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except PowBureauError as exc:
        _fail(_escape(str(exc)))
    except OperationalError as exc:
        _fail(_escape(f"the database cannot be used: {exc.orig}"))


def _escape(text: str) -> str:
    return text.replace("[", r"\[")


def _engine() -> Engine:
    engine = open_engine(_ctx.url)
    require_registry(engine)
    return engine


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def _reader(case_id: str | None = None) -> Reader:
    """Who reads through the command line: the OS user, with the case or the --reason."""
    return Reader(user=f"os:{_user()}", channel=Channel.CLI, case_id=case_id, reason=_ctx.reason)


def _uow(write: bool = True) -> SqlUnitOfWork:
    return SqlUnitOfWork(_engine(), write=write)


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str) + "\n")


@app.command()
def init() -> None:
    """Create the registry, or migrate it to the newest schema."""
    url = database_url(_ctx.url)
    with _refusals():
        from powbureau.services import accounts
        from powbureau.store.migrate import upgrade  # Alembic: only here

        engine = open_engine(url, create=True)
        keyring, created = prepare_keyring(url, engine)
        upgrade(engine, keyring=keyring)
        accounts.check_totp_keys(uow=SqlUnitOfWork(engine, keyring=keyring))
    if created:
        err.print(
            f"created the key file {keyring.path.resolve()} (mode 0600): it seals the staff accounts' TOTP "
            "secrets; back it up apart from the database"
        )
    warning = open_to_others(keyring.path)
    if warning:
        err.print(f"warning: {warning}", markup=False)
    out.print(f"registry ready at {url}")


class _Progress:
    """Rows read so far: a bar on a terminal, a line every chunk otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[int], None]:
        if self.tty:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.completed} rows"),
                TimeElapsedColumn(),
                console=err,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=None)
        return self.update

    def update(self, rows: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=rows)
        else:
            sys.stderr.write(f"progress: {rows} rows read\n")
            sys.stderr.flush()

    def __exit__(self, *_: object) -> None:
        if self._progress is not None:
            self._progress.stop()


@import_app.command("persons")
def import_persons(
    file: Annotated[Path, typer.Argument(help="persons.csv (shared/formats)")],
    source: Annotated[
        str, typer.Option(help="Who sent the file; (source, person_ref) is the key.")
    ] = "default",
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Take the good rows; write bad ones to --rejects.")
    ] = False,
    rejects: Annotated[Path | None, typer.Option(help="Where --skip-invalid writes refused rows.")] = None,
    encoding: Annotated[
        str | None, typer.Option(help="The file's encoding if not UTF-8 (cp1251, koi8-r).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
) -> None:
    """Import persons.csv: the whole file or nothing; re-imports are idempotent."""
    with _refusals():
        uow = _uow()
        try:
            with _Progress(f"importing {file.name}") as progress:
                summary = intake.import_persons(
                    uow=uow,
                    path=file,
                    source=source,
                    recorded_by=_user(),
                    encoding=encoding,
                    dry_run=dry_run,
                    skip_invalid=skip_invalid,
                    rejects=rejects,
                    progress=progress,
                )
        except ImportRejected as exc:
            for error in exc.errors:
                err.print(_escape(str(error)))
            if exc.bad_rows > len(exc.errors):
                err.print(f"... {exc.bad_rows} bad rows in all")
            _fail(f"{file.name} refused, nothing was imported: {exc.bad_rows} bad row(s)")
    if as_json:
        _print_json(summary.as_dict())
        return
    verb = "would register" if dry_run else "registered"
    out.print(
        f"{summary.file}: {summary.rows} rows; {verb} {summary.registered}, "
        f"{summary.unchanged} unchanged, {len(summary.corrections)} corrected"
        + (f", {summary.rejected_rows} rejected to {rejects}" if summary.rejected_rows else "")
    )
    for c in summary.corrections:
        changes = "; ".join(f"{k}: {v[0]!r} -> {v[1]!r}" for k, v in c.changes.items())
        out.print(f"  line {c.line} {summary.source}:{c.person_ref} ({c.person_id}): {_escape(changes)}")
    if dry_run:
        out.print("dry run: nothing was written")


@export_app.command("persons")
def export_persons(
    file: Annotated[Path, typer.Argument(help="Where to write persons.csv")],
    source: Annotated[str | None, typer.Option(help="Only the persons this source sent.")] = None,
) -> None:
    """Export persons.csv, every cell as it was written."""
    with _refusals():
        written = intake.export_persons(uow=_uow(write=False), reader=_reader(), path=file, source=source)
    out.print(f"wrote {written} persons to {file}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def register(
    ctx: typer.Context,
    surname: Annotated[str | None, typer.Option(help="Surname as written, any script.")] = None,
    given_name: Annotated[str | None, typer.Option(help="Given name(s) as written.")] = None,
    unidentified: Annotated[
        bool,
        typer.Option(
            "--unidentified", help="Register a person who cannot be identified yet (GC III Art. 17)."
        ),
    ] = False,
    description: Annotated[str | None, typer.Option(help="Description of an unidentified person.")] = None,
    source: Annotated[str, typer.Option(help="Where the information comes from.")] = "bureau",
    person_ref: Annotated[
        str | None,
        typer.Option(
            "--person-ref", help="The source's own reference (a temporary one for an unidentified person)."
        ),
    ] = None,
    place: Annotated[
        str | None, typer.Option(help="Code of the place of detention where he is held.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Register one person. Any persons.csv column can be given as --column-name VALUE."""
    fields: dict[str, str | None] = {"surname": surname, "given_name": given_name, "description": description}
    args = list(ctx.args)
    while args:
        flag = args.pop(0)
        name = flag.lstrip("-").replace("-", "_")
        if not flag.startswith("--") or name not in IDENTITY_FIELDS or not args:
            err.print(f"error: unknown option or missing value: {flag}")
            raise typer.Exit(2)
        fields[name] = args.pop(0)
    with _refusals():
        person_id = registry.register_person(
            uow=_uow(),
            fields=fields,
            recorded_by=_user(),
            source=source,
            person_ref=person_ref,
            unidentified=unidentified,
            place=place,
        )
    with _refusals():
        duplicates = registry.possible_duplicates(uow=_uow(write=False), reader=_reader(), ref=person_id)
    for other, probability, why in duplicates:
        err.print(
            f"possible duplicate: {other} (p={probability:.2f}; {_escape(why)}); if they are one man, "
            f"`powbureau merge {other} {person_id} --reason ...`"
        )
    if as_json:
        _print_json(
            {
                "person_id": person_id,
                "possible_duplicates": [{"person_id": o, "probability": p} for o, p, _ in duplicates],
            }
        )
    else:
        out.print(person_id)


@app.command()
def show(
    ref: Annotated[str, typer.Argument(help="Registry id, SOURCE:person_ref or person_ref.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show a person's current record."""
    with _refusals():
        view = registry.show_person(uow=_uow(write=False), reader=_reader(), ref=ref)
    row = dict(view.row)
    if as_json:
        row["extra"] = json.loads(row["extra"] or "{}")
        _print_json(
            {
                **row,
                "refs": [f"{s}:{r}" for s, r in view.refs],
                "conflicts": [{"event": e, "reason": r} for e, r in view.conflicts],
            }
        )
        return
    table = Table(show_header=False, box=None)
    table.add_row("registry id", view.person_id)
    table.add_row("name", display_name(row))
    for key in ("custody", "status", "status_on", "place", "version"):
        table.add_row(key.replace("_", " "), str(row[key] if row[key] is not None else ""))
    for name in IDENTITY_FIELDS:
        if row.get(name):
            table.add_row(name.replace("_", " "), str(row[name]))
    for key, value in json.loads(row["extra"] or "{}").items():
        table.add_row(f"{key} (extra)", value)
    table.add_row("references", ", ".join(f"{s}:{r}" for s, r in view.refs))
    for event_id, reason in view.conflicts:
        table.add_row("[red]conflict[/]", f"event #{event_id}: {reason}")
    out.print(table)


@app.command()
def history(
    ref: Annotated[str, typer.Argument(help="Registry id, SOURCE:person_ref or person_ref.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A person's history: every event, in the order it was recorded."""
    with _refusals():
        person_id, events, conflicts = registry.person_history(
            uow=_uow(write=False), reader=_reader(), ref=ref
        )
    if as_json:
        _print_json(
            {
                "person_id": person_id,
                "events": [
                    {
                        "id": e.id,
                        "person_id": e.person_id,
                        "kind": e.kind,
                        "occurred_on": e.occurred_on,
                        "place": e.place,
                        "recorded_at": e.recorded_at,
                        "recorded_by": e.recorded_by,
                        "source": e.source,
                        "payload": json.loads(e.payload),
                        "corrects": e.corrects,
                        "hash": e.hash,
                        "conflict": conflicts.get(e.id),
                    }
                    for e in events
                ],
            }
        )
        return
    table = Table("#", "kind", "occurred", "place", "source", "recorded", "by", "note")
    for e in events:
        note = json.loads(e.payload).get("note", "")
        if e.corrects:
            note = f"corrects #{e.corrects} {note}".strip()
        if e.id in conflicts:
            note = f"[red]conflict: {_escape(conflicts[e.id])}[/] {note}"
        table.add_row(
            str(e.id),
            e.kind,
            e.occurred_on or "",
            e.place or "",
            e.source or "",
            e.recorded_at[:19],
            e.recorded_by,
            note,
        )
    out.print(table)


@app.command("list")
def list_(
    custody: Annotated[str | None, typer.Option(help="ours or own")] = None,
    status: Annotated[str | None, typer.Option(help="held, hospitalised, released, ...")] = None,
    place: Annotated[str | None, typer.Option(help="Code of a place of detention.")] = None,
    surname: Annotated[str | None, typer.Option(help="Exact surname as written.")] = None,
    conflicts: Annotated[
        bool, typer.Option("--conflicts", help="Only persons with conflicts to resolve.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List current persons."""
    with _refusals():
        rows = registry.list_persons(
            uow=_uow(write=False),
            reader=_reader(),
            custody=custody,
            status=status,
            place=place,
            surname=surname,
            conflicts=conflicts,
            limit=limit,
            offset=offset,
        )
    if as_json:
        _print_json(
            {
                "persons": [
                    {
                        "person_id": r["id"],
                        "name": display_name(r),
                        "custody": r["custody"],
                        "status": r["status"],
                        "place": r["place"],
                        "birth_date": r["birth_date"],
                    }
                    for r in rows
                ]
            }
        )
        return
    table = Table("registry id", "name", "born", "custody", "status", "place")
    for r in rows:
        table.add_row(
            r["id"], display_name(r), r["birth_date"] or "", r["custody"], r["status"], r["place"] or ""
        )
    out.print(table)


@app.command()
def event(
    ref: Annotated[str, typer.Argument(help="Registry id, SOURCE:person_ref or person_ref.")],
    kind: Annotated[str, typer.Argument(help="captured, transferred, hospitalised, ..., retracted")],
    on: Annotated[
        str | None, typer.Option("--on", help="When it happened: YYYY, YYYY-MM or YYYY-MM-DD.")
    ] = None,
    place: Annotated[
        str | None, typer.Option(help="Where (a place code for transfers and hospitals).")
    ] = None,
    source: Annotated[
        str, typer.Option(help="document, the person, family, adversary list, ICRC, ...")
    ] = "bureau",
    note: Annotated[str | None, typer.Option(help="A note kept with the event.")] = None,
    corrects: Annotated[
        int | None, typer.Option(help="The id of the event this one corrects or retracts.")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="For identity_corrected: FIELD=VALUE (repeat).")
    ] = None,
    expected_version: Annotated[
        int | None,
        typer.Option("--expected-version", help="Refuse if the person changed since this version."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record an event in a person's history."""
    changes: dict[str, str | None] = {}
    for item in set_ or []:
        name, sep, value = item.partition("=")
        if not sep:
            _fail(f"--set needs FIELD=VALUE, got {item!r}", 2)
        changes[name.strip()] = value
    with _refusals():
        recorded = registry.record_event(
            uow=_uow(),
            ref=ref,
            kind=kind,
            recorded_by=_user(),
            occurred_on=on,
            place=place,
            source=source,
            note=note,
            corrects=corrects,
            changes=changes or None,
            expected_version=expected_version,
        )
    for warning in recorded.warnings:
        err.print(f"warning: {_escape(warning)}")
    if as_json:
        _print_json(
            {
                "event_id": recorded.event.id,
                "person_id": recorded.event.person_id,
                "version": recorded.version,
                "warnings": recorded.warnings,
            }
        )
    else:
        out.print(f"event #{recorded.event.id} {recorded.event.kind} recorded for {recorded.event.person_id}")


@app.command()
def merge(
    survivor: Annotated[str, typer.Argument(help="The record that stays.")],
    other: Annotated[str, typer.Argument(help="The record joined into it.")],
    reason: Annotated[str, typer.Option(help="Why these are one man.")],
) -> None:
    """Join two records of one man; both ids then resolve to the first."""
    with _refusals():
        kept, merged = registry.merge_persons(
            uow=_uow(), survivor_ref=survivor, other_ref=other, reason=reason, recorded_by=_user()
        )
    out.print(f"{merged} merged into {kept}")


@app.command()
def unmerge(
    ref: Annotated[str, typer.Argument(help="The merged record (or a survivor with one merge).")],
    reason: Annotated[str, typer.Option(help="Why the merge was wrong.")] = "",
) -> None:
    """Undo a merge."""
    with _refusals():
        restored, survivor = registry.unmerge_person(uow=_uow(), ref=ref, recorded_by=_user(), reason=reason)
    out.print(f"{restored} no longer merged into {survivor}")


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Count distinct current persons by custody and status."""
    with _refusals():
        figures = registry.registry_stats(uow=_uow(write=False))
    if as_json:
        _print_json(figures)
        return
    out.print(f"persons: {figures['persons']}   events: {figures['events']}   places: {figures['places']}")
    for key in ("by_custody", "by_status"):
        out.print("  " + ", ".join(f"{k} {v}" for k, v in figures[key].items()))


@app.command()
def verify() -> None:
    """Recompute the hash chain, rebuild the projections and check the audit chain; name what does not fit."""
    with _refusals():
        report = integrity.verify_registry(uow=_uow(write=False))
    if not report.ok:
        for problem in report.problems:
            err.print(f"FAIL {_escape(problem)}")
        _fail(f"verify failed after checking {report.events} events and {report.audit_records} audit records")
    out.print(
        f"ok: {report.events} events in one unbroken chain; {report.persons} persons rebuilt; "
        f"{report.audit_records} audit records in one unbroken chain"
    )


@place_app.command("add")
def place_add(
    code: Annotated[str, typer.Argument(help="A short code, e.g. CAMP-1")],
    name: Annotated[str, typer.Option(help="The place's name.")],
    kind: Annotated[str, typer.Option(help="camp, hospital, transit or other")] = "camp",
    capacity: Annotated[int | None, typer.Option(help="How many people it can hold.")] = None,
    address: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Register a place of detention."""
    with _refusals():
        registry.add_place(uow=_uow(), code=code, name=name, kind=kind, capacity=capacity, address=address)
    out.print(code)


@place_app.command("list")
def place_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Places of detention, with who is there now and capacity."""
    with _refusals():
        rows = registry.list_places(uow=_uow(write=False))
    if as_json:
        _print_json({"places": rows})
        return
    table = Table("code", "name", "kind", "occupants", "capacity")
    for r in rows:
        table.add_row(
            r["code"],
            r["name"],
            r["kind"],
            str(r["occupants"]),
            "" if r["capacity"] is None else str(r["capacity"]),
        )
    out.print(table)


@app.command()
def demo(
    persons: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many synthetic persons.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed for the synthetic data.")] = 1,
) -> None:
    """Fill the registry with synthetic people (Faker ru_RU and uk_UA) and their histories."""
    from powbureau.services import demo as demo_service

    with _refusals():
        engine = _engine()
        with _Progress("demo") as progress:
            result = demo_service.fill(
                engine=engine, persons=persons, seed=seed, recorded_by=_user(), progress=progress
            )
    out.print(
        f"demo: registered {result['registered']} synthetic persons, "
        f"{result['events']} events, {result['places']} places, {result['inquiries']} inquiries"
    )
    out.print("demo accounts (synthetic data only; these secrets are public): account, role, TOTP secret")
    out.print(f"every demo account's password: {demo_service.DEMO_PASSWORD}", soft_wrap=True, highlight=False)
    for account in demo_service.demo_accounts():
        line = f"  {account.name:<28} {account.role.value:<20} {account.totp_secret}"
        out.print(line, soft_wrap=True, highlight=False, markup=False)


def main() -> None:
    """Entry point of the ``powbureau`` command."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except SystemExit as exc:
        _exit(exc)
        raise


def _exit(done: SystemExit) -> None:
    """End the process without the interpreter's teardown, which frees every object one by
    one (0.15-0.2 s of CPU after a bulk import, when the work is done): the connections are
    closed, the exit handlers run and the output is flushed as at a normal exit first.
    Returns (a normal exit follows) while a thread other than a daemon still runs."""
    if any(t is not threading.main_thread() and not t.daemon for t in threading.enumerate()):
        return
    if done.code is None or isinstance(done.code, int):
        code = done.code or 0
    else:
        sys.stderr.write(f"{done.code}\n")
        code = 1
    dispose_engines()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError):  # a reader that went away (`| head`): the command's status stands
            stream.flush()
    os._exit(code)
