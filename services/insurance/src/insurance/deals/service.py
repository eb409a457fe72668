"""A deal asks the order center for its receivable order in the same transaction as the
policy (the outbox), and follows the order from the order center's events."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance.common import checks
from insurance.common.fields import INPUT, BusinessDate
from insurance.common.money import to_yuan
from insurance.common.numbers import next_number
from insurance.deals.models import Deal, PromoterTerms, RateCard
from insurance.policies.insurers import INSURERS
from insurance.policies.models import Policy, Proposal
from insurance.vehicles.models import Vehicle, VehicleSource
from servicekit.auth import Principal, scoped
from servicekit.clock import Clock
from servicekit.messaging import Outbox
from shared_schemas import (
    Money,
    OrderCategory,
    OrderDirection,
    OrderRequestLine,
    OrderRequestSubmittedV1,
    OrderStatus,
    SellingEntity,
    new_event,
)
from shared_schemas.events.order_request.v1 import OrderRequestCounterparty

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
PAYOUT_PREFIX = "payout:"


def payout_ref(deal_id: uuid.UUID) -> str:
    """The promoter payout's source ref: the deal's, marked, so the answers route back."""
    return f"{PAYOUT_PREFIX}{deal_id}"


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


class PromoterTermsIn(BaseModel):
    model_config = INPUT

    org_id: uuid.UUID = Field(description="The collaborating agency (the deals' institution).")
    mode: Literal["advance", "non_advance"] = Field(
        description="advance 垫付: paid after the fee order is settled; non_advance 非垫付: on the deal"
    )
    share: Decimal = Field(gt=0, le=1, decimal_places=4, description='"0.3000" = 30 % of the fee')
    valid_from: BusinessDate

    @field_validator("share", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float | bool):
            raise PydanticCustomError("float_not_accepted", "send the share as a string")
        return value


class PromoterTermsRead(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    mode: str
    share: str
    valid_from: date
    created_at: datetime
    created_by: str


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
    promoter_subject: str | None
    payout_mode: str | None
    payout_fee: str | None
    payout_status: str | None
    payout_order_no: str | None
    payout_order_status: str | None
    payout_reject_reason: str | None
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

    async def add_terms(self, body: PromoterTermsIn, by: str) -> PromoterTermsRead:
        terms = PromoterTerms(
            org_id=body.org_id, mode=body.mode, share_bp=int(body.share * 10000),
            valid_from=body.valid_from, created_at=self.clock(), created_by=by,
        )  # fmt: skip
        self.session.add(terms)
        await self.session.flush()
        return _terms_read(terms)

    async def terms(self, principal: Principal) -> list[PromoterTermsRead]:
        query: Any = scoped(select(PromoterTerms), PromoterTerms.org_id, principal)
        rows = await self.session.execute(
            query.order_by(PromoterTerms.org_id, PromoterTerms.valid_from)
        )
        return [_terms_read(t) for t in rows.scalars()]

    async def terms_for(self, org_id: uuid.UUID, on: date) -> PromoterTerms | None:
        """The agency's terms in force on the day (the latest `valid_from`, then the latest made)."""
        query = (
            select(PromoterTerms)
            .where(PromoterTerms.org_id == org_id, PromoterTerms.valid_from <= on)
            .order_by(PromoterTerms.valid_from.desc(), PromoterTerms.created_at.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def promoter_of(self, policy: Policy, proposal: Proposal) -> str | None:
        """The policy's promoter, else the sso subject that first collected the vehicle."""
        if policy.promoter_subject or proposal.promoter_subject:
            return policy.promoter_subject or proposal.promoter_subject
        if policy.vehicle_id is None:
            return None
        query = (
            select(VehicleSource.collected_by)
            .where(VehicleSource.vehicle_id == policy.vehicle_id)
            .order_by(VehicleSource.collected_at, VehicleSource.id)
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

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
        terms = await self.terms_for(policy.org_id, policy.sign_date)
        promoter = await self.promoter_of(policy, proposal) if terms else None
        if terms is not None and promoter:
            deal.promoter_subject, deal.payout_mode = promoter, terms.mode
            deal.payout_share_bp, deal.payout_fen = terms.share_bp, fee_fen(fee, terms.share_bp)
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
        if source_ref.startswith(PAYOUT_PREFIX):
            payout = await self._deal(source_ref.removeprefix(PAYOUT_PREFIX))
            if payout is None or payout.payout_order_id is not None:
                return
            payout.payout_status, payout.payout_order_id = "ordered", order_id
            payout.payout_order_no = order_no
            payout.payout_order_status = payout.payout_order_status or "created"
            payout.updated_at = self.clock()
            return
        deal = await self._deal(source_ref)
        if deal is None or deal.order_id is not None:
            return  # not ours, or a redelivery
        deal.status, deal.order_id, deal.order_no = "billed", order_id, order_no
        deal.order_status = deal.order_status or "created"
        deal.updated_at = self.clock()
        if deal.payout_mode == "non_advance":
            # 非垫付: the promoter is paid on the deal, once the order center has accepted it.
            await self._request_payout(deal)

    async def order_status(self, order_id: uuid.UUID, status: str) -> None:
        query = select(Deal).where(Deal.order_id == order_id).with_for_update()
        deal = (await self.session.execute(query)).scalar_one_or_none()
        if deal is not None:
            deal.order_status, deal.updated_at = status, self.clock()
            if status == OrderStatus.settled.value and deal.payout_mode == "advance":
                # 垫付: the platform pays the promoter once the agency's fee is collected.
                await self._request_payout(deal)
            return
        query = select(Deal).where(Deal.payout_order_id == order_id).with_for_update()
        payout = (await self.session.execute(query)).scalar_one_or_none()
        if payout is not None:
            payout.payout_order_status, payout.updated_at = status, self.clock()

    async def rejected(self, source_ref: str, code: str, reason: str) -> None:
        if source_ref.startswith(PAYOUT_PREFIX):
            payout = await self._deal(source_ref.removeprefix(PAYOUT_PREFIX))
            if payout is None or payout.payout_order_id is not None:
                return
            payout.payout_status, payout.payout_reject_reason = "rejected", reason[:500]
            payout.updated_at = self.clock()
            return
        deal = await self._deal(source_ref)
        if deal is None or deal.order_id is not None:
            return
        deal.status, deal.reject_code, deal.reject_reason = "rejected", code, reason[:500]
        deal.updated_at = self.clock()

    async def _request_payout(self, deal: Deal) -> None:
        """Ask once for the payable promoter_payout order (the deal row is locked)."""
        if deal.payout_status is not None or not deal.payout_fen or not deal.promoter_subject:
            return  # already asked (a redelivery), or no promoter to pay
        now = self.clock()
        policy = await self.session.get(Policy, deal.policy_id)
        assert policy is not None
        deal.payout_status, deal.payout_requested_at, deal.updated_at = "requested", now, now
        amount = Money.from_fen(deal.payout_fen)
        mode = "垫付" if deal.payout_mode == "advance" else "非垫付"
        request = OrderRequestSubmittedV1(
            source_service="insurance", source_ref=payout_ref(deal.id),
            source_no=f"{deal.deal_no}-TG", category=OrderCategory.promoter_payout,
            direction=OrderDirection.payable, customer_org_id=deal.org_id,
            counterparty=OrderRequestCounterparty(
                kind="person", id=deal.promoter_subject[:64], name=deal.promoter_subject
            ),
            seller=SellingEntity.technology_company, amount=amount,
            sign_date=now.astimezone(BUSINESS_TZ).date(),
            lines=[OrderRequestLine(
                description=f"推广服务费（{mode}）成交{deal.deal_no} 保单{policy.policy_no}",
                quantity=Decimal(1), unit_price=amount, amount=amount, ref=deal.deal_no,
            )],
            requested_by="insurance",
        )  # fmt: skip
        await self.outbox.add(
            self.session,
            new_event("insurance.order_request.submitted", request, producer="insurance",
                      aggregate_id=payout_ref(deal.id), org_id=deal.org_id, occurred_at=now),
        )  # fmt: skip

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
                promoter_subject=d.promoter_subject,
                payout_mode=d.payout_mode,
                payout_fee=None if d.payout_fen is None else f"{to_yuan(d.payout_fen):.2f}",
                payout_status=d.payout_status,
                payout_order_no=d.payout_order_no,
                payout_order_status=d.payout_order_status,
                payout_reject_reason=d.payout_reject_reason,
                created_at=d.created_at,
            )
            for d, p, v in rows
        ]


def _card_read(c: RateCard) -> RateCardRead:
    return RateCardRead(
        id=c.id, insurer_code=c.insurer_code, region_prefix=c.region_prefix, line=c.line,
        rate=f"{Decimal(c.rate_bp) / 10000:.4f}", valid_from=c.valid_from,
    )  # fmt: skip


def _terms_read(t: PromoterTerms) -> PromoterTermsRead:
    return PromoterTermsRead(
        id=t.id, org_id=t.org_id, mode=t.mode, share=f"{Decimal(t.share_bp) / 10000:.4f}",
        valid_from=t.valid_from, created_at=t.created_at, created_by=t.created_by,
    )  # fmt: skip
