"""All SQL of customers and vehicles."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance.vehicles.models import Customer, OwnerChange, Vehicle, VehicleSource
from servicekit.auth import Principal, scoped


@dataclass(frozen=True)
class VehicleFilter:
    plate: str | None = None  # contains
    vin: str | None = None  # exact, or the last 6+ characters
    mobile_suffix: str | None = None  # the owner's last four digits
    region_code: str | None = None  # prefix: 44 (province), 4403 (city), 440305 (district)
    owner_id: uuid.UUID | None = None
    org_id: uuid.UUID | None = None
    expiring_from: date | None = None  # either line's expiry within [from, to]
    expiring_to: date | None = None
    limit: int = 50
    offset: int = 0


class VehicleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)

    async def flush(self) -> None:
        await self.session.flush()

    # -- customers ----------------------------------------------------------------------------

    async def customer_by_id_number(self, org_id: uuid.UUID, id_number: str) -> Customer | None:
        query = select(Customer).where(Customer.org_id == org_id, Customer.id_number == id_number)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def customer_by_name_mobile(
        self, org_id: uuid.UUID, name: str, mobile: str
    ) -> Customer | None:
        query = (
            select(Customer)
            .where(Customer.org_id == org_id, Customer.mobile == mobile, Customer.name == name)
            .order_by(Customer.created_at)
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def customer(self, customer_id: uuid.UUID, principal: Principal) -> Customer | None:
        query = scoped(
            select(Customer).where(Customer.id == customer_id), Customer.org_id, principal
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def customers_by_ids(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Customer]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Customer).where(Customer.id.in_(set(ids))))
        return {c.id: c for c in rows.scalars()}

    async def search_customers(
        self,
        principal: Principal,
        *,
        name: str | None,
        mobile_suffix: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Customer], int]:
        query = scoped(select(Customer), Customer.org_id, principal)
        if name:
            query = query.where(Customer.name.contains(name, autoescape=True))
        if mobile_suffix:
            query = query.where(Customer.mobile_last4 == mobile_suffix[-4:])
        total = await self.session.execute(select(func.count()).select_from(query.subquery()))
        rows = await self.session.execute(
            query.order_by(Customer.created_at.desc(), Customer.id).limit(limit).offset(offset)
        )
        return list(rows.scalars()), int(total.scalar_one())

    # -- vehicles -----------------------------------------------------------------------------

    async def vehicle_by_vin(self, org_id: uuid.UUID, vin: str) -> Vehicle | None:
        query = select(Vehicle).where(Vehicle.org_id == org_id, Vehicle.vin == vin)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def vehicle_by_plate(
        self, org_id: uuid.UUID, plate_no: str, region_code: str, *, without_vin: bool
    ) -> Vehicle | None:
        query = select(Vehicle).where(
            Vehicle.org_id == org_id,
            Vehicle.plate_no == plate_no,
            Vehicle.region_code == region_code,
        )
        if without_vin:
            query = query.where(Vehicle.vin.is_(None))
        query = query.order_by(Vehicle.updated_at.desc()).limit(1)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def vehicle(self, vehicle_id: uuid.UUID, principal: Principal) -> Vehicle | None:
        query = scoped(select(Vehicle).where(Vehicle.id == vehicle_id), Vehicle.org_id, principal)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def search_vehicles(
        self, principal: Principal, f: VehicleFilter
    ) -> tuple[list[Vehicle], int]:
        query = scoped(select(Vehicle), Vehicle.org_id, principal)
        if f.org_id:
            query = query.where(Vehicle.org_id == f.org_id)
        if f.plate:
            query = query.where(Vehicle.plate_no.contains(f.plate.upper(), autoescape=True))
        if f.vin:
            vin = f.vin.upper()
            query = query.where(or_(Vehicle.vin == vin, Vehicle.vin.endswith(vin, autoescape=True)))
        if f.region_code:
            query = query.where(Vehicle.region_code.startswith(f.region_code, autoescape=True))
        if f.owner_id:
            query = query.where(Vehicle.owner_id == f.owner_id)
        if f.mobile_suffix:
            owners = select(Customer.id).where(Customer.mobile_last4 == f.mobile_suffix[-4:])
            query = query.where(Vehicle.owner_id.in_(owners))
        if f.expiring_from or f.expiring_to:
            lo, hi = f.expiring_from or date.min, f.expiring_to or date.max
            query = query.where(
                or_(
                    Vehicle.commercial_expiry.between(lo, hi),
                    Vehicle.compulsory_expiry.between(lo, hi),
                )
            )
        total = await self.session.execute(select(func.count()).select_from(query.subquery()))
        rows = await self.session.execute(
            query.order_by(Vehicle.updated_at.desc(), Vehicle.id).limit(f.limit).offset(f.offset)
        )
        return list(rows.scalars()), int(total.scalar_one())

    async def sources(self, vehicle_id: uuid.UUID) -> list[VehicleSource]:
        query = (
            select(VehicleSource)
            .where(VehicleSource.vehicle_id == vehicle_id)
            .order_by(VehicleSource.collected_at, VehicleSource.id)
        )
        return list((await self.session.execute(query)).scalars())

    async def owner_changes(self, vehicle_id: uuid.UUID) -> list[OwnerChange]:
        query = (
            select(OwnerChange)
            .where(OwnerChange.vehicle_id == vehicle_id)
            .order_by(OwnerChange.changed_at, OwnerChange.id)
        )
        return list((await self.session.execute(query)).scalars())
