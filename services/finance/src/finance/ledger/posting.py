"""Posting to the ledger: the one way any finance module writes a journal entry (记账).

Every entry balances (debits = credits, in fen), names only active accounts of its legal
entity's chart, and is idempotent by its source document: posting (source_type, source_id)
again returns the entry posted first. Entries are never changed; `reverse_entry` posts the
mirror entry, once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from finance.ledger.models import JournalEntry
from finance.ledger.repository import LedgerRepository
from servicekit.clock import Clock, utc_now
from servicekit.errors import Conflict, NotFound, Unprocessable
from shared_schemas import SellingEntity

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: source_type of a reversing entry; its source_id is the reversed entry's id.
REVERSAL = "reversal"
_MEMO_MAX = 200


@dataclass(frozen=True)
class PostingLine:
    account_code: str
    debit_fen: int = 0
    credit_fen: int = 0
    counterparty_org_id: uuid.UUID | None = None
    memo: str | None = None


class EntryRejected(Unprocessable):
    """The entry cannot be posted as given (unbalanced, unknown account, bad amount …)."""

    code = "journal_entry_invalid"


def today_shanghai(clock: Clock = utc_now) -> date:
    """Business dates are Shanghai dates (a receipt at 01:00 Beijing time is that day's)."""
    return clock().astimezone(SHANGHAI).date()


@dataclass(frozen=True, slots=True)
class PostedLine:
    line_no: int
    account_code: str
    debit_fen: int
    credit_fen: int
    counterparty_org_id: uuid.UUID | None
    memo: str | None


@dataclass(frozen=True, slots=True)
class PostedEntry:
    """A journal entry as posted (or as first posted, for a repeated source). Plain values, not
    an ORM object: building and tracking mapped instances cost more than the INSERT itself."""

    id: uuid.UUID
    legal_entity: str
    entry_date: date
    source_type: str
    source_id: str
    memo: str
    total_fen: int
    reverses_entry_id: uuid.UUID | None
    created_by: str
    created_at: datetime
    lines: list[PostedLine]

    @classmethod
    def of(cls, entry: JournalEntry) -> PostedEntry:
        return cls(
            entry.id, entry.legal_entity, entry.entry_date, entry.source_type, entry.source_id,
            entry.memo, entry.total_fen, entry.reverses_entry_id, entry.created_by,
            entry.created_at,
            [PostedLine(ln.line_no, ln.account_code, ln.debit_fen, ln.credit_fen,
                        ln.counterparty_org_id, ln.memo) for ln in entry.lines],
        )  # fmt: skip


@dataclass(frozen=True)
class EntryDraft:
    """One entry to post with `post_entries`."""

    legal_entity: str
    entry_date: date
    source_type: str
    source_id: str
    memo: str
    lines: Sequence[PostingLine]


async def post_entry(
    session: AsyncSession,
    *,
    legal_entity: str,
    entry_date: date,
    source_type: str,
    source_id: str,
    memo: str,
    lines: Sequence[PostingLine],
    actor: str,
    clock: Clock = utc_now,
) -> PostedEntry:
    """Post a balanced entry for a source document once; a repeat returns the first entry.

    Raises EntryRejected (422, fields named `lines[i].…`) for an entry that does not balance or
    names an unknown account: nothing is written then.
    """
    return await post(
        LedgerRepository(session),
        legal_entity=legal_entity,
        entry_date=entry_date,
        source_type=source_type,
        source_id=source_id,
        memo=memo,
        lines=lines,
        actor=actor,
        clock=clock,
    )


async def post_entries(
    session: AsyncSession, drafts: Sequence[EntryDraft], *, actor: str, clock: Clock = utc_now
) -> list[PostedEntry]:
    """Post several entries at once (a consumer's batch), in their order; each as `post_entry`
    would (a repeated source returns its first entry). All are checked before anything is
    written: one bad entry rejects the batch, its fields named `entries[k].lines[i].…`. On
    PostgreSQL the batch is one statement."""
    return await _post_all(
        LedgerRepository(session), drafts, actor=actor, batch=True, clock=clock
    )


async def post(
    repo: LedgerRepository,
    *,
    legal_entity: str,
    entry_date: date,
    source_type: str,
    source_id: str,
    memo: str,
    lines: Sequence[PostingLine],
    actor: str,
    field_prefix: str = "",
    reverses: uuid.UUID | None = None,
    clock: Clock = utc_now,
) -> PostedEntry:
    draft = EntryDraft(legal_entity, entry_date, source_type, source_id, memo, lines)
    posted = await _post_all(
        repo, [draft], actor=actor, prefix=field_prefix, reverses=reverses, batch=False,
        clock=clock,
    )
    return posted[0]


async def _post_all(
    repo: LedgerRepository,
    drafts: Sequence[EntryDraft],
    *,
    actor: str,
    batch: bool,
    prefix: str = "",
    reverses: uuid.UUID | None = None,
    clock: Clock = utc_now,
) -> list[PostedEntry]:
    for k, draft in enumerate(drafts):
        await _check(repo, draft, f"{prefix}entries[{k}]." if batch else prefix)
    now = clock()
    created_by = actor[:120]
    entries: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for draft in drafts:
        entry_id = uuid.uuid4()
        entries.append({
            "id": entry_id, "legal_entity": draft.legal_entity, "entry_date": draft.entry_date,
            "source_type": draft.source_type, "source_id": draft.source_id,
            "memo": draft.memo[:_MEMO_MAX], "total_fen": sum(ln.debit_fen for ln in draft.lines),
            "reverses_entry_id": reverses, "created_by": created_by, "created_at": now,
        })  # fmt: skip
        rows += [
            {"entry_id": entry_id, "line_no": n, "legal_entity": draft.legal_entity,
             "entry_date": draft.entry_date, "account_code": line.account_code,
             "debit_fen": line.debit_fen, "credit_fen": line.credit_fen,
             "counterparty_org_id": line.counterparty_org_id,
             "memo": None if line.memo is None else line.memo[:_MEMO_MAX]}
            for n, line in enumerate(draft.lines, start=1)
        ]  # fmt: skip
    written = await repo.insert_entries(entries, rows)
    lines_of: dict[uuid.UUID, list[PostedLine]] = {}
    for row in rows:
        if row["entry_id"] in written:
            lines_of.setdefault(row["entry_id"], []).append(PostedLine(
                row["line_no"], row["account_code"], row["debit_fen"], row["credit_fen"],
                row["counterparty_org_id"], row["memo"]))  # fmt: skip
    posted: list[PostedEntry] = []
    for k, (draft, values) in enumerate(zip(drafts, entries, strict=True)):
        if values["id"] in written:
            posted.append(PostedEntry(**values, lines=lines_of[values["id"]]))
            continue
        # Not written: the source was posted before (or by a concurrent transaction that
        # committed first), or the month is closed.
        first = await repo.entry_by_source(draft.source_type, draft.source_id)
        if first is not None:
            posted.append(PostedEntry.of(first))
            continue
        closed = await repo.closed_through(draft.legal_entity)
        if closed is None:  # pragma: no cover - neither a repeat nor a closed month
            raise RuntimeError(f"entry for {draft.source_type} {draft.source_id} was not written")
        field = f"{prefix}entries[{k}].entry_date" if batch else f"{prefix}entry_date"
        raise EntryRejected(
            f"{draft.entry_date} is in a closed month of {draft.legal_entity} (closed through "
            f"{closed:%Y-%m}); date the entry after it.",
            code="period_closed",
            errors=[{"field": field, "code": "period_closed",
                     "message": f"months through {closed:%Y-%m} are closed"}],
        )  # fmt: skip
    return posted


async def reverse_entry(
    session: AsyncSession,
    entry_id: uuid.UUID,
    reason: str,
    *,
    actor: str,
    entry_date: date | None = None,
    clock: Clock = utc_now,
) -> PostedEntry:
    """Post the mirror of an entry (debits become credits), linked to it. An entry is reversed
    once, and a reversing entry is not itself reversed (post a new entry instead)."""
    repo = LedgerRepository(session)
    original = await repo.entry(entry_id)
    if original is None:
        raise NotFound(f"No journal entry {entry_id}.", code="journal_entry_not_found")
    if original.reverses_entry_id is not None:
        raise Conflict(
            f"Entry {entry_id} is itself a reversal; post a new entry instead.",
            code="journal_entry_is_reversal",
        )
    if await repo.reversal_of(entry_id) is not None:
        raise Conflict(
            f"Entry {entry_id} has already been reversed.", code="journal_entry_already_reversed"
        )
    if not reason.strip():
        raise EntryRejected(
            "Say why the entry is reversed.",
            errors=[{"field": "reason", "code": "missing", "message": "reason is required"}],
        )
    return await post(
        repo,
        legal_entity=original.legal_entity,
        entry_date=entry_date or today_shanghai(clock),
        source_type=REVERSAL,
        source_id=str(entry_id),
        memo=f"冲销 {original.memo}: {reason}",
        lines=[
            PostingLine(
                account_code=line.account_code,
                debit_fen=line.credit_fen,
                credit_fen=line.debit_fen,
                counterparty_org_id=line.counterparty_org_id,
                memo=line.memo,
            )
            for line in original.lines
        ],
        actor=actor,
        reverses=entry_id,
        clock=clock,
    )


async def _check(repo: LedgerRepository, draft: EntryDraft, prefix: str) -> None:
    """Everything that can be checked without writing: the entity, amounts, one side per line,
    active accounts (the chart is cached) and balance."""
    legal_entity, lines = draft.legal_entity, draft.lines
    errors: list[dict[str, Any]] = []

    def bad(field: str, code: str, message: str) -> None:
        errors.append({"field": f"{prefix}{field}", "code": code, "message": message})

    if legal_entity not in SellingEntity.__members__:
        bad("legal_entity", "unknown_legal_entity",
            f"legal_entity must be one of {', '.join(SellingEntity.__members__)}")  # fmt: skip
    if not draft.source_type or not draft.source_id:
        bad("source_id", "missing", "source_type and source_id identify the document posted")
    if len(lines) < 2:
        bad("lines", "too_few_lines", "an entry has at least one debit and one credit line")
    codes = await repo.active_codes(legal_entity) if not errors else frozenset()
    for i, line in enumerate(lines):
        for side in ("debit_fen", "credit_fen"):
            value = getattr(line, side)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                bad(f"lines[{i}].{side}", "invalid_amount",
                    f"{side} must be a non-negative integer amount in fen")  # fmt: skip
        if isinstance(line.debit_fen, int) and isinstance(line.credit_fen, int):
            if (line.debit_fen > 0) == (line.credit_fen > 0):
                bad(f"lines[{i}]", "one_side",
                    "a line is either a debit or a credit, with a positive amount")  # fmt: skip
        if codes and line.account_code not in codes:
            bad(f"lines[{i}].account_code", "unknown_account",
                f"account {line.account_code!r} is not an active account of {legal_entity}; "
                "add it to the chart of accounts first")  # fmt: skip
    if not errors:
        debit = sum(line.debit_fen for line in lines)
        credit = sum(line.credit_fen for line in lines)
        if debit != credit:
            bad("lines", "unbalanced",
                f"debits ({debit} fen) and credits ({credit} fen) must be equal")  # fmt: skip
    if errors:
        raise EntryRejected(
            f"Journal entry for {draft.source_type} {draft.source_id} rejected: "
            f"{errors[0]['message']}.",
            errors=errors,
        )
