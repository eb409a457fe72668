"""The ledger's API side: the chart of accounts, manual entries, reversals, reading entries."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from finance.ledger import posting
from finance.ledger.models import JournalEntry, LedgerAccount
from finance.ledger.posting import PostingLine
from finance.ledger.repository import LedgerRepository
from finance.ledger.schemas import (
    AccountRead,
    AccountWrite,
    ClosingRead,
    ClosingWrite,
    EntryRead,
    LineRead,
    ManualEntryWrite,
    ReversalWrite,
)
from servicekit.auth import Principal
from servicekit.clock import Clock, utc_now
from servicekit.errors import Conflict, Forbidden, NotFound
from shared_schemas import Money, SellingEntity

MANUAL = "manual"


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def entry_read(entry: JournalEntry | posting.PostedEntry) -> EntryRead:
    return EntryRead(
        id=entry.id,
        legal_entity=SellingEntity(entry.legal_entity),
        entry_date=entry.entry_date,
        source_type=entry.source_type,
        source_id=entry.source_id,
        memo=entry.memo,
        total=Money.from_fen(entry.total_fen).amount,
        reverses_entry_id=entry.reverses_entry_id,
        created_by=entry.created_by,
        created_at=entry.created_at,
        lines=[
            LineRead(
                line_no=line.line_no,
                account_code=line.account_code,
                debit=Money.from_fen(line.debit_fen).amount,
                credit=Money.from_fen(line.credit_fen).amount,
                counterparty_org_id=line.counterparty_org_id,
                memo=line.memo,
            )
            for line in entry.lines
        ],
    )


class LedgerService:
    def __init__(self, repository: LedgerRepository, clock: Clock = utc_now) -> None:
        self.repo = repository
        self.clock = clock

    async def accounts(self, legal_entity: SellingEntity | None) -> list[AccountRead]:
        rows = await self.repo.accounts(None if legal_entity is None else legal_entity.value)
        return [AccountRead.model_validate(a) for a in rows]

    async def set_account(
        self, legal_entity: SellingEntity, code: str, data: AccountWrite, principal: Principal
    ) -> AccountRead:
        account = await self.repo.account(legal_entity.value, code)
        if account is None:
            account = LedgerAccount(legal_entity=legal_entity.value, code=code)
            self.repo.add(account)
        account.name = data.name
        account.kind = data.kind.value
        account.active = data.active
        account.updated_by = principal.subject
        account.updated_at = self.clock()
        await self.repo.flush()
        self.repo.forget_cached_codes()
        return AccountRead.model_validate(account)

    async def post_manual(self, data: ManualEntryWrite, principal: Principal) -> EntryRead:
        for i, line in enumerate(data.lines):
            if line.counterparty_org_id is not None and not principal.may_see_org(
                line.counterparty_org_id
            ):
                raise Forbidden(
                    f"lines[{i}].counterparty_org_id names an institution you may not see.",
                    code="counterparty_not_visible",
                )
        entry = await posting.post(
            self.repo,
            legal_entity=data.legal_entity.value,
            entry_date=data.entry_date,
            source_type=MANUAL,
            source_id=data.reference,
            memo=data.memo,
            lines=[
                PostingLine(
                    account_code=line.account_code,
                    debit_fen=Money(amount=line.debit).fen,
                    credit_fen=Money(amount=line.credit).fen,
                    counterparty_org_id=line.counterparty_org_id,
                    memo=line.memo,
                )
                for line in data.lines
            ],
            actor=principal.subject,
            field_prefix="body.",
            clock=self.clock,
        )
        return entry_read(entry)

    async def reverse(
        self, entry_id: uuid.UUID, data: ReversalWrite, principal: Principal
    ) -> EntryRead:
        await self._visible(entry_id, principal)
        entry = await posting.reverse_entry(
            self.repo.session,
            entry_id,
            data.reason,
            actor=principal.subject,
            entry_date=data.entry_date,
            clock=self.clock,
        )
        return entry_read(entry)

    async def close(self, data: ClosingWrite, principal: Principal) -> list[ClosingRead]:
        """Close the entity's open months through data.month, oldest first."""
        if not principal.platform_operator:
            raise Forbidden(
                "Only the platform's finance staff close months.", code="operators_only"
            )
        entity = data.legal_entity.value
        year, month = (int(p) for p in data.month.split("-"))
        through = date(year, month, 1)
        if through >= posting.today_shanghai(self.clock).replace(day=1):
            raise posting.EntryRejected(
                f"{data.month} is not over yet; only past months are closed.",
                code="month_open",
                errors=[{"field": "body.month", "code": "month_open",
                         "message": "close a month after it has ended"}],
            )  # fmt: skip
        await self.repo.lock_for_closing()
        last = await self.repo.closed_through(entity)
        if last is not None and through <= last:
            raise Conflict(f"{data.month} is closed already.", code="month_closed")
        first = await self.repo.first_entry_date(entity)
        start = _next_month(last) if last else (first or through).replace(day=1)
        start = min(start, through)
        closed = []
        while start <= through:
            following = _next_month(start)
            await self.repo.close_month(
                entity, start, following - timedelta(days=1), principal.subject, self.clock()
            )
            closed.append(start)
            start = following
        return [c for c in await self.closings(data.legal_entity) if c.month in closed]

    async def closings(self, legal_entity: SellingEntity | None) -> list[ClosingRead]:
        rows = await self.repo.closings(None if legal_entity is None else legal_entity.value)
        return [ClosingRead.model_validate(c) for c in rows]

    async def get(self, entry_id: uuid.UUID, principal: Principal) -> EntryRead:
        return entry_read(await self._visible(entry_id, principal))

    async def list(
        self,
        principal: Principal,
        *,
        legal_entity: SellingEntity | None,
        date_from: date | None,
        date_to: date | None,
        source_type: str | None,
        limit: int,
        offset: int,
    ) -> list[EntryRead]:
        rows = await self.repo.entries(
            principal,
            legal_entity=None if legal_entity is None else legal_entity.value,
            date_from=date_from,
            date_to=date_to,
            source_type=source_type,
            limit=limit,
            offset=offset,
        )
        return [entry_read(e) for e in rows]

    async def _visible(self, entry_id: uuid.UUID, principal: Principal) -> JournalEntry:
        entry = await self.repo.entry(entry_id)
        if entry is not None and (
            principal.platform_operator
            or any(
                line.counterparty_org_id is not None
                and principal.may_see_org(line.counterparty_org_id)
                for line in entry.lines
            )
        ):
            return entry
        raise NotFound(
            f"No journal entry {entry_id} that you may see.", code="journal_entry_not_found"
        )
