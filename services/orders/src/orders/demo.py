"""Demo orders for `make run` (idempotent: the source references make re-runs no-ops)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orders.order.repository import OrderRepository
from orders.order.schemas import OrderCreate
from orders.order.service import OrderService
from servicekit.auth import Principal
from servicekit.messaging import Outbox
from servicekit.settings import ServiceSettings
from shared_schemas import OrderCategory, OrderDirection, SellingEntity

#: Stable ids so the demo institutions match across services and re-runs.
DEMO_AGENCY = uuid.uuid5(uuid.NAMESPACE_URL, "platform-demo/org/agency-huacheng")
DEMO_MALL = uuid.uuid5(uuid.NAMESPACE_URL, "platform-demo/org/mall-chexiang")

_DEMO_ORDERS = [
    (
        OrderCategory.risk_assessment,
        OrderDirection.receivable,
        DEMO_AGENCY,
        "3600.00",
        "risk",
        "demo-assessment-1",
    ),
    (
        OrderCategory.channel_promotion_fee,
        OrderDirection.receivable,
        DEMO_AGENCY,
        "12800.00",
        "insurance",
        "demo-deal-1",
    ),
    (
        OrderCategory.value_added_redemption,
        OrderDirection.payable,
        DEMO_MALL,
        "45.50",
        "valueadd",
        "demo-redemption-1",
    ),
]

#: The value-added redemption carries what the analyses read: lines and extension data.
_DEMO_DETAILS: dict[str, dict[str, Any]] = {
    "demo-redemption-1": {
        "counterparty": {"name": "车享洗车南山店", "id": "merchant-demo-1"},
        "seller": SellingEntity.technology_company,
        "tax_rate": Decimal("0.06"),
        "lines": [
            {
                "description": "标准洗车券核销",
                "quantity": Decimal(1),
                "unit_price": Decimal("45.50"),
            }
        ],
        "extension": {
            "coupon_used_at": "2026-11-20T10:30:00+08:00",
            "car_model": "比亚迪 秦PLUS",
            "location": {"province_code": "440000", "city_code": "440300", "text": "深圳市南山区"},
            "merchant": {"id": "merchant-demo-1", "name": "车享洗车南山店"},
            "product": {"id": "wash-standard", "name": "标准洗车券"},
        },
    }
}


async def load_demo_orders(
    session: AsyncSession, outbox: Outbox, settings: ServiceSettings
) -> None:
    service = OrderService(OrderRepository(session), outbox)
    system = Principal(
        subject="demo-data",
        org_id=None,
        org_type="technology",
        functions=frozenset(),
        entry="orders",
        platform_operator=True,
    )
    for category, direction, org, amount, source, ref in _DEMO_ORDERS:
        await service.create(
            OrderCreate.model_validate(
                {
                    "category": category,
                    "direction": direction,
                    "customer_org_id": org,
                    "amount": Decimal(amount),
                    "source_service": source,
                    "source_ref": ref,
                    "sign_date": date(2026, 11, 20),
                    **_DEMO_DETAILS.get(ref, {}),
                }
            ),
            system,
        )
