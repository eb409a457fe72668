"""orders.order events, version 1. Published: change only by adding a v2 module."""

from __future__ import annotations

from datetime import date
from typing import Self
from uuid import UUID

from pydantic import Field, model_validator

from shared_schemas.base import EventPayload
from shared_schemas.enums import OrderCategory, OrderDirection, OrderStatus
from shared_schemas.money import Money


class OrderCreatedV1(EventPayload):
    """orders.order.created — a chargeable service order was created in the order center."""

    order_id: UUID
    order_no: str = Field(min_length=1, description="Human-readable unique order number.")
    category: OrderCategory
    direction: OrderDirection
    customer_org_id: UUID = Field(description="The institution the order is with.")
    amount: Money
    source_service: str = Field(min_length=1, description="Service the order came from.")
    source_ref: str = Field(min_length=1, description="Id of the source record in that service.")
    sign_date: date | None = Field(default=None, description="签单日期, when the source has one.")
    created_by: str = Field(min_length=1, description="User id or service name.")


class OrderStatusChangedV1(EventPayload):
    """orders.order.status_changed — one step of the order's trajectory (流转轨迹)."""

    order_id: UUID
    order_no: str = Field(min_length=1)
    from_status: OrderStatus
    to_status: OrderStatus
    changed_by: str = Field(min_length=1, description="User id or service name.")
    cause: str | None = Field(
        default=None, description="What triggered it, e.g. the event id of an invoice issued."
    )
    note: str | None = None

    @model_validator(mode="after")
    def _is_a_change(self) -> Self:
        # A "change" to the same status would add a bogus step to the trajectory.
        if self.from_status == self.to_status:
            raise ValueError("from_status and to_status must differ")
        return self


class SettlementListCreatedV1(EventPayload):
    """orders.settlement_list.created — a settlement list (结算清单) was made from closed orders
    and the receivable order billing them was created; finance is asked to invoice it."""

    settlement_list_id: UUID
    list_no: str = Field(min_length=1, description="Human-readable list number.")
    order_id: UUID = Field(description="The receivable order to invoice.")
    order_no: str = Field(min_length=1)
    customer_org_id: UUID = Field(description="The institution to invoice.")
    category: OrderCategory
    amount: Money = Field(description="The amount to invoice: the sum of the listed orders.")
    order_count: int = Field(ge=1, description="How many closed orders the list covers.")
    sign_date_from: date
    sign_date_to: date
    created_by: str = Field(min_length=1, description="User id or service name.")


class OrderRequestRejectedV1(EventPayload):
    """orders.order_request.rejected — the order center could not accept an order request;
    it recorded the rejection and made no order from it. With code `source_ref_reused` the
    reference had already made an order with other content: that first order stands (its
    `orders.order.created` names it); any other code: no order has this reference, and a
    corrected request under it may be sent again."""

    source_service: str = Field(min_length=1, max_length=40, description="Who asked.")
    source_ref: str = Field(min_length=1, max_length=120, description="The request's key.")
    code: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Stable problem code, e.g. org_not_visible, extension_invalid.",
    )
    reason: str = Field(min_length=1, max_length=1000, description="Why, for people.")
