"""Reading and writing CSV files as ``shared/formats`` fixes them.

Files are UTF-8 (a BOM is accepted). A file in another encoding is refused with the
encoding named, unless the caller names it. Files meant for people to open are
protected against spreadsheet formula injection: a cell starting with ``= + - @``
(or a tab or carriage return) gets a leading apostrophe, which the importer removes
again, so such a file can be corrected and imported.
"""

from __future__ import annotations

import codecs
import csv
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from powbureau.domain.errors import InvalidInput

__all__ = ["CsvSource", "guess_legacy_encoding", "open_csv", "protect_cell", "unprotect_cell"]

_SAMPLE = 1 << 16
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ENCODING_NAMES = {"cp1251": "Windows-1251", "koi8_r": "KOI8-R"}


def protect_cell(value: str) -> str:
    """Defuse a cell a spreadsheet would run as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def unprotect_cell(value: str) -> str:
    """Undo :func:`protect_cell`."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def guess_legacy_encoding(sample: bytes) -> str:
    """Tell Windows-1251 from KOI8-R in bytes that are not UTF-8.

    In both, Cyrillic letters are bytes 0xC0-0xFF, with upper and lower case swapped
    between them; read correctly, a letter after a letter is mostly lower case.
    """
    best, best_score = "cp1251", -1
    for encoding in ("cp1251", "koi8_r"):
        text = sample.decode(encoding, errors="replace")
        score = sum(1 for a, b in itertools.pairwise(text) if "а" <= a.lower() <= "я" and "а" <= b <= "я")
        if score > best_score:
            best, best_score = encoding, score
    return best


@dataclass
class CsvSource:
    """An open CSV file: its header and its rows with their line numbers."""

    path: Path
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    handle: IO[str]

    def close(self) -> None:
        """Close the file."""
        self.handle.close()


def _check_encoding(path: Path, encoding: str | None) -> str:
    with path.open("rb") as raw:
        sample = raw.read(_SAMPLE)
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InvalidInput(f"unknown encoding {encoding!r}", field="encoding") from None
        return encoding
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=len(sample) < _SAMPLE)
    except UnicodeDecodeError:
        legacy = guess_legacy_encoding(sample)
        raise InvalidInput(
            f"{path.name} is not UTF-8: it looks like {_ENCODING_NAMES[legacy]}; "
            f"convert it to UTF-8 or pass --encoding {legacy.replace('_', '-')}",
            field="encoding",
        ) from None
    return "utf-8-sig"


def open_csv(path: Path, *, encoding: str | None = None, required: Sequence[str] = ()) -> CsvSource:
    """Open a CSV file and read its header.

    Args:
        path: the file.
        encoding: the file's encoding when it is not UTF-8 (``cp1251``, ``koi8-r``).
        required: column names of which at least one must be in the header.

    Raises:
        InvalidInput: the file is missing, empty, in another encoding, or has no header.
    """
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file", field="file")
    chosen = _check_encoding(path, encoding)
    handle = path.open("r", encoding=chosen, newline="", errors="strict")
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise InvalidInput(f"{path.name}: the file is empty", field="file") from None
    except UnicodeDecodeError:
        handle.close()
        raise InvalidInput(f"{path.name}, line 1: not valid {chosen}", field="encoding") from None
    header = [h.strip() for h in header]
    if encoding is None and header and header[0].startswith("\ufeff"):
        header[0] = header[0].lstrip("\ufeff")
    if required and not set(required) & set(header):
        handle.close()
        names = " or ".join(required)
        raise InvalidInput(
            f"{path.name}, line 1: no header row naming the columns (it needs {names}); "
            f"found {', '.join(header[:6])}",
            field="header",
        )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            handle.close()
            raise InvalidInput(f"{path.name}, line 1: column {name!r} appears twice", field="header")
        if not name:
            handle.close()
            raise InvalidInput(f"{path.name}, line 1: a column has no name", field="header")
        seen.add(name)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            start = reader.line_num + 1  # a row's line is where it starts (a cell may span lines)
            for cells in reader:
                line, start = start, reader.line_num + 1
                if not "".join(cells).strip():  # a blank row (one join: this runs for every row)
                    continue
                yield line, cells
        except UnicodeDecodeError as exc:
            hint = ""
            if isinstance(exc.object, bytes):
                legacy = guess_legacy_encoding(exc.object[max(0, exc.start - 4096) : exc.end + 4096])
                hint = (
                    f": it looks like {_ENCODING_NAMES[legacy]}; convert it to UTF-8 or pass "
                    f"--encoding {legacy.replace('_', '-')}"
                )
            raise InvalidInput(
                f"{path.name}, after line {reader.line_num}: not valid UTF-8{hint}",
                field="encoding",
            ) from None
        except csv.Error as exc:
            raise InvalidInput(f"{path.name}, line {reader.line_num}: {exc}", field="file") from None

    return CsvSource(path, header, rows(), handle)


def csv_writer(handle: IO[str]) -> Any:
    """A writer in the formats' dialect: comma, minimal quoting, one newline per row."""
    return csv.writer(handle, lineterminator="\n")
