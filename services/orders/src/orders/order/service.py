"""Orders: creation (idempotent by source reference), reading and listing, reviews, and every
status change — by hand here, from finance events in feedback.py, both through `move`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from orders.order import lifecycle
from orders.order.errors import IllegalTransition, OrderNotFound
from orders.order.lifecycle import Amounts, Transition
from orders.order.models import (
    Order,
    OrderLine,
    OrderReview,
    OrderStatusChange,
    RedemptionFact,
)
from orders.order.repository import OrderFilter, OrderRepository, TotalsKey
from orders.order.schemas import (
    Counterparty,
    FinanceRecordRead,
    OrderCreate,
    OrderFilters,
    OrderLineRead,
    OrderPage,
    OrderQuery,
    OrderRead,
    OrderSummary,
    PageCursor,
    ReviewCreate,
    ReviewRead,
    StatusChangeRead,
    TransitionRequest,
)
from servicekit.auth import Principal
from servicekit.clock import Clock, utc_now
from servicekit.errors import Conflict, Forbidden, ProblemError
from servicekit.messaging import Outbox
from servicekit.observability import request_id_var
from shared_schemas import (
    EventEnvelope,
    Money,
    OrderCategory,
    OrderCreatedV1,
    OrderDirection,
    OrderStatus,
    OrderStatusChangedV1,
    default_registry,
    trusted,
    uuid7,
)
from shared_schemas.owed import amount_owed

PRODUCER = "orders"
#: Order numbers and date filters use the business date in China, not the UTC date.
BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class NewOrder:
    """A new order's rows and its `orders.order.created` event, before they are written."""

    order: dict[str, Any]  # column values of `orders`
    lines: list[dict[str, Any]]
    first_step: dict[str, Any]
    fact: dict[str, Any] | None
    event: EventEnvelope[OrderCreatedV1]


@dataclass(frozen=True)
class StepContext:
    """Who takes a step and why, as the trajectory row and the status_changed event say it."""

    by: str  # a user id, or the actor finance named
    cause: str | None  # the request id, or the finance event's id
    note: str | None = None
    correlation_id: str | None = None  # defaults to the cause
    by_name: str | None = None  # the caller's name when it came with the request (a label)


@dataclass(frozen=True)
class Origin:
    """Who creates an order and why, when not the request's caller: an order request from a
    business service names its requester, and its first trajectory step names the service."""

    by: str  # created_by and the first step's `by`
    by_name: str | None
    cause: str | None  # e.g. the order request's event id
    note: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None  # of orders.order.created

    @classmethod
    def of(cls, principal: Principal) -> Origin:
        """A request's own caller (the REST path and bulk imports)."""
        request_id = request_id_var.get()
        return cls(principal.subject, principal.name, request_id, None, request_id)


