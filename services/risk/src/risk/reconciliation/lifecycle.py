"""A reconciliation batch's life cycle (对账批次状态): one transition table."""

from __future__ import annotations

from enum import StrEnum

from servicekit.errors import Conflict


class BatchStatus(StrEnum):
    open = "open"  # 对账中
    confirmed = "confirmed"  # 已确认，待开单
    billed = "billed"  # 已开单
    settled = "settled"  # 已结算
    payouts_requested = "payouts_requested"  # 已申请推广费
    order_rejected = "order_rejected"  # 开单被拒


class BatchTrigger(StrEnum):
    confirm = "confirm"
    order_created = "order_created"
    order_rejected = "order_rejected"
    order_settled = "order_settled"
    payouts_requested = "payouts_requested"


B, T = BatchStatus, BatchTrigger
TRANSITIONS: dict[tuple[BatchStatus, BatchTrigger], BatchStatus] = {
    (B.open, T.confirm): B.confirmed,
    (B.confirmed, T.order_created): B.billed,
    (B.confirmed, T.order_rejected): B.order_rejected,
    (B.billed, T.order_settled): B.settled,
    (B.settled, T.payouts_requested): B.payouts_requested,
}
LABELS_ZH = {
    B.open: "对账中", B.confirmed: "已确认，待开单", B.billed: "已开单", B.settled: "已结算",
    B.payouts_requested: "已申请推广费", B.order_rejected: "开单被拒",
}  # fmt: skip
RESULT_ZH = {"pending": "待确认", "accepted": "保司确认", "rejected": "保司拒绝",
             "disputed": "有争议"}  # fmt: skip
PAYOUT_ZH = {"requested": "已申请", "ordered": "已生成订单", "paid": "已支付", "rejected": "被拒"}


class IllegalBatchTransition(Conflict):
    code = "illegal_transition"


def next_status(status: str, trigger: BatchTrigger) -> BatchStatus:
    current = BatchStatus(status)
    target = TRANSITIONS.get((current, trigger))
    if target is None:
        raise IllegalBatchTransition(
            f"A batch that is {LABELS_ZH[current]} cannot take '{trigger.value}'."
        )
    return target


def can(status: str, trigger: BatchTrigger) -> bool:
    return (BatchStatus(status), trigger) in TRANSITIONS
