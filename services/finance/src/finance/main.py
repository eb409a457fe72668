"""App factory of finance (`uvicorn --factory finance.main:create_app`)."""

from fastapi import FastAPI

from finance.channels import models as _channel_models  # noqa: F401
from finance.channels.endpoints import router as channels_router
from finance.config import Settings
from finance.db import Base
from finance.demo import load_demo_data
from finance.invoices import models as _invoice_models  # noqa: F401
from finance.invoices.endpoints import router as invoices_router
from finance.ledger import models as _ledger_models  # noqa: F401
from finance.ledger.endpoints import router as ledger_router
from finance.payments import models as _payment_models  # noqa: F401
from finance.payments.endpoints import router as payments_router
from finance.receipts import models as _receipt_models  # noqa: F401
from finance.receipts.endpoints import router as receipts_router
from finance.reports.endpoints import router as reports_router
from finance.settlement import models as _settlement_models  # noqa: F401  (tables on Base.metadata)
from finance.settlement.endpoints import router as settlement_router
from finance.statements import models as _statement_models  # noqa: F401
from finance.statements.endpoints import router as statements_router
from finance.subscriptions import subscriptions
from finance.yonyou import models as _yonyou_models  # noqa: F401
from finance.yonyou.endpoints import router as yonyou_router
from servicekit.app import create_app as create_service_app
from servicekit.definition import ServiceDefinition

definition = ServiceDefinition.standard(
    __file__,
    title="finance — 财务结算",
    description="Invoices, receipts, payments, channel reconciliation, ledger and reports.",
    settings_factory=Settings,
    metadata=Base.metadata,
    subscriptions=subscriptions,
    demo_data=load_demo_data,
    routers=[
        invoices_router,
        ledger_router,
        reports_router,
        yonyou_router,
        settlement_router,
        statements_router,
        receipts_router,
        payments_router,
        channels_router,
    ],
)


def create_app() -> FastAPI:
    return create_service_app(definition)
