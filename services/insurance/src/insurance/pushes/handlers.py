"""sso.entitlement.changed → whether an institution may receive pushes (holds insurance)."""

from __future__ import annotations

from typing import Any

from insurance.composition import services
from servicekit.clock import utc_now
from servicekit.messaging import HandlerContext
from shared_schemas import EntitlementChangedV1, Entry


async def on_entitlement_changed(envelope: Any, context: HandlerContext) -> None:
    payload: EntitlementChangedV1 = envelope.payload
    pushes = services(context.session, context.outbox, utc_now).pushes
    await pushes.record_entitlement(
        payload.org_id,
        payload.entitlement_version,
        Entry.insurance in payload.entries,
        "sso",
    )
