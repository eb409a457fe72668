"""The order center's answers to the payees' payable orders: followed by their links."""

from __future__ import annotations

from valueadd.common import orderlinks
from valueadd.common.orderlinks import OrderFeedback
from valueadd.techservices.service import PAYOUT


def register() -> None:
    orderlinks.router.register(PAYOUT, OrderFeedback())


register()
