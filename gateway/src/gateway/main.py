"""App factory of the gateway (`uvicorn --factory gateway.main:create_app`)."""

from fastapi import FastAPI
from starlette.middleware import Middleware

from gateway.config import Settings
from gateway.console import router as console_router
from gateway.db import Base
from gateway.door.middleware import Door
from gateway.keys.endpoints import router as keys_router
from gateway.runtime import gateway_runtime
from gateway.sessions.endpoints import router as session_router
from gateway.subscriptions import subscriptions
from servicekit.app import create_app as create_service_app
from servicekit.definition import ServiceDefinition

definition = ServiceDefinition.standard(
    __file__,
    title="gateway — the platform's public door",
    description="Browser sessions (/bff), partner bearer tokens, entitlement checks and internal "
    "JWTs in front of /api/<entry> (insurance, risk, valueadd, orders, finance, sso); sso's OIDC "
    "endpoints at /auth; the internal JWKS at /.well-known/internal-jwks.json; the web console "
    "at /.",
    settings_factory=Settings,
    metadata=Base.metadata,
    subscriptions=subscriptions,
    # The console's catch-all route goes last.
    routers=[session_router, keys_router, console_router],
    lifespan=gateway_runtime,
    middleware=[Middleware(Door)],
)


def create_app() -> FastAPI:
    return create_service_app(definition)
