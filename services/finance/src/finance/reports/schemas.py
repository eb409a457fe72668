from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel

from shared_schemas import SellingEntity


class AgingSide(StrEnum):
    receivable = "receivable"  # 应收账龄
    payable = "payable"  # 应付账龄


class SummaryRow(BaseModel):
    """One customer's (or the total's) figures; balances are at the period's end."""

    customer_org_id: uuid.UUID | None
    receivable: Decimal  # 应收 (new receivables)
    receivable_cleared: Decimal
    receivable_balance: Decimal
    payable: Decimal  # 应付
    payable_cleared: Decimal
    payable_balance: Decimal
    received: Decimal  # 已收
    paid: Decimal  # 已付
    revenue: Decimal
    cost: Decimal  # 成本
    profit: Decimal  # 利润


class SummaryReport(BaseModel):
    legal_entity: SellingEntity
    date_from: date
    date_to: date
    rows: list[SummaryRow]
    total: SummaryRow


class AgingRow(BaseModel):
    customer_org_id: uuid.UUID | None
    d0_30: Decimal
    d31_60: Decimal
    d61_90: Decimal
    over_90: Decimal
    balance: Decimal


class AgingReport(BaseModel):
    legal_entity: SellingEntity
    side: AgingSide
    as_of: date
    rows: list[AgingRow]
    total: AgingRow


class DailyRow(BaseModel):
    account_code: str
    account_name: str | None
    opening: Decimal
    debit: Decimal
    credit: Decimal
    closing: Decimal


class DailyReport(BaseModel):
    """财务日报: each account's balance (debit positive) before the day, movements, after."""

    legal_entity: SellingEntity
    day: date
    rows: list[DailyRow]
    received: Decimal
    paid: Decimal
    debit: Decimal
    credit: Decimal


class VatRow(BaseModel):
    kind: str
    tax_rate: Decimal
    invoices: int
    amount: Decimal  # tax-inclusive (价税合计)
    net: Decimal  # 金额 (excluding VAT)
    tax: Decimal  # 税额


class VatReport(BaseModel):
    """Output VAT for tax filing (销项税额汇总): red letters count negative in the net figures."""

    legal_entity: SellingEntity
    date_from: date
    date_to: date
    rows: list[VatRow]
    net_amount: Decimal
    net_tax: Decimal
    ledger_output_vat: Decimal
