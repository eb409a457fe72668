"""All SQL of the reports: aggregations over journal lines (and invoices for output VAT).

Every figure is summed by the database; Python only shapes the rows. Account groups are code
prefixes, so sub-accounts (e.g. 112201) count with their parent.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Uuid,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from finance.invoices.models import Invoice, InvoiceApplicationLine, InvoiceKind, InvoiceShare
from finance.ledger.models import JournalLine, LedgerAccount, LedgerClosing, MonthBalance
from servicekit.auth import Principal, org_scope_clause

RECEIVABLE = ("1122",)  # 应收账款
PAYABLE = ("2202",)  # 应付账款
CASH = ("1002", "1012")  # 银行存款, 其他货币资金
OUTPUT_VAT = ("2221",)  # 应交税费—应交增值税(销项税额)

L = JournalLine
B = MonthBalance


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _closed_through(closed_end: date | None, limit: date) -> date | None:
    """The last day up to which closed months' balances may stand in for lines: the end of the
    last closed month that ends on or before `limit`."""
    if closed_end is None:
        return None
    last_full = (
        limit
        if _next_month(limit) - timedelta(days=1) == limit
        else (limit.replace(day=1) - timedelta(days=1))
    )
    end = min(closed_end, last_full)
    first_possible = date(1900, 1, 31)
    return end if end >= first_possible else None


def _in(prefixes: Sequence[str]) -> ColumnElement[bool]:
    return or_(*(L.account_code.like(f"{p}%") for p in prefixes))


def _sum(condition: ColumnElement[bool], value: Any) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


@dataclass(frozen=True)
class Scope:
    legal_entity: str
    principal: Principal
    customer_org_id: uuid.UUID | None = None

    def where(self, query: Select[Any]) -> Select[Any]:
        """Journal lines of the legal entity that the caller may see (and of the customer)."""
        return self._org(query.where(L.legal_entity == self.legal_entity), L.counterparty_org_id)

    def balances(self, query: Select[Any]) -> Select[Any]:
        """Closed months' balances, scoped like the lines."""
        return self._org(query.where(B.legal_entity == self.legal_entity), B.counterparty_org_id)

    def invoices(self, query: Select[Any]) -> Select[Any]:
        return self._org(query, Invoice.customer_org_id)

    def _org(self, query: Select[Any], column: Any) -> Select[Any]:
        if self.customer_org_id is not None:
            query = query.where(column == self.customer_org_id)
        clause = org_scope_clause(column, self.principal)
        return query if clause is None else query.where(clause)


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def closed_end(self, legal_entity: str) -> date | None:
        """Last day of the last closed month: every month up to it is in ledger_month_balances."""
        query = select(func.max(LedgerClosing.month)).where(
            LedgerClosing.legal_entity == legal_entity
        )
        month = (await self.session.execute(query)).scalar_one_or_none()
        return None if month is None else _next_month(month) - timedelta(days=1)

    async def summary(
        self, scope: Scope, date_from: date, date_to: date, *, by_customer: bool
    ) -> Sequence[Any]:
        """Receivables, payables, received, paid, revenue and cost in the period, and the
        receivable/payable balances at its end, per customer or in total.

        Sums per (customer, account) — period and to-date side by side — come from the closed
        months' balances where whole months allow and from journal lines for the rest; the few
        rows that leaves are then sorted into the groups."""
        end = _closed_through(await self.closed_end(scope.legal_entity), date_to)
        parts = [self._lines_part(scope, date_from, date_to, after=end, by_customer=by_customer)]
        if end is not None:
            covered = date_from if date_from.day == 1 else _next_month(date_from)
            parts.append(self._balances_part(scope, covered, end, by_customer=by_customer))
            if date_from < covered and date_from <= end:
                # the closed month the period starts inside: its period part from lines
                parts.append(
                    self._lines_part(
                        scope, date_from, min(covered - timedelta(days=1), end),
                        after=None, by_customer=by_customer, period_only=True,
                    )
                )  # fmt: skip
        a = union_all(*parts).subquery("a")
        kinds = (
            select(LedgerAccount.code, LedgerAccount.kind)
            .where(LedgerAccount.legal_entity == scope.legal_entity)
            .subquery("k")
        )

        def group(prefixes: Sequence[str]) -> ColumnElement[bool]:
            return or_(*(a.c.code.like(f"{p}%") for p in prefixes))

        def total(condition: ColumnElement[bool], value: Any) -> Any:
            return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

        query: Select[Any] = (
            select(
                (a.c.cp if by_customer else literal(None)).label("customer_org_id"),
                total(group(RECEIVABLE), a.c.pd).label("receivable_fen"),
                total(group(RECEIVABLE), a.c.pc).label("receivable_cleared_fen"),
                total(group(RECEIVABLE), a.c.td - a.c.tc).label("receivable_balance_fen"),
                total(group(PAYABLE), a.c.pc).label("payable_fen"),
                total(group(PAYABLE), a.c.pd).label("payable_cleared_fen"),
                total(group(PAYABLE), a.c.tc - a.c.td).label("payable_balance_fen"),
                total(group(CASH), a.c.pd).label("received_fen"),
                total(group(CASH), a.c.pc).label("paid_fen"),
                total(kinds.c.kind == "revenue", a.c.pc - a.c.pd).label("revenue_fen"),
                total(kinds.c.kind == "cost", a.c.pd - a.c.pc).label("cost_fen"),
            )
            .select_from(a)
            .outerjoin(kinds, kinds.c.code == a.c.code)
        )
        if by_customer:
            query = query.group_by(a.c.cp).order_by(a.c.cp)
        return (await self.session.execute(query)).all()

    def _lines_part(
        self,
        scope: Scope,
        date_from: date,
        date_to: date,
        *,
        after: date | None,
        by_customer: bool,
        period_only: bool = False,
    ) -> Select[Any]:
        """(cp, code, pd, pc, td, tc) from journal lines dated after `after` up to date_to."""
        period = L.entry_date >= date_from
        zero = literal(0, type_=BigInteger())
        query = select(
            (L.counterparty_org_id if by_customer else literal(None, type_=Uuid())).label("cp"),
            L.account_code.label("code"),
            _sum(period, L.debit_fen).label("pd"),
            _sum(period, L.credit_fen).label("pc"),
            (zero if period_only else func.sum(L.debit_fen)).label("td"),
            (zero if period_only else func.sum(L.credit_fen)).label("tc"),
        ).where(L.entry_date <= date_to)
        if after is not None:
            query = query.where(L.entry_date > after)
        if period_only:
            query = query.where(period)
        return scope.where(query).group_by(
            *([L.counterparty_org_id] if by_customer else []), L.account_code
        )

    def _balances_part(
        self, scope: Scope, covered_from: date, end: date, *, by_customer: bool
    ) -> Select[Any]:
        """(cp, code, pd, pc, td, tc) from closed months through `end`; months from
        covered_from on lie wholly inside the period."""
        period = B.month >= covered_from
        query = select(
            (B.counterparty_org_id if by_customer else literal(None, type_=Uuid())).label("cp"),
            B.account_code.label("code"),
            _sum(period, B.debit_fen).label("pd"),
            _sum(period, B.credit_fen).label("pc"),
            func.sum(B.debit_fen).label("td"),
            func.sum(B.credit_fen).label("tc"),
        ).where(B.month <= end)
        return scope.balances(query).group_by(
            *([B.counterparty_org_id] if by_customer else []), B.account_code
        )

    async def aging(self, scope: Scope, as_of: date, *, payable: bool) -> Sequence[Any]:
        """Open receivables (or payables) per customer by age of the debits (credits) still
        open, oldest settled first (FIFO): 0–30, 31–60, 61–90 and over 90 days.

        Lines are summed per customer and day (closed months older than 90 days per month:
        they are all over 90 days old); window sums over those rows give each customer's
        balance and, for each day, the amounts booked after it."""
        d30, d60, d90 = (as_of - timedelta(days=n) for n in (30, 60, 90))
        end = _closed_through(await self.closed_end(scope.legal_entity), d90 - timedelta(days=1))
        prefixes = PAYABLE if payable else RECEIVABLE
        grows = L.credit_fen if payable else L.debit_fen
        shrinks = L.debit_fen if payable else L.credit_fen
        cp = L.counterparty_org_id
        lines = scope.where(
            select(
                cp.label("cp"),
                L.entry_date.label("day"),
                func.sum(grows).label("amt"),
                func.sum(grows - shrinks).label("net"),
            ).where(_in(prefixes), L.entry_date <= as_of)
        )
        if end is not None:
            lines = lines.where(L.entry_date > end)
        parts = [lines.group_by(cp, L.entry_date)]
        if end is not None:
            b_grows = B.credit_fen if payable else B.debit_fen
            b_shrinks = B.debit_fen if payable else B.credit_fen
            monthly = scope.balances(
                select(
                    B.counterparty_org_id.label("cp"),
                    B.month.label("day"),
                    func.sum(b_grows).label("amt"),
                    func.sum(b_grows - b_shrinks).label("net"),
                ).where(or_(*(B.account_code.like(f"{p}%") for p in prefixes)), B.month <= end)
            )
            parts.append(monthly.group_by(B.counterparty_org_id, B.month))
        daily = union_all(*parts).subquery("daily")
        ranked = select(
            daily.c.cp,
            daily.c.day,
            daily.c.amt,
            func.sum(daily.c.net).over(partition_by=daily.c.cp).label("bal"),
            (
                func.sum(daily.c.amt).over(
                    partition_by=daily.c.cp, order_by=daily.c.day.desc(), rows=(None, 0)
                )
                - daily.c.amt
            ).label("newer"),
        ).subquery("ranked")
        # The part of a day's amount still open: what the balance leaves after newer amounts.
        left = ranked.c.bal - ranked.c.newer
        open_part = case((left <= 0, 0), (left >= ranked.c.amt, ranked.c.amt), else_=left)
        day = ranked.c.day

        def bucket(condition: ColumnElement[bool]) -> Any:
            return func.coalesce(func.sum(case((condition, open_part), else_=0)), 0)

        query = (
            select(
                ranked.c.cp.label("customer_org_id"),
                bucket(day >= d30).label("d0_30"),
                bucket(and_(day < d30, day >= d60)).label("d31_60"),
                bucket(and_(day < d60, day >= d90)).label("d61_90"),
                bucket(day < d90).label("over_90"),
                func.max(ranked.c.bal).label("balance"),
            )
            .group_by(ranked.c.cp)
            .order_by(ranked.c.cp)
        )
        return (await self.session.execute(query)).all()

    async def daily(self, scope: Scope, day: date) -> Sequence[Any]:
        """Per account: balance before the day, the day's debits and credits (资金/账务日报)."""
        end = _closed_through(await self.closed_end(scope.legal_entity), day - timedelta(days=1))
        before = L.entry_date < day
        today = L.entry_date == day
        zero = literal(0, type_=BigInteger())
        lines = scope.where(
            select(
                L.account_code.label("account_code"),
                _sum(before, L.debit_fen - L.credit_fen).label("opening_fen"),
                _sum(today, L.debit_fen).label("debit_fen"),
                _sum(today, L.credit_fen).label("credit_fen"),
            ).where(L.entry_date <= day)
        )
        if end is not None:
            lines = lines.where(L.entry_date > end)
        parts = [lines.group_by(L.account_code)]
        if end is not None:
            parts.append(
                scope.balances(
                    select(
                        B.account_code.label("account_code"),
                        func.sum(B.debit_fen - B.credit_fen).label("opening_fen"),
                        zero.label("debit_fen"),
                        zero.label("credit_fen"),
                    ).where(B.month <= end)
                ).group_by(B.account_code)
            )
        u = union_all(*parts).subquery("u")
        query = (
            select(
                u.c.account_code,
                func.sum(u.c.opening_fen).label("opening_fen"),
                func.sum(u.c.debit_fen).label("debit_fen"),
                func.sum(u.c.credit_fen).label("credit_fen"),
            )
            .group_by(u.c.account_code)
            .order_by(u.c.account_code)
        )
        return (await self.session.execute(query)).all()

    async def account_names(self, legal_entity: str) -> dict[str, tuple[str, str]]:
        query = select(LedgerAccount.code, LedgerAccount.name, LedgerAccount.kind).where(
            LedgerAccount.legal_entity == legal_entity
        )
        return {c: (n, k) for c, n, k in (await self.session.execute(query)).all()}

    async def output_vat(self, scope: Scope, date_from: date, date_to: date) -> Sequence[Any]:
        """Issued invoices by kind and VAT rate: count, amount and tax (销项税额汇总). A red
        letter takes the rate of its order's line on the application."""
        in_period = and_(
            Invoice.legal_entity == scope.legal_entity,
            Invoice.issue_date >= date_from,
            Invoice.issue_date <= date_to,
        )
        rate = (
            select(func.min(InvoiceApplicationLine.tax_rate_bp))
            .where(
                InvoiceApplicationLine.application_id == Invoice.application_id,
                InvoiceApplicationLine.order_id == InvoiceShare.order_id,
            )
            .correlate(Invoice, InvoiceShare)
            .scalar_subquery()
        )
        blue = (
            select(
                literal(InvoiceKind.blue.value).label("kind"),
                InvoiceApplicationLine.tax_rate_bp.label("rate_bp"),
                func.count(func.distinct(Invoice.id)).label("invoices"),
                func.sum(InvoiceApplicationLine.amount_fen).label("amount_fen"),
                func.sum(InvoiceApplicationLine.tax_fen).label("tax_fen"),
            )
            .join(
                InvoiceApplicationLine,
                InvoiceApplicationLine.application_id == Invoice.application_id,
            )
            .where(in_period, Invoice.kind == InvoiceKind.blue.value)
            .group_by(InvoiceApplicationLine.tax_rate_bp)
        )
        red_rows = (
            select(
                Invoice.id.label("invoice_id"),
                rate.label("rate_bp"),
                InvoiceShare.amount_fen,
                InvoiceShare.tax_fen,
            )
            .join(InvoiceShare, InvoiceShare.invoice_id == Invoice.id)
            .where(in_period, Invoice.kind == InvoiceKind.red.value)
        )
        blue = scope.invoices(blue)
        red_rows = scope.invoices(red_rows)
        reds = red_rows.subquery("reds")
        red = select(
            literal(InvoiceKind.red.value).label("kind"),
            reds.c.rate_bp,
            func.count(func.distinct(reds.c.invoice_id)).label("invoices"),
            func.sum(reds.c.amount_fen).label("amount_fen"),
            func.sum(reds.c.tax_fen).label("tax_fen"),
        ).group_by(reds.c.rate_bp)
        rows = list((await self.session.execute(blue)).all())
        rows += list((await self.session.execute(red)).all())
        return sorted(rows, key=lambda r: (r.rate_bp, r.kind))

    async def ledger_output_vat(self, scope: Scope, date_from: date, date_to: date) -> int:
        query = scope.where(
            select(func.coalesce(func.sum(L.credit_fen - L.debit_fen), 0)).where(
                _in(OUTPUT_VAT), L.entry_date >= date_from, L.entry_date <= date_to
            )
        )
        return int((await self.session.execute(query)).scalar_one())

    async def ledger_totals(self, scope: Scope, date_from: date, date_to: date) -> Any:
        """Debits and credits of the period per account group (for reconciling the reports)."""
        query = scope.where(
            select(
                func.coalesce(func.sum(L.debit_fen), 0).label("debit_fen"),
                func.coalesce(func.sum(L.credit_fen), 0).label("credit_fen"),
            ).where(L.entry_date >= date_from, L.entry_date <= date_to)
        )
        return (await self.session.execute(query)).one()
