"""XLSX export: the orders matching GET /v1/orders's filters, scoped to the starter, written
page by page (keyset, `OrderRepository.search`) with openpyxl's write-only workbook.

Amounts are numeric cells holding the exact decimal text (format `#,##0.00`), so they sum in
Excel; times are Asia/Shanghai wall-clock (Excel has no time zones; the header says so)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from orders.exports.models import ExportJob
from orders.exports.repository import ExportRepository
from orders.jobs.models import JobStatus, principal_from_json
from orders.order.models import Order
from orders.order.repository import OrderRepository
from orders.order.schemas import OrderFilters
from orders.order.service import BUSINESS_TZ, storage_filter
from servicekit.auth import Principal
from servicekit.errors import Conflict, NotFound, ProblemError
from shared_schemas import Money, OrderCategory, OrderDirection, OrderStatus, SellingEntity

#: Headers as clerks name the columns (the import reads the same words where a column is
#: importable); categories, directions, sellers and statuses are written as their labels.
HEADER = [
    "订单号", "订单类别", "收付方向", "客户机构ID", "交易对方", "销售主体",
    "订单金额", "税率", "订单状态", "已开票金额", "已结算金额", "来源系统",
    "来源单号", "签单日期", "创建人", "创建时间（北京时间）",
    "首次开票时间（北京时间）", "结算时间（北京时间）",
]  # fmt: skip
MONEY_FORMAT = "#,##0.00"


class ExportNotFound(NotFound):
    code = "export_not_found"

    def __init__(self, job_id: uuid.UUID) -> None:
        super().__init__(f"No export {job_id} that you started.")


class ExportNotReady(Conflict):
    code = "export_not_ready"


class ExportExpired(ProblemError):
    """The file was removed after the retention period."""

    def __init__(self, job_id: uuid.UUID, expired_at: datetime) -> None:
        super().__init__(
            f"Export {job_id}'s file was removed at {expired_at.isoformat()} after the retention "
            "period; start a new export.",
            code="export_expired",
            status=410,
        )


class ExportService:
    def __init__(self, repository: ExportRepository, orders: OrderRepository) -> None:
        self.repo = repository
        self.orders = orders

    async def start(self, filters: OrderFilters, principal: Principal) -> ExportJob:
        job = ExportJob(id=uuid.uuid4(), filters=filters.model_dump(mode="json"), file_name=None)
        job.start_fields(principal)
        self.repo.add(job)
        await self.repo.save()
        return job

    async def mine(self, job_id: uuid.UUID, principal: Principal) -> ExportJob:
        job = await self.repo.mine(job_id, principal)
        if job is None:
            raise ExportNotFound(job_id)
        return job

    async def file(self, job_id: uuid.UUID, principal: Principal, folder: Path) -> Path:
        job = await self.mine(job_id, principal)
        if job.expired_at is not None:
            raise ExportExpired(job_id, job.expired_at)
        if job.status != JobStatus.succeeded.value or job.file_name is None:
            raise ExportNotReady(f"Export {job_id} is {job.status}; download it once succeeded.")
        return folder / job.file_name

    # -- the runner's steps (runner.py owns the transactions) ---------------------------------

    async def job(self, job_id: uuid.UUID) -> ExportJob | None:
        return await self.repo.get(job_id)

    async def begin(self, job: ExportJob) -> None:
        job.total = await self.orders.count(self._filter(job), principal_from_json(job.principal))
        job.processed = 0
        job.touch(JobStatus.running)
        await self.repo.save()

    async def page(
        self,
        job: ExportJob,
        sheet: WriteOnlyWorksheet,
        after: tuple[datetime, uuid.UUID] | None,
        size: int,
    ) -> tuple[datetime, uuid.UUID] | None:
        """Writes the next page; returns where it ended (None: nothing more)."""
        f = storage_filter(OrderFilters.model_validate(job.filters), after=after, limit=size)
        rows = (await self.orders.search(f, principal_from_json(job.principal)))[:size]
        for order in rows:
            sheet.append(_cells(sheet, order))
        job.processed += len(rows)
        job.touch()
        await self.repo.save()
        return (rows[-1].created_at, rows[-1].id) if len(rows) == size else None

    async def finish(self, job: ExportJob, file_name: str) -> None:
        job.file_name = file_name
        job.touch(JobStatus.succeeded)
        await self.repo.save()

    @staticmethod
    def _filter(job: ExportJob) -> Any:
        return storage_filter(OrderFilters.model_validate(job.filters))


def new_workbook() -> tuple[Workbook, WriteOnlyWorksheet]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("orders")
    sheet.append(HEADER)
    return book, sheet


def _money(sheet: WriteOnlyWorksheet, fen: int) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=Decimal(Money.from_fen(fen).amount))
    cell.number_format = MONEY_FORMAT
    return cell


def _local(at: datetime | None) -> datetime | None:
    return None if at is None else at.astimezone(BUSINESS_TZ).replace(tzinfo=None)


def _cells(sheet: WriteOnlyWorksheet, order: Order) -> list[Any]:
    return [
        order.order_no,
        OrderCategory(order.category).label_zh,
        OrderDirection(order.direction).label_zh,
        str(order.customer_org_id),
        order.counterparty_name,
        None if order.seller is None else SellingEntity(order.seller).label_zh,
        _money(sheet, order.amount_fen),
        None if order.tax_rate_bp is None else Decimal(order.tax_rate_bp).scaleb(-4),
        OrderStatus(order.status).label_zh,
        _money(sheet, order.invoiced_fen),
        _money(sheet, order.settled_fen),
        order.source_service,
        order.source_ref,
        order.sign_date,
        order.created_by,
        _local(order.created_at),
        _local(order.invoiced_at),
        _local(order.settled_at),
    ]
