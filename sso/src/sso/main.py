"""App factory of sso (`uvicorn --factory sso.main:create_app`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware import Middleware

from servicekit.app import create_app as create_service_app
from servicekit.db import unit_of_work
from servicekit.definition import ServiceDefinition
from sso.access.endpoints import internal_router as internal_access_router
from sso.access.endpoints import router as access_router
from sso.audit.endpoints import router as audit_router
from sso.bootstrap import prepare
from sso.catalogue.endpoints import router as catalogue_router
from sso.clients.endpoints import router as clients_router
from sso.config import Settings
from sso.db import Base
from sso.demo import load_demo_data
from sso.entitlements.endpoints import router as entitlements_router
from sso.imports.endpoints import router as imports_router
from sso.models import import_all_models
from sso.oidc.endpoints import router as oidc_router
from sso.oidc.fastpath import OidcFastPath
from sso.organizations.endpoints import router as organizations_router
from sso.roles.endpoints import router as roles_router
from sso.subscriptions import subscriptions
from sso.users.endpoints import router as users_router

import_all_models()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The catalogue file shipped with this release is synced at every start (a no-op unless it
    # changed), so a deployment needs no separate step for new functions of sso itself.
    async for session in unit_of_work(app.state.sessionmaker):
        await prepare(session, app.state.messaging.outbox, app.state.settings)
    yield


definition = ServiceDefinition.standard(
    __file__,
    title="sso — identity and single sign-on",
    description="One identity store for every institution and user, entitlements per "
    "institution, and the OpenID Connect provider every entry signs on with "
    "(/.well-known/openid-configuration, /authorize, /token, …). "
    "Admin API under /v1/admin (internal token, audience sso, `sso.admin.*` functions); "
    "portal API under /v1/me; the gateway's principal lookup under /v1/internal.",
    settings_factory=Settings,
    metadata=Base.metadata,
    subscriptions=subscriptions,
    routers=[
        organizations_router,
        entitlements_router,
        catalogue_router,
        clients_router,
        roles_router,
        users_router,
        imports_router,
        audit_router,
        access_router,
        internal_access_router,
        oidc_router,
    ],
    demo_data=load_demo_data,
    lifespan=_lifespan,
    # /token, /authorize and /login in plain ASGI (sso.oidc.fastpath)
    middleware=[Middleware(OidcFastPath)],
)


def create_app() -> FastAPI:
    return create_service_app(definition)
