"""All SQL of the ledger module."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, Select, String, exists, func, insert, literal, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached, selectinload

from finance.ledger.models import (
    JournalEntry,
    JournalLine,
    LedgerAccount,
    LedgerClosing,
    MonthBalance,
)
from servicekit.auth import Principal, org_scope_clause

#: (database, legal entity) → (valid until, active codes)
_CODES: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}
CODES_TTL = 10.0


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
        """Active account codes of a chart, kept for CODES_TTL seconds per database: posting
        reads them for every entry, and charts change rarely (a change through this process
        clears them at once; other replicas see it within the TTL)."""
        key = (self._database(), legal_entity)
        cached = _CODES.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        query = select(LedgerAccount.code).where(
            LedgerAccount.legal_entity == legal_entity, LedgerAccount.active.is_(True)
        )
        codes = frozenset((await self.session.execute(query)).scalars().all())
        _CODES[key] = (time.monotonic() + CODES_TTL, codes)
        return codes

    def forget_cached_codes(self) -> None:
        database = self._database()
        for key in [k for k in _CODES if k[0] == database]:
            _CODES.pop(key, None)

    def _database(self) -> str:
        return self.session.get_bind().engine.url.render_as_string(hide_password=True)

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

    async def insert_entry(self, entry: JournalEntry, lines: list[JournalLine]) -> bool:
        """Insert an entry and its lines in two statements; False (nothing written) when an
        entry for the same source exists. The objects become the session's persistent rows."""
        table = JournalEntry.__table__
        insert_ = (
            pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        )
        columns = list(table.columns)  # type: ignore[attr-defined]
        month = entry.entry_date.replace(day=1)
        # Written only outside closed months: the closing's row is checked in the same
        # statement, so an entry cannot slip into a month closed meanwhile.
        source = select(
            *(literal(getattr(entry, c.key), type_=c.type).label(c.key) for c in columns)
        ).where(
            ~exists().where(
                LedgerClosing.legal_entity == entry.legal_entity, LedgerClosing.month >= month
            )
        )
        statement = (
            insert_(table)  # type: ignore[arg-type]
            .from_select([c.key for c in columns], source)
            .on_conflict_do_nothing(index_elements=["source_type", "source_id"])
            .returning(table.c.id)  # type: ignore[attr-defined]
        )
        if (await self.session.execute(statement)).first() is None:
            return False
        line_table = JournalLine.__table__
        await self.session.execute(
            insert(line_table),  # type: ignore[arg-type]
            [{c.key: getattr(ln, c.key) for c in line_table.columns} for ln in lines],  # type: ignore[attr-defined]
        )
        # Written already: attach as loaded rows (no second INSERT at flush).
        entry.lines = lines
        for obj in (entry, *lines):
            make_transient_to_detached(obj)
        self.session.add(entry)
        return True

    # -- closing ------------------------------------------------------------------------------

    async def closed_through(self, legal_entity: str) -> date | None:
        """First day of the last closed month, if any."""
        query = select(func.max(LedgerClosing.month)).where(
            LedgerClosing.legal_entity == legal_entity
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def closings(self, legal_entity: str | None) -> Sequence[LedgerClosing]:
        query = select(LedgerClosing).order_by(LedgerClosing.legal_entity, LedgerClosing.month)
        if legal_entity is not None:
            query = query.where(LedgerClosing.legal_entity == legal_entity)
        return (await self.session.execute(query)).scalars().all()

    async def first_entry_date(self, legal_entity: str) -> date | None:
        query = select(func.min(JournalEntry.entry_date)).where(
            JournalEntry.legal_entity == legal_entity
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def lock_for_closing(self) -> None:
        """PostgreSQL: wait for postings in flight and hold new ones until the closing commits
        (SQLite has one writer)."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                text("LOCK TABLE journal_entries IN SHARE ROW EXCLUSIVE MODE")
            )

    async def close_month(self, legal_entity: str, month: date, until: date, actor: str) -> int:
        """Sum the month's lines per account and counterparty into ledger_month_balances and
        record the closing; the number of lines summed."""
        L = JournalLine
        in_month = (L.legal_entity == legal_entity, L.entry_date >= month, L.entry_date <= until)
        summed = (
            select(
                literal(legal_entity, type_=String()).label("legal_entity"),
                literal(month, type_=Date()).label("month"),
                L.account_code,
                L.counterparty_org_id,
                func.sum(L.debit_fen),
                func.sum(L.credit_fen),
            )
            .where(*in_month)
            .group_by(L.account_code, L.counterparty_org_id)
        )
        await self.session.execute(
            insert(MonthBalance).from_select(
                ["legal_entity", "month", "account_code", "counterparty_org_id", "debit_fen",
                 "credit_fen"],
                summed,
            )
        )  # fmt: skip
        count = (await self.session.execute(select(func.count()).where(*in_month))).scalar_one()
        self.session.add(
            LedgerClosing(
                legal_entity=legal_entity,
                month=month,
                lines=int(count),
                closed_by=actor[:120],
                closed_at=datetime.now(UTC),
            )
        )
        await self.session.flush()
        return int(count)

    def add(self, row: LedgerAccount | JournalEntry) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
