"""Matching a receipt to receivable orders, by ordered rules (pure: no database).

1. reference — order numbers found in the receipt's 摘要/附言 (or an invoice's orders) and the
   amount equals what they still owe, exactly;
2. payer — the payer (对方户名/账号) is a known institution and exactly one of its orders owes
   exactly the amount;
3. tolerance — as 1 or 2, but the money is short of what is owed by at most the configured
   tolerance (the payer's bank kept a fee): allocated, the shortfall stays outstanding;
otherwise nothing: the receipt goes to the "to check" queue (待核对).
Overpayments never match automatically.
"""

from __future__ import annotations

import os
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from finance.receipts.models import MatchRule

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{4,39}")


def new_ids(n: int) -> list[uuid.UUID]:
    """n random (version 4) UUIDs from one read of the OS's randomness: an import makes
    hundreds of thousands, and uuid4() reads it once per id."""
    pool = os.urandom(16 * n)
    return [uuid.UUID(bytes=pool[i : i + 16], version=4) for i in range(0, 16 * n, 16)]


def reference_tokens(memo: str) -> list[str]:
    """Candidate document numbers in a memo: runs of letters/digits of 5–40 characters."""
    found = []
    for token in _TOKEN.findall(memo):
        found.append(token)
        if token.upper() != token:
            found.append(token.upper())
    return found


@dataclass(eq=False)  # compared by identity: one object per order in an index
class OpenOrder:
    """A receivable order still owed (from finance's settlement items)."""

    order_id: uuid.UUID
    order_no: str
    customer_org_id: uuid.UUID
    outstanding_fen: int
    account_code: str
    invoice_id: uuid.UUID | None = None


@dataclass(frozen=True)
class MatchedShare:
    order: OpenOrder
    amount_fen: int
    shortfall_fen: int = 0


@dataclass(frozen=True)
class Match:
    rule: MatchRule
    shares: list[MatchedShare]


@dataclass
class MatchIndex:
    """What matching looks at; the caller fills it for a batch of receipts and keeps it
    current (`apply`) as matches consume what orders owe."""

    tolerance_fen: int
    by_reference: dict[str, list[OpenOrder]] = field(default_factory=dict)
    payer_orgs: dict[tuple[str, str], uuid.UUID] = field(default_factory=dict)
    by_org: dict[uuid.UUID, list[OpenOrder]] = field(default_factory=lambda: defaultdict(list))
    _known: set[uuid.UUID] = field(default_factory=set)

    def add_order(self, order: OpenOrder, *references: str) -> None:
        """Add each order once (a second call for the same order id is ignored)."""
        if order.order_id in self._known:
            return
        self._known.add(order.order_id)
        for ref in dict.fromkeys((order.order_no, *references)):
            self.by_reference.setdefault(ref, []).append(order)
        self.by_org[order.customer_org_id].append(order)

    def payer_org(self, name: str, account: str) -> uuid.UUID | None:
        return self.payer_orgs.get((name, account)) or self.payer_orgs.get((name, ""))

    def match(
        self, amount_fen: int, memo: str, payer_name: str, payer_account: str
    ) -> Match | None:
        referenced: list[OpenOrder] = []
        for token in reference_tokens(memo):
            for order in self.by_reference.get(token, ()):
                if order not in referenced and order.outstanding_fen > 0:
                    referenced.append(order)
        if referenced and len({o.customer_org_id for o in referenced}) == 1:
            owed = sum(o.outstanding_fen for o in referenced)
            if owed == amount_fen:
                return Match(
                    MatchRule.reference, [MatchedShare(o, o.outstanding_fen) for o in referenced]
                )
            if 0 < owed - amount_fen <= self.tolerance_fen:
                return Match(MatchRule.tolerance, _fill(referenced, amount_fen))
        org = self.payer_org(payer_name, payer_account)
        if org is not None:
            open_orders = [o for o in self.by_org.get(org, ()) if o.outstanding_fen > 0]
            exact = [o for o in open_orders if o.outstanding_fen == amount_fen]
            if len(exact) == 1:
                return Match(MatchRule.payer, [MatchedShare(exact[0], amount_fen)])
            if not exact:
                near = [
                    o
                    for o in open_orders
                    if 0 < o.outstanding_fen - amount_fen <= self.tolerance_fen
                ]
                if len(near) == 1:
                    return Match(MatchRule.tolerance, _fill(near, amount_fen))
        return None

    @staticmethod
    def apply(match: Match) -> None:
        for share in match.shares:
            share.order.outstanding_fen -= share.amount_fen


def _fill(orders: list[OpenOrder], amount_fen: int) -> list[MatchedShare]:
    """Pay the orders in turn; the last one keeps the shortfall."""
    shares = []
    left = amount_fen
    for i, order in enumerate(orders):
        take = min(order.outstanding_fen, left)
        if i == len(orders) - 1:
            take = left
        left -= take
        if take > 0:
            shares.append(MatchedShare(order, take, order.outstanding_fen - take))
    return shares
