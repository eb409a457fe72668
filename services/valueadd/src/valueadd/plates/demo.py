"""Demo data of the move-car plates (idempotent, through the service): one batch of 20 plates
made by the platform, 5 assigned to a promoter, 3 of them bought by 华成 (the institution the
demo's insurer business is billed to), one handed out, bound and active."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal
from servicekit.messaging import Outbox
from servicekit.settings import ServiceSettings
from valueadd.common import clock
from valueadd.coupons.demo import HUACHENG, TECH
from valueadd.plates.models import PlateBatch, PlateStatus
from valueadd.plates.repository import PlateRepository
from valueadd.plates.schemas import (
    AssignRequest,
    BatchCreate,
    BindRequest,
    DistributeRequest,
    PurchaseCreate,
    StatusChange,
)
from valueadd.plates.service import PlateService

NOTE = "演示批次"


async def load_plate_demo(session: AsyncSession, outbox: Outbox, settings: ServiceSettings) -> None:
    if await session.scalar(select(PlateBatch.id).where(PlateBatch.note == NOTE)) is not None:
        return
    operator = Principal(
        subject="demo-data", org_id=TECH, org_type="technology", functions=frozenset(),
        entry="valueadd", platform_operator=True, name="演示数据",
    )  # fmt: skip
    base = str(getattr(settings, "plate_scan_url", "http://127.0.0.1:8000/m/plate/"))
    service = PlateService(PlateRepository(session), clock.current(), base)
    batch = await service.create_batch(BatchCreate(quantity=20, note=NOTE), operator)
    nos = [f"{batch.batch_no}-{i:05d}" for i in range(1, 21)]
    await service.assign(
        AssignRequest(plate_nos=nos[:5], promoter_subject="demo-promoter-wang",
                      promoter_name="业务员王强"),
        operator,
    )  # fmt: skip
    await service.purchase(
        PurchaseCreate(insurer_org_id=HUACHENG, insurer_name="华成保险代理有限公司",
                       plate_nos=nos[:3], unit_price=Decimal("15.00")),
        operator,
    )  # fmt: skip
    await service.distribute(
        nos[0], DistributeRequest(customer_ref="DEMO-C-0001", customer_name="张三"), operator
    )
    await service.bind(
        nos[0], BindRequest(vehicle_plate_no="沪A12345", owner_mobile="13800138000"), operator
    )
    await service.set_status(nos[0], StatusChange(status=PlateStatus.active), operator)
