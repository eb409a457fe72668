"""Payments API: payment requests (付款申请) and their approval chain, fund transfers
(资金转账), service staff's withdrawals (自主提现), institution balances (机构充值)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from finance.payments.repository import PaymentRepository
from finance.payments.schemas import (
    ApprovalLevelRead,
    ApprovalLevels,
    Approve,
    FundTransferCreate,
    FundTransferRead,
    OrgBalanceRead,
    PaymentCallback,
    PaymentRequestCreate,
    PaymentRequestRead,
    Reject,
    StaffBalanceRead,
    StaffCreditCreate,
    TopUpCreate,
    WithdrawalCreate,
)
from finance.payments.service import PaymentService
from servicekit.app import AppClock, DbSession, EventOutbox
from servicekit.auth import CurrentPrincipal, Principal, require

router = APIRouter(prefix="/v1", tags=["payments"])
Reader = Annotated[Principal, Depends(require("finance.payment_request.query"))]
Creator = Annotated[Principal, Depends(require("finance.payment_request.create"))]
Approver = Annotated[Principal, Depends(require("finance.payment_request.approve"))]
TransferReader = Annotated[Principal, Depends(require("finance.fund_transfer.query"))]
BalanceKeeper = Annotated[Principal, Depends(require("finance.allocation.manage"))]


def _service(session: DbSession, outbox: EventOutbox, clock: AppClock) -> PaymentService:
    return PaymentService(PaymentRepository(session), outbox, clock=clock)


Service = Annotated[PaymentService, Depends(_service)]


@router.get("/approval-levels", response_model=list[ApprovalLevelRead])
async def approval_levels(service: Service, _: Reader) -> list[ApprovalLevelRead]:
    return await service.levels()


@router.put("/approval-levels", response_model=list[ApprovalLevelRead],
            summary="Set the approval chain: from each amount up, that many approvers")  # fmt: skip
async def set_approval_levels(
    body: ApprovalLevels, service: Service, principal: Approver
) -> list[ApprovalLevelRead]:
    return await service.set_levels(body, principal)


@router.post("/payment-requests", response_model=PaymentRequestRead, status_code=201)
async def create_payment_request(
    body: PaymentRequestCreate, service: Service, principal: Creator
) -> PaymentRequestRead:
    return await service.create(body, principal)


@router.get("/payment-requests", response_model=list[PaymentRequestRead])
async def list_payment_requests(
    service: Service,
    principal: Reader,
    status: Annotated[str | None, Query(pattern="^(pending|approved|paid|rejected)$")] = None,
    payee_id: Annotated[str | None, Query(max_length=64)] = None,
    merchant_order_no: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[PaymentRequestRead]:
    return await service.requests(
        principal,
        status=status,
        payee_id=payee_id,
        merchant_order_no=merchant_order_no,
        limit=limit,
        offset=offset,
    )


@router.get("/payment-requests/{request_id}", response_model=PaymentRequestRead)
async def get_payment_request(
    request_id: uuid.UUID, service: Service, principal: Reader
) -> PaymentRequestRead:
    return await service.get(request_id, principal)


@router.post("/payment-requests/{request_id}/approvals", response_model=PaymentRequestRead)
async def approve_payment_request(
    request_id: uuid.UUID, body: Approve, service: Service, principal: Approver
) -> PaymentRequestRead:
    return await service.approve(request_id, body.comment, principal)


@router.post("/payment-requests/{request_id}/rejection", response_model=PaymentRequestRead)
async def reject_payment_request(
    request_id: uuid.UUID, body: Reject, service: Service, principal: Approver
) -> PaymentRequestRead:
    return await service.reject(request_id, body.reason, principal)


@router.post("/payment-requests/{request_id}/payment", response_model=PaymentRequestRead,
             summary="The bank's payment callback: paid with this reference (idempotent)")  # fmt: skip
async def pay_payment_request(
    request_id: uuid.UUID, body: PaymentCallback, service: Service, principal: Approver
) -> PaymentRequestRead:
    return await service.pay(request_id, body, principal)


@router.post("/fund-transfers", response_model=FundTransferRead, status_code=201,
             summary="Record a transfer between two of our accounts (idempotent by reference)")  # fmt: skip
async def record_fund_transfer(
    body: FundTransferCreate, service: Service, principal: Approver
) -> FundTransferRead:
    return await service.transfer(body, principal)


@router.get("/fund-transfers", response_model=list[FundTransferRead])
async def list_fund_transfers(
    service: Service,
    principal: TransferReader,
    account: Annotated[str | None, Query(max_length=40)] = None,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[FundTransferRead]:
    return await service.transfers(
        principal, account=account, start=start, end=end, limit=limit, offset=offset
    )


@router.post("/staff-balances/{staff_id}/credits", response_model=StaffBalanceRead,
             status_code=201, summary="Put a payable order on a service staff's balance")  # fmt: skip
async def credit_staff(
    staff_id: str, body: StaffCreditCreate, service: Service, principal: Creator
) -> StaffBalanceRead:
    return await service.credit_staff(staff_id, body, principal)


@router.get("/staff-balances/{staff_id}", response_model=StaffBalanceRead)
async def staff_balance(
    staff_id: str, service: Service, principal: CurrentPrincipal
) -> StaffBalanceRead:
    return await service.staff_balance(staff_id, principal)


@router.post("/staff-balances/{staff_id}/withdrawals", response_model=PaymentRequestRead,
             status_code=201, summary="自主提现: a payment request for (part of) the balance")  # fmt: skip
async def withdraw(
    staff_id: str, body: WithdrawalCreate, service: Service, principal: CurrentPrincipal
) -> PaymentRequestRead:
    return await service.withdraw(staff_id, body, principal)


@router.post("/org-balances/{org_id}/top-ups", response_model=OrgBalanceRead, status_code=201,
             summary="机构充值: money received for an institution's balance (once per reference)")  # fmt: skip
async def top_up(
    org_id: uuid.UUID, body: TopUpCreate, service: Service, principal: BalanceKeeper
) -> OrgBalanceRead:
    return await service.top_up(org_id, body, principal)


@router.get("/org-balances/{org_id}", response_model=OrgBalanceRead,
            summary="An institution's balance and its statement (newest first)")  # fmt: skip
async def org_balance(
    org_id: uuid.UUID,
    service: Service,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> OrgBalanceRead:
    return await service.org_balance(org_id, principal, limit)
