"""All SQL of the bank statements module."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from finance.receipts.models import Receipt
from finance.receipts.repository import bulk_insert
from finance.statements.models import BankAccount, BankStatementLine

_CHUNK = 5_000


class StatementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def account(self, account_no: str) -> BankAccount | None:
        return await self.session.get(BankAccount, account_no)

    async def accounts(self) -> Sequence[BankAccount]:
        query = select(BankAccount).order_by(BankAccount.legal_entity, BankAccount.account_no)
        return (await self.session.execute(query)).scalars().all()

    def add(self, row: BankAccount) -> None:
        self.session.add(row)

    async def known_lines(
        self, account_no: str, serials: Sequence[str]
    ) -> dict[str, tuple[int, int]]:
        """流水号 already imported for the account → (income, expense) as imported."""
        found: dict[str, tuple[int, int]] = {}
        line = BankStatementLine
        if self.session.get_bind().dialect.name == "postgresql":
            # Joined to the list as an array: a long IN list of parameters is compared row by
            # row once the table has grown past what the planner last saw.
            statement = text(
                "SELECT l.serial_no, l.income_fen, l.expense_fen FROM bank_statement_lines l "
                "JOIN unnest(CAST(:serials AS text[])) AS v(serial) ON l.serial_no = v.serial "
                "WHERE l.bank_account = :account"
            )
            for start in range(0, len(serials), 50_000):
                chunk = list(serials[start : start + 50_000])
                rows = await self.session.execute(
                    statement, {"serials": chunk, "account": account_no}
                )
                for serial, income, expense in rows.all():
                    found[serial] = (income, expense)
            return found
        for start in range(0, len(serials), _CHUNK):
            part = serials[start : start + _CHUNK]
            query = select(line.serial_no, line.income_fen, line.expense_fen).where(
                line.bank_account == account_no, line.serial_no.in_(part)
            )
            for serial, income, expense in (await self.session.execute(query)).all():
                found[serial] = (income, expense)
        return found

    async def insert_lines(self, rows: Sequence[dict[str, Any]]) -> None:
        await bulk_insert(self.session, BankStatementLine.__table__, rows)

    async def lines(
        self,
        *,
        bank_account: str | None,
        direction: str | None,
        serial_no: str | None,
        start: datetime | None,
        end: datetime | None,
        limit: int,
        offset: int,
    ) -> Sequence[tuple[BankStatementLine, Any]]:
        query = select(BankStatementLine, Receipt.id).outerjoin(
            Receipt, Receipt.statement_line_id == BankStatementLine.id
        )
        if bank_account is not None:
            query = query.where(BankStatementLine.bank_account == bank_account)
        if direction == "in":
            query = query.where(BankStatementLine.income_fen > 0)
        elif direction == "out":
            query = query.where(BankStatementLine.expense_fen > 0)
        if serial_no is not None:
            query = query.where(BankStatementLine.serial_no == serial_no)
        if start is not None:
            query = query.where(BankStatementLine.transacted_at >= start)
        if end is not None:
            query = query.where(BankStatementLine.transacted_at < end)
        query = query.order_by(BankStatementLine.transacted_at.desc(), BankStatementLine.serial_no)
        return [
            (line, rid)
            for line, rid in (await self.session.execute(query.limit(limit).offset(offset))).all()
        ]
