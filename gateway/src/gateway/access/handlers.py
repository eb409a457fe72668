"""Event handlers of the access module (listed in gateway.subscriptions)."""

from __future__ import annotations

from typing import Any

from gateway.access.repository import EntitlementVersionRepository
from gateway.db import utcnow
from servicekit.messaging import HandlerContext


async def on_entitlement_changed(event: Any, ctx: HandlerContext) -> None:
    """sso.entitlement.changed: record the version; replicas poll it and drop stale access."""
    changed = event.payload
    await EntitlementVersionRepository(ctx.session).record(
        changed.org_id,
        changed.entitlement_version,
        ",".join(str(e) for e in changed.entries),
        changed.changed_by,
        utcnow(),
    )
