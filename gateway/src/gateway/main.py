"""App factory of gateway (`uvicorn --factory gateway.main:create_app`)."""

from fastapi import FastAPI

from gateway.config import Settings
from gateway.db import Base
from gateway.subscriptions import subscriptions
from servicekit.app import create_app as create_service_app
from servicekit.definition import ServiceDefinition

definition = ServiceDefinition.standard(
    __file__,
    title="gateway — the platform's public door",
    description="Routes /auth to sso and /api/<entry> to the entry's service, from an explicit allow-list of upstreams.",
    settings_factory=Settings,
    metadata=Base.metadata,
    subscriptions=subscriptions,
)


def create_app() -> FastAPI:
    return create_service_app(definition)
