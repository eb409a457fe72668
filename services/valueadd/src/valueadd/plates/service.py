"""智能挪车牌: batches, the plate's steps through one transition table, purchases by insurers.

Every step checks the table (`models.TRANSITIONS`) for each plate, then moves them with one
guarded UPDATE (only plates still in an allowed state move; a concurrent step makes the count
differ and the whole step is refused), and writes one trail row per plate — who, when, why.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.db import serialize_writers
from servicekit.errors import Forbidden
from servicekit.messaging import Outbox
from valueadd.common.money import from_fen, to_fen
from valueadd.common.numbers import next_number
from valueadd.plate_settlement.service import on_purchase
from valueadd.plates import codes
from valueadd.plates.errors import (
    PlateBatchNotFound,
    PlateChangedMeanwhile,
    PlateListedTwice,
    PlateNotFound,
    PlateNotYours,
    PlateTransitionNotAllowed,
    PlateUnknown,
)
from valueadd.plates.models import (
    SETTABLE,
    Plate,
    PlateBatch,
    PlatePurchase,
    PlateStatus,
    PlateStatusChange,
    may_move,
    sources_of,
)
from valueadd.plates.repository import PlateRepository
from valueadd.plates.schemas import (
    AssignRequest,
    BatchCreate,
    BatchRead,
    BindRequest,
    DistributeRequest,
    MovedPlates,
    PlatePage,
    PlateRead,
    PurchaseCreate,
    PurchaseRead,
    StatusChange,
    StepRead,
)

DEFAULT_SCAN_URL = "http://127.0.0.1:8000/m/plate/"


class PlateService:
    def __init__(
        self, repo: PlateRepository, clock: Clock, scan_base: str = DEFAULT_SCAN_URL,
        outbox: Outbox | None = None,
    ) -> None:  # fmt: skip
        self.repo = repo
        self.clock = clock
        self.scan_base = scan_base
        self.outbox = outbox

    # --- batches -------------------------------------------------------------------------

    async def create_batch(self, data: BatchCreate, principal: Principal) -> BatchRead:
        org = _own_org(principal)
        now = self.clock()
        batch = PlateBatch(
            id=uuid.uuid4(), batch_no=await next_number(self.repo.session, "PB", now),
            org_id=org, quantity=data.quantity, note=data.note, created_by=principal.subject,
            created_at=now,
        )  # fmt: skip
        self.repo.add(batch)
        await self.repo.flush()
        plates = [
            Plate(
                id=uuid.uuid4(),
                plate_no=f"{batch.batch_no}-{i:05d}",
                qr_token=codes.new_token(),
                batch_id=batch.id,
                org_id=org,
                status=PlateStatus.in_stock.value,
                created_by=principal.subject,
                created_at=now,
                updated_by=principal.subject,
                updated_at=now,
            )
            for i in range(1, data.quantity + 1)
        ]
        self.repo.add_all(plates)
        await self.repo.flush()
        self.repo.add_all(
            [
                PlateStatusChange(
                    plate_id=p.id,
                    from_status=None,
                    to_status=p.status,
                    at=now,
                    by=principal.subject,
                    reason=f"batch {batch.batch_no}",
                )
                for p in plates
            ]
        )
        await self.repo.flush()
        return _batch(batch, {PlateStatus.in_stock.value: data.quantity})

    async def batches(self, principal: Principal) -> list[BatchRead]:
        rows = await self.repo.batches(principal)
        counts = await self.repo.batch_counts([b.id for b in rows])
        return [_batch(b, counts.get(b.id, {})) for b in rows]

    async def batch(self, batch_no: str, principal: Principal) -> BatchRead:
        row = await self.repo.batch(batch_no, principal)
        if row is None:
            raise PlateBatchNotFound()
        return _batch(row, (await self.repo.batch_counts([row.id])).get(row.id, {}))

    # --- steps ---------------------------------------------------------------------------

    async def assign(self, data: AssignRequest, principal: Principal) -> MovedPlates:
        """分配挪车牌: plates in stock go to one promoter."""
        await self._move_many(
            data.plate_nos, PlateStatus.assigned, principal, owner_only=True,
            reason=f"promoter {data.promoter_name}",
            promoter_subject=data.promoter_subject, promoter_name=data.promoter_name,
        )  # fmt: skip
        return MovedPlates(plate_nos=list(data.plate_nos), status=PlateStatus.assigned)

    async def purchase(self, data: PurchaseCreate, principal: Principal) -> PurchaseRead:
        """保司采购: the insurer buys plates its promoters were given."""
        org = _own_org(principal)
        now = self.clock()
        unit = to_fen(data.unit_price)
        row = PlatePurchase(
            id=uuid.uuid4(), purchase_no=await next_number(self.repo.session, "PP", now),
            org_id=org, insurer_org_id=data.insurer_org_id, insurer_name=data.insurer_name,
            quantity=len(data.plate_nos), unit_price_fen=unit, amount_fen=unit * len(data.plate_nos),
            created_by=principal.subject, created_at=now,
        )  # fmt: skip
        self.repo.add(row)
        await self.repo.flush()
        await self._move_many(
            data.plate_nos, PlateStatus.purchased, principal, owner_only=True,
            reason=f"purchase {row.purchase_no} by {data.insurer_name}",
            insurer_org_id=data.insurer_org_id, purchase_id=row.id,
        )  # fmt: skip
        await on_purchase(self.repo.session, self.outbox, row, now)
        await self.repo.flush()
        return _purchase(row, sorted(data.plate_nos))

    async def purchases(self, principal: Principal) -> list[PurchaseRead]:
        rows = await self.repo.purchases(principal)
        nos = await self.repo.plate_nos_of_purchases([r.id for r in rows])
        return [_purchase(r, nos.get(r.id, [])) for r in rows]

    async def distribute(
        self, plate_no: str, data: DistributeRequest, principal: Principal
    ) -> PlateRead:
        """分发: the insurer hands the plate to its customer."""
        return await self._move_one(
            plate_no, PlateStatus.distributed, principal, "path.plate_no",
            reason=f"to {data.customer_ref}",
            customer_ref=data.customer_ref, customer_name=data.customer_name,
        )  # fmt: skip

    async def bind(self, plate_no: str, data: BindRequest, principal: Principal) -> PlateRead:
        """绑定: the customer's vehicle and the number a scan reaches."""
        return await self._move_one(
            plate_no, PlateStatus.bound, principal, "path.plate_no",
            reason=f"vehicle {data.vehicle_plate_no}",
            vehicle_plate_no=data.vehicle_plate_no, owner_mobile=data.owner_mobile,
        )  # fmt: skip

    async def set_status(
        self, plate_no: str, data: StatusChange, principal: Principal
    ) -> PlateRead:
        """使用 / 暂停 / 挂失: the states without a step of their own."""
        if data.status not in SETTABLE:
            plate = await self.repo.plate(plate_no, principal)
            if plate is None:
                raise PlateNotFound()
            raise PlateTransitionNotAllowed(
                "body.status", plate_no, plate.status, data.status.value
            )
        return await self._move_one(
            plate_no, data.status, principal, "body.status", reason=data.reason
        )

    # --- reads ---------------------------------------------------------------------------

    async def plate(self, plate_no: str, principal: Principal) -> PlateRead:
        plate = await self.repo.plate(plate_no, principal)
        if plate is None:
            raise PlateNotFound()
        return (await self._read([plate], steps=True))[0]

    async def qr(self, plate_no: str, principal: Principal) -> str:
        plate = await self.repo.plate(plate_no, principal)
        if plate is None:
            raise PlateNotFound()
        return codes.qr_svg(codes.scan_url(self.scan_base, plate.qr_token))

    async def plates(
        self, principal: Principal, *, status: PlateStatus | None, batch_no: str | None,
        plate_no: str | None, promoter: str | None, insurer_org_id: uuid.UUID | None,
        limit: int, offset: int,
    ) -> PlatePage:  # fmt: skip
        rows, total = await self.repo.plates(
            principal, status=status.value if status else None, batch_no=batch_no,
            plate_no=plate_no, promoter=promoter, insurer_org_id=insurer_org_id,
            limit=limit, offset=offset,
        )  # fmt: skip
        return PlatePage(items=await self._read(list(rows)), total=total)

    # --- the guard -----------------------------------------------------------------------

    async def _move_many(
        self, plate_nos: Sequence[str], target: PlateStatus, principal: Principal, *,
        owner_only: bool, reason: str | None, **values: Any,
    ) -> list[Plate]:  # fmt: skip
        for i, no in enumerate(plate_nos):
            if no in plate_nos[:i]:
                raise PlateListedTwice(f"body.plate_nos.{i}")
        await serialize_writers(self.repo.session)
        found = await self.repo.plates_by_no(plate_nos, principal, lock=True)
        plates: list[Plate] = []
        for i, no in enumerate(plate_nos):
            field = f"body.plate_nos.{i}"
            plate = found.get(no)
            if plate is None:
                raise PlateUnknown(field, no)
            if owner_only and not principal.may_see_org(plate.org_id):
                raise PlateNotYours(field)
            if not may_move(PlateStatus(plate.status), target):
                raise PlateTransitionNotAllowed(field, no, plate.status, target.value)
            plates.append(plate)
        await self._move(plates, target, principal, reason, **values)
        return plates

    async def _move_one(
        self, plate_no: str, target: PlateStatus, principal: Principal, field: str, *,
        reason: str | None, **values: Any,
    ) -> PlateRead:  # fmt: skip
        await serialize_writers(self.repo.session)
        plate = (await self.repo.plates_by_no([plate_no], principal, lock=True)).get(plate_no)
        if plate is None:
            raise PlateNotFound()
        if not may_move(PlateStatus(plate.status), target):
            raise PlateTransitionNotAllowed(field, plate_no, plate.status, target.value)
        await self._move([plate], target, principal, reason, **values)
        return (await self._read([plate], steps=True))[0]

    async def _move(
        self, plates: list[Plate], target: PlateStatus, principal: Principal,
        reason: str | None, **values: Any,
    ) -> None:  # fmt: skip
        now = self.clock()
        sources = sorted(s.value for s in sources_of(target))
        moved = await self.repo.move(
            [p.id for p in plates], sources, target.value,
            updated_by=principal.subject, updated_at=now, **values,
        )  # fmt: skip
        if moved != len(plates):
            raise PlateChangedMeanwhile()
        self.repo.add_all(
            [
                PlateStatusChange(
                    plate_id=p.id,
                    from_status=p.status,
                    to_status=target.value,
                    at=now,
                    by=principal.subject,
                    reason=reason,
                )
                for p in plates
            ]
        )
        await self.repo.flush()
        for p in plates:
            await self.repo.refresh(p)

    async def _read(self, plates: list[Plate], *, steps: bool = False) -> list[PlateRead]:
        batch_nos = await self.repo.batch_nos([p.batch_id for p in plates])
        purchase_nos = await self.repo.purchase_nos([p.purchase_id for p in plates])
        out = []
        for p in plates:
            trail = (
                [
                    StepRead(
                        from_status=PlateStatus(s.from_status) if s.from_status else None,
                        to_status=PlateStatus(s.to_status),
                        at=s.at,
                        by=s.by,
                        reason=s.reason,
                    )
                    for s in await self.repo.steps(p.id)
                ]
                if steps
                else []
            )
            out.append(
                PlateRead(
                    id=p.id,
                    plate_no=p.plate_no,
                    batch_no=batch_nos[p.batch_id],
                    status=PlateStatus(p.status),
                    promoter_subject=p.promoter_subject,
                    promoter_name=p.promoter_name,
                    insurer_org_id=p.insurer_org_id,
                    purchase_no=purchase_nos.get(p.purchase_id) if p.purchase_id else None,
                    customer_ref=p.customer_ref,
                    customer_name=p.customer_name,
                    vehicle_plate_no=p.vehicle_plate_no,
                    owner_mobile=codes.mask_mobile(p.owner_mobile),
                    scan_url=codes.scan_url(self.scan_base, p.qr_token),
                    created_by=p.created_by,
                    created_at=p.created_at,
                    updated_by=p.updated_by,
                    updated_at=p.updated_at,
                    steps=trail,
                )
            )
        return out


def _own_org(principal: Principal) -> uuid.UUID:
    if principal.org_id is None:
        raise Forbidden("Plates belong to an institution.", code="forbidden")
    return principal.org_id


def _batch(b: PlateBatch, counts: dict[str, int]) -> BatchRead:
    return BatchRead(
        id=b.id, batch_no=b.batch_no, quantity=b.quantity, note=b.note,
        created_by=b.created_by, created_at=b.created_at, by_status=counts,
    )  # fmt: skip


def _purchase(r: PlatePurchase, plate_nos: list[str]) -> PurchaseRead:
    return PurchaseRead(
        id=r.id, purchase_no=r.purchase_no, insurer_org_id=r.insurer_org_id,
        insurer_name=r.insurer_name, quantity=r.quantity, unit_price=from_fen(r.unit_price_fen),
        amount=from_fen(r.amount_fen), plate_nos=plate_nos, created_by=r.created_by,
        created_at=r.created_at,
    )  # fmt: skip
