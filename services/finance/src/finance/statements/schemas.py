"""Bank accounts and bank statement API models."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class BankAccountWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_no: str = Field(min_length=4, max_length=40, pattern=r"^[0-9A-Za-z-]+$")
    name: str = Field(min_length=1, max_length=120, description="户名, e.g. the company's name")
    bank_name: str = Field(min_length=1, max_length=120, description="开户行")
    legal_entity: Annotated[str, Field(pattern="^(agency_company|technology_company)$")]
    ledger_account: str = Field(
        default="1002", pattern=r"^[0-9]{4,20}$", description="1002 银行存款 or a sub-account"
    )


class BankAccountRead(BankAccountWrite):
    model_config = ConfigDict(from_attributes=True)

    created_by: str
    created_at: datetime


class StatementLineRead(BaseModel):
    id: uuid.UUID
    bank_account: str
    serial_no: str
    transacted_at: datetime
    income: Decimal
    expense: Decimal
    counterparty_name: str
    counterparty_account: str
    memo: str
    balance: Decimal | None
    imported_by: str
    imported_at: datetime
    receipt_id: uuid.UUID | None = None


class RowErrorRead(BaseModel):
    row: int
    column: str
    code: str
    message: str
    value: str | None = None


class StatementImportResult(BaseModel):
    bank_account: str
    dry_run: bool
    rows: int = Field(description="Data rows read (errors excluded).")
    new_lines: int = Field(description="Lines not seen before (imported unless a dry run).")
    duplicates: int = Field(description="Lines already imported (same account and 流水号).")
    receipts: int = Field(description="Incoming new lines: each becomes a receipt.")
    matched: int
    to_check: int
    errors: list[RowErrorRead]

    @classmethod
    def from_errors(cls, bank_account: str, errors: list[dict[str, Any]]) -> StatementImportResult:
        return cls(
            bank_account=bank_account,
            dry_run=True,
            rows=0,
            new_lines=0,
            duplicates=0,
            receipts=0,
            matched=0,
            to_check=0,
            errors=[RowErrorRead(**e) for e in errors],
        )
