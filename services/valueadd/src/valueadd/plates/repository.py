"""All SQL of the move-car plates module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal, org_scope_clause, scoped
from valueadd.plates.models import Plate, PlateBatch, PlatePurchase, PlateStatusChange


def _plate_scope(principal: Principal) -> ColumnElement[bool] | None:
    """A plate is seen by the institution that made it and by the insurer that bought it."""
    own = org_scope_clause(Plate.org_id, principal)
    if own is None:
        return None
    bought = org_scope_clause(Plate.insurer_org_id, principal)
    assert bought is not None
    return or_(own, bought)


class PlateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    def add_all(self, rows: Sequence[object]) -> None:
        self.session.add_all(rows)

    async def flush(self) -> None:
        await self.session.flush()

    async def batches(self, principal: Principal) -> Sequence[PlateBatch]:
        q = scoped(select(PlateBatch), PlateBatch.org_id, principal)
        return (await self.session.scalars(q.order_by(PlateBatch.batch_no.desc()))).all()

    async def batch(self, batch_no: str, principal: Principal) -> PlateBatch | None:
        q = scoped(select(PlateBatch), PlateBatch.org_id, principal)
        return await self.session.scalar(q.where(PlateBatch.batch_no == batch_no))

    async def batch_counts(self, batch_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
        if not batch_ids:
            return {}
        q = (
            select(Plate.batch_id, Plate.status, func.count())
            .where(Plate.batch_id.in_(batch_ids))
            .group_by(Plate.batch_id, Plate.status)
        )
        out: dict[uuid.UUID, dict[str, int]] = {}
        for batch_id, status, n in (await self.session.execute(q)).all():
            out.setdefault(batch_id, {})[status] = int(n)
        return out

    async def batch_nos(self, batch_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not batch_ids:
            return {}
        q = select(PlateBatch.id, PlateBatch.batch_no).where(PlateBatch.id.in_(set(batch_ids)))
        return {i: no for i, no in (await self.session.execute(q)).all()}

    async def purchase_nos(self, ids: Sequence[uuid.UUID | None]) -> dict[uuid.UUID, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        q = select(PlatePurchase.id, PlatePurchase.purchase_no).where(PlatePurchase.id.in_(wanted))
        return {i: no for i, no in (await self.session.execute(q)).all()}

    async def plates_by_no(
        self, plate_nos: Sequence[str], principal: Principal, *, lock: bool = False
    ) -> dict[str, Plate]:
        q = select(Plate).where(Plate.plate_no.in_(plate_nos))
        clause = _plate_scope(principal)
        if clause is not None:
            q = q.where(clause)
        if lock:
            q = q.with_for_update()
        return {p.plate_no: p for p in (await self.session.scalars(q)).all()}

    async def by_token(self, token: str) -> Plate | None:
        """The public scan's lookup: by the QR token alone, no principal."""
        return await self.session.scalar(select(Plate).where(Plate.qr_token == token))

    async def plate(self, plate_no: str, principal: Principal) -> Plate | None:
        return (await self.plates_by_no([plate_no], principal)).get(plate_no)

    async def move(
        self, plate_ids: Sequence[uuid.UUID], sources: Sequence[str], target: str,
        **values: Any,
    ) -> int:  # fmt: skip
        """The guard: only plates still in a state the table allows `target` from move."""
        q = (
            update(Plate)
            .where(Plate.id.in_(plate_ids), Plate.status.in_(sources))
            .values(status=target, **values)
        )
        return int((await self.session.execute(q)).rowcount)  # type: ignore[attr-defined]

    async def refresh(self, row: object) -> None:
        await self.session.refresh(row)

    async def steps(self, plate_id: uuid.UUID) -> Sequence[PlateStatusChange]:
        q = (
            select(PlateStatusChange)
            .where(PlateStatusChange.plate_id == plate_id)
            .order_by(PlateStatusChange.id)
        )
        return (await self.session.scalars(q)).all()

    async def plates(
        self, principal: Principal, *, status: str | None, batch_no: str | None,
        plate_no: str | None, promoter: str | None, insurer_org_id: uuid.UUID | None,
        limit: int, offset: int,
    ) -> tuple[Sequence[Plate], int]:  # fmt: skip
        q = select(Plate)
        clause = _plate_scope(principal)
        if clause is not None:
            q = q.where(clause)
        if status:
            q = q.where(Plate.status == status)
        if batch_no:
            q = q.join(PlateBatch, PlateBatch.id == Plate.batch_id).where(
                PlateBatch.batch_no == batch_no
            )
        if plate_no:
            q = q.where(Plate.plate_no == plate_no)
        if promoter:
            q = q.where(Plate.promoter_subject == promoter)
        if insurer_org_id:
            q = q.where(Plate.insurer_org_id == insurer_org_id)
        total = await self.session.scalar(select(func.count()).select_from(q.subquery()))
        rows = await self.session.scalars(q.order_by(Plate.plate_no).limit(limit).offset(offset))
        return rows.all(), int(total or 0)

    async def purchases(self, principal: Principal) -> Sequence[PlatePurchase]:
        q = select(PlatePurchase)
        own = org_scope_clause(PlatePurchase.org_id, principal)
        if own is not None:
            bought = org_scope_clause(PlatePurchase.insurer_org_id, principal)
            assert bought is not None
            q = q.where(or_(own, bought))
        return (await self.session.scalars(q.order_by(PlatePurchase.purchase_no.desc()))).all()

    async def plate_nos_of_purchases(
        self, purchase_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[str]]:
        if not purchase_ids:
            return {}
        q = (
            select(Plate.purchase_id, Plate.plate_no)
            .where(Plate.purchase_id.in_(purchase_ids))
            .order_by(Plate.plate_no)
        )
        out: dict[uuid.UUID, list[str]] = {}
        for pid, no in (await self.session.execute(q)).all():
            out.setdefault(pid, []).append(no)
        return out
