"""App factory of risk (`uvicorn --factory risk.main:create_app`)."""

from fastapi import FastAPI

from risk.config import Settings
from risk.db import Base
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
)


def create_app() -> FastAPI:
    return create_service_app(definition)
