"""Demo data for `make run` (idempotent, through the services' own code): the platform's
published scorecard, thirty requests of 云鹰 for two insurers across the grades, and one
statement batch with 中国人保财险 reconciled and confirmed (its order requested)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from risk.assessments.repository import AssessmentRepository
from risk.assessments.service import AssessmentService
from risk.common import BUSINESS_TZ
from risk.config import Settings
from risk.reconciliation.models import ReconciliationBatch
from risk.reconciliation.schemas import BatchCreate, ItemDecision
from risk.reconciliation.service import ReconciliationService
from risk.requests.repository import RequestRepository
from risk.requests.schemas import RequestCreate
from risk.requests.service import RequestService
from risk.scorecards.repository import ScorecardRepository
from risk.scorecards.schemas import ScorecardCreate
from risk.scorecards.service import ScorecardService
from risk.scorecards.standard import STANDARD_V1
from servicekit.auth import Principal
from servicekit.clock import Clock, utc_now
from servicekit.messaging import Outbox
from servicekit.settings import ServiceSettings

#: The same id sso's demo gives 云鹰 (insurtech service firm; the risk entry is its).
YUNYING = uuid.uuid5(uuid.NAMESPACE_URL, "platform-demo/org/insurtech-yunying")
YUNYING_NAME = "云鹰保险技术服务有限公司"
INSURERS = (("PICC", "中国人保财险"), ("CPIC", "太平洋财险"))
#: Checksum-valid VIN stems (the 9th character is computed).
_STEMS = ("LSVAM4180C21", "LFV2A21K0A40", "LGBH52E00HY0", "LSGPC54U0DF2", "LVSHCAMB0CE3")
ALL = frozenset({
    "risk.form.query", "risk.form.collect", "risk.assessment.query", "risk.assessment.run",
    "risk.reconciliation.query", "risk.reconciliation.manage", "risk.scorecard.query",
    "risk.scorecard.edit", "risk.scorecard.publish",
})  # fmt: skip
CLERK = Principal(subject="yunying.staff", org_id=YUNYING, org_type="insurtech_service",
                  functions=ALL, entry="risk", name="云鹰业务员")  # fmt: skip
OPERATOR = Principal(subject="platform.admin", org_id=None, org_type="technology",
                     functions=ALL, entry="risk", platform_operator=True)  # fmt: skip


def _vin(stem: str, n: int) -> str:
    from vininfo import Vin

    base = f"{stem}{n:05d}"
    for check in "0123456789X":
        vin = base[:8] + check + base[9:]
        if Vin(vin).verify_checksum():
            return vin
    return base


def _body(n: int, today: date) -> dict[str, Any]:
    """Thirty requests whose age, use, mileage, damage and flags spread them over A to E."""
    code, name = INSURERS[n % 2]
    age_years = (n * 7) % 15
    damage = [{"part": part, "severity": sev} for part, sev in
              (("前保险杠", "minor"), ("左前门", "moderate"), ("后备箱盖", "severe"),
               ("右后翼子板", "severe"), ("前挡风玻璃", "severe"))[: (n * 3) % 6]]  # fmt: skip
    return {
        "reference": f"demo-risk-{n:02d}",
        "applicant_org_name": YUNYING_NAME,
        "insurer": {"code": code, "name": name},
        "vehicle": {
            "vin": _vin(_STEMS[n % len(_STEMS)], n),
            "plate_no": f"浙A{10000 + n * 137:05d}" if n % 9 else None,
            "register_date": date(today.year - age_years, 1 + n % 12, 1 + n % 27).isoformat(),
            "use_nature": (
                "private",
                "private",
                "non_operating",
                "operating_passenger",
                "operating_freight",
            )[n % 5],
            "region_code": ("330100", "330200", "330300", "320100")[n % 4],
        },
        "inspection": {
            "form_version": "v2",
            "document": {
                "operator": "王验车",
                "inspected_at": f"{today.isoformat()}T10:{n:02d}:00+08:00",
                "place": "杭州市西湖区文三路验车点",
                "mileage_km": (n * 23_457) % 260_000,
                "damage_items": damage,
                "photos": [
                    {"ref": f"oss://demo/inspections/{n:02d}-{i}.jpg"} for i in range(2 + n % 5)
                ],
                "modified": n % 11 == 4,
                "flood_traces": n == 29,
            },
        },
        "payees": (
            [{"subject": "yunying.staff", "name": "云鹰业务员", "share": "100.00"}]
            if n % 3
            else [
                {"subject": "yunying.staff", "name": "云鹰业务员", "share": "70.00"},
                {"subject": "yunying.admin", "name": "云鹰管理员", "share": "30.00"},
            ]
        ),
    }


async def load_demo_risk(
    session: AsyncSession, outbox: Outbox, settings: ServiceSettings, clock: Clock = utc_now
) -> None:
    assert isinstance(settings, Settings)
    today = clock().astimezone(BUSINESS_TZ).date()
    cards = ScorecardService(ScorecardRepository(session), AssessmentRepository(session), clock)
    if await cards.live(settings.scorecard_code) is None and not await cards.repo.all(
        settings.scorecard_code
    ):
        draft = await cards.create(
            ScorecardCreate.model_validate({
                "code": settings.scorecard_code, "name": "车辆风险评分卡（标准版）",
                "effective_from": today.isoformat(), "definition": STANDARD_V1,
                "note": "平台首版评分卡",
            }),
            OPERATOR,
        )  # fmt: skip
        await cards.what_if(draft.id, OPERATOR, 10_000, None)
        await cards.publish(draft.id, OPERATOR)
    assessments = AssessmentService(
        AssessmentRepository(session), ScorecardRepository(session), clock, settings.scorecard_code
    )
    requests = RequestService(RequestRepository(session), assessments, clock)
    made = []
    for n in range(30):
        request, _ = await requests.create(
            RequestCreate.model_validate(_body(n, today)), CLERK, "console"
        )
        made.append(request)
    if (await session.execute(select(ReconciliationBatch.id).limit(1))).first() is not None:
        return  # the demo's batch exists
    picc = [r for r in made if r.insurer_code == "PICC" and r.status == "assessed"]
    for r in picc:
        if r.payees_confirmed_at is None:
            await requests.confirm_payees(r.id, CLERK)
    recon = ReconciliationService(session, outbox, clock)
    batch = await recon.create(
        BatchCreate.model_validate({
            "insurer_code": "PICC", "period_from": today.replace(day=1).isoformat(),
            "period_to": today.isoformat(), "unit_fee": "300.00", "promoter_fee": "80.00",
        }),
        CLERK,
    )  # fmt: skip
    for i, item in enumerate(batch.items):
        result = "rejected" if i == 1 else "accepted"
        note = "非本期业务" if result == "rejected" else None
        await recon.decide(batch, item.id, ItemDecision(result=result, note=note), CLERK.subject)
    await recon.confirm(batch, CLERK)
