"""All SQL of assessment requests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from risk.requests.models import AssessmentRequest
from servicekit.auth import Principal, scoped


class RequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, request: AssessmentRequest) -> None:
        self.session.add(request)

    async def flush(self) -> None:
        await self.session.flush()

    async def get(self, request_id: uuid.UUID, principal: Principal) -> AssessmentRequest | None:
        query = scoped(
            select(AssessmentRequest).where(AssessmentRequest.id == request_id),
            AssessmentRequest.org_id,
            principal,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_for_update(self, request_id: uuid.UUID) -> AssessmentRequest | None:
        query = select(AssessmentRequest).where(AssessmentRequest.id == request_id)
        return (await self.session.execute(query.with_for_update())).scalar_one_or_none()

    async def by_reference(self, org_id: uuid.UUID, reference: str) -> AssessmentRequest | None:
        query = select(AssessmentRequest).where(
            AssessmentRequest.org_id == org_id, AssessmentRequest.caller_ref == reference
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_references(
        self, org_id: uuid.UUID, references: Sequence[str]
    ) -> dict[str, AssessmentRequest]:
        if not references:
            return {}
        query = select(AssessmentRequest).where(
            AssessmentRequest.org_id == org_id, AssessmentRequest.caller_ref.in_(references)
        )
        rows = (await self.session.execute(query)).scalars().all()
        return {r.caller_ref: r for r in rows if r.caller_ref is not None}

    def _filtered(
        self,
        principal: Principal,
        *,
        status: str | None = None,
        insurer_code: str | None = None,
        q: str | None = None,
        created_from: datetime | None = None,
        created_before: datetime | None = None,
        org_id: uuid.UUID | None = None,
    ) -> Select[tuple[AssessmentRequest]]:
        query = scoped(select(AssessmentRequest), AssessmentRequest.org_id, principal)
        if status:
            query = query.where(AssessmentRequest.status == status)
        if insurer_code:
            query = query.where(AssessmentRequest.insurer_code == insurer_code.upper())
        if org_id:
            query = query.where(AssessmentRequest.org_id == org_id)
        if q:
            term = q.strip().upper()
            query = query.where(
                or_(
                    AssessmentRequest.request_no.startswith(term),
                    AssessmentRequest.vin.startswith(term),
                    AssessmentRequest.plate_no.startswith(q.strip().upper()),
                )
            )
        if created_from:
            query = query.where(AssessmentRequest.created_at >= created_from)
        if created_before:
            query = query.where(AssessmentRequest.created_at < created_before)
        return query

    async def search(
        self, principal: Principal, *, offset: int, limit: int, **filters: object
    ) -> tuple[Sequence[AssessmentRequest], int]:
        base = self._filtered(principal, **filters)  # type: ignore[arg-type]
        total = (
            await self.session.execute(select(func.count()).select_from(base.subquery()))
        ).scalar_one()
        rows = (
            (
                await self.session.execute(
                    base.order_by(AssessmentRequest.created_at.desc(), AssessmentRequest.id.desc())
                    .offset(offset)
                    .limit(limit)
                )
            )
            .scalars()
            .all()
        )
        return rows, int(total)

    async def grades(
        self, principal: Principal, created_from: datetime
    ) -> Sequence[tuple[str, str, datetime, str | None]]:
        """(insurer code, insurer name, created at, latest grade) of the requests one may see."""
        query = scoped(
            select(
                AssessmentRequest.insurer_code,
                AssessmentRequest.insurer_name,
                AssessmentRequest.created_at,
                AssessmentRequest.latest_grade,
            ).where(AssessmentRequest.created_at >= created_from),
            AssessmentRequest.org_id,
            principal,
        )
        return [tuple(r) for r in (await self.session.execute(query)).all()]  # type: ignore[misc]
