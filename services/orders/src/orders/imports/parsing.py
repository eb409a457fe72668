"""Import files: CSV (UTF-8, with or without BOM, else GB18030) and XLSX (first sheet) under a
header row; columns (English names or their Chinese headers) map onto `OrderCreate` (see the
README). One order per row — or, with line columns, one row per order line: consecutive rows
with the same source_service + source_ref are one order, its order columns on the first row
(repeating them on the other rows is allowed when they are equal)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from shared_schemas import OrderCategory, OrderDirection, SellingEntity

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
    # One order line per row (see LINE_COLUMNS).
    "line_description": ("lines", "description"),
    "line_quantity": ("lines", "quantity"),
    "line_unit_price": ("lines", "unit_price"),
    "line_tax_rate": ("lines", "tax_rate"),
    "line_amount": ("lines", "amount"),
}
LINE_COLUMNS = tuple(c for c, target in COLUMNS.items() if target[0] == "lines")
#: Chinese column headers (as finance and business clerks name them) → column.
ALIASES: dict[str, str] = {
    "类别": "category", "订单类别": "category",
    "方向": "direction", "收付方向": "direction",
    "客户机构": "customer_org_id", "客户机构ID": "customer_org_id",
    "金额": "amount", "订单金额": "amount",
    "来源系统": "source_service",
    "订单号": "source_ref", "来源单号": "source_ref",
    "签单日期": "sign_date",
    "税率": "tax_rate",
    "销售主体": "seller",
    "交易对方": "counterparty_name", "交易对方编号": "counterparty_id",
    "核销时间": "coupon_used_at", "券使用时间": "coupon_used_at",
    "车型": "car_model",
    "省份代码": "province_code", "城市代码": "city_code", "地点": "location_text",
    "商户编号": "merchant_id", "商户名称": "merchant_name",
    "产品编号": "product_id", "产品名称": "product_name",
    "明细说明": "line_description", "数量": "line_quantity", "单价": "line_unit_price",
    "明细税率": "line_tax_rate", "明细金额": "line_amount",
}  # fmt: skip
FORMATS = ("csv", "xlsx")

Row = dict[str, str]


@dataclass(frozen=True)
class ParsedFile:
    rows: list[Row]  # data rows, keyed by column (empty cells left out)
    headers: dict[str, str]  # column → the header as the file wrote it (for error reports)

    @property
    def has_lines(self) -> bool:
        return any(c in self.headers for c in LINE_COLUMNS)


@dataclass(frozen=True)
class Unit:
    """The rows of one order: `start` is the index of its first data row."""

    start: int
    rows: list[Row]


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


def read_rows(content: bytes, file_format: str) -> ParsedFile:
    """Every data row as {column: text}, empty cells left out; checks the header."""
    records = _csv_records(content) if file_format == "csv" else _xlsx_records(content)
    header = next(records, None)
    if header is None:
        raise FileProblem("", "empty_file", "the file has no header row")
    written = [name.strip() for name in header]
    names = [ALIASES.get(n, n) for n in written]
    unknown = [w for w, n in zip(written, names, strict=True) if n and n not in COLUMNS]
    if unknown:
        raise FileProblem(unknown[0], "unknown_column", f"unknown column(s): {', '.join(unknown)}")
    twice = [n for n in dict.fromkeys(names) if n and names.count(n) > 1]
    if twice:
        raise FileProblem(twice[0], "duplicate_column", f"column {twice[0]} appears twice")
    rows = []
    for record in records:
        row = {n: v.strip() for n, v in zip(names, record, strict=False) if n and v.strip()}
        rows.append(row)
    return ParsedFile(rows, {n: w for n, w in zip(names, written, strict=True) if n})


def units(parsed: ParsedFile) -> list[Unit]:
    """The orders of the file: a row each, or consecutive rows of one source reference when
    the file has line columns."""
    if not parsed.has_lines:
        return [Unit(i, [row]) for i, row in enumerate(parsed.rows)]
    found: list[Unit] = []
    for i, row in enumerate(parsed.rows):
        key = (row.get("source_service"), row.get("source_ref"))
        last = found[-1].rows[0] if found else None
        if (
            last is not None
            and key[1]
            and key == (last.get("source_service"), last.get("source_ref"))
        ):
            found[-1].rows.append(row)
        else:
            found.append(Unit(i, [row]))
    return found


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


#: column → (its parents' keys, its own key) in the OrderCreate body.
_TARGETS = {column: (target[:-1], target[-1]) for column, target in COLUMNS.items()}


#: A labelled column may be written as its Chinese label (风险评估, 应收, 科技公司), as the
#: export writes it, or as its code.
_FROM_LABEL: dict[str, dict[str, str]] = {
    column: {member.label_zh: member.value for member in enum}
    for column, enum in (
        ("category", OrderCategory),
        ("direction", OrderDirection),
        ("seller", SellingEntity),
    )
}


def to_body(rows: list[Row]) -> tuple[dict[str, Any], list[tuple[int, str, str, str]]]:
    """The OrderCreate body of an order's rows (nested as the API's JSON), and the problems
    found on the way: (row offset, column, code, message) — an order column on a later row
    that differs from the first row's."""
    body: dict[str, Any] = {}
    problems: list[tuple[int, str, str, str]] = []
    lines: list[dict[str, Any]] = []
    for offset, row in enumerate(rows):
        line: dict[str, Any] = {}
        for column, value in row.items():
            parents, leaf = _TARGETS[column]
            if parents == ("lines",):
                line[leaf] = value
                continue
            node = body
            for key in parents:
                node = node.setdefault(key, {})
            value = _FROM_LABEL.get(column, {}).get(value.strip(), value)
            earlier = node.setdefault(leaf, value)
            if earlier != value:
                problems.append((offset, column, "inconsistent_order_column",
                                 f"differs from the order's first row ({earlier})"))  # fmt: skip
        if line:
            lines.append(line)
    if lines:
        body["lines"] = lines
    return body, problems


def column_of(loc: tuple[str | int, ...]) -> tuple[str, int]:
    """The column a validation error's location points at, and the line (0 when not about a
    line); a group ("extension", "counterparty", "lines") when the error is about the group as
    a whole."""
    path = tuple(str(p) for p in loc)
    line = 0
    if len(path) >= 2 and path[0] == "lines" and path[1].isdigit():
        line, path = int(path[1]), ("lines", *path[2:])
    for column, target in COLUMNS.items():
        if path[: len(target)] == target:
            return column, line
    return ".".join(path), line
