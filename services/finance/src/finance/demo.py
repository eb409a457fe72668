"""Demo data for `make run` (idempotent): the U8 partner codes (用友往来单位编码) of the demo
institutions, so a Yonyou voucher export of the demo's postings is not refused for missing
codes. Set through the Yonyou service as a platform operator would on the console's page.
Institution ids are those of sso's demo data (uuid5 of a fixed name)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from finance.yonyou.repository import YonyouRepository
from finance.yonyou.schemas import PartnerWrite
from finance.yonyou.service import YonyouService
from servicekit.auth import Principal
from servicekit.messaging import Outbox
from servicekit.settings import ServiceSettings


def _org(slug: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"platform-demo/org/{slug}")


#: (institution, U8 customer code 客户编码, U8 supplier code 供应商编码)
DEMO_PARTNERS = (
    (_org("agency-huacheng"), "C1001", "S1001"),
    (_org("agency-huacheng-shenzhen"), "C1002", "S1002"),
    (_org("insurtech-yunying"), "C2001", "S2001"),
    (_org("mall-chexiang"), "C3001", "S3001"),
    (_org("technology-platform"), "C9001", "S9001"),
)


async def load_demo_data(session: AsyncSession, outbox: Outbox, settings: ServiceSettings) -> None:
    system = Principal(subject="demo-data", org_id=None, org_type="technology",
                       functions=frozenset(), entry="finance", platform_operator=True,
                       name="演示数据")  # fmt: skip
    service = YonyouService(YonyouRepository(session))
    for org, customer, supplier in DEMO_PARTNERS:
        if await service.repo.partner(org) is None:  # a code a clerk changed stays
            await service.set_partner(
                org, PartnerWrite(customer_code=customer, supplier_code=supplier), system
            )
