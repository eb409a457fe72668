"""Every published event, in one place. Adding an event = one line here + regenerate the
catalogue (`uv run python -m shared_schemas.catalogue`). A published (topic, type, version)
is never edited: a changed payload is a new version with its own module and line."""

from __future__ import annotations

from shared_schemas.events.finance.v1 import (
    InvoiceAppliedV1,
    InvoiceIssuedV1,
    InvoiceRejectedV1,
    InvoiceReversedV1,
    PaymentMadeV1,
    ReceiptAllocatedV1,
)
from shared_schemas.events.orders.v1 import (
    OrderCreatedV1,
    OrderStatusChangedV1,
    SettlementListCreatedV1,
)
from shared_schemas.events.sso.v1 import EntitlementChangedV1
from shared_schemas.spec import EventSpec

ORDER_CREATED_V1 = EventSpec(
    "orders.order", "orders.order.created", 1, OrderCreatedV1,
    "A chargeable service order was created in the order center.",
)  # fmt: skip
ORDER_STATUS_CHANGED_V1 = EventSpec(
    "orders.order", "orders.order.status_changed", 1, OrderStatusChangedV1,
    "An order moved from one status to another (one step of its trajectory).",
)  # fmt: skip
SETTLEMENT_LIST_CREATED_V1 = EventSpec(
    "orders.settlement_list", "orders.settlement_list.created", 1, SettlementListCreatedV1,
    "A settlement list (结算清单) billed closed orders in one receivable order; invoice it.",
)  # fmt: skip
ENTITLEMENT_CHANGED_V1 = EventSpec(
    "sso.entitlement", "sso.entitlement.changed", 1, EntitlementChangedV1,
    "An institution's entitlements changed; carries the full new set of entries.",
)  # fmt: skip
INVOICE_APPLIED_V1 = EventSpec(
    "finance.invoice", "finance.invoice.applied", 1, InvoiceAppliedV1,
    "An invoice was applied for (开票申请), covering one or more orders.",
)  # fmt: skip
INVOICE_ISSUED_V1 = EventSpec(
    "finance.invoice", "finance.invoice.issued", 1, InvoiceIssuedV1,
    "A (blue) invoice was issued for an application, covering one or more orders.",
)  # fmt: skip
INVOICE_REJECTED_V1 = EventSpec(
    "finance.invoice", "finance.invoice.rejected", 1, InvoiceRejectedV1,
    "An invoice application was rejected by finance or withdrawn by its applicant.",
)  # fmt: skip
INVOICE_REVERSED_V1 = EventSpec(
    "finance.invoice", "finance.invoice.reversed", 1, InvoiceReversedV1,
    "A red-letter invoice (红字发票) reversed all or part of an issued invoice.",
)  # fmt: skip
RECEIPT_ALLOCATED_V1 = EventSpec(
    "finance.receipt", "finance.receipt.allocated", 1, ReceiptAllocatedV1,
    "Money received was allocated to receivable orders (收款分配).",
)  # fmt: skip
PAYMENT_MADE_V1 = EventSpec(
    "finance.payment", "finance.payment.made", 1, PaymentMadeV1,
    "Money was paid out for payable orders (付款).",
)  # fmt: skip

CATALOGUE: tuple[EventSpec, ...] = (
    ORDER_CREATED_V1,
    ORDER_STATUS_CHANGED_V1,
    SETTLEMENT_LIST_CREATED_V1,
    ENTITLEMENT_CHANGED_V1,
    INVOICE_APPLIED_V1,
    INVOICE_ISSUED_V1,
    INVOICE_REJECTED_V1,
    INVOICE_REVERSED_V1,
    RECEIPT_ALLOCATED_V1,
    PAYMENT_MADE_V1,
)
