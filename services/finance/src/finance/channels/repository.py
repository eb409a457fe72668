"""All SQL of the channel reconciliation module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from finance.channels.models import ChannelBill, ChannelBillLine, ReconciliationItem


class ChannelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: ChannelBill) -> None:
        self.session.add(row)

    async def bill(self, bill_id: uuid.UUID, *, lock: bool = False) -> ChannelBill | None:
        query = select(ChannelBill).where(ChannelBill.id == bill_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def bill_of_day(self, channel: str, merchant_id: str, day: date) -> ChannelBill | None:
        query = select(ChannelBill).where(
            ChannelBill.channel == channel,
            ChannelBill.merchant_id == merchant_id,
            ChannelBill.bill_date == day,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def bills(
        self, *, channel: str | None, start: date | None, end: date | None, limit: int, offset: int
    ) -> Sequence[ChannelBill]:
        query = select(ChannelBill)
        if channel is not None:
            query = query.where(ChannelBill.channel == channel)
        if start is not None:
            query = query.where(ChannelBill.bill_date >= start)
        if end is not None:
            query = query.where(ChannelBill.bill_date <= end)
        query = query.order_by(ChannelBill.bill_date.desc(), ChannelBill.channel)
        return (await self.session.execute(query.limit(limit).offset(offset))).scalars().all()

    async def known_txns(
        self, channel: str, keys: Sequence[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        numbers = sorted({number for number, _ in keys})
        query = select(ChannelBillLine.channel_txn_no, ChannelBillLine.kind).where(
            ChannelBillLine.channel == channel, ChannelBillLine.channel_txn_no.in_(numbers)
        )
        return {(n, k) for n, k in (await self.session.execute(query)).all()}

    async def insert_lines(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(ChannelBillLine.__table__), list(rows))

    async def lines(self, bill_id: uuid.UUID) -> Sequence[ChannelBillLine]:
        query = (
            select(ChannelBillLine)
            .where(ChannelBillLine.bill_id == bill_id)
            .order_by(ChannelBillLine.occurred_at, ChannelBillLine.channel_txn_no)
        )
        return (await self.session.execute(query)).scalars().all()

    async def replace_items(self, bill_id: uuid.UUID, rows: Sequence[dict[str, Any]]) -> None:
        await self.session.execute(
            delete(ReconciliationItem).where(ReconciliationItem.bill_id == bill_id)
        )
        if rows:
            await self.session.execute(insert(ReconciliationItem.__table__), list(rows))

    async def items(self, bill_id: uuid.UUID, outcome: str | None) -> Sequence[ReconciliationItem]:
        query = select(ReconciliationItem).where(ReconciliationItem.bill_id == bill_id)
        if outcome is not None:
            query = query.where(ReconciliationItem.outcome == outcome)
        query = query.order_by(ReconciliationItem.outcome, ReconciliationItem.merchant_order_no)
        return (await self.session.execute(query)).scalars().all()
