"""finance events, version 1. Published: change only by adding a v2 module.

Topics and keys:
- `finance.invoice` — invoice applications (开票申请) and the blue and red-letter invoices issued
  for them. Key (`aggregate_id`) = the invoice application id, so one application's applied →
  issued → reversed events stay in order.
- `finance.receipt` — money received and allocated to orders (收款分配). Key = the receipt id.
- `finance.payment` — money paid out for orders (付款). Key = the payment id.

Every event names the orders it concerns with each order's share: one application, invoice,
receipt or payment may cover several orders, and the shares add up exactly to the event's
`amount`. Amounts are positive; the event type says whether they add (issued, allocated, paid)
or take away (reversed).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Self
from uuid import UUID

from pydantic import Field, field_validator, model_validator

from shared_schemas.base import ContractModel, EventPayload
from shared_schemas.enums import RedInvoiceReason
from shared_schemas.money import Money

_ACTOR = "User id, or the service name when done automatically."


class OrderShare(ContractModel):
    """One order's part of a finance document."""

    order_id: UUID
    amount: Money = Field(description="This order's part of the document; positive.")

    @field_validator("amount")
    @classmethod
    def _positive(cls, value: Money) -> Money:
        if value.amount <= 0:  # the Decimal itself: no Money to build per share
            raise ValueError("an order's share must be positive")
        return value


class OrdersCovered(EventPayload):
    """Base of the finance payloads: the document's total and its split across orders."""

    amount: Money = Field(description="The document's total; equals the sum of the shares.")
    orders: list[OrderShare] = Field(
        min_length=1, description="The orders covered, each once, with its share."
    )

    @model_validator(mode="after")
    def _shares_add_up(self) -> Self:
        ids = [share.order_id for share in self.orders]
        if len(set(ids)) != len(ids):
            raise ValueError("an order appears more than once in orders; merge its shares")
        # Summed as Decimals (exact: every amount has two places), a Money built only for the
        # message: consumers validate every finance event they receive with this model.
        total = sum((share.amount.amount for share in self.orders), Decimal(0))
        if total != self.amount.amount:
            raise ValueError(
                f"the orders' shares add up to {Money(amount=total)}, not to amount {self.amount}"
            )
        return self


class InvoiceAppliedV1(OrdersCovered):
    """finance.invoice.applied — an invoice was applied for (开票申请) covering these orders."""

    application_id: UUID
    application_no: str = Field(min_length=1, description="Human-readable application number.")
    applied_by: str = Field(min_length=1, description=_ACTOR)


class InvoiceIssuedV1(OrdersCovered):
    """finance.invoice.issued — a (blue) invoice was issued for an application."""

    invoice_id: UUID
    invoice_no: str = Field(min_length=1, description="The invoice number (发票号码).")
    application_id: UUID
    issued_by: str = Field(min_length=1, description=_ACTOR)


class InvoiceRejectedV1(OrdersCovered):
    """finance.invoice.rejected — an application was rejected by finance or withdrawn by its
    applicant; no invoice will be issued for it."""

    application_id: UUID
    application_no: str = Field(min_length=1)
    reason: str = Field(min_length=1, description="Why, in the words of whoever decided.")
    withdrawn: bool = Field(
        default=False, description="True: the applicant withdrew it; false: finance rejected it."
    )
    rejected_by: str = Field(min_length=1, description=_ACTOR)


class InvoiceReversedV1(OrdersCovered):
    """finance.invoice.reversed — a red-letter invoice (红字发票) reversed all or part of an
    issued invoice; `amount` is the reversed amount, positive."""

    red_invoice_id: UUID
    red_invoice_no: str = Field(min_length=1, description="Number of the red-letter invoice.")
    original_invoice_id: UUID
    original_invoice_no: str = Field(min_length=1)
    application_id: UUID
    reason: RedInvoiceReason
    note: str | None = None
    reversed_by: str = Field(min_length=1, description=_ACTOR)


class ReceiptAllocatedV1(OrdersCovered):
    """finance.receipt.allocated — (part of) a receipt was allocated to receivable orders."""

    allocation_id: UUID = Field(description="This allocation; a receipt may be allocated in steps.")
    receipt_id: UUID
    receipt_no: str = Field(min_length=1, description="Receipt or bank statement reference.")
    allocated_by: str = Field(min_length=1, description=_ACTOR)


class PaymentMadeV1(OrdersCovered):
    """finance.payment.made — money was paid out for payable orders (merchants, promoters,
    service staff)."""

    payment_id: UUID
    payment_no: str = Field(min_length=1, description="Human-readable payment number.")
    paid_by: str = Field(min_length=1, description=_ACTOR)
