"""Orders named by the number people read (订单号 `OC20261204000001`) or by id.

Clerks type order numbers into invoice lines, payment lines and manual matching; machines send
ids. Both reach the services as an `OrderRef` (exactly one of `order_id`, `order_no`); the
service turns numbers into ids with `resolve_order_ids` before anything else. A number is looked
up only among the orders the caller may see, so another institution's number is "not found",
exactly like a number that does not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Self

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finance.settlement.models import SettlementItem
from servicekit.auth import Principal, scoped
from servicekit.errors import Unprocessable
from servicekit.validation import field_error

ORDER_NO = r"^\s*[A-Za-z]{2}[0-9]{14}\s*$"


class OrderRef(BaseModel):
    """Mixin of an input line naming one order: its id or its number."""

    order_id: uuid.UUID | None = Field(default=None, description="The order's id (machines).")
    order_no: str | None = Field(
        default=None,
        pattern=ORDER_NO,
        examples=["OC20261204000001"],
        description="The order's number (订单号), as people read and type it.",
    )

    @model_validator(mode="after")
    def _one_ref(self) -> Self:
        if (self.order_id is None) == (self.order_no is None):
            raise field_error(type(self).__name__, ("order_no",), "order_ref_required",
                              "give the order's number (order_no) or its id (order_id), "
                              "one of them", None)  # fmt: skip
        return self


def normalized(order_no: str) -> str:
    return order_no.strip().upper()


async def resolve_order_ids(
    session: AsyncSession,
    refs: Sequence[OrderRef],
    principal: Principal | None,
    field_prefix: str,
    *,
    listed: bool = True,
) -> list[uuid.UUID]:
    """The order id of every ref, in order. Numbers are resolved among the orders `principal`
    may see (None: all); an unknown one → 422 `order_not_found` naming
    `<field_prefix>[i].order_no` (`<field_prefix>.order_no` when not `listed`). Ids pass through unchanged (the caller checks them)."""
    numbers = sorted({normalized(r.order_no) for r in refs if r.order_no is not None})
    found: dict[str, uuid.UUID] = {}
    if numbers:
        query = select(SettlementItem.order_no, SettlementItem.order_id).where(
            SettlementItem.order_no.in_(numbers)
        )
        if principal is not None:
            query = scoped(query, SettlementItem.customer_org_id, principal)
        found = {no: oid for no, oid in (await session.execute(query)).all()}
    ids: list[uuid.UUID] = []
    errors: list[dict[str, str]] = []
    for i, ref in enumerate(refs):
        if ref.order_id is not None:
            ids.append(ref.order_id)
            continue
        assert ref.order_no is not None
        number = normalized(ref.order_no)
        if number in found:
            ids.append(found[number])
        else:
            where = f"{field_prefix}[{i}]" if listed else field_prefix  # a list, or one ref
            errors.append({"field": f"{where}.order_no", "code": "order_not_found",
                           "message": f"finance has no order {number} that you may see"})  # fmt: skip
    if errors:
        raise Unprocessable(
            f"Order refused: {errors[0]['message']}.",
            code="order_not_found",
            errors=errors,
        )
    return ids
