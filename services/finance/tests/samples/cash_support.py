"""Shared helpers of the cash tests (statements, receipts, payments, channels).

Tests run with `--import-mode=importlib`, so a test loads this module with `load_support()`
(a copy of which sits at the top of each test file) rather than importing it."""

from __future__ import annotations

import importlib.util
import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from finance.ledger.models import JournalEntry, JournalLine
from finance.settlement.models import SettlementItem
from servicekit.testing.tokens import TestTokenIssuer

SAMPLES = Path(__file__).parent
CASH_FUNCTIONS = (
    "finance.bank_statement.query",
    "finance.bank_statement.import",
    "finance.allocation.query",
    "finance.allocation.manage",
    "finance.payment_request.query",
    "finance.payment_request.create",
    "finance.payment_request.approve",
    "finance.fund_transfer.query",
    "finance.channel_reconciliation.query",
    "finance.channel_reconciliation.run",
)


def samples() -> ModuleType:
    return _load("finance_samples", SAMPLES / "make_samples.py")


def _load(name: str, path: Path) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def headers(
    issuer: TestTokenIssuer,
    *,
    subject: str = "cashier-1",
    org: uuid.UUID | None = None,
    operator: bool = True,
    functions: tuple[str, ...] = CASH_FUNCTIONS,
) -> dict[str, str]:
    return issuer.headers(
        entry="finance",
        functions=functions,
        org_id=org or uuid.uuid4(),
        subject=subject,
        platform_operator=operator,
    )


def order_no() -> str:
    return f"OC{uuid.uuid4().int % 10**14:014d}"


async def add_order(
    app: FastAPI,
    org: uuid.UUID,
    fen: int,
    *,
    direction: str = "receivable",
    number: str | None = None,
) -> SettlementItem:
    """What finance holds once orders.order.created arrived (set up directly, as the
    settlement tests prove the event path)."""
    item = SettlementItem(
        order_id=uuid.uuid4(),
        order_no=number or order_no(),
        customer_org_id=org,
        category="risk_assessment" if direction == "receivable" else "promoter_payout",
        direction=direction,
        amount_fen=fen,
        outstanding_fen=fen,
        account_code="1122" if direction == "receivable" else "2202",
        source_event_id=uuid.uuid4(),
        recorded_at=datetime(2026, 10, 20, 4, tzinfo=UTC),  # fixed: no wall clock in tests
    )
    async with app.state.sessionmaker() as session, session.begin():
        session.add(item)
    return item


async def outstanding(app: FastAPI, order_id: uuid.UUID) -> int:
    async with app.state.sessionmaker() as session:
        item = await session.get(SettlementItem, order_id)
        assert item is not None
        return item.outstanding_fen


async def entries(app: FastAPI, source_type: str, source_id: str) -> list[dict[str, Any]]:
    """The journal entries posted for a source, each with its debit and credit totals."""
    async with app.state.sessionmaker() as session:
        query = (
            select(
                JournalEntry.id,
                JournalEntry.source_type,
                func.sum(JournalLine.debit_fen),
                func.sum(JournalLine.credit_fen),
            )
            .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
            .where(JournalEntry.source_type == source_type, JournalEntry.source_id == source_id)
            .group_by(JournalEntry.id, JournalEntry.source_type)
        )
        return [
            {"id": i, "source_type": t, "debit": int(d), "credit": int(c)}
            for i, t, d, c in (await session.execute(query)).all()
        ]


async def account_lines(
    app: FastAPI, source_type: str, source_id: str
) -> list[tuple[str, int, int]]:
    async with app.state.sessionmaker() as session:
        query = (
            select(JournalLine.account_code, JournalLine.debit_fen, JournalLine.credit_fen)
            .join(JournalEntry, JournalLine.entry_id == JournalEntry.id)
            .where(JournalEntry.source_type == source_type, JournalEntry.source_id == source_id)
            .order_by(JournalLine.line_no)
        )
        return [tuple(r) for r in (await session.execute(query)).all()]  # type: ignore[misc]


async def outbox_payloads(app: FastAPI, event_type: str) -> list[dict[str, Any]]:
    """Events written to the outbox (published or not) of a type, as JSON envelopes."""
    from finance.main import definition

    table = definition.metadata.tables["outbox_messages"]
    async with app.state.sessionmaker() as session:
        query = select(table.c.body).where(table.c.event_type == event_type)
        return [json.loads(body) for body in (await session.execute(query)).scalars()]


async def bank_account(
    client: httpx.AsyncClient, h: dict[str, str], entity: str = "technology_company"
) -> str:
    number = f"6222{uuid.uuid4().int % 10**15:015d}"
    created = await client.post(
        "/v1/bank-accounts",
        json={
            "account_no": number,
            "name": "某某科技",
            "bank_name": "招商银行",
            "legal_entity": entity,
        },
        headers=h,
    )
    assert created.status_code == 201, created.text
    return number


def request_body(
    account: str, lines: list[tuple[uuid.UUID, str]], payee: str = "merchant"
) -> dict[str, Any]:
    return {
        "payee": {
            "type": payee,
            "id": "M-1001",
            "name": "上海某某汽车服务有限公司",
            "bank_account": "6214830211112222",
            "bank_name": "招商银行上海分行",
        },
        "payer_bank_account": account,
        "lines": [{"order_id": str(o), "amount": a} for o, a in lines],
    }


async def approve_fully(
    client: httpx.AsyncClient, issuer: TestTokenIssuer, request: dict[str, Any]
) -> dict[str, Any]:
    for n in range(request["approvals_required"]):
        approver = headers(issuer, subject=f"approver-{n}")
        response = await client.post(
            f"/v1/payment-requests/{request['id']}/approvals", json={}, headers=approver
        )
        assert response.status_code == 200, response.text
        request = response.json()
    assert request["status"] == "approved"
    return request