class OrderService:
    def __init__(self, repository: OrderRepository, outbox: Outbox, clock: Clock = utc_now) -> None:
        self.repo = repository
        self.outbox = outbox
        self.clock = clock

    # -- creating -----------------------------------------------------------------------------

    async def preflight(self, data: OrderCreate, principal: Principal) -> Order | None:
        """What `create` would find without writing: None for a new order, the earlier order
        for the same content; raises what `create` raises (org_not_visible, source_ref_reused)."""
        if not principal.may_see_org(data.customer_org_id):
            raise _org_not_visible()
        existing = await self.repo.by_source(data.source_service, data.source_ref)
        if existing is not None:
            self._ensure_same(existing, data)
        return existing

    async def create(
        self, data: OrderCreate, principal: Principal, origin: Origin | None = None
    ) -> tuple[OrderRead, bool]:
        """Returns the order and whether it was created now (False: the same source existed)."""
        existing = await self.preflight(data, principal)
        if existing is None:
            order = await self._insert(data, origin or Origin.of(principal))
            if order is not None:
                return await self._read(order), True
            existing = await self.repo.by_source(data.source_service, data.source_ref)
            assert existing is not None
        self._ensure_same(existing, data)
        return await self._read(existing), False

    async def sort_out(
        self,
        batch: Sequence[OrderCreate],
        principal: Principal,
        fresh: dict[tuple[str, str], ContentKey],
        earlier_place: str,
    ) -> tuple[list[str | ProblemError | None], list[int]]:
        """What `create` would do with each item, with one query for the batch and nothing
        written: "skipped" (the source exists, or came earlier in `fresh`, with the same
        content), the ProblemError `create` would raise, or None — to be created, its index
        listed second. `fresh` collects the sources to create (a dry run carries it over the
        whole file); `earlier_place` names where a clashing earlier row was."""
        results: list[str | ProblemError | None] = [None] * len(batch)
        existing = await self.repo.by_sources([(d.source_service, d.source_ref) for d in batch])
        todo: list[int] = []
        for i, data in enumerate(batch):
            source = (data.source_service, data.source_ref)
            try:
                if not principal.may_see_org(data.customer_org_id):
                    raise _org_not_visible()
                earlier = existing.get(source)
                if earlier is not None:
                    self._ensure_same(earlier, data)
                    results[i] = "skipped"
                elif source in fresh:
                    if fresh[source] != content_key(data):
                        raise source_ref_reused(data, earlier_place)
                    results[i] = "skipped"
                else:
                    fresh[source] = content_key(data)
                    todo.append(i)
            except ProblemError as exc:
                results[i] = exc
        return results, todo

    async def create_many(
        self,
        batch: Sequence[OrderCreate],
        principal: Principal,
        origins: Sequence[Origin] | None = None,
    ) -> list[str | ProblemError]:
        """`create` for many orders at once (bulk import): per item "created", "skipped" (the
        same source existed with the same content) or the ProblemError `create` would raise.
        Same rules, rows and events as `create`, written with a few statements per batch
        instead of several per order. A repeated reference within the batch is the earlier
        item's order. If a concurrent creator takes a reference meanwhile, the batch's inserts
        are rolled back (savepoint) and the items are created one by one. `origins` (one per
        item) name who creates each order when it is not `principal` (order requests)."""
        results, todo = await self.sort_out(batch, principal, {}, "an earlier row of this batch")
        who = list(origins) if origins is not None else [Origin.of(principal)] * len(batch)
        if todo:
            now = self.clock()
            day = now.astimezone(BUSINESS_TZ).strftime("%Y%m%d")
            first = await self.repo.reserve_order_numbers(day, len(todo))
            built = [
                self._new_order(batch[i], who[i], f"OC{day}{first + k:06d}", now)
                for k, i in enumerate(todo)
            ]
            if await self.repo.add_many(built):
                await self.repo.add_to_totals(_created_totals([b.order for b in built]))
                await self.outbox.add(self.repo.session, *(b.event for b in built))
                for i in todo:
                    results[i] = "created"
            else:
                for i in todo:
                    try:
                        _, created = await self.create(batch[i], principal, who[i])
                        results[i] = "created" if created else "skipped"
                    except ProblemError as exc:
                        results[i] = exc
        return [r for r in results if r is not None]

    async def _insert(self, data: OrderCreate, origin: Origin) -> Order | None:
        now = self.clock()
        day = now.astimezone(BUSINESS_TZ).strftime("%Y%m%d")
        number = await self.repo.next_order_number(day)
        new = self._new_order(data, origin, f"OC{day}{number:06d}", now)
        order = Order(**new.order)
        lines = [OrderLine(**line) for line in new.lines]
        if not await self.repo.add_new(order, OrderStatusChange(**new.first_step), lines):
            return None
        if new.fact is not None:
            self.repo.add(RedemptionFact(**new.fact))
        await self.repo.add_to_totals(_created_totals([new.order]))
        await self.outbox.add(self.repo.session, new.event)
        return order

    @staticmethod
    def _new_order(data: OrderCreate, origin: Origin, order_no: str, now: datetime) -> NewOrder:
        """The rows (column values) and the event of a new order, nothing written yet. Plain
        dicts: a bulk import inserts them as they are (building ORM objects cost more than the
        INSERTs); `create` makes the ORM objects from them."""
        order_id = uuid7()
        amount_fen = _amount_fen(data)
        order: dict[str, Any] = {
            "id": order_id,
            "order_no": order_no,
            "category": data.category.value,
            "direction": data.direction.value,
            "customer_org_id": data.customer_org_id,
            "counterparty_name": data.counterparty.name if data.counterparty else None,
            "counterparty_id": data.counterparty.id if data.counterparty else None,
            "seller": data.seller.value if data.seller else None,
            "amount_fen": amount_fen,
            "tax_rate_bp": _basis_points(data.tax_rate),
            "extension": data.extension,
            "source_service": data.source_service,
            "source_ref": data.source_ref,
            "status": OrderStatus.created.value,
            "sign_date": data.sign_date,
            "invoiced_fen": 0,
            "settled_fen": 0,
            "created_by": origin.by,
            "created_at": now,
            "version": 1,
        }
        lines = [
            {
                "order_id": order_id,
                "line_no": line_no,
                "description": line.description,
                "quantity_milli": int(line.quantity.scaleb(3)),
                "unit_price_fen": Money(amount=line.unit_price).fen,
                # A line without its own rate is taxed at the order's.
                "tax_rate_bp": _basis_points(
                    line.tax_rate if line.tax_rate is not None else data.tax_rate
                ),
                "amount_fen": Money(amount=line.amount or Decimal(0)).fen,
            }
            for line_no, line in enumerate(data.lines or (), start=1)
        ]
        first_step = {
            "order_id": order_id,
            "from_status": None,
            "to_status": OrderStatus.created.value,
            "at": now,
            "by": origin.by,
            "by_name": origin.by_name,
            "cause": origin.cause,
            "note": origin.note,
        }
        event = _event(
            trusted(
                OrderCreatedV1,
                order_id=order_id,
                order_no=order_no,
                category=data.category,
                direction=data.direction,
                customer_org_id=data.customer_org_id,
                amount=trusted(Money, amount=Decimal(amount_fen).scaleb(-2), currency="CNY"),
                source_service=data.source_service,
                source_ref=data.source_ref,
                sign_date=data.sign_date,
                created_by=origin.by,
            ),
            producer=PRODUCER,
            aggregate_id=order_id,
            org_id=data.customer_org_id,
            correlation_id=origin.correlation_id,
            causation_id=origin.causation_id,
            at=now,
        )
        return NewOrder(order, lines, first_step, redemption_fact(order), event)

    @staticmethod
    def _ensure_same(existing: Order, data: OrderCreate) -> None:
        stored = (existing.category, existing.direction, existing.customer_org_id)
        if (*stored, existing.amount_fen) != content_key(data):
            raise source_ref_reused(data, f"order {existing.order_no}")

    # -- reading ------------------------------------------------------------------------------

    async def get(self, order_id: uuid.UUID, principal: Principal) -> OrderRead:
        order = await self.repo.visible_by_id(order_id, principal)
        if order is None:
            raise OrderNotFound(order_id)
        return await self._read(order)

    async def search(self, query: OrderQuery, principal: Principal) -> OrderPage:
        cursor = query.page_cursor
        rows = await self.repo.search(
            storage_filter(
                query,
                after=(cursor.created_at, cursor.id) if cursor else None,
                limit=query.limit,
            ),
            principal,
        )
        page = rows[: query.limit]
        more = len(rows) > query.limit
        return OrderPage(
            items=[summary(order) for order in page],
            next_cursor=PageCursor(page[-1].created_at, page[-1].id).encode() if more else None,
        )

    async def _read(self, order: Order) -> OrderRead:
        lines = await self.repo.lines(order.id)
        steps = await self.repo.trajectory(order.id)
        reviews = await self.repo.reviews(order.id)
        records = await self.repo.finance_records(order.id)
        return OrderRead(
            **_summary_fields(order),
            lines=[
                OrderLineRead(
                    line_no=line.line_no,
                    description=line.description,
                    quantity=_scaled(line.quantity_milli, 3),
                    unit_price=Money.from_fen(line.unit_price_fen).amount,
                    tax_rate=_rate(line.tax_rate_bp),
                    amount=Money.from_fen(line.amount_fen).amount,
                )
                for line in lines
            ],
            extension=order.extension,
            next_statuses=lifecycle.manual_targets(OrderStatus(order.status)),
            trajectory=[StatusChangeRead.model_validate(s) for s in steps],
            reviews=[ReviewRead.model_validate(r) for r in reviews],
            finance_records=[
                FinanceRecordRead(
                    event_type=r.event_type,
                    event_id=r.event_id,
                    document_no=r.document_no,
                    amount=Money.from_fen(r.amount_fen).amount,
                    reason=r.reason,
                    by=r.by,
                    occurred_at=r.occurred_at,
                    outcome=r.outcome,
                    note=r.note,
                )
                for r in records
            ],
        )

    # -- reviews ------------------------------------------------------------------------------

    async def add_review(
        self, order_id: uuid.UUID, data: ReviewCreate, principal: Principal
    ) -> ReviewRead:
        order = await self.repo.visible_by_id(order_id, principal)
        if order is None:
            raise OrderNotFound(order_id)
        review = OrderReview(
            id=uuid7(),
            order_id=order.id,
            rating=data.rating,
            text=data.text,
            tags=data.tags,
            reviewer=data.reviewer,
            recorded_by=principal.subject,
            created_at=self.clock(),
        )
        self.repo.add(review)
        await self.repo.save()
        return ReviewRead.model_validate(review)

    # -- the life cycle -----------------------------------------------------------------------

    async def transition(
        self, order_id: uuid.UUID, request: TransitionRequest, principal: Principal
    ) -> OrderRead:
        """A step by hand (the endpoint has checked the step's function)."""
        order = await self.repo.lock(order_id, principal)
        if order is None:
            raise OrderNotFound(order_id)
        status = OrderStatus(order.status)
        step = lifecycle.manual(status, request.to)
        if step is None:
            raise IllegalTransition(
                order.order_no, status, request.to, lifecycle.manual_targets(status)
            )
        request_id = request_id_var.get()
        by_hand = StepContext(
            by=principal.subject, cause=request_id, note=request.note, by_name=principal.name
        )
        await self.move(order, step, by_hand)
        # Money finance reported before the order was reconciled takes effect now.
        await self.follow_the_amounts(
            order, replace(by_hand, note="amounts finance had reported earlier")
        )
        return await self._read(order)

    async def follow_the_amounts(self, order: Order, context: StepContext) -> int:
        """Take the automatic steps the order's amounts call for; returns how many."""
        taken = 0
        for _ in lifecycle.TRANSITIONS:  # bounded: the guards cannot cycle, but never loop forever
            step = lifecycle.automatic(OrderStatus(order.status), _amounts(order))
            if step is None:
                break
            await self.move(order, step, context)
            taken += 1
        return taken

    async def move(self, order: Order, step: Transition, context: StepContext) -> None:
        """Take one step of the table: status, milestone dates, trajectory row and the
        `orders.order.status_changed` event, all in the caller's transaction."""
        if order.status != step.source:
            raise ValueError(f"{step} does not start from the order's status {order.status}")
        now = self.clock()
        month = totals_month(order.created_at)
        key = (month, order.customer_org_id, order.category)
        await self.repo.add_to_totals(
            {(*key, step.source.value): (-1, -order.amount_fen),
             (*key, step.target.value): (1, order.amount_fen)}
        )  # fmt: skip
        order.status = step.target.value
        for name, value in lifecycle.milestone_updates(step.target, now).items():
            setattr(order, name, value)
        # The first time only: cycle times measure to the first invoice / settlement.
        if step.target == OrderStatus.invoiced and order.first_invoiced_at is None:
            order.first_invoiced_at, order.first_invoiced_by = now, context.by
        if step.target == OrderStatus.settled and order.first_settled_at is None:
            order.first_settled_at, order.first_settled_by = now, context.by
        self.repo.add(
            OrderStatusChange(
                order_id=order.id,
                from_status=step.source.value,
                to_status=step.target.value,
                at=now,
                by=context.by,
                by_name=context.by_name,
                cause=context.cause,
                note=context.note,
            )
        )
        await self.repo.save()
        event = status_changed(
            order.id, order.order_no, order.customer_org_id, step, context, at=now
        )
        await self.outbox.add(self.repo.session, event)


