"""Coupon products, issue rules, batches (保司发券 / 自主发券) and the coupons themselves."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.db import serialize_writers
from servicekit.errors import Forbidden
from shared_schemas import uuid7
from valueadd.common.money import from_fen, to_fen
from valueadd.common.numbers import next_number
from valueadd.common.types import business_day
from valueadd.coupons import codes
from valueadd.coupons.errors import (
    BatchNotFound,
    BatchQuantityExceeded,
    CouponNotFound,
    CouponNotVoidable,
    ProductCodeTaken,
    ProductMissing,
    ProductNotFound,
    RuleExists,
)
from valueadd.coupons.models import (
    BatchKind,
    Coupon,
    CouponBatch,
    CouponProduct,
    CouponStatus,
    InsuranceLine,
    IssueRule,
    ServiceKind,
    ValidityKind,
    may_move,
    trail_row,
)
from valueadd.coupons.repository import CouponRepository
from valueadd.coupons.schemas import (
    BatchCreate,
    BatchIssue,
    BatchRead,
    CouponPage,
    CouponRead,
    CouponStep,
    Holder,
    PolicyFacts,
    ProductCreate,
    ProductRead,
    RuleCreate,
    RuleRead,
    VoidRequest,
)


class CouponService:
    def __init__(self, repo: CouponRepository, clock: Clock) -> None:
        self.repo = repo
        self.clock = clock

    # --- products ------------------------------------------------------------------------
    async def create_product(self, data: ProductCreate, principal: Principal) -> ProductRead:
        owner = _own_org(principal)
        if await self.repo.product_by_code(data.code) is not None:
            raise ProductCodeTaken()
        now = self.clock()
        product = CouponProduct(
            code=data.code,
            name=data.name,
            service=data.service.value,
            face_value_fen=to_fen(data.face_value),
            insurer_price_fen=to_fen(data.insurer_price),
            settlement_price_fen=to_fen(data.settlement_price),
            validity_kind=data.validity_kind.value,
            valid_from=data.valid_from if data.validity_kind is ValidityKind.fixed else None,
            valid_to=data.valid_to if data.validity_kind is ValidityKind.fixed else None,
            valid_days=data.valid_days
            if data.validity_kind is ValidityKind.days_after_issue
            else None,
            region_codes=list(data.region_codes),
            car_models=list(data.car_models),
            owner_org_id=owner,
            active=True,
            created_by=principal.subject,
            created_at=now,
            updated_by=principal.subject,
            updated_at=now,
        )
        self.repo.add(product)
        await self.repo.flush()
        return product_read(product)

    async def products(self, principal: Principal) -> list[ProductRead]:
        return [product_read(p) for p in await self.repo.products(principal)]

    async def product(self, product_id: uuid.UUID, principal: Principal) -> ProductRead:
        product = await self.repo.product(product_id)
        if product is None or not principal.may_see_org(product.owner_org_id):
            raise ProductMissing()
        return product_read(product)

    # --- issue rules ---------------------------------------------------------------------
    async def create_rule(self, data: RuleCreate, principal: Principal) -> RuleRead:
        if not principal.platform_operator:
            raise Forbidden(
                "Only platform operators may set insurers' issue rules.", code="operators_only"
            )
        product = await self.repo.product(data.product_id)
        if product is None:
            raise ProductNotFound()
        rule = IssueRule(
            insurer_code=data.insurer_code,
            insurer_name=data.insurer_name,
            line=data.line.value,
            insurance_product_code=data.insurance_product_code,
            product_id=product.id,
            quantity_per_policy=data.quantity_per_policy,
            billed_org_id=data.billed_org_id,
            active=True,
            created_by=principal.subject,
            created_at=self.clock(),
        )
        if await self.repo.rule_exists(rule):
            raise RuleExists()
        self.repo.add(rule)
        await self.repo.flush()
        return rule_read(rule, product)

    async def rules(self, principal: Principal) -> list[RuleRead]:
        rules = await self.repo.rules(principal)
        products = await self.repo.products_by_id({r.product_id for r in rules})
        return [rule_read(r, products[r.product_id]) for r in rules]

    # --- batches -------------------------------------------------------------------------
    async def create_batch(self, data: BatchCreate, principal: Principal) -> BatchRead:
        owner = _own_org(principal)
        await serialize_writers(self.repo.session)
        product = await self.repo.product(data.product_id)
        if product is None or not principal.may_see_org(product.owner_org_id):
            raise ProductNotFound()
        now = self.clock()
        batch = CouponBatch(
            batch_no=await next_number(self.repo.session, "CB", now),
            kind=BatchKind.self_issued.value,
            product_id=product.id,
            quantity=data.quantity,
            issued_count=0,
            owner_org_id=owner,
            note=data.note,
            created_by=principal.subject,
            created_at=now,
        )
        self.repo.add(batch)
        await self.repo.flush()
        holders: list[Holder | None] = [h for h in data.holders for _ in range(data.per_holder)]
        if holders:
            await self._issue(batch, product, holders, now, principal.subject)
        return batch_read(batch, product)

    async def issue_more(
        self, batch_id: uuid.UUID, data: BatchIssue, principal: Principal
    ) -> BatchRead:
        await serialize_writers(self.repo.session)
        batch = await self.repo.batch(batch_id, principal)
        if batch is None:
            raise BatchNotFound()
        product = await self.repo.product(batch.product_id)
        assert product is not None
        await self._issue(batch, product, [None] * data.count, self.clock(), principal.subject)
        return batch_read(batch, product)

    async def batches(self, principal: Principal) -> list[BatchRead]:
        batches = await self.repo.batches(principal)
        products = await self.repo.products_by_id({b.product_id for b in batches})
        return [batch_read(b, products[b.product_id]) for b in batches]

    async def batch(self, batch_id: uuid.UUID, principal: Principal) -> BatchRead:
        batch = await self.repo.batch(batch_id, principal)
        if batch is None:
            raise BatchNotFound()
        product = await self.repo.product(batch.product_id)
        assert product is not None
        return batch_read(batch, product)

    async def issue_for_policy(self, policy: PolicyFacts) -> list[CouponBatch]:
        """保司发券: one batch per matching rule. The batch's source ref (policy × rule) makes a
        redelivered or repeated policy-issued event issue nothing more."""
        rules = await self.repo.matching_rules(
            policy.insurer_code, policy.line.value, policy.product_code
        )
        made = []
        now = self.clock()
        for rule in rules:
            source_ref = f"policy:{policy.policy_id}:rule:{rule.id}"
            if await self.repo.batch_by_source(source_ref) is not None:
                continue
            product = await self.repo.product(rule.product_id)
            assert product is not None
            if not product.active:
                continue
            batch = CouponBatch(
                batch_no=await next_number(self.repo.session, "CB", now),
                kind=BatchKind.insurer.value,
                product_id=product.id,
                rule_id=rule.id,
                policy_id=policy.policy_id,
                policy_no=policy.policy_no,
                source_ref=source_ref,
                quantity=rule.quantity_per_policy,
                issued_count=0,
                owner_org_id=rule.billed_org_id,
                billed_org_id=rule.billed_org_id,
                note=f"保单 {policy.policy_no}",
                created_by="insurance.policy.issued",
                created_at=now,
            )
            self.repo.add(batch)
            await self.repo.flush()
            holder = Holder.model_construct(
                customer_ref=policy.customer_ref,
                name=policy.customer_name,
                mobile_masked=policy.customer_mobile_masked,
                plate_no=policy.plate_no,
                vin=policy.vehicle_vin,
                policy_no=policy.policy_no,
            )
            # "N days after issue" counts from the policy's issue, not from when we heard of it.
            await self._issue(
                batch,
                product,
                [holder] * rule.quantity_per_policy,
                policy.issued_at,
                "insurance.policy.issued",
                recorded_at=now,
            )
            made.append(batch)
        return made

    async def _issue(
        self,
        batch: CouponBatch,
        product: CouponProduct,
        holders: Sequence[Holder | None],
        issued_at: datetime,
        by: str,
        *,
        recorded_at: datetime | None = None,
    ) -> None:
        taken = await self.repo.take_from_batch(batch.id, len(holders))
        if taken is None:
            issued = await self.repo.issued_count(batch.id)
            raise BatchQuantityExceeded(batch.quantity - issued)
        batch.issued_count = taken
        valid_from, valid_to = validity(product, issued_at)
        at = recorded_at or issued_at
        coupons, trail = [], []
        for holder in holders:
            coupon_id = uuid7()
            coupons.append(
                {
                    "id": coupon_id,
                    "code": codes.new_code(),
                    "batch_id": batch.id,
                    "product_id": product.id,
                    "batch_kind": batch.kind,
                    "owner_org_id": batch.owner_org_id,
                    "billed_org_id": batch.billed_org_id,
                    "holder_ref": holder.customer_ref if holder else None,
                    "holder_name": holder.name if holder else None,
                    "holder_mobile_masked": holder.mobile_masked if holder else None,
                    "plate_no": holder.plate_no if holder else None,
                    "vin": holder.vin if holder else None,
                    "policy_no": (holder.policy_no if holder else None) or batch.policy_no,
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                    "status": CouponStatus.issued.value,
                    "issued_at": at,
                    "redeemed_at": None,
                    "settled_at": None,
                    "updated_at": at,
                }
            )
            trail.append(
                trail_row(
                    coupon_id, None, CouponStatus.issued.value, at, by, f"批次 {batch.batch_no}"
                )
            )
        await self.repo.insert_coupons(coupons, trail)

    # --- coupons -------------------------------------------------------------------------
    async def search(
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
    ) -> CouponPage:
        normal = codes.normalise(code) if code else None
        if code and normal is None:
            return CouponPage(items=[], total=0)
        rows, total = await self.repo.search_coupons(
            principal,
            code=normal,
            holder=holder,
            policy_no=policy_no,
            batch_id=batch_id,
            status=status,
            limit=limit,
            offset=offset,
        )
        return CouponPage(items=await self._read_many(rows), total=total)

    async def get(self, code: str, principal: Principal) -> CouponRead:
        coupon = await self._visible(code, principal)
        read = (await self._read_many([coupon]))[0]
        read.trail = [
            CouponStep(
                from_status=CouponStatus(s.from_status) if s.from_status else None,
                to_status=CouponStatus(s.to_status),
                at=s.at,
                by=s.by,
                note=s.note,
            )
            for s in await self.repo.trail(coupon.id)
        ]
        return read

    async def qr(self, code: str, principal: Principal) -> str:
        return codes.qr_svg((await self._visible(code, principal)).code)

    async def void(self, code: str, data: VoidRequest, principal: Principal) -> CouponRead:
        coupon = await self._visible(code, principal)
        if not may_move(CouponStatus(coupon.status), CouponStatus.voided):
            raise CouponNotVoidable(coupon.status)
        now = self.clock()
        moved = await self.repo.move([coupon.id], CouponStatus.issued, CouponStatus.voided, now)
        if not moved:  # redeemed meanwhile
            raise CouponNotVoidable("redeemed")
        await self.repo.add_trail(
            [
                trail_row(
                    coupon.id,
                    CouponStatus.issued.value,
                    CouponStatus.voided.value,
                    now,
                    principal.subject,
                    data.reason,
                )
            ]
        )
        await self.repo.session.refresh(coupon)
        return await self.get(coupon.code, principal)

    async def expire_due(self, by: str, limit: int = 10_000) -> int:
        """Issued coupons whose last valid day has passed (Shanghai date) become expired."""
        now = self.clock()
        due = await self.repo.due_to_expire(business_day(now), limit)
        moved = await self.repo.move(due, CouponStatus.issued, CouponStatus.expired, now)
        await self.repo.add_trail(
            [
                trail_row(
                    c, CouponStatus.issued.value, CouponStatus.expired.value, now, by, "有效期已过"
                )
                for c in moved
            ]
        )
        return len(moved)

    async def _visible(self, code: str, principal: Principal) -> Coupon:
        normal = codes.normalise(code)
        coupon = await self.repo.coupon_by_code(normal) if normal else None
        if coupon is None or not principal.may_see_org(coupon.owner_org_id):
            raise CouponNotFound()
        return coupon

    async def _read_many(self, coupons: Sequence[Coupon]) -> list[CouponRead]:
        products = await self.repo.products_by_id({c.product_id for c in coupons})
        batches = await self.repo.batches_by_id({c.batch_id for c in coupons})
        return [coupon_read(c, products[c.product_id], batches[c.batch_id]) for c in coupons]


def validity(product: CouponProduct, issued_at: datetime) -> tuple[date, date]:
    if product.validity_kind == ValidityKind.fixed.value:
        assert product.valid_from is not None and product.valid_to is not None
        return product.valid_from, product.valid_to
    first = business_day(issued_at)
    return first, first + timedelta(days=(product.valid_days or 1) - 1)


def _own_org(principal: Principal) -> uuid.UUID:
    if principal.org_id is None:
        raise Forbidden("Your token names no institution.", code="org_required")
    return principal.org_id


def product_read(p: CouponProduct) -> ProductRead:
    return ProductRead(
        id=p.id,
        code=p.code,
        name=p.name,
        service=ServiceKind(p.service),
        face_value=from_fen(p.face_value_fen),
        insurer_price=from_fen(p.insurer_price_fen),
        settlement_price=from_fen(p.settlement_price_fen),
        validity_kind=ValidityKind(p.validity_kind),
        valid_from=p.valid_from,
        valid_to=p.valid_to,
        valid_days=p.valid_days,
        region_codes=list(p.region_codes),
        car_models=list(p.car_models),
        active=p.active,
        created_by=p.created_by,
        created_at=p.created_at,
    )


def rule_read(r: IssueRule, p: CouponProduct) -> RuleRead:
    return RuleRead(
        id=r.id,
        insurer_code=r.insurer_code,
        insurer_name=r.insurer_name,
        line=InsuranceLine(r.line),
        insurance_product_code=r.insurance_product_code,
        product_id=p.id,
        product_code=p.code,
        product_name=p.name,
        quantity_per_policy=r.quantity_per_policy,
        billed_org_id=r.billed_org_id,
        active=r.active,
        created_by=r.created_by,
        created_at=r.created_at,
    )


def batch_read(b: CouponBatch, p: CouponProduct) -> BatchRead:
    return BatchRead(
        id=b.id,
        batch_no=b.batch_no,
        kind=BatchKind(b.kind),
        product_id=p.id,
        product_code=p.code,
        product_name=p.name,
        quantity=b.quantity,
        issued_count=b.issued_count,
        policy_no=b.policy_no,
        note=b.note,
        created_by=b.created_by,
        created_at=b.created_at,
    )


def coupon_read(c: Coupon, p: CouponProduct, b: CouponBatch) -> CouponRead:
    return CouponRead(
        id=c.id,
        code=codes.display(c.code),
        status=CouponStatus(c.status),
        batch_no=b.batch_no,
        batch_kind=BatchKind(c.batch_kind),
        product_code=p.code,
        product_name=p.name,
        face_value=from_fen(p.face_value_fen),
        holder_ref=c.holder_ref,
        holder_name=c.holder_name,
        holder_mobile_masked=c.holder_mobile_masked,
        plate_no=c.plate_no,
        vin=c.vin,
        policy_no=c.policy_no,
        valid_from=c.valid_from,
        valid_to=c.valid_to,
        issued_at=c.issued_at,
        redeemed_at=c.redeemed_at,
        settled_at=c.settled_at,
    )
