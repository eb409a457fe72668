"""挪车牌结算: contracts (the settlement mode, versioned), each purchase's order in separate
mode, and the period settlement's one order (call fees, or purchases and call fees)."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

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
from valueadd.common.types import BUSINESS_TZ, business_day
from valueadd.plate_settlement.errors import (
    ContractMissing,
    PeriodReversed,
    SettledMeanwhile,
    SettlementEmpty,
)
from valueadd.plate_settlement.models import PlateContract, PlateSettlement, SettlementMode
from valueadd.plate_settlement.repository import SettlementRepository
from valueadd.plate_settlement.schemas import (
    ContractCreate,
    ContractRead,
    SettlementCreate,
    SettlementRead,
)
from valueadd.plates.models import PlatePurchase

TAX_RATE = Decimal("0.06")
PURCHASE = "plate-purchase"
SETTLEMENT = "plate-settlement"


class SettlementService:
    def __init__(self, repo: SettlementRepository, outbox: Outbox, clock: Clock) -> None:
        self.repo = repo
        self.outbox = outbox
        self.clock = clock

    async def create_contract(self, data: ContractCreate, principal: Principal) -> ContractRead:
        if principal.org_id is None:
            raise Forbidden("Contracts belong to an institution.", code="forbidden")
        await serialize_writers(self.repo.session)
        row = PlateContract(
            id=uuid.uuid4(), org_id=principal.org_id, insurer_org_id=data.insurer_org_id,
            insurer_name=data.insurer_name,
            version=await self.repo.last_version(principal.org_id, data.insurer_org_id) + 1,
            mode=data.mode.value, effective_from=data.effective_from,
            created_by=principal.subject, created_at=self.clock(),
        )  # fmt: skip
        self.repo.add(row)
        await self.repo.flush()
        return _contract(row)

    async def contracts(self, principal: Principal) -> list[ContractRead]:
        return [_contract(c) for c in await self.repo.contracts(principal)]

    async def settle(self, data: SettlementCreate, principal: Principal) -> SettlementRead:
        if data.period_to < data.period_from:
            raise PeriodReversed()
        if principal.org_id is None:
            raise Forbidden("Settlements belong to an institution.", code="forbidden")
        org = principal.org_id
        contract = await self.repo.contract_in_force(org, data.insurer_org_id, data.period_to)
        if contract is None:
            raise ContractMissing()
        await serialize_writers(self.repo.session)
        since = datetime.combine(data.period_from, time(), BUSINESS_TZ)
        until = datetime.combine(data.period_to + timedelta(days=1), time(), BUSINESS_TZ)
        calls = await self.repo.open_calls(org, data.insurer_org_id, since, until)
        mode = SettlementMode(contract.mode)
        purchases = (
            await self.repo.open_purchases(org, data.insurer_org_id, until)
            if mode is SettlementMode.combined
            else []
        )
        call_fen = sum(c.fee_fen for c in calls)
        purchase_fen = sum(p.amount_fen for p in purchases)
        if call_fen + purchase_fen <= 0:
            raise SettlementEmpty()
        now = self.clock()
        category = (
            OrderCategory.plate_combined_settlement
            if mode is SettlementMode.combined
            else OrderCategory.plate_call_fee
        )
        row = PlateSettlement(
            id=uuid.uuid4(), settlement_no=await next_number(self.repo.session, "PS", now),
            org_id=org, insurer_org_id=data.insurer_org_id, insurer_name=contract.insurer_name,
            mode=mode.value, contract_version=contract.version, period_from=data.period_from,
            period_to=data.period_to, category=category.value, purchase_count=len(purchases),
            purchase_fen=purchase_fen, call_count=len(calls), call_fee_fen=call_fen,
            amount_fen=call_fen + purchase_fen, created_by=principal.subject, created_at=now,
        )  # fmt: skip
        self.repo.add(row)
        await self.repo.flush()
        if await self.repo.take_calls([c.id for c in calls], row.id) != len(calls):
            raise SettledMeanwhile()
        if await self.repo.take_purchases([p.id for p in purchases], row.id) != len(purchases):
            raise SettledMeanwhile()
        lines = [
            OrderRequestLine(
                description=f"挪车牌采购 {p.purchase_no}",
                quantity=Decimal(p.quantity),
                unit_price=Money.from_fen(p.unit_price_fen),
                amount=Money.from_fen(p.amount_fen),
                ref=p.purchase_no,
            )
            for p in sorted(purchases, key=lambda p: p.purchase_no)
        ]
        if call_fen:
            lines.append(
                OrderRequestLine(
                    description=f"挪车牌拨打费 {data.period_from}–{data.period_to}（{len(calls)} 通）",
                    quantity=Decimal(1),
                    unit_price=Money.from_fen(call_fen),
                    amount=Money.from_fen(call_fen),
                    ref=row.settlement_no,
                )
            )
        await orderlinks.request_order(
            self.repo.session, self.outbox,
            _request(f"{SETTLEMENT}:{row.settlement_no}", row.settlement_no, category,
                     data.insurer_org_id, contract.insurer_name, row.amount_fen, lines,
                     principal.subject, data.period_to),
            now,
        )  # fmt: skip
        return await self._read(row)

    async def settlements(self, principal: Principal) -> list[SettlementRead]:
        return [await self._read(s) for s in await self.repo.settlements(principal)]

    async def _read(self, s: PlateSettlement) -> SettlementRead:
        ref = f"{SETTLEMENT}:{s.settlement_no}"
        nos = await self.repo.order_nos([ref])
        return SettlementRead(
            id=s.id, settlement_no=s.settlement_no, insurer_org_id=s.insurer_org_id,
            insurer_name=s.insurer_name, mode=SettlementMode(s.mode),
            contract_version=s.contract_version, period_from=s.period_from,
            period_to=s.period_to, category=s.category, purchase_count=s.purchase_count,
            purchase_amount=from_fen(s.purchase_fen), call_count=s.call_count,
            call_fee=from_fen(s.call_fee_fen), amount=from_fen(s.amount_fen),
            created_by=s.created_by, created_at=s.created_at, center_order_no=nos.get(ref),
        )  # fmt: skip


async def on_purchase(
    session: AsyncSession, outbox: Outbox | None, purchase: PlatePurchase, at: datetime
) -> None:
    """A purchase in separate mode asks for its `plate_purchase` order now; in combined mode
    (or with no contract yet) it is only recorded, for the period's combined settlement."""
    repo = SettlementRepository(session)
    contract = await repo.contract_in_force(
        purchase.org_id, purchase.insurer_org_id, business_day(at)
    )
    purchase.settlement_mode = contract.mode if contract else None
    if contract is None or contract.mode != SettlementMode.separate.value:
        return
    if outbox is None or purchase.amount_fen <= 0:
        return
    line = OrderRequestLine(
        description=f"挪车牌采购 {purchase.purchase_no}", quantity=Decimal(purchase.quantity),
        unit_price=Money.from_fen(purchase.unit_price_fen),
        amount=Money.from_fen(purchase.amount_fen), ref=purchase.purchase_no,
    )  # fmt: skip
    await orderlinks.request_order(
        session, outbox,
        _request(f"{PURCHASE}:{purchase.purchase_no}", purchase.purchase_no,
                 OrderCategory.plate_purchase, purchase.insurer_org_id,
                 purchase.insurer_name, purchase.amount_fen, [line], purchase.created_by,
                 business_day(at)),
        at,
    )  # fmt: skip


