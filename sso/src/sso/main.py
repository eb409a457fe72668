"""App factory of sso (`uvicorn --factory sso.main:create_app`)."""

from fastapi import FastAPI

from servicekit.app import create_app as create_service_app
from servicekit.definition import ServiceDefinition
from sso.config import Settings
from sso.db import Base
from sso.subscriptions import subscriptions

definition = ServiceDefinition.standard(
    __file__,
    title="sso — identity and single sign-on",
    description="One identity store for every institution and user, entitlements per institution, and the OpenID Connect provider every entry signs on with.",
    settings_factory=Settings,
    metadata=Base.metadata,
    subscriptions=subscriptions,
)


def create_app() -> FastAPI:
    return create_service_app(definition)
