"""Valid payloads for every catalogued event, shared by the tests as fixtures.

(Fixtures, not imports: with --import-mode=importlib a test cannot import a sibling module.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from shared_schemas import (
    EntitlementChangedV1,
    Entry,
    EventPayload,
    InsuranceLine,
    InvoiceAppliedV1,
    InvoiceIssuedV1,
    InvoiceRejectedV1,
    InvoiceReversedV1,
    Money,
    OrderCategory,
    OrderCreatedV1,
    OrderDirection,
    OrderRequestCounterparty,
    OrderRequestLine,
    OrderRequestRejectedV1,
    OrderRequestSubmittedV1,
    OrderShare,
    OrderStatus,
    OrderStatusChangedV1,
    PaymentMadeV1,
    PolicyIssuedV1,
    ReceiptAllocatedV1,
    RedInvoiceReason,
    SellingEntity,
    SettlementListCreatedV1,
    StaffEarningAccruedV1,
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


def order_request(source_service: str) -> OrderRequestSubmittedV1:
    """A valid order request from that service: two lines adding up to the amount."""
    return OrderRequestSubmittedV1(
        source_service=source_service,  # type: ignore[arg-type]
        source_ref=f"{source_service}-ref-1",
        source_no="VA20250101000001",
        category=OrderCategory.value_added_redemption,
        direction=OrderDirection.receivable,
        customer_org_id=ORG_ID,
        counterparty=OrderRequestCounterparty(kind="org", id=str(ORG_ID), name="某保险公司"),
        seller=SellingEntity.technology_company,
        tax_rate="0.06",
        amount=Money(amount="301.00"),
        lines=[
            OrderRequestLine(
                description="洗车券核销",
                quantity="2",
                unit_price=Money(amount="100.25"),
                amount=Money(amount="200.50"),
                ref="redemption-1",
            ),
            OrderRequestLine(
                description="代驾",
                quantity="1.5",
                unit_price=Money(amount="67.00"),
                amount=Money(amount="100.50"),
            ),
        ],
        sign_date=date(2025, 1, 1),
        extension={"car_model": "比亚迪 秦PLUS"},
        requested_by="user-7",
    )


ORDER_REQUEST_REJECTED = OrderRequestRejectedV1(
    source_service="valueadd",
    source_ref="valueadd-ref-1",
    code="org_not_visible",
    reason="客户机构不在该服务可下单的范围内",
)
POLICY_ISSUED = PolicyIssuedV1(
    policy_id=UUID("abababab-abab-4bab-8bab-abababababab"),
    policy_no="PDAA202544030000000001",
    insurer_code="PICC",
    insurer_name="中国人民财产保险股份有限公司深圳市分公司",
    institution_org_id=ORG_ID,
    line=InsuranceLine.car_commercial,
    product_code="DAA",
    customer_ref="customer-9",
    customer_name="张三",
    customer_mobile_masked="138****1234",
    vehicle_vin="LSVAM4187C2184847",
    plate_no="粤B12345",
    region_code="440300",
    sign_date=date(2025, 1, 1),
    starts_on=date(2025, 1, 2),
    ends_on=date(2026, 1, 1),
    premium=Money(amount="3456.78"),
    promoter_subject="user-11",
    issued_at=datetime(2025, 1, 1, 2, 30, tzinfo=UTC),
)

STAFF_EARNING_ACCRUED = StaffEarningAccruedV1(
    staff_id="staff-li",
    staff_name="李四",
    order_id=UUID("cdcdcdcd-cdcd-4dcd-8dcd-cdcdcdcdcdcd"),
    order_no="OC20250101000009",
    category=OrderCategory.technical_service,
    customer_org_id=ORG_ID,
    amount=Money(amount="64.00"),
    source_ref="tech-payout:TS-1:OC20250101000001:staff-li",
    contract_no="TS-1",
    service_order_no="OC20250101000001",
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
    "insurance.order_request.submitted": order_request("insurance"),
    "risk.order_request.submitted": order_request("risk"),
    "valueadd.order_request.submitted": order_request("valueadd"),
    "orders.order_request.rejected": ORDER_REQUEST_REJECTED,
    "insurance.policy.issued": POLICY_ISSUED,
    "valueadd.staff_earning.accrued": STAFF_EARNING_ACCRUED,
}


@pytest.fixture
def samples() -> dict[str, EventPayload]:
    return dict(SAMPLES)


@pytest.fixture
def order_created() -> OrderCreatedV1:
    return ORDER_CREATED
