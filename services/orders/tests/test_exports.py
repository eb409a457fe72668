"""XLSX export: a background job scoped to the caller, exact amounts, Shanghai times."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from openpyxl import load_workbook

from shared_schemas import OrderCategory, OrderDirection


async def test_export_holds_exactly_the_callers_orders(
    api: Any, app: FastAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "export_dir", tmp_path)
    monkeypatch.setattr(app.state.settings, "export_page_rows", 2)  # several pages
    source = f"exp-{uuid.uuid4().hex[:8]}"
    amounts = ["0.01", "0.02", "1234567.89", "0.10", "19.99"]
    mine = [await api.create(source_service=source, amount=a) for a in amounts]
    await api.create(api.org_b, source_service=source, amount="5.00")

    started = await api.client.post(
        "/v1/orders/exports", json={"source_service": source}, headers=api.headers()
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    job = (await api.client.get(f"/v1/orders/exports/{job_id}", headers=api.headers())).json()
    assert (job["status"], job["total"], job["processed"]) == ("succeeded", 5, 5)
    other = await api.client.get(
        f"/v1/orders/exports/{job_id}/download", headers=api.headers(api.org_b, subject="clerk-b")
    )
    assert other.status_code == 404

    download = await api.client.get(f"/v1/orders/exports/{job_id}/download", headers=api.headers())
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(download.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[0] == "订单号" and "创建时间（北京时间）" in header
    assert sorted(r[0] for r in body) == sorted(o["order_no"] for o in mine)
    assert {r[3] for r in body} == {str(api.org_a)}
    amount_col = header.index("订单金额")
    total = sum((Decimal(str(r[amount_col])) for r in body), Decimal("0"))
    assert total == sum((Decimal(a) for a in amounts), Decimal("0"))
    created = header.index("创建时间（北京时间）")
    first = next(r for r in body if r[0] == mine[0]["order_no"])
    # Labels, not codes, where people read them.
    labels = dict(zip(header, first, strict=False))  # read-only rows end at the last value
    assert (labels["订单类别"], labels["收付方向"], labels["订单状态"]) == (
        OrderCategory(mine[0]["category"]).label_zh,
        OrderDirection(mine[0]["direction"]).label_zh,
        "已创建",
    )
    assert first[created].isoformat()[:16] == _shanghai(mine[0]["created_at"])[:16]


async def test_export_before_it_is_done_and_bad_filters(api: Any) -> None:
    bad = await api.client.post(
        "/v1/orders/exports", json={"amount_min": "5", "amount_max": "1"}, headers=api.headers()
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.amount_max"


def _shanghai(iso: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(iso).astimezone(ZoneInfo("Asia/Shanghai")).isoformat()
