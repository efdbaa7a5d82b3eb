"""``powbureau exchange execute | resolve | report | release``: carrying out an exchange.

A thin layer over :mod:`powbureau.services.execution`. The agreed list comes from the
exchange model (``--person`` names the men while it is not installed); every document
written is audited by the service with its SHA-256, and put in place only after that.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from powbureau.domain.access import Reader
from powbureau.domain.errors import ImportRejected, InvalidInput
from powbureau.domain.execution import Handover, IdentityCheck, MedicalState, Outcome, Resolution, Valuables
from powbureau.domain.family_release import Consent, ConsentForm, FamilyCheck, FamilyRelease, InformedHow
from powbureau.interchange.execution_files import read_execution_entries
from powbureau.services import execution

execution_app = typer.Typer(
    help="Exchanges carried out: the border sheet, its results, the reports; releases to families.",
    no_args_is_help=True,
)

_PERSON_HELP = "A man of the agreed list (registry id); repeat. Needed while the exchange model is absent."


def _cli() -> Any:
    from powbureau import cli  # the shared plumbing: --db, errors, output

    return cli


def _reader(exchange_id: str) -> Reader:
    """The command line's reader, reading through the exchange (its id is the audit record's case)."""
    reader: Reader = _cli()._reader(exchange_id if len(exchange_id) <= 32 else None)
    return reader


def _write(path: Path, content: bytes) -> None:
    """Write a document beside ``path`` and put it in place whole."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(content)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _words(value: str | None) -> list[str]:
    return (value or "").replace(",", " ").split()


def _choice(enum: Any, value: str | None, option: str) -> Any:
    if value is None:
        return None
    try:
        return enum(value.replace("-", "_"))
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidInput(f"{option} {value!r} must be one of {allowed}", field=option) from None


