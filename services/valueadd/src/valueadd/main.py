"""App factory of valueadd (`uvicorn --factory valueadd.main:create_app`)."""

from fastapi import FastAPI

from servicekit.app import create_app as create_service_app
from servicekit.definition import ServiceDefinition
from valueadd.config import Settings
from valueadd.db import Base
from valueadd.demo import load_demo_data
from valueadd.modules import ROUTERS
from valueadd.subscriptions import subscriptions

definition = ServiceDefinition.standard(
    __file__,
    title="valueadd — 增值服务",
    description="Value-added services: coupons and redemptions, the mall, move-car plates, other technical services.",
    settings_factory=Settings,
    metadata=Base.metadata,
    subscriptions=subscriptions,
    routers=ROUTERS,
    demo_data=load_demo_data,
)


def create_app() -> FastAPI:
    return create_service_app(definition)
