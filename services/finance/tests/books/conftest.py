"""Fixtures of the books tests (ledger, invoices, reports, Yonyou): orders recorded the way the
consumer records them (real database), headers, and reading a topic from the beginning.

With --import-mode=importlib a test cannot import a sibling module, so the helpers are handed
out as one `books` fixture."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI

from finance.settlement.repository import SettlementRepository
from finance.settlement.service import SettlementService
from servicekit.testing.tokens import TestTokenIssuer
from shared_schemas import Money, OrderCategory, OrderCreatedV1, OrderDirection, new_event

INVOICING = (
    "finance.invoice.query",
    "finance.settlement.query",
    "finance.invoice.apply",
    "finance.invoice.issue",
    "finance.report.query",
    "finance.report.export",
    "finance.ledger.configure",
)


def headers(
    issuer: TestTokenIssuer,
    org: uuid.UUID,
    *,
    operator: bool = False,
    functions: tuple[str, ...] = INVOICING,
    subject: str = "invoicer-1",
) -> dict[str, str]:
    return issuer.headers(
        entry="finance",
        functions=functions,
        org_id=org,
        subject=subject,
        platform_operator=operator,
    )


def order_created(
    org: uuid.UUID,
    fen: int,
    *,
    direction: OrderDirection = OrderDirection.receivable,
    category: OrderCategory = OrderCategory.technical_service,
    order_id: uuid.UUID | None = None,
) -> Any:
    order_id = order_id or uuid.uuid4()
    return new_event(
        "orders.order.created",
        OrderCreatedV1(
            order_id=order_id,
            order_no=f"OC20261125{uuid.uuid4().int % 10**6:06d}",
            category=category,
            direction=direction,
            customer_org_id=org,
            amount=Money.from_fen(fen),
            source_service="valueadd",
            source_ref=uuid.uuid4().hex,
            created_by="clerk",
        ),
        producer="orders",
        aggregate_id=order_id,
        org_id=org,
    )


async def record_orders(app: FastAPI, org: uuid.UUID, *fens: int, **kwargs: Any) -> list[str]:
    """Orders as finance's consumer records them from orders.order.created; their ids."""
    events = [order_created(org, fen, **kwargs) for fen in fens]
    async with app.state.sessionmaker() as session, session.begin():
        service = SettlementService(SettlementRepository(session), app.state.clock)
        for event in events:
            await service.record_order(event)
    return [str(e.payload.order_id) for e in events]


def application_body(
    lines: list[tuple[str, str]], *, rate: str = "0.06", entity: str = "technology_company"
) -> dict[str, Any]:
    return {
        "legal_entity": entity,
        "buyer": {"name": "某保险代理有限公司", "tax_id": "91310000MA1FL0XX1C"},
        "lines": [
            {
                "order_id": order_id,
                "description": "信息技术服务费",
                "tax_code": "3040201990000000000",
                "tax_rate": rate,
                "amount": amount,
            }
            for order_id, amount in lines
        ],
    }


def invoice_no() -> str:
    return f"{uuid.uuid4().int % 10**20:020d}"


async def read_topic(
    bootstrap: str, topic: str, keep: Callable[[dict[str, Any]], bool], want: int
) -> list[tuple[bytes, dict[str, Any]]]:
    """(raw value, event) of matching events on a topic, read from the beginning without a
    consumer group, until `want` arrived."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        metadata_max_age_ms=300,
    )
    await consumer.start()
    found: list[tuple[bytes, dict[str, Any]]] = []
    try:
        async with asyncio.timeout(20):
            while len(found) < want:
                batch = await consumer.getmany(timeout_ms=300)
                for records in batch.values():
                    found += [(r.value, e) for r in records if keep(e := json.loads(r.value))]
    finally:
        await consumer.stop()
    return found


@pytest.fixture(scope="session")
def books() -> SimpleNamespace:
    return SimpleNamespace(
        headers=headers,
        order_created=order_created,
        record_orders=record_orders,
        application_body=application_body,
        invoice_no=invoice_no,
        read_topic=read_topic,
    )
