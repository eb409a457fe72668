"""Reading a bank's statement export (CSV or XLSX) into lines, with per-row errors.

The layout is the common one of Chinese banks' 账户明细 exports (see the README): optional
title lines (账号, 户名, 查询区间 …) above a header row; the header row is the first one naming
both 交易日期 and 流水号. Amounts are yuan with up to two decimals, thousands separators
allowed; an empty cell, "-" or 0 means no money that way. CSV is UTF-8 (BOM or not) or GB18030.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
FORMATS = ("csv", "xlsx")

#: column in the file → field; several spellings banks use for the same column.
COLUMNS: dict[str, str] = {
    "交易日期": "date",
    "交易时间": "time",
    "收入金额": "income",
    "贷方发生额": "income",
    "支出金额": "expense",
    "借方发生额": "expense",
    "对方户名": "counterparty_name",
    "对方账号": "counterparty_account",
    "摘要": "memo",
    "附言": "memo",
    "摘要/附言": "memo",
    "用途": "memo",
    "流水号": "serial_no",
    "交易流水号": "serial_no",
    "余额": "balance",
    "账户余额": "balance",
}
REQUIRED = ("date", "income", "expense", "counterparty_name", "serial_no")
_FIELD_LABEL = {
    "date": "交易日期",
    "time": "交易时间",
    "income": "收入金额",
    "expense": "支出金额",
    "counterparty_name": "对方户名",
    "counterparty_account": "对方账号",
    "memo": "摘要",
    "serial_no": "流水号",
    "balance": "余额",
}
_LIMITS = {"counterparty_name": 200, "counterparty_account": 64, "memo": 500, "serial_no": 64}
_AMOUNT = re.compile(r"^[+-]?\d{1,13}(\.\d{1,2})?$")


@dataclass(frozen=True)
class StatementRow:
    row: int  # the row number in the file (1-based, as a spreadsheet shows it)
    serial_no: str
    transacted_at: datetime
    income_fen: int
    expense_fen: int
    counterparty_name: str
    counterparty_account: str
    memo: str
    balance_fen: int | None


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    code: str
    message: str
    value: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "value": self.value,
        }


class FileProblem(ValueError):
    """The file as a whole cannot be read (encoding, no header, missing columns)."""

    def __init__(self, code: str, message: str, column: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.column = code, message, column


def detect_format(filename: str | None, declared: str | None) -> str | None:
    if declared:
        return declared.lower() if declared.lower() in FORMATS else None
    suffix = (filename or "").rsplit(".", 1)[-1].lower()
    return suffix if suffix in FORMATS else None


def parse_statement(content: bytes, file_format: str) -> tuple[list[StatementRow], list[RowError]]:
    records = _csv_records(content) if file_format == "csv" else _xlsx_records(content)
    header: dict[int, str] | None = None
    rows: list[StatementRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        cells = [_text(c) for c in record]
        if header is None:
            if "交易日期" in cells and any(COLUMNS.get(c) == "serial_no" for c in cells):
                header = {i: COLUMNS[c] for i, c in enumerate(cells) if c in COLUMNS}
                missing = [f for f in REQUIRED if f not in header.values()]
                if missing:
                    raise FileProblem(
                        "missing_column",
                        f"the header row lacks {', '.join(_FIELD_LABEL[m] for m in missing)}",
                        _FIELD_LABEL[missing[0]],
                    )
            continue
        values = {field: cells[i] for i, field in header.items() if i < len(cells)}
        if not any(values.values()):
            continue
        if values.get("date", "").startswith(("合计", "总计", "本页")):
            continue  # the footer of some banks' exports
        parsed = _row(number, values, errors)
        if parsed is None:
            continue
        if parsed.serial_no in seen:
            errors.append(
                RowError(
                    number,
                    "流水号",
                    "duplicate_serial_no",
                    f"流水号 already on row {seen[parsed.serial_no]} of this file",
                    parsed.serial_no,
                )
            )
            continue
        seen[parsed.serial_no] = number
        rows.append(parsed)
    if header is None:
        raise FileProblem("no_header", "no header row naming 交易日期 and 流水号 was found")
    return rows, errors


def _row(number: int, v: dict[str, str], errors: list[RowError]) -> StatementRow | None:
    before = len(errors)

    def fail(field: str, code: str, message: str) -> None:
        errors.append(RowError(number, _FIELD_LABEL[field], code, message, v.get(field) or None))

    day = _date(v.get("date", ""))
    if day is None:
        fail("date", "invalid_date", "交易日期 must be a date such as 2026-11-25 or 20261125")
    moment = _time(v.get("time", ""))
    if moment is None:
        fail("time", "invalid_time", "交易时间 must be a time such as 09:30:00 or 093000")
    income = _fen(v.get("income", ""))
    if income is None:
        fail("income", "invalid_amount", "收入金额 must be yuan with at most two decimals")
    expense = _fen(v.get("expense", ""))
    if expense is None:
        fail("expense", "invalid_amount", "支出金额 must be yuan with at most two decimals")
    balance: int | None = 0
    if v.get("balance"):
        balance = _fen(v["balance"])
        if balance is None:
            fail("balance", "invalid_amount", "余额 must be yuan with at most two decimals")
    if income is not None and expense is not None:
        if income < 0 or expense < 0:
            fail("income" if income < 0 else "expense", "negative_amount", "amounts are positive")
        elif (income > 0) == (expense > 0):
            fail(
                "income",
                "one_amount_required",
                "exactly one of 收入金额 and 支出金额 must be non-zero",
            )
    for field in ("counterparty_name", "serial_no"):
        if not v.get(field):
            fail(field, "required", f"{_FIELD_LABEL[field]} is required")
    for field, limit in _LIMITS.items():
        if len(v.get(field, "")) > limit:
            fail(field, "too_long", f"{_FIELD_LABEL[field]} is longer than {limit} characters")
    if len(errors) > before:
        return None
    assert day is not None and moment is not None and income is not None and expense is not None
    return StatementRow(
        row=number,
        serial_no=v["serial_no"],
        transacted_at=datetime.combine(day, moment, BUSINESS_TZ).astimezone(UTC),
        income_fen=income,
        expense_fen=expense,
        counterparty_name=v["counterparty_name"],
        counterparty_account=v.get("counterparty_account", ""),
        memo=v.get("memo", ""),
        balance_fen=balance if v.get("balance") else None,
    )


def yuan_to_fen(text: str) -> int | None:
    """'1,280.50' → 128050 exactly (signed); None when not yuan with at most two decimals."""
    cleaned = text.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    if not _AMOUNT.match(cleaned):
        return None
    sign = -1 if cleaned.startswith("-") else 1
    whole, _, cents = cleaned.lstrip("+-").partition(".")
    return sign * (int(whole) * 100 + int(cents.ljust(2, "0") or "0"))


def _fen(text: str) -> int | None:
    if text in ("", "-", "--"):
        return 0
    return yuan_to_fen(text)


def _date(text: str) -> date | None:
    try:
        # The usual spellings first, without strptime (100,000 rows).
        if len(text) == 10 and text[4] in "-/." and text[7] == text[4]:
            return date(int(text[:4]), int(text[5:7]), int(text[8:10]))
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None
    for pattern in (
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%Y-%m-%d %H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
        "%Y年%m月%d日",
    ):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _time(text: str) -> time | None:
    if not text:
        return time(0, 0)
    try:
        if len(text) == 8 and text[2] == ":" and text[5] == ":":
            return time(int(text[:2]), int(text[3:5]), int(text[6:8]))
        if len(text) == 6 and text.isdigit():
            return time(int(text[:2]), int(text[2:4]), int(text[4:6]))
        if len(text) == 5 and text[2] == ":":
            return time(int(text[:2]), int(text[3:5]))
    except ValueError:
        return None
    return None


def _text(cell: Any) -> str:
    if type(cell) is str:
        return cell.strip().lstrip("\t").strip()
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        if cell.time() == time(0, 0):
            return cell.date().isoformat()
        return cell.isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, time):
        return cell.strftime("%H:%M:%S")
    if isinstance(cell, float):
        # openpyxl gives numbers as float; two decimals is all a bank amount has.
        return f"{Decimal(repr(cell)):f}"
    return str(cell).strip().lstrip("\t").strip()


def _csv_records(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise FileProblem("bad_encoding", "the CSV is neither UTF-8 nor GB18030") from exc
    yield from csv.reader(io.StringIO(text))


def _xlsx_records(content: bytes) -> Iterator[list[Any]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException …
        raise FileProblem("bad_xlsx", "the file is not a readable XLSX workbook") from exc
    try:
        sheet = book.worksheets[0]
        for record in sheet.iter_rows(values_only=True):
            yield list(record)
    finally:
        book.close()