#: Payload model → (event type, version, envelope model) of what orders publishes, looked up
#: once: shared_schemas.new_event resolves the spec, parametrises EventEnvelope[…] and
#: validates every field on each call, which an import or a batch of finance events pays per
#: event. Orders' own events are built from values already validated (the request, the
#: stored order, the transition table), so they are constructed without a second validation;
#: tests parse what orders publishes with the contract (test_finance_events, test_imports).
_PUBLISHED = {
    payload: (spec.event_type, spec.version, spec.envelope_model())
    for payload in (OrderCreatedV1, OrderStatusChangedV1)
    for spec in (default_registry.spec_for_payload(payload),)
}


def _event(
    payload: Any,
    *,
    producer: str,
    aggregate_id: uuid.UUID,
    org_id: uuid.UUID | None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    at: datetime,
) -> EventEnvelope[Any]:
    """new_event for orders' own events: the same envelope, from trusted values."""
    event_type, version, envelope = _PUBLISHED[type(payload)]
    return trusted(
        envelope,
        event_id=uuid7(),
        event_type=event_type,
        version=version,
        occurred_at=at,
        producer=producer,
        org_id=org_id,
        aggregate_id=str(aggregate_id),
        correlation_id=correlation_id,
        causation_id=causation_id,
        payload=payload,
    )


