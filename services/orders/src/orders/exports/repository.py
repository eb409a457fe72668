"""All SQL of exports (the orders themselves are read through OrderRepository)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from orders.exports.models import ExportJob
from orders.jobs.models import JobStatus
from orders.jobs.repository import JobRepository


class ExportRepository(JobRepository[ExportJob]):
    model = ExportJob

    async def expirable(self, finished_before: datetime) -> Sequence[ExportJob]:
        """Succeeded exports finished before then whose file is still kept."""
        query = select(ExportJob).where(
            ExportJob.status == JobStatus.succeeded.value,
            ExportJob.expired_at.is_(None),
            ExportJob.finished_at < finished_before,
        )
        return (await self.session.execute(query)).scalars().all()
