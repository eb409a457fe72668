"""Writes the sample files of this folder, and builds statement and bill files for tests.

Run `uv run python services/finance/tests/samples/make_samples.py` to regenerate:
- bank_statement.csv / bank_statement.xlsx — a bank's 账户明细 export (GB18030 CSV with title
  lines above the header, as 工行/建行 online banking gives it; the XLSX has the same rows);
- wechat_bill_20261124.csv — a WeChat Pay merchant bill (交易账单, ALL): every field prefixed
  with a backtick, then the summary section;
- alipay_bill_20261124.zip — an Alipay merchant bill: a zip of two GBK CSVs (业务明细 and
  业务明细(汇总)) with `#` comment lines above and below the table, cells padded with tabs.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
OUR_ACCOUNT = "3100 0210 0900 1234 567".replace(" ", "")
OUR_NAME = "上海某某信息科技有限公司"
STATEMENT_HEADER = [
    "交易日期", "交易时间", "收入金额", "支出金额", "对方户名", "对方账号", "摘要", "流水号", "余额",
]  # fmt: skip


@dataclass(frozen=True)
class BankLine:
    serial_no: str
    day: str  # 2026-11-24
    clock: str  # 10:20:30
    income_fen: int
    expense_fen: int
    counterparty_name: str
    counterparty_account: str
    memo: str


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:,.2f}"


def _statement_rows(lines: Sequence[BankLine], opening_fen: int) -> list[list[str]]:
    rows = []
    balance = opening_fen
    for line in lines:
        balance += line.income_fen - line.expense_fen
        rows.append(
            [
                line.day,
                line.clock,
                yuan(line.income_fen) if line.income_fen else "",
                yuan(line.expense_fen) if line.expense_fen else "",
                line.counterparty_name,
                line.counterparty_account,
                line.memo,
                line.serial_no,
                yuan(balance),
            ]
        )
    return rows


def bank_statement_csv(
    lines: Sequence[BankLine], account_no: str = OUR_ACCOUNT, opening_fen: int = 50_000_000
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["账号：", account_no])
    writer.writerow(["户名：", OUR_NAME])
    writer.writerow(["币种：", "人民币"])
    writer.writerow(["查询区间：", "2026-11-24 至 2026-11-24"])
    writer.writerow(STATEMENT_HEADER)
    writer.writerows(_statement_rows(lines, opening_fen))
    writer.writerow(["合计", "", "", "", "", "", "", "", ""])
    return out.getvalue().encode("gb18030")


def bank_statement_xlsx(
    lines: Sequence[BankLine], account_no: str = OUR_ACCOUNT, opening_fen: int = 50_000_000
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "账户明细"
    sheet.append(["账号", account_no])
    sheet.append(["户名", OUR_NAME])
    sheet.append(STATEMENT_HEADER)
    for row in _statement_rows(lines, opening_fen):
        # Numbers as numbers, the way a bank's XLSX has them.
        row[2] = float(row[2].replace(",", "")) if row[2] else None  # type: ignore[call-overload]
        row[3] = float(row[3].replace(",", "")) if row[3] else None  # type: ignore[call-overload]
        row[8] = float(row[8].replace(",", ""))  # type: ignore[call-overload]
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class ChannelTxn:
    merchant_order_no: str
    channel_txn_no: str
    amount_fen: int
    fee_fen: int  # positive: charged; a refund line's returned fee is negative
    at: str  # 2026-11-24 10:00:00
    refund: bool = False
    product: str = "智能挪车牌"


WECHAT_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
    "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
    "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
WECHAT_SUMMARY = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
)


def _wx_fee(fen: int) -> str:
    return f"{Decimal(fen) / 100:.5f}"


def wechat_bill(txns: Sequence[ChannelTxn], merchant_id: str = "1900000109") -> bytes:
    lines = [WECHAT_HEADER]
    paid = refunded = fees = 0
    for t in txns:
        amount = f"{Decimal(t.amount_fen) / 100:.2f}"
        zero = "0.00"
        cells = [
            t.at, "wx2421b1c4370ec43b", merchant_id, "0", "", t.channel_txn_no,
            t.merchant_order_no, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "JSAPI",
            "REFUND" if t.refund else "SUCCESS", "CMB_DEBIT", "CNY",
            zero if t.refund else amount, zero,
            f"50000{t.channel_txn_no[-20:]}" if t.refund else "0",
            f"R{t.merchant_order_no}" if t.refund else "0",
            amount if t.refund else zero, zero,
            "ORIGINAL" if t.refund else "", "SUCCESS" if t.refund else "",
            t.product, "", _wx_fee(t.fee_fen), "0.60%",
            zero if t.refund else amount, amount if t.refund else zero, "",
        ]  # fmt: skip
        lines.append(",".join(f"`{c}" for c in cells))
        if t.refund:
            refunded += t.amount_fen
        else:
            paid += t.amount_fen
        fees += t.fee_fen
    lines.append(WECHAT_SUMMARY)
    totals = [
        str(len(txns)), yuan(paid).replace(",", ""), yuan(refunded).replace(",", ""), "0.00",
        _wx_fee(fees), yuan(paid).replace(",", ""), yuan(refunded).replace(",", ""),
    ]  # fmt: skip
    lines.append(",".join(f"`{c}" for c in totals))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


ALIPAY_HEADER = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,"
    "对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,"
    "商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,"
    "退款批次号/请求号,服务费（元）,分润（元）,备注"
)


def alipay_bill_zip(
    txns: Sequence[ChannelTxn], account: str = "20881234567890120156", day: str = "20261124"
) -> bytes:
    y, m, d = day[:4], day[4:6], day[6:]
    detail = [
        "#支付宝业务明细查询",
        f"#账号：[{account}]",
        f"#起始日期：[{y}年{m}月{d}日 00:00:00]   终止日期：[{y}年{m}月{int(d) + 1:02d}日 00:00:00]",
        "#-----------------------------------------业务明细列表----------------------------------------",
        ALIPAY_HEADER,
    ]
    paid_n = refund_n = paid = refunded = 0
    for t in txns:
        sign = "-" if t.refund else ""
        amount = f"{sign}{Decimal(t.amount_fen) / 100:.2f}"
        fee = f"{Decimal(-t.fee_fen) / 100:.2f}"  # Alipay writes the fee it takes as negative
        cells = [
            f"{t.channel_txn_no}\t", f"{t.merchant_order_no}\t", "退款" if t.refund else "交易",
            t.product, t.at, t.at, "", "", "", "", "138****8888\t", amount, amount,
            "0.00", "0.00", "0.00", "0.00", "0.00", "", "0.00", "0.00",
            f"R{t.merchant_order_no}\t" if t.refund else "", fee, "0.00", "",
        ]  # fmt: skip
        detail.append(",".join(cells))
        if t.refund:
            refund_n, refunded = refund_n + 1, refunded + t.amount_fen
        else:
            paid_n, paid = paid_n + 1, paid + t.amount_fen
    detail += [
        "#-----------------------------------------业务明细列表结束------------------------------------",
        f"#交易合计：{paid_n}笔，商家实收共{Decimal(paid) / 100:.2f}元，商家优惠共0.00元",
        f"#退款合计：{refund_n}笔，商家实收退款共-{Decimal(refunded) / 100:.2f}元，商家优惠退款共0.00元",
        f"#导出时间：[{y}年{m}月{int(d) + 1:02d}日 09:12:33]",
    ]
    summary = [
        "#支付宝业务汇总查询",
        f"#账号：[{account}]",
        "#-----------------------------------------业务汇总列表----------------------------------------",
        "门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,服务费（元）",
        f"合计,,{paid_n},{refund_n},{Decimal(paid - refunded) / 100:.2f},"
        f"{Decimal(paid - refunded) / 100:.2f},{Decimal(-sum(t.fee_fen for t in txns)) / 100:.2f}",
        "#-----------------------------------------业务汇总列表结束------------------------------------",
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{account}_{day}_业务明细.csv", "\r\n".join(detail).encode("gbk"))
        archive.writestr(f"{account}_{day}_业务明细(汇总).csv", "\r\n".join(summary).encode("gbk"))
    return out.getvalue()


#: The committed samples: order numbers OC20261124000001… (demo data can create them).
SAMPLE_BANK_LINES = [
    BankLine("202611240000001", "2026-11-24", "09:15:02", 128_050, 0,
             "中国平安财产保险股份有限公司上海分公司", "1001234567890001",
             "OC20261124000001 风险评估服务费"),
    BankLine("202611240000002", "2026-11-24", "10:02:41", 300_000, 0,
             "太平洋财产保险股份有限公司", "310066330180 1234", "货款 IA20261124000001"),
    BankLine("202611240000003", "2026-11-24", "11:30:00", 0, 45_000,
             "张三", "6222021001012345", "推广服务费 PR20261124000001"),
    BankLine("202611240000004", "2026-11-24", "14:05:19", 99_900, 0,
             "上海华成保险代理有限公司", "121907881110601", "挪车牌采购款"),
]  # fmt: skip
SAMPLE_CHANNEL_TXNS = [
    ChannelTxn("OC20261124000101", "4200002341202611240123456789", 10_000, 60, "2026-11-24 10:00:01"),
    ChannelTxn("OC20261124000102", "4200002341202611240123456790", 25_800, 155, "2026-11-24 12:31:45"),
    ChannelTxn("OC20261124000103", "4200002341202611240123456791", 4_900, 29, "2026-11-24 18:02:09"),
    ChannelTxn("OC20261124000102", "4200002341202611240123456790", 25_800, -155,
               "2026-11-24 20:10:00", refund=True),
]  # fmt: skip


def main() -> None:
    lines = SAMPLE_BANK_LINES
    (HERE / "bank_statement.csv").write_bytes(bank_statement_csv(lines))
    (HERE / "bank_statement.xlsx").write_bytes(bank_statement_xlsx(lines))
    (HERE / "wechat_bill_20261124.csv").write_bytes(wechat_bill(SAMPLE_CHANNEL_TXNS))
    # A refund keeps the 支付宝交易号 of the payment it refunds.
    numbers = {t.merchant_order_no: f"20261124220014{n:016d}"
               for n, t in enumerate(SAMPLE_CHANNEL_TXNS, start=1)}  # fmt: skip
    alipay = [
        ChannelTxn(
            t.merchant_order_no,
            numbers[t.merchant_order_no],
            t.amount_fen,
            t.fee_fen,
            t.at,
            t.refund,
        )
        for t in SAMPLE_CHANNEL_TXNS
    ]
    (HERE / "alipay_bill_20261124.zip").write_bytes(alipay_bill_zip(alipay))


if __name__ == "__main__":
    main()
