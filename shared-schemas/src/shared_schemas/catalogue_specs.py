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
from shared_schemas.events.insurance.v1 import PolicyIssuedV1
from shared_schemas.events.order_request.v1 import OrderRequestSubmittedV1
from shared_schemas.events.orders.v1 import (
    OrderCreatedV1,
    OrderRequestRejectedV1,
    OrderStatusChangedV1,
    SettlementListCreatedV1,
)
from shared_schemas.events.sso.v1 import EntitlementChangedV1
from shared_schemas.events.valueadd.v1 import StaffEarningAccruedV1
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
# The order-request seam: one shared payload, each business service on its own topic.
INSURANCE_ORDER_REQUEST_SUBMITTED_V1 = EventSpec(
    "insurance.order_request", "insurance.order_request.submitted", 1, OrderRequestSubmittedV1,
    "insurance asks the order center for an order; idempotent by source_ref.",
)  # fmt: skip
RISK_ORDER_REQUEST_SUBMITTED_V1 = EventSpec(
    "risk.order_request", "risk.order_request.submitted", 1, OrderRequestSubmittedV1,
    "risk asks the order center for an order; idempotent by source_ref.",
)  # fmt: skip
VALUEADD_ORDER_REQUEST_SUBMITTED_V1 = EventSpec(
    "valueadd.order_request", "valueadd.order_request.submitted", 1, OrderRequestSubmittedV1,
    "valueadd asks the order center for an order; idempotent by source_ref.",
)  # fmt: skip
ORDER_REQUEST_REJECTED_V1 = EventSpec(
    "orders.order_request", "orders.order_request.rejected", 1, OrderRequestRejectedV1,
    "The order center could not accept an order request; recorded, no order made.",
)  # fmt: skip
POLICY_ISSUED_V1 = EventSpec(
    "insurance.policy", "insurance.policy.issued", 1, PolicyIssuedV1,
    "A policy was issued (出单) through an institution.",
)  # fmt: skip
STAFF_EARNING_ACCRUED_V1 = EventSpec(
    "valueadd.staff_earning", "valueadd.staff_earning.accrued", 1, StaffEarningAccruedV1,
    "A service staff member's payable order goes on their balance (自主提现).",
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
    INSURANCE_ORDER_REQUEST_SUBMITTED_V1,
    RISK_ORDER_REQUEST_SUBMITTED_V1,
    VALUEADD_ORDER_REQUEST_SUBMITTED_V1,
    ORDER_REQUEST_REJECTED_V1,
    POLICY_ISSUED_V1,
    STAFF_EARNING_ACCRUED_V1,
)
