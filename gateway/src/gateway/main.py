"""App factory of the gateway (`uvicorn --factory gateway.main:create_app`)."""

from fastapi import FastAPI

from gateway.config import Settings
from gateway.db import Base
from gateway.routing.lifespan import upstream_client
from gateway.routing.portal import router as portal_router
from gateway.routing.proxy import router as proxy_router
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
    routers=[portal_router, proxy_router],
    lifespan=upstream_client,
)


def create_app() -> FastAPI:
    return create_service_app(definition)
