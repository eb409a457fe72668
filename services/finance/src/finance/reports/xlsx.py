"""Reports as XLSX workbooks (one sheet, a header row, amounts as numbers with two decimals)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from finance.reports.schemas import AgingReport, DailyReport, SummaryReport, VatReport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MONEY = "#,##0.00"


def _book(title: str, caption: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append([caption])
    bold = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        bold.append(cell)
    sheet.append(bold)
    for row in rows:
        out = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, Decimal):
                cell.number_format = _MONEY
            out.append(cell)
        sheet.append(out)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def summary(report: SummaryReport) -> bytes:
    header = ("客户机构", "应收", "应收减少", "应收余额", "应付", "应付减少", "应付余额",
              "已收", "已付", "收入", "成本", "利润")  # fmt: skip
    rows = [*report.rows, report.total] if report.rows else [report.total]
    return _book(
        "收支汇总",
        f"{report.legal_entity.label_zh} {report.date_from} – {report.date_to}",
        header,
        (
            (str(r.customer_org_id) if r.customer_org_id else "合计", r.receivable,
             r.receivable_cleared, r.receivable_balance, r.payable, r.payable_cleared,
             r.payable_balance, r.received, r.paid, r.revenue, r.cost, r.profit)
            for r in rows
        ),
    )  # fmt: skip


def aging(report: AgingReport) -> bytes:
    return _book(
        "应收账龄" if report.side.value == "receivable" else "应付账龄",
        f"{report.legal_entity.label_zh} 截至 {report.as_of}",
        ("客户机构", "0–30天", "31–60天", "61–90天", "90天以上", "余额"),
        (
            (str(r.customer_org_id) if r.customer_org_id else "合计", r.d0_30, r.d31_60,
             r.d61_90, r.over_90, r.balance)
            for r in [*report.rows, report.total]
        ),
    )  # fmt: skip


def daily(report: DailyReport) -> bytes:
    return _book(
        "财务日报",
        f"{report.legal_entity.label_zh} {report.day} 已收 {report.received} 已付 {report.paid}",
        ("科目代码", "科目名称", "期初余额", "借方", "贷方", "期末余额"),
        ((r.account_code, r.account_name, r.opening, r.debit, r.credit, r.closing)
         for r in report.rows),
    )  # fmt: skip


def output_vat(report: VatReport) -> bytes:
    return _book(
        "销项税额汇总",
        f"{report.legal_entity.label_zh} {report.date_from} – {report.date_to} "
        f"净税额 {report.net_tax} (账面 {report.ledger_output_vat})",
        ("发票类型", "税率", "张数", "价税合计", "金额", "税额"),
        (("蓝字" if r.kind == "blue" else "红字", r.tax_rate, r.invoices, r.amount, r.net, r.tax)
         for r in report.rows),
    )  # fmt: skip
