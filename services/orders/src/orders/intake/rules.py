"""Which orders each business service may request (the order center's category rules).

A request outside this table is rejected (`category_not_requestable`,
`direction_not_allowed`), recorded and reported back — never turned into an order the
order center's flows (FLOWS.md) do not know. Payouts are payable, billing is receivable;
categories whose flows go both ways allow both.
"""

from __future__ import annotations

from shared_schemas import OrderCategory as C
from shared_schemas import OrderDirection as D

_R, _P, _BOTH = frozenset({D.receivable}), frozenset({D.payable}), frozenset(D)

REQUESTABLE: dict[str, dict[C, frozenset[D]]] = {
    # Channel promotion (flows 4, 5): a service-fee order per deal; the promoter's fee.
    "insurance": {
        C.channel_promotion_fee: _R,
        C.promoter_payout: _P,
        C.technical_service: _BOTH,
    },
    # Risk assessment (flow 3): the receivable assessment order; promoters' payouts.
    "risk": {
        C.risk_assessment: _R,
        C.promoter_payout: _P,
    },
    # Coupons and move-car plates (flows 1, 2, 6, 7, 8).
    "valueadd": {
        C.value_added_redemption: _BOTH,
        C.value_added_settlement: _R,
        C.merchant_payout: _P,
        C.plate_purchase: _R,
        C.plate_call_fee: _BOTH,
        C.plate_combined_settlement: _R,
        C.promoter_payout: _P,
        C.technical_service: _BOTH,
    },
}


def refusal(source_service: str, category: C, direction: D) -> tuple[str, str] | None:
    """(code, reason) when `source_service` may not request this order; None when it may."""
    allowed = REQUESTABLE.get(source_service, {})
    directions = allowed.get(category)
    if directions is None:
        return (
            "category_not_requestable",
            f"{source_service} may not request {category.value} ({category.label_zh}) orders",
        )
    if direction not in directions:
        return (
            "direction_not_allowed",
            f"{category.value} ({category.label_zh}) orders are not {direction.value} "
            f"({direction.label_zh})",
        )
    return None
