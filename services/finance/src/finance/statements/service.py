"""Importing bank statements: each new incoming line becomes a receipt and is matched.

Re-importing a file (or an overlapping period) is harmless: a line is known by its bank
account and 流水号 and imported once. A file with any bad row is refused whole (nothing
written); a dry run reports every bad row by row number and column, and what would be new.
"""

from __future__ import annotations

import uuid
from typing import Any

from finance.receipts.matching import new_ids
from finance.receipts.models import ReceiptSource
from finance.receipts.repository import take_write_lock
from finance.receipts.schemas import to_yuan
from finance.receipts.service import ReceiptService
from finance.statements.models import BankAccount
from finance.statements.parsing import FileProblem, RowError, parse_statement
from finance.statements.repository import StatementRepository
from finance.statements.schemas import (
    BankAccountRead,
    BankAccountWrite,
    RowErrorRead,
    StatementImportResult,
    StatementLineRead,
)
from servicekit.auth import Principal
from servicekit.clock import Clock, utc_now
from servicekit.errors import Conflict, Forbidden, Unprocessable


def operators_only(principal: Principal) -> None:
    """Our own bank accounts and their statements are the platform operator's books."""
    if not principal.platform_operator:
        raise Forbidden(
            "Bank accounts and statements are kept by the platform's finance staff.",
            code="operators_only",
        )


class StatementService:
    def __init__(
        self, repository: StatementRepository, receipts: ReceiptService, clock: Clock = utc_now
    ) -> None:
        self.repo = repository
        self.receipts = receipts
        self.clock = clock

    async def add_account(self, body: BankAccountWrite, principal: Principal) -> BankAccountRead:
        operators_only(principal)
        if await self.repo.account(body.account_no) is not None:
            raise Conflict(
                f"Bank account {body.account_no} is already registered.", code="bank_account_exists"
            )
        row = BankAccount(
            **body.model_dump(), created_by=principal.subject, created_at=self.clock()
        )
        self.repo.add(row)
        await self.repo.session.flush()
        return BankAccountRead.model_validate(row)

    async def accounts(self, principal: Principal) -> list[BankAccountRead]:
        operators_only(principal)
        return [BankAccountRead.model_validate(a) for a in await self.repo.accounts()]

    async def account(self, account_no: str, field: str) -> BankAccount:
        account = await self.repo.account(account_no)
        if account is None:
            message = f"bank account {account_no} is not registered; add it under /v1/bank-accounts"
            raise Unprocessable(
                message,
                code="unknown_bank_account",
                errors=[{"field": field, "code": "unknown_bank_account", "message": message}],
            )
        return account

    async def import_file(
        self,
        content: bytes,
        file_format: str,
        account_no: str,
        dry_run: bool,
        principal: Principal,
    ) -> StatementImportResult:
        operators_only(principal)
        if not dry_run:
            await take_write_lock(self.repo.session)
        account = await self.account(account_no, "query.bank_account")
        try:
            rows, errors = parse_statement(content, file_format)
        except FileProblem as problem:
            raise Unprocessable(
                f"The statement file cannot be read: {problem.message}.",
                code=problem.code,
                errors=[
                    {
                        "field": problem.column or "body",
                        "code": problem.code,
                        "message": problem.message,
                    }
                ],
            ) from problem
        known = await self.repo.known_lines(account_no, [r.serial_no for r in rows])
        fresh = []
        for row in rows:
            seen = known.get(row.serial_no)
            if seen is None:
                fresh.append(row)
            elif seen != (row.income_fen, row.expense_fen):
                errors.append(
                    RowError(
                        row.row,
                        "流水号",
                        "conflicting_serial_no",
                        f"流水号 {row.serial_no} was imported before with other amounts",
                        row.serial_no,
                    )
                )
        errors.sort(key=lambda e: (e.row, e.column))
        result = StatementImportResult(
            bank_account=account_no,
            dry_run=dry_run,
            rows=len(rows),
            new_lines=len(fresh),
            duplicates=len(rows) - len(fresh),
            receipts=sum(1 for r in fresh if r.income_fen > 0),
            matched=0,
            to_check=0,
            errors=[RowErrorRead(**e.as_dict()) for e in errors],
        )
        if dry_run:
            return result
        if errors:
            first = errors[0]
            raise Unprocessable(
                f"Row {first.row}, column {first.column}: {first.message}. "
                f"{len(errors)} row error(s); nothing was imported (try dry_run=true for all).",
                code="statement_rows_invalid",
                errors=[
                    {
                        "field": f"rows[{e.row}].{e.column}",
                        "row": e.row,
                        "column": e.column,
                        "code": e.code,
                        "message": e.message,
                        "value": e.value,
                    }
                    for e in errors[:200]
                ],
            )
        now = self.clock()
        lines: list[dict[str, Any]] = []
        receipts: list[dict[str, Any]] = []
        ids = iter(new_ids(2 * len(fresh)))
        for row in fresh:
            line_id = next(ids)
            lines.append(
                {
                    "id": line_id,
                    "bank_account": account_no,
                    "serial_no": row.serial_no,
                    "transacted_at": row.transacted_at,
                    "income_fen": row.income_fen,
                    "expense_fen": row.expense_fen,
                    "counterparty_name": row.counterparty_name,
                    "counterparty_account": row.counterparty_account,
                    "memo": row.memo,
                    "balance_fen": row.balance_fen,
                    "imported_by": principal.subject,
                    "imported_at": now,
                }
            )
            if row.income_fen > 0:
                receipts.append(
                    {
                        "id": next(ids),
                        "receipt_no": f"{account_no}:{row.serial_no}",
                        "source": ReceiptSource.bank.value,
                        "statement_line_id": line_id,
                        "bank_account": account_no,
                        "legal_entity": account.legal_entity,
                        "ledger_account": account.ledger_account,
                        "merchant_order_no": None,
                        "payer_name": row.counterparty_name,
                        "payer_account": row.counterparty_account,
                        "memo": row.memo,
                        "received_at": row.transacted_at,
                        "amount_fen": row.income_fen,
                        "created_by": principal.subject,
                        "created_at": now,
                    }
                )
        await self.repo.insert_lines(lines)
        outcome = await self.receipts.match_new(
            receipts, actor=principal.subject, run_id=uuid.uuid4()
        )
        result.matched, result.to_check = outcome.matched, outcome.to_check
        return result

    async def lines(self, principal: Principal, **filters: Any) -> list[StatementLineRead]:
        operators_only(principal)
        return [
            StatementLineRead(
                id=line.id,
                bank_account=line.bank_account,
                serial_no=line.serial_no,
                transacted_at=line.transacted_at,
                income=to_yuan(line.income_fen),
                expense=to_yuan(line.expense_fen),
                counterparty_name=line.counterparty_name,
                counterparty_account=line.counterparty_account,
                memo=line.memo,
                balance=None if line.balance_fen is None else to_yuan(line.balance_fen),
                imported_by=line.imported_by,
                imported_at=line.imported_at,
                receipt_id=receipt_id,
            )
            for line, receipt_id in await self.repo.lines(**filters)
        ]
