"""``powbureau trace``: who in our custody may be the man a family asks about.

``trace name`` takes what a mother writes ("Дима Коваленко 2001") and any field as an
option; ``trace batch`` reads inquiries.csv and writes trace-results.csv. Both store
nothing. The conventions are those of ``cli.py``: standard output carries only the
result, errors exit 1 without a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from powbureau.domain.people import display_name
from powbureau.matching import Candidate, parse_birth, query_from_text

if TYPE_CHECKING:
    from powbureau.services.tracing import BureauPrior

__all__ = ["trace_app"]

trace_app = typer.Typer(help="Trace: who in our custody may be the man asked about.", no_args_is_help=True)


def _candidate_json(rank: int, c: Candidate, row: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {}
    return {
        "rank": rank,
        "person_id": c.person_id,
        "person_ref": c.person_ref or c.person_id,
        "probability": round(c.probability, 4),
        "weight": round(c.weight, 2),
        "name": display_name(row) if row else None,
        "birth_date": row.get("birth_date"),
        "status": row.get("status"),
        "status_on": row.get("status_on"),
        "agreed": list(c.agreed),
        "disagreed": list(c.disagreed),
        "missing": list(c.missing),
        "names_only": c.names_only,
        "cannot_tell_apart": list(c.cannot_tell_apart),
        "separating": list(c.separating),
        "possible_duplicates": list(c.possible_duplicates),
        "notes": list(c.notes),
    }


@trace_app.command("name")
def trace_name(
    text: Annotated[str, typer.Argument(help='Free text as written: "Дима Коваленко 2001".')] = "",
    surname: Annotated[str | None, typer.Option(help="Surname, any script.")] = None,
    given_name: Annotated[str | None, typer.Option(help="Given name, full or diminutive.")] = None,
    patronymic: Annotated[str | None, typer.Option(help="Patronymic.")] = None,
    born: Annotated[str | None, typer.Option(help="Birth date: 2001, 2001-03, 14.03.2001.")] = None,
    unit: Annotated[str | None, typer.Option(help="Unit as written (в/ч 12345).")] = None,
    service_number: Annotated[str | None, typer.Option(help="Service number.")] = None,
    mother_name: Annotated[str | None, typer.Option(help="Mother's name.")] = None,
    father_name: Annotated[str | None, typer.Option(help="Father's given name.")] = None,
    last_seen_on: Annotated[str | None, typer.Option(help="When he was last heard of (ISO date).")] = None,
    last_seen_place: Annotated[str | None, typer.Option(help="Where he was last heard of.")] = None,
    top: Annotated[int, typer.Option(min=1, max=1000, help="How many candidates at most.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Rank the persons in our custody (now or before) who may be the man asked about."""
    from powbureau.cli import _escape, _print_json, _reader, _refusals, _uow, out
    from powbureau.services import tracing

    with _refusals():
        query = query_from_text(
            text,
            surname=surname,
            given_name=given_name,
            patronymic=patronymic,
            birth_date=parse_birth(born) if born else None,
            unit=unit,
            service_number=service_number,
            mother_name=mother_name,
            father_name=father_name,
            last_seen_on=parse_birth(last_seen_on) if last_seen_on else None,
            last_seen_place=last_seen_place,
        )
        found, rows = tracing.trace_with_records(
            uow=_uow(write=False), reader=_reader(), query=query, top=top
        )
    if as_json:
        asked = {k: v for k, v in query.__dict__.items() if v}
        candidates = [_candidate_json(i, c, dict(rows.get(c.person_id, {}))) for i, c in enumerate(found, 1)]
        _print_json({"query": asked, "candidates": candidates})
        return
    if not found:
        out.print("no candidate: nobody registered in our custody fits this inquiry yet")
        return
    table = Table("#", "probability", "person", "name", "born", "status", "why")
    for i, c in enumerate(found, start=1):
        row = dict(rows.get(c.person_id, {}))
        person = c.person_ref if c.person_ref == c.person_id else f"{c.person_ref}\n{c.person_id}"
        status = " ".join(str(row.get(k) or "") for k in ("status", "status_on")).strip()
        table.add_row(
            str(i),
            f"{c.probability:.4f}",
            _escape(person),
            _escape(display_name(row)) if row else "",
            str(row.get("birth_date") or ""),
            status,
            _escape(c.explanation()),
        )
    out.print(table)


