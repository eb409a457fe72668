"""The assessment request's life cycle (评估单状态): one transition table; nothing else moves a
request. Pure module (no database, no I/O)."""

from __future__ import annotations

from enum import StrEnum

from servicekit.errors import Conflict


class RequestStatus(StrEnum):
    submitted = "submitted"  # 待评估
    assessed = "assessed"  # 已评估（通过）
    review = "review"  # 待人工复核
    declined = "declined"  # 已拒绝（硬性拒绝）
    in_statement = "in_statement"  # 对账中
    accepted = "accepted"  # 保司确认
    rejected = "rejected"  # 保司拒绝
    disputed = "disputed"  # 有争议
    billed = "billed"  # 已开单
    settled = "settled"  # 已结算


class Trigger(StrEnum):
    assessed_accept = "assessed_accept"  # an assessment (automatic or override) said accept
    assessed_review = "assessed_review"
    assessed_decline = "assessed_decline"
    add_to_statement = "add_to_statement"
    remove_from_statement = "remove_from_statement"
    insurer_accept = "insurer_accept"
    insurer_reject = "insurer_reject"
    insurer_dispute = "insurer_dispute"
    order_created = "order_created"
    order_settled = "order_settled"


S, T = RequestStatus, Trigger
_ASSESSABLE = (S.submitted, S.assessed, S.review, S.declined)

TRANSITIONS: dict[tuple[RequestStatus, Trigger], RequestStatus] = {
    **{(s, T.assessed_accept): S.assessed for s in _ASSESSABLE},
    **{(s, T.assessed_review): S.review for s in _ASSESSABLE},
    **{(s, T.assessed_decline): S.declined for s in _ASSESSABLE},
    (S.assessed, T.add_to_statement): S.in_statement,
    (S.in_statement, T.remove_from_statement): S.assessed,
    (S.in_statement, T.insurer_accept): S.accepted,
    (S.in_statement, T.insurer_reject): S.rejected,
    (S.in_statement, T.insurer_dispute): S.disputed,
    (S.disputed, T.insurer_accept): S.accepted,
    (S.disputed, T.insurer_reject): S.rejected,
    (S.accepted, T.insurer_reject): S.rejected,
    (S.accepted, T.insurer_dispute): S.disputed,
    (S.rejected, T.insurer_accept): S.accepted,
    (S.rejected, T.insurer_dispute): S.disputed,
    (S.accepted, T.order_created): S.billed,
    (S.billed, T.order_settled): S.settled,
}

LABELS_ZH = {
    S.submitted: "待评估",
    S.assessed: "已评估",
    S.review: "待人工复核",
    S.declined: "已拒绝",
    S.in_statement: "对账中",
    S.accepted: "保司确认",
    S.rejected: "保司拒绝",
    S.disputed: "有争议",
    S.billed: "已开单",
    S.settled: "已结算",
}


class IllegalTransition(Conflict):
    code = "illegal_transition"


def next_status(status: RequestStatus | str, trigger: Trigger) -> RequestStatus:
    """The status `trigger` leads to from `status`, or 409 illegal_transition."""
    current = RequestStatus(status)
    target = TRANSITIONS.get((current, trigger))
    if target is None:
        allowed = sorted(t.value for (s, t) in TRANSITIONS if s == current)
        raise IllegalTransition(
            f"A request that is {LABELS_ZH[current]} ({current.value}) cannot take "
            f"'{trigger.value}'; allowed: {', '.join(allowed) or 'none'}.",
            errors=[{"field": "status", "code": "illegal_transition", "message": current.value}],
        )
    return target


def can(status: RequestStatus | str, trigger: Trigger) -> bool:
    return (RequestStatus(status), trigger) in TRANSITIONS
