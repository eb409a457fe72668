"""Splitting a fee among promoters by their explicit shares, in exact fen: each gets the floor
of its share, and the fen left over go one each to the largest remainders (ties: the order the
payees were named). The parts always sum to the whole; nobody is paid a fen twice."""

from __future__ import annotations

from collections.abc import Sequence

WHOLE_BP = 10_000


def split_fen(amount_fen: int, shares_bp: Sequence[int]) -> list[int]:
    if amount_fen < 0:
        raise ValueError("the amount to split must not be negative")
    if not shares_bp or sum(shares_bp) != WHOLE_BP or any(s <= 0 for s in shares_bp):
        raise ValueError("shares must be positive and sum to 100 %")
    parts = [amount_fen * s // WHOLE_BP for s in shares_bp]
    remainders = [amount_fen * s % WHOLE_BP for s in shares_bp]
    left = amount_fen - sum(parts)
    for i in sorted(range(len(parts)), key=lambda i: (-remainders[i], i))[:left]:
        parts[i] += 1
    return parts
