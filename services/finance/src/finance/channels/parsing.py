"""Reading payment channels' merchant bills, amounts in yuan → exact fen.

WeChat Pay (交易账单, bill type ALL): a CSV whose header row names the columns and whose every
data field starts with a backtick (`` ` ``, so spreadsheets keep long numbers as text); after
the transactions a second header (总交易单数,应结订单总金额,退款总金额,…,手续费总金额,…) and one
row of totals. Payments have 交易状态 SUCCESS and 应结订单金额; refunds REFUND and 退款金额.
手续费 is written with five decimals; WeChat charges whole fen per transaction, so it is read
rounded half-up to the fen (a refund's returned fee is negative).

Alipay (业务明细): a zip holding GBK CSVs, the detail one named …业务明细.csv (the …(汇总).csv
beside it is the summary). `#` lines above the table carry the account (#账号：[…]) and
period; `#` lines below it the totals (#交易合计：N笔，商家实收共X元 / #退款合计：…).
Cells are padded with tabs. 业务类型 交易 is a payment, 退款 a refund (negative amounts);
服务费（元） is the fee taken, negative.

Anything that does not read is a BillProblem naming the row (file line) and column.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
_CENT = Decimal("0.01")


class BillProblem(ValueError):
    def __init__(self, field_name: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field, self.code, self.message = field_name, code, message


@dataclass(frozen=True)
class BillLine:
    row: int
    channel_txn_no: str
    merchant_order_no: str
    kind: str  # payment | refund
    status: str
    amount_fen: int  # positive
    fee_fen: int  # charged; negative when returned on a refund
    occurred_at: datetime


@dataclass
class ParsedBill:
    channel: str
    merchant_id: str
    lines: list[BillLine] = field(default_factory=list)
    total_amount_fen: int = 0
    refund_amount_fen: int = 0
    fee_fen: int = 0

    @property
    def bill_date(self) -> date:
        return min(line.occurred_at for line in self.lines).astimezone(BUSINESS_TZ).date()


def _fen(text: str, where: str, *, round_fee: bool = False) -> int:
    cleaned = text.strip().replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise BillProblem(
            where, "invalid_amount", f"{where}: {text!r} is not an amount in yuan"
        ) from None
    if not value.is_finite():
        raise BillProblem(where, "invalid_amount", f"{where}: {text!r} is not an amount in yuan")
    if value != value.quantize(_CENT):
        if not round_fee:
            raise BillProblem(
                where, "sub_fen_amount", f"{where}: {text!r} has more than two decimals"
            )
        value = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    return int(value * 100)


def _time(text: str, where: str) -> datetime:
    try:
        local = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise BillProblem(
            where, "invalid_time", f"{where}: {text!r} is not yyyy-mm-dd hh:mm:ss"
        ) from None
    return local.replace(tzinfo=BUSINESS_TZ).astimezone(UTC)


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BillProblem("body", "bad_encoding", "the bill is neither UTF-8 nor GBK text")


# WeChat Pay ----------------------------------------------------------------------------
_WX_REQUIRED = (
    "交易时间",
    "商户号",
    "微信订单号",
    "商户订单号",
    "交易状态",
    "应结订单金额",
    "退款金额",
    "手续费",
)
_WX_SUMMARY = ("总交易单数", "应结订单总金额", "退款总金额", "手续费总金额")


def parse_wechat(content: bytes) -> ParsedBill:
    rows = list(csv.reader(io.StringIO(_decode(content))))
    if not rows:
        raise BillProblem("body", "empty_file", "the bill is empty")
    header = [c.strip() for c in rows[0]]
    missing = [c for c in _WX_REQUIRED if c not in header]
    if missing:
        raise BillProblem(
            missing[0],
            "missing_column",
            f"not a WeChat Pay bill: the header lacks {', '.join(missing)}",
        )
    col = {name: i for i, name in enumerate(header)}
    bill = ParsedBill(channel="wechat", merchant_id="")
    summary: dict[str, str] | None = None
    for number, record in enumerate(rows[1:], start=2):
        cells = [c.strip().lstrip("`").strip() for c in record]
        if not any(cells):
            continue
        if cells[0] == "总交易单数":
            names = cells
            if number >= len(rows):
                raise BillProblem("summary", "missing_summary", "the totals row is missing")
            values = [c.strip().lstrip("`").strip() for c in rows[number]]
            summary = dict(zip(names, values, strict=False))
            break
        if len(cells) < len(header) - 1:
            raise BillProblem(
                f"rows[{number}]", "short_row", f"row {number} has {len(cells)} fields"
            )

        def cell(name: str, cells: list[str] = cells, col: dict[str, int] = col) -> str:
            return cells[col[name]] if col[name] < len(cells) else ""

        status = cell("交易状态")
        refund = status == "REFUND"
        amount_column = "退款金额" if refund else "应结订单金额"
        amount = _fen(cell(amount_column), f"rows[{number}].{amount_column}")
        bill.merchant_id = bill.merchant_id or cell("商户号")
        bill.lines.append(
            BillLine(
                row=number,
                channel_txn_no=cell("微信订单号"),
                merchant_order_no=cell("商户订单号"),
                kind="refund" if refund else "payment",
                status=status,
                amount_fen=abs(amount),
                fee_fen=_fen(cell("手续费"), f"rows[{number}].手续费", round_fee=True),
                occurred_at=_time(cell("交易时间"), f"rows[{number}].交易时间"),
            )
        )
    if summary is None:
        raise BillProblem(
            "summary", "missing_summary", "the summary section (总交易单数 …) is missing"
        )
    for name in _WX_SUMMARY:
        if name not in summary:
            raise BillProblem(f"summary.{name}", "missing_column", f"the summary lacks {name}")
    bill.total_amount_fen = _fen(summary["应结订单总金额"], "summary.应结订单总金额")
    bill.refund_amount_fen = _fen(summary["退款总金额"], "summary.退款总金额")
    bill.fee_fen = _fen(summary["手续费总金额"], "summary.手续费总金额", round_fee=True)
    _check_totals(
        bill,
        int(summary["总交易单数"] or 0),
        "summary.总交易单数",
        "summary.应结订单总金额",
        "summary.退款总金额",
        "summary.手续费总金额",
    )
    return bill


# Alipay --------------------------------------------------------------------------------
_ALI_REQUIRED = (
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "完成时间",
    "订单金额（元）",
    "服务费（元）",
)
_ACCOUNT = re.compile(r"#账号：\[(\d+)\]")
_PAID = re.compile(r"#交易合计：(\d+)笔，商家实收共(-?[\d.]+)元")
_REFUNDED = re.compile(r"#退款合计：(\d+)笔(?:，商家实收退款共(-?[\d.]+)元)?")


def parse_alipay(content: bytes) -> ParsedBill:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise BillProblem(
            "body", "bad_zip", "an Alipay bill is a zip file; this is not one"
        ) from None
    with archive:
        details = [n for n in archive.namelist() if n.endswith(".csv") and "汇总" not in n]
        if len(details) != 1:
            raise BillProblem(
                "body",
                "no_detail_csv",
                "the zip must hold one …业务明细.csv beside its (汇总) file",
            )
        raw = archive.read(details[0])
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise BillProblem("body", "bad_encoding", "the detail CSV is not GBK") from None
    bill = ParsedBill(channel="alipay", merchant_id="")
    header: list[str] | None = None
    paid_total: tuple[int, int] | None = None
    refund_total: tuple[int, int] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            if m := _ACCOUNT.search(line):
                bill.merchant_id = m.group(1)
            elif m := _PAID.search(line):
                paid_total = (int(m.group(1)), _fen(m.group(2), "footer.交易合计"))
            elif m := _REFUNDED.search(line):
                refund_total = (int(m.group(1)), abs(_fen(m.group(2) or "0", "footer.退款合计")))
            continue
        if not line.strip():
            continue
        cells = [c.strip() for c in next(csv.reader([line]))]
        if header is None:
            header = cells
            missing = [c for c in _ALI_REQUIRED if c not in header]
            if missing:
                raise BillProblem(
                    missing[0],
                    "missing_column",
                    f"not an Alipay 业务明细: the header lacks {', '.join(missing)}",
                )
            continue
        col = {name: i for i, name in enumerate(header)}

        def cell(name: str, cells: list[str] = cells, col: dict[str, int] = col) -> str:
            return cells[col[name]] if col[name] < len(cells) else ""

        kind = {"交易": "payment", "退款": "refund"}.get(cell("业务类型"))
        if kind is None:
            raise BillProblem(
                f"rows[{number}].业务类型",
                "unknown_business_type",
                f"row {number}: 业务类型 {cell('业务类型')!r} is neither 交易 nor 退款",
            )
        amount = _fen(cell("订单金额（元）"), f"rows[{number}].订单金额（元）")
        fee = _fen(cell("服务费（元）") or "0", f"rows[{number}].服务费（元）")
        bill.lines.append(
            BillLine(
                row=number,
                channel_txn_no=cell("支付宝交易号"),
                merchant_order_no=cell("商户订单号"),
                kind=kind,
                status=cell("业务类型"),
                amount_fen=abs(amount),
                fee_fen=-fee,  # Alipay writes what it takes as negative
                occurred_at=_time(cell("完成时间") or cell("创建时间"), f"rows[{number}].完成时间"),
            )
        )
    if header is None:
        raise BillProblem("body", "no_header", "no 业务明细 header row was found")
    if not bill.merchant_id:
        raise BillProblem("header.账号", "missing_account", "the #账号：[…] line is missing")
    if paid_total is None:
        raise BillProblem("footer.交易合计", "missing_summary", "the #交易合计 line is missing")
    refund_total = refund_total or (0, 0)
    bill.total_amount_fen = paid_total[1]
    bill.refund_amount_fen = refund_total[1]
    bill.fee_fen = sum(line.fee_fen for line in bill.lines)  # no fee total in the footer
    _check_totals(
        bill,
        paid_total[0] + refund_total[0],
        "footer.交易合计",
        "footer.交易合计",
        "footer.退款合计",
        "footer",
    )
    return bill


def _check_totals(
    bill: ParsedBill, count: int, count_at: str, paid_at: str, refund_at: str, fee_at: str
) -> None:
    """The bill's own totals must equal its lines: a truncated download is refused."""
    if not bill.lines:
        raise BillProblem("body", "no_lines", "the bill has no transactions")
    paid = sum(x.amount_fen for x in bill.lines if x.kind == "payment")
    refunded = sum(x.amount_fen for x in bill.lines if x.kind == "refund")
    fees = sum(x.fee_fen for x in bill.lines)
    for where, stated, counted in (
        (count_at, count, len(bill.lines)),
        (paid_at, bill.total_amount_fen, paid),
        (refund_at, bill.refund_amount_fen, refunded),
        (fee_at, bill.fee_fen, fees),
    ):
        if stated != counted:
            raise BillProblem(
                where,
                "summary_mismatch",
                f"{where} states {stated} but the lines add up to {counted}",
            )
