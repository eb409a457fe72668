"""All SQL of the order module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, exists, func, insert, literal, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from orders.db import UtcDateTime
from orders.order.errors import OrderChangedMeanwhile
from orders.order.models import (
    FinanceRecord,
    Order,
    OrderLine,
    OrderNumberCounter,
    OrderReview,
    OrderStatusChange,
)
from servicekit.auth import Principal, scoped


@dataclass(frozen=True)
class OrderFilter:
    """A list query in storage terms: UTC instants, fen, half-open [start, end) ranges."""

    customer_org_id: uuid.UUID | None = None
    categories: Sequence[str] = ()
    direction: str | None = None
    statuses: Sequence[str] = ()
    source_service: str | None = None
    created: tuple[datetime | None, datetime | None] = (None, None)
    sign_date: tuple[date | None, date | None] = (None, None)
    invoiced: tuple[datetime | None, datetime | None] = (None, None)
    settled: tuple[datetime | None, datetime | None] = (None, None)
    amount_fen: tuple[int | None, int | None] = (None, None)  # inclusive both ends
    #: Keyset: only rows strictly after this (created_at, id) in descending order.
    after: tuple[datetime, uuid.UUID] | None = None
    limit: int = 50


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- reading ------------------------------------------------------------------------------

    async def by_source(self, source_service: str, source_ref: str) -> Order | None:
        query = select(Order).where(
            Order.source_service == source_service, Order.source_ref == source_ref
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def visible_by_id(self, order_id: uuid.UUID, principal: Principal) -> Order | None:
        query = scoped(select(Order).where(Order.id == order_id), Order.customer_org_id, principal)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def lock(self, order_id: uuid.UUID, principal: Principal | None = None) -> Order | None:
        """The order, row-locked until the transaction ends (PostgreSQL; SQLite serialises
        writers, and the version column catches a lost race there)."""
        query: Select[Any] = select(Order).where(Order.id == order_id)
        if principal is not None:
            query = scoped(query, Order.customer_org_id, principal)
        query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def trajectory(self, order_id: uuid.UUID) -> Sequence[OrderStatusChange]:
        query = (
            select(OrderStatusChange)
            .where(OrderStatusChange.order_id == order_id)
            .order_by(OrderStatusChange.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def lines(self, order_id: uuid.UUID) -> Sequence[OrderLine]:
        query = select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.line_no)
        return (await self.session.execute(query)).scalars().all()

    async def reviews(self, order_id: uuid.UUID) -> Sequence[OrderReview]:
        query = (
            select(OrderReview)
            .where(OrderReview.order_id == order_id)
            .order_by(OrderReview.created_at, OrderReview.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def finance_records(self, order_id: uuid.UUID) -> Sequence[FinanceRecord]:
        query = (
            select(FinanceRecord)
            .where(FinanceRecord.order_id == order_id)
            .order_by(FinanceRecord.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def has_finance_record(
        self, order_id: uuid.UUID, event_type: str, document_id: uuid.UUID
    ) -> bool:
        query = select(
            exists().where(
                FinanceRecord.order_id == order_id,
                FinanceRecord.event_type == event_type,
                FinanceRecord.document_id == document_id,
            )
        )
        return bool((await self.session.execute(query)).scalar())

    async def search(self, f: OrderFilter, principal: Principal) -> Sequence[Order]:
        """One page, newest first; `limit + 1` rows so the caller knows whether more follow."""
        query = self._filtered(select(Order), f, principal)
        if f.after is not None:
            # A row comparison: PostgreSQL walks the (…, created_at, id) indexes from there.
            at, ident = f.after
            query = query.where(
                tuple_(Order.created_at, Order.id)
                < tuple_(literal(at, UtcDateTime()), literal(ident, Order.id.type))
            )
        query = query.order_by(Order.created_at.desc(), Order.id.desc()).limit(f.limit + 1)
        return (await self.session.execute(query)).scalars().all()

    async def count(self, f: OrderFilter, principal: Principal) -> int:
        """How many orders match the filter (the cursor and limit are ignored)."""
        query = self._filtered(select(func.count()).select_from(Order), f, principal)
        return int((await self.session.execute(query)).scalar_one())

    @staticmethod
    def _filtered(query: Select[Any], f: OrderFilter, principal: Principal) -> Select[Any]:
        query = scoped(query, Order.customer_org_id, principal)
        if f.customer_org_id is not None:
            query = query.where(Order.customer_org_id == f.customer_org_id)
        if f.categories:
            query = query.where(Order.category.in_(f.categories))
        if f.direction is not None:
            query = query.where(Order.direction == f.direction)
        if f.statuses:
            query = query.where(Order.status.in_(f.statuses))
        if f.source_service is not None:
            query = query.where(Order.source_service == f.source_service)
        for column, (start, end) in (
            (Order.created_at, f.created),
            (Order.sign_date, f.sign_date),
            (Order.invoiced_at, f.invoiced),
            (Order.settled_at, f.settled),
        ):
            if start is not None:
                query = query.where(column >= start)
            if end is not None:
                query = query.where(column < end)
        low, high = f.amount_fen
        if low is not None:
            query = query.where(Order.amount_fen >= low)
        if high is not None:
            query = query.where(Order.amount_fen <= high)
        return query

    # -- writing ------------------------------------------------------------------------------

    async def add_new(
        self, order: Order, first_step: OrderStatusChange, lines: Sequence[OrderLine]
    ) -> bool:
        """Insert unless the source reference exists; False when another request won the race."""
        try:
            async with self.session.begin_nested():
                self.session.add(order)
                await self.session.flush()
        except IntegrityError:
            return False
        self.session.add_all([first_step, *lines])
        return True

    def add(self, row: OrderStatusChange | OrderReview | FinanceRecord) -> None:
        self.session.add(row)

    async def save(self) -> None:
        """Write pending changes now; an order whose version moved on meanwhile is a conflict."""
        try:
            await self.session.flush()
        except StaleDataError as exc:
            raise OrderChangedMeanwhile() from exc

    async def next_order_number(self, day: str) -> int:
        """Atomic per-day counter: the UPDATE's row lock serialises concurrent creators."""
        bump = (
            update(OrderNumberCounter)
            .where(OrderNumberCounter.day == day)
            .values(last=OrderNumberCounter.last + 1)
            .returning(OrderNumberCounter.last)
        )
        value = (await self.session.execute(bump)).scalar_one_or_none()
        if value is not None:
            return int(value)
        try:
            async with self.session.begin_nested():
                await self.session.execute(insert(OrderNumberCounter).values(day=day, last=1))
            return 1
        except IntegrityError:  # another transaction created today's row first
            return int((await self.session.execute(bump)).scalar_one())
