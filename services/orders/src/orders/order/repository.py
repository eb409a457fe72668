"""All SQL of the order module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Select,
    any_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from orders.db import UtcDateTime
from orders.order.errors import OrderChangedMeanwhile
from orders.order.models import (
    FinanceRecord,
    Order,
    OrderLine,
    OrderMonthlyTotal,
    OrderNumberCounter,
    OrderReview,
    OrderStatusChange,
    RedemptionFact,
)
from servicekit.auth import Principal, scoped
from servicekit.db import insert_many, insert_rows, unnested

if TYPE_CHECKING:
    from orders.order.service import NewOrder


#: What finance events change on an order (status, amounts, milestone dates, version).
FOLLOWED_COLUMNS = [
    "status", "invoiced_fen", "settled_fen", "invoiced_at", "settled_at", "first_invoiced_at",
    "first_invoiced_by", "first_settled_at", "first_settled_by", "version",
]  # fmt: skip
#: ... and what the batch path reads besides, to decide and to name the order.
LOCKED_COLUMNS = [
    "id", "order_no", "direction", "amount_fen", "customer_org_id", "category", "created_at",
    "settlement_list_id", *FOLLOWED_COLUMNS,
]  # fmt: skip

#: (month YYYY-MM, institution, category, status) of order_monthly_totals.
TotalsKey = tuple[str, uuid.UUID, str, str]


@dataclass(frozen=True)
class OrderFilter:
    """A list query in storage terms: UTC instants, fen, half-open [start, end) ranges."""

    customer_org_id: uuid.UUID | None = None
    categories: Sequence[str] = ()
    direction: str | None = None
    statuses: Sequence[str] = ()
    source_service: str | None = None
    created: tuple[datetime | None, datetime | None] = (None, None)
    sign_date: tuple[date | None, date | None] = (None, None)
    invoiced: tuple[datetime | None, datetime | None] = (None, None)
    settled: tuple[datetime | None, datetime | None] = (None, None)
    amount_fen: tuple[int | None, int | None] = (None, None)  # inclusive both ends
    #: Keyset: only rows strictly after this (created_at, id) in descending order.
    after: tuple[datetime, uuid.UUID] | None = None
    limit: int = 50


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- reading ------------------------------------------------------------------------------

    async def by_source(self, source_service: str, source_ref: str) -> Order | None:
        query = select(Order).where(
            Order.source_service == source_service, Order.source_ref == source_ref
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_sources(self, sources: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Order]:
        """The existing orders of these source references: per source service one
        `source_ref IN (…)` lookup of ≤ 500 (the unique index's range; a row-value IN list
        would not use it on PostgreSQL)."""
        found: dict[tuple[str, str], Order] = {}
        refs: dict[str, list[str]] = {}
        for service, ref in dict.fromkeys(sources):
            refs.setdefault(service, []).append(ref)
        for service, wanted in refs.items():
            for start in range(0, len(wanted), 500):
                query = select(Order).where(
                    Order.source_service == service,
                    Order.source_ref.in_(wanted[start : start + 500]),
                )
                for order in (await self.session.execute(query)).scalars():
                    found[(order.source_service, order.source_ref)] = order
        return found

    async def visible_by_id(self, order_id: uuid.UUID, principal: Principal) -> Order | None:
        query = scoped(select(Order).where(Order.id == order_id), Order.customer_org_id, principal)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def lock(self, order_id: uuid.UUID, principal: Principal | None = None) -> Order | None:
        """The order, row-locked until the transaction ends (PostgreSQL; SQLite serialises
        writers, and the version column catches a lost race there)."""
        query: Select[Any] = select(Order).where(Order.id == order_id)
        if principal is not None:
            query = scoped(query, Order.customer_org_id, principal)
        query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def lock_many(self, order_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
        """The columns finance events change (and what they need to decide) of these orders,
        row-locked in id order — concurrent consumers lock shared orders in the same order, so
        they wait for each other instead of deadlocking. Plain rows, not ORM objects: a batch
        of events reads hundreds of orders, and the batch path writes them back with Core."""
        t = Order.__table__
        ids = sorted(set(order_ids))
        query = select(*(t.c[name] for name in LOCKED_COLUMNS))
        if self._dialect == "postgresql":
            # One array parameter: the statement's text (and asyncpg's prepared statement) is
            # the same whatever the batch size.
            wanted = bindparam("ids", value=ids, type_=postgresql.ARRAY(t.c.id.type))
            query = query.where(t.c.id == any_(wanted))
        else:
            query = query.where(t.c.id.in_(ids))
        query = query.order_by(t.c.id).with_for_update()
        return [dict(row) for row in (await self.session.execute(query)).mappings()]

    async def finance_documents_recorded(
        self, order_ids: Sequence[uuid.UUID], document_ids: Sequence[uuid.UUID]
    ) -> set[tuple[uuid.UUID, str, uuid.UUID]]:
        """(order, event type, document) already recorded among these orders and documents."""
        t = FinanceRecord.__table__
        query = select(t.c.order_id, t.c.event_type, t.c.document_id)
        orders, documents = sorted(set(order_ids)), sorted(set(document_ids))
        if self._dialect == "postgresql":
            array = postgresql.ARRAY(t.c.order_id.type)
            query = query.where(
                t.c.order_id == any_(bindparam("orders", value=orders, type_=array)),
                t.c.document_id == any_(bindparam("documents", value=documents, type_=array)),
            )
        else:
            query = query.where(t.c.order_id.in_(orders), t.c.document_id.in_(documents))
        return {tuple(row) for row in (await self.session.execute(query)).all()}  # type: ignore[misc]

    async def update_followed(self, changes: Sequence[dict[str, Any]]) -> None:
        """Write back what finance events changed (LOCKED_COLUMNS but the identity ones), one
        statement for all orders; each row's `loaded_version` must still be the stored one,
        else the order changed meanwhile (the optimistic lock, as the ORM path has it)."""
        if not changes:
            return
        t = Order.__table__
        if self._dialect == "postgresql":
            # One UPDATE … FROM unnest(<one array per column>): one execution for the batch
            # instead of one per order (and one parameter set to encode instead of hundreds).
            kinds = {"id": t.c.id.type, "loaded_version": t.c.version.type}
            given = unnested(changes, kinds | {n: t.c[n].type for n in FOLLOWED_COLUMNS})
            result = await self.session.execute(
                update(t)
                .where(t.c.id == given.c.id, t.c.version == given.c.loaded_version)
                .values({n: given.c[n] for n in FOLLOWED_COLUMNS})
            )
            if result.rowcount != len(changes):  # type: ignore[attr-defined]
                raise OrderChangedMeanwhile()
            return
        statement = (
            update(t)
            .where(t.c.id == bindparam("b_id"), t.c.version == bindparam("b_loaded_version"))
            .values({name: bindparam(f"b_{name}") for name in FOLLOWED_COLUMNS})
        )
        rows = [
            {"b_id": c["id"], "b_loaded_version": c["loaded_version"]}
            | {f"b_{name}": c[name] for name in FOLLOWED_COLUMNS}
            for c in changes
        ]
        result = await self.session.execute(statement, rows)
        dialect = self.session.get_bind().dialect
        if dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):  # type: ignore[attr-defined]
            raise OrderChangedMeanwhile()

    async def add_steps(self, rows: Sequence[dict[str, Any]]) -> None:
        """Trajectory rows, in one INSERT (in the given order: ids follow it)."""
        await self._insert_all(OrderStatusChange.__table__, rows)

    async def add_finance_records(self, rows: Sequence[dict[str, Any]]) -> None:
        await self._insert_all(FinanceRecord.__table__, rows)

    async def _insert_all(self, table: Any, rows: Sequence[dict[str, Any]]) -> None:
        """Rows (all with the same keys) in one statement, in their order (unnest() arrays on
        PostgreSQL)."""
        await insert_rows(self.session, table, rows)

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def trajectory(self, order_id: uuid.UUID) -> Sequence[OrderStatusChange]:
        query = (
            select(OrderStatusChange)
            .where(OrderStatusChange.order_id == order_id)
            .order_by(OrderStatusChange.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def lines(self, order_id: uuid.UUID) -> Sequence[OrderLine]:
        query = select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.line_no)
        return (await self.session.execute(query)).scalars().all()

    async def reviews(self, order_id: uuid.UUID) -> Sequence[OrderReview]:
        query = (
            select(OrderReview)
            .where(OrderReview.order_id == order_id)
            .order_by(OrderReview.created_at, OrderReview.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def finance_records(self, order_id: uuid.UUID) -> Sequence[FinanceRecord]:
        query = (
            select(FinanceRecord)
            .where(FinanceRecord.order_id == order_id)
            .order_by(FinanceRecord.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def has_finance_record(
        self, order_id: uuid.UUID, event_type: str, document_id: uuid.UUID
    ) -> bool:
        query = select(
            exists().where(
                FinanceRecord.order_id == order_id,
                FinanceRecord.event_type == event_type,
                FinanceRecord.document_id == document_id,
            )
        )
        return bool((await self.session.execute(query)).scalar())

    async def search(self, f: OrderFilter, principal: Principal) -> Sequence[Order]:
        """One page, newest first; `limit + 1` rows so the caller knows whether more follow."""
        query = self._filtered(select(Order), f, principal)
        if f.after is not None:
            # A row comparison: PostgreSQL walks the (…, created_at, id) indexes from there.
            at, ident = f.after
            query = query.where(
                tuple_(Order.created_at, Order.id)
                < tuple_(literal(at, UtcDateTime()), literal(ident, Order.id.type))
            )
        query = query.order_by(Order.created_at.desc(), Order.id.desc()).limit(f.limit + 1)
        return (await self.session.execute(query)).scalars().all()

    async def count(self, f: OrderFilter, principal: Principal) -> int:
        """How many orders match the filter (the cursor and limit are ignored)."""
        query = self._filtered(select(func.count()).select_from(Order), f, principal)
        return int((await self.session.execute(query)).scalar_one())

    @staticmethod
    def _filtered(query: Select[Any], f: OrderFilter, principal: Principal) -> Select[Any]:
        query = scoped(query, Order.customer_org_id, principal)
        if f.customer_org_id is not None:
            query = query.where(Order.customer_org_id == f.customer_org_id)
        if f.categories:
            query = query.where(Order.category.in_(f.categories))
        if f.direction is not None:
            query = query.where(Order.direction == f.direction)
        if f.statuses:
            query = query.where(Order.status.in_(f.statuses))
        if f.source_service is not None:
            query = query.where(Order.source_service == f.source_service)
        for column, (start, end) in (
            (Order.created_at, f.created),
            (Order.sign_date, f.sign_date),
            (Order.invoiced_at, f.invoiced),
            (Order.settled_at, f.settled),
        ):
            if start is not None:
                query = query.where(column >= start)
            if end is not None:
                query = query.where(column < end)
        low, high = f.amount_fen
        if low is not None:
            query = query.where(Order.amount_fen >= low)
        if high is not None:
            query = query.where(Order.amount_fen <= high)
        return query

    # -- writing ------------------------------------------------------------------------------

    async def add_new(
        self, order: Order, first_step: OrderStatusChange, lines: Sequence[OrderLine]
    ) -> bool:
        """Insert unless the source reference exists; False when another request won the race."""
        try:
            async with self.session.begin_nested():
                self.session.add(order)
                await self.session.flush()
        except IntegrityError:
            return False
        self.session.add_all([first_step, *lines])
        return True

    async def add_many(self, new: Sequence[NewOrder]) -> bool:
        """Insert many new orders with their lines, first steps and redemption facts, in a
        few multi-row statements; False (nothing kept) when a source reference or order
        number was taken meanwhile."""

        orders = [n.order for n in new]
        lines = [line for n in new for line in n.lines]
        steps = [n.first_step for n in new]
        facts = [n.fact for n in new if n.fact is not None]
        try:
            async with self.session.begin_nested():
                for table, values in (
                    (Order.__table__, orders),
                    (OrderLine.__table__, lines),
                    (OrderStatusChange.__table__, steps),
                    (RedemptionFact.__table__, facts),
                ):
                    await self._insert_all(table, values)
        except IntegrityError:
            return False
        return True

    def add(self, row: OrderStatusChange | OrderReview | FinanceRecord | RedemptionFact) -> None:
        self.session.add(row)

    async def save(self) -> None:
        """Write pending changes now; an order whose version moved on meanwhile is a conflict."""
        try:
            await self.session.flush()
        except StaleDataError as exc:
            raise OrderChangedMeanwhile() from exc

    async def add_to_totals(self, deltas: dict[TotalsKey, tuple[int, int]]) -> None:
        """Adds (count, fen) to the monthly totals, creating rows as needed — in key order, so
        concurrent transactions lock the rows they share in the same order."""
        if not deltas:
            return
        table = OrderMonthlyTotal.__table__
        rows = [
            {"month": m, "customer_org_id": o, "category": c, "status": s, "count": n,
             "amount_fen": fen}
            for (m, o, c, s), (n, fen) in sorted(
                deltas.items(), key=lambda i: (i[0][0], str(i[0][1]), i[0][2], i[0][3])
            )
        ]  # fmt: skip
        # One statement (the keys are distinct, so no row is touched twice), the same one
        # whatever the batch's size on PostgreSQL.
        upsert, params = insert_many(self.session, table, rows)
        await self.session.execute(
            upsert.on_conflict_do_update(
                index_elements=["month", "customer_org_id", "category", "status"],
                set_={
                    "count": table.c.count + upsert.excluded.count,
                    "amount_fen": table.c.amount_fen + upsert.excluded.amount_fen,
                },
            ),
            params,
        )

    async def reserve_order_numbers(self, day: str, count: int) -> int:
        """The first of `count` consecutive numbers of the day, reserved in one statement."""
        bump = (
            update(OrderNumberCounter)
            .where(OrderNumberCounter.day == day)
            .values(last=OrderNumberCounter.last + count)
            .returning(OrderNumberCounter.last)
        )
        value = (await self.session.execute(bump)).scalar_one_or_none()
        if value is not None:
            return int(value) - count + 1
        try:
            async with self.session.begin_nested():
                await self.session.execute(insert(OrderNumberCounter).values(day=day, last=count))
            return 1
        except IntegrityError:  # another transaction created today's row first
            return int((await self.session.execute(bump)).scalar_one()) - count + 1

    async def next_order_number(self, day: str) -> int:
        """Atomic per-day counter: the UPDATE's row lock serialises concurrent creators."""
        bump = (
            update(OrderNumberCounter)
            .where(OrderNumberCounter.day == day)
            .values(last=OrderNumberCounter.last + 1)
            .returning(OrderNumberCounter.last)
        )
        value = (await self.session.execute(bump)).scalar_one_or_none()
        if value is not None:
            return int(value)
        try:
            async with self.session.begin_nested():
                await self.session.execute(insert(OrderNumberCounter).values(day=day, last=1))
            return 1
        except IntegrityError:  # another transaction created today's row first
            return int((await self.session.execute(bump)).scalar_one())
