"""Demo data for `make run` (idempotent): the U8 partner codes (用友往来单位编码) of the demo
institutions, so a Yonyou voucher export of the demo's postings is not refused for missing
codes, and their invoicing details (开票信息), so a settlement list's invoice is issued with the
buyer filled in. Set through the services as a platform operator would on the console's pages.
Institution ids are those of sso's demo data (uuid5 of a fixed name)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from finance.invoices.repository import InvoiceRepository
from finance.invoices.schemas import Buyer
from finance.invoices.service import InvoiceService
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


#: (institution, 购买方名称, 统一社会信用代码 (valid check digit), 地址电话, 开户行及账号)
DEMO_BUYERS = (
    (_org("agency-huacheng"), "华成保险代理有限公司", "91440300MA5FHC001L",
     "深圳市福田区深南大道 1001 号 0755-88880001", "招商银行深圳分行 755900000010001"),
    (_org("agency-huacheng-shenzhen"), "华成保险代理有限公司深圳分公司", "91440300MA5FHC105N",
     "深圳市南山区科技园 0755-88880002", "招商银行深圳南山支行 755900000010002"),
    (_org("insurtech-yunying"), "云鹰保险技术服务有限公司", "91310000MA1KYY002D",
     "上海市浦东新区世纪大道 100 号 021-66660001", "工商银行上海分行 1001200000000001"),
    (_org("mall-chexiang"), "车享商城", "91310000MA1CXM003M",
     "上海市徐汇区漕溪北路 1 号 021-66660002", "建设银行上海徐汇支行 3105000000000001"),
)  # fmt: skip


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
    invoices = InvoiceService(InvoiceRepository(session), outbox)
    for org, name, tax_id, address, bank in DEMO_BUYERS:
        if await invoices.repo.buyer(org) is None:  # details a clerk changed stay
            await invoices.set_buyer(
                org, Buyer(name=name, tax_id=tax_id, address=address, bank_account=bank), system
            )
