"""Order-request API (reached through the gateway as /api/orders/v1/orders/order-requests)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from orders.intake.repository import OrderRequestRepository
from orders.intake.schemas import OrderRequestPage, OrderRequestQuery, OrderRequestRead
from orders.order.schemas import PageCursor
from servicekit.app import DbSession
from servicekit.auth import Principal, require

# Before the order router: /v1/orders/{order_id} would otherwise take "order-requests".
router = APIRouter(prefix="/v1/orders/order-requests", tags=["order requests"])


@router.get(
    "",
    response_model=OrderRequestPage,
    summary="Order requests from business services and what became of them, newest first",
)
async def list_order_requests(
    query: Annotated[OrderRequestQuery, Query()],
    session: DbSession,
    principal: Annotated[Principal, Depends(require("orders.order.query"))],
) -> OrderRequestPage:
    cursor = PageCursor.decode(query.cursor) if query.cursor else None
    rows = await OrderRequestRepository(session).search(
        principal,
        outcomes=[s.value for s in query.status],
        source_service=query.source_service,
        source_ref=query.source_ref,
        after=(cursor.created_at, cursor.id) if cursor else None,
        limit=query.limit,
    )
    page = rows[: query.limit]
    return OrderRequestPage(
        items=[
            OrderRequestRead.model_validate(
                {
                    **{c: getattr(r, c) for c in OrderRequestRead.model_fields if hasattr(r, c)},
                    "amount": Decimal(r.amount_fen).scaleb(-2),
                    "status": r.outcome,
                }
            )
            for r in page
        ],
        next_cursor=(
            PageCursor(page[-1].received_at, page[-1].id).encode()
            if len(rows) > query.limit
            else None
        ),
    )
