"""Request and response bodies of plate contracts and settlements."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from valueadd.common.money import Yuan
from valueadd.common.schemas import Body
from valueadd.plate_settlement.models import SettlementMode


class ContractCreate(Body):
    insurer_org_id: uuid.UUID
    insurer_name: str = Field(min_length=1, max_length=100)
    mode: SettlementMode
    effective_from: date


class ContractRead(BaseModel):
    id: uuid.UUID
    insurer_org_id: uuid.UUID
    insurer_name: str
    version: int
    mode: SettlementMode
    effective_from: date
    created_by: str
    created_at: datetime


class SettlementCreate(Body):
    insurer_org_id: uuid.UUID
    period_from: date
    period_to: date


class SettlementRead(BaseModel):
    id: uuid.UUID
    settlement_no: str
    insurer_org_id: uuid.UUID
    insurer_name: str
    mode: SettlementMode
    contract_version: int
    period_from: date
    period_to: date
    category: str
    purchase_count: int
    purchase_amount: Yuan
    call_count: int
    call_fee: Yuan
    amount: Yuan
    created_by: str
    created_at: datetime
    center_order_no: str | None = None
