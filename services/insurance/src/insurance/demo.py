"""Demo data for `make run` (idempotent: a second run finds the demo's push rule and stops).

The story (flows 4, 5 and 10): 云鹰 collects 张伟's three vehicles — two in 广州, one in 深圳 —
from its WeChat official account; the daily push sends the 广州 ones to 华成 and the 深圳 one to
华成深圳分公司. 华成 quotes and issues one (a deal, its service-fee order asked for), the other
is bought elsewhere (a PINGAN policy 云鹰 downloads marks it 未成交); 深圳's awaits a quote.
Everything goes through the services' own code; the institutions' ids are sso's demo ids.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance.composition import services
from insurance.deals.service import DealService, RateCardIn
from insurance.policies.lifecycle import Action
from insurance.policies.schemas import IssueIn, LineQuote, PolicyRecord, QuoteIn
from insurance.pushes.models import PushRule
from insurance.pushes.schemas import ReceiverIn, RuleCreate
from insurance.vehicles.schemas import VehicleCollect
from servicekit.auth import Principal
from servicekit.clock import utc_now
from servicekit.messaging import Outbox
from servicekit.settings import ServiceSettings


def demo_org_id(slug: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"platform-demo/org/{slug}")


TECH = demo_org_id("technology-platform")
HUACHENG = demo_org_id("agency-huacheng")
HUACHENG_SZ = demo_org_id("agency-huacheng-shenzhen")
YUNYING = demo_org_id("insurtech-yunying")
#: The day the demo's push ran (its windows hold the vehicles' December expiries).
PUSH_DAY = date(2026, 11, 20)


def _principal(org: uuid.UUID, subject: str, name: str) -> Principal:
    return Principal(
        subject=subject, org_id=org, org_type=None, entry="insurance", name=name,
        functions=frozenset({"insurance.proposal.quote", "insurance.proposal.issue",
                             "insurance.vehicle.contact"}),
        platform_operator=org == TECH,
    )  # fmt: skip


async def load_demo_data(session: AsyncSession, outbox: Outbox, settings: ServiceSettings) -> None:
    if (await session.execute(select(PushRule).where(PushRule.rule_code == "DEMO-GZ"))).first():
        return
    clock = utc_now
    svc = services(session, outbox, clock)
    ops = _principal(TECH, "platform.admin", "科技公司 管理员")
    by = ops.subject
    for org, name in ((HUACHENG, "华成保险代理有限公司"), (HUACHENG_SZ, "华成保险代理深圳分公司")):
        await svc.pushes.set_receiver(org, ReceiverIn(name=name, capacity_per_run=500), by)
        # What sso.entitlement.changed says for these two (both hold insurance).
        await svc.pushes.record_entitlement(org, 1, True, "sso")
    for code, name, prefix, org in (
        ("DEMO-GZ", "广州续保推送（商业险）", "4401", HUACHENG),
        ("DEMO-SZ", "深圳续保推送（商业险）", "4403", HUACHENG_SZ),
    ):
        await svc.pushes.save_rule(
            code,
            RuleCreate(rule_code=code, name=name, region_prefix=prefix, line="car_commercial",
                       open_days=90, close_days=0, receiver_org_id=org),
            by, new=True,
        )  # fmt: skip
    deals = DealService(session, outbox, clock)
    await deals.add_rate_card(
        RateCardIn(insurer_code="PICC", region_prefix="44", line="car_commercial",
                   rate="0.1500", valid_from=date(2026, 1, 1)),  # type: ignore[arg-type]
        by,
    )  # fmt: skip
    owner = {"name": "张伟", "id_number": "11010519491231002X", "mobile": "13812345678"}
    vehicles = {}
    for plate, vin, region, expiry, model in (
        ("粤A12345", "LFV2A21K6D4123456", "440100", "2026-12-20", "大众迈腾"),
        ("粤A67890", None, "440100", "2027-01-15", "丰田凯美瑞"),
        ("粤B54321", "LSGPC54U9DF123456", "440300", "2026-12-28", "比亚迪汉"),
    ):
        done = await svc.policies.vehicles.collect_for(
            YUNYING,
            VehicleCollect.model_validate({
                "source": "wechat_oa", "vin": vin, "plate_no": plate, "region_code": region,
                "commercial_expiry": expiry, "compulsory_expiry": expiry, "brand_model": model,
                "use_nature": "private", "owner": owner,
            }),
            "yunying.staff",
        )  # fmt: skip
        vehicles[plate] = done.vehicle
    await svc.pushes.run(PUSH_DAY, "scheduled", "insurance-scheduler")
    pushes = await svc.pushes.pushes(ops, plate=None, task_no=None, status=None, limit=50, offset=0)
    by_plate = {p.plate_no: p for p in pushes.items}
    # 华成 quotes, underwrites and issues 粤A12345: a deal.
    clerk = _principal(HUACHENG, "huacheng.staff", "华成保险代理有限公司 业务员")
    won = by_plate["粤A12345"].proposal_id
    await svc.policies.quote(
        won,
        QuoteIn.model_validate({"insurer_code": "PICC", "lines": [LineQuote.model_validate(
            {"line": "car_commercial", "items": [
                {"cover_code": "VEH_DAMAGE", "cover_name": "机动车损失保险",
                 "sum_insured": "180000.00", "premium": "2680.00"},
                {"cover_code": "THIRD_PARTY", "cover_name": "第三者责任保险",
                 "sum_insured": "2000000.00", "premium": "1120.00"}]})]}),
        clerk,
    )  # fmt: skip
    await svc.policies.step(won, Action.submit, clerk, "客户确认报价")
    await svc.policies.issue(
        won, IssueIn(sign_date=date(2026, 11, 25), policy_nos=[], note="已出单"), clerk
    )
    # 云鹰 downloads a PINGAN policy for 粤A67890: bought elsewhere, the push is 未成交.
    await svc.policies.record(
        PolicyRecord.model_validate({
            "policy_no": "PA2026440100000888", "insurer_code": "PINGAN", "line": "car_commercial",
            "vehicle_id": vehicles["粤A67890"].id, "sign_date": "2026-11-28",
            "starts_on": "2027-01-16", "ends_on": "2028-01-15",
            "items": [{"cover_code": "VEH_DAMAGE", "premium": "3150.00"}],
        }),
        _principal(YUNYING, "yunying.staff", "云鹰 业务员"),
    )  # fmt: skip
    # 粤B54321 stays 待报价 at 华成深圳分公司.
