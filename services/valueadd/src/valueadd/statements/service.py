"""对账 → 流水付款结算: statements per merchant and period, confirmed or disputed line by line; a
confirmed statement asks for the payable merchant_payout order and, for insurer-issued coupons,
the receivable value_added_settlement orders; the payout's settlement settles the coupons."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.db import serialize_writers
from servicekit.errors import Forbidden
from servicekit.messaging import Outbox
from shared_schemas import (
    Money,
    OrderCategory,
    OrderDirection,
    OrderRequestCounterparty,
    OrderRequestLine,
    OrderRequestSubmittedV1,
    SellingEntity,
)
from valueadd.common import orderlinks
from valueadd.common.money import from_fen
from valueadd.common.numbers import next_number
from valueadd.common.types import business_day
from valueadd.coupons import codes
from valueadd.coupons.models import BatchKind, CouponStatus, trail_row
from valueadd.coupons.repository import CouponRepository
from valueadd.merchants.errors import MerchantNotFound
from valueadd.merchants.repository import MerchantRepository
from valueadd.redemptions.service import TAX_RATE, day_range
from valueadd.statements.errors import (
    LineNotFound,
    StatementEmpty,
    StatementNotFound,
    StatementNotOpen,
)
from valueadd.statements.models import (
    LINE_TRANSITIONS,
    TRANSITIONS,
    LineStatus,
    Statement,
    StatementLine,
    StatementStatus,
)
from valueadd.statements.repository import StatementRepository
from valueadd.statements.schemas import DisputeRequest, LineRead, StatementCreate, StatementRead

PAYOUT = "coupon-statement"
SETTLEMENT = "coupon-settlement"


def payout_ref(statement_no: str) -> str:
    return f"{PAYOUT}:{statement_no}"


def settlement_ref(statement_no: str, billed_org_id: uuid.UUID) -> str:
    return f"{SETTLEMENT}:{statement_no}:{billed_org_id}"


class StatementService:
    def __init__(self, repo: StatementRepository, outbox: Outbox, clock: Clock) -> None:
        self.repo = repo
        self.outbox = outbox
        self.clock = clock

    async def create(self, data: StatementCreate, principal: Principal) -> StatementRead:
        await serialize_writers(self.repo.session)
        merchant = await MerchantRepository(self.repo.session).get(data.merchant_id, principal)
        if merchant is None:
            raise MerchantNotFound()
        now = self.clock()
        start, end = day_range(data.period_from, data.period_to)
        assert start is not None and end is not None
        statement = Statement(
            id=uuid.uuid4(),
            statement_no=await next_number(self.repo.session, "ST", now),
            merchant_id=merchant.id,
            merchant_org_id=merchant.org_id,
            merchant_name=merchant.name,
            period_from=data.period_from,
            period_to=data.period_to,
            status=StatementStatus.open.value,
            line_count=0,
            total_fen=0,
            confirmed_fen=0,
            created_by=principal.subject,
            created_at=now,
        )
        self.repo.add(statement)
        await self.repo.flush()
        claimed = await self.repo.claim(merchant.id, start, end, statement.id)
        if not claimed:
            raise StatementEmpty()  # the unit of work rolls the empty statement back
        for r in claimed:
            self.repo.add(
                StatementLine(
                    statement_id=statement.id,
                    redemption_id=r.id,
                    redemption_no=r.redemption_no,
                    coupon_id=r.coupon_id,
                    product_code=r.product_code,
                    product_name=r.product_name,
                    store_name=r.store_name,
                    redeemed_at=r.redeemed_at,
                    settlement_price_fen=r.settlement_price_fen,
                    insurer_price_fen=r.insurer_price_fen,
                    batch_kind=r.batch_kind,
                    billed_org_id=r.billed_org_id,
                    status=LineStatus.pending.value,
                )
            )
        statement.line_count = len(claimed)
        statement.total_fen = sum(r.settlement_price_fen for r in claimed)
        await self.repo.flush()
        return await self.read(statement, with_lines=True)

    async def search(
        self, principal: Principal, merchant_id: uuid.UUID | None, status: StatementStatus | None
    ) -> list[StatementRead]:
        return [await self.read(s) for s in await self.repo.search(principal, merchant_id, status)]

    async def get(self, statement_id: uuid.UUID, principal: Principal) -> StatementRead:
        return await self.read(await self._visible(statement_id, principal), with_lines=True)

    async def decide(
        self,
        statement_id: uuid.UUID,
        redemption_no: str,
        target: LineStatus,
        dispute: DisputeRequest | None,
        principal: Principal,
    ) -> StatementRead:
        statement = await self._open(statement_id, principal)
        line = await self.repo.line(statement.id, redemption_no.upper())
        if line is None:
            raise LineNotFound()
        if LineStatus(line.status) != target:
            if target not in LINE_TRANSITIONS[LineStatus(line.status)]:
                raise StatementNotOpen(statement.status)
            line.status = target.value
        line.dispute_reason = dispute.reason if dispute else None
        line.decided_by, line.decided_at = principal.subject, self.clock()
        await self.repo.flush()
        return await self.read(statement, with_lines=True)

    async def confirm(self, statement_id: uuid.UUID, principal: Principal) -> StatementRead:
        """Pending lines are confirmed; disputed ones leave the statement (their redemptions can
        go on a later one); the confirmed total is asked for as the merchant's payout."""
        statement = await self._open(statement_id, principal)
        now = self.clock()
        lines = await self.repo.lines(statement.id)
        for line in lines:
            if line.status == LineStatus.pending.value:
                line.status = LineStatus.confirmed.value
                line.decided_by, line.decided_at = principal.subject, now
        confirmed = [ln for ln in lines if ln.status == LineStatus.confirmed.value]
        await self.repo.release(
            [ln.redemption_id for ln in lines if ln.status == LineStatus.disputed.value]
        )
        assert StatementStatus.confirmed in TRANSITIONS[StatementStatus(statement.status)]
        statement.status = StatementStatus.confirmed.value
        statement.confirmed_by, statement.confirmed_at = principal.subject, now
        statement.confirmed_fen = sum(ln.settlement_price_fen for ln in confirmed)
        await self.repo.flush()
        if statement.confirmed_fen > 0:
            await orderlinks.request_order(
                self.repo.session,
                self.outbox,
                payout_request(statement, confirmed, principal, now),
                now,
            )
        for request in settlement_requests(statement, confirmed, principal, now):
            await orderlinks.request_order(self.repo.session, self.outbox, request, now)
        if statement.confirmed_fen == 0:
            await self.paid(statement, now, principal.subject)  # nothing to pay: done
        return await self.read(statement, with_lines=True)

    async def paid(self, statement: Statement, at: datetime, by: str) -> None:
        """The payout order is settled: the statement is paid, its confirmed coupons settled."""
        if StatementStatus.paid not in TRANSITIONS[StatementStatus(statement.status)]:
            return  # already paid (a repeated status event)
        statement.status, statement.paid_at = StatementStatus.paid.value, at
        coupons = CouponRepository(self.repo.session)
        confirmed = [
            ln.coupon_id
            for ln in await self.repo.lines(statement.id)
            if ln.status == LineStatus.confirmed.value
        ]
        moved = await coupons.move(
            confirmed, CouponStatus.redeemed, CouponStatus.settled, at, settled_at=at
        )
        await coupons.add_trail(
            [
                trail_row(
                    c,
                    CouponStatus.redeemed.value,
                    CouponStatus.settled.value,
                    at,
                    by,
                    f"对账单 {statement.statement_no} 已付款",
                )
                for c in moved
            ]
        )
        await self.repo.flush()

    async def _visible(self, statement_id: uuid.UUID, principal: Principal) -> Statement:
        statement = await self.repo.get(statement_id, principal)
        if statement is None:
            raise StatementNotFound()
        return statement

    async def _open(self, statement_id: uuid.UUID, principal: Principal) -> Statement:
        await serialize_writers(self.repo.session)
        statement = await self._visible(statement_id, principal)
        if principal.org_id != statement.merchant_org_id and not principal.platform_operator:
            raise Forbidden(
                "Only the merchant or platform operators reconcile its statements.",
                code="not_your_statement",
            )
        if not await self.repo.lock_open(statement.id):
            await self.repo.session.refresh(statement)
            raise StatementNotOpen(statement.status)
        return statement

    async def read(self, s: Statement, *, with_lines: bool = False) -> StatementRead:
        links = {
            ln.source_ref: ln
            for ln in await self.repo.links_with_prefix(f"{SETTLEMENT}:{s.statement_no}:")
        }
        payout = await self.repo.order_links([payout_ref(s.statement_no)])
        result = StatementRead(
            id=s.id,
            statement_no=s.statement_no,
            merchant_id=s.merchant_id,
            merchant_name=s.merchant_name,
            period_from=s.period_from,
            period_to=s.period_to,
            status=StatementStatus(s.status),
            line_count=s.line_count,
            total=from_fen(s.total_fen),
            confirmed_total=from_fen(s.confirmed_fen),
            created_by=s.created_by,
            created_at=s.created_at,
            confirmed_by=s.confirmed_by,
            confirmed_at=s.confirmed_at,
            paid_at=s.paid_at,
            payout_order_no=payout[0].order_no if payout else None,
            settlement_order_nos=sorted(ln.order_no for ln in links.values() if ln.order_no),
        )
        if with_lines:
            result.lines = [
                LineRead(
                    redemption_no=ln.redemption_no,
                    coupon_code=codes.display(ln.redemption_no[2:]),
                    product_code=ln.product_code,
                    product_name=ln.product_name,
                    store_name=ln.store_name,
                    redeemed_at=ln.redeemed_at,
                    settlement_price=from_fen(ln.settlement_price_fen),
                    status=LineStatus(ln.status),
                    dispute_reason=ln.dispute_reason,
                    decided_by=ln.decided_by,
                    decided_at=ln.decided_at,
                )
                for ln in await self.repo.lines(s.id)
            ]
        return result


