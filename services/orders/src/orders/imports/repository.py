"""All SQL of imports."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from orders.imports.models import ImportJob, ImportRowError
from orders.jobs.repository import JobRepository


class ImportRepository(JobRepository[ImportJob]):
    model = ImportJob

    async def content(self, job_id: uuid.UUID) -> bytes:
        """The uploaded file (a deferred column: loading the job does not load it)."""
        query = select(ImportJob.content).where(ImportJob.id == job_id)
        return bytes((await self.session.execute(query)).scalar_one())

    def add_errors(self, errors: Sequence[ImportRowError]) -> None:
        self.session.add_all(errors)

    async def errors(self, job_id: uuid.UUID) -> Sequence[ImportRowError]:
        query = (
            select(ImportRowError)
            .where(ImportRowError.job_id == job_id)
            .order_by(ImportRowError.row_no, ImportRowError.column)
        )
        return (await self.session.execute(query)).scalars().all()
