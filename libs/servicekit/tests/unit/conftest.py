"""Unit tests: servicekit's app factory without database or broker (no lifespan is run)."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic_settings import SettingsConfigDict

from servicekit.app import create_app
from servicekit.auth import InternalTokenVerifier, JWKSCache
from servicekit.db import new_metadata
from servicekit.definition import ServiceDefinition
from servicekit.messaging import MessagingTables
from servicekit.observability import JsonFormatter
from servicekit.settings import ServiceSettings
from servicekit.testing.tokens import TestTokenIssuer

ENTRY = "skunit"


class BareSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SKBARE_", extra="ignore")
    service_name: ClassVar[str] = ENTRY


def bare_definition(*routers: APIRouter) -> ServiceDefinition:
    metadata = new_metadata()
    return ServiceDefinition(
        name=ENTRY,
        title="unit",
        settings_factory=BareSettings,
        metadata=metadata,
        messaging_tables=MessagingTables.define(metadata),
        migrations_dir=Path("/nonexistent"),
        routers=list(routers),
    )


@pytest.fixture(scope="session")
def issuer() -> TestTokenIssuer:
    return TestTokenIssuer()


@pytest.fixture
def make_client(
    issuer: TestTokenIssuer, restore_logging: None
) -> Callable[[APIRouter], httpx.AsyncClient]:
    """An httpx client on `create_app(...)` with the given router; 500s come back as responses."""

    def make(router: APIRouter) -> httpx.AsyncClient:
        verifier = InternalTokenVerifier(JWKSCache(issuer.jwks), audience=ENTRY)
        settings = BareSettings(log_json=False)
        app: FastAPI = create_app(bare_definition(router), settings, token_verifier=verifier)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    return make


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """`create_app` reconfigures the root logger; put pytest's handlers back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


class JsonLines:
    """Log records of chosen loggers, formatted by servicekit's JsonFormatter."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[dict[str, object]]:
        import json

        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line]


@pytest.fixture
async def json_logs() -> AsyncIterator[JsonLines]:
    captured = JsonLines()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(JsonFormatter("skunit"))
    loggers = [logging.getLogger(n) for n in ("servicekit.access", "servicekit.errors", "app")]
    saved = [(lg.level, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    try:
        yield captured
    finally:
        for lg, (level, propagate) in zip(loggers, saved, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
            lg.propagate = propagate
