"""``powbureau exchange``: exchanges of prisoners with the other side.

``exchange reconcile FILE --out FILE`` is the read-only form of reconciliation: it reads
the other side's exchange-list.csv, matches every row against the persons its list_kind
names, and writes reconciliation.csv; it stores nothing but the audit record. The
conventions are those of ``cli.py``: standard output carries only the result, errors exit
1 without a traceback, usage errors 2.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["exchange_app"]

exchange_app = typer.Typer(help="Exchanges of prisoners with the other side.", no_args_is_help=True)


@exchange_app.command("reconcile")
def reconcile(
    file: Annotated[Path, typer.Argument(help="exchange-list.csv (shared/formats)")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write reconciliation.csv.")],
    encoding: Annotated[
        str | None, typer.Option(help="The file's encoding if not UTF-8 (cp1251, koi8-r).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
) -> None:
    """Match every row of the other side's list against the registry; stores nothing."""
    from powbureau.cli import _escape, _print_json, _reader, _refusals, _uow, out
    from powbureau.services import reconciliation

    with _refusals():
        summary = reconciliation.reconcile_file(
            uow=_uow(write=False),
            reader=_reader(),
            path=file,
            out=out_file,
            encoding=encoding,
            workers=min(2, os.cpu_count() or 1),
        )
    if as_json:
        _print_json(summary.as_dict())
        return
    counts = ", ".join(f"{n} {s}" for s, n in summary.as_dict()["statuses"].items())
    out.print(
        _escape(f"{summary.file}: {summary.rows} rows ({counts}); written to {json.dumps(summary.out)}")
    )
