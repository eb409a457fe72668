"""Proposals move only through the transition table; issuing makes one policy per line and
publishes `insurance.policy.issued` in the same transaction (outbox)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from insurance.common import checks
from insurance.common.context import actor, writing_org
from insurance.common.money import to_fen, to_yuan
from insurance.common.numbers import next_number
from insurance.policies import lifecycle
from insurance.policies.insurers import INSURERS
from insurance.policies.lifecycle import Action, ProposalStatus, UnconvertedReason
from insurance.policies.models import Policy, Proposal, ProposalLine, ProposalStep
from insurance.policies.repository import PolicyFilter, PolicyRepository, ProposalFilter
from insurance.policies.schemas import (
    CAR_LINES,
    GiveUpIn,
    IssueIn,
    ItemIn,
    ItemRead,
    PeriodIn,
    PolicyPage,
    PolicyRead,
    PolicyRecord,
    ProposalCreate,
    ProposalDetail,
    ProposalLineRead,
    ProposalPage,
    ProposalRead,
    QuoteIn,
    StepRead,
)
from insurance.vehicles.models import Customer, Source, Vehicle
from insurance.vehicles.repository import VehicleRepository
from insurance.vehicles.schemas import VehicleCollect
from insurance.vehicles.service import VehicleService
from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.errors import Conflict, Forbidden, NotFound, Unprocessable
from servicekit.messaging import Outbox
from shared_schemas import InsuranceLine, Money, PolicyIssuedV1, new_event

#: Called with (policy, proposal or None) after a policy is stored: pushes and deals follow it.
IssuedHook = Callable[[Policy, Proposal | None], Awaitable[None]]


class IllegalStep(Conflict):
    code = "illegal_transition"


def _items(items: list[ItemIn]) -> list[dict[str, Any]]:
    return [
        {
            "cover_code": i.cover_code,
            "cover_name": i.cover_name,
            "sum_insured_fen": to_fen(i.sum_insured),
            "premium_fen": to_fen(i.premium),
        }
        for i in items
    ]


def _item_reads(items: list[dict[str, Any]]) -> list[ItemRead]:
    return [
        ItemRead(
            cover_code=i["cover_code"],
            cover_name=i.get("cover_name"),
            sum_insured=to_yuan(i["sum_insured_fen"]),
            premium=to_yuan(i["premium_fen"]),
        )
        for i in items
    ]


class PolicyService:
    def __init__(
        self,
        repo: PolicyRepository,
        outbox: Outbox,
        clock: Clock,
        hooks: list[IssuedHook] | None = None,
    ) -> None:
        self.repo = repo
        self.outbox = outbox
        self.clock = clock
        self.vehicles = VehicleService(VehicleRepository(repo.session), clock)
        self.hooks = hooks or []

    # -- proposals ----------------------------------------------------------------------------

    async def create(self, body: ProposalCreate, principal: Principal) -> ProposalDetail:
        org_id = writing_org(principal, body.org_id)
        vehicle = customer = None
        if body.vehicle_id:
            vehicle = await self.vehicles.repo.vehicle(body.vehicle_id, principal)
            if vehicle is None:
                raise _field_missing("vehicle_id", "vehicle_not_found", "no such vehicle")
        if body.customer_id:
            customer = await self.vehicles.repo.customer(body.customer_id, principal)
            if customer is None:
                raise _field_missing("customer_id", "customer_not_found", "no such customer")
        elif vehicle is not None and vehicle.owner_id:
            customer = (await self.repo.customers([vehicle.owner_id]))[vehicle.owner_id]
        if customer is None:
            raise _field_missing("customer_id", "customer_required", "the vehicle has no owner")
        proposal = await self.open_proposal(
            org_id=org_id, customer=customer, vehicle=vehicle, insurer_code=body.insurer_code,
            periods=body.lines, source="manual", by=actor(principal), by_name=principal.name,
            promoter_subject=body.promoter_subject, note=body.note,
        )  # fmt: skip
        return await self.detail(proposal.id, principal)

    async def open_proposal(
        self,
        *,
        org_id: uuid.UUID,
        customer: Customer,
        vehicle: Vehicle | None,
        insurer_code: str | None,
        periods: list[PeriodIn],
        source: str,
        by: str,
        by_name: str | None = None,
        promoter_subject: str | None = None,
        note: str | None = None,
        external_no: str | None = None,
    ) -> Proposal:
        """A new proposal awaiting quote (待报价), its lines and its first step."""
        now = self.clock()
        proposal = Proposal(
            id=uuid.uuid4(), proposal_no=await next_number(self.repo.session, "TB", now),
            org_id=org_id, customer_id=customer.id, vehicle_id=vehicle.id if vehicle else None,
            insurer_code=insurer_code, status=ProposalStatus.awaiting_quote, source=source,
            external_no=external_no, promoter_subject=promoter_subject,
            created_at=now, created_by=by, updated_at=now, updated_by=by,
        )  # fmt: skip
        self.repo.add(proposal)
        await self.repo.flush()
        self.repo.add(
            *(
                ProposalLine(
                    proposal_id=proposal.id,
                    line=p.line,
                    product_code=p.product_code,
                    starts_on=p.starts_on,
                    ends_on=p.ends_on,
                    items=[],
                )
                for p in periods
            ),
            ProposalStep(
                proposal_id=proposal.id,
                seq=1,
                action=Action.create,
                from_status=None,
                to_status=ProposalStatus.awaiting_quote,
                note=note,
                at=now,
                by=by,
                by_name=by_name,
            ),
        )
        await self.repo.flush()
        return proposal

    async def _move(
        self,
        proposal: Proposal,
        action: Action,
        *,
        by: str,
        by_name: str | None,
        principal: Principal | None,
        reason: UnconvertedReason | None = None,
        note: str | None = None,
    ) -> None:
        """The one place a proposal's status changes: looked up in the table, then recorded."""
        source = ProposalStatus(proposal.status)
        transition = lifecycle.step(source, action)
        if transition is None:
            allowed = ", ".join(lifecycle.allowed(source)) or "none"
            raise IllegalStep(
                f"A proposal {source.value} cannot take the step {action.value} "
                f"(allowed: {allowed})."
            )
        if principal is not None and not principal.can(transition.function):
            raise Forbidden(
                f"Your institution or role does not grant '{transition.function}'.",
                code="function_not_granted",
            )
        now = self.clock()
        self.repo.add(
            ProposalStep(
                proposal_id=proposal.id, seq=await self.repo.last_seq(proposal.id) + 1,
                action=action, from_status=source, to_status=transition.target,
                reason=reason, note=note, at=now, by=by, by_name=by_name,
            )
        )  # fmt: skip
        proposal.status = transition.target
        proposal.unconverted_reason = reason
        proposal.updated_at, proposal.updated_by = now, by

    async def _locked(self, proposal_id: uuid.UUID, principal: Principal) -> Proposal:
        proposal = await self.repo.proposal(proposal_id, principal, lock=True)
        if proposal is None:
            raise NotFound("No such proposal.", code="proposal_not_found")
        return proposal

    async def quote(
        self, proposal_id: uuid.UUID, body: QuoteIn, principal: Principal
    ) -> ProposalDetail:
        proposal = await self._locked(proposal_id, principal)
        lines = {line.line: line for line in (await self.repo.lines([proposal.id]))[proposal.id]}
        for i, quoted in enumerate(body.lines):
            if quoted.line not in lines:
                raise _field_missing(
                    f"lines[{i}].line", "line_not_in_proposal", "the proposal has no such line"
                )
        await self._move(
            proposal, Action.quote, by=actor(principal), by_name=principal.name,
            principal=principal, note=body.note,
        )  # fmt: skip
        if body.insurer_code:
            proposal.insurer_code = body.insurer_code
        if not proposal.insurer_code:
            raise _field_missing("insurer_code", "insurer_required", "name the quoting insurer")
        for quoted in body.lines:
            line = lines[quoted.line]
            line.items = _items(quoted.items)
            line.premium_fen = sum(i["premium_fen"] for i in line.items)
        proposal.premium_fen = sum(line.premium_fen or 0 for line in lines.values())
        return await self.detail(proposal.id, principal)

    async def step(
        self, proposal_id: uuid.UUID, action: Action, principal: Principal, note: str | None
    ) -> ProposalDetail:
        proposal = await self._locked(proposal_id, principal)
        await self._move(
            proposal, action, by=actor(principal), by_name=principal.name, principal=principal,
            note=note,
        )  # fmt: skip
        if action is Action.submit:
            lines = (await self.repo.lines([proposal.id]))[proposal.id]
            # Checked after the table: an illegal step is reported as such first.
            if any(line.premium_fen is None for line in lines):
                raise Conflict(
                    "Every line needs a quote before underwriting.", code="line_not_quoted"
                )
        return await self.detail(proposal.id, principal)

    async def give_up(
        self, proposal_id: uuid.UUID, body: GiveUpIn, principal: Principal
    ) -> ProposalDetail:
        proposal = await self._locked(proposal_id, principal)
        await self._move(
            proposal, Action.give_up, by=actor(principal), by_name=principal.name,
            principal=principal, reason=body.reason, note=body.note,
        )  # fmt: skip
        return await self.detail(proposal.id, principal)

    async def mark_unconverted(
        self, proposal: Proposal, reason: UnconvertedReason, by: str, note: str
    ) -> None:
        """A step the system takes (a policy bought elsewhere), recorded like any other."""
        await self._move(proposal, Action.give_up, by=by, by_name=None, principal=None,
                         reason=reason, note=note)  # fmt: skip

    async def issue(
        self, proposal_id: uuid.UUID, body: IssueIn, principal: Principal
    ) -> ProposalDetail:
        proposal = await self._locked(proposal_id, principal)
        if body.sign_date > self.clock().date():
            raise _field_missing("sign_date", "date_in_future", "the sign date lies ahead")
        given = {p.line: p.policy_no for p in body.policy_nos}
        await self._move(
            proposal, Action.issue, by=actor(principal), by_name=principal.name,
            principal=principal, note=body.note,
        )  # fmt: skip
        assert proposal.insurer_code is not None  # a quote names it
        lines = (await self.repo.lines([proposal.id]))[proposal.id]
        for line in lines:
            policy_no = given.get(InsuranceLine(line.line)) or (
                await next_number(self.repo.session, "PD", self.clock())
            )
            policy = await self._store_policy(
                org_id=proposal.org_id, policy_no=policy_no, insurer_code=proposal.insurer_code,
                line=line.line, product_code=line.product_code, proposal=proposal,
                customer_id=proposal.customer_id, vehicle_id=proposal.vehicle_id,
                sign_date=body.sign_date, starts_on=line.starts_on, ends_on=line.ends_on,
                items=line.items, premium_fen=line.premium_fen or 0,
                promoter_subject=proposal.promoter_subject, source="issued",
                by=actor(principal),
            )  # fmt: skip
            line.policy_id = policy.id
        return await self.detail(proposal.id, principal)

    # -- policies -----------------------------------------------------------------------------

    async def record(self, body: PolicyRecord, principal: Principal) -> PolicyRead:
        """A policy downloaded or imported from an insurer: stored, published, its vehicle's
        expiry captured — the same path as one issued here."""
        org_id = writing_org(principal, body.org_id)
        customer_id = body.customer_id
        if body.vehicle_id:
            vehicle = await self.vehicles.repo.vehicle(body.vehicle_id, principal)
            if vehicle is None:
                raise _field_missing("vehicle_id", "vehicle_not_found", "no such vehicle")
            customer_id = customer_id or vehicle.owner_id
        if customer_id is None or await self.vehicles.repo.customer(customer_id, principal) is None:
            raise _field_missing("customer_id", "customer_not_found", "no such customer")
        items = _items(body.items)
        policy = await self._store_policy(
            org_id=org_id, policy_no=body.policy_no, insurer_code=body.insurer_code,
            line=body.line, product_code=body.product_code, proposal=None,
            customer_id=customer_id, vehicle_id=body.vehicle_id, sign_date=body.sign_date,
            starts_on=body.starts_on, ends_on=body.ends_on, items=items,
            premium_fen=sum(i["premium_fen"] for i in items),
            promoter_subject=body.promoter_subject, source="recorded", by=actor(principal),
        )  # fmt: skip
        [read] = await self.policy_reads([policy])
        return read

    async def _store_policy(
        self,
        *,
        org_id: uuid.UUID,
        policy_no: str,
        insurer_code: str,
        line: str,
        product_code: str | None,
        proposal: Proposal | None,
        customer_id: uuid.UUID,
        vehicle_id: uuid.UUID | None,
        sign_date: date,
        starts_on: date,
        ends_on: date,
        items: list[dict[str, Any]],
        premium_fen: int,
        promoter_subject: str | None,
        source: str,
        by: str,
    ) -> Policy:
        if await self.repo.policy_by_no(insurer_code, policy_no) is not None:
            raise Conflict(
                f"{INSURERS[insurer_code]} already has a policy {policy_no}.",
                code="policy_no_taken",
                errors=[{"field": "policy_no", "code": "policy_no_taken", "message": policy_no}],
            )
        vehicle = (await self.repo.vehicles([vehicle_id]))[vehicle_id] if vehicle_id else None
        customer = (await self.repo.customers([customer_id]))[customer_id]
        renews = await self.repo.latest_policy(vehicle_id, line) if vehicle_id else None
        now = self.clock()
        policy = Policy(
            id=uuid.uuid4(), policy_no=policy_no, insurer_code=insurer_code, org_id=org_id,
            line=line, product_code=product_code, proposal_id=proposal.id if proposal else None,
            customer_id=customer_id, vehicle_id=vehicle_id,
            region_code=vehicle.region_code if vehicle else None, sign_date=sign_date,
            starts_on=starts_on, ends_on=ends_on, premium_fen=premium_fen, items=items,
            promoter_subject=promoter_subject, renews_policy_id=renews.id if renews else None,
            source=source, issued_at=now, issued_by=by,
        )  # fmt: skip
        self.repo.add(policy)
        await self.repo.flush()
        if vehicle is not None and line in CAR_LINES:
            # Capture from the policy: the vehicle's own record learns its new expiry.
            expiry = (
                "commercial_expiry"
                if line == InsuranceLine.car_commercial
                else ("compulsory_expiry")
            )
            await self.vehicles.collect_for(
                vehicle.org_id,
                VehicleCollect.model_validate(
                    {"source": Source.policy, "source_ref": policy_no, "vin": vehicle.vin,
                     "plate_no": vehicle.plate_no, "region_code": vehicle.region_code,
                     expiry: ends_on}
                ),
                by,
            )  # fmt: skip
        payload = PolicyIssuedV1(
            policy_id=policy.id, policy_no=policy_no, insurer_code=insurer_code,
            insurer_name=INSURERS[insurer_code], institution_org_id=org_id,
            line=InsuranceLine(line), product_code=product_code, customer_ref=str(customer.id),
            customer_name=customer.name, customer_mobile_masked=checks.mask_mobile(customer.mobile),
            vehicle_vin=vehicle.vin if vehicle else None,
            plate_no=vehicle.plate_no if vehicle else None,
            region_code=vehicle.region_code if vehicle else None, sign_date=sign_date,
            starts_on=starts_on, ends_on=ends_on, premium=Money.from_fen(premium_fen),
            promoter_subject=promoter_subject, issued_at=now,
        )  # fmt: skip
        await self.outbox.add(
            self.repo.session,
            new_event(
                "insurance.policy.issued", payload, producer="insurance",
                aggregate_id=policy.id, org_id=org_id, occurred_at=now,
            ),
        )  # fmt: skip
        for hook in self.hooks:
            await hook(policy, proposal)
        return policy

    # -- reading ------------------------------------------------------------------------------

    async def _reads(self, proposals: list[Proposal]) -> list[ProposalRead]:
        lines = await self.repo.lines([p.id for p in proposals])
        customers = await self.repo.customers([p.customer_id for p in proposals])
        vehicles = await self.repo.vehicles([p.vehicle_id for p in proposals if p.vehicle_id])
        policies = await self.repo.policies_by_ids(
            [line.policy_id for ls in lines.values() for line in ls if line.policy_id]
        )
        out = []
        for p in proposals:
            vehicle = vehicles.get(p.vehicle_id) if p.vehicle_id else None
            out.append(
                ProposalRead(
                    id=p.id, proposal_no=p.proposal_no, org_id=p.org_id,
                    status=ProposalStatus(p.status),
                    unconverted_reason=p.unconverted_reason,  # type: ignore[arg-type]
                    source=p.source, external_no=p.external_no, insurer_code=p.insurer_code,
                    insurer_name=INSURERS.get(p.insurer_code or ""),
                    customer_id=p.customer_id, customer_name=customers[p.customer_id].name,
                    vehicle_id=p.vehicle_id, plate_no=vehicle.plate_no if vehicle else None,
                    region_code=vehicle.region_code if vehicle else None,
                    promoter_subject=p.promoter_subject,
                    premium=to_yuan(p.premium_fen) if p.premium_fen is not None else None,
                    lines=[
                        ProposalLineRead(
                            line=InsuranceLine(line.line), product_code=line.product_code,
                            starts_on=line.starts_on, ends_on=line.ends_on,
                            items=_item_reads(line.items),
                            premium=to_yuan(line.premium_fen)
                            if line.premium_fen is not None else None,
                            policy_no=policies[line.policy_id].policy_no
                            if line.policy_id else None,
                        )
                        for line in lines[p.id]
                    ],
                    created_at=p.created_at, created_by=p.created_by, updated_at=p.updated_at,
                    updated_by=p.updated_by,
                    next_actions=lifecycle.allowed(ProposalStatus(p.status)),
                )
            )  # fmt: skip
        return out

    async def detail(self, proposal_id: uuid.UUID, principal: Principal) -> ProposalDetail:
        proposal = await self.repo.proposal(proposal_id, principal)
        if proposal is None:
            raise NotFound("No such proposal.", code="proposal_not_found")
        [read] = await self._reads([proposal])
        steps = await self.repo.steps(proposal.id)
        return ProposalDetail(
            **read.model_dump(),
            steps=[StepRead.model_validate(s, from_attributes=True) for s in steps],
        )

    async def search(self, f: ProposalFilter, principal: Principal) -> ProposalPage:
        rows, total = await self.repo.search_proposals(principal, f)
        return ProposalPage(items=await self._reads(rows), total=total)

    async def policy_reads(self, policies: list[Policy]) -> list[PolicyRead]:
        customers = await self.repo.customers([p.customer_id for p in policies])
        vehicles = await self.repo.vehicles([p.vehicle_id for p in policies if p.vehicle_id])
        proposals = await self.repo.proposals_by_ids(
            [p.proposal_id for p in policies if p.proposal_id]
        )
        renewed = await self.repo.policies_by_ids(
            [p.renews_policy_id for p in policies if p.renews_policy_id]
        )
        return [
            PolicyRead(
                id=p.id,
                policy_no=p.policy_no,
                insurer_code=p.insurer_code,
                insurer_name=INSURERS.get(p.insurer_code, p.insurer_code),
                org_id=p.org_id,
                line=InsuranceLine(p.line),
                product_code=p.product_code,
                proposal_no=proposals[p.proposal_id].proposal_no if p.proposal_id else None,
                customer_id=p.customer_id,
                customer_name=customers[p.customer_id].name,
                vehicle_id=p.vehicle_id,
                plate_no=vehicles[p.vehicle_id].plate_no if p.vehicle_id else None,
                region_code=p.region_code,
                sign_date=p.sign_date,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
                premium=to_yuan(p.premium_fen),
                items=_item_reads(p.items),
                promoter_subject=p.promoter_subject,
                renews_policy_no=renewed[p.renews_policy_id].policy_no
                if p.renews_policy_id
                else None,
                source=p.source,
                issued_at=p.issued_at,
                issued_by=p.issued_by,
            )
            for p in policies
        ]

    async def policies(self, f: PolicyFilter, principal: Principal) -> PolicyPage:
        rows, total = await self.repo.search_policies(principal, f)
        return PolicyPage(items=await self.policy_reads(rows), total=total)

    async def policy(self, policy_id: uuid.UUID, principal: Principal) -> PolicyRead:
        found = await self.repo.policy(policy_id, principal)
        if found is None:
            raise NotFound("No such policy.", code="policy_not_found")
        [read] = await self.policy_reads([found])
        return read


def _field_missing(field: str, code: str, message: str) -> Unprocessable:
    return Unprocessable(
        message, code=code, errors=[{"field": f"body.{field}", "code": code, "message": message}]
    )
