"""Forwarding one request to an allow-listed upstream and streaming the answer back.

aiohttp rather than httpx for the upstream pool: on this path httpx's per-request overhead was
the largest single cost measured (docs/benchmarks.md, gateway section).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
from starlette.types import Receive, Scope, Send

from gateway.door.problems import send_problem

log = logging.getLogger("gateway.upstream")

#: Hop-by-hop headers (RFC 9110 §7.6.1) and ones the gateway sets itself.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
    }
)
_DROP_RESPONSE = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "upgrade", "x-request-id", "x-correlation-id"}
)
#: Bodies up to this size are read whole before forwarding (one write upstream); larger ones,
#: and bodies of unknown length (chunked uploads), are streamed.
BUFFER_LIMIT = 1024 * 1024


class Upstreams:
    def __init__(self, timeout: float, connect_timeout: float) -> None:
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout, sock_read=timeout
        )
        self.http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=30, ttl_dns_cache=300)
        self.http = aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
        )

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.close()

    async def forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        url: str,
        headers: list[tuple[str, str]],
        name: str,
    ) -> None:
        assert self.http is not None
        query = scope.get("query_string", b"")
        if query:
            url = f"{url}?{query.decode('latin-1')}"
        length = next((v for k, v in headers if k == "content-length"), None)
        body: bytes | AsyncIterator[bytes] | None
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE") and length is None:
            body = None
        elif length is not None and int(length) <= BUFFER_LIMIT:
            body = await _read_body(receive)
        else:
            headers = [(k, v) for k, v in headers if k != "content-length"]
            body = _stream_body(receive)
        started = False
        try:
            async with self.http.request(
                scope["method"],
                aiohttp.client.URL(url, encoded=True),
                headers=headers,
                data=body,
                allow_redirects=False,
            ) as response:
                out = [
                    (k.lower().encode("latin-1"), v.encode("latin-1"))
                    for k, v in _raw_headers(response)
                    if k.lower() not in _DROP_RESPONSE
                ]
                await send(
                    {"type": "http.response.start", "status": response.status, "headers": out}
                )
                started = True
                async for chunk in response.content.iter_any():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
                return
        except (TimeoutError, aiohttp.ClientError) as exc:
            if started:  # the answer is half sent: only dropping the connection says so
                raise
            if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
                problem = (504, "upstream_timeout", f"The {name} service did not answer in time.")
            else:
                log.warning("upstream %s unreachable: %r", name, exc)
                problem = (
                    503,
                    "upstream_unavailable",
                    f"The {name} service is not reachable right now; try again shortly.",
                )
        await send_problem(scope, receive, send, *problem)


def _raw_headers(response: aiohttp.ClientResponse) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers]


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise asyncio.CancelledError("client went away")
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _stream_body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return
