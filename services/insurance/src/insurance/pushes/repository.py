"""All SQL of push rules, receivers, tasks, records and the funnel."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance.policies.models import Policy, Proposal, ProposalStep
from insurance.pushes.models import PushReceiver, PushRecord, PushRule, PushTask
from insurance.vehicles.models import Vehicle
from servicekit.auth import Principal, scoped


class PushRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)

    async def flush(self) -> None:
        await self.session.flush()

    # -- receivers and rules ------------------------------------------------------------------

    async def receiver(self, org_id: uuid.UUID) -> PushReceiver | None:
        return await self.session.get(PushReceiver, org_id)

    async def receivers(
        self, ids: Sequence[uuid.UUID] | None = None
    ) -> dict[uuid.UUID, PushReceiver]:
        query = select(PushReceiver)
        if ids is not None:
            query = query.where(PushReceiver.org_id.in_(set(ids)))
        return {r.org_id: r for r in (await self.session.execute(query)).scalars()}

    async def rule_versions(self, rule_code: str) -> list[PushRule]:
        query = select(PushRule).where(PushRule.rule_code == rule_code).order_by(PushRule.version)
        return list((await self.session.execute(query)).scalars())

    async def rules_in_force(self) -> list[PushRule]:
        """The newest version of every rule code."""
        newest = (
            select(PushRule.rule_code, func.max(PushRule.version).label("v"))
            .group_by(PushRule.rule_code)
            .subquery()
        )
        query = select(PushRule).join(
            newest, (PushRule.rule_code == newest.c.rule_code) & (PushRule.version == newest.c.v)
        )
        return list((await self.session.execute(query.order_by(PushRule.rule_code))).scalars())

    # -- selection ----------------------------------------------------------------------------

    async def expiring(self, column: str, lo: date, hi: date) -> list[Vehicle]:
        expiry = getattr(Vehicle, column)
        query = select(Vehicle).where(expiry.between(lo, hi)).order_by(Vehicle.id)
        return list((await self.session.execute(query)).scalars())

    async def existing_keys(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            query = select(PushRecord.idempotency_key).where(
                PushRecord.idempotency_key.in_(keys[start : start + 500])
            )
            found |= set((await self.session.execute(query)).scalars())
        return found

    async def last_insurers(
        self, vehicle_ids: Sequence[uuid.UUID], line: str
    ) -> dict[uuid.UUID, str]:
        """The insurer of each vehicle's newest policy of this line (what a rule may match)."""
        out: dict[uuid.UUID, tuple[date, str]] = {}
        for start in range(0, len(vehicle_ids), 500):
            query = select(Policy.vehicle_id, Policy.ends_on, Policy.insurer_code).where(
                Policy.vehicle_id.in_(vehicle_ids[start : start + 500]), Policy.line == line
            )
            for vehicle_id, ends_on, insurer in await self.session.execute(query):
                if vehicle_id not in out or ends_on > out[vehicle_id][0]:
                    out[vehicle_id] = (ends_on, insurer)
        return {v: insurer for v, (_, insurer) in out.items()}

    async def open_pushes(self, vehicle_id: uuid.UUID, line: str) -> list[Proposal]:
        """Pushed proposals of this vehicle line still open (待报价, 已报价, 核保中)."""
        query = (
            select(Proposal)
            .join(PushRecord, PushRecord.proposal_id == Proposal.id)
            .where(
                PushRecord.vehicle_id == vehicle_id,
                PushRecord.line == line,
                Proposal.status.in_(["awaiting_quote", "quoted", "underwriting"]),
            )
            .with_for_update()
        )
        return list((await self.session.execute(query)).unique().scalars())

    # -- tasks and records --------------------------------------------------------------------

    async def tasks(self, limit: int, offset: int) -> tuple[list[PushTask], int]:
        total = await self.session.execute(select(func.count()).select_from(PushTask))
        rows = await self.session.execute(
            select(PushTask).order_by(PushTask.started_at.desc()).limit(limit).offset(offset)
        )
        return list(rows.scalars()), int(total.scalar_one())

    async def scheduled_task(self, as_of: date) -> PushTask | None:
        query = select(PushTask).where(PushTask.trigger == "scheduled", PushTask.as_of == as_of)
        return (await self.session.execute(query.limit(1))).scalar_one_or_none()

    async def pushes(
        self,
        principal: Principal,
        *,
        plate: str | None,
        task_no: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[tuple[PushRecord, Proposal, Vehicle, PushTask]], int]:
        query: Any = scoped(
            select(PushRecord, Proposal, Vehicle, PushTask)
            .join(Proposal, Proposal.id == PushRecord.proposal_id)
            .join(Vehicle, Vehicle.id == PushRecord.vehicle_id)
            .join(PushTask, PushTask.id == PushRecord.task_id),
            PushRecord.receiver_org_id,
            principal,
        )
        if plate:
            query = query.where(Vehicle.plate_no.contains(plate.upper(), autoescape=True))
        if task_no:
            query = query.where(PushTask.task_no == task_no)
        if status:
            query = query.where(Proposal.status == status)
        total = await self.session.execute(select(func.count()).select_from(query.subquery()))
        rows = await self.session.execute(
            query.order_by(PushRecord.pushed_at.desc(), PushRecord.id).limit(limit).offset(offset)
        )
        return [tuple(r) for r in rows], int(total.scalar_one())  # type: ignore[misc]

    async def funnel_facts(
        self, principal: Principal, pushed_from: datetime | None, pushed_to: datetime | None
    ) -> list[dict[str, Any]]:
        """Per pushed proposal: its push's dimensions and what its recorded steps reached."""
        reached = (
            select(
                ProposalStep.proposal_id.label("pid"),
                func.max(_flag(ProposalStep.to_status == "quoted")).label("quoted"),
                func.max(_flag(ProposalStep.to_status == "issued")).label("issued"),
                func.max(_flag(ProposalStep.to_status == "unconverted")).label("unconverted"),
                func.max(ProposalStep.reason).label("reason"),
            )
            .group_by(ProposalStep.proposal_id)
            .subquery()
        )
        # One row per proposal: a proposal carrying both lines counts once, as its first line.
        first = (
            select(PushRecord.proposal_id, func.min(PushRecord.idempotency_key).label("rid"))
            .group_by(PushRecord.proposal_id)
            .subquery()
        )
        query: Any = (
            select(
                PushRecord.receiver_org_id,
                PushRecord.region_code,
                PushRecord.insurer_code,
                PushRecord.rule_code,
                PushRecord.pushed_at,
                reached.c.quoted,
                reached.c.issued,
                reached.c.unconverted,
                reached.c.reason,
            )
            .join(first, first.c.rid == PushRecord.idempotency_key)
            .join(reached, reached.c.pid == PushRecord.proposal_id)
        )
        query = scoped(query, PushRecord.receiver_org_id, principal)
        if pushed_from:
            query = query.where(PushRecord.pushed_at >= pushed_from)
        if pushed_to:
            query = query.where(PushRecord.pushed_at < pushed_to)
        return [dict(r._mapping) for r in await self.session.execute(query)]


def _flag(condition: Any) -> Any:
    return case((condition, 1), else_=0)
