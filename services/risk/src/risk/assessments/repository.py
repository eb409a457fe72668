"""All SQL of assessments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from risk.assessments.models import Assessment
from risk.requests.models import AssessmentRequest
from servicekit.auth import Principal, scoped


class AssessmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, assessment: Assessment) -> None:
        self.session.add(assessment)

    async def flush(self) -> None:
        await self.session.flush()

    async def next_seq(self, request_id: uuid.UUID) -> int:
        query = select(func.coalesce(func.max(Assessment.seq), 0)).where(
            Assessment.request_id == request_id
        )
        return int((await self.session.execute(query)).scalar_one()) + 1

    async def get(self, assessment_id: uuid.UUID, principal: Principal) -> Assessment | None:
        query = scoped(
            select(Assessment).where(Assessment.id == assessment_id), Assessment.org_id, principal
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_ids(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Assessment]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Assessment).where(Assessment.id.in_(ids)))
        return {a.id: a for a in rows.scalars().all()}

    async def of_request(self, request_id: uuid.UUID) -> Sequence[Assessment]:
        query = (
            select(Assessment).where(Assessment.request_id == request_id).order_by(Assessment.seq)
        )
        return (await self.session.execute(query)).scalars().all()

    async def latest_snapshots(
        self, principal: Principal, limit: int, org_id: uuid.UUID | None = None
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """The newest automatic assessment's input of each request the caller may see, newest
        requests first: the past requests a draft scorecard is compared on."""
        newest = (
            select(Assessment.request_id, func.max(Assessment.seq).label("seq"))
            .where(Assessment.kind == "automatic")
            .group_by(Assessment.request_id)
            .subquery()
        )
        query = scoped(
            select(AssessmentRequest.request_no, Assessment.input_snapshot)
            .join(newest, (newest.c.request_id == Assessment.request_id)
                  & (newest.c.seq == Assessment.seq))
            .join(AssessmentRequest, AssessmentRequest.id == Assessment.request_id),
            Assessment.org_id,
            principal,
        ).order_by(AssessmentRequest.created_at.desc()).limit(limit)  # fmt: skip
        if org_id is not None:
            query = query.where(Assessment.org_id == org_id)
        return [(no, snap) for no, snap in (await self.session.execute(query)).all()]
