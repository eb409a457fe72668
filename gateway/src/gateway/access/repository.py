"""All SQL of the entitlement versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.access.models import EntitlementVersion


class EntitlementVersionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self, org_id: uuid.UUID, version: int, entries: str, changed_by: str, now: datetime
    ) -> bool:
        """Keep the highest version; False when an equal or newer one is already recorded
        (events can arrive again or out of order)."""
        row = await self.session.get(EntitlementVersion, org_id, with_for_update=True)
        if row is None:
            self.session.add(EntitlementVersion(
                org_id=org_id, version=version, entries=entries, changed_by=changed_by,
                recorded_at=now,
            ))  # fmt: skip
            return True
        if row.version >= version:
            return False
        row.version, row.entries, row.changed_by, row.recorded_at = (
            version,
            entries,
            changed_by,
            now,
        )
        return True

    async def changed_since(self, since: datetime) -> Sequence[tuple[uuid.UUID, int]]:
        query = select(EntitlementVersion.org_id, EntitlementVersion.version).where(
            EntitlementVersion.recorded_at >= since
        )
        return [(org, version) for org, version in (await self.session.execute(query)).all()]
