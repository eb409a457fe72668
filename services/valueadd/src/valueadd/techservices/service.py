"""其他技术服务: contracts (payees, rates, payout mode; versioned), and what a covered service
order's settlement asks of the order center: one payable order per payee."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.db import serialize_writers
from servicekit.errors import Forbidden
from servicekit.messaging import Outbox
from shared_schemas import (
    Money,
    OrderCategory,
    OrderCreatedV1,
    OrderDirection,
    OrderRequestCounterparty,
    OrderRequestLine,
    OrderRequestSubmittedV1,
    OrderStatus,
    SellingEntity,
)
from valueadd.common import orderlinks
from valueadd.common.money import from_fen, to_fen
from valueadd.common.types import business_day
from valueadd.techservices.errors import (
    ContractNotFound,
    ContractTermsFixed,
    OrderSourceTaken,
    PayeeListedTwice,
    PayeeNotWithdrawing,
    PayeeRateRequired,
    SharesExceedOrder,
)
from valueadd.techservices.models import (
    PayeeKind,
    PayoutMode,
    RateKind,
    ServiceType,
    TechContract,
    TechPayee,
    TechPayout,
    TechServiceOrder,
)
from valueadd.techservices.repository import TechRepository
from valueadd.techservices.schemas import (
    ContractCreate,
    ContractRead,
    PayeeRead,
    PayoutRead,
    ServiceOrderRead,
)

log = logging.getLogger("valueadd.techservices")

#: The order-request module prefix of the payees' payable orders.
PAYOUT = "tech-payout"
_BP = Decimal(10_000)
_LABEL = {ServiceType.tpa: "TPA服务", ServiceType.advertising: "广告服务"}
#: The payable order per payee kind: promoters' fees, or the service staff's service order.
CATEGORY = {
    PayeeKind.promoter: OrderCategory.promoter_payout,
    PayeeKind.service_staff: OrderCategory.technical_service,
}
_DONE = {OrderStatus.settled, OrderStatus.closed}


def payout_ref(contract_no: str, order_no: str, subject: str) -> str:
    return f"{PAYOUT}:{contract_no}:{order_no}:{subject}"


def payee_amount(payee: TechPayee, order_fen: int) -> int:
    if payee.rate_kind == RateKind.fixed.value:
        return payee.fixed_fen or 0
    share = (Decimal(order_fen) * Decimal(payee.share_bp or 0) / _BP).quantize(
        Decimal(1), ROUND_HALF_UP
    )
    return int(share)


class TechService:
    def __init__(self, repo: TechRepository, clock: Clock) -> None:
        self.repo = repo
        self.clock = clock

    # --- contracts -----------------------------------------------------------------------

    async def create_contract(self, data: ContractCreate, principal: Principal) -> ContractRead:
        if principal.org_id is None:
            raise Forbidden("Contracts belong to an institution.", code="forbidden")
        payees = _payees(data)
        await serialize_writers(self.repo.session)
        versions = await self.repo.versions(principal.org_id, data.contract_no)
        if versions:
            first = versions[0]
            for field, ours, theirs in (
                ("customer_org_id", data.customer_org_id, first.customer_org_id),
                ("service_type", data.service_type.value, first.service_type),
                ("order_source", data.order_source, first.order_source),
            ):
                if ours != theirs:
                    raise ContractTermsFixed(field)
        else:
            holder = await self.repo.source_holder(data.customer_org_id, data.order_source)
            if holder is not None:
                raise OrderSourceTaken()
        row = TechContract(
            id=uuid.uuid4(), org_id=principal.org_id, contract_no=data.contract_no,
            version=len(versions) + 1, customer_org_id=data.customer_org_id,
            customer_name=data.customer_name, service_type=data.service_type.value,
            order_source=data.order_source, payout_mode=data.payout_mode.value,
            effective_from=data.effective_from, created_by=principal.subject,
            created_at=self.clock(), payees=payees,
        )  # fmt: skip
        self.repo.add(row)
        await self.repo.flush()
        return _contract(row)

    async def contracts(self, principal: Principal) -> list[ContractRead]:
        return [_contract(c) for c in await self.repo.contracts(principal)]

    async def contract(self, contract_id: uuid.UUID, principal: Principal) -> ContractRead:
        row = await self.repo.contract(contract_id)
        if row is None or not principal.may_see_org(row.org_id):
            raise ContractNotFound()
        return _contract(row)

    async def service_orders(
        self, principal: Principal, contract_no: str | None
    ) -> list[ServiceOrderRead]:
        orders = await self.repo.service_orders(principal, contract_no)
        payouts = await self.repo.payouts([o.order_id for o in orders])
        nos = await self.repo.order_nos([p.source_ref for p in payouts])
        versions = await self.repo.version_of(list({o.contract_id for o in orders}))
        by_order: dict[uuid.UUID, list[PayoutRead]] = {}
        for p in payouts:
            by_order.setdefault(p.service_order_id, []).append(
                PayoutRead(
                    source_ref=p.source_ref,
                    payee_kind=PayeeKind(p.payee_kind),
                    subject=p.subject,
                    name=p.name,
                    payout_mode=PayoutMode(p.payout_mode),
                    category=p.category,
                    amount=from_fen(p.amount_fen),
                    requested_at=p.requested_at,
                    credited_at=p.credited_at,
                    center_order_no=nos.get(p.source_ref),
                )
            )
        return [
            ServiceOrderRead(
                order_id=o.order_id,
                order_no=o.order_no,
                contract_no=o.contract_no,
                contract_version=versions.get(o.contract_id, 0),
                customer_org_id=o.customer_org_id,
                source_service=o.source_service,
                source_ref=o.source_ref,
                amount=from_fen(o.amount_fen),
                sign_date=o.sign_date,
                status=o.status,
                payouts_requested_at=o.payouts_requested_at,
                payouts=by_order.get(o.order_id, []),
            )
            for o in orders
        ]

    # --- the order center's events about service orders it imported -----------------------

    async def order_created(self, p: OrderCreatedV1, at: datetime) -> None:
        """An order a contract covers: a receivable technical-service order of the contract's
        customer from its source system (not one valueadd asked for)."""
        if p.source_service == orderlinks.SOURCE_SERVICE:
            return
        if p.category is not OrderCategory.technical_service:
            return
        if p.direction is not OrderDirection.receivable:
            return
        day = p.sign_date or business_day(at)
        contract = await self.repo.in_force(p.customer_org_id, p.source_service, day)
        if contract is None:
            return
        if await self.repo.service_order(p.order_id) is not None:
            return
        self.repo.add(
            TechServiceOrder(
                order_id=p.order_id,
                order_no=p.order_no,
                org_id=contract.org_id,
                contract_id=contract.id,
                contract_no=contract.contract_no,
                customer_org_id=p.customer_org_id,
                source_service=p.source_service,
                source_ref=p.source_ref,
                amount_fen=p.amount.fen,
                sign_date=day,
                status=OrderStatus.created.value,
                created_at=at,
                updated_at=at,
            )
        )
        await self.repo.flush()

    async def order_status_changed(
        self, outbox: Outbox, order_id: uuid.UUID, to_status: OrderStatus, at: datetime
    ) -> None:
        order = await self.repo.service_order(order_id, lock=True)
        if order is None:
            return
        order.status, order.updated_at = to_status.value, at
        if to_status not in _DONE or order.payouts_requested_at is not None:
            return
        order.payouts_requested_at = at
        contract = await self.repo.contract(order.contract_id)
        assert contract is not None
        await self._request_payouts(outbox, contract, order, at)

    async def _request_payouts(
        self, outbox: Outbox, contract: TechContract, order: TechServiceOrder, at: datetime
    ) -> None:
        label = _LABEL[ServiceType(contract.service_type)]
        for payee in contract.payees:
            fen = payee_amount(payee, order.amount_fen)
            if fen <= 0:
                continue
            kind = PayeeKind(payee.kind)
            category = CATEGORY[kind]
            ref = payout_ref(contract.contract_no, order.order_no, payee.subject)
            if await self.repo.payout(ref) is not None:
                continue
            rate = (
                f"{Decimal(payee.share_bp or 0) / 100:.2f}%"
                if payee.rate_kind == RateKind.share.value
                else "每单固定"
            )
            self.repo.add(
                TechPayout(
                    source_ref=ref,
                    service_order_id=order.order_id,
                    org_id=contract.org_id,
                    contract_id=contract.id,
                    payee_kind=kind.value,
                    subject=payee.subject,
                    name=payee.name,
                    payout_mode=contract.payout_mode,
                    category=category.value,
                    amount_fen=fen,
                    requested_at=at,
                )
            )
            request = OrderRequestSubmittedV1(
                source_service=orderlinks.SOURCE_SERVICE, source_ref=ref,
                source_no=f"{contract.contract_no}-{order.order_no}"[:64], category=category,
                direction=OrderDirection.payable, customer_org_id=contract.org_id,
                counterparty=OrderRequestCounterparty(kind="person", id=payee.subject,
                                                      name=payee.name),
                seller=SellingEntity.technology_company, amount=Money.from_fen(fen),
                lines=[OrderRequestLine(
                    description=f"{label}费 {order.order_no}（{rate}）", quantity=Decimal(1),
                    unit_price=Money.from_fen(fen), amount=Money.from_fen(fen),
                    ref=order.order_no,
                )],
                sign_date=business_day(at), requested_by=orderlinks.SOURCE_SERVICE,
            )  # fmt: skip
            await orderlinks.request_order(self.repo.session, outbox, request, at)
        await self.repo.flush()


def _payees(data: ContractCreate) -> list[TechPayee]:
    seen: set[str] = set()
    rows: list[TechPayee] = []
    shares = 0
    for i, p in enumerate(data.payees):
        if (p.share is None) == (p.fixed_amount is None):
            raise PayeeRateRequired(i)
        if p.subject in seen:
            raise PayeeListedTwice(i)
        seen.add(p.subject)
        if data.payout_mode is PayoutMode.self_withdrawal and p.kind is not PayeeKind.service_staff:
            raise PayeeNotWithdrawing(i)
        if p.fixed_amount is not None and to_fen(p.fixed_amount) <= 0:
            raise PayeeRateRequired(i)
        share_bp = int(p.share * _BP) if p.share is not None else None
        shares += share_bp or 0
        rows.append(
            TechPayee(
                id=uuid.uuid4(),
                seq=i,
                kind=p.kind.value,
                subject=p.subject,
                name=p.name,
                rate_kind=(RateKind.share if p.share is not None else RateKind.fixed).value,
                share_bp=share_bp,
                fixed_fen=to_fen(p.fixed_amount) if p.fixed_amount is not None else None,
            )
        )
    if shares > _BP:
        raise SharesExceedOrder()
    return rows


def _contract(c: TechContract) -> ContractRead:
    return ContractRead(
        id=c.id, contract_no=c.contract_no, version=c.version,
        customer_org_id=c.customer_org_id, customer_name=c.customer_name,
        service_type=ServiceType(c.service_type), order_source=c.order_source,
        payout_mode=PayoutMode(c.payout_mode), effective_from=c.effective_from,
        payees=[
            PayeeRead(
                kind=PayeeKind(p.kind), subject=p.subject, name=p.name,
                rate_kind=RateKind(p.rate_kind),
                share=(Decimal(p.share_bp) / _BP).quantize(Decimal("0.0001"))
                if p.share_bp is not None else None,
                fixed_amount=from_fen(p.fixed_fen) if p.fixed_fen is not None else None,
            )
            for p in c.payees
        ],
        created_by=c.created_by, created_at=c.created_at,
    )  # fmt: skip


async def on_order_created(session: AsyncSession, p: OrderCreatedV1, at: datetime) -> None:
    await TechService(TechRepository(session), lambda: at).order_created(p, at)
