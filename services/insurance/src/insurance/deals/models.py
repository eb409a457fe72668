"""Rate cards (点位) and deals (成交). Rates are integer basis points of the premium
(1500 = 15.00 %), money integer fen; the fee is premium × rate, half-up to the fen."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from insurance.db import Base, UtcDateTime
from shared_schemas import uuid7


class RateCard(Base):
    """The service-fee rate for (insurer, region prefix, line) from a day on; a newer
    `valid_from` replaces it for policies signed from then on."""

    __tablename__ = "rate_cards"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    insurer_code: Mapped[str] = mapped_column(String(32))
    region_prefix: Mapped[str] = mapped_column(String(6))
    line: Mapped[str] = mapped_column(String(16))
    rate_bp: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))


class Deal(Base):
    __tablename__ = "deals"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    deal_no: Mapped[str] = mapped_column(String(24), unique=True)
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policies.id"), unique=True)
    proposal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("proposals.id"))
    #: The institution that closed the deal and owes the fee (the order's customer).
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    sign_date: Mapped[date] = mapped_column(Date, index=True)
    premium_fen: Mapped[int] = mapped_column(BigInteger)
    rate_card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rate_cards.id"))
    rate_bp: Mapped[int] = mapped_column(Integer)
    fee_fen: Mapped[int] = mapped_column(BigInteger)
    #: requested (order asked for) → billed (the order exists) | rejected (the order center said no)
    status: Mapped[str] = mapped_column(String(16))
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    order_no: Mapped[str | None] = mapped_column(String(32))
    order_status: Mapped[str | None] = mapped_column(String(24))
    reject_code: Mapped[str | None] = mapped_column(String(64))
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # -- the promoter's payout (推广费), from the agency's terms in force on the sign date --
    #: The sso subject paid: the policy's promoter, else whoever first collected the vehicle.
    promoter_subject: Mapped[str | None] = mapped_column(String(120))
    #: advance (垫付: after the fee order is settled) | non_advance (非垫付: on the deal)
    payout_mode: Mapped[str | None] = mapped_column(String(16))
    payout_share_bp: Mapped[int | None] = mapped_column(Integer)
    payout_fen: Mapped[int | None] = mapped_column(BigInteger)
    #: None (not asked yet) → requested → ordered | rejected
    payout_status: Mapped[str | None] = mapped_column(String(16))
    payout_order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    payout_order_no: Mapped[str | None] = mapped_column(String(32))
    payout_order_status: Mapped[str | None] = mapped_column(String(24))
    payout_reject_reason: Mapped[str | None] = mapped_column(String(500))
    payout_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PromoterTerms(Base):
    """How a collaborating agency settles the promoter's fee, from a day on (versioned): the
    mode and the promoter's share of the deal's channel-promotion fee."""

    __tablename__ = "promoter_terms"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    mode: Mapped[str] = mapped_column(String(16))
    share_bp: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
