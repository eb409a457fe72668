"""The order center's answers to the plates' orders: followed by their links (order no., status)."""

from __future__ import annotations

from valueadd.common import orderlinks
from valueadd.common.orderlinks import OrderFeedback
from valueadd.plate_settlement.service import PURCHASE, SETTLEMENT


def register() -> None:
    orderlinks.router.register(PURCHASE, OrderFeedback())
    orderlinks.router.register(SETTLEMENT, OrderFeedback())


register()
