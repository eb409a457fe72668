"""Events the coupon module consumes."""

from __future__ import annotations

from servicekit.messaging import HandlerContext
from shared_schemas import EventEnvelope, PolicyIssuedV1
from valueadd.common import clock
from valueadd.coupons.repository import CouponRepository
from valueadd.coupons.schemas import PolicyFacts
from valueadd.coupons.service import CouponService


def policy_facts(policy: PolicyIssuedV1) -> PolicyFacts:
    return PolicyFacts(
        policy_id=str(policy.policy_id),
        policy_no=policy.policy_no,
        insurer_code=policy.insurer_code,
        insurer_name=policy.insurer_name,
        line=policy.line,
        product_code=policy.product_code or "",
        customer_ref=policy.customer_ref,
        customer_name=policy.customer_name,
        customer_mobile_masked=policy.customer_mobile_masked,
        vehicle_vin=policy.vehicle_vin,
        plate_no=policy.plate_no,
        region_code=policy.region_code,
        issued_at=policy.issued_at,
    )


async def on_policy_issued(event: EventEnvelope[PolicyIssuedV1], ctx: HandlerContext) -> None:
    """保司发券: the insurer's rules issue coupons for the new policy (once per policy × rule)."""
    service = CouponService(CouponRepository(ctx.session), clock.current())
    await service.issue_for_policy(policy_facts(event.payload))
