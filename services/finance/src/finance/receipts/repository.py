"""All SQL of the receipts module (receipts, allocations, payer accounts, settings), and the
reads and updates it makes of settlement items (what orders still owe)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import any_, bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from finance.invoices.models import (
    Invoice,
    InvoiceApplication,
    InvoiceApplicationLine,
    InvoiceShare,
)
from finance.receipts.models import Allocation, CashSetting, PayerAccount, Receipt
from finance.settlement.models import SettlementItem
from servicekit.auth import Principal, scoped
from servicekit.db import serialize_writers
from servicekit.errors import Conflict

TOLERANCE_KEY = "underpayment_tolerance_fen"
_CHUNK = 5_000  # bound the IN lists and executemany batches


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def take_write_lock(session: AsyncSession) -> None:
    """Serialise this unit of work's read-then-write with every other writer (on SQLite the
    database's write lock, taken before the reads; PostgreSQL's row locks do it there)."""
    await serialize_writers(session)


async def bulk_insert(session: AsyncSession, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows (dicts with the same keys) in the caller's transaction: COPY on
    PostgreSQL (a statement import writes 100,000s of rows), batched INSERTs elsewhere."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        columns = list(rows[0])
        try:
            await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                table.name,
                records=[tuple(row[c] for c in columns) for row in rows],
                columns=columns,
            )
        except asyncpg.UniqueViolationError as exc:
            # The same lines or receipts written by a concurrent request that committed first.
            raise Conflict(
                "The same records were written at the same moment by another request; retry "
                "(what it wrote is not written twice).",
                code="written_concurrently",
            ) from exc
        return
    for chunk in _chunks(rows):
        await session.execute(insert(table), list(chunk))


class ReceiptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # settings ---------------------------------------------------------------------------
    async def setting(self, key: str) -> CashSetting | None:
        return await self.session.get(CashSetting, key)

    async def tolerance_fen(self) -> int:
        row = await self.setting(TOLERANCE_KEY)
        return 0 if row is None else row.value

    # receipts ---------------------------------------------------------------------------
    async def receipt(self, receipt_id: uuid.UUID, *, lock: bool = False) -> Receipt | None:
        query = select(Receipt).where(Receipt.id == receipt_id)
        if lock:
            # Row lock on PostgreSQL (SQLite serialises writers anyway): two clerks allocating
            # the same receipt at once are done one after the other, never over its amount.
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    def visible(self, principal: Principal) -> Any:
        return scoped(select(Receipt), Receipt.customer_org_id, principal)

    async def receipts(
        self,
        principal: Principal,
        *,
        status: str | None,
        to_check: bool | None,
        source: str | None,
        merchant_order_no: str | None,
        received_from: datetime | None,
        received_to: datetime | None,
        limit: int,
        offset: int,
    ) -> Sequence[Receipt]:
        query = self.visible(principal)
        if status is not None:
            query = query.where(Receipt.status == status)
        if to_check is not None:
            query = query.where(Receipt.to_check.is_(to_check))
        if source is not None:
            query = query.where(Receipt.source == source)
        if merchant_order_no is not None:
            query = query.where(Receipt.merchant_order_no == merchant_order_no)
        if received_from is not None:
            query = query.where(Receipt.received_at >= received_from)
        if received_to is not None:
            query = query.where(Receipt.received_at < received_to)
        query = query.order_by(Receipt.received_at.desc(), Receipt.id).limit(limit).offset(offset)
        return (await self.session.execute(query)).scalars().all()

    async def receipts_to_check(self, limit: int) -> Sequence[Receipt]:
        query = (
            select(Receipt)
            .where(Receipt.to_check.is_(True), Receipt.allocated_fen == 0)
            .order_by(Receipt.received_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(query)).scalars().all()

    async def receipts_by_merchant_order_nos(
        self, source: str, numbers: Sequence[str]
    ) -> Sequence[Receipt]:
        out: list[Receipt] = []
        for chunk in _chunks(list(numbers)):
            query = select(Receipt).where(
                Receipt.source == source, Receipt.merchant_order_no.in_(chunk)
            )
            out.extend((await self.session.execute(query)).scalars().all())
        return out

    async def receipts_in_period(
        self, source: str, start: datetime, end: datetime
    ) -> Sequence[Receipt]:
        query = select(Receipt).where(
            Receipt.source == source, Receipt.received_at >= start, Receipt.received_at < end
        )
        return (await self.session.execute(query)).scalars().all()

    async def insert_receipts(self, rows: Sequence[dict[str, Any]]) -> None:
        await bulk_insert(self.session, Receipt.__table__, rows)

    async def existing_receipt_nos(self, numbers: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(list(numbers)):
            query = select(Receipt.receipt_no).where(Receipt.receipt_no.in_(chunk))
            found.update((await self.session.execute(query)).scalars().all())
        return found

    # allocations ------------------------------------------------------------------------
    async def allocations(self, receipt_id: uuid.UUID) -> Sequence[Allocation]:
        query = (
            select(Allocation)
            .where(Allocation.receipt_id == receipt_id)
            .order_by(Allocation.allocated_at, Allocation.order_no)
        )
        return (await self.session.execute(query)).scalars().all()

    async def visible_allocations(
        self,
        principal: Principal,
        *,
        order_id: uuid.UUID | None,
        receipt_id: uuid.UUID | None,
        include_reversed: bool,
        limit: int,
        offset: int,
    ) -> Sequence[Allocation]:
        query = scoped(select(Allocation), Allocation.customer_org_id, principal)
        if order_id is not None:
            query = query.where(Allocation.order_id == order_id)
        if receipt_id is not None:
            query = query.where(Allocation.receipt_id == receipt_id)
        if not include_reversed:
            query = query.where(Allocation.reversed_at.is_(None))
        query = query.order_by(Allocation.allocated_at.desc(), Allocation.id)
        return (await self.session.execute(query.limit(limit).offset(offset))).scalars().all()

    async def insert_allocations(self, rows: Sequence[dict[str, Any]]) -> None:
        await bulk_insert(self.session, Allocation.__table__, rows)

    def add(self, row: Receipt | Allocation | PayerAccount | CashSetting) -> None:
        self.session.add(row)

    # payer accounts ---------------------------------------------------------------------
    async def payer_accounts(self, names: Sequence[str]) -> Sequence[PayerAccount]:
        out: list[PayerAccount] = []
        for chunk in _chunks(sorted(set(names))):
            query = select(PayerAccount).where(PayerAccount.payer_name.in_(chunk))
            out.extend((await self.session.execute(query)).scalars().all())
        return out

    async def payer_account(self, name: str, account: str) -> PayerAccount | None:
        query = select(PayerAccount).where(
            PayerAccount.payer_name == name, PayerAccount.payer_account == account
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def all_payer_accounts(self, principal: Principal) -> Sequence[PayerAccount]:
        query = scoped(select(PayerAccount), PayerAccount.customer_org_id, principal)
        return (await self.session.execute(query.order_by(PayerAccount.payer_name))).scalars().all()

    # what orders owe (settlement items) -------------------------------------------------
    async def open_receivables_by_no(self, order_nos: Sequence[str]) -> list[Any]:
        return await self._open_receivables(SettlementItem.order_no, sorted(set(order_nos)))

    async def open_receivables_of_orgs(self, org_ids: Sequence[uuid.UUID]) -> list[Any]:
        return await self._open_receivables(SettlementItem.customer_org_id, sorted(set(org_ids)))

    async def open_receivables_by_id(self, order_ids: Sequence[uuid.UUID]) -> list[Any]:
        return await self._open_receivables(SettlementItem.order_id, sorted(set(order_ids)))

    async def _open_receivables(self, column: Any, values: Sequence[Any]) -> list[Any]:
        """Rows (not ORM objects: a run may look at every open order) of receivables owed,
        row-locked on PostgreSQL until the commit (SQLite: the write lock is already held)."""
        columns = (
            SettlementItem.order_id,
            SettlementItem.order_no,
            SettlementItem.customer_org_id,
            SettlementItem.outstanding_fen,
            SettlementItem.account_code,
            SettlementItem.recorded_at,
        )
        owed = (SettlementItem.direction == "receivable", SettlementItem.outstanding_fen > 0)
        if not values:
            return []
        if self.session.get_bind().dialect.name == "postgresql":
            # One array parameter instead of thousands of IN parameters.
            wanted = bindparam("wanted", value=list(values), type_=postgresql.ARRAY(column.type))
            query = select(*columns).where(column == any_(wanted), *owed).with_for_update()
            return list((await self.session.execute(query)).all())
        out: list[Any] = []
        for chunk in _chunks(values):
            query = select(*columns).where(column.in_(chunk), *owed)
            out.extend((await self.session.execute(query)).all())
        return out

    async def open_receivables_near(
        self, wanted: Sequence[tuple[uuid.UUID, int]], tolerance_fen: int
    ) -> list[Any]:
        """Open receivables of these institutions owing from the amount up to amount +
        tolerance: the only candidates of the payer rule. Elsewhere than on PostgreSQL, all
        the institutions' open receivables (a superset)."""
        if self.session.get_bind().dialect.name != "postgresql":
            return await self.open_receivables_of_orgs(sorted({org for org, _ in wanted}))
        statement = text(
            "SELECT s.order_id, s.order_no, s.customer_org_id, s.outstanding_fen, "
            "s.account_code, s.recorded_at FROM settlement_items s "
            "JOIN unnest(CAST(:orgs AS uuid[]), CAST(:amounts AS bigint[])) AS v(org, fen) "
            "ON s.customer_org_id = v.org AND s.outstanding_fen BETWEEN v.fen AND v.fen + :tol "
            "WHERE s.direction = 'receivable' FOR UPDATE OF s"
        )
        out: list[Any] = []
        for start in range(0, len(wanted), 50_000):
            part = wanted[start : start + 50_000]
            result = await self.session.execute(
                statement,
                {
                    "orgs": [o for o, _ in part],
                    "amounts": [a for _, a in part],
                    "tol": tolerance_fen,
                },
            )
            out.extend(result.all())
        return out

    async def orders_of_documents(
        self, numbers: Sequence[str]
    ) -> list[tuple[str, uuid.UUID, uuid.UUID | None]]:
        """(number, order id, invoice id) for blue invoices (发票号码) and invoice applications
        (申请单号) among `numbers`: a payer often quotes those instead of order numbers."""
        out: list[tuple[str, uuid.UUID, uuid.UUID | None]] = []
        for chunk in _chunks(sorted(set(numbers))):
            by_invoice = (
                select(Invoice.invoice_no, InvoiceShare.order_id, Invoice.id)
                .join(InvoiceShare, InvoiceShare.invoice_id == Invoice.id)
                .where(Invoice.invoice_no.in_(chunk), Invoice.kind == "blue")
            )
            out.extend(
                (no, oid, iid) for no, oid, iid in (await self.session.execute(by_invoice)).all()
            )
            by_application = (
                select(InvoiceApplication.application_no, InvoiceApplicationLine.order_id)
                .join(
                    InvoiceApplicationLine,
                    InvoiceApplicationLine.application_id == InvoiceApplication.id,
                )
                .where(InvoiceApplication.application_no.in_(chunk))
                .distinct()
            )
            out.extend(
                (no, oid, None) for no, oid in (await self.session.execute(by_application)).all()
            )
        return out

    async def items(
        self, order_ids: Sequence[uuid.UUID], *, lock: bool = True
    ) -> dict[uuid.UUID, SettlementItem]:
        query = select(SettlementItem).where(SettlementItem.order_id.in_(set(order_ids)))
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return {i.order_id: i for i in (await self.session.execute(query)).scalars().all()}

    async def set_outstanding(self, values: Sequence[tuple[uuid.UUID, int]]) -> None:
        """Write what orders still owe (the caller holds their row locks)."""
        if self.session.get_bind().dialect.name == "postgresql":
            # One statement per chunk instead of one per order.
            statement = text(
                "UPDATE settlement_items AS s SET outstanding_fen = v.fen "
                "FROM unnest(CAST(:ids AS uuid[]), CAST(:fens AS bigint[])) AS v(id, fen) "
                "WHERE s.order_id = v.id"
            )
            for chunk in _chunks(list(values)):
                await self.session.execute(
                    statement, {"ids": [oid for oid, _ in chunk], "fens": [fen for _, fen in chunk]}
                )
            return
        table = SettlementItem.__table__
        statement_many = (
            update(table)
            .where(table.c.order_id == bindparam("oid"))
            .values(outstanding_fen=bindparam("fen"))
        )
        for chunk in _chunks(list(values)):
            await self.session.execute(
                statement_many, [{"oid": oid, "fen": fen} for oid, fen in chunk]
            )
