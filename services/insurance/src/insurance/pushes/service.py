"""Push runs: every vehicle line whose expiry falls inside a rule's window goes, by the
vehicle's own region, to the first receiving institution that is active, entitled and has
capacity; one proposal awaiting quote per vehicle and institution; nothing twice.

A run selects by window, not by "expires in N days exactly", so a run after a missed day
catches up; the idempotency key makes a re-run (or overlapping windows) push nothing twice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from insurance.common.numbers import BEIJING, next_number
from insurance.policies.insurers import INSURERS
from insurance.policies.lifecycle import ProposalStatus, UnconvertedReason
from insurance.policies.models import Policy, Proposal
from insurance.policies.schemas import PeriodIn
from insurance.policies.service import PolicyService
from insurance.pushes.models import PushReceiver, PushRecord, PushRule, PushTask
from insurance.pushes.repository import PushRepository
from insurance.pushes.schemas import (
    Funnel,
    FunnelRow,
    GroupBy,
    PushPage,
    PushRead,
    ReceiverIn,
    ReceiverRead,
    RuleIn,
    RuleRead,
    TaskPage,
    TaskRead,
)
from insurance.vehicles.models import Vehicle
from servicekit.auth import Principal
from servicekit.errors import Conflict, NotFound, Unprocessable

LINES = {"car_commercial": "commercial_expiry", "car_compulsory": "compulsory_expiry"}


class PushService:
    def __init__(self, repo: PushRepository, policies: PolicyService) -> None:
        self.repo = repo
        self.policies = policies
        self.clock = policies.clock

    # -- receivers ----------------------------------------------------------------------------

    async def set_receiver(self, org_id: uuid.UUID, body: ReceiverIn, by: str) -> ReceiverRead:
        receiver = await self.repo.receiver(org_id)
        now = self.clock()
        if receiver is None:
            receiver = PushReceiver(org_id=org_id, entitled=False, entitlement_version=0)
            self.repo.add(receiver)
        receiver.name, receiver.active = body.name, body.active
        receiver.capacity_per_run = body.capacity_per_run
        receiver.updated_at, receiver.updated_by = now, by
        await self.repo.flush()
        return ReceiverRead.model_validate(receiver, from_attributes=True)

    async def record_entitlement(
        self, org_id: uuid.UUID, version: int, entitled: bool, by: str
    ) -> None:
        """What sso says about the institution's insurance entry (newer versions only)."""
        receiver = await self.repo.receiver(org_id)
        now = self.clock()
        if receiver is None:
            receiver = PushReceiver(
                org_id=org_id, name=str(org_id)[:8], active=False, entitled=entitled,
                entitlement_version=version, updated_at=now, updated_by=by,
            )  # fmt: skip
            self.repo.add(receiver)
        elif version > receiver.entitlement_version:
            receiver.entitled, receiver.entitlement_version = entitled, version
            receiver.updated_at, receiver.updated_by = now, by
        await self.repo.flush()

    async def receivers(self) -> list[ReceiverRead]:
        return [
            ReceiverRead.model_validate(r, from_attributes=True)
            for r in (await self.repo.receivers()).values()
        ]

    # -- rules --------------------------------------------------------------------------------

    async def _rule_reads(self, rules: list[PushRule]) -> list[RuleRead]:
        names = await self.repo.receivers([r.receiver_org_id for r in rules])
        return [
            RuleRead(
                **{k: getattr(r, k) for k in RuleRead.model_fields if k != "receiver_name"},
                receiver_name=names[r.receiver_org_id].name if r.receiver_org_id in names else None,
            )
            for r in rules
        ]

    async def save_rule(self, code: str, body: RuleIn, by: str, *, new: bool) -> RuleRead:
        versions = await self.repo.rule_versions(code)
        if new and versions:
            raise Conflict(f"A rule {code} exists; change it instead.", code="rule_code_taken")
        if not new and not versions:
            raise NotFound(f"No rule {code}.", code="rule_not_found")
        if await self.repo.receiver(body.receiver_org_id) is None:
            raise Unprocessable(
                "The receiving institution is not set up for pushes.",
                code="receiver_unknown",
                errors=[{"field": "body.receiver_org_id", "code": "receiver_unknown",
                         "message": "set it up under push receivers first"}],
            )  # fmt: skip
        rule = PushRule(
            rule_code=code, version=len(versions) + 1, created_at=self.clock(), created_by=by,
            **body.model_dump(exclude={"rule_code"}),
        )  # fmt: skip
        self.repo.add(rule)
        await self.repo.flush()
        [read] = await self._rule_reads([rule])
        return read

    async def rules(self, *, history_of: str | None = None) -> list[RuleRead]:
        rules = await (
            self.repo.rule_versions(history_of) if history_of else self.repo.rules_in_force()
        )
        return await self._rule_reads(rules)

    # -- running ------------------------------------------------------------------------------

    def today(self) -> date:
        return self.clock().astimezone(BEIJING).date()

    async def run(self, as_of: date | None, trigger: str, by: str) -> TaskRead:
        started = self.clock()
        as_of = as_of or self.today()
        rules = [r for r in await self.repo.rules_in_force() if r.active]
        receivers = await self.repo.receivers()
        task = PushTask(
            task_no=await next_number(self.repo.session, "TS", started), trigger=trigger,
            as_of=as_of, status="running", selected=0, pushed=0, already_pushed=0,
            no_receiver=0, proposals=0, started_at=started, finished_at=started, started_by=by,
        )  # fmt: skip
        self.repo.add(task)
        await self.repo.flush()
        capacity = {
            org: r.capacity_per_run
            for org, r in receivers.items()
            if r.capacity_per_run is not None
        }
        # (vehicle, receiver) → [(line, expiry, rule)]: one proposal per vehicle and institution.
        chosen: dict[tuple[uuid.UUID, uuid.UUID], list[tuple[str, date, PushRule, str | None]]]
        chosen = defaultdict(list)
        vehicles: dict[uuid.UUID, Vehicle] = {}
        for line, column in LINES.items():
            line_rules = sorted(
                (r for r in rules if r.line == line),
                key=lambda r: (-len(r.region_prefix), r.insurer_code is None, r.rule_code),
            )
            if not line_rules:
                continue
            lo = as_of + timedelta(days=min(r.close_days for r in line_rules))
            hi = as_of + timedelta(days=max(r.open_days for r in line_rules))
            candidates = await self.repo.expiring(column, lo, hi)
            insurers = await self.repo.last_insurers([v.id for v in candidates], line)
            keyed: list[tuple[Vehicle, date, PushRule | None, str | None]] = []
            for vehicle in candidates:
                expiry: date = getattr(vehicle, column)
                insurer = insurers.get(vehicle.id)
                matching = [
                    r for r in line_rules
                    if vehicle.region_code.startswith(r.region_prefix)
                    and r.insurer_code in (None, insurer)
                    and expiry - timedelta(days=r.open_days) <= as_of
                    <= expiry - timedelta(days=r.close_days)
                ]  # fmt: skip
                if not matching:
                    continue
                task.selected += 1
                rule = next(
                    (r for r in matching if _may_receive(receivers.get(r.receiver_org_id),
                                                         capacity, r.receiver_org_id)),
                    None,
                )  # fmt: skip
                keyed.append((vehicle, expiry, rule, insurer))
            keys = [_key(v.id, line, e, r.receiver_org_id) for v, e, r, _ in keyed if r]
            done = await self.repo.existing_keys(keys)
            for vehicle, expiry, rule, insurer in keyed:
                if rule is None:
                    task.no_receiver += 1
                    continue
                if _key(vehicle.id, line, expiry, rule.receiver_org_id) in done:
                    task.already_pushed += 1
                    continue
                org = rule.receiver_org_id
                if org in capacity:
                    capacity[org] = (capacity[org] or 0) - 1
                vehicles[vehicle.id] = vehicle
                chosen[(vehicle.id, org)].append((line, expiry, rule, insurer))
        customers = await self.policies.repo.customers(
            [v.owner_id for v in vehicles.values() if v.owner_id]
        )
        for (vehicle_id, org), lines in sorted(chosen.items(), key=lambda kv: str(kv[0])):
            vehicle = vehicles[vehicle_id]
            owner = customers.get(vehicle.owner_id) if vehicle.owner_id else None
            if owner is None:  # nobody to call: not pushable
                task.no_receiver += len(lines)
                continue
            proposal = await self.policies.open_proposal(
                org_id=org, customer=owner, vehicle=vehicle,
                insurer_code=None, source="push", by=by,
                periods=[
                    PeriodIn(line=line, starts_on=e + timedelta(days=1),  # type: ignore[arg-type]
                             ends_on=_one_year_on(e))
                    for line, e, _, _ in lines
                ],
                note=f"推送任务 {task.task_no}",
            )  # fmt: skip
            task.proposals += 1
            for line, expiry, rule, insurer in lines:
                self.repo.add(
                    PushRecord(
                        idempotency_key=_key(vehicle.id, line, expiry, org), task_id=task.id,
                        bundle_key=f"{task.task_no}:{owner.id}:{org}", vehicle_id=vehicle.id,
                        customer_id=owner.id, source_org_id=vehicle.org_id, line=line,
                        expiry_date=expiry, region_code=vehicle.region_code,
                        insurer_code=insurer, rule_id=rule.id, rule_code=rule.rule_code,
                        rule_version=rule.version, receiver_org_id=org,
                        proposal_id=proposal.id, pushed_at=self.clock(),
                    )
                )  # fmt: skip
                task.pushed += 1
        task.status, task.finished_at = "done", self.clock()
        await self.repo.flush()
        return TaskRead.model_validate(task, from_attributes=True)

    async def run_scheduled(self, by: str = "insurance-scheduler") -> TaskRead | None:
        """Today's scheduled run, unless it ran already (the scheduler calls this often)."""
        if await self.repo.scheduled_task(self.today()) is not None:
            return None
        return await self.run(None, "scheduled", by)

    async def tasks(self, limit: int, offset: int) -> TaskPage:
        rows, total = await self.repo.tasks(limit, offset)
        return TaskPage(items=[TaskRead.model_validate(t, from_attributes=True) for t in rows],
                        total=total)  # fmt: skip

    # -- a policy elsewhere closes the pushes of its vehicle line --------------------------------

    async def on_policy(self, policy: Policy, proposal: Proposal | None) -> None:
        if policy.vehicle_id is None or policy.line not in LINES:
            return
        for pushed in await self.repo.open_pushes(policy.vehicle_id, policy.line):
            if proposal is not None and pushed.id == proposal.id:
                continue
            await self.policies.mark_unconverted(
                pushed, UnconvertedReason.bought_elsewhere, "insurance",
                f"保单 {policy.policy_no}（{INSURERS.get(policy.insurer_code, policy.insurer_code)}）",
            )  # fmt: skip

    # -- reading ------------------------------------------------------------------------------

    async def pushes(
        self,
        principal: Principal,
        *,
        plate: str | None,
        task_no: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> PushPage:
        rows, total = await self.repo.pushes(
            principal, plate=plate, task_no=task_no, status=status, limit=limit, offset=offset
        )
        names = await self.repo.receivers([r.receiver_org_id for r, _, _, _ in rows])
        customers = await self.policies.repo.customers(
            [r.customer_id for r, *_ in rows if r.customer_id]
        )
        return PushPage(
            items=[
                PushRead(
                    id=r.id,
                    task_no=t.task_no,
                    plate_no=v.plate_no,
                    customer_name=customers[r.customer_id].name if r.customer_id else None,
                    line=r.line,
                    expiry_date=r.expiry_date,  # type: ignore[arg-type]
                    region_code=r.region_code,
                    insurer_code=r.insurer_code,
                    rule_code=r.rule_code,
                    rule_version=r.rule_version,
                    receiver_org_id=r.receiver_org_id,
                    receiver_name=names[r.receiver_org_id].name
                    if r.receiver_org_id in names
                    else None,
                    proposal_id=p.id,
                    proposal_no=p.proposal_no,
                    status=ProposalStatus(p.status),
                    unconverted_reason=p.unconverted_reason,  # type: ignore[arg-type]
                    pushed_at=r.pushed_at,
                )
                for r, p, v, t in rows
            ],
            total=total,
        )

    async def funnel(
        self,
        principal: Principal,
        group_by: GroupBy,
        pushed_from: datetime | None,
        pushed_to: datetime | None,
    ) -> Funnel:
        facts = await self.repo.funnel_facts(principal, pushed_from, pushed_to)
        names = await self.repo.receivers()
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for f in facts:
            groups[_group_key(f, group_by)].append(f)
        rows = [
            _row(key, _label(key, group_by, names), items) for key, items in sorted(groups.items())
        ]
        return Funnel(group_by=group_by, rows=rows, total=_row("total", "合计", facts))


def _may_receive(
    receiver: PushReceiver | None, capacity: dict[uuid.UUID, int | None], org: uuid.UUID
) -> bool:
    if receiver is None or not receiver.active or not receiver.entitled:
        return False
    return org not in capacity or (capacity[org] or 0) > 0


def _key(vehicle_id: uuid.UUID, line: str, expiry: date, org: uuid.UUID) -> str:
    return f"{vehicle_id}:{line}:{expiry.isoformat()}:{org}"


def _one_year_on(expiry: date) -> date:
    try:
        return expiry.replace(year=expiry.year + 1)
    except ValueError:  # 29 February
        return expiry.replace(year=expiry.year + 1, day=28)


def _group_key(fact: dict[str, Any], group_by: GroupBy) -> str:
    if group_by == "receiver":
        return str(fact["receiver_org_id"])
    if group_by == "region":
        return str(fact["region_code"])
    if group_by == "insurer":
        return str(fact["insurer_code"] or "-")
    if group_by == "rule":
        return str(fact["rule_code"])
    return f"{fact['pushed_at'].astimezone(BEIJING):%Y-%m}"


def _label(key: str, group_by: GroupBy, names: dict[uuid.UUID, PushReceiver]) -> str:
    if group_by == "receiver":
        receiver = names.get(uuid.UUID(key))
        return receiver.name if receiver else key
    if group_by == "insurer":
        return INSURERS.get(key, "未知保司")
    return key


def _row(key: str, label: str, items: list[dict[str, Any]]) -> FunnelRow:
    pushed = len(items)
    issued = sum(1 for f in items if f["issued"])
    unconverted = [f for f in items if f["unconverted"]]
    reasons: dict[str, int] = defaultdict(int)
    for f in unconverted:
        reasons[f["reason"] or "other"] += 1
    rate = (Decimal(issued) / Decimal(pushed)) if pushed else Decimal(0)
    return FunnelRow(
        key=key, label=label, pushed=pushed, quoted=sum(1 for f in items if f["quoted"]),
        issued=issued, unconverted=len(unconverted),
        open=pushed - issued - len(unconverted), unconverted_by_reason=dict(reasons),
        conversion_rate=str(rate.quantize(Decimal("0.0001"), ROUND_HALF_UP)),
    )  # fmt: skip
