"""Request and correlation ids, JSON logs carrying them, Prometheus metrics."""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
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


class RequestContextMiddleware:
    """Pure ASGI: assigns request/correlation ids, echoes them, logs and measures each request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger("servicekit.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = _clean_id(headers.get(REQUEST_ID_HEADER)) or uuid.uuid4().hex
        correlation_id = _clean_id(headers.get(CORRELATION_ID_HEADER)) or request_id
        rid_token = request_id_var.set(request_id)
        cid_token = correlation_id_var.set(correlation_id)
        status = 500
        response_started = False
        started = time.perf_counter()

        async def send_with_ids(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                extra = [
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                    (CORRELATION_ID_HEADER.encode(), correlation_id.encode()),
                ]
                message["headers"] = list(message.get("headers", [])) + extra
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
            route = scope.get("route")
            route_path = getattr(route, "path", None) or "unmatched"
            metrics.http_requests.labels(scope["method"], route_path, str(status)).inc()
            metrics.http_latency.labels(scope["method"], route_path).observe(elapsed)
            if route_path not in ("/healthz", "/readyz", "/metrics"):
                self.log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
            request_id_var.reset(rid_token)
            correlation_id_var.reset(cid_token)


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
