from __future__ import annotations

from enum import StrEnum

import pytest

from shared_schemas import (
    Entry,
    InsuranceLine,
    OrderCategory,
    OrderDirection,
    OrderStatus,
    OrgType,
    RedInvoiceReason,
    SellingEntity,
)

ENUMS: list[type[StrEnum]] = [
    OrderCategory,
    OrderDirection,
    OrderStatus,
    OrgType,
    Entry,
    SellingEntity,
    RedInvoiceReason,
    InsuranceLine,
]


@pytest.mark.parametrize("enum", ENUMS)
def test_every_member_has_a_chinese_label(enum: type[StrEnum]) -> None:
    for member in enum:
        label = member.label_zh  # type: ignore[attr-defined]
        assert label and label != member.value


def test_wire_values_are_stable() -> None:
    # These strings are stored and published; renaming one breaks consumers and old events.
    assert [m.value for m in OrderCategory] == [
        "value_added_redemption",
        "value_added_settlement",
        "risk_assessment",
        "channel_promotion_fee",
        "plate_purchase",
        "plate_call_fee",
        "plate_combined_settlement",
        "technical_service",
        "promoter_payout",
        "merchant_payout",
        "org_top_up",
    ]
    assert [m.value for m in OrderDirection] == ["receivable", "payable"]
    assert [m.value for m in OrderStatus] == [
        "created",
        "reconciled",
        "invoice_applied",
        "invoiced",
        "settled",
        "closed",
        "cancelled",
    ]
    assert [m.value for m in OrgType] == ["technology", "agency", "insurtech_service", "mall"]
    assert [m.value for m in Entry] == ["insurance", "risk", "valueadd", "orders", "finance"]
    assert [m.value for m in SellingEntity] == ["agency_company", "technology_company"]
    assert [m.value for m in RedInvoiceReason] == [
        "invoice_error",
        "sales_return",
        "service_terminated",
        "sales_allowance",
    ]


def test_labels_of_same_valued_members_do_not_collide() -> None:
    assert OrderCategory.risk_assessment.label_zh == "风险评估"
    assert Entry.risk.label_zh == "风险评估"
    assert OrderStatus.settled.label_zh == "已结算"
    assert OrgType.agency.label_zh == "保险代理"
    assert SellingEntity.agency_company.label_zh == "保险代理公司"
    assert RedInvoiceReason.sales_allowance.label_zh == "销售折让"