def _grouped_lines(lines: list[StatementLine], price: str) -> list[OrderRequestLine]:
    """One order line per product and unit price: quantity × price, exact."""
    groups: dict[tuple[str, str, int], int] = defaultdict(int)
    for ln in lines:
        groups[(ln.product_code, ln.product_name, getattr(ln, price))] += 1
    out = []
    for (code, name, fen), count in sorted(groups.items()):
        unit = Money.from_fen(fen)
        out.append(
            OrderRequestLine(
                description=f"{name}（{code}）核销 {count} 张",
                quantity=Decimal(count),
                unit_price=unit,
                amount=Money.from_fen(fen * count),
                ref=code,
            )
        )
    return out


def payout_request(
    s: Statement, confirmed: list[StatementLine], principal: Principal, at: datetime
) -> OrderRequestSubmittedV1:
    return OrderRequestSubmittedV1(
        source_service=orderlinks.SOURCE_SERVICE,
        source_ref=payout_ref(s.statement_no),
        source_no=s.statement_no,
        category=OrderCategory.merchant_payout,
        direction=OrderDirection.payable,
        customer_org_id=s.merchant_org_id,
        counterparty=OrderRequestCounterparty(
            kind="org", id=str(s.merchant_org_id), name=s.merchant_name
        ),
        seller=SellingEntity.technology_company,
        tax_rate=TAX_RATE,
        amount=Money.from_fen(s.confirmed_fen),
        lines=_grouped_lines(confirmed, "settlement_price_fen"),
        sign_date=business_day(at),
        requested_by=principal.subject,
    )


def settlement_requests(
    s: Statement, confirmed: list[StatementLine], principal: Principal, at: datetime
) -> list[OrderRequestSubmittedV1]:
    """保司发券's end: per billed institution, the confirmed redemptions at the insurer's price."""
    by_org: dict[uuid.UUID, list[StatementLine]] = defaultdict(list)
    for ln in confirmed:
        if (
            ln.batch_kind == BatchKind.insurer.value
            and ln.billed_org_id
            and ln.insurer_price_fen > 0
        ):
            by_org[ln.billed_org_id].append(ln)
    return [
        OrderRequestSubmittedV1(
            source_service=orderlinks.SOURCE_SERVICE,
            source_ref=settlement_ref(s.statement_no, org),
            source_no=s.statement_no,
            category=OrderCategory.value_added_settlement,
            direction=OrderDirection.receivable,
            customer_org_id=org,
            seller=SellingEntity.technology_company,
            tax_rate=TAX_RATE,
            amount=Money.from_fen(sum(ln.insurer_price_fen for ln in lines)),
            lines=_grouped_lines(lines, "insurer_price_fen"),
            sign_date=business_day(at),
            requested_by=principal.subject,
        )
        for org, lines in sorted(by_org.items())
    ]
