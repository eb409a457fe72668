"""Bank accounts and bank statements (银行流水) API (through the gateway: /api/finance/v1/...)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from finance.receipts.repository import ReceiptRepository
from finance.receipts.service import ReceiptService
from finance.statements.parsing import detect_format
from finance.statements.repository import StatementRepository
from finance.statements.schemas import (
    BankAccountRead,
    BankAccountWrite,
    StatementImportResult,
    StatementLineRead,
)
from finance.statements.service import StatementService
from servicekit.app import AppClock, DbSession, EventOutbox
from servicekit.auth import Principal, require
from servicekit.errors import ProblemError, Unprocessable

router = APIRouter(prefix="/v1", tags=["bank statements"])
MAX_FILE_BYTES = 64 * 1024 * 1024
Importer = Annotated[Principal, Depends(require("finance.bank_statement.import"))]
Reader = Annotated[Principal, Depends(require("finance.bank_statement.query"))]


def _service(session: DbSession, outbox: EventOutbox, clock: AppClock) -> StatementService:
    receipts = ReceiptService(ReceiptRepository(session), outbox, clock=clock)
    return StatementService(StatementRepository(session), receipts, clock=clock)


Service = Annotated[StatementService, Depends(_service)]


@router.post(
    "/bank-accounts",
    response_model=BankAccountRead,
    status_code=201,
    summary="Register one of our companies' bank accounts",
)
async def add_bank_account(
    body: BankAccountWrite, service: Service, principal: Importer
) -> BankAccountRead:
    return await service.add_account(body, principal)


@router.get("/bank-accounts", response_model=list[BankAccountRead])
async def list_bank_accounts(service: Service, principal: Reader) -> list[BankAccountRead]:
    return await service.accounts(principal)


@router.post(
    "/bank-statements/imports",
    response_model=StatementImportResult,
    summary="Import a bank statement (CSV or XLSX as the request body); dry run by default",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string", "format": "binary"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        }
    },
)
async def import_statement(
    request: Request,
    service: Service,
    principal: Importer,
    bank_account: Annotated[str, Query(min_length=4, max_length=40)],
    filename: Annotated[str, Query(min_length=1, max_length=200)] = "statement.csv",
    file_format: Annotated[
        str | None, Query(alias="format", pattern="^(csv|xlsx)$", description="else by filename")
    ] = None,
    dry_run: bool = True,
) -> StatementImportResult:
    chosen = detect_format(filename, file_format)
    if chosen is None:
        raise Unprocessable(
            "Say format=csv or format=xlsx, or give a filename ending in .csv or .xlsx.",
            code="unknown_format",
            errors=[{"field": "query.format", "code": "unknown_format", "message": "csv or xlsx"}],
        )
    content = await request.body()
    if len(content) > MAX_FILE_BYTES:
        raise ProblemError(
            f"The file is larger than {MAX_FILE_BYTES} bytes.", code="file_too_large", status=413
        )
    if not content:
        raise Unprocessable(
            "The request body (the file) is empty.",
            code="empty_file",
            errors=[{"field": "body", "code": "empty_file", "message": "send the file"}],
        )
    return await service.import_file(content, chosen, bank_account, dry_run, principal)


@router.get("/bank-statements", response_model=list[StatementLineRead])
async def list_statement_lines(
    service: Service,
    principal: Reader,
    bank_account: Annotated[str | None, Query(max_length=40)] = None,
    direction: Annotated[str | None, Query(pattern="^(in|out)$")] = None,
    serial_no: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[StatementLineRead]:
    return await service.lines(
        principal,
        bank_account=bank_account,
        direction=direction,
        serial_no=serial_no,
        start=start,
        end=end,
        limit=limit,
        offset=offset,
    )
