"""`/`: until the web console is built, a short JSON index of the platform's doors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

router = APIRouter(tags=["portal"])


@router.get("/", summary="What this platform serves and where")
async def index(request: Request) -> dict[str, Any]:
    entries = sorted(request.app.state.settings.entry_upstreams())
    return {
        "platform": "综合管理平台",
        "oidc_issuer": str(request.base_url).rstrip("/") + "/auth",
        "entries": {name: f"/api/{name}/" for name in entries},
        "health": "/healthz",
    }