@trace_app.command("batch")
def trace_batch(
    file: Annotated[Path, typer.Argument(help="inquiries.csv (shared/formats)")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write trace-results.csv.")],
    top: Annotated[int, typer.Option(min=1, max=1000, help="How many candidates per inquiry at most.")] = 10,
    encoding: Annotated[str | None, typer.Option(help="The file's encoding if not UTF-8.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    prior_registered: Annotated[
        float | None,
        typer.Option(
            "--prior-registered",
            help="The share of these inquiries thought to be about registered men (the prior; "
            "`trace prior FILE` estimates it). Default: the settings' one half.",
        ),
    ] = None,
) -> None:
    """Trace every inquiry of inquiries.csv into trace-results.csv; stores nothing."""
    from powbureau.cli import _print_json, _Progress, _reader, _refusals, _uow, out
    from powbureau.services import tracing

    with _refusals(), _Progress(f"tracing {file.name}") as progress:
        settings = (
            None if prior_registered is None else tracing.settings_with_registered_share(prior_registered)
        )
        summary = tracing.trace_batch(
            settings=settings,
            uow=_uow(write=False),
            reader=_reader(),
            inquiries_csv=file,
            top=top,
            out=out_file,
            encoding=encoding,
            progress=progress,
        )
    if as_json:
        _print_json(summary.as_dict())
        return
    out.print(
        f"{summary.file}: {summary.inquiries} inquiries; {summary.with_candidates} with candidates, "
        f"{summary.confident} confident; {summary.rows} rows written to {json.dumps(summary.out)}"
    )


@trace_app.command("prior")
def trace_prior(
    file: Annotated[
        Path | None,
        typer.Argument(help="inquiries.csv (shared/formats) to estimate from; none: show the recorded prior"),
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="The file's encoding if not UTF-8.")] = None,
    cases: Annotated[
        bool, typer.Option("--cases", help="Estimate from the registry's tracing cases instead of a file.")
    ] = False,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="Record the estimate as the bureau's prior for every family inquiry."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Estimate how many inquiries are about registered men: the prior of every probability.

    Fitted by expectation-maximisation on the candidates' weights, as Splink estimates the
    share of matches; no answer is known or needed, and nobody is named. With --apply the
    estimate becomes the bureau's prior (who and when are kept); `trace batch
    --prior-registered` overrides it for one file.
    """
    from powbureau.cli import _print_json, _refusals, _uow, _user, out
    from powbureau.services import inquiries, tracing

    if file is not None and cases:
        raise typer.BadParameter("give a file or --cases, not both")
    with _refusals():
        if file is None and not cases:
            _show_prior(tracing.read_bureau_prior(uow=_uow(write=False)), as_json)
            return
        if file is not None:
            source = file.name
            estimate = tracing.estimate_registered_share(
                uow=_uow(write=False), inquiries_csv=file, encoding=encoding
            )
        else:
            source = "the tracing cases"
            estimate = inquiries.estimate_prior_from_cases(uow=_uow(write=False))
        if apply:
            tracing.record_bureau_prior(
                uow=_uow(),
                registered=estimate.registered,
                inquiries=estimate.inquiries,
                estimated_from=source,
                recorded_by=_user(),
            )
    if as_json:
        _print_json(
            {
                "file": source,
                "inquiries": estimate.inquiries,
                "registered": round(estimate.registered, 4),
                "rounds": estimate.rounds,
                "converged": estimate.converged,
                "applied": apply,
            }
        )
        return
    done = "recorded as the bureau's prior" if apply else "record it with --apply"
    out.print(
        f"{source}: about {estimate.registered:.1%} of {estimate.inquiries} inquiries are about registered "
        f"men (EM, {estimate.rounds} rounds{'' if estimate.converged else ', not converged'}); {done}"
    )


def _show_prior(prior: BureauPrior | None, as_json: bool) -> None:
    """The recorded prior, as text or JSON."""
    from powbureau.cli import _print_json, out

    if as_json:
        _print_json({"prior": None if prior is None else prior.as_dict()})
    elif prior is None:
        out.print("no prior recorded: every inquiry assumes one half of inquiries are about registered men")
    else:
        out.print(
            f"{prior.registered:.1%} of family inquiries are taken to be about registered men "
            f"(from {prior.estimated_from}, {prior.inquiries} inquiries; "
            f"recorded by {prior.recorded_by} at {prior.recorded_at})"
        )
