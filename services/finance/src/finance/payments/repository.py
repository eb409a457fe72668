"""All SQL of the payments module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from finance.payments.models import (
    ApprovalLevel,
    FundTransfer,
    OrgBalanceEntry,
    PaymentApproval,
    PaymentRequest,
    PaymentRequestLine,
    PaymentStatus,
    StaffCredit,
)
from finance.settlement.models import SettlementItem
from servicekit.auth import Principal, scoped

_OPEN = (PaymentStatus.pending.value, PaymentStatus.approved.value)


class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Any) -> None:
        self.session.add(row)

    # approval levels --------------------------------------------------------------------
    async def levels(self) -> Sequence[ApprovalLevel]:
        query = select(ApprovalLevel).order_by(ApprovalLevel.min_amount_fen)
        return (await self.session.execute(query)).scalars().all()

    async def replace_levels(self, rows: Sequence[ApprovalLevel]) -> None:
        await self.session.execute(delete(ApprovalLevel))
        self.session.add_all(rows)
        await self.session.flush()

    # payment requests -------------------------------------------------------------------
    async def request(self, request_id: uuid.UUID, *, lock: bool = False) -> PaymentRequest | None:
        query = select(PaymentRequest).where(PaymentRequest.id == request_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def requests(
        self,
        principal: Principal,
        *,
        status: str | None,
        payee_id: str | None,
        merchant_order_no: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[PaymentRequest]:
        query = scoped(select(PaymentRequest), PaymentRequest.customer_org_id, principal)
        if status is not None:
            query = query.where(PaymentRequest.status == status)
        if payee_id is not None:
            query = query.where(PaymentRequest.payee_id == payee_id)
        if merchant_order_no is not None:
            query = query.where(PaymentRequest.merchant_order_no == merchant_order_no)
        query = query.order_by(PaymentRequest.requested_at.desc(), PaymentRequest.id)
        return (await self.session.execute(query.limit(limit).offset(offset))).scalars().all()

    async def requests_by_merchant_order_nos(
        self, numbers: Sequence[str]
    ) -> Sequence[PaymentRequest]:
        query = select(PaymentRequest).where(PaymentRequest.merchant_order_no.in_(set(numbers)))
        return (await self.session.execute(query)).scalars().all()

    async def paid_in_period(self, start: datetime, end: datetime) -> Sequence[PaymentRequest]:
        query = select(PaymentRequest).where(
            PaymentRequest.merchant_order_no.is_not(None),
            PaymentRequest.paid_at >= start,
            PaymentRequest.paid_at < end,
        )
        return (await self.session.execute(query)).scalars().all()

    async def by_bank_reference(self, reference: str) -> PaymentRequest | None:
        query = select(PaymentRequest).where(PaymentRequest.bank_reference == reference)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def lines(self, request_ids: Sequence[uuid.UUID]) -> Sequence[PaymentRequestLine]:
        query = (
            select(PaymentRequestLine)
            .where(PaymentRequestLine.request_id.in_(set(request_ids)))
            .order_by(PaymentRequestLine.order_no)
        )
        return (await self.session.execute(query)).scalars().all()

    async def approvals(self, request_ids: Sequence[uuid.UUID]) -> Sequence[PaymentApproval]:
        query = (
            select(PaymentApproval)
            .where(PaymentApproval.request_id.in_(set(request_ids)))
            .order_by(PaymentApproval.step)
        )
        return (await self.session.execute(query)).scalars().all()

    async def requested_open(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        """What open (pending or approved) requests already claim of each order."""
        query = (
            select(PaymentRequestLine.order_id, func.sum(PaymentRequestLine.amount_fen))
            .join(PaymentRequest, PaymentRequest.id == PaymentRequestLine.request_id)
            .where(
                PaymentRequestLine.order_id.in_(set(order_ids)), PaymentRequest.status.in_(_OPEN)
            )
            .group_by(PaymentRequestLine.order_id)
        )
        return {oid: int(fen) for oid, fen in (await self.session.execute(query)).all()}

    async def items(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, SettlementItem]:
        query = (
            select(SettlementItem)
            .where(SettlementItem.order_id.in_(set(order_ids)))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {i.order_id: i for i in (await self.session.execute(query)).scalars().all()}

    # fund transfers ---------------------------------------------------------------------
    async def transfer_by_reference(self, reference: str) -> FundTransfer | None:
        query = select(FundTransfer).where(FundTransfer.bank_reference == reference)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def transfers(
        self,
        *,
        account: str | None,
        start: datetime | None,
        end: datetime | None,
        limit: int,
        offset: int,
    ) -> Sequence[FundTransfer]:
        query = select(FundTransfer)
        if account is not None:
            query = query.where(
                (FundTransfer.from_account == account) | (FundTransfer.to_account == account)
            )
        if start is not None:
            query = query.where(FundTransfer.transferred_at >= start)
        if end is not None:
            query = query.where(FundTransfer.transferred_at < end)
        query = query.order_by(FundTransfer.transferred_at.desc(), FundTransfer.id)
        return (await self.session.execute(query.limit(limit).offset(offset))).scalars().all()

    # staff balances ---------------------------------------------------------------------
    async def credit(self, order_id: uuid.UUID) -> StaffCredit | None:
        return await self.session.get(StaffCredit, order_id)

    async def credits(self, staff_id: str, *, lock: bool = False) -> Sequence[StaffCredit]:
        query = (
            select(StaffCredit)
            .where(StaffCredit.staff_id == staff_id)
            .order_by(StaffCredit.created_at, StaffCredit.order_no)
        )
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalars().all()

    async def credits_of_orders(self, order_ids: Sequence[uuid.UUID]) -> Sequence[StaffCredit]:
        query = (
            select(StaffCredit)
            .where(StaffCredit.order_id.in_(set(order_ids)))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(query)).scalars().all()

    # institution balances ---------------------------------------------------------------
    async def last_entry(self, org_id: uuid.UUID) -> OrgBalanceEntry | None:
        query = (
            select(OrgBalanceEntry)
            .where(OrgBalanceEntry.org_id == org_id)
            .order_by(OrgBalanceEntry.seq.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def entry_by_reference(self, reference: str) -> OrgBalanceEntry | None:
        query = select(OrgBalanceEntry).where(OrgBalanceEntry.reference == reference)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def entries(self, org_id: uuid.UUID, limit: int) -> Sequence[OrgBalanceEntry]:
        query = (
            select(OrgBalanceEntry)
            .where(OrgBalanceEntry.org_id == org_id)
            .order_by(OrgBalanceEntry.seq.desc())
            .limit(limit)
        )
        return (await self.session.execute(query)).scalars().all()
