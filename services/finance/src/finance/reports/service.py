"""Financial reports from the ledger (应收/应付/已收/已付/成本/利润, aging, daily, output VAT)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from finance.reports.repository import CASH, ReportRepository, Scope
from finance.reports.schemas import (
    AgingReport,
    AgingRow,
    AgingSide,
    DailyReport,
    DailyRow,
    SummaryReport,
    SummaryRow,
    VatReport,
    VatRow,
)
from servicekit.auth import Principal
from servicekit.clock import Clock, utc_now
from servicekit.errors import Unprocessable
from shared_schemas import SellingEntity

MAX_PERIOD_DAYS = 3_700  # about ten years


def _y(fen: Any) -> Decimal:
    """Fen as yuan, exactly as Money.from_fen gives it (without building a Money for each of a
    report's thousands of figures)."""
    return Decimal(int(fen or 0)).scaleb(-2)


def check_period(date_from: date, date_to: date) -> None:
    if date_to < date_from:
        raise Unprocessable(
            "date_to is before date_from.",
            code="period_invalid",
            errors=[{"field": "query.date_to", "code": "before_start",
                     "message": "date_to must not be before date_from"}],
        )  # fmt: skip
    if (date_to - date_from).days > MAX_PERIOD_DAYS:
        raise Unprocessable(
            "The period is longer than ten years.",
            code="period_invalid",
            errors=[{"field": "query.date_from", "code": "too_long",
                     "message": "a report covers at most ten years"}],
        )  # fmt: skip


class ReportService:
    def __init__(self, repository: ReportRepository, clock: Clock = utc_now) -> None:
        self.repo = repository
        self.clock = clock

    async def summary(
        self,
        principal: Principal,
        legal_entity: SellingEntity,
        date_from: date,
        date_to: date,
        customer_org_id: uuid.UUID | None,
        by_customer: bool,
    ) -> SummaryReport:
        check_period(date_from, date_to)
        scope = Scope(legal_entity.value, principal, customer_org_id)
        rows = [
            _summary_row(r)
            for r in await self.repo.summary(scope, date_from, date_to, by_customer=by_customer)
        ]
        # Every figure is a sum, so the total is the customers' rows added up (no second read).
        total = (
            SummaryRow(
                customer_org_id=None,
                **{
                    name: sum((getattr(r, name) for r in rows), Decimal("0.00"))
                    for name in SummaryRow.model_fields
                    if name != "customer_org_id"
                },
            )
            if by_customer
            else rows[0]
        )
        return SummaryReport(
            legal_entity=legal_entity,
            date_from=date_from,
            date_to=date_to,
            rows=rows if by_customer else [],
            total=total,
        )

    async def aging(
        self,
        principal: Principal,
        legal_entity: SellingEntity,
        side: AgingSide,
        as_of: date,
        customer_org_id: uuid.UUID | None,
    ) -> AgingReport:
        scope = Scope(legal_entity.value, principal, customer_org_id)
        rows = [
            _aging_row(r.customer_org_id, int(r.balance or 0), int(r.g0), int(r.g1), int(r.g2))
            for r in await self.repo.aging(scope, as_of, payable=side is AgingSide.payable)
        ]
        total = AgingRow(
            customer_org_id=None,
            d0_30=sum((r.d0_30 for r in rows), Decimal("0.00")),
            d31_60=sum((r.d31_60 for r in rows), Decimal("0.00")),
            d61_90=sum((r.d61_90 for r in rows), Decimal("0.00")),
            over_90=sum((r.over_90 for r in rows), Decimal("0.00")),
            balance=sum((r.balance for r in rows), Decimal("0.00")),
        )
        return AgingReport(
            legal_entity=legal_entity, side=side, as_of=as_of, rows=rows, total=total
        )

    async def daily(
        self,
        principal: Principal,
        legal_entity: SellingEntity,
        day: date,
        customer_org_id: uuid.UUID | None,
    ) -> DailyReport:
        scope = Scope(legal_entity.value, principal, customer_org_id)
        names = await self.repo.account_names(legal_entity.value)
        rows = []
        received = paid = debit = credit = 0
        for r in await self.repo.daily(scope, day):
            rows.append(
                DailyRow(
                    account_code=r.account_code,
                    account_name=names.get(r.account_code, (None, None))[0],
                    opening=_y(r.opening_fen),
                    debit=_y(r.debit_fen),
                    credit=_y(r.credit_fen),
                    closing=_y(r.opening_fen + r.debit_fen - r.credit_fen),
                )
            )
            debit += r.debit_fen
            credit += r.credit_fen
            if r.account_code.startswith(CASH):
                received += r.debit_fen
                paid += r.credit_fen
        return DailyReport(
            legal_entity=legal_entity,
            day=day,
            rows=rows,
            received=_y(received),
            paid=_y(paid),
            debit=_y(debit),
            credit=_y(credit),
        )

    async def output_vat(
        self,
        principal: Principal,
        legal_entity: SellingEntity,
        date_from: date,
        date_to: date,
        customer_org_id: uuid.UUID | None,
    ) -> VatReport:
        check_period(date_from, date_to)
        scope = Scope(legal_entity.value, principal, customer_org_id)
        rows = [
            VatRow(
                kind=r.kind,
                tax_rate=Decimal(r.rate_bp or 0) / 10_000,
                invoices=r.invoices,
                amount=_y(r.amount_fen),
                net=_y(r.amount_fen - r.tax_fen),
                tax=_y(r.tax_fen),
            )
            for r in await self.repo.output_vat(scope, date_from, date_to)
        ]
        sign = {"blue": 1, "red": -1}
        return VatReport(
            legal_entity=legal_entity,
            date_from=date_from,
            date_to=date_to,
            rows=rows,
            net_amount=sum((sign[r.kind] * r.amount for r in rows), Decimal("0.00")),
            net_tax=sum((sign[r.kind] * r.tax for r in rows), Decimal("0.00")),
            ledger_output_vat=_y(await self.repo.ledger_output_vat(scope, date_from, date_to)),
        )


def _summary_row(r: Any) -> SummaryRow:
    # Built from the database's integer sums: nothing to validate, so not validated again
    # (a by-customer report has thousands of rows).
    return SummaryRow.model_construct(
        customer_org_id=r.customer_org_id,
        receivable=_y(r.receivable_fen),
        receivable_cleared=_y(r.receivable_cleared_fen),
        receivable_balance=_y(r.receivable_balance_fen),
        payable=_y(r.payable_fen),
        payable_cleared=_y(r.payable_cleared_fen),
        payable_balance=_y(r.payable_balance_fen),
        received=_y(r.received_fen),
        paid=_y(r.paid_fen),
        revenue=_y(r.revenue_fen),
        cost=_y(r.cost_fen),
        profit=_y(int(r.revenue_fen or 0) - int(r.cost_fen or 0)),
    )


def _aging_row(customer: uuid.UUID | None, balance: int, *growth: int) -> AgingRow:
    """FIFO: the oldest amounts are settled first, so what is open is the newest growth —
    first the last 30 days', then 31–60, 61–90, and whatever the balance still exceeds is
    older than 90 days."""
    left = max(balance, 0)
    buckets = []
    for grown in growth:
        part = min(left, max(grown, 0))
        buckets.append(part)
        left -= part
    return AgingRow.model_construct(
        customer_org_id=customer,
        d0_30=_y(buckets[0]),
        d31_60=_y(buckets[1]),
        d61_90=_y(buckets[2]),
        over_90=_y(left),
        balance=_y(max(balance, 0)),
    )
