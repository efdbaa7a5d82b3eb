"""``powbureau audit ...``: the audit log of reads, for the auditor (a thin layer over services).

``audit verify`` recomputes the audit chain; ``audit who-read REF`` lists who read a
person, when, through what and why. The conventions are those of ``cli.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from powbureau.services import audit

__all__ = ["audit_app"]

audit_app = typer.Typer(help="The audit log: who read whose data, and why.", no_args_is_help=True)


def _cli() -> Any:
    from powbureau import cli  # the shared plumbing: --db, errors, output

    return cli


@audit_app.command("verify")
def verify(as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False) -> None:
    """Recompute the audit chain over every record and the persons it names."""
    cli = _cli()
    with cli._refusals():
        report = audit.verify_audit(uow=cli._uow(write=False))
    if as_json:
        cli._print_json({"ok": report.ok, "records": report.records, "problems": report.problems})
    elif report.ok:
        cli.out.print(f"ok: {report.records} audit records in one unbroken chain")
    else:
        for problem in report.problems:
            cli.err.print(f"FAIL {cli._escape(problem)}")
    if not report.ok:
        cli._fail(f"audit verify failed after checking {report.records} audit records")


@audit_app.command("who-read")
def who_read(
    ref: Annotated[str, typer.Argument(help="Registry id, SOURCE:person_ref or person_ref.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Who read a person's data (and the records merged into his), oldest first; one line a read."""
    cli = _cli()
    with cli._refusals():
        reads = audit.who_read(uow=cli._uow(write=False), ref=ref)
    if as_json:
        cli._print_json({"ref": ref, "reads": [r._asdict() for r in reads]})
        return
    if not reads:
        cli.out.print(f"nobody has read {cli._escape(ref)} yet")
        return
    for r in reads:
        line = f"#{r.audit_id} {r.at[:19].replace('T', ' ')} {cli._escape(r.user)} via {r.channel}: "
        line += f"{r.action} of {r.person_id}"
        if r.persons > 1:
            line += f" and {r.persons - 1} more"
        if r.case_id:
            line += f"; case {cli._escape(r.case_id)}"
        else:
            line += "; [red]flagged[/]: " + (
                cli._escape(r.reason) if r.reason else "no case, no reason given"
            )
        if r.file_sha256:
            line += f"; file sha256 {r.file_sha256}"
        cli.out.print(line)


@audit_app.command("extract")
def extract(
    out: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    ref: Annotated[str | None, typer.Option("--person", help="Only the reads of this person (REF).")] = None,
    flagged: Annotated[bool, typer.Option("--flagged", help="Only reads through no case.")] = False,
) -> None:
    """Write the audit log to a CSV file for the auditor (formula-safe; no person data)."""
    cli = _cli()
    with cli._refusals():
        count, digest = audit.write_audit_extract(
            uow=cli._uow(write=False), out=out, flagged_only=flagged, ref=ref
        )
    cli.out.print(f"{count} audit records written to {out} (sha256 {digest})")
