"""The batch path of finance events (FinanceFeedbackService.apply_many, the one subscribed)
against the single-event path (apply, through the per-event handlers): the same random
sequences of finance events, fed both ways to twin sets of orders, leave identical database
states — orders (status, amounts, milestone dates set or not, version), trajectory rows,
finance records with their outcomes and notes, status_changed events in the outbox and the
monthly totals — on SQLite and PostgreSQL.

The twins: the same orders (direction, amount, starting status and amounts) created for
one new institution (fed one event at a time) and another (fed in batches); every event is
built once and sent to each side with that side's order ids, under the same event id (the two
consumers are different groups, so each inbox sees it once). Ids of rows and events, order
numbers and timestamps necessarily differ; everything else is compared.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from orders.main import definition
from orders.order import handlers
from orders.order.models import FinanceRecord, Order, OrderMonthlyTotal, OrderStatusChange
from orders.subscriptions import subscriptions
from servicekit.messaging import EventConsumer, Subscriptions
from shared_schemas import (
    InvoiceAppliedV1,
    InvoiceIssuedV1,
    InvoiceRejectedV1,
    InvoiceReversedV1,
    Money,
    OrderShare,
    PaymentMadeV1,
    ReceiptAllocatedV1,
    RedInvoiceReason,
    new_event,
    parse,
    topic_for,
)

UNKNOWN = -1  # a share naming an order the order center does not have

CATEGORY = {"receivable": "risk_assessment", "payable": "merchant_payout"}
KINDS = ["applied", "rejected", "issued", "reversed", "allocated", "paid"]

# Starting points: (status, invoiced_fen, settled_fen) as fractions of the order's amount.
STARTS = [
    ("created", 0, 0),
    ("reconciled", 0, 0),
    ("invoice_applied", 0, 0),
    ("invoiced", 1, 0),
    ("settled", 1, 1),
    ("cancelled", 0, 0),
    ("closed", 1, 1),
]

orders_strategy = st.lists(
    st.tuples(
        st.sampled_from(["receivable", "receivable", "payable"]),
        st.sampled_from([40_00, 100_00]),
        st.sampled_from(range(len(STARTS))),
    ),
    min_size=2,
    max_size=5,
)
shares_strategy = st.lists(
    st.tuples(st.integers(UNKNOWN, 4), st.sampled_from([20_00, 40_00, 60_00, 100_00])),
    min_size=1,
    max_size=3,
)
events_strategy = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        shares_strategy,
        st.one_of(st.none(), st.integers(0, 2)),  # a fresh document, or one of three reused
        st.booleans(),  # delivered a second time later (the inbox drops it)
    ),
    min_size=1,
    max_size=25,
)


def payload(kind: str, shares: list[OrderShare], document: uuid.UUID, n: int, variant: bool) -> Any:
    amount = sum((s.amount for s in shares), Money.zero())
    common: dict[str, Any] = {"orders": shares, "amount": amount}
    if kind == "applied":
        return InvoiceAppliedV1(
            application_id=document, application_no=f"IA-{n}", applied_by="fin-a", **common
        )
    if kind == "rejected":
        return InvoiceRejectedV1(
            application_id=document,
            application_no=f"IA-{n}",
            reason="购方税号有误",
            withdrawn=variant,
            rejected_by="fin-r",
            **common,
        )
    if kind == "issued":
        return InvoiceIssuedV1(
            invoice_id=document,
            invoice_no=f"0440{n:08d}",
            application_id=uuid.UUID(int=n),
            issued_by="fin-i",
            **common,
        )
    if kind == "reversed":
        return InvoiceReversedV1(
            red_invoice_id=document,
            red_invoice_no=f"0441{n:08d}",
            original_invoice_id=uuid.UUID(int=n),
            original_invoice_no="044000000001",
            application_id=uuid.UUID(int=n),
            reason=RedInvoiceReason.sales_allowance if variant else RedInvoiceReason.invoice_error,
            reversed_by="fin-i",
            note="部分折让" if variant else None,
            **common,
        )
    if kind == "allocated":
        return ReceiptAllocatedV1(
            allocation_id=document,
            receipt_id=uuid.UUID(int=n),
            receipt_no=f"BS-{n}",
            allocated_by="fin-c",
            **common,
        )
    return PaymentMadeV1(payment_id=document, payment_no=f"PY-{n}", paid_by="fin-c", **common)


EVENT_TYPE = {
    "applied": "finance.invoice.applied",
    "rejected": "finance.invoice.rejected",
    "issued": "finance.invoice.issued",
    "reversed": "finance.invoice.reversed",
    "allocated": "finance.receipt.allocated",
    "paid": "finance.payment.made",
}


def single_event_subscriptions() -> Subscriptions:
    """The per-event handlers, each subscribed alone (the path before batch handlers)."""
    subs = Subscriptions()
    for kind, handler in (
        ("applied", handlers.on_invoice_applied),
        ("rejected", handlers.on_invoice_rejected),
        ("issued", handlers.on_invoice_issued),
        ("reversed", handlers.on_invoice_reversed),
        ("allocated", handlers.on_receipt_allocated),
        ("paid", handlers.on_payment_made),
    ):
        subs.on(topic_for(EVENT_TYPE[kind]), EVENT_TYPE[kind], handler)
    return subs


def consumer(app: FastAPI, subs: Subscriptions, group: str) -> EventConsumer:
    return EventConsumer(
        sessionmaker=app.state.sessionmaker,
        tables=definition.messaging_tables,
        outbox=app.state.messaging.outbox,
        subscriptions=subs,
        parse=parse,
        group_id=group,
        bootstrap_servers="127.0.0.1:9",  # no dead letters expected: sending one fails the test
        idempotent=False,
    )


def record(event: Any, offset: int) -> Any:
    from aiokafka import ConsumerRecord

    value = event.model_dump_json().encode()
    return ConsumerRecord(
        topic=topic_for(event.event_type),
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=event.aggregate_id.encode(),
        value=value,
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=len(value),
        headers=[],
    )


@dataclass
class Side:
    org: uuid.UUID
    order_ids: list[uuid.UUID]

    def index(self, order_id: Any) -> int:
        return self.order_ids.index(uuid.UUID(str(order_id)))


async def state(app: FastAPI, side: Side) -> dict[str, Any]:
    """What the finance events wrote for one side, with its ids replaced by order positions."""
    ids = side.order_ids
    async with app.state.sessionmaker() as session:
        orders = (await session.execute(select(Order).where(Order.id.in_(ids)))).scalars().all()
        steps = await session.execute(
            select(OrderStatusChange)
            .where(OrderStatusChange.order_id.in_(ids), OrderStatusChange.from_status.is_not(None))
            .order_by(OrderStatusChange.id)
        )
        records = await session.execute(
            select(FinanceRecord).where(FinanceRecord.order_id.in_(ids)).order_by(FinanceRecord.id)
        )
        outbox = definition.messaging_tables.outbox
        events = await session.execute(
            select(outbox.c.body)
            .where(
                outbox.c.message_key.in_([str(i) for i in ids]),
                outbox.c.event_type == "orders.order.status_changed",
            )
            .order_by(outbox.c.id)
        )
        totals = await session.execute(
            select(OrderMonthlyTotal)
            .where(OrderMonthlyTotal.customer_org_id == side.org)
            .order_by(OrderMonthlyTotal.month, OrderMonthlyTotal.category, OrderMonthlyTotal.status)
        )
        bodies = [json.loads(body) for (body,) in events]
        return {
            name: in_event_order(rows, cause_at)
            for name, rows, cause_at in _rows(side, orders, steps, records, bodies, totals)
        }


def in_event_order(rows: list[tuple[Any, ...]], cause_at: int | None) -> list[tuple[Any, ...]]:
    """Rows by the event that caused them, then by order position. Within one event both
    paths take the orders in the order of their ids, which differ between the twins; the
    sort is stable, so an order's several steps keep their sequence."""
    if cause_at is None:
        return rows
    first: dict[Any, int] = {}
    for row in rows:
        first.setdefault(row[cause_at], len(first))
    return sorted(rows, key=lambda row: (first[row[cause_at]], row[0]))


