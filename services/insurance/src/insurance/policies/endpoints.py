"""Proposal and policy API (through the gateway: /api/insurance/v1/...)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status

from insurance.common.context import RequestClock
from insurance.composition import policy_service
from insurance.policies.insurers import INSURERS
from insurance.policies.lifecycle import Action, ProposalStatus
from insurance.policies.repository import PolicyFilter, ProposalFilter
from insurance.policies.schemas import (
    GiveUpIn,
    IssueIn,
    PolicyPage,
    PolicyRead,
    PolicyRecord,
    ProposalCreate,
    ProposalDetail,
    ProposalPage,
    QuoteIn,
    StepIn,
)
from insurance.policies.service import PolicyService
from servicekit.app import DbSession, EventOutbox
from servicekit.auth import CurrentPrincipal, Principal, require
from shared_schemas import InsuranceLine

router = APIRouter(prefix="/v1", tags=["proposals and policies"])


def _service(session: DbSession, outbox: EventOutbox, clock: RequestClock) -> PolicyService:
    return policy_service(session, outbox, clock)


Service = Annotated[PolicyService, Depends(_service)]
ProposalQuery = Annotated[Principal, Depends(require("insurance.proposal.query"))]
Quote = Annotated[Principal, Depends(require("insurance.proposal.quote"))]
Issue = Annotated[Principal, Depends(require("insurance.proposal.issue"))]
PolicyQuery = Annotated[Principal, Depends(require("insurance.policy.query"))]
_409: dict[int | str, dict[str, Any]] = {
    409: {"description": "illegal_transition: the detail lists the allowed steps"}
}


@router.get("/insurers", summary="The insurers by code (保险公司)")
async def insurers(principal: CurrentPrincipal) -> dict[str, str]:
    return INSURERS


@router.post(
    "/proposals",
    response_model=ProposalDetail,
    status_code=status.HTTP_201_CREATED,
    summary="Open a proposal awaiting quote (待报价)",
)
async def create_proposal(
    body: ProposalCreate, service: Service, principal: Quote
) -> ProposalDetail:
    return await service.create(body, principal)


@router.get("/proposals", response_model=ProposalPage, summary="Proposals you may see")
async def list_proposals(
    service: Service,
    principal: ProposalQuery,
    status_: Annotated[ProposalStatus | None, Query(alias="status")] = None,
    proposal_no: Annotated[str | None, Query(max_length=24)] = None,
    plate: Annotated[str | None, Query(max_length=16)] = None,
    insurer_code: Annotated[str | None, Query(max_length=32)] = None,
    source: Annotated[str | None, Query(pattern="^(manual|push|import)$")] = None,
    vehicle_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ProposalPage:
    return await service.search(
        ProposalFilter(
            status=status_, proposal_no=proposal_no, plate=plate, insurer_code=insurer_code,
            source=source, vehicle_id=vehicle_id, limit=limit, offset=offset,
        ),
        principal,
    )  # fmt: skip


@router.get("/proposals/{proposal_id}", response_model=ProposalDetail, summary="One proposal")
async def get_proposal(
    proposal_id: uuid.UUID, service: Service, principal: ProposalQuery
) -> ProposalDetail:
    return await service.detail(proposal_id, principal)


@router.post("/proposals/{proposal_id}/quote", response_model=ProposalDetail, responses=_409,
             summary="报价: items and premiums per line")  # fmt: skip
async def quote(
    proposal_id: uuid.UUID, body: QuoteIn, service: Service, principal: Quote
) -> ProposalDetail:
    return await service.quote(proposal_id, body, principal)


@router.post("/proposals/{proposal_id}/submit", response_model=ProposalDetail, responses=_409,
             summary="提交核保")  # fmt: skip
async def submit(
    proposal_id: uuid.UUID, body: StepIn, service: Service, principal: Quote
) -> ProposalDetail:
    return await service.step(proposal_id, Action.submit, principal, body.note)


@router.post("/proposals/{proposal_id}/decline", response_model=ProposalDetail, responses=_409,
             summary="核保退回 (back to quoted)")  # fmt: skip
async def decline(
    proposal_id: uuid.UUID, body: StepIn, service: Service, principal: Quote
) -> ProposalDetail:
    return await service.step(proposal_id, Action.decline, principal, body.note)


@router.post("/proposals/{proposal_id}/issue", response_model=ProposalDetail, responses=_409,
             summary="出单: one policy per line; publishes insurance.policy.issued")  # fmt: skip
async def issue(
    proposal_id: uuid.UUID, body: IssueIn, service: Service, principal: Issue
) -> ProposalDetail:
    return await service.issue(proposal_id, body, principal)


@router.post("/proposals/{proposal_id}/unconverted", response_model=ProposalDetail,
             responses=_409, summary="未成交, with a reason from the fixed list")  # fmt: skip
async def give_up(
    proposal_id: uuid.UUID, body: GiveUpIn, service: Service, principal: Quote
) -> ProposalDetail:
    return await service.give_up(proposal_id, body, principal)


@router.get("/policies", response_model=PolicyPage, summary="Policies you may see")
async def list_policies(
    service: Service,
    principal: PolicyQuery,
    policy_no: Annotated[str | None, Query(max_length=64)] = None,
    plate: Annotated[str | None, Query(max_length=16)] = None,
    line: InsuranceLine | None = None,
    insurer_code: Annotated[str | None, Query(max_length=32)] = None,
    vehicle_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PolicyPage:
    return await service.policies(
        PolicyFilter(
            policy_no=policy_no, plate=plate, line=line, insurer_code=insurer_code,
            vehicle_id=vehicle_id, limit=limit, offset=offset,
        ),
        principal,
    )  # fmt: skip


@router.post(
    "/policies",
    response_model=PolicyRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a policy issued elsewhere (downloaded from the insurer)",
)
async def record_policy(
    body: PolicyRecord,
    service: Service,
    principal: Annotated[Principal, Depends(require("insurance.policy.import"))],
) -> PolicyRead:
    return await service.record(body, principal)


@router.get("/policies/{policy_id}", response_model=PolicyRead, summary="One policy")
async def get_policy(policy_id: uuid.UUID, service: Service, principal: PolicyQuery) -> PolicyRead:
    return await service.policy(policy_id, principal)
