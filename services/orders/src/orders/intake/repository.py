"""All SQL of order requests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from orders.intake.models import OrderRequest
from servicekit.auth import Principal, scoped


class OrderRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, rows: Sequence[OrderRequest]) -> None:
        self.session.add_all(rows)

    async def save(self) -> None:
        await self.session.flush()

    async def search(
        self,
        principal: Principal,
        *,
        outcomes: Sequence[str],
        source_service: str | None,
        source_ref: str | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[OrderRequest]:
        """Newest first, limit + 1 rows (the extra one says there is a next page); only the
        requests for institutions the caller may see."""
        query: Select[Any] = scoped(select(OrderRequest), OrderRequest.customer_org_id, principal)
        if outcomes:
            query = query.where(OrderRequest.outcome.in_(outcomes))
        if source_service is not None:
            query = query.where(OrderRequest.source_service == source_service)
        if source_ref is not None:
            query = query.where(OrderRequest.source_ref == source_ref)
        if after is not None:
            at, ident = after
            query = query.where(
                or_(
                    OrderRequest.received_at < at,
                    (OrderRequest.received_at == at) & (OrderRequest.id < ident),
                )
            )
        query = query.order_by(OrderRequest.received_at.desc(), OrderRequest.id.desc())
        return (await self.session.execute(query.limit(limit + 1))).scalars().all()