def status_changed(
    order_id: uuid.UUID,
    order_no: str,
    customer_org_id: uuid.UUID,
    step: Transition,
    context: StepContext,
    *,
    at: datetime,
) -> EventEnvelope[OrderStatusChangedV1]:
    """The `orders.order.status_changed` event of a step (both finance paths build it here)."""
    return _event(
        trusted(
            OrderStatusChangedV1,
            order_id=order_id,
            order_no=order_no,
            from_status=step.source,
            to_status=step.target,
            changed_by=context.by,
            cause=context.cause,
            note=context.note,
        ),
        producer=PRODUCER,
        aggregate_id=order_id,
        org_id=customer_org_id,
        correlation_id=context.correlation_id or context.cause,
        causation_id=context.cause,
        at=at,
    )


def storage_filter(
    query: OrderFilters, *, after: tuple[datetime, uuid.UUID] | None = None, limit: int = 50
) -> OrderFilter:
    """The API's filters in storage terms (UTC instants, fen, half-open ranges)."""
    return OrderFilter(
        customer_org_id=query.customer_org_id,
        categories=[c.value for c in query.category],
        direction=query.direction.value if query.direction else None,
        statuses=[s.value for s in query.status],
        source_service=query.source_service,
        created=instants(query.created_from, query.created_to),
        sign_date=(
            query.sign_date_from,
            query.sign_date_to + timedelta(days=1) if query.sign_date_to else None,
        ),
        invoiced=instants(query.invoiced_from, query.invoiced_to),
        settled=instants(query.settled_from, query.settled_to),
        amount_fen=(_fen(query.amount_min), _fen(query.amount_max)),
        after=after,
        limit=limit,
    )


