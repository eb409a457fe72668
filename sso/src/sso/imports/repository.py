"""All SQL of imports."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction

from sso.imports.models import ImportRow, ImportRun


class ImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def savepoint(self) -> AsyncSessionTransaction:
        """A nested transaction: one row's writes, or a dry run's whole work, undone alone."""
        return self.session.begin_nested()

    async def add_run(self, run: ImportRun) -> None:
        self.session.add(run)
        await self.session.flush()

    async def add_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(rows), 1000):
            await self.session.execute(insert(ImportRow), list(rows[start : start + 1000]))
        await self.session.flush()

    async def run(self, run_id: uuid.UUID) -> ImportRun | None:
        return await self.session.get(ImportRun, run_id)

    async def rows(
        self, run_id: uuid.UUID, *, errors_only: bool = False, limit: int | None = None
    ) -> Sequence[ImportRow]:
        query = select(ImportRow).where(ImportRow.run_id == run_id).order_by(ImportRow.row_no)
        if errors_only:
            query = query.where(ImportRow.outcome == "error")
        if limit is not None:
            query = query.limit(limit)
        return (await self.session.execute(query)).scalars().all()
