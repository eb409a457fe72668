"""Demo data of the move-car plates (idempotent, through the services): one batch of 20 plates
made by the platform, 11 assigned to a promoter: 5 stay with the promoter, 3 are bought by 华成
(separate settlement: its plate_purchase order asked at once) and 3 by 云鹰 (combined settlement:
recorded only); one of 华成's is handed out, bound and active; 华成's rate card (first 10 s free,
0.20 per started minute) and two calls through a scan's privacy number, one pushed twice
(stored once)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal
from servicekit.messaging import Outbox
from servicekit.settings import ServiceSettings
from valueadd.calls.repository import CallRepository
from valueadd.calls.schemas import CallPush, RateCardCreate
from valueadd.calls.service import CallService
from valueadd.common import clock
from valueadd.common.types import business_day
from valueadd.coupons.demo import HUACHENG, TECH, demo_org_id
from valueadd.plate_settlement.models import SettlementMode
from valueadd.plate_settlement.repository import SettlementRepository
from valueadd.plate_settlement.schemas import ContractCreate
from valueadd.plate_settlement.service import SettlementService
from valueadd.plates.models import PlateBatch, PlateStatus
from valueadd.plates.repository import PlateRepository
from valueadd.plates.scan import ScanLimiter, ScanService, privacy_provider
from valueadd.plates.schemas import (
    AssignRequest,
    BatchCreate,
    BindRequest,
    CallRequest,
    DistributeRequest,
    PurchaseCreate,
    StatusChange,
)
from valueadd.plates.service import PlateService

NOTE = "演示批次"
YUNYING = demo_org_id("insurtech-yunying")


async def load_plate_demo(session: AsyncSession, outbox: Outbox, settings: ServiceSettings) -> None:
    if await session.scalar(select(PlateBatch.id).where(PlateBatch.note == NOTE)) is not None:
        return
    operator = Principal(
        subject="demo-data", org_id=TECH, org_type="technology", functions=frozenset(),
        entry="valueadd", platform_operator=True, name="演示数据",
    )  # fmt: skip
    base = str(getattr(settings, "plate_scan_url", "http://127.0.0.1:8000/m/plate/"))
    service = PlateService(PlateRepository(session), clock.current(), base, outbox)
    month_start = business_day(clock.current()()).replace(day=1)
    contracts = SettlementService(SettlementRepository(session), outbox, clock.current())
    for org, name, mode in (
        (HUACHENG, "华成保险代理有限公司", SettlementMode.separate),
        (YUNYING, "云鹰保险技术服务有限公司", SettlementMode.combined),
    ):
        await contracts.create_contract(
            ContractCreate(
                insurer_org_id=org, insurer_name=name, mode=mode, effective_from=month_start
            ),
            operator,
        )
    batch = await service.create_batch(BatchCreate(quantity=20, note=NOTE), operator)
    nos = [f"{batch.batch_no}-{i:05d}" for i in range(1, 21)]
    await service.assign(
        AssignRequest(
            plate_nos=nos[:11], promoter_subject="demo-promoter-wang", promoter_name="业务员王强"
        ),
        operator,
    )
    # 3 bought in each settlement mode: 华成 separate (its plate_purchase order at once),
    # 云鹰 combined (recorded only, for the month's combined settlement).
    for org, name, bought in (
        (HUACHENG, "华成保险代理有限公司", nos[:3]),
        (YUNYING, "云鹰保险技术服务有限公司", nos[3:6]),
    ):
        await service.purchase(
            PurchaseCreate(
                insurer_org_id=org, insurer_name=name, plate_nos=bought, unit_price=Decimal("15.00")
            ),
            operator,
        )
    await service.distribute(
        nos[0], DistributeRequest(customer_ref="DEMO-C-0001", customer_name="张三"), operator
    )
    await service.bind(
        nos[0], BindRequest(vehicle_plate_no="沪A12345", owner_mobile="13800138000"), operator
    )
    await service.set_status(nos[0], StatusChange(status=PlateStatus.active), operator)
    now = clock.current()()
    calls = CallService(CallRepository(session), clock.current())
    await calls.create_card(
        RateCardCreate(insurer_org_id=HUACHENG, effective_from=business_day(now).replace(day=1),
                       free_seconds=10, unit_seconds=60, unit_price=Decimal("0.20")),
        operator,
    )  # fmt: skip
    plate = await PlateRepository(session).plate(nos[0], operator)
    assert plate is not None
    scans = ScanService(
        PlateRepository(session), clock.current(), privacy_provider(), ScanLimiter()
    )
    caller = "13900139000"
    made = await scans.call(plate.qr_token, CallRequest(caller_number=caller), "demo")
    binding = await CallRepository(session).binding_of(made.virtual_number, caller)
    for n, seconds in ((1, 75), (2, 40), (2, 40)):
        await calls.push(
            CallPush(provider="local", session_id=f"DEMO-CALL-{n}", binding_id=binding,
                     caller_number=caller, virtual_number=made.virtual_number,
                     started_at=now + timedelta(minutes=n),
                     ended_at=now + timedelta(minutes=n, seconds=seconds)),
            operator,
        )  # fmt: skip
