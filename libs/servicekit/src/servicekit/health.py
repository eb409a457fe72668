"""Liveness, readiness and metrics endpoints."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz(request: Request) -> dict[str, str]:
    return {"status": "ok", "service": request.app.state.settings.service_name}


@router.get("/readyz", summary="Readiness: database and broker reachable")
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, Any] = {}
    checks["database"] = await _database_ok(request)
    messaging = getattr(request.app.state, "messaging", None)
    if messaging is not None:
        checks["broker"] = await messaging.broker_reachable()
    ready = all(checks.values())
    body = {"status": "ready" if ready else "not_ready", "checks": checks}
    if not ready:
        body["code"] = "not_ready"
    return JSONResponse(body, status_code=200 if ready else 503)


async def _database_ok(request: Request) -> bool:
    try:
        async with request.app.state.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), 3.0)
        return True
    except Exception:
        return False


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def prometheus_metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
