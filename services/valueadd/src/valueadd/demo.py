"""Demo data for `make run` (idempotent; through the modules' own services): one loader per module."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.messaging import Outbox
from servicekit.settings import ServiceSettings
from valueadd.coupons.demo import load_coupon_demo
from valueadd.mall.demo import load_mall_demo
from valueadd.plates.demo import load_plate_demo

Loader = Callable[[AsyncSession, Outbox, ServiceSettings], Awaitable[None]]

#: Each module's demo loader, in order (later ones may use what earlier ones made).
LOADERS: list[Loader] = [
    load_coupon_demo,
    load_mall_demo,
    load_plate_demo,
]


async def load_demo_data(session: AsyncSession, outbox: Outbox, settings: ServiceSettings) -> None:
    for loader in LOADERS:
        await loader(session, outbox, settings)
