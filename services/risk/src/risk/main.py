"""App factory of risk (`uvicorn --factory risk.main:create_app`)."""

from fastapi import FastAPI

from risk import common as _common  # noqa: F401  (tables on Base.metadata)
from risk.assessments import models as _assessment_models  # noqa: F401
from risk.assessments.endpoints import router as assessment_router
from risk.config import Settings
from risk.db import Base
from risk.demo import load_demo_risk
from risk.exports import models as _export_models  # noqa: F401
from risk.exports.endpoints import router as export_router
from risk.reconciliation import models as _reconciliation_models  # noqa: F401
from risk.reconciliation.endpoints import router as reconciliation_router
from risk.requests import models as _request_models  # noqa: F401
from risk.requests.endpoints import router as request_router
from risk.scorecards import models as _scorecard_models  # noqa: F401
from risk.scorecards.endpoints import router as scorecard_router
from risk.subscriptions import subscriptions
from servicekit.app import create_app as create_service_app
from servicekit.definition import ServiceDefinition

definition = ServiceDefinition.standard(
    __file__,
    title="risk — 风险评估",
    description="Vehicle risk assessment: requests, assessments, export batches, reconciliation with insurers.",
    settings_factory=Settings,
    metadata=Base.metadata,
    subscriptions=subscriptions,
    demo_data=load_demo_risk,
    routers=[
        request_router,
        assessment_router,
        scorecard_router,
        export_router,
        reconciliation_router,
    ],
)


def create_app() -> FastAPI:
    return create_service_app(definition)
