"""All SQL of the coupon module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal, scoped
from servicekit.db import insert_rows
from valueadd.coupons.models import (
    Coupon,
    CouponBatch,
    CouponProduct,
    CouponStatus,
    CouponStatusChange,
    IssueRule,
)


class CouponRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    # products
    async def product(self, product_id: uuid.UUID) -> CouponProduct | None:
        return await self.session.get(CouponProduct, product_id)

    async def product_by_code(self, code: str) -> CouponProduct | None:
        return await self.session.scalar(select(CouponProduct).where(CouponProduct.code == code))

    async def products(self, principal: Principal) -> Sequence[CouponProduct]:
        query = scoped(select(CouponProduct), CouponProduct.owner_org_id, principal)
        return (await self.session.scalars(query.order_by(CouponProduct.code))).all()

    async def products_by_id(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, CouponProduct]:
        if not ids:
            return {}
        rows = await self.session.scalars(select(CouponProduct).where(CouponProduct.id.in_(ids)))
        return {p.id: p for p in rows}

    # rules
    async def rule_exists(self, rule: IssueRule) -> bool:
        found = await self.session.scalar(
            select(IssueRule.id).where(
                IssueRule.insurer_code == rule.insurer_code,
                IssueRule.line == rule.line,
                IssueRule.insurance_product_code == rule.insurance_product_code,
                IssueRule.product_id == rule.product_id,
            )
        )
        return found is not None

    async def rules(self, principal: Principal) -> Sequence[IssueRule]:
        query = scoped(select(IssueRule), IssueRule.billed_org_id, principal)
        return (await self.session.scalars(query.order_by(IssueRule.insurer_code))).all()

    async def matching_rules(
        self, insurer_code: str, line: str, insurance_product_code: str
    ) -> Sequence[IssueRule]:
        query = select(IssueRule).where(
            IssueRule.active.is_(True),
            IssueRule.insurer_code == insurer_code,
            IssueRule.line == line,
            IssueRule.insurance_product_code.in_(["", insurance_product_code]),
        )
        return (await self.session.scalars(query.order_by(IssueRule.id))).all()

    # batches
    async def batch(self, batch_id: uuid.UUID, principal: Principal) -> CouponBatch | None:
        query = scoped(
            select(CouponBatch).where(CouponBatch.id == batch_id),
            CouponBatch.owner_org_id,
            principal,
        )
        return (await self.session.scalars(query)).one_or_none()

    async def batch_by_source(self, source_ref: str) -> CouponBatch | None:
        return await self.session.scalar(
            select(CouponBatch).where(CouponBatch.source_ref == source_ref)
        )

    async def batches(self, principal: Principal, limit: int = 200) -> Sequence[CouponBatch]:
        query = scoped(select(CouponBatch), CouponBatch.owner_org_id, principal)
        query = query.order_by(CouponBatch.created_at.desc(), CouponBatch.id.desc()).limit(limit)
        return (await self.session.scalars(query)).all()

    async def take_from_batch(self, batch_id: uuid.UUID, count: int) -> int | None:
        """Count more coupons out of the batch, atomically: None when that would exceed its
        quantity (the row lock makes concurrent takers re-check against each other's counts)."""
        statement = (
            update(CouponBatch)
            .where(
                CouponBatch.id == batch_id, CouponBatch.issued_count + count <= CouponBatch.quantity
            )
            .values(issued_count=CouponBatch.issued_count + count)
            .returning(CouponBatch.issued_count)
        )
        value = (await self.session.execute(statement)).scalar_one_or_none()
        return None if value is None else int(value)

    async def issued_count(self, batch_id: uuid.UUID) -> int:
        value = await self.session.scalar(
            select(CouponBatch.issued_count).where(CouponBatch.id == batch_id)
        )
        return int(value or 0)

    async def insert_coupons(
        self, coupons: list[dict[str, Any]], trail: list[dict[str, Any]]
    ) -> None:
        for start in range(0, len(coupons), 5_000):
            await insert_rows(self.session, Coupon.__table__, coupons[start : start + 5_000])  # type: ignore[arg-type]
        for start in range(0, len(trail), 5_000):
            await insert_rows(
                self.session, CouponStatusChange.__table__, trail[start : start + 5_000]
            )  # type: ignore[arg-type]

    # coupons
    async def coupon_by_code(self, code: str) -> Coupon | None:
        return await self.session.scalar(select(Coupon).where(Coupon.code == code))

    async def search_coupons(
        self,
        principal: Principal,
        *,
        code: str | None,
        holder: str | None,
        policy_no: str | None,
        batch_id: uuid.UUID | None,
        status: CouponStatus | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Coupon], int]:
        query = scoped(select(Coupon), Coupon.owner_org_id, principal)
        if code:
            query = query.where(Coupon.code == code)
        if holder:
            query = query.where(
                or_(
                    Coupon.holder_ref == holder,
                    Coupon.plate_no == holder,
                    Coupon.holder_name == holder,
                )
            )
        if policy_no:
            query = query.where(Coupon.policy_no == policy_no)
        if batch_id:
            query = query.where(Coupon.batch_id == batch_id)
        if status:
            query = query.where(Coupon.status == status.value)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        page = query.order_by(Coupon.issued_at.desc(), Coupon.id.desc()).limit(limit).offset(offset)
        return (await self.session.scalars(page)).all(), int(total or 0)

    async def batches_by_id(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, CouponBatch]:
        if not ids:
            return {}
        rows = await self.session.scalars(select(CouponBatch).where(CouponBatch.id.in_(ids)))
        return {b.id: b for b in rows}

    async def trail(self, coupon_id: uuid.UUID) -> Sequence[CouponStatusChange]:
        query = select(CouponStatusChange).where(CouponStatusChange.coupon_id == coupon_id)
        return (await self.session.scalars(query.order_by(CouponStatusChange.id))).all()

    async def move(
        self,
        coupon_ids: Sequence[uuid.UUID],
        source: CouponStatus,
        target: CouponStatus,
        at: datetime,
        **values: Any,
    ) -> list[uuid.UUID]:
        """Conditional: only the coupons still in `source` move; returns those that did."""
        if not coupon_ids:
            return []
        statement = (
            update(Coupon)
            .where(Coupon.id.in_(list(coupon_ids)), Coupon.status == source.value)
            .values(status=target.value, updated_at=at, **values)
            .returning(Coupon.id)
        )
        return list((await self.session.execute(statement)).scalars())

    async def due_to_expire(self, today: date, limit: int) -> list[uuid.UUID]:
        query = select(Coupon.id).where(
            Coupon.status == CouponStatus.issued.value, Coupon.valid_to < today
        )
        return list((await self.session.scalars(query.limit(limit))).all())

    async def add_trail(self, rows: list[dict[str, Any]]) -> None:
        await insert_rows(self.session, CouponStatusChange.__table__, rows)  # type: ignore[arg-type]
