"""Import files: CSV (UTF-8, with or without BOM, else GB18030) and XLSX (first sheet), one
order per row under a header row; columns map onto `OrderCreate` (see the README)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")

#: column → where it goes in the OrderCreate body.
COLUMNS: dict[str, tuple[str, ...]] = {
    "category": ("category",),
    "direction": ("direction",),
    "customer_org_id": ("customer_org_id",),
    "amount": ("amount",),
    "source_service": ("source_service",),
    "source_ref": ("source_ref",),
    "sign_date": ("sign_date",),
    "tax_rate": ("tax_rate",),
    "seller": ("seller",),
    "counterparty_name": ("counterparty", "name"),
    "counterparty_id": ("counterparty", "id"),
    "coupon_used_at": ("extension", "coupon_used_at"),
    "car_model": ("extension", "car_model"),
    "province_code": ("extension", "location", "province_code"),
    "city_code": ("extension", "location", "city_code"),
    "location_text": ("extension", "location", "text"),
    "merchant_id": ("extension", "merchant", "id"),
    "merchant_name": ("extension", "merchant", "name"),
    "product_id": ("extension", "product", "id"),
    "product_name": ("extension", "product", "name"),
}
FORMATS = ("csv", "xlsx")

Row = dict[str, str]


class FileProblem(ValueError):
    """The file as a whole cannot be read (encoding, format, unknown columns)."""

    def __init__(self, column: str, code: str, message: str) -> None:
        super().__init__(message)
        self.column, self.code, self.message = column, code, message


def detect_format(filename: str | None, declared: str | None) -> str | None:
    if declared:
        return declared.lower() if declared.lower() in FORMATS else None
    suffix = (filename or "").rsplit(".", 1)[-1].lower()
    return suffix if suffix in FORMATS else None


def read_rows(content: bytes, file_format: str) -> list[Row]:
    """Every data row as {column: text}, empty cells left out; checks the header."""
    records = _csv_records(content) if file_format == "csv" else _xlsx_records(content)
    header = next(records, None)
    if header is None:
        raise FileProblem("", "empty_file", "the file has no header row")
    names = [name.strip() for name in header]
    unknown = [n for n in names if n and n not in COLUMNS]
    if unknown:
        raise FileProblem(unknown[0], "unknown_column", f"unknown column(s): {', '.join(unknown)}")
    rows = []
    for record in records:
        row = {n: v.strip() for n, v in zip(names, record, strict=False) if n and v.strip()}
        rows.append(row)
    return rows


def _csv_records(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise FileProblem("", "bad_encoding", "CSV must be UTF-8 or GB18030") from exc
    return iter(csv.reader(io.StringIO(text, newline="")))


def _xlsx_records(content: bytes) -> Iterator[list[str]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise FileProblem("", "bad_xlsx", "not a readable XLSX workbook") from exc
    sheet = book.worksheets[0]
    rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return iter(rows)


def _cell_text(value: Any) -> str:
    """A cell as the text a CSV would hold: numbers exact as shown, times in Shanghai."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        # Excel keeps doubles: the shortest repr is what the user typed ("12.5", not 12.4999…).
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            if value.time() == time():
                return value.date().isoformat()
            value = value.replace(tzinfo=BUSINESS_TZ)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_body(row: Row) -> dict[str, Any]:
    """The OrderCreate body of a row (nested as the API's JSON)."""
    body: dict[str, Any] = {}
    for column, value in row.items():
        node = body
        *parents, leaf = COLUMNS[column]
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return body


def column_of(loc: tuple[str | int, ...]) -> str:
    """The column a validation error's location points at; a group ("extension",
    "counterparty") when the error is about the group as a whole."""
    path = tuple(str(p) for p in loc)
    for column, target in COLUMNS.items():
        if path[: len(target)] == target:
            return column
    return ".".join(path)
