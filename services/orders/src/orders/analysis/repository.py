"""All SQL of the analyses. Grouping by category/status/institution/period happens in the
database; the rest (percentiles, JSON extension fields) in Python over narrow rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from orders.order.models import Order, OrderReview, OrderStatusChange
from servicekit.auth import Principal, scoped


@dataclass(frozen=True)
class Scope:
    """Storage terms: a half-open UTC interval of created_at, categories, one institution."""

    created: tuple[datetime | None, datetime | None] = (None, None)
    categories: Sequence[str] = ()
    customer_org_id: uuid.UUID | None = None


class AnalysisRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _where(self, query: Select[Any], scope: Scope, principal: Principal) -> Select[Any]:
        query = scoped(query, Order.customer_org_id, principal)
        start, end = scope.created
        if start is not None:
            query = query.where(Order.created_at >= start)
        if end is not None:
            query = query.where(Order.created_at < end)
        if scope.categories:
            query = query.where(Order.category.in_(scope.categories))
        if scope.customer_org_id is not None:
            query = query.where(Order.customer_org_id == scope.customer_org_id)
        return query

    def _period(self, period: str) -> ColumnElement[str]:
        """created_at's business date (Asia/Shanghai) as YYYY-MM-DD or YYYY-MM. China has kept
        UTC+8 without daylight saving since 1991, so SQLite may add 8 hours."""
        if self.session.get_bind().dialect.name == "postgresql":
            pattern = "YYYY-MM-DD" if period == "day" else "YYYY-MM"
            local = func.timezone(literal_column("'Asia/Shanghai'"), Order.created_at)
            return func.to_char(local, pattern)
        pattern = "%Y-%m-%d" if period == "day" else "%Y-%m"
        return func.strftime(pattern, Order.created_at, "+8 hours")

    async def totals(
        self, scope: Scope, period: str, principal: Principal
    ) -> Sequence[tuple[str, str, str, uuid.UUID, int, int]]:
        bucket = self._period(period).label("period")
        query = select(
            bucket,
            Order.category,
            Order.status,
            Order.customer_org_id,
            func.count(),
            func.sum(Order.amount_fen),
        ).group_by(bucket, Order.category, Order.status, Order.customer_org_id)
        query = self._where(query, scope, principal).order_by(
            bucket, Order.category, Order.status, Order.customer_org_id
        )
        rows = (await self.session.execute(query)).all()
        return [(p, c, s, o, int(n), int(fen)) for p, c, s, o, n, fen in rows]

    async def milestones(
        self, scope: Scope, statuses: Sequence[str], principal: Principal
    ) -> Sequence[tuple[uuid.UUID, str, datetime, str]]:
        """(order, status reached, at, by) of the trajectory, oldest first."""
        query = select(
            OrderStatusChange.order_id,
            OrderStatusChange.to_status,
            OrderStatusChange.at,
            OrderStatusChange.by,
        ).join(Order, Order.id == OrderStatusChange.order_id)
        query = self._where(query, scope, principal).where(
            OrderStatusChange.to_status.in_(statuses)
        )
        query = query.order_by(OrderStatusChange.id)
        rows = (await self.session.execute(query)).all()
        return [(order_id, status, at, by) for order_id, status, at, by in rows]

    async def extensions(
        self, scope: Scope, category: str, principal: Principal
    ) -> Sequence[tuple[dict[str, Any], int]]:
        query = select(Order.extension, Order.amount_fen).where(
            Order.category == category, Order.extension.is_not(None)
        )
        query = self._where(query, scope, principal)
        return [(ext, int(fen)) for ext, fen in (await self.session.execute(query)).all()]

    async def ratings(
        self, scope: Scope, principal: Principal
    ) -> Sequence[tuple[dict[str, Any] | None, int]]:
        query = select(Order.extension, OrderReview.rating).join(
            Order, Order.id == OrderReview.order_id
        )
        query = self._where(query, scope, principal)
        return [(ext, int(rating)) for ext, rating in (await self.session.execute(query)).all()]
