"""Wiring of the services for a unit of work (a request, a handled batch, the demo loader)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from insurance.deals.service import DealService
from insurance.policies.repository import PolicyRepository
from insurance.policies.service import PolicyService
from insurance.pushes.repository import PushRepository
from insurance.pushes.service import PushService
from servicekit.clock import Clock
from servicekit.messaging import Outbox


@dataclass(frozen=True)
class Services:
    policies: PolicyService
    pushes: PushService


def services(session: AsyncSession, outbox: Outbox, clock: Clock) -> Services:
    policies = PolicyService(PolicyRepository(session), outbox, clock)
    pushes = PushService(PushRepository(session), policies)
    # A policy stored for a vehicle line closes that line's open pushes elsewhere.
    policies.hooks.append(pushes.on_policy)
    # …and one issued from a push, with a rate card, is a deal asking for its order.
    policies.hooks.append(DealService(session, outbox, clock).on_policy)
    return Services(policies, pushes)


def policy_service(session: AsyncSession, outbox: Outbox, clock: Clock) -> PolicyService:
    return services(session, outbox, clock).policies
