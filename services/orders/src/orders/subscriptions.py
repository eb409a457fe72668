"""Every topic and event type orders consumes, in one place."""

from orders.order.handlers import (
    on_invoice_applied,
    on_invoice_issued,
    on_invoice_rejected,
    on_invoice_reversed,
    on_payment_made,
    on_receipt_allocated,
)
from servicekit.messaging import Subscriptions

# Finance's invoice and settlement status flows back to the orders in real time.
subscriptions = (
    Subscriptions()
    .on("finance.invoice", "finance.invoice.applied", on_invoice_applied)
    .on("finance.invoice", "finance.invoice.issued", on_invoice_issued)
    .on("finance.invoice", "finance.invoice.rejected", on_invoice_rejected)
    .on("finance.invoice", "finance.invoice.reversed", on_invoice_reversed)
    .on("finance.receipt", "finance.receipt.allocated", on_receipt_allocated)
    .on("finance.payment", "finance.payment.made", on_payment_made)
)
