"""All SQL of call records and rate cards."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal, org_scope_clause
from valueadd.calls.models import CallRecord, RateCard
from valueadd.plates.models import Plate, PrivacyBinding


def _either(own_col: Any, insurer_col: Any, principal: Principal) -> ColumnElement[bool] | None:
    own = org_scope_clause(own_col, principal)
    if own is None:
        return None
    bought = org_scope_clause(insurer_col, principal)
    assert bought is not None
    return or_(own, bought)


class CallRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def binding(self, provider: str, binding_id: str) -> tuple[PrivacyBinding, Plate] | None:
        q = (
            select(PrivacyBinding, Plate)
            .join(Plate, Plate.id == PrivacyBinding.plate_id)
            .where(PrivacyBinding.provider == provider, PrivacyBinding.binding_id == binding_id)
        )
        row = (await self.session.execute(q)).first()
        return (row[0], row[1]) if row else None

    async def binding_of(self, virtual_number: str, caller_number: str) -> str:
        """The latest binding of a caller on a virtual number (the demo's pushes)."""
        q = (
            select(PrivacyBinding.binding_id)
            .where(
                PrivacyBinding.virtual_number == virtual_number,
                PrivacyBinding.caller_number == caller_number,
            )
            .order_by(PrivacyBinding.created_at.desc())
            .limit(1)
        )
        return str(await self.session.scalar(q))

    async def card_in_force(
        self, org_id: uuid.UUID, insurer_org_id: uuid.UUID | None, day: date
    ) -> RateCard | None:
        if insurer_org_id is None:
            return None
        q = (
            select(RateCard)
            .where(
                RateCard.org_id == org_id,
                RateCard.insurer_org_id == insurer_org_id,
                RateCard.effective_from <= day,
            )
            .order_by(RateCard.effective_from.desc(), RateCard.version.desc())
            .limit(1)
        )
        return await self.session.scalar(q)

    async def last_version(self, org_id: uuid.UUID, insurer_org_id: uuid.UUID) -> int:
        q = select(func.max(RateCard.version)).where(
            RateCard.org_id == org_id, RateCard.insurer_org_id == insurer_org_id
        )
        return int(await self.session.scalar(q) or 0)

    async def cards(
        self, principal: Principal, insurer_org_id: uuid.UUID | None
    ) -> Sequence[RateCard]:
        q = select(RateCard)
        clause = _either(RateCard.org_id, RateCard.insurer_org_id, principal)
        if clause is not None:
            q = q.where(clause)
        if insurer_org_id:
            q = q.where(RateCard.insurer_org_id == insurer_org_id)
        return (
            await self.session.scalars(q.order_by(RateCard.insurer_org_id, RateCard.version))
        ).all()

    async def insert_once(self, values: dict[str, Any]) -> bool:
        """The record once per (provider, session id): a re-sent record inserts nothing, even
        when copies arrive at the same moment (the unique key decides, not a prior read)."""
        dialect = (await self.session.connection()).dialect.name
        make = pg_insert if dialect == "postgresql" else sqlite_insert
        q = (
            make(CallRecord)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["provider", "session_id"])
        )
        return int((await self.session.execute(q)).rowcount) == 1  # type: ignore[attr-defined]

    async def record(self, provider: str, session_id: str) -> CallRecord | None:
        q = select(CallRecord).where(
            CallRecord.provider == provider, CallRecord.session_id == session_id
        )
        return await self.session.scalar(q)

    async def calls(
        self, principal: Principal, *, plate_no: str | None, insurer_org_id: uuid.UUID | None,
        since: datetime | None, until: datetime | None, limit: int, offset: int,
    ) -> tuple[Sequence[tuple[CallRecord, str, int | None]], int, int, int]:  # fmt: skip
        q = select(CallRecord).join(Plate, Plate.id == CallRecord.plate_id)
        clause = _either(CallRecord.org_id, CallRecord.insurer_org_id, principal)
        if clause is not None:
            q = q.where(clause)
        if plate_no:
            q = q.where(Plate.plate_no == plate_no)
        if insurer_org_id:
            q = q.where(CallRecord.insurer_org_id == insurer_org_id)
        if since:
            q = q.where(CallRecord.started_at >= since)
        if until:
            q = q.where(CallRecord.started_at < until)
        sub = q.subquery()
        total, seconds, fee = (
            await self.session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(sub.c.billable_seconds), 0),
                    func.coalesce(func.sum(sub.c.fee_fen), 0),
                )
            )
        ).one()
        rows = await self.session.execute(
            q.add_columns(Plate.plate_no, RateCard.version)
            .outerjoin(RateCard, RateCard.id == CallRecord.rate_card_id)
            .order_by(CallRecord.started_at.desc(), CallRecord.session_id)
            .limit(limit)
            .offset(offset)
        )
        return [(r[0], r[1], r[2]) for r in rows.all()], int(total), int(seconds), int(fee)
