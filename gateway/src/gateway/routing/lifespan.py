"""The gateway's pooled HTTP client to its upstreams, open while the app runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI


@asynccontextmanager
async def upstream_client(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    timeout = httpx.Timeout(settings.upstream_timeout_seconds, connect=3.0)
    async with httpx.AsyncClient(
        timeout=timeout, limits=httpx.Limits(max_connections=200), follow_redirects=False
    ) as client:
        app.state.upstream_client = client
        yield
