"""Valid payloads for every catalogued event, shared by the tests as fixtures.

(Fixtures, not imports: with --import-mode=importlib a test cannot import a sibling module.)
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from shared_schemas import (
    EntitlementChangedV1,
    Entry,
    EventPayload,
    InvoiceAppliedV1,
    InvoiceIssuedV1,
    InvoiceRejectedV1,
    InvoiceReversedV1,
    Money,
    OrderCategory,
    OrderCreatedV1,
    OrderDirection,
    OrderShare,
    OrderStatus,
    OrderStatusChangedV1,
    PaymentMadeV1,
    ReceiptAllocatedV1,
    RedInvoiceReason,
    SettlementListCreatedV1,
)

ORDER_ID = UUID("11111111-1111-4111-8111-111111111111")
ORG_ID = UUID("22222222-2222-4222-8222-222222222222")
OTHER_ORDER_ID = UUID("33333333-3333-4333-8333-333333333333")
APPLICATION_ID = UUID("44444444-4444-4444-8444-444444444444")
INVOICE_ID = UUID("55555555-5555-4555-8555-555555555555")

ORDER_CREATED = OrderCreatedV1(
    order_id=ORDER_ID,
    order_no="RA20250101000001",
    category=OrderCategory.risk_assessment,
    direction=OrderDirection.receivable,
    customer_org_id=ORG_ID,
    amount=Money(amount="1234.50"),
    source_service="risk",
    source_ref="assessment-42",
    sign_date=date(2025, 1, 1),
    created_by="user-7",
)
ORDER_STATUS_CHANGED = OrderStatusChangedV1(
    order_id=ORDER_ID,
    order_no="RA20250101000001",
    from_status=OrderStatus.created,
    to_status=OrderStatus.reconciled,
    changed_by="user-7",
)
SETTLEMENT_LIST_CREATED = SettlementListCreatedV1(
    settlement_list_id=UUID("12121212-1212-4212-8212-121212121212"),
    list_no="SL20250131000001",
    order_id=ORDER_ID,
    order_no="OC20250131000007",
    customer_org_id=ORG_ID,
    category=OrderCategory.channel_promotion_fee,
    amount=Money(amount="300.03"),
    order_count=3,
    sign_date_from=date(2025, 1, 1),
    sign_date_to=date(2025, 1, 31),
    created_by="user-7",
)
ENTITLEMENT_CHANGED = EntitlementChangedV1(
    org_id=ORG_ID,
    entitlement_version=3,
    entries=[Entry.insurance, Entry.finance],
    changed_by="admin",
)
# One invoice covering two orders; the other finance documents reuse the split.
SHARES = [
    OrderShare(order_id=ORDER_ID, amount=Money(amount="1234.50")),
    OrderShare(order_id=OTHER_ORDER_ID, amount=Money(amount="0.10")),
]
TOTAL = Money(amount="1234.60")
INVOICE_APPLIED = InvoiceAppliedV1(
    application_id=APPLICATION_ID,
    application_no="IA20250102000001",
    amount=TOTAL,
    orders=SHARES,
    applied_by="user-7",
)
INVOICE_ISSUED = InvoiceIssuedV1(
    invoice_id=INVOICE_ID,
    invoice_no="04400012345678",
    application_id=APPLICATION_ID,
    amount=TOTAL,
    orders=SHARES,
    issued_by="finance",
)
INVOICE_REJECTED = InvoiceRejectedV1(
    application_id=APPLICATION_ID,
    application_no="IA20250102000001",
    amount=TOTAL,
    orders=SHARES,
    reason="购方税号有误",
    rejected_by="user-8",
)
INVOICE_REVERSED = InvoiceReversedV1(
    red_invoice_id=UUID("66666666-6666-4666-8666-666666666666"),
    red_invoice_no="04400012345679",
    original_invoice_id=INVOICE_ID,
    original_invoice_no="04400012345678",
    application_id=APPLICATION_ID,
    reason=RedInvoiceReason.sales_allowance,
    amount=Money(amount="0.10"),
    orders=[OrderShare(order_id=OTHER_ORDER_ID, amount=Money(amount="0.10"))],
    reversed_by="user-8",
)
RECEIPT_ALLOCATED = ReceiptAllocatedV1(
    allocation_id=UUID("77777777-7777-4777-8777-777777777777"),
    receipt_id=UUID("88888888-8888-4888-8888-888888888888"),
    receipt_no="BS20250110-0042",
    amount=TOTAL,
    orders=SHARES,
    allocated_by="finance",
)
PAYMENT_MADE = PaymentMadeV1(
    payment_id=UUID("99999999-9999-4999-8999-999999999999"),
    payment_no="PY20250111000001",
    amount=Money(amount="45.50"),
    orders=[OrderShare(order_id=ORDER_ID, amount=Money(amount="45.50"))],
    paid_by="user-9",
)

# event_type → a valid payload of its v1 model; a new catalogue line needs a sample here.
SAMPLES: dict[str, EventPayload] = {
    "orders.order.created": ORDER_CREATED,
    "orders.order.status_changed": ORDER_STATUS_CHANGED,
    "orders.settlement_list.created": SETTLEMENT_LIST_CREATED,
    "sso.entitlement.changed": ENTITLEMENT_CHANGED,
    "finance.invoice.applied": INVOICE_APPLIED,
    "finance.invoice.issued": INVOICE_ISSUED,
    "finance.invoice.rejected": INVOICE_REJECTED,
    "finance.invoice.reversed": INVOICE_REVERSED,
    "finance.receipt.allocated": RECEIPT_ALLOCATED,
    "finance.payment.made": PAYMENT_MADE,
}


@pytest.fixture
def samples() -> dict[str, EventPayload]:
    return dict(SAMPLES)


@pytest.fixture
def order_created() -> OrderCreatedV1:
    return ORDER_CREATED
