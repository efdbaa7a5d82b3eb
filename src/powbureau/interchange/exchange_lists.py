"""exchange-list.csv in, reconciliation.csv out, as ``shared/formats`` fixes them.

A list is read whole or refused whole, like persons.csv: every bad row is named with its
line, column and reason. Cells are kept as written (an empty cell is "not known"); unknown
columns are kept with each row. reconciliation.csv is meant for people to open, so its
cells are protected against spreadsheet formula injection the way reject files are
(a leading apostrophe), and this reader removes that apostrophe again: a file the bureau
wrote can be read back cell for cell.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

from powbureau.domain.errors import ImportRejected, InvalidInput
from powbureau.domain.people import FORMAT_COLUMNS, validate_identity
from powbureau.interchange.csvfiles import csv_writer, open_csv, protect_cell, unprotect_cell

if TYPE_CHECKING:
    from powbureau.services.reconciliation import Reconciled

__all__ = [
    "CLAIMED_STATES",
    "LIST_KINDS",
    "LIST_REQUIRED",
    "RECONCILIATION_COLUMNS",
    "ListRow",
    "read_exchange_list",
    "read_reconciliation",
    "write_reconciliation",
]

#: What the sending party means by a row (``list_kind``).
LIST_KINDS: Final = ("offer", "request", "held")
#: What the sender may say of the person (``claimed_state``); the cell may be empty.
CLAIMED_STATES: Final = ("held", "wounded", "deceased", "released")
#: Columns a list cannot do without: the row's reference and what the row means.
LIST_REQUIRED: Final = ("list_ref", "list_kind")
#: reconciliation.csv, in this order.
RECONCILIATION_COLUMNS: Final = ("list_ref", "person_ref", "probability", "status", "reason")

#: The persons.csv identity columns a list row may carry (everything but person_ref).
_IDENTITY: Final = FORMAT_COLUMNS[1:]
_OWN: Final = frozenset((*LIST_REQUIRED, "claimed_state", "medical_category"))
_MAX_SHOWN: Final = 1000


@dataclass(frozen=True)
class ListRow:
    """One row of an exchange list, validated.

    Attributes:
        line: where the row starts in the file (the header is line 1).
        list_ref: the sending party's reference for the row (unique in the file).
        list_kind: ``offer``, ``request`` or ``held``.
        fields: the persons.csv identity columns the file has, as written (None: empty).
        claimed_state: what the sender says of the person, or None.
        medical_category: the sender's medical category, or None.
        extra: the columns the formats do not know, as written (empty cells included).
    """

    line: int
    list_ref: str
    list_kind: str
    fields: dict[str, str | None] = field(hash=False)
    claimed_state: str | None = None
    medical_category: str | None = None
    extra: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class _RowError:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


def read_exchange_list(path: Path, *, encoding: str | None = None) -> list[ListRow]:
    """Read and validate a whole exchange-list.csv.

    Args:
        path: the file.
        encoding: its encoding when it is not UTF-8 (``cp1251``, ``koi8-r``).

    Returns:
        Every row, in the file's order.

    Raises:
        InvalidInput: the file cannot be read: missing, empty, not UTF-8 (the encoding it
            looks like is named, with ``--encoding``), or a header without a name column,
            ``list_ref`` or ``list_kind``.
        ImportRejected: one or more bad rows, each named with its line, column and reason
            (an empty or repeated list_ref, an unknown list_kind or claimed_state, a date
            that is not ISO 8601 with its ISO form, no name, a wrong number of cells).
    """
    source = open_csv(path, encoding=encoding, required=("surname", "given_name"))
    try:
        header = source.header
        missing = [c for c in LIST_REQUIRED if c not in header]
        if missing:
            raise InvalidInput(
                f"{path.name}, line 1: no {' or '.join(missing)} column "
                f"(an exchange list needs list_ref and list_kind)",
                field="header",
            )
        at = {name: i for i, name in enumerate(header)}
        identity = [(at[n], n) for n in _IDENTITY if n in at]
        unknown = [(i, n) for i, n in enumerate(header) if n not in _OWN and n not in _IDENTITY]
        rows: list[ListRow] = []
        errors: list[_RowError] = []
        seen: dict[str, int] = {}
        for line, raw in source.rows:
            if len(raw) != len(header):
                errors.append(_RowError(line, "*", f"{len(raw)} cells where the header has {len(header)}"))
                continue
            cells = [unprotect_cell(c) for c in raw]
            row, row_errors = _parse(line, cells, at, identity, unknown, seen)
            errors.extend(row_errors)
            if row is not None:
                rows.append(row)
        if errors:
            raise ImportRejected(path.name, errors[:_MAX_SHOWN], len({e.line for e in errors}))
    finally:
        source.close()
    return rows


def _parse(
    line: int,
    cells: list[str],
    at: dict[str, int],
    identity: list[tuple[int, str]],
    unknown: list[tuple[int, str]],
    seen: dict[str, int],
) -> tuple[ListRow | None, list[_RowError]]:
    errors: list[_RowError] = []

    def cell(name: str) -> str:
        return cells[at[name]].strip() if name in at else ""

    ref = cell("list_ref")
    if not ref:
        errors.append(_RowError(line, "list_ref", "empty list_ref: every row needs its reference"))
    elif ref in seen:
        errors.append(_RowError(line, "list_ref", f"list_ref {ref!r} already on line {seen[ref]}"))
    else:
        seen[ref] = line
    kind = cell("list_kind")
    if kind not in LIST_KINDS:
        shown = f"unknown list_kind {kind!r}" if kind else "empty list_kind"
        errors.append(_RowError(line, "list_kind", f"{shown} (allowed: {', '.join(LIST_KINDS)})"))
    claimed = cell("claimed_state")
    if claimed and claimed not in CLAIMED_STATES:
        errors.append(
            _RowError(
                line,
                "claimed_state",
                f"unknown claimed_state {claimed!r} (allowed: {', '.join(CLAIMED_STATES)}, or empty)",
            )
        )
    fields: dict[str, str | None] = {n: cells[i] if cells[i].strip() else None for i, n in identity}
    errors.extend(_identity_errors(line, fields))
    if errors:
        return None, errors
    medical = cell("medical_category")
    extra = {n: cells[i] for i, n in unknown}
    return ListRow(line, ref, kind, fields, claimed or None, medical or None, extra), []


def _identity_errors(line: int, fields: dict[str, str | None]) -> list[_RowError]:
    """Every identity field that cannot be right (a list's category is the sender's own word)."""
    if not ((fields.get("surname") or "").strip() or (fields.get("given_name") or "").strip()):
        return [_RowError(line, "surname", "empty name: a row needs a surname or a given name")]
    out: list[_RowError] = []
    checked = {k: v for k, v in fields.items() if k != "category"}
    for name in checked:  # every bad field, not only the first
        try:
            validate_identity({"surname": "x", name: checked[name]})
        except InvalidInput as exc:
            out.append(_RowError(line, exc.field or name, str(exc)))
    return out


def write_reconciliation(path: Path, rows: Sequence[Reconciled]) -> str:
    """Write reconciliation.csv (one row per list row, in the order given); returns its SHA-256.

    The file is written beside ``path`` and put in place whole. Cells a spreadsheet would
    run as a formula get a leading apostrophe (:func:`read_reconciliation` removes it).
    """
    partial = path.with_name(path.name + ".partial")
    digest = hashlib.sha256()
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv_writer(handle)
            writer.writerow(RECONCILIATION_COLUMNS)
            for r in rows:
                writer.writerow(
                    [
                        protect_cell(r.list_ref),
                        protect_cell(r.person_ref or ""),
                        "" if r.probability is None else f"{r.probability:.4f}",
                        r.status,
                        protect_cell(r.reason),
                    ]
                )
        digest.update(partial.read_bytes())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def read_reconciliation(path: Path) -> list[dict[str, str]]:
    """Read reconciliation.csv back, cell for cell as it was meant (protection removed).

    Raises:
        InvalidInput: the file cannot be read or lacks a column of the formats.
    """
    source = open_csv(path, required=("list_ref",))
    try:
        missing = [c for c in RECONCILIATION_COLUMNS if c not in source.header]
        if missing:
            raise InvalidInput(f"{path.name}, line 1: no {', '.join(missing)} column", field="header")
        return [
            {name: unprotect_cell(cell) for name, cell in zip(source.header, cells, strict=False)}
            for _line, cells in source.rows
        ]
    finally:
        source.close()