def _rows(
    side: Side, orders: Any, steps: Any, records: Any, bodies: Any, totals: Any
) -> list[tuple[str, list[tuple[Any, ...]], int | None]]:
    """(name, rows with order positions for ids, where the causing event id sits in a row)."""
    return [
        (
            "orders",
            sorted(
                (
                    side.index(o.id),
                    o.status,
                    o.invoiced_fen,
                    o.settled_fen,
                    o.version,
                    o.invoiced_at is None,
                    o.settled_at is None,
                    o.first_invoiced_at is None,
                    o.first_invoiced_by,
                    o.first_settled_at is None,
                    o.first_settled_by,
                )
                for o in orders
            ),
            None,
        ),
        (
            "steps",
            [
                (side.index(s.order_id), s.from_status, s.to_status, s.by, s.cause, s.note)
                for s in steps.scalars()
            ],
            4,
        ),
        (
            "records",
            [
                (
                    side.index(r.order_id),
                    r.event_id,
                    r.event_type,
                    r.document_id,
                    r.document_no,
                    r.amount_fen,
                    r.reason,
                    r.by,
                    r.occurred_at,
                    r.outcome,
                    r.note,
                )
                for r in records.scalars()
            ],
            1,
        ),
        (
            "events",
            [
                (
                    side.index(b["aggregate_id"]),
                    b["producer"],
                    b["org_id"] == str(side.org),
                    b["correlation_id"],
                    b["causation_id"],
                    {k: v for k, v in b["payload"].items() if k not in ("order_id", "order_no")},
                )
                for b in bodies
            ],
            4,
        ),
        (
            "totals",
            [(t.month, t.category, t.status, t.count, t.amount_fen) for t in totals.scalars()],
            None,
        ),
    ]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    orders=orders_strategy,
    events=events_strategy,
    chunks=st.lists(st.integers(1, 12), min_size=1, max_size=6),
)
async def test_batches_and_single_events_leave_the_same_database(
    app: FastAPI, api: Any, db: Any, orders: Any, events: Any, chunks: list[int]
) -> None:
    # Institutions of their own: the monthly totals compared are this example's alone.
    single = Side(uuid.uuid4(), [])
    batch = Side(uuid.uuid4(), [])
    for direction, amount_fen, start in orders:
        status, invoiced, settled = STARTS[start]
        for side in (single, batch):
            created = await api.create(
                side.org,
                direction=direction,
                category=CATEGORY[direction],
                amount=f"{amount_fen / 100:.2f}",
            )
            side.order_ids.append(uuid.UUID(created["id"]))
            await db.force_status(
                created["id"],
                status,
                invoiced_fen=invoiced * amount_fen if direction == "receivable" else 0,
                settled_fen=settled * amount_fen,
            )

    documents = [uuid.uuid4() for _ in range(3)]
    stream: dict[str, list[Any]] = {"single": [], "batch": []}
    again: dict[str, list[Any]] = {"single": [], "batch": []}
    unknown = uuid.uuid4()
    for n, (kind, shares, reused, twice) in enumerate(events):
        document = documents[reused] if reused is not None else uuid.uuid4()
        first: Any = None
        for name, side in (("single", single), ("batch", batch)):
            named: dict[uuid.UUID, int] = {}  # each order once in a document
            for i, fen in shares:
                named.setdefault(side.order_ids[i] if 0 <= i < len(orders) else unknown, fen)
            order_shares = [
                OrderShare(order_id=o, amount=Money.from_fen(fen)) for o, fen in named.items()
            ]
            body = payload(kind, order_shares, document, n, variant=n % 2 == 0)
            if first is None:
                first = new_event(EVENT_TYPE[kind], body, producer="finance", aggregate_id=document)
                event = first
            else:  # the same event (id, time, actor) as the other side gets
                event = first.model_copy(update={"payload": body})
            stream[name].append(event)
            if twice:
                again[name].append(event)

    # One at a time through the per-event handlers; in random batches through the batch one.
    one_by_one = consumer(app, single_event_subscriptions(), f"single-{uuid.uuid4().hex[:8]}")
    batched = consumer(app, subscriptions, f"batch-{uuid.uuid4().hex[:8]}")
    for offset, event in enumerate(stream["single"] + again["single"]):
        await one_by_one.handle_records([record(event, offset)])
    records = [record(e, k) for k, e in enumerate(stream["batch"] + again["batch"])]
    start, k = 0, 0
    while start < len(records):
        size = chunks[k % len(chunks)]
        await batched.handle_records(records[start : start + size])
        start, k = start + size, k + 1

    expected = await state(app, single)
    got = await state(app, batch)
    assert got == expected
    # Not vacuous: finance records were written (documents of known orders always are).
    if any(0 <= i < len(orders) for _, shares, _, _ in events for i, _ in shares):
        assert expected["records"]


