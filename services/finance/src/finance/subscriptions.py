"""Every topic and event type finance consumes, in one place."""

from finance.invoices.handlers import on_settlement_list_created
from finance.payments.handlers import on_staff_earning_accrued
from finance.settlement.handlers import on_order_created, on_order_status_changed
from servicekit.messaging import Subscriptions

subscriptions = (
    Subscriptions()
    .on("orders.order", "orders.order.created", on_order_created)
    .on("orders.order", "orders.order.status_changed", on_order_status_changed)
    .on(
        "orders.settlement_list",
        "orders.settlement_list.created",
        on_settlement_list_created,
    )
    # 自主提现 (flow 9): a service staff member's payable order goes on their balance.
    .on("valueadd.staff_earning", "valueadd.staff_earning.accrued", on_staff_earning_accrued)
)
