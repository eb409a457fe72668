"""Export of one insurer's assessment sheets: a background job with progress, scoped to the
starter's institution, written page by page; Beijing times; the download is the starter's."""

from __future__ import annotations

import io
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI
from openpyxl import load_workbook

from servicekit.clock import FixedClock

Headers = Callable[..., dict[str, str]]
Body = Callable[..., dict[str, Any]]
Publish = Callable[..., Awaitable[dict[str, Any]]]


async def test_export_holds_the_insurers_sheets_of_the_callers_institution(
    client: httpx.AsyncClient, app: FastAPI, clock: FixedClock, headers: Headers,
    org_a: uuid.UUID, org_b: uuid.UUID, publish: Publish, body: Body, vins: tuple[str, ...],
) -> None:  # fmt: skip
    app.state.settings.export_page_rows = 2  # several pages
    await publish()
    a, b = headers(org_a), headers(org_b, subject="clerk-b")
    mine = []
    for vin in vins:
        made = await client.post("/v1/requests", json=body(vin), headers=a)
        mine.append(made.json()["request_no"])
        clock.advance(minutes=1)
    other_insurer = body(vins[0], insurer={"code": "CPIC", "name": "太平洋财险"})
    await client.post("/v1/requests", json=other_insurer, headers=a)
    await client.post("/v1/requests", json=body(vins[1]), headers=b)

    started = await client.post("/v1/exports", json={"insurer_code": "picc"}, headers=a)
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["export_no"].startswith("DC20261015")
    done = (await client.get(f"/v1/exports/{job['id']}", headers=a)).json()
    assert (done["status"], done["status_label"], done["total"], done["processed"]) == (
        "succeeded", "已完成", 3, 3,
    )  # fmt: skip
    assert [j["id"] for j in (await client.get("/v1/exports", headers=a)).json()] == [job["id"]]
    assert (await client.get("/v1/exports", headers=b)).json() == []
    for path in (f"/v1/exports/{job['id']}", f"/v1/exports/{job['id']}/download"):
        assert (await client.get(path, headers=b)).status_code == 404

    download = await client.get(f"/v1/exports/{job['id']}/download", headers=a)
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.content), read_only=True).worksheets[0]
                .iter_rows(values_only=True))  # fmt: skip
    header, data = rows[0], rows[1:]
    assert header[0] == "评估单号" and "评估时间（北京时间）" in header
    assert [r[0] for r in data] == mine
    assert {r[3] for r in data} == {"中国人保财险"}
    assert {r[header.index("等级")] for r in data} == {"A"}
    first_time = data[0][header.index("评估时间（北京时间）")]
    assert first_time.isoformat()[:16] == "2026-10-15T16:00"


async def test_bad_export_requests(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, org_a: uuid.UUID
) -> None:
    a = headers(org_a)
    bad = await client.post(
        "/v1/exports", json={"insurer_code": "PICC", "status": "lost"}, headers=a
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.status"
    missing = await client.post("/v1/exports", json={}, headers=a)
    assert missing.json()["errors"][0]["field"] == "body.insurer_code"
    nobody = await client.get(f"/v1/exports/{uuid.uuid4()}", headers=a)
    assert nobody.status_code == 404 and nobody.json()["code"] == "export_not_found"
