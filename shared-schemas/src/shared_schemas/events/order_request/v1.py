"""Order requests, version 1: a business service asks the order center for an order.
Published: change only by adding a v2 module.

Event types and topics (key = `aggregate_id` = `source_ref`):
- `insurance.order_request.submitted` on `insurance.order_request`
- `risk.order_request.submitted` on `risk.order_request`
- `valueadd.order_request.submitted` on `valueadd.order_request`

Why one module for three producers: the payload is the order center's intake contract, the
same for every business service, and the order center validates it with one model whoever
sent it. Three copies would drift; three subclasses would make each producer construct a
differently named class. So `OrderRequestSubmittedV1` is a `SharedEventPayload`, registered
under each producer's own event type and topic (each producer still owns its topic and key
order), and `check_event_type` keeps a producer to its own type: `source_service` must be the
event type's producer.

The request is idempotent by (`source_service`, `source_ref`): the order center creates at
most one order per pair and answers with `orders.order.created` (carrying the pair), or with
`orders.order_request.rejected` (`OrderRequestRejectedV1`) when it cannot accept it.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import BeforeValidator, Field, field_validator, model_validator

from shared_schemas.base import ContractModel, SharedEventPayload
from shared_schemas.enums import OrderCategory, OrderDirection, SellingEntity
from shared_schemas.money import Money

#: The business services that may ask for orders; each publishes under its own name.
OrderRequestSource = Literal["insurance", "risk", "valueadd"]

_CENT = Decimal("0.01")
#: The order center's bound on one amount (far above real orders, far below BIGINT fen).
MAX_AMOUNT = Decimal("9999999999.99")


def _no_float(value: Any) -> Any:
    if isinstance(value, float | bool):
        raise ValueError("send a decimal string such as '1.5', not a float or bool")
    return value


def _not_blank(value: str | None) -> str | None:
    # min_length counts spaces; a reference of spaces only is still no reference.
    if value is not None and not value.strip():
        raise ValueError("must not be blank")
    return value


def _in_range(value: Money, *, positive: bool) -> Money:
    if value.amount < 0 or (positive and value.amount == 0):
        raise ValueError("must be positive" if positive else "must not be negative")
    if value.amount > MAX_AMOUNT:
        raise ValueError(f"must not exceed {MAX_AMOUNT}")
    return value


Quantity = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    Field(gt=0, le=Decimal("999999999"), decimal_places=3, examples=["2", "1.5"]),
]
TaxRate = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    Field(ge=0, lt=1, decimal_places=4, description='Fraction, e.g. "0.06" for 6 %.'),
]


class OrderRequestCounterparty(ContractModel):
    """Who the order is with in business terms: for a payable, the payee — a merchant
    institution (`org`, its sso org id) or a person (`person`, their sso subject)."""

    kind: Literal["org", "person"]
    id: str = Field(min_length=1, max_length=64, description="sso org id or user subject.")
    name: str = Field(min_length=1, max_length=200, description="As people read it.")

    _not_blank = field_validator("id", "name")(_not_blank)


class OrderRequestLine(ContractModel):
    """One line of the requested order; `amount` = quantity × unit price, half-up to the fen."""

    description: str = Field(min_length=1, max_length=200)
    quantity: Quantity
    unit_price: Money
    amount: Money
    ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        description="The source record this line stands for (e.g. a coupon redemption).",
    )

    @field_validator("unit_price", "amount")
    @classmethod
    def _not_negative(cls, value: Money) -> Money:
        return _in_range(value, positive=False)

    @model_validator(mode="after")
    def _amount_is_quantity_times_price(self) -> Self:
        expected = (self.quantity * self.unit_price.amount).quantize(_CENT, ROUND_HALF_UP)
        if expected != self.amount.amount:
            raise ValueError(
                f"quantity × unit_price is {expected:.2f}, not amount {self.amount.amount:.2f}"
            )
        return self


class OrderRequestSubmittedV1(SharedEventPayload):
    """<service>.order_request.submitted — a business service asks the order center for an
    order; idempotent by (`source_service`, `source_ref`)."""

    source_service: OrderRequestSource = Field(
        description="The requesting service; must be the event type's producer."
    )
    source_ref: str = Field(
        min_length=1,
        max_length=120,
        description="Id of the source record; the idempotency key, unique per source service.",
    )
    source_no: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="The source record's business number, as people read it.",
    )
    category: OrderCategory
    direction: OrderDirection
    customer_org_id: UUID = Field(description="The institution the order is with.")
    counterparty: OrderRequestCounterparty | None = Field(
        default=None, description="Who the order is with in business terms; a payable's payee."
    )
    seller: SellingEntity | None = Field(
        default=None, description="The legal entity selling and invoicing (销售主体)."
    )
    tax_rate: TaxRate | None = None
    amount: Money = Field(description="Positive; with lines, exactly their sum.")
    lines: list[OrderRequestLine] | None = Field(default=None, min_length=1, max_length=1000)
    sign_date: date | None = Field(
        default=None, description="签单日期, where the business has one."
    )
    extension: dict[str, Any] | None = Field(
        default=None,
        description="The category's extension data (value_added_redemption: coupon_used_at, "
        "car_model, location, merchant, product); the order center validates it.",
    )
    requested_by: str = Field(
        min_length=1, max_length=120, description="Who asked: a user id, or the service name."
    )

    _refs_not_blank = field_validator("source_ref", "source_no", "requested_by")(_not_blank)

    @field_validator("amount")
    @classmethod
    def _positive(cls, value: Money) -> Money:
        return _in_range(value, positive=True)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.lines is not None:
            total = sum((line.amount.amount for line in self.lines), Decimal("0.00"))
            if total != self.amount.amount:
                raise ValueError(
                    f"the lines add up to {total:.2f}, not to amount {self.amount.amount:.2f}"
                )
        if self.direction is OrderDirection.payable and self.counterparty is None:
            raise ValueError("a payable order request names its payee in counterparty")
        return self

    def check_event_type(self, event_type: str) -> None:
        expected = f"{self.source_service}.order_request.submitted"
        if event_type != expected:
            raise ValueError(
                f"a request from {self.source_service} travels as {expected}, not {event_type}"
            )
