"""Collecting vehicles and their owners: one record per vehicle, every collection a source hit.

Dedupe (per institution): the VIN finds the vehicle; without a VIN, plate + region does. A VIN
arriving for a vehicle first collected without one fills it in (plate + region among those
without a VIN), so the same vehicle collected in any order is one record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from insurance.common import checks
from insurance.common.context import actor, writing_org
from insurance.vehicles.models import Customer, OwnerChange, Vehicle, VehicleSource
from insurance.vehicles.repository import VehicleFilter, VehicleRepository
from insurance.vehicles.schemas import (
    CollectResult,
    CustomerDetail,
    CustomerIn,
    CustomerPage,
    CustomerRead,
    OwnerChangeIn,
    OwnerChangeRead,
    VehicleCollect,
    VehicleDetail,
    VehiclePage,
    VehicleRead,
    VehicleSourceRead,
    Warning_,
)
from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.errors import NotFound, Unprocessable

#: The function that shows ID numbers and mobiles in full; everyone else sees them masked.
CONTACT_FUNCTION = "insurance.vehicle.contact"

_LATEST_WINS = (
    "plate_no", "region_code", "engine_no", "register_date", "use_nature", "brand_model",
    "inspection_due", "maintenance_due",
)  # fmt: skip
#: An expiry only moves forward: an older source must not pull a renewal back.
_FORWARD_ONLY = ("commercial_expiry", "compulsory_expiry")


@dataclass
class Collected:
    vehicle: Vehicle
    outcome: str  # created | merged
    warnings: list[Warning_]


class VehicleService:
    def __init__(self, repo: VehicleRepository, clock: Clock) -> None:
        self.repo = repo
        self.clock = clock

    # -- customers ----------------------------------------------------------------------------

    async def upsert_customer(self, org_id: uuid.UUID, data: CustomerIn, by: str) -> Customer:
        """The institution's customer with this ID number (else name + mobile), updated; or a
        new one."""
        now = self.clock()
        found: Customer | None = None
        if data.id_number:
            found = await self.repo.customer_by_id_number(org_id, data.id_number)
        elif data.mobile:
            found = await self.repo.customer_by_name_mobile(org_id, data.name, data.mobile)
        if found is None:
            found = Customer(
                id=uuid.uuid4(), org_id=org_id, kind=data.kind, name=data.name,
                id_number=data.id_number, mobile=data.mobile,
                mobile_last4=data.mobile[-4:] if data.mobile else None,
                created_at=now, created_by=by, updated_at=now, updated_by=by,
            )  # fmt: skip
            self.repo.add(found)
            await self.repo.flush()
            return found
        found.name = data.name
        if data.mobile:
            found.mobile, found.mobile_last4 = data.mobile, data.mobile[-4:]
        found.updated_at, found.updated_by = now, by
        return found

    # -- vehicles -----------------------------------------------------------------------------

    async def collect(self, body: VehicleCollect, principal: Principal) -> Collected:
        org_id = writing_org(principal, body.org_id)
        return await self.collect_for(org_id, body, actor(principal))

    async def collect_for(self, org_id: uuid.UUID, body: VehicleCollect, by: str) -> Collected:
        today = self.clock().date()
        warnings: list[Warning_] = []
        if body.register_date and body.register_date > today:
            raise Unprocessable(
                "The register date lies in the future.",
                code="validation_failed",
                errors=[
                    {"field": "body.register_date", "code": "date_in_future",
                     "message": "the register date lies in the future"}
                ],
            )  # fmt: skip
        vin_ok: bool | None = None
        vin = None
        if body.vin:
            check = checks.vin(body.vin)
            vin, vin_ok = check.vin, check.checksum_ok
            if not vin_ok:
                warnings.append(
                    Warning_(field="vin", code="vin_checksum_mismatch",
                             message="the VIN's check digit does not match; check the VIN")
                )  # fmt: skip
        owner = await self.upsert_customer(org_id, body.owner, by) if body.owner else None
        vehicle = await self._find(org_id, vin, body.plate_no, body.region_code)
        now = self.clock()
        outcome = "merged"
        if vehicle is None:
            vehicle = Vehicle(
                id=uuid.uuid4(), org_id=org_id, vin=vin, vin_checksum_ok=vin_ok,
                plate_no=body.plate_no, region_code=body.region_code,
                owner_id=owner.id if owner else None,
                created_at=now, created_by=by, updated_at=now, updated_by=by,
            )  # fmt: skip
            for name in (*_LATEST_WINS, *_FORWARD_ONLY):
                setattr(vehicle, name, getattr(body, name))
            try:
                async with self.repo.session.begin_nested():
                    self.repo.add(vehicle)
                    await self.repo.flush()
                outcome = "created"
            except IntegrityError:  # the same VIN collected at the same moment elsewhere
                self.repo.session.expunge(vehicle)
                vehicle = await self._find(org_id, vin, body.plate_no, body.region_code)
                assert vehicle is not None
        if outcome == "merged":
            self._merge(vehicle, body, vin, vin_ok)
            if owner is not None and vehicle.owner_id != owner.id:
                await self._change_owner(vehicle, owner, by, transfer_date=None, note=None)
            vehicle.updated_at, vehicle.updated_by = now, by
        self.repo.add(
            VehicleSource(
                vehicle_id=vehicle.id, source=body.source, source_ref=body.source_ref,
                outcome=outcome, collected_at=now, collected_by=by,
            )
        )  # fmt: skip
        await self.repo.flush()
        return Collected(vehicle, outcome, warnings)

    async def _find(
        self, org_id: uuid.UUID, vin: str | None, plate_no: str, region_code: str
    ) -> Vehicle | None:
        if vin:
            found = await self.repo.vehicle_by_vin(org_id, vin)
            if found is not None:
                return found
        return await self.repo.vehicle_by_plate(
            org_id, plate_no, region_code, without_vin=vin is not None
        )

    @staticmethod
    def _merge(
        vehicle: Vehicle, body: VehicleCollect, vin: str | None, vin_ok: bool | None
    ) -> None:
        if vin and not vehicle.vin:
            vehicle.vin, vehicle.vin_checksum_ok = vin, vin_ok
        for name in _LATEST_WINS:
            value = getattr(body, name)
            if value is not None:
                setattr(vehicle, name, value)
        for name in _FORWARD_ONLY:
            given: date | None = getattr(body, name)
            current: date | None = getattr(vehicle, name)
            if given is not None and (current is None or given > current):
                setattr(vehicle, name, given)

    async def _change_owner(
        self,
        vehicle: Vehicle,
        owner: Customer,
        by: str,
        *,
        transfer_date: date | None,
        note: str | None,
    ) -> None:
        if vehicle.owner_id is not None:  # a first owner is no transfer
            self.repo.add(
                OwnerChange(
                    vehicle_id=vehicle.id, from_customer_id=vehicle.owner_id,
                    to_customer_id=owner.id, transfer_date=transfer_date, note=note,
                    changed_at=self.clock(), changed_by=by,
                )
            )  # fmt: skip
        vehicle.owner_id = owner.id

    async def change_owner(
        self, vehicle_id: uuid.UUID, body: OwnerChangeIn, principal: Principal
    ) -> VehicleDetail:
        vehicle = await self._visible(vehicle_id, principal)
        by = actor(principal)
        owner = await self.upsert_customer(vehicle.org_id, body.owner, by)
        if owner.id == vehicle.owner_id:
            raise Unprocessable(
                "The vehicle already belongs to this customer.",
                code="same_owner",
                errors=[{"field": "body.owner", "code": "same_owner", "message": "same owner"}],
            )
        await self._change_owner(
            vehicle, owner, by, transfer_date=body.transfer_date, note=body.note
        )
        vehicle.updated_at, vehicle.updated_by = self.clock(), by
        await self.repo.flush()
        return await self.detail(vehicle_id, principal)

    # -- reading ------------------------------------------------------------------------------

    async def _visible(self, vehicle_id: uuid.UUID, principal: Principal) -> Vehicle:
        vehicle = await self.repo.vehicle(vehicle_id, principal)
        if vehicle is None:
            raise NotFound("No such vehicle.", code="vehicle_not_found")
        return vehicle

    async def result(self, collected: Collected, principal: Principal) -> CollectResult:
        [read] = await self.reads([collected.vehicle], principal)
        return CollectResult(vehicle=read, outcome=collected.outcome, warnings=collected.warnings)

    async def reads(self, vehicles: list[Vehicle], principal: Principal) -> list[VehicleRead]:
        owners = await self.repo.customers_by_ids([v.owner_id for v in vehicles if v.owner_id])
        out = []
        for v in vehicles:
            owner = owners.get(v.owner_id) if v.owner_id else None
            out.append(
                VehicleRead.model_validate(
                    {
                        **{c: getattr(v, c) for c in VehicleRead.model_fields if c != "owner"},
                        "owner": customer_read(owner, principal) if owner else None,
                    }
                )
            )
        return out

    async def search(self, f: VehicleFilter, principal: Principal) -> VehiclePage:
        rows, total = await self.repo.search_vehicles(principal, f)
        return VehiclePage(items=await self.reads(rows, principal), total=total)

    async def detail(self, vehicle_id: uuid.UUID, principal: Principal) -> VehicleDetail:
        vehicle = await self._visible(vehicle_id, principal)
        [read] = await self.reads([vehicle], principal)
        changes = await self.repo.owner_changes(vehicle.id)
        names = await self.repo.customers_by_ids(
            [c.to_customer_id for c in changes]
            + [c.from_customer_id for c in changes if c.from_customer_id]
        )
        return VehicleDetail(
            **read.model_dump(),
            sources=[
                VehicleSourceRead.model_validate(s, from_attributes=True)
                for s in await self.repo.sources(vehicle.id)
            ],
            owner_changes=[
                OwnerChangeRead(
                    from_customer=names[c.from_customer_id].name if c.from_customer_id else None,
                    to_customer=names[c.to_customer_id].name,
                    transfer_date=c.transfer_date,
                    note=c.note,
                    changed_at=c.changed_at,
                    changed_by=c.changed_by,
                )
                for c in changes
            ],
        )

    async def customers(
        self,
        principal: Principal,
        *,
        name: str | None,
        mobile_suffix: str | None,
        limit: int,
        offset: int,
    ) -> CustomerPage:
        rows, total = await self.repo.search_customers(
            principal, name=name, mobile_suffix=mobile_suffix, limit=limit, offset=offset
        )
        return CustomerPage(items=[customer_read(c, principal) for c in rows], total=total)

    async def customer(self, customer_id: uuid.UUID, principal: Principal) -> CustomerDetail:
        found = await self.repo.customer(customer_id, principal)
        if found is None:
            raise NotFound("No such customer.", code="customer_not_found")
        vehicles, _ = await self.repo.search_vehicles(
            principal, VehicleFilter(owner_id=found.id, limit=500)
        )
        return CustomerDetail(
            **customer_read(found, principal).model_dump(),
            vehicles=await self.reads(vehicles, principal),
        )

    async def create_customer(
        self, data: CustomerIn, org_id: uuid.UUID | None, principal: Principal
    ) -> CustomerRead:
        customer = await self.upsert_customer(
            writing_org(principal, org_id), data, actor(principal)
        )
        return customer_read(customer, principal)


def customer_read(c: Customer, principal: Principal) -> CustomerRead:
    full = principal.can(CONTACT_FUNCTION)
    return CustomerRead(
        id=c.id, org_id=c.org_id, kind=c.kind, name=c.name,  # type: ignore[arg-type]
        id_number=c.id_number if full else checks.mask_id(c.id_number),
        mobile=c.mobile if full else checks.mask_mobile(c.mobile),
        created_at=c.created_at, created_by=c.created_by,
        updated_at=c.updated_at, updated_by=c.updated_by,
    )  # fmt: skip
