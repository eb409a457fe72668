"""Wiring of the services for a unit of work (a request, a handled batch, the demo loader)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from insurance.policies.repository import PolicyRepository
from insurance.policies.service import PolicyService
from servicekit.clock import Clock
from servicekit.messaging import Outbox


def policy_service(session: AsyncSession, outbox: Outbox, clock: Clock) -> PolicyService:
    return PolicyService(PolicyRepository(session), outbox, clock)