def summary(order: Order) -> OrderSummary:
    return OrderSummary(**_summary_fields(order))


ContentKey = tuple[str, str, uuid.UUID, int]


def content_key(data: OrderCreate) -> ContentKey:
    """What must match for a repeated source reference to be the same order."""
    return (data.category.value, data.direction.value, data.customer_org_id, _amount_fen(data))


def redemption_fact(order: dict[str, Any]) -> dict[str, Any] | None:
    """The analysis row (`order_redemption_facts`) of a value-added redemption, from the
    order's column values; None for other categories."""
    ext = order["extension"]
    if order["category"] != OrderCategory.value_added_redemption.value or not ext:
        return None
    used = ext.get("coupon_used_at")
    local = datetime.fromisoformat(used).astimezone(BUSINESS_TZ) if used else None
    location, merchant, product = (ext.get(k) or {} for k in ("location", "merchant", "product"))
    return {
        "order_id": order["id"],
        "customer_org_id": order["customer_org_id"],
        "created_at": order["created_at"],
        "amount_fen": order["amount_fen"],
        "used_at": local,
        "used_hour": local.hour if local else None,
        "used_weekday": local.isoweekday() if local else None,
        "car_model": ext.get("car_model"),
        "city_code": location.get("city_code"),
        "merchant_id": merchant.get("id"),
        "merchant_name": merchant.get("name"),
        "product_id": product.get("id"),
        "product_name": product.get("name"),
    }


