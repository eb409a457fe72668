"""App factory of insurance (`uvicorn --factory insurance.main:create_app`)."""

from fastapi import FastAPI

from insurance.config import Settings
from insurance.db import Base
from insurance.subscriptions import subscriptions
from servicekit.app import create_app as create_service_app
from servicekit.definition import ServiceDefinition

definition = ServiceDefinition.standard(
    __file__,
    title="insurance — 保险管理 (BS system)",
    description="Car, non-car and life insurance business: policies, proposals, vehicles, push tasks.",
    settings_factory=Settings,
    metadata=Base.metadata,
    subscriptions=subscriptions,
)


def create_app() -> FastAPI:
    return create_service_app(definition)
