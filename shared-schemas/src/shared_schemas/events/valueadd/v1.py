"""valueadd events, version 1. Published: change only by adding a v2 module.

Topic `valueadd.staff_earning` — 自主提现 (flow 9): a payable order the order center made for a
service staff member's share of a settled technical-service order, to go on the staff
member's balance in finance. Key (`aggregate_id`) = `source_ref`. Consumed by finance, which
keeps the balances (credits, withdrawals): valueadd keeps no second earnings ledger.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import Field, field_validator

from shared_schemas.base import EventPayload
from shared_schemas.enums import OrderCategory
from shared_schemas.money import Money


class StaffEarningAccruedV1(EventPayload):
    """valueadd.staff_earning.accrued — put this payable order on the staff member's balance;
    idempotent by `order_id` (an order is on one staff balance at most)."""

    staff_id: str = Field(min_length=1, max_length=64, description="The person's sso subject.")
    staff_name: str = Field(min_length=1, max_length=200)
    order_id: UUID = Field(description="The payable order in the order center.")
    order_no: str = Field(min_length=1, max_length=32)
    category: OrderCategory = Field(description="The payable order's category.")
    customer_org_id: UUID = Field(description="The institution the payable order is with.")
    amount: Money = Field(description="The payable order's amount (positive).")

    source_ref: str = Field(
        min_length=1, max_length=120, description="valueadd's order request for it."
    )
    contract_no: str = Field(min_length=1, max_length=64, description="The service contract.")
    service_order_no: str = Field(
        min_length=1, max_length=32, description="The settled service order it is a share of."
    )

    @field_validator("amount")
    @classmethod
    def _positive(cls, value: Money) -> Money:
        if value.amount <= 0:
            raise ValueError("must be positive")
        return value
