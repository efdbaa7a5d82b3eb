"""The files of an exchange carried out: the sheet's results coming in, the executed list going out.

``execution-entries.csv`` is what an officer types in from the paper sheet after the
exchange (docs/exchanges.md, "Execution" describes it); it is read whole, and every line
that cannot be right is named with its number. The executed list goes to the other
party and to the ICRC as CSV, protected against spreadsheet formula injection because
people open it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from powbureau.domain.errors import ImportRejected, InvalidInput
from powbureau.domain.execution import HandoverEntry, IdentityCheck, MedicalState, UnexpectedMan, Valuables
from powbureau.interchange.csvfiles import open_csv, protect_cell, unprotect_cell

__all__ = [
    "ENTRY_COLUMNS",
    "EXECUTED_LIST_COLUMNS",
    "ICRC_COLUMNS",
    "executed_list_csv",
    "read_execution_entries",
]

#: The columns of execution-entries.csv; only ``person_id`` or ``name_as_written`` is needed.
ENTRY_COLUMNS: tuple[str, ...] = (
    "line",
    "person_id",
    "present",
    "identity_method",
    "identity_checked",
    "medical_state",
    "valuables_packet",
    "valuables_note",
    "record_version",
    "unexpected",
    "name_as_written",
    "note",
)
#: The columns of the executed list, for the other party.
EXECUTED_LIST_COLUMNS: tuple[str, ...] = (
    "row",
    "person_id",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "rank",
    "unit",
    "service_number",
    "direction",
    "outcome",
    "executed_on",
    "place",
    "valuables_packet",
)
#: The ICRC's executed list adds how each man travelled (never a diagnosis).
ICRC_COLUMNS: tuple[str, ...] = (*EXECUTED_LIST_COLUMNS, "medical_state")

_NUMBER = re.compile(r"^[0-9]{1,9}$")
_YES = {"yes", "y", "true", "1", "так", "да", "x", "+"}
_NO = {"no", "n", "false", "0", "ні", "нет", ""}
_MAX_ERRORS = 200


def _flag(value: str, column: str) -> bool:
    text = value.strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise InvalidInput(f"{column} {value!r} must be yes or no", field=column)


def _words(value: str) -> list[str]:
    return value.replace(",", " ").replace(";", " ").split()


def _entry(cells: Mapping[str, str], line: int) -> HandoverEntry | UnexpectedMan:
    person_id = cells.get("person_id", "").strip() or None
    note = cells.get("note", "").strip() or None
    if _flag(cells.get("unexpected", ""), "unexpected"):
        return UnexpectedMan(cells.get("name_as_written", "").strip(), person_id, note, line)
    if person_id is None:
        raise InvalidInput(
            "person_id is empty (for a man not on the list, set unexpected to yes)", field="person_id"
        )
    present = _flag(cells.get("present", ""), "present")
    methods, checked = _words(cells.get("identity_method", "")), _words(cells.get("identity_checked", ""))
    if not present and (methods or checked):
        raise InvalidInput(
            f"{person_id} is marked absent: an absent man has no identity check at the handover",
            field="present",
        )
    identity = IdentityCheck.of(methods, checked) if methods or checked else None
    medical_text = cells.get("medical_state", "").strip()
    medical: MedicalState | None = None
    if medical_text:
        try:
            medical = MedicalState(medical_text)
        except ValueError:
            allowed = ", ".join(m.value for m in MedicalState)
            raise InvalidInput(
                f"medical_state {medical_text!r} must be one of {allowed}", field="medical_state"
            ) from None
    packet = cells.get("valuables_packet", "").strip() or None
    valuables_note = cells.get("valuables_note", "").strip() or None
    valuables = Valuables(packet, valuables_note) if packet or valuables_note else None
    version_text = cells.get("record_version", "").strip()
    version: int | None = None
    if version_text:
        if not _NUMBER.match(version_text):
            raise InvalidInput(
                f"record_version {version_text!r} must be a whole number", field="record_version"
            )
        version = int(version_text)
    return HandoverEntry(person_id, present, identity, medical, valuables, version, note, line)


def read_execution_entries(
    path: Path, *, encoding: str | None = None
) -> tuple[list[HandoverEntry], list[UnexpectedMan]]:
    """Read execution-entries.csv: the lines for listed men, and the unexpected men.

    The ``line`` column, when given, is the sheet's line number and is used in
    messages; otherwise the file's line is.

    Raises:
        InvalidInput: the file cannot be read (encoding, header).
        ImportRejected: lines that cannot be right, every one named; nothing is taken.
    """
    source = open_csv(path, encoding=encoding, required=("person_id", "name_as_written"))
    entries: list[HandoverEntry] = []
    unexpected: list[UnexpectedMan] = []
    errors: list[str] = []
    bad = 0
    try:
        for line, raw in source.rows:
            cells = {
                name: unprotect_cell(raw[i]) if i < len(raw) else "" for i, name in enumerate(source.header)
            }
            sheet_line = cells.get("line", "").strip()
            number = int(sheet_line) if _NUMBER.match(sheet_line) else line
            try:
                item = _entry(cells, number)
            except InvalidInput as exc:
                bad += 1
                if len(errors) < _MAX_ERRORS:
                    errors.append(f"line {line}, {exc.field or 'row'}: {exc}")
                continue
            if isinstance(item, UnexpectedMan):
                unexpected.append(item)
            else:
                entries.append(item)
    finally:
        source.close()
    if bad:
        raise ImportRejected(path.name, errors, bad)
    return entries, unexpected


def executed_list_csv(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> bytes:
    """The executed list as CSV (UTF-8), every cell protected against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([protect_cell("" if row.get(c) is None else str(row.get(c))) for c in columns])
    return buffer.getvalue().encode("utf-8")
