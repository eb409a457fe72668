from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError
from stdnum.cn import uscc

from finance.invoices.models import ApplicationStatus, InvoiceKind
from finance.settlement.refs import OrderRef
from servicekit.validation import field_error
from shared_schemas import RedInvoiceReason, SellingEntity
from shared_schemas.money import AmountCNY

#: VAT rates a Chinese invoice may carry (0 = 免税/零税率).
VAT_RATES = (Decimal("0"), Decimal("0.01"), Decimal("0.03"), Decimal("0.05"), Decimal("0.06"),
             Decimal("0.09"), Decimal("0.13"))  # fmt: skip
INVOICE_NO = r"^[0-9]{20}$"  # 全面数字化电子发票号码


class InvoiceType(StrEnum):
    vat_normal = "vat_normal"  # 增值税普通发票
    vat_special = "vat_special"  # 增值税专用发票


class Buyer(BaseModel):
    """The buyer printed on the invoice (购买方)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="购买方名称")
    tax_id: str = Field(
        min_length=1, max_length=20, description="统一社会信用代码 (18 characters, check digit)"
    )
    address: str | None = Field(default=None, max_length=300, description="地址、电话")
    bank_account: str | None = Field(default=None, max_length=300, description="开户行及账号")

    @field_validator("name", "address", "bank_account")
    @classmethod
    def _trimmed(cls, value: str | None) -> str | None:
        return None if value is None else (value.strip() or None)

    @field_validator("tax_id")
    @classmethod
    def _uscc(cls, value: str) -> str:
        # Since 2015 a buyer's tax id is its 统一社会信用代码 (GB 32100): python-stdnum checks
        # its structure and check digit, so a mistyped code is refused before it is printed.
        compact = uscc.compact(value)
        if not uscc.is_valid(compact):
            raise PydanticCustomError(
                "tax_id_invalid", "not a valid unified social credit code (统一社会信用代码)"
            )
        return compact


class BuyerRead(BaseModel):
    """An institution's invoicing details (开票信息) as stored: who changed them last, when."""

    model_config = ConfigDict(from_attributes=True)

    customer_org_id: uuid.UUID
    name: str
    tax_id: str
    address: str | None
    bank_account: str | None
    updated_by: str
    updated_at: datetime


class ApplicationLineWrite(OrderRef):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1, max_length=200, examples=["信息技术服务费"])
    tax_code: str = Field(pattern=r"^[0-9]{19}$", description="税收分类编码, 19 digits.")
    tax_rate: Decimal = Field(examples=["0.06"], description="One of 0, 0.01 … 0.13.")
    amount: AmountCNY = Field(gt=0, description="Tax-inclusive amount (价税合计) of the line.")


class ApplicationWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    legal_entity: SellingEntity = Field(description="The seller issuing the invoice (销售方).")
    invoice_type: InvoiceType = InvoiceType.vat_normal
    buyer: Buyer | None = Field(
        default=None,
        description="Omitted: the institution's invoicing details (PUT /v1/invoices/buyers/…).",
    )
    lines: list[ApplicationLineWrite] = Field(min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _rules(self) -> Self:
        for i, line in enumerate(self.lines):
            if line.tax_rate not in VAT_RATES:
                raise field_error("ApplicationWrite", ("lines", i, "tax_rate"), "vat_rate",
                                  f"tax_rate must be one of {', '.join(map(str, VAT_RATES))}",
                                  str(line.tax_rate))  # fmt: skip
        if (
            self.invoice_type is InvoiceType.vat_special
            and self.buyer is not None
            and not (self.buyer.address and self.buyer.bank_account)
        ):
            raise field_error("ApplicationWrite", ("buyer", "bank_account"), "required",
                              "a special VAT invoice needs the buyer's address and bank account",
                              None)  # fmt: skip
        return self


class DecisionWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300)


class IssueWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invoice_no: str = Field(pattern=INVOICE_NO, description="The 20-digit invoice number.")
    issue_date: date
    buyer: Buyer | None = Field(
        default=None,
        description="The buyer printed on the invoice; omitted: the application's, else the "
        "institution's invoicing details.",
    )


class RedShareWrite(OrderRef):
    model_config = ConfigDict(extra="forbid")

    amount: AmountCNY = Field(gt=0)


class RedLetterWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    red_invoice_no: str = Field(pattern=INVOICE_NO)
    issue_date: date
    reason: RedInvoiceReason
    note: str | None = Field(default=None, max_length=300)
    orders: list[RedShareWrite] | None = Field(
        default=None,
        min_length=1,
        description="Orders and amounts to reverse; omitted: everything not yet reversed.",
    )


class ApplicationLineRead(BaseModel):
    line_no: int
    order_id: uuid.UUID
    description: str
    tax_code: str
    tax_rate: Decimal
    amount: Decimal
    tax: Decimal


class ShareRead(BaseModel):
    order_id: uuid.UUID
    amount: Decimal
    tax: Decimal


class InvoiceRead(BaseModel):
    id: uuid.UUID
    invoice_no: str
    kind: InvoiceKind
    application_id: uuid.UUID
    original_invoice_id: uuid.UUID | None
    legal_entity: SellingEntity
    customer_org_id: uuid.UUID
    amount: Decimal
    tax: Decimal
    reversed_amount: Decimal
    issue_date: date
    reason: RedInvoiceReason | None
    note: str | None
    journal_entry_id: uuid.UUID
    issued_by: str
    issued_at: datetime
    orders: list[ShareRead]


class ApplicationRead(BaseModel):
    id: uuid.UUID
    application_no: str
    legal_entity: SellingEntity
    customer_org_id: uuid.UUID
    invoice_type: InvoiceType
    buyer: Buyer | None
    amount: Decimal
    tax: Decimal
    status: ApplicationStatus
    note: str | None
    settlement_list_id: uuid.UUID | None
    applied_by: str
    applied_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    lines: list[ApplicationLineRead]
    invoices: list[InvoiceRead]
