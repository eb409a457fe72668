"""All SQL of the ledger module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from finance.ledger.models import JournalEntry, JournalLine, LedgerAccount
from servicekit.auth import Principal, org_scope_clause

_ACCOUNT_CACHE = "finance.ledger.account_codes"


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- chart of accounts --------------------------------------------------------------------

    async def accounts(self, legal_entity: str | None = None) -> Sequence[LedgerAccount]:
        query = select(LedgerAccount).order_by(LedgerAccount.legal_entity, LedgerAccount.code)
        if legal_entity is not None:
            query = query.where(LedgerAccount.legal_entity == legal_entity)
        return (await self.session.execute(query)).scalars().all()

    async def account(self, legal_entity: str, code: str) -> LedgerAccount | None:
        return await self.session.get(LedgerAccount, (legal_entity, code))

    async def active_codes(self, legal_entity: str) -> frozenset[str]:
        """Active account codes, read once per transaction (a batch posts many entries)."""
        cache: dict[str, frozenset[str]] = self.session.info.setdefault(_ACCOUNT_CACHE, {})
        codes = cache.get(legal_entity)
        if codes is None:
            query = select(LedgerAccount.code).where(
                LedgerAccount.legal_entity == legal_entity, LedgerAccount.active.is_(True)
            )
            codes = frozenset((await self.session.execute(query)).scalars().all())
            cache[legal_entity] = codes
        return codes

    def forget_cached_codes(self) -> None:
        self.session.info.pop(_ACCOUNT_CACHE, None)

    # -- journal ------------------------------------------------------------------------------

    def _with_lines(self) -> Select[Any]:
        return select(JournalEntry).options(selectinload(JournalEntry.lines))

    async def entry(self, entry_id: uuid.UUID) -> JournalEntry | None:
        query = self._with_lines().where(JournalEntry.id == entry_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def entry_by_source(self, source_type: str, source_id: str) -> JournalEntry | None:
        query = self._with_lines().where(
            JournalEntry.source_type == source_type, JournalEntry.source_id == source_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def reversal_of(self, entry_id: uuid.UUID) -> JournalEntry | None:
        query = self._with_lines().where(JournalEntry.reverses_entry_id == entry_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def entries(
        self,
        principal: Principal,
        *,
        legal_entity: str | None,
        date_from: date | None,
        date_to: date | None,
        source_type: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[JournalEntry]:
        query = self._with_lines()
        if legal_entity is not None:
            query = query.where(JournalEntry.legal_entity == legal_entity)
        if date_from is not None:
            query = query.where(JournalEntry.entry_date >= date_from)
        if date_to is not None:
            query = query.where(JournalEntry.entry_date <= date_to)
        if source_type is not None:
            query = query.where(JournalEntry.source_type == source_type)
        clause = org_scope_clause(JournalLine.counterparty_org_id, principal)
        if clause is not None:
            # Outside the platform operators, an entry is visible when one of its lines is
            # with an institution the caller may see.
            query = query.where(JournalEntry.id.in_(select(JournalLine.entry_id).where(clause)))
        query = query.order_by(
            JournalEntry.entry_date.desc(), JournalEntry.created_at.desc(), JournalEntry.id
        )
        return (await self.session.execute(query.limit(limit).offset(offset))).scalars().all()

    def add(self, row: LedgerAccount | JournalEntry) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