def _request(
    ref: str, no: str, category: OrderCategory, insurer: uuid.UUID,
    insurer_name: str, amount_fen: int, lines: list[OrderRequestLine], by: str,
    sign_date: object,
) -> OrderRequestSubmittedV1:  # fmt: skip
    """Receivable from the insurer, sold by the technology company. No extension data: the
    order center carries none for plate orders (it rejects one as `extension_invalid`); the
    settlement's mode, contract version and counts are valueadd's own record, found by the
    source no. (PP…/PS…)."""
    return OrderRequestSubmittedV1(
        source_service=orderlinks.SOURCE_SERVICE, source_ref=ref, source_no=no,
        category=category, direction=OrderDirection.receivable, customer_org_id=insurer,
        counterparty=OrderRequestCounterparty(kind="org", id=str(insurer), name=insurer_name),
        seller=SellingEntity.technology_company, tax_rate=TAX_RATE,
        amount=Money.from_fen(amount_fen), lines=lines, sign_date=sign_date,
        requested_by=by,
    )  # fmt: skip


def _contract(c: PlateContract) -> ContractRead:
    return ContractRead(
        id=c.id, insurer_org_id=c.insurer_org_id, insurer_name=c.insurer_name,
        version=c.version, mode=SettlementMode(c.mode), effective_from=c.effective_from,
        created_by=c.created_by, created_at=c.created_at,
    )  # fmt: skip
