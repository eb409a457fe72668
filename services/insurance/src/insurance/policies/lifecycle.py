"""The proposal life cycle (投保单): one transition table; nothing else moves a proposal.

    待报价 awaiting_quote ─quote→ 已报价 quoted ─submit→ 核保中 underwriting ─issue→ 已出单 issued
                                      ↑ quote (re-quote)        │ decline (核保退回)
                                      └─────────────────────────┘
    any open status ─give_up (a reason from UnconvertedReason)→ 未成交 unconverted

Pure module (no database); the service looks every step up here and records it as a
trajectory row (who, when, from, to, note).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProposalStatus(StrEnum):
    awaiting_quote = "awaiting_quote"  # 待报价
    quoted = "quoted"  # 已报价
    underwriting = "underwriting"  # 核保中
    issued = "issued"  # 已出单
    unconverted = "unconverted"  # 未成交


class Action(StrEnum):
    create = "create"  # 创建 (the first step: from nothing)
    quote = "quote"  # 报价
    submit = "submit"  # 提交核保
    decline = "decline"  # 核保退回
    issue = "issue"  # 出单
    give_up = "give_up"  # 未成交


class UnconvertedReason(StrEnum):
    """Why a proposal did not become a policy (未成交原因): a fixed list, so the funnel counts."""

    bought_elsewhere = "bought_elsewhere"  # 已在其他渠道购买
    not_due = "not_due"  # 未到续保期
    not_owner = "not_owner"  # 非车主本人
    no_answer = "no_answer"  # 无人接听
    refused = "refused"  # 客户拒绝
    wrong_number = "wrong_number"  # 号码错误
    other_city = "other_city"  # 车辆在外地
    price = "price"  # 价格原因
    sold_vehicle = "sold_vehicle"  # 车辆已出售
    other = "other"  # 其他


S, A = ProposalStatus, Action


@dataclass(frozen=True)
class Transition:
    source: ProposalStatus
    action: Action
    target: ProposalStatus
    #: The function the caller must hold for the step.
    function: str


_QUOTE, _ISSUE = "insurance.proposal.quote", "insurance.proposal.issue"

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.awaiting_quote, A.quote, S.quoted, _QUOTE),
    Transition(S.quoted, A.quote, S.quoted, _QUOTE),
    Transition(S.quoted, A.submit, S.underwriting, _QUOTE),
    Transition(S.underwriting, A.decline, S.quoted, _QUOTE),
    Transition(S.underwriting, A.issue, S.issued, _ISSUE),
    Transition(S.awaiting_quote, A.give_up, S.unconverted, _QUOTE),
    Transition(S.quoted, A.give_up, S.unconverted, _QUOTE),
    Transition(S.underwriting, A.give_up, S.unconverted, _QUOTE),
)

_TABLE = {(t.source, t.action): t for t in TRANSITIONS}
TERMINAL = frozenset({S.issued, S.unconverted})
OPEN = frozenset(set(S) - TERMINAL)


def step(source: ProposalStatus, action: Action) -> Transition | None:
    """The transition for this action from this status, or None: the step is illegal."""
    return _TABLE.get((source, action))


def allowed(source: ProposalStatus) -> list[Action]:
    return [t.action for t in TRANSITIONS if t.source == source]
