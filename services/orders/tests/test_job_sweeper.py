"""Jobs cut off by a restart are taken up again; export files go after their retention period."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from orders.exports.models import ExportJob
from orders.imports.models import ImportJob
from orders.jobs.sweeper import sweep
from orders.order.service import OrderService

#: Finished before any run of the suite: past a 1-hour retention whenever the sweep runs.
LONG_AGO = datetime(2026, 10, 20, 4, tzinfo=UTC)

HEADER = "category,direction,customer_org_id,amount,source_service,source_ref"


async def _set(app: FastAPI, model: Any, job_id: str, **values: Any) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(update(model).where(model.id == uuid.UUID(job_id)).values(**values))


async def _sweep(app: FastAPI, monkeypatch: pytest.MonkeyPatch, **settings: Any) -> Any:
    for name, value in settings.items():
        monkeypatch.setattr(app.state.settings, name, value)
    return await sweep(app.state.sessionmaker, app.state.messaging.outbox, app.state.settings)


async def test_an_import_cut_off_by_a_restart_resumes_after_its_last_chunk(
    api: Any, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "import_chunk_rows", 2)
    real = OrderService.create_many

    async def process_dies(self: OrderService, batch: Any, principal: Any) -> Any:
        if any(d.source_ref == "r3" for d in batch):
            raise SystemExit("the process stops here")  # not an Exception: nothing catches it
        return await real(self, batch, principal)

    monkeypatch.setattr(OrderService, "create_many", process_dies)
    source = f"sweep-{uuid.uuid4().hex[:8]}"
    rows = [f"risk_assessment,receivable,{api.org_a},1.00,{source},r{i}" for i in range(1, 6)]
    content = "\n".join([HEADER, *rows]).encode()
    with pytest.raises(SystemExit):
        await api.client.post(
            "/v1/orders/imports",
            params={"filename": "x.csv", "dry_run": "false"},
            content=content,
            headers=api.headers(),
        )
    monkeypatch.setattr(OrderService, "create_many", real)
    # The job row as the dead process left it: running, two rows committed.
    listed = await _latest_import(app)
    assert (listed.status, listed.processed, listed.created) == ("running", 2, 2)

    fresh = await _sweep(app, monkeypatch, job_stale_seconds=3600)
    assert str(listed.id) not in fresh.imports_resumed  # touched recently: maybe still alive
    swept = await _sweep(app, monkeypatch, job_stale_seconds=0)
    assert str(listed.id) in swept.imports_resumed
    done = (await api.client.get(f"/v1/orders/imports/{listed.id}", headers=api.headers())).json()
    assert (done["status"], done["processed"], done["created"], done["failed"]) == (
        "succeeded", 5, 5, 0,
    )  # fmt: skip
    again = await _sweep(app, monkeypatch, job_stale_seconds=0)
    assert str(listed.id) not in again.imports_resumed  # finished: left alone


async def _latest_import(app: FastAPI) -> ImportJob:
    from sqlalchemy import select

    async with app.state.sessionmaker() as session:
        query = select(ImportJob).order_by(ImportJob.created_at.desc()).limit(1)
        return (await session.execute(query)).scalar_one()


async def test_an_export_cut_off_starts_over_and_old_files_expire(
    api: Any, app: FastAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "export_dir", tmp_path)
    source = f"sweep-{uuid.uuid4().hex[:8]}"
    for amount in ("1.00", "2.00"):
        await api.create(source_service=source, amount=amount)
    started = await api.client.post(
        "/v1/orders/exports", json={"source_service": source}, headers=api.headers()
    )
    job_id = started.json()["id"]
    # As a restart leaves it: running, half-way, no file.
    await _set(app, ExportJob, job_id, status="running", processed=1, file_name=None,
               finished_at=None)  # fmt: skip
    (tmp_path / f"{job_id}.xlsx").unlink()
    not_ready = await api.client.get(f"/v1/orders/exports/{job_id}/download", headers=api.headers())
    assert (not_ready.status_code, not_ready.json()["code"]) == (409, "export_not_ready")

    swept = await _sweep(app, monkeypatch, job_stale_seconds=0)
    assert job_id in swept.exports_restarted
    job = (await api.client.get(f"/v1/orders/exports/{job_id}", headers=api.headers())).json()
    assert (job["status"], job["total"], job["processed"]) == ("succeeded", 2, 2)
    assert (tmp_path / f"{job_id}.xlsx").exists()

    # Within the retention period the file stays; after it, it goes and the job says so.
    kept = await _sweep(app, monkeypatch, export_retention_hours=1)
    assert job_id not in kept.exports_expired
    await _set(app, ExportJob, job_id, finished_at=LONG_AGO)
    expired = await _sweep(app, monkeypatch, export_retention_hours=1)
    assert job_id in expired.exports_expired
    assert not (tmp_path / f"{job_id}.xlsx").exists()
    job = (await api.client.get(f"/v1/orders/exports/{job_id}", headers=api.headers())).json()
    assert job["expired_at"] is not None and "retention" in job["error"]
    gone = await api.client.get(f"/v1/orders/exports/{job_id}/download", headers=api.headers())
    assert (gone.status_code, gone.json()["code"]) == (410, "export_expired")
