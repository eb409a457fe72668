"""App factory of orders (`uvicorn --factory orders.main:create_app`)."""

from fastapi import FastAPI

from orders.analysis.endpoints import router as analysis_router
from orders.config import Settings
from orders.db import Base
from orders.demo import load_demo_orders
from orders.exports import models as _export_models  # noqa: F401  (tables on Base.metadata)
from orders.exports.endpoints import router as export_router
from orders.imports import models as _import_models  # noqa: F401
from orders.imports.endpoints import router as import_router
from orders.intake import models as _intake_models  # noqa: F401
from orders.intake.endpoints import router as intake_router
from orders.jobs.sweeper import job_sweeper
from orders.order import models as _order_models  # noqa: F401  (tables on Base.metadata)
from orders.order.endpoints import router as order_router
from orders.settlement import models as _settlement_models  # noqa: F401
from orders.settlement.endpoints import router as settlement_router
from orders.subscriptions import subscriptions
from servicekit.app import create_app as create_service_app
from servicekit.definition import ServiceDefinition

definition = ServiceDefinition.standard(
    __file__,
    title="orders — 订单管理中心 (order center)",
    description="Every chargeable service as an order: category, status, trajectory, settlement lists.",
    settings_factory=Settings,
    metadata=Base.metadata,
    subscriptions=subscriptions,
    routers=[
        import_router,
        export_router,
        analysis_router,
        settlement_router,
        intake_router,
        order_router,
    ],
    demo_data=load_demo_orders,
    lifespan=job_sweeper,
)


def create_app() -> FastAPI:
    return create_service_app(definition)