def totals_month(created_at: datetime) -> str:
    """The month of order_monthly_totals: the Shanghai month of creation, YYYY-MM."""
    local = created_at.astimezone(BUSINESS_TZ)
    return f"{local.year:04d}-{local.month:02d}"  # half of strftime's cost, once per step


def _created_totals(orders: Sequence[dict[str, Any]]) -> dict[TotalsKey, tuple[int, int]]:
    deltas: dict[TotalsKey, tuple[int, int]] = {}
    for o in orders:
        key = (totals_month(o["created_at"]), o["customer_org_id"], o["category"], o["status"])
        n, fen = deltas.get(key, (0, 0))
        deltas[key] = (n + 1, fen + o["amount_fen"])
    return deltas


def _org_not_visible() -> Forbidden:
    return Forbidden(
        "You may create orders only for your own institution or those below it.",
        code="org_not_visible",
    )


def source_ref_reused(data: OrderCreate, earlier: str) -> Conflict:
    return Conflict(
        f"Source reference {data.source_service}/{data.source_ref} already made {earlier} "
        "with different content; use a new source_ref.",
        code="source_ref_reused",
    )


def _amounts(order: Order) -> Amounts:
    return Amounts(
        direction=OrderDirection(order.direction),
        amount_fen=order.amount_fen,
        invoiced_fen=order.invoiced_fen,
        settled_fen=order.settled_fen,
        on_list=order.settlement_list_id is not None,
    )


def outstanding_fen(order: Order) -> int:
    """What the order still owes, by the rule finance applies too (shared_schemas.owed)."""
    if order.direction == OrderDirection.payable.value:
        return order.amount_fen - order.settled_fen
    return amount_owed(order.amount_fen, order.invoiced_fen) - order.settled_fen


def _summary_fields(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "order_no": order.order_no,
        "category": order.category,
        "direction": order.direction,
        "customer_org_id": order.customer_org_id,
        "counterparty": (
            Counterparty(name=order.counterparty_name, id=order.counterparty_id)
            if order.counterparty_name is not None
            else None
        ),
        "seller": order.seller,
        "amount": Money.from_fen(order.amount_fen).amount,
        "tax_rate": _rate(order.tax_rate_bp),
        "status": order.status,
        "invoiced_amount": Money.from_fen(order.invoiced_fen).amount,
        "settled_amount": Money.from_fen(order.settled_fen).amount,
        "outstanding_amount": Decimal(outstanding_fen(order)).scaleb(-2),
        "source_service": order.source_service,
        "source_ref": order.source_ref,
        "sign_date": order.sign_date,
        "created_by": order.created_by,
        "created_at": order.created_at,
        "invoiced_at": order.invoiced_at,
        "settled_at": order.settled_at,
    }


def _amount_fen(data: OrderCreate) -> int:
    # The schema fills `amount` from the lines when it was omitted, and has checked it is
    # yuan with at most two decimals: scaling by 100 is exact.
    assert data.amount is not None
    return int(data.amount.scaleb(2))


def _fen(amount: Decimal | None) -> int | None:
    return None if amount is None else Money(amount=amount).fen


def _basis_points(rate: Decimal | None) -> int | None:
    return None if rate is None else int(rate.scaleb(4))


def _scaled(value: int, places: int) -> Decimal:
    """An integer count of 10^-places units as its shortest exact Decimal ("1.5", "0.06", "2")."""
    return Decimal(f"{Decimal(value).scaleb(-places).normalize():f}")


def _rate(basis_points: int | None) -> Decimal | None:
    return None if basis_points is None else _scaled(basis_points, 4)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=BUSINESS_TZ).astimezone(UTC)


def instants(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """Inclusive business dates as the half-open UTC interval [first 00:00, last+1 00:00)."""
    return (
        _day_start(first) if first else None,
        _day_start(last + timedelta(days=1)) if last else None,
    )
