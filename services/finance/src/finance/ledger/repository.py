"""All SQL of the ledger module."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Select,
    String,
    bindparam,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from finance.ledger.models import (
    ClosingBalance,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    LedgerClosing,
    MonthBalance,
)
from servicekit.auth import Principal, org_scope_clause

#: (database, legal entity) → (valid until, active codes)
_CODES: dict[tuple[Any, str], tuple[float, frozenset[str]]] = {}
CODES_TTL = 10.0


# An entry is written unless its source was posted before (ON CONFLICT DO NOTHING) or its month
# is closed (NOT EXISTS a closing of that month or later); lines are written for the entries
# written only. Plain SQL: built once, no per-call compilation.
_PG_POST = text(
    """
WITH draft AS (
    SELECT * FROM unnest(CAST(:id AS uuid[]), CAST(:legal_entity AS text[]),
                         CAST(:entry_date AS date[]), CAST(:source_type AS text[]),
                         CAST(:source_id AS text[]), CAST(:memo AS text[]),
                         CAST(:total_fen AS bigint[]), CAST(:reverses_entry_id AS uuid[]),
                         CAST(:created_by AS text[]), CAST(:created_at AS timestamptz[]))
        AS d(id, legal_entity, entry_date, source_type, source_id, memo, total_fen,
             reverses_entry_id, created_by, created_at)
), written AS (
    INSERT INTO journal_entries (id, legal_entity, entry_date, source_type, source_id, memo,
                                 total_fen, reverses_entry_id, created_by, created_at)
    SELECT * FROM draft d
    WHERE NOT EXISTS (
        SELECT 1 FROM ledger_closings c
        WHERE c.legal_entity = d.legal_entity
          AND c.month >= CAST(date_trunc('month', d.entry_date) AS date))
    ON CONFLICT (source_type, source_id) DO NOTHING
    RETURNING id, legal_entity, entry_date
), lines AS (
    INSERT INTO journal_lines (entry_id, line_no, legal_entity, entry_date, account_code,
                               debit_fen, credit_fen, counterparty_org_id, memo)
    SELECT l.entry_id, l.line_no, w.legal_entity, w.entry_date, l.account_code, l.debit_fen,
           l.credit_fen, l.counterparty_org_id, l.memo
    FROM unnest(CAST(:line_entry_id AS uuid[]), CAST(:line_line_no AS int[]),
                CAST(:line_account_code AS text[]), CAST(:line_debit_fen AS bigint[]),
                CAST(:line_credit_fen AS bigint[]), CAST(:line_counterparty_org_id AS uuid[]),
                CAST(:line_memo AS text[]))
        AS l(entry_id, line_no, account_code, debit_fen, credit_fen, counterparty_org_id, memo)
    JOIN written w ON w.id = l.entry_id
)
SELECT id FROM written
"""
)
_SQLITE_POST: list[Any] = []


def _sqlite_post() -> Any:
    """INSERT … SELECT <the entry's values> WHERE <month open> ON CONFLICT DO NOTHING RETURNING
    id, with typed parameters (SQLite stores uuids and datetimes by SQLAlchemy's types)."""
    if not _SQLITE_POST:
        table = JournalEntry.__table__
        columns = list(table.columns)  # type: ignore[attr-defined]
        params = {c.key: bindparam(c.key, type_=c.type) for c in columns}
        source = select(*(param.label(key) for key, param in params.items())).where(
            ~exists().where(
                LedgerClosing.legal_entity == params["legal_entity"],
                LedgerClosing.month >= bindparam("month", type_=Date()),
            )
        )
        _SQLITE_POST.append(
            sqlite_insert(table)  # type: ignore[arg-type]
            .from_select([c.key for c in columns], source)
            .on_conflict_do_nothing(index_elements=["source_type", "source_id"])
            .returning(table.c.id)  # type: ignore[attr-defined]
        )
    return _SQLITE_POST[0]


B = MonthBalance


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

    def _database(self) -> Any:
        return self.session.get_bind().engine.url

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

    async def insert_entries(
        self, entries: Sequence[dict[str, Any]], lines: Sequence[dict[str, Any]]
    ) -> set[uuid.UUID]:
        """Insert entries (rows of journal_entries) and their lines (rows of journal_lines);
        the ids of the entries written. An entry is not written — nor its lines — when an entry
        for its source exists already, or when its month is closed: both are checked inside the
        INSERT itself, so a concurrent posting or closing cannot slip past them.

        PostgreSQL: one statement for the whole batch (one array per column); SQLite: one
        INSERT per entry and one for the lines written."""
        if not entries:
            return set()
        if self.session.get_bind().dialect.name == "postgresql":
            params = {
                name: [e[name] for e in entries]
                for name in ("id", "legal_entity", "entry_date", "source_type", "source_id",
                             "memo", "total_fen", "reverses_entry_id", "created_by",
                             "created_at")
            } | {
                f"line_{name}": [ln[name] for ln in lines]
                for name in ("entry_id", "line_no", "account_code", "debit_fen", "credit_fen",
                             "counterparty_org_id", "memo")
            }  # fmt: skip
            return set((await self.session.execute(_PG_POST, params)).scalars())
        written: set[uuid.UUID] = set()
        for entry in entries:
            month = entry["entry_date"].replace(day=1)
            if (await self.session.execute(_sqlite_post(), entry | {"month": month})).first():
                written.add(entry["id"])
        rows = [ln for ln in lines if ln["entry_id"] in written]
        if rows:
            await self.session.execute(insert(JournalLine.__table__), rows)  # type: ignore[arg-type]
        return written

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

    async def close_month(
        self, legal_entity: str, month: date, until: date, actor: str, at: datetime
    ) -> int:
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
        # Cumulative rows: the previous closed month's rolled forward with this month's sums.
        C = ClosingBalance
        previous = (month - timedelta(days=1)).replace(day=1)
        carried = select(C.account_code, C.counterparty_org_id, C.debit_fen, C.credit_fen).where(
            C.legal_entity == legal_entity, C.month == previous
        )
        moved = select(B.account_code, B.counterparty_org_id, B.debit_fen, B.credit_fen).where(
            B.legal_entity == legal_entity, B.month == month
        )
        both = union_all(carried, moved).subquery("both")
        await self.session.execute(
            insert(C).from_select(
                ["legal_entity", "month", "account_code", "counterparty_org_id", "debit_fen",
                 "credit_fen"],
                select(
                    literal(legal_entity, type_=String()), literal(month, type_=Date()),
                    both.c.account_code, both.c.counterparty_org_id, func.sum(both.c.debit_fen),
                    func.sum(both.c.credit_fen),
                ).group_by(both.c.account_code, both.c.counterparty_org_id),
            )
        )  # fmt: skip
        count = (await self.session.execute(select(func.count()).where(*in_month))).scalar_one()
        self.session.add(
            LedgerClosing(
                legal_entity=legal_entity,
                month=month,
                lines=int(count),
                closed_by=actor[:120],
                closed_at=at,
            )
        )
        await self.session.flush()
        return int(count)

    def add(self, row: LedgerAccount | JournalEntry) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
