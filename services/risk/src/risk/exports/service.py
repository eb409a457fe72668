"""XLSX export of assessment sheets per insurer: the latest assessment of each request the
starter may see, scoped exactly as the request would be, written with openpyxl's write-only
workbook page by page (keyset on the request's creation), times in Beijing wall-clock."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from risk.assessments.models import Assessment
from risk.common import BUSINESS_TZ, next_number
from risk.exports.models import ExportJob, JobStatus
from risk.requests.lifecycle import LABELS_ZH, RequestStatus
from risk.requests.models import AssessmentRequest
from risk.requests.schemas import USE_NATURE_ZH, UseNature
from risk.scorecards.definition import DECISION_ZH, Decision
from servicekit.auth import Principal, scoped
from servicekit.clock import Clock
from servicekit.errors import Conflict, NotFound

HEADER = [
    "评估单号", "评估编号", "申请机构", "保险公司", "车架号", "号牌号码", "初次登记日期",
    "使用性质", "地区代码", "评分卡版本", "总分", "等级", "结论", "评估方式", "评估时间（北京时间）",
    "硬性拒绝", "复核触发", "评分明细", "状态",
]  # fmt: skip
STATUS_ZH = {
    JobStatus.queued: "排队中", JobStatus.running: "导出中", JobStatus.succeeded: "已完成",
    JobStatus.failed: "失败",
}  # fmt: skip


class ExportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    insurer_code: str = Field(min_length=2, max_length=32, description="One insurer per export")
    status: RequestStatus | None = None
    created_from: date | None = None
    created_to: date | None = None


class ExportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    export_no: str
    insurer_code: str
    filters: dict[str, Any]
    status: str
    status_label: str = ""
    total: int | None
    processed: int
    error: str | None
    file_name: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


def read(job: ExportJob) -> ExportRead:
    out = ExportRead.model_validate(job)
    out.status_label = STATUS_ZH[JobStatus(job.status)]
    return out


class ExportNotFound(NotFound):
    code = "export_not_found"


class ExportNotReady(Conflict):
    code = "export_not_ready"


def principal_to_json(p: Principal) -> dict[str, Any]:
    return {
        "subject": p.subject, "org_id": str(p.org_id) if p.org_id else None,
        "org_type": p.org_type, "functions": sorted(p.functions), "entry": p.entry,
        "platform_operator": p.platform_operator,
        "visible_org_ids": sorted(str(o) for o in p.visible_org_ids),
    }  # fmt: skip


def principal_from_json(d: dict[str, Any]) -> Principal:
    return Principal(
        subject=d["subject"], org_id=uuid.UUID(d["org_id"]) if d.get("org_id") else None,
        org_type=d.get("org_type"), functions=frozenset(d.get("functions", ())),
        entry=d.get("entry", "risk"), platform_operator=bool(d.get("platform_operator")),
        visible_org_ids=frozenset(uuid.UUID(o) for o in d.get("visible_org_ids", ())),
    )  # fmt: skip


class ExportService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    async def start(self, data: ExportCreate, principal: Principal) -> ExportJob:
        now = self.clock()
        job = ExportJob(
            id=uuid.uuid4(),
            export_no=await next_number(self.session, "DC", now),
            insurer_code=data.insurer_code.upper(),
            filters=data.model_dump(mode="json", exclude={"insurer_code"}),
            status=JobStatus.queued.value,
            processed=0,
            principal=principal_to_json(principal),
            created_by=principal.subject,
            created_org_id=principal.org_id,
            created_at=now,
            updated_at=now,
        )
        self.session.add(job)
        await self.session.flush()
        return job

    async def mine(self, job_id: uuid.UUID, principal: Principal) -> ExportJob:
        """An export is seen by whoever started it, in the institution they started it in."""
        query = select(ExportJob).where(
            ExportJob.id == job_id,
            ExportJob.created_by == principal.subject,
            ExportJob.created_org_id == principal.org_id
            if principal.org_id is not None
            else ExportJob.created_org_id.is_(None),
        )
        job = (await self.session.execute(query)).scalar_one_or_none()
        if job is None:
            raise ExportNotFound(f"No export {job_id} that you started.")
        return job

    async def list_mine(self, principal: Principal, limit: int = 50) -> list[ExportJob]:
        query = (
            select(ExportJob)
            .where(ExportJob.created_by == principal.subject)
            .where(
                ExportJob.created_org_id == principal.org_id
                if principal.org_id is not None
                else ExportJob.created_org_id.is_(None)
            )
            .order_by(ExportJob.created_at.desc())
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars().all())

    async def file(self, job_id: uuid.UUID, principal: Principal, folder: Path) -> Path:
        job = await self.mine(job_id, principal)
        if job.status != JobStatus.succeeded.value or job.file_name is None:
            raise ExportNotReady(f"Export {job.export_no} is {job.status}; download it once done.")
        return folder / job.file_name

    # -- the runner's steps (runner.py owns the transactions) ---------------------------------

    async def job(self, job_id: uuid.UUID) -> ExportJob | None:
        return await self.session.get(ExportJob, job_id)

    def touch(
        self, job: ExportJob, status: JobStatus | None = None, error: str | None = None
    ) -> None:
        now = self.clock()
        job.updated_at = now
        if status is not None:
            job.status = status.value
            if status in (JobStatus.succeeded, JobStatus.failed):
                job.finished_at = now
        if error is not None:
            job.error = error[:2000]

    def _query(self, job: ExportJob) -> Any:
        principal = principal_from_json(job.principal)
        query = scoped(
            select(AssessmentRequest, Assessment)
            .join(Assessment, Assessment.id == AssessmentRequest.latest_assessment_id)
            .where(AssessmentRequest.insurer_code == job.insurer_code),
            AssessmentRequest.org_id,
            principal,
        )
        f = job.filters
        if f.get("status"):
            query = query.where(AssessmentRequest.status == f["status"])
        if f.get("created_from"):
            start = datetime.combine(date.fromisoformat(f["created_from"]), time(), BUSINESS_TZ)
            query = query.where(AssessmentRequest.created_at >= start)
        if f.get("created_to"):
            end = datetime.combine(
                date.fromisoformat(f["created_to"]) + timedelta(days=1), time(), BUSINESS_TZ
            )
            query = query.where(AssessmentRequest.created_at < end)
        return query

    async def begin(self, job: ExportJob) -> None:
        counted = select(func.count()).select_from(self._query(job).subquery())
        job.total = int((await self.session.execute(counted)).scalar_one())
        job.processed = 0
        self.touch(job, JobStatus.running)
        await self.session.flush()

    async def page(
        self,
        job: ExportJob,
        sheet: WriteOnlyWorksheet,
        after: tuple[datetime, uuid.UUID] | None,
        size: int,
    ) -> tuple[datetime, uuid.UUID] | None:
        """Writes the next page; returns where it ended (None: nothing more)."""
        query = self._query(job)
        if after is not None:
            query = query.where(
                or_(
                    AssessmentRequest.created_at > after[0],
                    and_(AssessmentRequest.created_at == after[0],
                         AssessmentRequest.id > after[1]),
                )
            )  # fmt: skip
        query = query.order_by(AssessmentRequest.created_at, AssessmentRequest.id).limit(size)
        rows = (await self.session.execute(query)).all()
        for request, assessment in rows:
            sheet.append(cells(request, assessment))
        job.processed += len(rows)
        self.touch(job)
        await self.session.flush()
        if len(rows) < size:
            return None
        last = rows[-1][0]
        return (last.created_at, last.id)

    async def finish(self, job: ExportJob, file_name: str) -> None:
        job.file_name = file_name
        self.touch(job, JobStatus.succeeded)
        await self.session.flush()


def new_workbook() -> tuple[Workbook, WriteOnlyWorksheet]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("评估单")
    sheet.append(HEADER)
    return book, sheet


def cells(r: AssessmentRequest, a: Assessment) -> list[Any]:
    reasons = "；".join(f"{c['name']} {c['points']}" for c in a.contributions)
    return [
        r.request_no,
        a.assessment_no,
        r.org_name,
        r.insurer_name,
        r.vin,
        r.plate_no,
        r.register_date,
        USE_NATURE_ZH[UseNature(r.use_nature)],
        r.region_code,
        f"{a.scorecard_code} v{a.scorecard_version}" if a.scorecard_code else None,
        None if a.total_points is None else Decimal(a.total_points),
        a.grade,
        DECISION_ZH[Decision(a.decision)],
        "人工改判" if a.kind == "override" else "自动评估",
        a.assessed_at.astimezone(BUSINESS_TZ).replace(tzinfo=None),
        "、".join(a.hard_stops),
        "、".join(a.review_triggers),
        reasons,
        LABELS_ZH[RequestStatus(r.status)],
    ]
