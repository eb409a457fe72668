"""Recording and reading the audit log."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sso.actors import Actor
from sso.audit.models import AuditEvent
from sso.audit.repository import AuditFilter, AuditRepository
from sso.audit.schemas import AuditEventRead, AuditPage, AuditQuery
from sso.db import utcnow
from sso.paging import decode_cursor, encode_cursor

#: The CSV export's bound; narrow the filters (e.g. the time range) for more.
EXPORT_MAX_ROWS = 50_000
EXPORT_HEADER = (
    "occurred_at",
    "actor",
    "actor_institution_id",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "institution_id",
    "detail",
    "request_id",
    "before",
    "after",
)


class AuditService:
    def __init__(self, repository: AuditRepository) -> None:
        self.repo = repository

    def record(
        self,
        actor: Actor,
        action: str,
        *,
        target_type: str,
        target_id: str | uuid.UUID,
        label: str | None = None,
        institution_id: uuid.UUID | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        detail: str | None = None,
    ) -> None:
        """Written in the caller's transaction: the change and its record commit together."""
        self.repo.add(
            AuditEvent(
                **audit_row(actor, action, target_type, target_id, label, institution_id, before,
                            after, detail)
            )
        )  # fmt: skip

    async def insert_row(self, row: dict[str, Any]) -> None:
        """An `audit_row(...)` inserted at once with a plain INSERT, no ORM object or flush:
        for the token endpoint, where an ORM object and its flush were a noticeable share of a
        grant. Same transaction, same row as `record`."""
        await self.repo.insert(row)

    @staticmethod
    def _filter(query: AuditQuery, actor: Actor) -> AuditFilter:
        return AuditFilter(
            subtree=actor.subtree,
            actor=query.actor,
            actions=query.action,
            target_type=query.target_type,
            target_id=query.target_id,
            institution_id=query.institution_id,
            since=query.since,
            until=query.until,
            after=decode_cursor(query.cursor),
        )

    async def search(self, query: AuditQuery, actor: Actor) -> AuditPage:
        rows = await self.repo.page(self._filter(query, actor), query.limit)
        page = rows[: query.limit]
        more = len(rows) > query.limit
        return AuditPage(
            items=[AuditEventRead.model_validate(e) for e in page],
            next_cursor=encode_cursor(page[-1].occurred_at, page[-1].id) if more else None,
        )

    async def export_rows(self, query: AuditQuery, actor: Actor) -> list[Sequence[Any]]:
        events = await self.repo.rows(self._filter(query, actor), EXPORT_MAX_ROWS)
        return [
            (
                e.occurred_at.isoformat(),
                e.actor,
                e.actor_institution_id,
                e.action,
                e.target_type,
                e.target_id,
                e.target_label,
                e.institution_id,
                e.detail,
                e.request_id,
                _json(e.before),
                _json(e.after),
            )
            for e in events
        ]


def _json(value: dict[str, Any] | None) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def audit_row(
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str | uuid.UUID,
    label: str | None = None,
    institution_id: uuid.UUID | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
) -> dict[str, Any]:
    """An audit row's columns (for `record`, `insert_row`, or a statement that writes it
    together with the change it records)."""
    return {
        "id": uuid.uuid4(),
        "occurred_at": utcnow(),
        "actor": actor.subject[:120],
        "actor_institution_id": actor.institution_id,
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id),
        "target_label": label[:200] if label else None,
        "institution_id": institution_id,
        "before": before,
        "after": after,
        "detail": detail[:500] if detail else None,
        "request_id": actor.request_id,
    }
