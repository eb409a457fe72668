"""App factory of insurance (`uvicorn --factory insurance.main:create_app`)."""

from fastapi import FastAPI

from insurance.common import numbers as _numbers  # noqa: F401
from insurance.config import Settings
from insurance.db import Base
from insurance.deals import models as _deal_models  # noqa: F401
from insurance.deals.endpoints import router as deal_router
from insurance.demo import load_demo_data
from insurance.policies import models as _policy_models  # noqa: F401
from insurance.policies.endpoints import router as policy_router
from insurance.pushes import models as _push_models  # noqa: F401
from insurance.pushes.endpoints import router as push_router
from insurance.pushes.scheduler import push_scheduler
from insurance.subscriptions import subscriptions
from insurance.vehicles import models as _vehicle_models  # noqa: F401  (tables on Base.metadata)
from insurance.vehicles.endpoints import router as vehicle_router
from servicekit.app import create_app as create_service_app
from servicekit.definition import ServiceDefinition

definition = ServiceDefinition.standard(
    __file__,
    title="insurance — 保险管理 (BS system)",
    description="Car, non-car and life insurance business: policies, proposals, vehicles, push tasks.",
    settings_factory=Settings,
    metadata=Base.metadata,
    subscriptions=subscriptions,
    routers=[vehicle_router, policy_router, push_router, deal_router],
    lifespan=push_scheduler,
    demo_data=load_demo_data,
)


def create_app() -> FastAPI:
    return create_service_app(definition)