@execution_app.command("execute")
def execute(
    exchange: Annotated[str, typer.Argument(help="The exchange id.")],
    person: Annotated[list[str] | None, typer.Option("--person", help=_PERSON_HELP)] = None,
    sheet: Annotated[
        Path | None, typer.Option(help="Print the sheet to fill in at the border (PDF).")
    ] = None,
    language: Annotated[str, typer.Option(help="The sheet's language: uk, ru or en.")] = "uk",
    entries: Annotated[
        Path | None,
        typer.Option(help="The filled-in sheet as execution-entries.csv (docs/exchanges.md, Execution)."),
    ] = None,
    scan: Annotated[
        Path | None, typer.Option(help="The scan of the signed handover list (PDF, JPEG, PNG, TIFF).")
    ] = None,
    officer: Annotated[str | None, typer.Option(help="The bureau's officer at the handover.")] = None,
    icrc_delegate: Annotated[
        str | None, typer.Option("--icrc-delegate", help="The ICRC delegate present.")
    ] = None,
    other_party_officer: Annotated[
        str | None, typer.Option("--other-party-officer", help="The other party's officer, if named.")
    ] = None,
    on: Annotated[str | None, typer.Option(help="The day of the handover, YYYY-MM-DD.")] = None,
    place: Annotated[str | None, typer.Option(help="The border point.")] = None,
    encoding: Annotated[str | None, typer.Option(help="The entries file's encoding if not UTF-8.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Print the sheet (--sheet), enter its results (--entries, --scan), attach a scan
    (--scan alone), or show the handover as entered (none of these)."""
    cli = _cli()
    with cli._refusals():
        if sheet is not None:
            persons = execution.agreed_persons(
                uow=cli._uow(write=False), exchange_id=exchange, given=person or ()
            )
            document = execution.execution_sheet_pdf(
                uow=cli._uow(write=False),
                reader=_reader(exchange),
                exchange_id=exchange,
                persons=persons,
                language=language,
            )
            _write(sheet, document.content)
            cli.out.print(f"wrote the execution sheet of {exchange} ({len(persons)} men) to {sheet}")
            return
        if entries is not None:
            _record(
                cli,
                exchange,
                person or (),
                entries,
                scan,
                officer,
                icrc_delegate,
                other_party_officer,
                on,
                place,
                encoding,
                as_json,
            )
            return
        if scan is not None:
            info = execution.attach_scan(
                uow=cli._uow(),
                exchange_id=exchange,
                scan=execution.ScanFile(scan, scan.name),
                attached_by=cli._user(),
            )
            if as_json:
                cli._print_json(info.__dict__)
            else:
                cli.out.print(
                    f"attached {info.filename} to {exchange} as scan #{info.scan_id}: SHA-256 {info.sha256}"
                )
            return
        view = execution.execution_view(
            uow=cli._uow(write=False), reader=_reader(exchange), exchange_id=exchange
        )
    if as_json:
        cli._print_json(view)
        return
    h = view["handover"]
    cli.out.print(
        f"{exchange}: carried out on {h['executed_on']} at {cli._escape(h['place'])}; officer "
        f"{cli._escape(h['officer'])}, ICRC delegate {cli._escape(h['icrc_delegate'])}"
    )
    present = sum(1 for e in view["entries"] if e["present"])
    cli.out.print(
        f"  {present} of {len(view['entries'])} men on the list present; scans: {len(view['scans'])}"
    )
    for d in view["discrepancies"]:
        who = d["person_id"] or cli._escape(d["name_as_written"] or "")
        state = f"{d['outcome']} ({cli._escape(d['resolved_by'])})" if d["resolved_at"] else "open"
        cli.out.print(f"  discrepancy #{d['id']} {d['kind']}: {who}: {state}")


def _record(
    cli: Any,
    exchange: str,
    person: Sequence[str],
    entries: Path,
    scan: Path | None,
    officer: str | None,
    icrc_delegate: str | None,
    other_party_officer: str | None,
    on: str | None,
    place: str | None,
    encoding: str | None,
    as_json: bool,
) -> None:
    try:
        lines, unexpected = read_execution_entries(entries, encoding=encoding)
    except ImportRejected as exc:
        for error in exc.errors:
            cli.err.print(cli._escape(str(error)))
        cli._fail(f"{entries.name} refused, nothing was entered: {exc.bad_rows} bad line(s)")
    persons = execution.agreed_persons(uow=cli._uow(write=False), exchange_id=exchange, given=person)
    result = execution.record_execution(
        uow=cli._uow(),
        exchange_id=exchange,
        persons=persons,
        handover=Handover(on or "", place or "", officer or "", icrc_delegate or "", other_party_officer),
        entries=lines,
        unexpected=unexpected,
        scan=execution.ScanFile(scan, scan.name) if scan is not None else None,
        recorded_by=cli._user(),
    )
    for warning in result.warnings:
        cli.err.print(f"warning: {cli._escape(warning)}")
    if as_json:
        cli._print_json(
            {
                "exchange_id": result.exchange_id,
                "exchanged": [{"person_id": p, "event_id": e} for p, e in result.exchanged],
                "discrepancies": result.discrepancies,
                "scans": [s.__dict__ for s in result.scans],
                "warnings": result.warnings,
            }
        )
        return
    open_ = ", ".join(f"#{d}" for d in result.discrepancies)
    cli.out.print(
        f"{exchange}: {len(result.exchanged)} men exchanged; "
        f"{len(result.discrepancies)} discrepancies to resolve" + (f" ({open_})" if open_ else "")
    )


@execution_app.command("resolve")
def resolve(
    exchange: Annotated[str, typer.Argument(help="The exchange id.")],
    discrepancy: Annotated[int, typer.Argument(help="The discrepancy's number.")],
    outcome: Annotated[str, typer.Option(help="exchanged or not_exchanged.")],
    reason: Annotated[str, typer.Option(help="Why; stays inside the bureau.")],
    by: Annotated[str | None, typer.Option(help="The officer who decided (default: you).")] = None,
    person: Annotated[
        str | None, typer.Option(help="An unexpected man's registry id, when he is exchanged.")
    ] = None,
    identity_method: Annotated[str | None, typer.Option(help="How his identity was confirmed.")] = None,
    identity_checked: Annotated[str | None, typer.Option(help="The record's fields that agreed.")] = None,
    medical_state: Annotated[
        str | None, typer.Option(help="fit, walking_wounded, seated, stretcher.")
    ] = None,
    valuables_packet: Annotated[str | None, typer.Option(help="The valuables packet returned.")] = None,
    valuables_note: Annotated[str | None, typer.Option(help="Or a note on his valuables.")] = None,
    on: Annotated[
        str | None, typer.Option(help="When he was handed over (default: the exchange's day).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Resolve an absent or unexpected man: exchanged after all, or not exchanged."""
    cli = _cli()
    with cli._refusals():
        identity = None
        if identity_method or identity_checked:
            identity = IdentityCheck.of(_words(identity_method), _words(identity_checked))
        valuables = (
            Valuables(valuables_packet, valuables_note) if valuables_packet or valuables_note else None
        )
        result = execution.resolve_discrepancy(
            uow=cli._uow(),
            exchange_id=exchange,
            discrepancy_id=discrepancy,
            resolution=Resolution(
                _choice(Outcome, outcome, "outcome"),
                by or cli._user(),
                reason,
                person,
                identity,
                _choice(MedicalState, medical_state, "medical_state"),
                valuables,
                on,
            ),
            recorded_by=cli._user(),
        )
    if as_json:
        cli._print_json(result.__dict__)
        return
    event = f"; event #{result.event_id}" if result.event_id else ""
    cli.out.print(f"discrepancy #{result.discrepancy_id} resolved: {result.outcome}{event}")


@execution_app.command("report")
def report(
    exchange: Annotated[str, typer.Argument(help="The exchange id.")],
    pdf: Annotated[Path | None, typer.Option(help="Write the executed list as PDF here.")] = None,
    csv: Annotated[Path | None, typer.Option(help="Write the executed list as CSV here.")] = None,
    audience: Annotated[str, typer.Option("--for", help="other-party or icrc.")] = "other-party",
    language: Annotated[str, typer.Option(help="The PDF's language: uk, ru or en.")] = "uk",
) -> None:
    """The executed list for the other party or the ICRC: agreed names only, no internal reasons."""
    cli = _cli()
    if pdf is None and csv is None:
        cli._fail("name --pdf FILE, --csv FILE or both", 2)
    with cli._refusals():
        whom = _choice(execution.Audience, audience, "--for")
        if csv is not None:
            document = execution.executed_list_csv(
                uow=cli._uow(write=False), reader=_reader(exchange), exchange_id=exchange, audience=whom
            )
            _write(csv, document.content)
            cli.out.print(f"wrote {csv} (SHA-256 {document.sha256})")
        if pdf is not None:
            document = execution.executed_list_pdf(
                uow=cli._uow(write=False),
                reader=_reader(exchange),
                exchange_id=exchange,
                audience=whom,
                language=language,
            )
            _write(pdf, document.content)
            cli.out.print(f"wrote {pdf} (SHA-256 {document.sha256})")


@execution_app.command("release")
def release(
    ref: Annotated[str, typer.Argument(help="The man (registry id, SOURCE:person_ref or person_ref).")],
    consent: Annotated[
        bool, typer.Option("--consent/--no-consent", help="He consents to go with his family (required).")
    ] = False,
    consent_form: Annotated[
        str | None, typer.Option(help="signed_statement, recorded_interview or before_icrc_delegate.")
    ] = None,
    consent_on: Annotated[str | None, typer.Option(help="When his consent was recorded.")] = None,
    consent_by: Annotated[str | None, typer.Option(help="Who recorded his consent.")] = None,
    identity_method: Annotated[str | None, typer.Option(help="How his identity was confirmed.")] = None,
    identity_checked: Annotated[str | None, typer.Option(help="The record's fields that agreed.")] = None,
    family_name: Annotated[str | None, typer.Option(help="Who collects him.")] = None,
    relation: Annotated[
        str | None, typer.Option(help="Her or his relation: mother, father, wife, ...")
    ] = None,
    document_type: Annotated[
        str | None, typer.Option(help="The family member's document (passport, ...).")
    ] = None,
    document_number: Annotated[str | None, typer.Option(help="Its number.")] = None,
    relation_evidence: Annotated[
        str | None, typer.Option(help="What shows the relation (birth certificate).")
    ] = None,
    on: Annotated[str | None, typer.Option(help="The day of the release, YYYY-MM-DD.")] = None,
    place: Annotated[str | None, typer.Option(help="Where he was handed over.")] = None,
    officer: Annotated[str | None, typer.Option(help="The officer who released him.")] = None,
    icrc_informed_on: Annotated[str | None, typer.Option(help="When the ICRC was informed.")] = None,
    icrc_informed_how: Annotated[
        str | None, typer.Option(help="delegate_present, email, phone, letter or notification.")
    ] = None,
    icrc_note: Annotated[str | None, typer.Option(help="Whom at the ICRC, a reference.")] = None,
    note: Annotated[str | None, typer.Option(help="Internal note.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Release a man we hold into his family's hands: his consent, both identity checks, the ICRC informed."""
    cli = _cli()
    with cli._refusals():
        identity = None
        if identity_method or identity_checked:
            identity = IdentityCheck.of(_words(identity_method), _words(identity_checked))
        family = None
        if family_name or relation or document_type or document_number:
            family = FamilyCheck(
                family_name or "",
                relation or "",
                document_type or "",
                document_number or "",
                relation_evidence,
            )
        result = execution.release_to_family(
            uow=cli._uow(),
            release=FamilyRelease(
                person_ref=ref,
                consent=Consent(
                    consent, _choice(ConsentForm, consent_form, "consent_form"), consent_on, consent_by
                ),
                identity=identity,
                family=family,
                released_on=on or "",
                place=place or "",
                released_by=officer or "",
                icrc_informed_on=icrc_informed_on,
                icrc_informed_how=_choice(InformedHow, icrc_informed_how, "icrc_informed_how"),
                icrc_note=icrc_note,
                note=note,
            ),
            recorded_by=cli._user(),
        )
    if as_json:
        cli._print_json(result.__dict__)
        return
    cli.out.print(
        f"{result.person_id} released to his family (release #{result.release_id}, event #{result.event_id})"
    )
