"""All SQL of proposals and policies."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance.policies.models import Policy, Proposal, ProposalLine, ProposalStep
from insurance.vehicles.models import Customer, Vehicle
from servicekit.auth import Principal, scoped


@dataclass(frozen=True)
class ProposalFilter:
    status: str | None = None
    proposal_no: str | None = None
    plate: str | None = None
    insurer_code: str | None = None
    source: str | None = None
    vehicle_id: uuid.UUID | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class PolicyFilter:
    policy_no: str | None = None
    plate: str | None = None
    line: str | None = None
    insurer_code: str | None = None
    vehicle_id: uuid.UUID | None = None
    limit: int = 50
    offset: int = 0


class PolicyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)

    async def flush(self) -> None:
        await self.session.flush()

    async def proposal(
        self, proposal_id: uuid.UUID, principal: Principal | None, *, lock: bool = False
    ) -> Proposal | None:
        query: Select[tuple[Proposal]] = select(Proposal).where(Proposal.id == proposal_id)
        if principal is not None:
            query = scoped(query, Proposal.org_id, principal)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def lines(self, proposal_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ProposalLine]]:
        out: dict[uuid.UUID, list[ProposalLine]] = {i: [] for i in proposal_ids}
        if proposal_ids:
            query = (
                select(ProposalLine)
                .where(ProposalLine.proposal_id.in_(set(proposal_ids)))
                .order_by(ProposalLine.line)
            )
            for line in (await self.session.execute(query)).scalars():
                out[line.proposal_id].append(line)
        return out

    async def steps(self, proposal_id: uuid.UUID) -> list[ProposalStep]:
        query = (
            select(ProposalStep)
            .where(ProposalStep.proposal_id == proposal_id)
            .order_by(ProposalStep.seq)
        )
        return list((await self.session.execute(query)).scalars())

    async def last_seq(self, proposal_id: uuid.UUID) -> int:
        query = select(func.max(ProposalStep.seq)).where(ProposalStep.proposal_id == proposal_id)
        return int((await self.session.execute(query)).scalar_one() or 0)

    async def search_proposals(
        self, principal: Principal, f: ProposalFilter
    ) -> tuple[list[Proposal], int]:
        query = scoped(select(Proposal), Proposal.org_id, principal)
        if f.status:
            query = query.where(Proposal.status == f.status)
        if f.proposal_no:
            query = query.where(Proposal.proposal_no == f.proposal_no.strip().upper())
        if f.insurer_code:
            query = query.where(Proposal.insurer_code == f.insurer_code)
        if f.source:
            query = query.where(Proposal.source == f.source)
        if f.vehicle_id:
            query = query.where(Proposal.vehicle_id == f.vehicle_id)
        if f.plate:
            plates = select(Vehicle.id).where(
                Vehicle.plate_no.contains(f.plate.upper(), autoescape=True)
            )
            query = query.where(Proposal.vehicle_id.in_(plates))
        total = await self.session.execute(select(func.count()).select_from(query.subquery()))
        rows = await self.session.execute(
            query.order_by(Proposal.created_at.desc(), Proposal.id.desc())
            .limit(f.limit)
            .offset(f.offset)
        )
        return list(rows.scalars()), int(total.scalar_one())

    async def policy(self, policy_id: uuid.UUID, principal: Principal) -> Policy | None:
        query = scoped(select(Policy).where(Policy.id == policy_id), Policy.org_id, principal)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def policy_by_no(self, insurer_code: str, policy_no: str) -> Policy | None:
        query = select(Policy).where(
            Policy.insurer_code == insurer_code, Policy.policy_no == policy_no
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def policies_by_ids(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Policy]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Policy).where(Policy.id.in_(set(ids))))
        return {p.id: p for p in rows.scalars()}

    async def latest_policy(
        self, vehicle_id: uuid.UUID, line: str, before_id: uuid.UUID | None = None
    ) -> Policy | None:
        """The vehicle's newest policy of this line (what a new one renews)."""
        query = select(Policy).where(Policy.vehicle_id == vehicle_id, Policy.line == line)
        if before_id is not None:
            query = query.where(Policy.id != before_id)
        query = query.order_by(Policy.ends_on.desc()).limit(1)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def search_policies(
        self, principal: Principal, f: PolicyFilter
    ) -> tuple[list[Policy], int]:
        query = scoped(select(Policy), Policy.org_id, principal)
        if f.policy_no:
            query = query.where(Policy.policy_no == f.policy_no.strip())
        if f.line:
            query = query.where(Policy.line == f.line)
        if f.insurer_code:
            query = query.where(Policy.insurer_code == f.insurer_code)
        if f.vehicle_id:
            query = query.where(Policy.vehicle_id == f.vehicle_id)
        if f.plate:
            plates = select(Vehicle.id).where(
                Vehicle.plate_no.contains(f.plate.upper(), autoescape=True)
            )
            query = query.where(Policy.vehicle_id.in_(plates))
        total = await self.session.execute(select(func.count()).select_from(query.subquery()))
        rows = await self.session.execute(
            query.order_by(Policy.issued_at.desc(), Policy.id.desc())
            .limit(f.limit)
            .offset(f.offset)
        )
        return list(rows.scalars()), int(total.scalar_one())

    async def proposals_by_ids(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Proposal]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Proposal).where(Proposal.id.in_(set(ids))))
        return {p.id: p for p in rows.scalars()}

    async def customers(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Customer]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Customer).where(Customer.id.in_(set(ids))))
        return {c.id: c for c in rows.scalars()}

    async def vehicles(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Vehicle]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Vehicle).where(Vehicle.id.in_(set(ids))))
        return {v.id: v for v in rows.scalars()}
