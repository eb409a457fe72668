"""Request and response bodies of the order API.

Money is yuan as a string with at most two decimals (`"1280.50"`); a JSON float is refused.
Tax rates are fractions as strings (`"0.06"` = 6 %), quantities decimals with at most three places.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from orders.order.extensions import validate_extension
from servicekit.validation import field_error
from shared_schemas import (
    AmountCNY,
    OrderCategory,
    OrderDirection,
    OrderStatus,
    RedInvoiceReason,
    SellingEntity,
)

_CENT = Decimal("0.01")
#: Upper bound of any single amount: far above real orders, far below BIGINT fen overflow
#: even when 1000 lines at the bound are summed.
MAX_YUAN = Decimal("9999999999.99")


def _no_float(value: Any) -> Any:
    if isinstance(value, float | bool):
        raise ValueError("send a decimal string such as '1.5', not a JSON float or bool")
    return value


def _whole_fen(value: Any) -> Any:
    # AmountCNY rounds half-up; for order input a sub-fen digit is a mistake, not rounding.
    if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
        try:
            exact = Decimal(str(value).strip())
            if exact.is_finite() and exact != exact.quantize(_CENT):
                raise ValueError("use at most two decimal places (whole fen)")
        except InvalidOperation:
            pass  # not a number: AmountCNY reports it
    return value


def _not_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    if value > MAX_YUAN:
        raise ValueError(f"must not exceed {MAX_YUAN}")
    return value


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be positive")
    return value


#: A non-negative amount in yuan, exact to the fen.
Yuan = Annotated[AmountCNY, BeforeValidator(_whole_fen), AfterValidator(_not_negative)]
PositiveYuan = Annotated[Yuan, AfterValidator(_positive)]
TaxRate = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    Field(ge=0, lt=1, decimal_places=4, description='Fraction, e.g. "0.06" for 6 %.'),
]
Quantity = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    Field(gt=0, le=Decimal("999999999"), decimal_places=3, examples=["2", "1.5"]),
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CounterpartyIn(_Input):
    """Who the order is with in business terms (the merchant, promoter, insurer branch …)."""

    name: str = Field(min_length=1, max_length=200)
    id: str | None = Field(default=None, min_length=1, max_length=64)


class OrderLineIn(_Input):
    description: str = Field(min_length=1, max_length=200)
    quantity: Quantity
    unit_price: Yuan
    tax_rate: TaxRate | None = Field(default=None, description="Defaults to the order's.")
    amount: Yuan | None = Field(
        default=None,
        description="quantity × unit_price rounded half-up to the fen; computed if omitted.",
    )

    @model_validator(mode="after")
    def _amount_is_quantity_times_price(self) -> Self:
        expected = (self.quantity * self.unit_price).quantize(_CENT, rounding=ROUND_HALF_UP)
        if self.amount is None:
            if expected > MAX_YUAN:
                raise field_error(
                    "OrderLineIn",
                    ("amount",),
                    "line_too_large",
                    f"must not exceed {MAX_YUAN}",
                    None,
                )
            self.amount = expected
        elif self.amount != expected:
            raise field_error(
                "OrderLineIn",
                ("amount",),
                "line_amount_mismatch",
                f"quantity × unit_price is {expected:.2f}, not {self.amount:.2f}",
                f"{self.amount:.2f}",
            )
        return self


class OrderCreate(_Input):
    category: OrderCategory
    direction: OrderDirection
    customer_org_id: uuid.UUID = Field(description="The institution the order is with.")
    amount: PositiveYuan | None = Field(
        default=None,
        description='Yuan, e.g. "1280.00". With lines it must equal their sum (or is omitted).',
    )
    source_service: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_-]*$")
    source_ref: str = Field(
        min_length=1,
        max_length=120,
        description="Id of the source record; unique per source service.",
    )
    sign_date: date | None = Field(
        default=None, description="签单日期, where the business has one."
    )
    counterparty: CounterpartyIn | None = None
    seller: SellingEntity | None = Field(
        default=None, description="The legal entity selling and invoicing (销售主体)."
    )
    tax_rate: TaxRate | None = None
    lines: list[OrderLineIn] | None = Field(default=None, min_length=1, max_length=1000)
    extension: dict[str, Any] | None = Field(
        default=None,
        description="Category-specific data; value_added_redemption: "
        "ValueAddedRedemptionExtension. Other categories carry none.",
    )

    @field_validator("extension")
    @classmethod
    def _fits_the_category(
        cls, value: dict[str, Any] | None, info: ValidationInfo
    ) -> dict[str, Any] | None:
        category = info.data.get("category")
        if value is None or category is None:  # no category: its own error is reported
            return value
        return validate_extension(category, value)

    @model_validator(mode="after")
    def _amount_is_the_sum_of_lines(self) -> Self:
        if self.lines is None:
            if self.amount is None:
                raise field_error(
                    "OrderCreate", ("amount",), "missing", "give the amount, or lines", None
                )
            return self
        total = sum((line.amount or Decimal(0) for line in self.lines), Decimal("0.00"))
        if self.amount is None:
            if total <= 0:
                raise field_error(
                    "OrderCreate", ("lines",), "amount_not_positive",
                    "the lines add up to 0.00; an order's amount must be positive", None,
                )  # fmt: skip
            self.amount = total
        elif self.amount != total:
            raise field_error(
                "OrderCreate",
                ("amount",),
                "amount_not_sum_of_lines",
                f"the lines add up to {total:.2f}, not {self.amount:.2f}",
                f"{self.amount:.2f}",
            )
        return self


class TransitionRequest(_Input):
    to: OrderStatus = Field(description="The status to move to (reconciled, cancelled, closed).")
    note: str | None = Field(default=None, max_length=500)


class ReviewCreate(_Input):
    rating: int = Field(ge=1, le=5, description="1 (poor) to 5 (excellent).")
    text: str | None = Field(default=None, max_length=2000)
    tags: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=list, max_length=20
    )
    reviewer: str | None = Field(
        default=None, max_length=120, description="Who wrote it, e.g. the mini-program user id."
    )

    @field_validator("tags")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(tag.strip() for tag in value if tag.strip()))


# -- queries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageCursor:
    """Where the previous page ended in (created_at desc, id desc) order."""

    created_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = f"{self.created_at.astimezone(UTC).isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> PageCursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            at, _, ident = raw.partition("|")
            created_at = datetime.fromisoformat(at)
            if created_at.tzinfo is None:
                raise ValueError("naive")
            return cls(created_at=created_at, id=uuid.UUID(ident))
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError("not a cursor this API returned") from exc


class OrderFilters(_Input):
    """Filters of GET /v1/orders (and of an export). Date ranges are business dates
    (Asia/Shanghai), inclusive."""

    customer_org_id: uuid.UUID | None = None
    category: list[OrderCategory] = Field(default_factory=list, description="Any of these.")
    direction: OrderDirection | None = None
    status: list[OrderStatus] = Field(default_factory=list, description="Any of these.")
    source_service: str | None = Field(default=None, max_length=40)
    created_from: date | None = None
    created_to: date | None = None
    sign_date_from: date | None = None
    sign_date_to: date | None = None
    invoiced_from: date | None = None
    invoiced_to: date | None = None
    settled_from: date | None = None
    settled_to: date | None = None
    amount_min: Yuan | None = None
    amount_max: Yuan | None = None

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> Self:
        for low, high in (
            ("created_from", "created_to"),
            ("sign_date_from", "sign_date_to"),
            ("invoiced_from", "invoiced_to"),
            ("settled_from", "settled_to"),
            ("amount_min", "amount_max"),
        ):
            start, end = getattr(self, low), getattr(self, high)
            if start is not None and end is not None and end < start:
                raise field_error(
                    type(self).__name__,
                    (high,),
                    "range_reversed",
                    f"must not be before {low}",
                    str(end),
                )
        return self


class OrderQuery(OrderFilters):
    """GET /v1/orders: the filters and a keyset page."""

    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, description="next_cursor of the previous page.")

    @field_validator("cursor")
    @classmethod
    def _decodable(cls, value: str | None) -> str | None:
        if value is not None:
            PageCursor.decode(value)
        return value

    @property
    def page_cursor(self) -> PageCursor | None:
        return PageCursor.decode(self.cursor) if self.cursor else None


# -- responses --------------------------------------------------------------------------------


class Counterparty(BaseModel):
    name: str
    id: str | None


class OrderLineRead(BaseModel):
    line_no: int
    description: str
    quantity: Decimal
    unit_price: AmountCNY
    tax_rate: Decimal | None
    amount: AmountCNY


class StatusChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: OrderStatus | None
    to_status: OrderStatus
    at: datetime
    by: str = Field(description="Who took the step: a user id, a partner client, or a service.")
    by_name: str | None = Field(
        default=None,
        description="That caller's name when it took the step (a user's display name, a "
        "partner client's name); null for steps finance's events caused.",
    )
    cause: str | None
    note: str | None


class ReviewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    rating: int
    text: str | None
    tags: list[str]
    reviewer: str | None
    recorded_by: str
    created_at: datetime


class FinanceRecordRead(BaseModel):
    """What finance reported about the order and what it did (outcome: moved, recorded, stale,
    conflict — a conflict waits for a person)."""

    event_type: str
    event_id: uuid.UUID
    document_no: str
    amount: AmountCNY
    reason: RedInvoiceReason | None
    by: str
    occurred_at: datetime
    outcome: str
    note: str | None


class OrderSummary(BaseModel):
    id: uuid.UUID
    order_no: str
    category: OrderCategory
    direction: OrderDirection
    customer_org_id: uuid.UUID
    counterparty: Counterparty | None
    seller: SellingEntity | None
    amount: AmountCNY = Field(description="Yuan, exact to the fen.")
    currency: str = "CNY"
    tax_rate: Decimal | None
    status: OrderStatus
    invoiced_amount: AmountCNY = Field(description="Invoices issued minus red-letter reversals.")
    settled_amount: AmountCNY = Field(description="Received (receivable) or paid (payable).")
    outstanding_amount: AmountCNY = Field(
        description="Still owed: receivable — what it owes (shared_schemas.owed: its amount, "
        "or once invoiced what was invoiced net) less received; payable — its amount less "
        "paid. Negative when more came in than is owed (a refund is due). Finance's "
        "outstanding for the order is the same."
    )
    source_service: str
    source_ref: str
    sign_date: date | None
    created_by: str
    created_at: datetime
    invoiced_at: datetime | None
    settled_at: datetime | None


class OrderRead(OrderSummary):
    lines: list[OrderLineRead]
    extension: dict[str, Any] | None
    next_statuses: list[OrderStatus] = Field(
        description="Where a person may move it now (each needs its function)."
    )
    trajectory: list[StatusChangeRead]
    reviews: list[ReviewRead]
    finance_records: list[FinanceRecordRead]


class OrderPage(BaseModel):
    items: list[OrderSummary]
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null at the end."
    )
