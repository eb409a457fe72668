"""All SQL of the audit log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, insert, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from sso.audit.models import AuditEvent
from sso.db import UtcDateTime
from sso.organizations.models import Institution
from sso.organizations.repository import subtree_clause

#: Built once, on the table: no ORM bulk-insert path, no cache key per row.
_INSERT = insert(cast(Table, AuditEvent.__table__))


@dataclass(frozen=True)
class AuditFilter:
    #: None: everything (platform operators); else only events of institutions in the subtree.
    subtree: str | None = None
    actor: str | None = None
    actions: Sequence[str] = field(default_factory=tuple)
    target_type: str | None = None
    target_id: str | None = None
    institution_id: uuid.UUID | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    after: tuple[datetime, uuid.UUID] | None = None


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, event: AuditEvent) -> None:
        self.session.add(event)

    async def insert(self, values: dict[str, Any]) -> None:
        """One row written now with a plain INSERT: no ORM object, no flush (hot paths)."""
        await self.session.execute(_INSERT, values)

    def _query(self, f: AuditFilter) -> Select[Any]:
        query = select(AuditEvent)
        if f.subtree is not None:
            visible = select(Institution.id).where(subtree_clause(f.subtree))
            query = query.where(AuditEvent.institution_id.in_(visible))
        if f.actor is not None:
            query = query.where(AuditEvent.actor == f.actor)
        if f.actions:
            query = query.where(AuditEvent.action.in_(list(f.actions)))
        if f.target_type is not None:
            query = query.where(AuditEvent.target_type == f.target_type)
        if f.target_id is not None:
            query = query.where(AuditEvent.target_id == f.target_id)
        if f.institution_id is not None:
            query = query.where(AuditEvent.institution_id == f.institution_id)
        if f.since is not None:
            query = query.where(AuditEvent.occurred_at >= f.since)
        if f.until is not None:
            query = query.where(AuditEvent.occurred_at < f.until)
        if f.after is not None:
            at, ident = f.after
            query = query.where(
                tuple_(AuditEvent.occurred_at, AuditEvent.id)
                < tuple_(literal(at, UtcDateTime()), literal(ident, AuditEvent.id.type))
            )
        return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())

    async def page(self, f: AuditFilter, limit: int) -> Sequence[AuditEvent]:
        """`limit + 1` rows, newest first, so the caller knows whether more follow."""
        return (await self.session.execute(self._query(f).limit(limit + 1))).scalars().all()

    async def rows(self, f: AuditFilter, limit: int) -> Sequence[AuditEvent]:
        """Up to `limit` rows, newest first (the CSV export)."""
        return (await self.session.execute(self._query(f).limit(limit))).scalars().all()