async def test_partitions_handled_concurrently_lock_shared_orders_without_deadlock(
    app: FastAPI, api: Any, db: Any, caplog: Any
) -> None:
    """Orders' subscriptions allow concurrent partitions (one poll's partition batches handled
    at the same time, on PostgreSQL): receipts of two partitions naming the same orders wait
    for each other's row locks — locked in id order, totals upserted in key order — and
    neither batch deadlocks into the one-by-one fallback. The money adds up exactly. On SQLite
    (one writer) the consumer's loop hands the partitions over one after the other instead, as
    here: the same outcome."""
    assert subscriptions.concurrent_partitions
    concurrent = app.state.sessionmaker.kw["bind"].dialect.name != "sqlite"
    org = uuid.uuid4()
    ids = []
    for _ in range(6):
        created = await api.create(org, amount="100.00")
        await db.force_status(created["id"], "invoiced", invoiced_fen=100_00)
        ids.append(uuid.UUID(created["id"]))
    # 2 partitions × 2 polls × 5 receipts, each covering all six orders (in a different
    # order per receipt) with 5.00: after all 20, every order is settled in full.
    receipts = []
    for n in range(20):
        named = ids[n % 6 :] + ids[: n % 6]
        shares = [OrderShare(order_id=o, amount=Money.from_fen(5_00)) for o in named]
        body = payload("allocated", shares, uuid.uuid4(), 1000 + n, variant=False)
        receipts.append(new_event(EVENT_TYPE["allocated"], body, producer="finance",
                                  aggregate_id=body.receipt_id))  # fmt: skip
    records = [record(e, k) for k, e in enumerate(receipts)]
    records = [
        dataclasses.replace(r, partition=k % 2, offset=k // 2) for k, r in enumerate(records)
    ]
    batched = consumer(app, subscriptions, f"concurrent-{uuid.uuid4().hex[:8]}")
    caplog.set_level("INFO", logger="servicekit.consumer")
    for poll in (records[:10], records[10:]):
        if concurrent:
            await batched.handle_partitions([poll[0::2], poll[1::2]])
        else:
            for partition in (poll[0::2], poll[1::2]):
                await batched.handle_records(partition)

    assert not [r for r in caplog.records if "handling one by one" in r.getMessage()]
    for order_id in ids:
        order = await db.order(str(order_id))
        assert (order.status, order.settled_fen) == ("settled", 100_00)
        assert await db.steps(str(order_id)) == 2  # created, invoiced → settled
    async with app.state.sessionmaker() as session:
        totals = (
            await session.execute(
                select(OrderMonthlyTotal.status, OrderMonthlyTotal.count).where(
                    OrderMonthlyTotal.customer_org_id == org
                )
            )
        ).all()
    assert dict(totals)["settled"] == 6


# What orders publishes meets the contract: its own events are built from values validated
# before (the request, the stored order, the transition table) without a second pydantic
# validation (order/service.py, _event), so every body each path writes to the outbox — REST
# create, bulk import, finance events alone and in batches — is parsed here with the
# platform's registry (full validation) and must serialise back to the same JSON.


async def _bodies(app: FastAPI, keys: list[str]) -> list[str]:
    outbox = definition.messaging_tables.outbox
    async with app.state.sessionmaker() as session:
        rows = await session.execute(
            select(outbox.c.body).where(outbox.c.message_key.in_(keys)).order_by(outbox.c.id)
        )
        return [body for (body,) in rows]


def _finance_event(kind: str, order_id: str, fen: int, n: int) -> Any:
    shares = [OrderShare(order_id=uuid.UUID(order_id), amount=Money.from_fen(fen))]
    body = payload(kind, shares, uuid.uuid4(), n, variant=False)
    return new_event(EVENT_TYPE[kind], body, producer="finance", aggregate_id=uuid.uuid4())


async def test_every_event_orders_publishes_parses_with_the_contract(
    app: FastAPI, api: Any, db: Any
) -> None:
    single = await api.create(amount="100.00")
    source = f"contract-{uuid.uuid4().hex[:8]}"
    csv_file = "category,direction,customer_org_id,amount,source_service,source_ref\n" + "".join(
        f"risk_assessment,receivable,{api.org_a},{amount},{source},{ref}\n"
        for ref, amount in (("a", "40.00"), ("b", "0.01"))
    )
    started = await api.client.post(
        "/v1/orders/imports",
        params={"filename": "orders.csv", "dry_run": "false"},
        content=csv_file.encode(),
        headers=api.headers(),
    )
    job = (
        await api.client.get(f"/v1/orders/imports/{started.json()['id']}", headers=api.headers())
    ).json()
    assert job["created"] == 2, job
    imported = (
        await api.client.get("/v1/orders", params={"source_service": source}, headers=api.headers())
    ).json()["items"]
    ids = [single["id"], *(o["id"] for o in imported)]
    for order_id in ids:
        await db.force_status(order_id, "invoice_applied")
    # Issued one at a time (the fallback's path: a one-event batch), received in one batch.
    batched = consumer(app, subscriptions, f"contract-{uuid.uuid4().hex[:8]}")
    amounts = {o["id"]: int(Decimal(o["amount"]) * 100) for o in (single, *imported)}
    for k, order_id in enumerate(ids):
        issued = _finance_event("issued", order_id, amounts[order_id], k)
        await batched.handle_records([record(issued, k)])
    allocated = [_finance_event("allocated", o, amounts[o], 10 + k) for k, o in enumerate(ids)]
    await batched.handle_records([record(e, 10 + k) for k, e in enumerate(allocated)])

    bodies = await _bodies(app, ids)
    kinds = [json.loads(body)["event_type"] for body in bodies]
    assert kinds.count("orders.order.created") == 3
    assert kinds.count("orders.order.status_changed") == 6  # → invoiced, → settled each
    for body in bodies:
        event = parse(body)
        assert json.loads(event.model_dump_json()) == json.loads(body)
        assert event.occurred_at.utcoffset() is not None
        assert event.producer == "orders" and event.aggregate_id in ids
