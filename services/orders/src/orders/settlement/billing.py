"""Finance's events on a settlement list's billing order, passed on to the deals it bills.

Finance invoices and collects the billing order only (one application, one invoice for the
list). So that the deals show they are billed — 开票申请中, 已开票, 已结算, 已关闭 in their own
trajectory — every finance report naming a billing order is followed by a report of the same
event naming its deals, each with its part of the billing order's share, and the deals move by
the same transition table:
- an application or its rejection (no money) covers each deal whole;
- invoiced and received money fill the deals in list order (sign date, order number), each up
  to its amount — so a billing order invoiced or paid in full has every deal so;
- red-letter money comes off the deals from the end of the list, each down to zero.
The deals' amounts are read once per batch and carried from report to report, so a batch's
events split as they would one at a time. Money beyond what the deals can take (finance
over-invoiced or over-collected the billing order) goes to the last deal, where it shows as
the same conflict the billing order records.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orders.order.feedback import FinanceReport, MoneyEffect
from orders.order.models import Order
from orders.settlement.models import SettlementList


@dataclass
class _Deal:
    id: uuid.UUID
    amount_fen: int
    invoiced_fen: int
    settled_fen: int


@dataclass(frozen=True)
class _Billing:
    list_no: str
    order_no: str
    deals: list[_Deal]


async def with_listed_deals(
    session: AsyncSession, reports: Sequence[FinanceReport]
) -> list[FinanceReport]:
    """The reports, each naming a billing order followed by its deals' report."""
    named = {order_id for r in reports for order_id, _ in r.shares}
    if not named:
        return list(reports)
    rows = (
        await session.execute(
            select(
                SettlementList.id, SettlementList.order_id, SettlementList.list_no, Order.order_no
            )
            .join(Order, Order.id == SettlementList.order_id)
            .where(SettlementList.order_id.in_(named))
        )
    ).all()
    if not rows:
        return list(reports)
    billings: dict[uuid.UUID, _Billing] = {}
    by_list: dict[uuid.UUID, list[_Deal]] = {}
    for list_id, order_id, list_no, order_no in rows:
        by_list[list_id] = []
        billings[order_id] = _Billing(list_no, order_no, by_list[list_id])
    deals = await session.execute(
        select(
            Order.settlement_list_id,
            Order.id,
            Order.amount_fen,
            Order.invoiced_fen,
            Order.settled_fen,
        )
        .where(
            Order.settlement_list_id.in_(list(by_list)),
            Order.id.not_in(list(billings)),
        )
        .order_by(Order.sign_date, Order.order_no)
    )
    for list_id, *deal in deals.all():
        by_list[list_id].append(_Deal(*deal))
    out: list[FinanceReport] = []
    for report in reports:
        out.append(report)
        for order_id, share_fen in report.shares:
            billing = billings.get(order_id)
            if billing is None or not billing.deals:
                continue
            shares = _split(billing.deals, report.effect, share_fen)
            out.append(
                replace(
                    report,
                    shares=shares,
                    note=f"{report.note} — 结算清单 {billing.list_no}, 账单 {billing.order_no}",
                )
            )
    return out


def _split(deals: list[_Deal], effect: MoneyEffect, share_fen: int) -> list[tuple[uuid.UUID, int]]:
    """Each deal's part of a billing-order share (and the deals' amounts moved on by it)."""
    if effect is MoneyEffect.none:
        return [(d.id, d.amount_fen) for d in deals]
    if effect is MoneyEffect.paid:  # a billing order is receivable: nothing the deals take
        return []
    column = "settled_fen" if effect is MoneyEffect.received else "invoiced_fen"
    parts: dict[uuid.UUID, int] = {}
    left = share_fen
    if effect is MoneyEffect.reversed:
        for d in reversed(deals):
            take = min(left, max(d.invoiced_fen, 0))
            if take:
                parts[d.id], left = take, left - take
                d.invoiced_fen -= take
    else:
        for d in deals:
            take = min(left, max(d.amount_fen - getattr(d, column), 0))
            if take:
                parts[d.id], left = take, left - take
                setattr(d, column, getattr(d, column) + take)
    if left:
        last = deals[-1]
        parts[last.id] = parts.get(last.id, 0) + left
        sign = -1 if effect is MoneyEffect.reversed else 1
        setattr(last, column, getattr(last, column) + sign * left)
    return [(d.id, parts[d.id]) for d in deals if d.id in parts]
