"""Accruing payables (应付暂估): a payable order's cost and liability are booked when the order
is confirmed (对账确认), not when it is paid — so 应付余额 is what the platform owes and 成本 is
what it consumed, in the month it consumed it.

- Confirmed (orders.order.status_changed to reconciled): Dr 6401 主营业务成本 / Cr the order's
  payable account (2202), once per order (source `payable_accrual`, id = order id).
- Paid before anyone confirmed it (the order center flags that as a conflict): the payment
  accrues it first, in the payer's books, so the payable never goes below zero.
- Cancelled after it was accrued: what is still unpaid is taken back (Dr 2202 / Cr 6401, source
  `payable_accrual_cancelled`, once); what was paid stays a cost.

The books a confirmed order accrues in: orders carry no paying entity yet, and the platform's
payables (merchants, promoters, service staff) are the technology company's, so confirmation
accrues there; a payment must then come from that entity's account (`payer_other_legal_entity`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from finance.ledger.posting import PostedEntry, PostingLine, post_entry, today_shanghai
from finance.ledger.repository import LedgerRepository
from finance.settlement.models import SettlementItem
from servicekit.clock import Clock, utc_now
from shared_schemas import SellingEntity

PAYABLE_ACCRUAL = "payable_accrual"
PAYABLE_ACCRUAL_CANCELLED = "payable_accrual_cancelled"
COST_ACCOUNT = "6401"  # 主营业务成本
#: Where a confirmed payable order accrues (see the module docstring).
PLATFORM_BOOKS = SellingEntity.technology_company.value


async def accrued_in(session: AsyncSession, item: SettlementItem) -> str | None:
    """The legal entity whose books the order's payable was accrued in, if it was."""
    entry = await LedgerRepository(session).entry_by_source(PAYABLE_ACCRUAL, str(item.order_id))
    return None if entry is None else entry.legal_entity


async def accrue_payable(
    session: AsyncSession,
    item: SettlementItem,
    *,
    legal_entity: str,
    actor: str,
    clock: Clock = utc_now,
) -> PostedEntry:
    """Accrue the order's amount once; a repeat (redelivery, or the payment after the
    confirmation) returns the first entry, whatever entity it names."""
    return await post_entry(
        session,
        legal_entity=legal_entity,
        entry_date=today_shanghai(clock),
        source_type=PAYABLE_ACCRUAL,
        source_id=str(item.order_id),
        memo=f"应付暂估 {item.order_no}",
        lines=[
            PostingLine(
                COST_ACCOUNT,
                debit_fen=item.amount_fen,
                counterparty_org_id=item.customer_org_id,
                memo=item.order_no,
            ),
            PostingLine(
                item.account_code,
                credit_fen=item.amount_fen,
                counterparty_org_id=item.customer_org_id,
                memo=item.order_no,
            ),
        ],
        actor=actor,
        clock=clock,
    )


async def take_back_unpaid(
    session: AsyncSession, item: SettlementItem, *, actor: str, clock: Clock = utc_now
) -> PostedEntry | None:
    """A cancelled order's unpaid part leaves the payable and the cost; nothing if it was never
    accrued or is fully paid."""
    entity = await accrued_in(session, item)
    if entity is None or item.outstanding_fen <= 0:
        return None
    fen = min(item.outstanding_fen, item.amount_fen)
    return await post_entry(
        session,
        legal_entity=entity,
        entry_date=today_shanghai(clock),
        source_type=PAYABLE_ACCRUAL_CANCELLED,
        source_id=str(item.order_id),
        memo=f"应付暂估冲回 {item.order_no} (订单取消)",
        lines=[
            PostingLine(
                item.account_code,
                debit_fen=fen,
                counterparty_org_id=item.customer_org_id,
                memo=item.order_no,
            ),
            PostingLine(
                COST_ACCOUNT,
                credit_fen=fen,
                counterparty_org_id=item.customer_org_id,
                memo=item.order_no,
            ),
        ],
        actor=actor,
        clock=clock,
    )
