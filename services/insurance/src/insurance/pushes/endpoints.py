"""Push API: receivers, rules, tasks, push records, funnel (/api/insurance/v1/...)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from insurance.common.context import RequestClock, actor
from insurance.common.numbers import BEIJING
from insurance.composition import services
from insurance.policies.lifecycle import ProposalStatus
from insurance.pushes.schemas import (
    Funnel,
    GroupBy,
    PushPage,
    ReceiverIn,
    ReceiverRead,
    RuleCreate,
    RuleIn,
    RuleRead,
    RunIn,
    TaskPage,
    TaskRead,
)
from insurance.pushes.service import PushService
from servicekit.app import DbSession, EventOutbox
from servicekit.auth import Principal, require
from servicekit.errors import Forbidden

router = APIRouter(prefix="/v1", tags=["pushes"])


def _service(session: DbSession, outbox: EventOutbox, clock: RequestClock) -> PushService:
    return services(session, outbox, clock).pushes


Service = Annotated[PushService, Depends(_service)]
RuleQuery = Annotated[Principal, Depends(require("insurance.push_rule.query"))]
RuleManage = Annotated[Principal, Depends(require("insurance.push_rule.manage"))]


def _operator(principal: Principal) -> Principal:
    # Rules, receivers and runs span institutions: only the platform operator sets them.
    if not principal.platform_operator:
        raise Forbidden("Push rules and runs are the platform operator's.", code="operator_only")
    return principal


@router.get("/push-receivers", response_model=list[ReceiverRead], summary="Receiving institutions")
async def receivers(service: Service, principal: RuleQuery) -> list[ReceiverRead]:
    _operator(principal)
    return await service.receivers()


@router.put("/push-receivers/{org_id}", response_model=ReceiverRead,
            summary="Set up a receiving institution (name, active, capacity per run)")  # fmt: skip
async def set_receiver(
    org_id: uuid.UUID, body: ReceiverIn, service: Service, principal: RuleManage
) -> ReceiverRead:
    return await service.set_receiver(org_id, body, actor(_operator(principal)))


@router.get("/push-rules", response_model=list[RuleRead], summary="Rules in force")
async def rules(
    service: Service, principal: RuleQuery, history_of: str | None = None
) -> list[RuleRead]:
    _operator(principal)
    return await service.rules(history_of=history_of)


@router.post("/push-rules", response_model=RuleRead, status_code=status.HTTP_201_CREATED,
             summary="A new rule (version 1)")  # fmt: skip
async def create_rule(body: RuleCreate, service: Service, principal: RuleManage) -> RuleRead:
    return await service.save_rule(body.rule_code, body, actor(_operator(principal)), new=True)


@router.put("/push-rules/{rule_code}", response_model=RuleRead,
            summary="Change a rule: adds a version; pushes keep the version they used")  # fmt: skip
async def change_rule(
    rule_code: str, body: RuleIn, service: Service, principal: RuleManage
) -> RuleRead:
    return await service.save_rule(rule_code, body, actor(_operator(principal)), new=False)


@router.post("/push-tasks", response_model=TaskRead, status_code=status.HTTP_201_CREATED,
             summary="Run a push now (as of a day; default today)")  # fmt: skip
async def run(
    body: RunIn,
    service: Service,
    principal: Annotated[Principal, Depends(require("insurance.push_task.run"))],
) -> TaskRead:
    return await service.run(body.as_of, "on_demand", actor(_operator(principal)))


@router.get("/push-tasks", response_model=TaskPage, summary="Push runs, newest first")
async def tasks(
    service: Service,
    principal: Annotated[Principal, Depends(require("insurance.push_task.query"))],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> TaskPage:
    _operator(principal)
    return await service.tasks(limit, offset)


@router.get("/pushes", response_model=PushPage,
            summary="推送车辆: pushes you received (operators: all), with the proposal's status")  # fmt: skip
async def pushes(
    service: Service,
    principal: Annotated[Principal, Depends(require("insurance.pushed_vehicle.query"))],
    plate: Annotated[str | None, Query(max_length=16)] = None,
    task_no: Annotated[str | None, Query(max_length=24)] = None,
    status_: Annotated[ProposalStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PushPage:
    return await service.pushes(
        principal, plate=plate, task_no=task_no, status=status_, limit=limit, offset=offset
    )


@router.get("/pushes/funnel", response_model=Funnel,
            summary="Pushed → quoted → issued / unconverted by reason, from the recorded steps")  # fmt: skip
async def funnel(
    service: Service,
    principal: Annotated[Principal, Depends(require("insurance.pushed_vehicle.query"))],
    group_by: GroupBy = "receiver",
    pushed_from: date | None = None,
    pushed_to: date | None = None,
) -> Funnel:
    def start(d: date | None) -> datetime | None:
        return datetime.combine(d, time(), BEIJING) if d else None

    return await service.funnel(principal, group_by, start(pushed_from), start(pushed_to))
