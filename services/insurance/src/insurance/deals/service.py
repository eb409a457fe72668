"""A deal asks the order center for its receivable order in the same transaction as the
policy (the outbox), and follows the order from the order center's events."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance.common import checks
from insurance.common.fields import INPUT, BusinessDate
from insurance.common.money import to_yuan
from insurance.common.numbers import next_number
from insurance.deals.models import Deal, RateCard
from insurance.policies.insurers import INSURERS
from insurance.policies.models import Policy, Proposal
from insurance.vehicles.models import Vehicle
from servicekit.auth import Principal, scoped
from servicekit.clock import Clock
from servicekit.messaging import Outbox
from shared_schemas import (
    Money,
    OrderCategory,
    OrderDirection,
    OrderRequestLine,
    OrderRequestSubmittedV1,
    new_event,
)


class RateCardIn(BaseModel):
    model_config = INPUT

    insurer_code: str
    region_prefix: str = Field(pattern=r"^\d{2}(\d{2}){0,2}$")
    line: str = Field(pattern="^(car_commercial|car_compulsory|non_car|life)$")
    rate: Decimal = Field(gt=0, lt=1, decimal_places=4, description='"0.1500" = 15 %')
    valid_from: BusinessDate

    @field_validator("rate", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float | bool):
            raise PydanticCustomError("float_not_accepted", "send the rate as a string")
        return value

    @field_validator("insurer_code")
    @classmethod
    def _insurer(cls, value: str) -> str:
        if value not in INSURERS:
            raise PydanticCustomError("unknown_insurer", "no insurer with this code")
        return value

    @field_validator("region_prefix")
    @classmethod
    def _province(cls, value: str) -> str:
        if value[:2] not in checks.PROVINCES:
            raise PydanticCustomError("unknown_region", "no province with this code")
        return value


class RateCardRead(BaseModel):
    id: uuid.UUID
    insurer_code: str
    region_prefix: str
    line: str
    rate: str
    valid_from: date


class DealRead(BaseModel):
    id: uuid.UUID
    deal_no: str
    policy_no: str
    plate_no: str | None
    insurer_name: str
    org_id: uuid.UUID
    sign_date: date
    premium: str
    rate: str
    fee: str
    status: str
    order_no: str | None
    order_status: str | None
    reject_reason: str | None
    created_at: datetime


def fee_fen(premium_fen: int, rate_bp: int) -> int:
    return int((Decimal(premium_fen) * rate_bp / 10000).quantize(Decimal(1), ROUND_HALF_UP))


class DealService:
    def __init__(self, session: AsyncSession, outbox: Outbox, clock: Clock) -> None:
        self.session, self.outbox, self.clock = session, outbox, clock

    async def add_rate_card(self, body: RateCardIn, by: str) -> RateCardRead:
        card = RateCard(
            insurer_code=body.insurer_code, region_prefix=body.region_prefix, line=body.line,
            rate_bp=int(body.rate * 10000), valid_from=body.valid_from,
            created_at=self.clock(), created_by=by,
        )  # fmt: skip
        self.session.add(card)
        await self.session.flush()
        return _card_read(card)

    async def rate_cards(self) -> list[RateCardRead]:
        rows = await self.session.execute(
            select(RateCard).order_by(RateCard.insurer_code, RateCard.valid_from)
        )
        return [_card_read(c) for c in rows.scalars()]

    async def card_for(self, policy: Policy) -> RateCard | None:
        """The most specific card (longest region prefix) in force on the sign date."""
        query = select(RateCard).where(
            RateCard.insurer_code == policy.insurer_code,
            RateCard.line == policy.line,
            RateCard.valid_from <= policy.sign_date,
        )
        region = policy.region_code or ""
        cards = [c for c in (await self.session.execute(query)).scalars()
                 if region.startswith(c.region_prefix)]  # fmt: skip
        cards.sort(key=lambda c: (len(c.region_prefix), c.valid_from, c.created_at))
        return cards[-1] if cards else None

    async def on_policy(self, policy: Policy, proposal: Proposal | None) -> None:
        """A policy issued from a pushed proposal, with a rate card, is a deal (成交)."""
        if proposal is None or proposal.source != "push":
            return
        card = await self.card_for(policy)
        if card is None:
            return
        now = self.clock()
        fee = fee_fen(policy.premium_fen, card.rate_bp)
        if fee <= 0:
            return
        deal = Deal(
            id=uuid.uuid4(), deal_no=await next_number(self.session, "CJ", now),
            policy_id=policy.id, proposal_id=proposal.id, org_id=policy.org_id,
            sign_date=policy.sign_date, premium_fen=policy.premium_fen, rate_card_id=card.id,
            rate_bp=card.rate_bp, fee_fen=fee, status="requested", created_at=now,
            created_by=policy.issued_by, updated_at=now,
        )  # fmt: skip
        self.session.add(deal)
        await self.session.flush()
        amount = Money.from_fen(fee)
        request = OrderRequestSubmittedV1(
            source_service="insurance", source_ref=str(deal.id), source_no=deal.deal_no,
            category=OrderCategory.channel_promotion_fee, direction=OrderDirection.receivable,
            customer_org_id=policy.org_id, amount=amount, sign_date=policy.sign_date,
            lines=[OrderRequestLine(
                description=f"渠道推广服务费 保单{policy.policy_no}", quantity=Decimal(1),
                unit_price=amount, amount=amount, ref=policy.policy_no,
            )],
            requested_by=policy.issued_by,
        )  # fmt: skip
        await self.outbox.add(
            self.session,
            new_event("insurance.order_request.submitted", request, producer="insurance",
                      aggregate_id=str(deal.id), org_id=policy.org_id, occurred_at=now),
        )  # fmt: skip

    # -- the order center's answers -----------------------------------------------------------

    async def _deal(self, deal_id: str) -> Deal | None:
        try:
            key = uuid.UUID(deal_id)
        except ValueError:
            return None
        return (await self.session.execute(
            select(Deal).where(Deal.id == key).with_for_update()
        )).scalar_one_or_none()  # fmt: skip

    async def order_created(self, source_ref: str, order_id: uuid.UUID, order_no: str) -> None:
        deal = await self._deal(source_ref)
        if deal is None or deal.order_id is not None:
            return  # not ours, or a redelivery
        deal.status, deal.order_id, deal.order_no = "billed", order_id, order_no
        deal.order_status = deal.order_status or "created"
        deal.updated_at = self.clock()

    async def order_status(self, order_id: uuid.UUID, status: str) -> None:
        query = select(Deal).where(Deal.order_id == order_id).with_for_update()
        deal = (await self.session.execute(query)).scalar_one_or_none()
        if deal is not None:
            deal.order_status, deal.updated_at = status, self.clock()

    async def rejected(self, source_ref: str, code: str, reason: str) -> None:
        deal = await self._deal(source_ref)
        if deal is None or deal.order_id is not None:
            return
        deal.status, deal.reject_code, deal.reject_reason = "rejected", code, reason[:500]
        deal.updated_at = self.clock()

    # -- reading ------------------------------------------------------------------------------

    async def deals(self, principal: Principal, limit: int, offset: int) -> list[DealRead]:
        query: Any = scoped(
            select(Deal, Policy, Vehicle)
            .join(Policy, Policy.id == Deal.policy_id)
            .outerjoin(Vehicle, Vehicle.id == Policy.vehicle_id),
            Deal.org_id,
            principal,
        )
        rows = await self.session.execute(
            query.order_by(Deal.created_at.desc()).limit(limit).offset(offset)
        )
        return [
            DealRead(
                id=d.id,
                deal_no=d.deal_no,
                policy_no=p.policy_no,
                plate_no=v.plate_no if v else None,
                insurer_name=INSURERS.get(p.insurer_code, p.insurer_code),
                org_id=d.org_id,
                sign_date=d.sign_date,
                premium=f"{to_yuan(d.premium_fen):.2f}",
                rate=f"{Decimal(d.rate_bp) / 10000:.4f}",
                fee=f"{to_yuan(d.fee_fen):.2f}",
                status=d.status,
                order_no=d.order_no,
                order_status=d.order_status,
                reject_reason=d.reject_reason,
                created_at=d.created_at,
            )
            for d, p, v in rows
        ]


def _card_read(c: RateCard) -> RateCardRead:
    return RateCardRead(
        id=c.id, insurer_code=c.insurer_code, region_prefix=c.region_prefix, line=c.line,
        rate=f"{Decimal(c.rate_bp) / 10000:.4f}", valid_from=c.valid_from,
    )  # fmt: skip
