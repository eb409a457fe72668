"""Fixtures of the orders tests: the API as an institution's clerk, finance's events, the DB.

(Fixtures, not a helper module: with --import-mode=importlib a test cannot import a sibling.)
Every test that touches the database runs on SQLite and PostgreSQL (servicekit's plugin).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from fastapi import FastAPI
from sqlalchemy import func, select, text, update

from orders.main import definition
from orders.order.models import Order, OrderStatusChange
from orders.subscriptions import subscriptions
from servicekit.app import create_app
from servicekit.auth import InternalTokenVerifier, JWKSCache
from servicekit.definition import ServiceDefinition
from servicekit.messaging import EventConsumer, Subscriptions
from servicekit.settings import ServiceSettings
from servicekit.testing.tokens import TestTokenIssuer
from shared_schemas import (
    EventEnvelope,
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

ORG_A = uuid.UUID("a0000000-0000-4000-8000-00000000000a")
ORG_B = uuid.UUID("b0000000-0000-4000-8000-00000000000b")
ALL_FUNCTIONS = (
    "orders.order.create",
    "orders.order.query",
    "orders.order.reconcile",
    "orders.order.cancel",
    "orders.order.close",
    "orders.order.review",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "consumes_events: run the app's event consumer (joins the consumer group)"
    )


@pytest.fixture(scope="session")
def service_definition() -> ServiceDefinition:
    return definition


@pytest.fixture
async def app(
    request: pytest.FixtureRequest,
    service_definition: ServiceDefinition,
    service_settings: ServiceSettings,
    token_issuer: TestTokenIssuer,
) -> AsyncIterator[FastAPI]:
    """servicekit's `app`, with the event consumer only in tests marked `consumes_events`:
    joining and leaving the consumer group costs about a second per test on the local broker.
    Other tests deliver finance events through the consumer's own inbox path (`finance`)."""
    if request.node.get_closest_marker("consumes_events") is None:
        service_definition = dataclasses.replace(service_definition, subscriptions=Subscriptions())
    verifier = InternalTokenVerifier(
        JWKSCache(token_issuer.jwks), audience=service_settings.service_name
    )
    application = create_app(service_definition, service_settings, token_verifier=verifier)
    async with application.router.lifespan_context(application):
        yield application


