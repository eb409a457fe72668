"""All SQL of the catalogue module."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from sso.catalogue.models import CatalogueSource, Entry, Function

#: Any constant: PostgreSQL transaction-level advisory lock serialising catalogue syncs.
_SYNC_LOCK_KEY = 0x550_CA7A


class CatalogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_for_sync(self) -> None:
        """Replicas starting together sync one after another (PostgreSQL; SQLite serialises
        writers itself)."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SYNC_LOCK_KEY}
            )

    async def source(self, source: str) -> CatalogueSource | None:
        return await self.session.get(CatalogueSource, source, populate_existing=True)

    async def sources(self) -> Sequence[CatalogueSource]:
        query = select(CatalogueSource).order_by(CatalogueSource.source)
        return (await self.session.execute(query)).scalars().all()

    async def entries(self) -> Sequence[Entry]:
        query = select(Entry).order_by(Entry.sort_order, Entry.code)
        return (await self.session.execute(query)).scalars().all()

    async def functions(self, *, include_retired: bool = False) -> Sequence[Function]:
        query = select(Function).order_by(Function.entry_code, Function.sort_order, Function.code)
        if not include_retired:
            query = query.where(Function.retired_at.is_(None))
        return (await self.session.execute(query)).scalars().all()

    def add(self, row: Entry | Function | CatalogueSource) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
