"""Customers (客户), vehicles (车辆), where each vehicle was collected from, and its owners.

A vehicle is one record per institution: the same VIN (else plate + region) collected again
merges into it and adds a source hit (VehicleSource), never a second vehicle.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from insurance.db import Base, UtcDateTime
from shared_schemas import uuid7


class CustomerKind(StrEnum):
    person = "person"  # 个人
    company = "company"  # 企业


class UseNature(StrEnum):
    """使用性质."""

    private = "private"  # 非营运（家庭自用）
    company_non_operating = "company_non_operating"  # 企业非营运
    operating_passenger = "operating_passenger"  # 营运客车
    operating_freight = "operating_freight"  # 营运货车
    rental = "rental"  # 租赁
    ride_hailing = "ride_hailing"  # 网约车


class Source(StrEnum):
    """Where a vehicle was collected (来源)."""

    wechat_oa = "wechat_oa"  # 微信公众号
    mini_program = "mini_program"  # 增值服务小程序
    import_file = "import_file"  # 批量导入
    proposal = "proposal"  # 投保单
    policy = "policy"  # 保单
    manual = "manual"  # 手工录入


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        # One customer per ID number in an institution (NULL ID numbers never collide).
        Index("uq_customers_org_id_number", "org_id", "id_number", unique=True),
        Index("ix_customers_org_mobile", "org_id", "mobile"),
        Index("ix_customers_org_mobile_last4", "org_id", "mobile_last4"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    #: 身份证号 (person) or 统一社会信用代码 (company), normalised; shown masked unless the
    #: caller may see contact data, never logged.
    id_number: Mapped[str | None] = mapped_column(String(32))
    mobile: Mapped[str | None] = mapped_column(String(20))  # E.164
    #: The last four digits, for the console's "mobile suffix" search without a table scan.
    mobile_last4: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))


class Vehicle(Base):
    __tablename__ = "vehicles"
    __table_args__ = (
        Index(
            "uq_vehicles_org_vin",
            "org_id",
            "vin",
            unique=True,
            postgresql_where=text("vin IS NOT NULL"),
            sqlite_where=text("vin IS NOT NULL"),
        ),
        Index("ix_vehicles_org_plate_region", "org_id", "plate_no", "region_code"),
        Index("ix_vehicles_plate_no", "plate_no"),
        Index("ix_vehicles_commercial_expiry", "commercial_expiry"),
        Index("ix_vehicles_compulsory_expiry", "compulsory_expiry"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    vin: Mapped[str | None] = mapped_column(String(17))
    #: False when the VIN's check digit (position 9) does not match: a warning, not a refusal.
    vin_checksum_ok: Mapped[bool | None] = mapped_column(Boolean)
    plate_no: Mapped[str] = mapped_column(String(16))
    #: The vehicle's own region (GB/T 2260), which routes its pushes — not its owner's.
    region_code: Mapped[str] = mapped_column(String(6))
    engine_no: Mapped[str | None] = mapped_column(String(40))
    register_date: Mapped[date | None] = mapped_column(Date)
    use_nature: Mapped[str | None] = mapped_column(String(32))
    brand_model: Mapped[str | None] = mapped_column(String(120))
    commercial_expiry: Mapped[date | None] = mapped_column(Date)  # 商业险到期
    compulsory_expiry: Mapped[date | None] = mapped_column(Date)  # 交强险到期
    inspection_due: Mapped[date | None] = mapped_column(Date)  # 年检到期
    maintenance_due: Mapped[date | None] = mapped_column(Date)  # 保养到期
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))


class VehicleSource(Base):
    """One collection of a vehicle (a source hit): the first made it, later ones merged."""

    __tablename__ = "vehicle_sources"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id"), index=True)
    source: Mapped[str] = mapped_column(String(24))
    source_ref: Mapped[str | None] = mapped_column(String(120))
    #: created | merged
    outcome: Mapped[str] = mapped_column(String(8))
    collected_at: Mapped[datetime] = mapped_column(UtcDateTime)
    collected_by: Mapped[str] = mapped_column(String(120))


class OwnerChange(Base):
    """过户: the vehicle passed from one customer to another."""

    __tablename__ = "vehicle_owner_changes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id"), index=True)
    from_customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"))
    to_customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    transfer_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_by: Mapped[str] = mapped_column(String(120))