class Api:
    """The order API as a clerk of an institution (ORG_A unless told otherwise)."""

    org_a, org_b, functions = ORG_A, ORG_B, ALL_FUNCTIONS

    def __init__(self, client: httpx.AsyncClient, issuer: TestTokenIssuer) -> None:
        self.client = client
        self.issuer = issuer

    def headers(
        self,
        org: uuid.UUID = ORG_A,
        functions: Sequence[str] = ALL_FUNCTIONS,
        *,
        operator: bool = False,
        subject: str = "clerk-a",
        **claims: Any,
    ) -> dict[str, str]:
        return self.issuer.headers(
            entry="orders",
            functions=functions,
            org_id=org,
            subject=subject,
            platform_operator=operator,
            **claims,
        )

    @staticmethod
    def body(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "category": "risk_assessment",
            "direction": "receivable",
            "customer_org_id": str(ORG_A),
            "amount": "100.00",
            "source_service": "risk",
            "source_ref": f"assessment-{uuid.uuid4().hex[:12]}",
            "sign_date": "2026-11-20",
        }
        body.update(overrides)
        return body

    async def create(self, org: uuid.UUID = ORG_A, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/v1/orders",
            json=self.body(customer_org_id=str(org), **overrides),
            headers=self.headers(org),
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def move(
        self, order_id: str, to: str, org: uuid.UUID = ORG_A, note: str | None = None
    ) -> httpx.Response:
        return await self.client.post(
            f"/v1/orders/{order_id}/transitions",
            json={"to": to, "note": note},
            headers=self.headers(org),
        )

    async def get(self, order_id: str, org: uuid.UUID = ORG_A) -> dict[str, Any]:
        response = await self.client.get(f"/v1/orders/{order_id}", headers=self.headers(org))
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def reconciled(self, org: uuid.UUID = ORG_A, **overrides: Any) -> dict[str, Any]:
        order = await self.create(org, **overrides)
        response = await self.move(order["id"], "reconciled", org)
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def api(client: httpx.AsyncClient, token_issuer: TestTokenIssuer) -> Api:
    return Api(client, token_issuer)


Shares = Sequence[tuple[str, str]]  # (order id, yuan)
Keyed = tuple[str | None, dict[str, Any]]  # (Kafka key, event)


class Finance:
    """Builds finance's v1 events and delivers them: through the consumer's own inbox path
    (`deliver`: EventConsumer.handle_records, deterministic) or over the broker (`publish`)."""

    def __init__(self, app: FastAPI, bootstrap: str) -> None:
        self.app = app
        self.bootstrap = bootstrap
        messaging = app.state.messaging
        self.consumer = EventConsumer(
            sessionmaker=app.state.sessionmaker,
            tables=definition.messaging_tables,
            outbox=messaging.outbox,
            subscriptions=subscriptions,
            parse=parse,
            group_id="orders",
            bootstrap_servers=bootstrap,
            idempotent=False,
            max_attempts=2,
            retry_backoff=0.01,
        )
        self._offset = 0

    @staticmethod
    def _shares(shares: Shares) -> dict[str, Any]:
        orders = [OrderShare(order_id=uuid.UUID(o), amount=Money(amount=a)) for o, a in shares]
        return {"orders": orders, "amount": sum((s.amount for s in orders), Money.zero())}

    @staticmethod
    def _event(event_type: str, payload: Any, key: uuid.UUID) -> EventEnvelope[Any]:
        return new_event(event_type, payload, producer="finance", aggregate_id=key)

    def applied(self, shares: Shares, application_id: uuid.UUID | None = None) -> Any:
        application_id = application_id or uuid.uuid4()
        payload = InvoiceAppliedV1(
            application_id=application_id,
            application_no=f"IA-{application_id.hex[:8]}",
            applied_by="fin-applicant",
            **self._shares(shares),
        )
        return self._event("finance.invoice.applied", payload, application_id)

    def rejected(self, shares: Shares, *, withdrawn: bool = False) -> Any:
        application_id = uuid.uuid4()
        payload = InvoiceRejectedV1(
            application_id=application_id,
            application_no=f"IA-{application_id.hex[:8]}",
            reason="购方税号有误",
            withdrawn=withdrawn,
            rejected_by="fin-reviewer",
            **self._shares(shares),
        )
        return self._event("finance.invoice.rejected", payload, application_id)

    def issued(
        self,
        shares: Shares,
        invoice_id: uuid.UUID | None = None,
        application_id: uuid.UUID | None = None,
    ) -> Any:
        invoice_id = invoice_id or uuid.uuid4()
        payload = InvoiceIssuedV1(
            invoice_id=invoice_id,
            invoice_no=f"0440{invoice_id.int % 10**8:08d}",
            application_id=application_id or uuid.uuid4(),
            issued_by="fin-invoicer",
            **self._shares(shares),
        )
        return self._event("finance.invoice.issued", payload, payload.application_id)

    def reversed(
        self, shares: Shares, reason: RedInvoiceReason = RedInvoiceReason.invoice_error
    ) -> Any:
        red_id = uuid.uuid4()
        payload = InvoiceReversedV1(
            red_invoice_id=red_id,
            red_invoice_no=f"0441{red_id.int % 10**8:08d}",
            original_invoice_id=uuid.uuid4(),
            original_invoice_no="044000000001",
            application_id=uuid.uuid4(),
            reason=reason,
            reversed_by="fin-invoicer",
            **self._shares(shares),
        )
        return self._event("finance.invoice.reversed", payload, payload.application_id)

    def allocated(self, shares: Shares) -> Any:
        allocation_id = uuid.uuid4()
        payload = ReceiptAllocatedV1(
            allocation_id=allocation_id,
            receipt_id=uuid.uuid4(),
            receipt_no=f"BS-{allocation_id.hex[:8]}",
            allocated_by="fin-cashier",
            **self._shares(shares),
        )
        return self._event("finance.receipt.allocated", payload, payload.receipt_id)

    def paid(self, shares: Shares) -> Any:
        payment_id = uuid.uuid4()
        payload = PaymentMadeV1(
            payment_id=payment_id,
            payment_no=f"PY-{payment_id.hex[:8]}",
            paid_by="fin-cashier",
            **self._shares(shares),
        )
        return self._event("finance.payment.made", payload, payment_id)

    async def deliver(self, *events: EventEnvelope[Any]) -> None:
        """As the consumer handles a polled batch: one transaction, inbox, savepoints."""
        records = []
        for event in events:
            value = event.model_dump_json().encode()
            self._offset += 1
            records.append(
                ConsumerRecord(
                    topic=topic_for(event.event_type),
                    partition=0,
                    offset=self._offset,
                    timestamp=0,
                    timestamp_type=0,
                    key=event.aggregate_id.encode(),
                    value=value,
                    checksum=None,
                    serialized_key_size=0,
                    serialized_value_size=len(value),
                    headers=[],
                )
            )
        await self.consumer.handle_records(records)

    async def publish(self, *events: EventEnvelope[Any]) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        await producer.start()
        try:
            for event in events:
                await producer.send_and_wait(
                    topic_for(event.event_type),
                    value=event.model_dump_json().encode(),
                    key=event.aggregate_id.encode(),
                )
        finally:
            await producer.stop()


@pytest.fixture
async def finance(app: FastAPI, kafka_bootstrap: str) -> AsyncIterator[Finance]:
    helper = Finance(app, kafka_bootstrap)
    yield helper
    stopped = asyncio.Event()
    stopped.set()
    await helper.consumer.run(stopped)  # stopped at once: only closes its dead-letter producer


class Db:
    """Direct access for arranging and for checking what was (not) written."""

    def __init__(self, app: FastAPI) -> None:
        self.sessionmaker = app.state.sessionmaker

    async def force_status(self, order_id: str, status: str, **amounts: int) -> None:
        """Arrange an order in a status without walking there (the walk is tested elsewhere)."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(Order)
                .where(Order.id == uuid.UUID(order_id))
                .values(status=status, **amounts)
            )

    async def order(self, order_id: str) -> Order:
        async with self.sessionmaker() as session:
            row = await session.execute(select(Order).where(Order.id == uuid.UUID(order_id)))
            return row.scalar_one()

    async def steps(self, order_id: str) -> int:
        """How many trajectory rows the order has."""
        async with self.sessionmaker() as session:
            query = select(func.count()).where(OrderStatusChange.order_id == uuid.UUID(order_id))
            return int((await session.execute(query)).scalar_one())

    async def status_events(self, order_id: str) -> list[dict[str, Any]]:
        """The orders.order.status_changed events in the outbox for this order, oldest first."""
        async with self.sessionmaker() as session:
            rows = await session.execute(
                text(
                    "SELECT body FROM outbox_messages WHERE message_key = :key "
                    "AND event_type = 'orders.order.status_changed' ORDER BY id"
                ),
                {"key": order_id},
            )
            return [json.loads(body) for (body,) in rows]


@pytest.fixture
def db(app: FastAPI) -> Db:
    return Db(app)


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout: float = 20.0, interval: float = 0.1
) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(interval)


@pytest.fixture
def wait_until() -> Callable[..., Awaitable[None]]:
    return eventually


@pytest.fixture
def read_topic(kafka_bootstrap: str) -> Callable[..., Awaitable[list[Keyed]]]:
    """(key, event) of the events on a topic matching `keep`, read from the beginning without a
    consumer group (no group join to wait for), until `want` of them arrived."""

    async def read(
        topic: str, keep: Callable[[dict[str, Any]], bool], want: int, timeout: float = 20.0
    ) -> list[Keyed]:
        # No group: every partition is assigned at once, from the beginning.
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka_bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            metadata_max_age_ms=300,
        )
        await consumer.start()
        found: list[Keyed] = []
        try:
            async with asyncio.timeout(timeout):
                while len(found) < want:
                    batch = await consumer.getmany(timeout_ms=300)
                    for records in batch.values():
                        found += [
                            (r.key.decode() if r.key else None, e)
                            for r in records
                            if keep(e := json.loads(r.value))
                        ]
        finally:
            await consumer.stop()
        return found

    return read
