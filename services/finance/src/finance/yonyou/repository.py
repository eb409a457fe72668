"""All SQL of the Yonyou exchange."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import exists, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from finance.ledger.models import JournalEntry
from finance.yonyou.models import ExportBatch, ExportedEntry, PartnerCode, YonyouSettlement


class YonyouRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def unexported(
        self, legal_entity: str, date_from: date | None, date_to: date, limit: int
    ) -> Sequence[JournalEntry]:
        """Entries not in any export yet, oldest first, with their lines."""
        query = (
            select(JournalEntry)
            .options(selectinload(JournalEntry.lines))
            .where(
                JournalEntry.legal_entity == legal_entity,
                JournalEntry.entry_date <= date_to,
                ~exists().where(ExportedEntry.entry_id == JournalEntry.id),
            )
            .order_by(JournalEntry.entry_date, JournalEntry.created_at, JournalEntry.id)
            .limit(limit)
        )
        if date_from is not None:
            query = query.where(JournalEntry.entry_date >= date_from)
        return (await self.session.execute(query)).scalars().all()

    async def record_export(self, batch: ExportBatch, rows: list[dict[str, Any]]) -> None:
        """The batch and its entries; a concurrent export of the same entry fails here."""
        async with self.session.begin_nested():
            self.session.add(batch)
            await self.session.flush()
            if rows:
                await self.session.execute(insert(ExportedEntry), rows)

    async def batches(self, legal_entity: str | None, limit: int) -> Sequence[Any]:
        query = select(
            ExportBatch.id,
            ExportBatch.legal_entity,
            ExportBatch.date_from,
            ExportBatch.date_to,
            ExportBatch.voucher_types,
            ExportBatch.voucher_count,
            ExportBatch.line_count,
            ExportBatch.debit_total_fen,
            ExportBatch.created_by,
            ExportBatch.created_at,
        ).order_by(ExportBatch.created_at.desc())
        if legal_entity is not None:
            query = query.where(ExportBatch.legal_entity == legal_entity)
        return (await self.session.execute(query.limit(limit))).all()

    async def batch(self, batch_id: uuid.UUID) -> ExportBatch | None:
        return await self.session.get(ExportBatch, batch_id)

    async def partner_codes(self, org_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PartnerCode]:
        if not org_ids:
            return {}
        query = select(PartnerCode).where(PartnerCode.org_id.in_(set(org_ids)))
        return {p.org_id: p for p in (await self.session.execute(query)).scalars().all()}

    async def partners(self) -> Sequence[PartnerCode]:
        return (await self.session.execute(select(PartnerCode))).scalars().all()

    async def partner(self, org_id: uuid.UUID) -> PartnerCode | None:
        return await self.session.get(PartnerCode, org_id)

    async def orgs_by_code(self, side: str, codes: Sequence[str]) -> dict[str, uuid.UUID]:
        column = PartnerCode.customer_code if side == "receivable" else PartnerCode.supplier_code
        query = select(column, PartnerCode.org_id).where(column.in_(set(codes)))
        return {c: o for c, o in (await self.session.execute(query)).all()}

    async def settlements_by_doc(
        self, legal_entity: str, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], YonyouSettlement]:
        if not keys:
            return {}
        query = select(YonyouSettlement).where(
            YonyouSettlement.legal_entity == legal_entity,
            YonyouSettlement.doc_no.in_({doc for _, doc in keys}),
        )
        rows = (await self.session.execute(query)).scalars().all()
        return {(r.side, r.doc_no): r for r in rows}

    async def settlement_totals(
        self, legal_entity: str, date_from: date, date_to: date
    ) -> Sequence[Any]:
        query = (
            select(
                YonyouSettlement.side,
                YonyouSettlement.partner_code,
                YonyouSettlement.counterparty_org_id,
                func.count().label("documents"),
                func.sum(YonyouSettlement.amount_fen).label("amount_fen"),
            )
            .where(
                YonyouSettlement.legal_entity == legal_entity,
                YonyouSettlement.doc_date >= date_from,
                YonyouSettlement.doc_date <= date_to,
            )
            .group_by(
                YonyouSettlement.side,
                YonyouSettlement.partner_code,
                YonyouSettlement.counterparty_org_id,
            )
            .order_by(YonyouSettlement.side, YonyouSettlement.partner_code)
        )
        return (await self.session.execute(query)).all()

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)

    async def flush(self) -> None:
        await self.session.flush()
