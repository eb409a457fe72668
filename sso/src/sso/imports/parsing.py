"""Reading an uploaded table (CSV or XLSX) into rows of named cells.

Column headers are matched case-insensitively against each column's English name and its
Chinese aliases (the legacy system's export uses those), so either works.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from servicekit.errors import Unprocessable


class TableFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    required: bool
    description: str


@dataclass(frozen=True)
class Table:
    format: TableFormat
    #: Canonical column names, in the file's order (unknown columns are kept by their header).
    columns: list[str]
    #: (row number as a spreadsheet shows it — the header is row 1 —, cells by column name)
    rows: list[tuple[int, dict[str, str]]]


def _problem(code: str, message: str, field: str = "body") -> Unprocessable:
    return Unprocessable(
        message, code=code, errors=[{"field": field, "code": code, "message": message}]
    )


def read_table(
    content: bytes, columns: Sequence[Column], *, max_rows: int, sheet: str | None = None
) -> Table:
    if not content.strip():
        raise _problem("empty_file", "The file is empty.")
    if content.startswith(b"PK\x03\x04"):
        fmt, raw = TableFormat.xlsx, _xlsx_rows(content, sheet)
    else:
        fmt, raw = TableFormat.csv, _csv_rows(content)
    numbered = [(n, row) for n, row in raw if any(cell.strip() for cell in row)]
    if not numbered:
        raise _problem("empty_file", "The file has no header row.")
    (_, header), body = numbered[0], numbered[1:]
    names = _map_header(header, columns)
    if len(body) > max_rows:
        raise _problem("too_many_rows", f"At most {max_rows} rows per import; split the file.")
    rows = [
        (n, {names[i]: (cells[i].strip() if i < len(cells) else "") for i in range(len(names))})
        for n, cells in body
    ]
    return Table(fmt, names, rows)


def _map_header(header: list[str], columns: Sequence[Column]) -> list[str]:
    lookup = {}
    for column in columns:
        for alias in (column.name, *column.aliases):
            lookup[alias.strip().casefold()] = column.name
    names = [lookup.get(h.strip().casefold(), h.strip()) for h in header]
    duplicates = sorted({n for n in names if n and names.count(n) > 1})
    if duplicates:
        raise _problem("duplicate_columns", "Columns given twice: " + ", ".join(duplicates))
    missing = [c.name for c in columns if c.required and c.name not in names]
    if missing:
        raise _problem(
            "missing_columns",
            "Required columns missing: " + ", ".join(missing) + " (see sso/README.md, "
            "'Legacy import').",
        )
    return names


def _csv_rows(content: bytes) -> list[tuple[int, list[str]]]:
    # UTF-8 (with or without BOM) first; Excel on Chinese Windows saves CSV as GB18030/GBK.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte sequence
        raise _problem("unreadable_file", "The CSV is neither UTF-8 nor GB18030 text.")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise _problem("unreadable_file", f"The CSV cannot be read: {exc}") from exc
    return [(n, row) for n, row in enumerate(rows, start=1)]


def _xlsx_rows(content: bytes, sheet: str | None) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # only imports need it

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _problem("unreadable_file", f"The XLSX workbook cannot be read: {exc}") from exc
    try:
        worksheet = (
            workbook[sheet]
            if sheet is not None and sheet in workbook.sheetnames
            else workbook.worksheets[0]
        )
        return [
            (n, [_cell_text(v) for v in row])
            for n, row in enumerate(worksheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    """Cells as the operator sees them: 13800138000 (a number in Excel) → "13800138000"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float | Decimal):
        return format(value, "f").rstrip("0").rstrip(".")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
