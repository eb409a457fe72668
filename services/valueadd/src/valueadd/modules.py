"""valueadd's domain modules, one line each: their tables (on Base.metadata) and routers."""

from fastapi import APIRouter

from valueadd.calls import models as _call_models  # noqa: F401
from valueadd.calls.endpoints import router as calls_router
from valueadd.common import numbers as _numbers  # noqa: F401  (tables on Base.metadata)
from valueadd.common import orderlinks as _orderlinks  # noqa: F401
from valueadd.coupons import models as _coupon_models  # noqa: F401
from valueadd.coupons.endpoints import router as coupons_router
from valueadd.mall import models as _mall_models  # noqa: F401
from valueadd.mall.endpoints import router as mall_router
from valueadd.merchants import models as _merchant_models  # noqa: F401
from valueadd.merchants.endpoints import router as merchants_router
from valueadd.plate_settlement import feedback as _plate_feedback  # noqa: F401
from valueadd.plate_settlement import models as _plate_settlement_models  # noqa: F401
from valueadd.plate_settlement.endpoints import router as plate_settlement_router
from valueadd.plates import models as _plate_models  # noqa: F401
from valueadd.plates.endpoints import router as plates_router
from valueadd.plates.public import router as plates_public_router
from valueadd.redemptions import models as _redemption_models  # noqa: F401
from valueadd.redemptions.endpoints import router as redemptions_router
from valueadd.statements import feedback as _statement_feedback  # noqa: F401  (order feedback)
from valueadd.statements import models as _statement_models  # noqa: F401
from valueadd.statements.endpoints import router as statements_router
from valueadd.techservices import feedback as _tech_feedback  # noqa: F401  (order feedback)
from valueadd.techservices import models as _tech_models  # noqa: F401
from valueadd.techservices.endpoints import router as techservices_router

ROUTERS: list[APIRouter] = [
    merchants_router,
    coupons_router,
    redemptions_router,
    statements_router,
    mall_router,
    plates_router,
    plates_public_router,
    calls_router,
    plate_settlement_router,
    techservices_router,
]
