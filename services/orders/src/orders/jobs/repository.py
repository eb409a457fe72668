"""SQL every job table shares: the caller's own job, a job by id for its runner."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orders.jobs.models import UNFINISHED, JobColumns
from servicekit.auth import Principal

J = TypeVar("J", bound=JobColumns)


class JobRepository(Generic[J]):
    model: type[J]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, job: J) -> None:
        self.session.add(job)

    async def save(self) -> None:
        await self.session.flush()

    async def mine(self, job_id: uuid.UUID, principal: Principal) -> J | None:
        """A job is seen by whoever started it (same user in the same institution)."""
        query = select(self.model).where(
            self.model.id == job_id,
            self.model.created_by == principal.subject,
            self.model.created_org_id == principal.org_id
            if principal.org_id is not None
            else self.model.created_org_id.is_(None),
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get(self, job_id: uuid.UUID) -> J | None:
        query = select(self.model).where(self.model.id == job_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def claim_stale(self, untouched_since: datetime, now: datetime) -> list[uuid.UUID]:
        """Unfinished jobs untouched since then (their process stopped), claimed by touching
        them: the UPDATE matches only while nobody else touched the job meanwhile."""
        query = select(self.model.id, self.model.updated_at).where(
            self.model.status.in_(UNFINISHED), self.model.updated_at < untouched_since
        )
        claimed = []
        for job_id, seen in (await self.session.execute(query)).all():
            result = await self.session.execute(
                update(self.model)
                .where(self.model.id == job_id, self.model.updated_at == seen)
                .values(updated_at=now)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(job_id)
        return claimed

    async def unfinished(self) -> Sequence[uuid.UUID]:
        query = select(self.model.id).where(self.model.status.in_(UNFINISHED))
        return (await self.session.execute(query)).scalars().all()
