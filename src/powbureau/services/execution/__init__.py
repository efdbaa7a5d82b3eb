"""Use cases of carrying out an exchange, of a release to a family, and of the reports.

The border point often has no network, so the bureau prints a sheet of the agreed list
(:func:`execution_sheet_pdf`), the officer fills it in by hand, and the results are
entered afterwards (:func:`record_execution`), all or nothing: the per-man lines, the
scan of the signed handover list with its SHA-256, an ``exchanged`` event for every man
handed over or received, and the discrepancies. Absent and unexpected men get no event
until an officer resolves them (:func:`resolve_discrepancy`). :func:`release_to_family`
hands a man we hold to his family (the seeds: mothers collecting their sons in Kyiv).

These services take the agreed list as ``persons`` from their caller; the exchange model
owns the list, and the command line and the API get it through :func:`agreed_persons`.

* ``handover``  - scans, entering the sheet, resolving discrepancies
* ``documents`` - the sheet, the internal view, the executed list (CSV, PDF); all audited
* ``releases``  - a release to a family
"""

from __future__ import annotations

from powbureau.services.execution.documents import (
    Audience,
    Document,
    ExecutedList,
    ExecutionSheet,
    SheetLine,
    carried_out,
    executed_list,
    executed_list_csv,
    executed_list_pdf,
    execution_sheet,
    execution_sheet_pdf,
    execution_view,
)
from powbureau.services.execution.handover import (
    MAX_SCAN_BYTES,
    ExecutionResult,
    ResolutionResult,
    ScanFile,
    ScanInfo,
    agreed_persons,
    attach_scan,
    attached_scans,
    record_execution,
    resolve_discrepancy,
)
from powbureau.services.execution.releases import ReleaseResult, release_to_family

__all__ = [
    "MAX_SCAN_BYTES",
    "Audience",
    "Document",
    "ExecutedList",
    "ExecutionResult",
    "ExecutionSheet",
    "ReleaseResult",
    "ResolutionResult",
    "ScanFile",
    "ScanInfo",
    "SheetLine",
    "agreed_persons",
    "attach_scan",
    "attached_scans",
    "carried_out",
    "executed_list",
    "executed_list_csv",
    "executed_list_pdf",
    "execution_sheet",
    "execution_sheet_pdf",
    "execution_view",
    "record_execution",
    "release_to_family",
    "resolve_discrepancy",
]
