"""The order-request seam (FLOWS.md): valueadd asks the order center for orders and follows them.

A module asks with `request_order(...)` in its own unit of work: the request is kept as an
`OrderLink` keyed by its source ref `<module>:<id>` (e.g. `redemption:HX…`,
`coupon-statement:ST…`, `plate-purchase:…`) and published to the order center. The order
center answers on `orders.order` / `orders.order_request`; `OrderFeedbackRouter` links the
order number from `created` (by source ref), keeps source ref → order id so that
`status_changed` (which names only the order) finds its link, and hands each answer to the
handlers the module registered under its prefix.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, String, Text, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from servicekit.messaging import HandlerContext, Outbox
from shared_schemas import (
    EventEnvelope,
    OrderCreatedV1,
    OrderRequestRejectedV1,
    OrderRequestSubmittedV1,
    OrderStatus,
    OrderStatusChangedV1,
    new_event,
)
from valueadd.common.types import JsonDocument, UtcDateTime
from valueadd.db import Base

log = logging.getLogger("valueadd.orders")

SOURCE_SERVICE = "valueadd"
EVENT_TYPE = "valueadd.order_request.submitted"


def module_of(source_ref: str) -> str:
    return source_ref.split(":", 1)[0]


class OrderLink(Base):
    """One order asked of the order center, and what it answered (order no., status)."""

    __tablename__ = "va_order_links"

    source_ref: Mapped[str] = mapped_column(String(120), primary_key=True)
    module: Mapped[str] = mapped_column(String(40), index=True)
    source_no: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(20))
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    sign_date: Mapped[date | None] = mapped_column(Date)
    request: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: When the request went into the outbox.
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    order_no: Mapped[str | None] = mapped_column(String(32))
    #: The order's status as the order center last reported it (None: no order yet).
    order_status: Mapped[str | None] = mapped_column(String(20))
    rejected_code: Mapped[str | None] = mapped_column(String(80))
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


async def request_order(
    session: AsyncSession, outbox: Outbox, request: OrderRequestSubmittedV1, at: datetime
) -> OrderLink:
    """Ask for an order once per source ref (in the caller's transaction: the link row and the
    outbox event commit together); a second ask returns the first link and sends nothing."""
    if request.source_service != SOURCE_SERVICE:
        raise ValueError(f"valueadd asks as {SOURCE_SERVICE!r}, not {request.source_service!r}")
    existing = await session.get(OrderLink, request.source_ref)
    if existing is not None:
        return existing
    link = OrderLink(
        source_ref=request.source_ref,
        module=module_of(request.source_ref),
        source_no=request.source_no,
        category=request.category.value,
        direction=request.direction.value,
        customer_org_id=request.customer_org_id,
        amount_fen=request.amount.fen,
        sign_date=request.sign_date,
        request=request.model_dump(mode="json"),
        requested_by=request.requested_by,
        requested_at=at,
        published_at=at,
        updated_at=at,
    )
    session.add(link)
    await session.flush()
    event = new_event(
        EVENT_TYPE,
        request,
        producer=SOURCE_SERVICE,
        aggregate_id=request.source_ref,
        org_id=request.customer_org_id,
        occurred_at=at,
    )
    await outbox.add(session, event)
    return link


async def links(session: AsyncSession, source_refs: list[str]) -> dict[str, OrderLink]:
    if not source_refs:
        return {}
    rows = await session.scalars(select(OrderLink).where(OrderLink.source_ref.in_(source_refs)))
    return {link.source_ref: link for link in rows}


# --- answers from the order center ---------------------------------------------------------

LinkHandler = Callable[[HandlerContext, OrderLink], Awaitable[None]]
StatusHandler = Callable[[HandlerContext, OrderLink, OrderStatus], Awaitable[None]]


@dataclass(frozen=True)
class OrderFeedback:
    """What a module does when the order center answers one of its requests."""

    created: LinkHandler | None = None
    status_changed: StatusHandler | None = None
    rejected: LinkHandler | None = None


class OrderFeedbackRouter:
    """source ref prefix → the module's handlers; the subscriptions call `on_*`."""

    def __init__(self) -> None:
        self._modules: dict[str, OrderFeedback] = {}

    def register(self, module: str, feedback: OrderFeedback) -> None:
        if module in self._modules:
            raise ValueError(f"order feedback for {module!r} is registered twice")
        self._modules[module] = feedback

    def _for(self, link: OrderLink) -> OrderFeedback:
        return self._modules.get(link.module, OrderFeedback())

    async def on_created(self, event: EventEnvelope[OrderCreatedV1], ctx: HandlerContext) -> None:
        p = event.payload
        if p.source_service != SOURCE_SERVICE:
            return
        link = await ctx.session.get(OrderLink, p.source_ref, with_for_update=True)
        if link is None:  # an order made from a ref we never asked for (e.g. imported)
            log.warning("order %s names unknown source ref %s", p.order_no, p.source_ref)
            return
        if link.order_id is not None:
            return  # already linked (the answer to a repeated request)
        link.order_id, link.order_no = p.order_id, p.order_no
        link.order_status = OrderStatus.created.value
        link.rejected_code = link.rejected_reason = None
        link.updated_at = event.occurred_at
        handler = self._for(link).created
        if handler is not None:
            await handler(ctx, link)

    async def on_status_changed(
        self, event: EventEnvelope[OrderStatusChangedV1], ctx: HandlerContext
    ) -> None:
        p = event.payload
        link = await ctx.session.scalar(
            select(OrderLink).where(OrderLink.order_id == p.order_id).with_for_update()
        )
        if link is None:
            return  # another service's order
        link.order_status = p.to_status.value
        link.updated_at = event.occurred_at
        handler = self._for(link).status_changed
        if handler is not None:
            await handler(ctx, link, p.to_status)

    async def on_rejected(
        self, event: EventEnvelope[OrderRequestRejectedV1], ctx: HandlerContext
    ) -> None:
        """The order center refused the request: kept with its reason, never dropped."""
        p = event.payload
        if p.source_service != SOURCE_SERVICE:
            return
        link = await ctx.session.get(OrderLink, p.source_ref, with_for_update=True)
        if link is None:
            return
        link.rejected_code, link.rejected_reason = p.code, p.reason
        link.updated_at = event.occurred_at
        handler = self._for(link).rejected
        if handler is not None:
            await handler(ctx, link)


#: The one router of the service: modules register in their `feedback` module, the
#: subscriptions route orders' events to it.
router = OrderFeedbackRouter()
