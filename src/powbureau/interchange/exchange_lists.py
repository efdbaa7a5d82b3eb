"""exchange-list.csv as ``shared/formats`` fixes it: a party's list for an exchange.

A list is read whole or refused naming every bad row, as persons.csv is: a list that
decides who crosses a border is not taken in part. Cells are kept as written, in any
script; the protective apostrophe of a file the bureau wrote is removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from powbureau.domain.dates import parse_partial_date
from powbureau.domain.errors import ImportRejected, InvalidInput
from powbureau.domain.people import FORMAT_COLUMNS
from powbureau.interchange.csvfiles import open_csv, unprotect_cell

__all__ = ["CLAIMED_STATES", "LIST_KINDS", "ROW_COLUMNS", "ListRow", "read_exchange_list"]

#: What the sending party may mean by a row.
LIST_KINDS = ("offer", "request", "held")
#: What the sender may say of the person (an empty cell: nothing).
CLAIMED_STATES = ("held", "wounded", "deceased", "released")
#: The columns of the format beyond the identity columns of persons.csv.
ROW_COLUMNS = ("list_ref", "list_kind", "claimed_state", "medical_category")
_IDENTITY = tuple(c for c in FORMAT_COLUMNS if c not in ("person_ref", "category"))
_DATES = ("birth_date", "captured_on")


@dataclass(frozen=True)
class ListRow:
    """One row of a party's list, as written.

    Attributes:
        line: where the row starts in the file.
        list_ref: the row's reference on the sending party's list.
        list_kind: ``offer``, ``request`` or ``held``.
        fields: the persons.csv identity columns the file has, as written (None: empty).
        claimed_state: what the sender says of him (held, wounded, deceased, released), or None.
        medical_category: the sender's medical category, or None.
        extra: columns the format does not name, kept as written.
    """

    line: int
    list_ref: str
    list_kind: str
    fields: Mapping[str, str | None]
    claimed_state: str | None = None
    medical_category: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)


def read_exchange_list(path: Path, *, encoding: str | None = None) -> list[ListRow]:
    """Every row of an exchange-list.csv, in the file's order.

    Raises:
        InvalidInput: the file cannot be read (encoding, header).
        ImportRejected: naming every bad row (an empty or repeated list_ref, an unknown
            list_kind or claimed_state, a date that is not ISO 8601, no name).
    """
    source = open_csv(path, encoding=encoding, required=("surname", "given_name"))
    errors: list[str] = []
    rows: list[ListRow] = []
    try:
        for name in ("list_ref", "list_kind"):
            if name not in source.header:
                raise InvalidInput(f"{path.name}, line 1: no {name} column", field="header")
        seen: dict[str, int] = {}
        for line, cells in source.rows:
            if len(cells) != len(source.header):
                errors.append(f"line {line}: {len(cells)} cells where the header has {len(source.header)}")
                continue
            cell = {n: unprotect_cell(v).strip() for n, v in zip(source.header, cells, strict=True)}
            ref, kind = cell["list_ref"], cell["list_kind"]
            if not ref:
                errors.append(f"line {line}, column list_ref: empty list_ref")
            elif ref in seen:
                errors.append(f"line {line}, column list_ref: {ref!r} already on line {seen[ref]}")
            seen.setdefault(ref, line)
            if kind not in LIST_KINDS:
                errors.append(
                    f"line {line}, column list_kind: {kind!r} is not one of {', '.join(LIST_KINDS)}"
                )
            claimed = cell.get("claimed_state", "")
            if claimed and claimed not in CLAIMED_STATES:
                allowed = ", ".join(CLAIMED_STATES)
                errors.append(f"line {line}, column claimed_state: {claimed!r} is not one of {allowed}")
            fields = {n: (cell[n] or None) for n in _IDENTITY if n in cell}
            if not (fields.get("surname") or fields.get("given_name")):
                errors.append(f"line {line}, column surname: names nobody")
            for name in _DATES:
                if fields.get(name):
                    try:
                        parse_partial_date(str(fields[name]))
                    except InvalidInput as exc:
                        errors.append(f"line {line}, column {name}: {exc}")
            extra = {n: v for n, v in cell.items() if n not in _IDENTITY and n not in ROW_COLUMNS and v}
            rows.append(
                ListRow(
                    line,
                    ref,
                    kind,
                    fields,
                    claimed or None,
                    cell.get("medical_category") or None,
                    extra,
                )
            )
    finally:
        source.close()
    if errors:
        raise ImportRejected(path.name, errors[:1000], len(errors))
    return rows
