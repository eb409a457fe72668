"""Audit events: append-only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from sso.db import Base, JsonDocument, UtcDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        # The list is keyset-ordered by (occurred_at, id) descending; each filter leads an index.
        Index("ix_audit_events_occurred_at_id", "occurred_at", "id"),
        Index("ix_audit_events_actor_occurred_at", "actor", "occurred_at"),
        Index("ix_audit_events_action_occurred_at", "action", "occurred_at"),
        Index("ix_audit_events_target", "target_type", "target_id"),
        Index("ix_audit_events_institution_id_occurred_at", "institution_id", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: The user id (token subject) or a system name (`cli`, `demo-data`, `sso`).
    actor: Mapped[str] = mapped_column(String(120))
    actor_institution_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    #: `<target type>.<what happened>`, e.g. `user.locked`, `entitlement.changed`.
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(120))
    #: A human-readable name of the target (username, institution code) as it was then.
    target_label: Mapped[str | None] = mapped_column(String(200))
    #: The institution the target belongs to: institution admins see their subtree's events;
    #: events without one (packages, clients, the catalogue) only platform operators see.
    institution_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    detail: Mapped[str | None] = mapped_column(String(500))
    request_id: Mapped[str | None] = mapped_column(String(64))
