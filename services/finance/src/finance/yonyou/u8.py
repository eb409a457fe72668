"""The Yonyou U8 files: vouchers out (总账 → 凭证引入), AR/AP settlements in.

Voucher file (CSV, GB18030 as U8 on Chinese Windows reads it), one row per voucher line:

    凭证日期,凭证类别,凭证号,附单据数,摘要,科目编码,借方金额,贷方金额,客户编码,供应商编码,制单人,外部凭证号

- 凭证类别 记 (all vouchers as 记账凭证) or 收/付/转 (cash in, cash out, other);
- 凭证号 numbered from 1 per month and voucher type within the file (let U8 renumber on import
  when its book already has vouchers for the month);
- amounts in yuan with two decimals, one of 借方/贷方 per row; every voucher balances;
- 客户编码 on receivable lines (1122, 1221), 供应商编码 on payable lines (2202, 2241);
- 外部凭证号 is the journal entry id, to trace a U8 voucher back.

Settlement file (CSV, UTF-8 or GB18030), exported from U8's 应收/应付 module:

    单据日期,单据编号,方向,往来单位编码,金额[,摘要]

with 方向 应收 or 应付 (or receivable/payable), 金额 in yuan (positive, two decimals at most).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

VOUCHER_HEADER = ("凭证日期", "凭证类别", "凭证号", "附单据数", "摘要", "科目编码", "借方金额",
                  "贷方金额", "客户编码", "供应商编码", "制单人", "外部凭证号")  # fmt: skip
ENCODING = "gb18030"
CUSTOMER_ACCOUNTS = ("1122", "1221")
SUPPLIER_ACCOUNTS = ("2202", "2241")
CASH_ACCOUNTS = ("1002", "1012", "1001")
SETTLEMENT_COLUMNS = ("单据日期", "单据编号", "方向", "往来单位编码", "金额")
SIDES = {"应收": "receivable", "应付": "payable", "receivable": "receivable", "payable": "payable"}


@dataclass(frozen=True)
class VoucherLine:
    day: date
    voucher_type: str
    voucher_no: int
    summary: str
    account_code: str
    debit_fen: int
    credit_fen: int
    customer_code: str
    supplier_code: str
    maker: str
    external_no: str


def voucher_type(accounts_debited: Sequence[str], accounts_credited: Sequence[str]) -> str:
    """收 when cash comes in, 付 when it goes out, 转 otherwise."""
    if any(code.startswith(CASH_ACCOUNTS) for code in accounts_debited):
        return "收"
    if any(code.startswith(CASH_ACCOUNTS) for code in accounts_credited):
        return "付"
    return "转"


def _yuan(fen: int) -> str:
    return "" if fen == 0 else f"{fen // 100}.{fen % 100:02d}"


def voucher_csv(lines: Sequence[VoucherLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(VOUCHER_HEADER)
    for ln in lines:
        writer.writerow(
            (ln.day.isoformat(), ln.voucher_type, ln.voucher_no, 0, ln.summary[:120],
             ln.account_code, _yuan(ln.debit_fen), _yuan(ln.credit_fen), ln.customer_code,
             ln.supplier_code, ln.maker[:20], ln.external_no)
        )  # fmt: skip
    return out.getvalue()


@dataclass(frozen=True)
class SettlementRow:
    row: int
    doc_date: date
    doc_no: str
    side: str
    partner_code: str
    amount_fen: int
    memo: str | None


class FileProblem(Exception):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors[0]["message"])
        self.errors = errors


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode(ENCODING)


def _date(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_settlements(raw: bytes) -> list[SettlementRow]:
    """All rows, or FileProblem naming every bad cell (`file.rows[n].column`, n = file line)."""
    reader = csv.DictReader(io.StringIO(_decode(raw)))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in SETTLEMENT_COLUMNS if c not in header]
    if missing:
        raise FileProblem([{"field": "file.header", "code": "missing_columns",
                            "message": f"the header lacks {', '.join(missing)}"}])  # fmt: skip
    rows: list[SettlementRow] = []
    errors: list[dict[str, str]] = []
    for n, record in enumerate(reader, start=2):
        cells = {(k or "").strip(): (v or "").strip() for k, v in record.items()}
        if not any(cells.values()):
            continue

        def bad(column: str, message: str, *, n: int = n) -> None:
            errors.append({"field": f"file.rows[{n}].{column}", "code": "invalid",
                           "message": message})  # fmt: skip

        try:
            doc_date = _date(cells["单据日期"])
        except ValueError:
            bad("单据日期", "a date such as 2026-11-25")
        side = SIDES.get(cells["方向"])
        if side is None:
            bad("方向", "应收 or 应付")
        if not cells["单据编号"] or len(cells["单据编号"]) > 40:
            bad("单据编号", "the U8 document number, 1–40 characters")
        if not cells["往来单位编码"] or len(cells["往来单位编码"]) > 20:
            bad("往来单位编码", "the U8 customer/supplier code, 1–20 characters")
        try:
            amount = Decimal(cells["金额"].replace(",", ""))
            if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
                raise InvalidOperation
        except InvalidOperation:
            bad("金额", "a positive amount in yuan with at most two decimals")
            amount = Decimal(0)
        if errors and errors[-1]["field"].startswith(f"file.rows[{n}]"):
            continue
        rows.append(
            SettlementRow(
                row=n,
                doc_date=doc_date,
                doc_no=cells["单据编号"],
                side=side or "",
                partner_code=cells["往来单位编码"],
                amount_fen=int(amount * 100),
                memo=(cells.get("摘要") or None),
            )
        )
    if errors:
        raise FileProblem(errors)
    if not rows:
        raise FileProblem([{"field": "file", "code": "empty", "message": "the file has no rows"}])
    return rows
