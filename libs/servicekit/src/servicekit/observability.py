"""Request and correlation ids, JSON logs carrying them, Prometheus metrics."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)

REQUEST_ID_HEADER = "x-request-id"
CORRELATION_ID_HEADER = "x-correlation-id"


class _Metrics:
    """One set of metric objects per process (prometheus_client's registry is global)."""

    def __init__(self) -> None:
        self.http_requests = Counter(
            "http_requests_total", "HTTP requests", ["method", "route", "status"]
        )
        self.http_latency = Histogram(
            "http_request_duration_seconds", "HTTP request latency", ["method", "route"]
        )
        self.events_published = Counter(
            "events_published_total", "Outbox events acknowledged by the broker", ["topic"]
        )
        self.relay_errors = Counter("outbox_relay_errors_total", "Relay failures", ["service"])
        self.outbox_lag = Histogram(
            "outbox_publish_lag_seconds",
            "From outbox insert to broker acknowledgement",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.events_consumed = Counter(
            "events_consumed_total",
            "Consumed events by outcome (handled, duplicate, ignored, dead_lettered)",
            ["topic", "group", "outcome"],
        )


metrics = _Metrics()


@contextmanager
def correlation_scope(correlation_id: str | None) -> Iterator[None]:
    token = correlation_id_var.set(correlation_id)
    try:
        yield
    finally:
        correlation_id_var.reset(token)


_REQUEST_ID_KEY = REQUEST_ID_HEADER.encode()
_CORRELATION_ID_KEY = CORRELATION_ID_HEADER.encode()
#: Routes whose requests are counted but not written to the access log.
_NOT_LOGGED = frozenset({"/healthz", "/readyz", "/metrics"})
_MAX_CHILDREN = 4096


class RequestContextMiddleware:
    """Pure ASGI: assigns request/correlation ids, echoes them, logs and measures each request.

    It runs for every request of every service, so it does as little as it can: it looks for
    its two headers without building a dict of them all, keeps the metric children per (method,
    route, status) instead of resolving labels each time, and hands the access-log record
    straight to the logger's handlers (no caller lookup in the stack)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger("servicekit.access")
        #: (method, route, status) → (counter child, histogram child)
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = correlation_id = None
        for key, value in scope["headers"]:
            if key == _REQUEST_ID_KEY:
                request_id = _clean_id(value.decode("latin-1"))
            elif key == _CORRELATION_ID_KEY:
                correlation_id = _clean_id(value.decode("latin-1"))
        request_id = request_id or os.urandom(16).hex()
        correlation_id = correlation_id or request_id
        rid_token = request_id_var.set(request_id)
        cid_token = correlation_id_var.set(correlation_id)
        ids = (
            (_REQUEST_ID_KEY, request_id.encode("latin-1")),
            (_CORRELATION_ID_KEY, correlation_id.encode("latin-1")),
        )
        status = 500
        response_started = False

        async def send_with_ids(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                # A copy: the list may be the response object's own headers.
                message["headers"] = [*message.get("headers", ()), *ids]
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        except Exception:
            if response_started:
                raise
            # The app's catch-all exception handler runs outside this middleware, after the ids
            # are reset and without the id headers: answer the 500 here, carrying them.
            from servicekit.errors import internal_error_response
            from servicekit.errors import log as errors_log

            errors_log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            await internal_error_response(scope["path"])(scope, receive, send_with_ids)
        finally:
            elapsed = time.perf_counter() - started
            route_path = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"]
            key = (method, route_path, str(status))
            children = self._children.get(key)
            if children is None:
                children = (
                    metrics.http_requests.labels(*key),
                    metrics.http_latency.labels(method, route_path),
                )
                if len(self._children) < _MAX_CHILDREN:  # methods are the caller's to choose
                    self._children[key] = children
            children[0].inc()
            children[1].observe(elapsed)
            if route_path not in _NOT_LOGGED and self.log.isEnabledFor(logging.INFO):
                self._access_log(method, scope["path"], status, elapsed)
            request_id_var.reset(rid_token)
            correlation_id_var.reset(cid_token)

    def _access_log(self, method: str, path: str, status: int, elapsed: float) -> None:
        """The `request` line, as `log.info("request", extra={...})` would make it."""
        record = logging.LogRecord(self.log.name, logging.INFO, __file__, 0, "request", None, None)
        record.method = method
        record.path = path
        record.status = status
        record.duration_ms = round(elapsed * 1000, 2)
        self.log.handle(record)


def _clean_id(value: str | None) -> str | None:
    # Ids from callers go into logs and headers: keep them short and printable.
    if not value or len(value) > 128 or not value.isprintable():
        return None
    return value


# color_message: uvicorn's ANSI-coloured duplicate of the message.
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
            "correlation_id": correlation_id_var.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if as_json:
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(
            logging.Formatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiokafka logs every reconnect attempt at ERROR; the relay/consumer report outages.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    logging.getLogger("uvicorn.access").disabled = True
