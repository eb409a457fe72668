"""Forwarding to the allow-listed upstreams: `/auth/...` → sso, `/api/<entry>/...` → service.

Authentication, entitlement checks and internal JWTs are added in front of this forwarding
(gateway issue); until then the caller's Authorization header is not passed on, so services
answer 401 to anything that is not public.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from gateway.config import Settings
from servicekit.errors import ProblemError
from servicekit.observability import (
    CORRELATION_ID_HEADER,
    REQUEST_ID_HEADER,
    correlation_id_var,
    request_id_var,
)

log = logging.getLogger("gateway.proxy")
router = APIRouter(include_in_schema=False)

#: Hop-by-hop headers (RFC 9110 §7.6.1) and ones the gateway sets itself.
_DROP_REQUEST = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "authorization",
    "cookie",
    "content-length",
    REQUEST_ID_HEADER,
    CORRELATION_ID_HEADER,
}
_DROP_RESPONSE = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "content-length",
    REQUEST_ID_HEADER,
    CORRELATION_ID_HEADER,
}


class UnknownEntry(ProblemError):
    status, code = 404, "unknown_entry"


class UpstreamUnavailable(ProblemError):
    status, code = 503, "upstream_unavailable"


class UpstreamTimeout(ProblemError):
    status, code = 504, "upstream_timeout"


def _client(request: Request) -> httpx.AsyncClient:
    client: httpx.AsyncClient = request.app.state.upstream_client
    return client


async def forward(request: Request, base_url: str, path: str, name: str) -> StreamingResponse:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP_REQUEST}
    headers[REQUEST_ID_HEADER] = request_id_var.get() or ""
    headers[CORRELATION_ID_HEADER] = correlation_id_var.get() or ""
    headers["x-forwarded-for"] = request.client.host if request.client else ""
    headers["x-forwarded-proto"] = request.url.scheme
    upstream = httpx.URL(
        base_url.rstrip("/") + "/" + path.lstrip("/"), query=request.url.query.encode()
    )
    outgoing = _client(request).build_request(
        request.method, upstream, headers=headers, content=request.stream()
    )
    try:
        response = await _client(request).send(outgoing, stream=True)
    except httpx.TimeoutException as exc:
        raise UpstreamTimeout(f"The {name} service did not answer in time.") from exc
    except httpx.TransportError as exc:
        log.warning("upstream %s unreachable: %r", name, exc)
        raise UpstreamUnavailable(
            f"The {name} service is not reachable right now; try again shortly."
        ) from exc
    return StreamingResponse(
        _body(response),
        status_code=response.status_code,
        headers={k: v for k, v in response.headers.items() if k.lower() not in _DROP_RESPONSE},
        background=BackgroundTask(response.aclose),
    )


async def _body(response: httpx.Response) -> AsyncIterator[bytes]:
    async for chunk in response.aiter_raw():
        yield chunk


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@router.api_route("/auth/{path:path}", methods=_METHODS)
async def to_sso(request: Request, path: str) -> StreamingResponse:
    settings: Settings = request.app.state.settings
    return await forward(request, settings.sso_url, path, "sso")


@router.api_route("/api/{entry}/{path:path}", methods=_METHODS)
async def to_entry(request: Request, entry: str, path: str) -> StreamingResponse:
    settings: Settings = request.app.state.settings
    base_url = settings.entry_upstreams().get(entry)
    if base_url is None:
        known = ", ".join(sorted(settings.entry_upstreams()))
        raise UnknownEntry(f"There is no entry '{entry}'; the entries are: {known}.")
    return await forward(request, base_url, path, entry)
