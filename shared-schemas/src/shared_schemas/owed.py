"""What a receivable order owes (应收金额): the one rule finance and the order center share.

Before any invoice, and after red letters reversed its invoices in full (开票有误, 销货退回 …:
the order goes back to be invoiced again), an order owes its amount. Once invoiced, it owes
what its invoices bill net of red letters: a partial red letter (销售折让, e.g. ¥600 off a
¥3,600 invoice) lowers what is due by its amount (¥3,000), and an invoice re-issued after a
correction raises it back. Finance's outstanding is this less what it collected; the order
center settles the order when receipts cover it. Payable orders owe their amount.
"""

from __future__ import annotations


def amount_owed(amount_fen: int, invoiced_net_fen: int) -> int:
    """What a receivable order of `amount_fen` owes with `invoiced_net_fen` invoiced
    (blue invoices less red-letter ones), in fen."""
    return invoiced_net_fen if invoiced_net_fen > 0 else amount_fen
