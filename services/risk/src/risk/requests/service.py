"""Collecting assessment requests (REST, import, console) and reading them, scoped to the
caller's institution. A new request is assessed at once when a scorecard is live."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, time, timedelta
from decimal import Decimal

from risk.assessments.facts import vehicle_info
from risk.assessments.service import AssessmentService, record_step
from risk.common import BUSINESS_TZ, next_number
from risk.requests.lifecycle import LABELS_ZH, RequestStatus, Trigger
from risk.requests.models import AssessmentRequest, RequestPayee, RequestStatusChange
from risk.requests.repository import RequestRepository
from risk.requests.schemas import (
    USE_NATURE_ZH,
    GradeCount,
    PayeeRead,
    RequestCreate,
    RequestPage,
    RequestQuery,
    RequestRead,
    StatusChangeRead,
    UseNature,
)
from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.errors import Conflict, Forbidden, NotFound, Unprocessable


class RequestNotFound(NotFound):
    code = "request_not_found"


class ReferenceReused(Conflict):
    code = "reference_reused"


def _field(field: str, code: str, message: str) -> list[dict[str, str]]:
    return [{"field": field, "code": code, "message": message}]


def read(r: AssessmentRequest, *, trajectory: bool = False) -> RequestRead:
    return RequestRead(
        id=r.id,
        request_no=r.request_no,
        org_id=r.org_id,
        org_name=r.org_name,
        reference=r.caller_ref,
        channel=r.channel,
        insurer_code=r.insurer_code,
        insurer_name=r.insurer_name,
        vin=r.vin,
        plate_no=r.plate_no,
        register_date=r.register_date,
        use_nature=r.use_nature,
        use_nature_label=USE_NATURE_ZH[UseNature(r.use_nature)],
        region_code=r.region_code,
        vehicle_info=r.vehicle_info,
        inspection_form_version=r.inspection_form_version,
        inspection=r.inspection,
        status=r.status,
        status_label=LABELS_ZH[RequestStatus(r.status)],
        latest_assessment_id=r.latest_assessment_id,
        latest_grade=r.latest_grade,
        latest_decision=r.latest_decision,
        payees=[
            PayeeRead(subject=p.subject, name=p.name, share=f"{Decimal(p.share_bp) / 100:.2f}")
            for p in r.payees
        ],
        payees_confirmed_by=r.payees_confirmed_by,
        payees_confirmed_at=r.payees_confirmed_at,
        created_by=r.created_by,
        created_at=r.created_at,
        updated_at=r.updated_at,
        trajectory=[
            StatusChangeRead(
                from_status=c.from_status,
                to_status=c.to_status,
                to_status_label=LABELS_ZH[RequestStatus(c.to_status)],
                trigger=c.trigger,
                by=c.by,
                at=c.at,
                note=c.note,
            )
            for c in r.changes
        ]
        if trajectory
        else [],
    )


class RequestService:
    def __init__(
        self, repo: RequestRepository, assessments: AssessmentService, clock: Clock
    ) -> None:
        self.repo = repo
        self.assessments = assessments
        self.clock = clock

    def applicant(self, data: RequestCreate, principal: Principal) -> uuid.UUID:
        org = data.applicant_org_id or principal.org_id
        if org is None:
            raise Unprocessable(
                "Name the applicant institution.",
                errors=_field("body.applicant_org_id", "missing", "required for operators"),
            )
        if not principal.may_see_org(org):
            raise Forbidden(
                "You may not file requests for that institution.",
                code="org_not_visible",
                errors=_field("body.applicant_org_id", "org_not_visible", str(org)),
            )
        return org

    def check(self, data: RequestCreate, field_prefix: str = "body") -> None:
        """Checks needing the clock (the schema cannot know today)."""
        today = self.clock().astimezone(BUSINESS_TZ).date()
        if data.vehicle.register_date > today:
            raise Unprocessable(
                "The register date is in the future.",
                errors=_field(f"{field_prefix}.vehicle.register_date", "in_future",
                              str(data.vehicle.register_date)),
            )  # fmt: skip

    async def create(
        self, data: RequestCreate, principal: Principal, channel: str
    ) -> tuple[AssessmentRequest, bool]:
        org = self.applicant(data, principal)
        if data.reference:
            existing = await self.repo.by_reference(org, data.reference)
            if existing is not None:
                return self._same(existing, data), False
        self.check(data)
        return await self._insert(data, org, principal, channel), True

    def _same(self, existing: AssessmentRequest, data: RequestCreate) -> AssessmentRequest:
        if existing.vin != data.vehicle.vin or existing.insurer_code != data.insurer.code:
            raise ReferenceReused(
                f"Reference {existing.caller_ref!r} already names request {existing.request_no} "
                "for another vehicle or insurer.",
                errors=_field("body.reference", "reference_reused", existing.request_no),
            )
        return existing

    async def _insert(
        self, data: RequestCreate, org: uuid.UUID, principal: Principal, channel: str
    ) -> AssessmentRequest:
        now = self.clock()
        v = data.vehicle
        request = AssessmentRequest(
            id=uuid.uuid4(),
            request_no=await next_number(self.repo.session, "PG", now),
            org_id=org,
            org_name=data.applicant_org_name,
            caller_ref=data.reference,
            channel=channel,
            insurer_code=data.insurer.code,
            insurer_name=data.insurer.name,
            vin=v.vin,
            plate_no=v.plate_no,
            register_date=v.register_date,
            use_nature=v.use_nature.value,
            region_code=v.region_code,
            vehicle_info=vehicle_info(v.vin),
            inspection_form_version=data.inspection.form_version,
            inspection=data.inspection.document,
            status=RequestStatus.submitted.value,
            created_by=principal.subject,
            created_at=now,
            updated_at=now,
            payees=[
                RequestPayee(
                    position=i, subject=p.subject, name=p.name, share_bp=int(p.share * 100)
                )
                for i, p in enumerate(data.payees)
            ],
            changes=[
                RequestStatusChange(
                    seq=1,
                    from_status=None,
                    to_status=RequestStatus.submitted.value,
                    trigger="submitted",
                    by=principal.subject,
                    at=now,
                    note=f"来源：{channel}",
                )
            ],
        )
        self.repo.add(request)
        await self.repo.flush()
        await self.assessments.assess(request, principal.subject, required=False)
        await self.repo.flush()
        return request

    async def get(self, request_id: uuid.UUID, principal: Principal) -> AssessmentRequest:
        request = await self.repo.get(request_id, principal)
        if request is None:
            raise RequestNotFound(f"No request {request_id} that you may see.")
        return request

    async def locked(self, request_id: uuid.UUID, principal: Principal) -> AssessmentRequest:
        await self.get(request_id, principal)  # scope first: 404 for others' requests
        request = await self.repo.get_for_update(request_id)
        assert request is not None
        return request

    async def search(self, query: RequestQuery, principal: Principal) -> RequestPage:
        def start(d: object) -> datetime | None:
            return None if d is None else datetime.combine(d, time(), BUSINESS_TZ)  # type: ignore[arg-type]

        created_before = None
        if query.created_to is not None:
            created_before = start(query.created_to + timedelta(days=1))
        rows, total = await self.repo.search(
            principal,
            offset=query.offset,
            limit=query.limit,
            status=query.status,
            insurer_code=query.insurer_code,
            q=query.q,
            created_from=start(query.created_from),
            created_before=created_before,
        )
        return RequestPage(
            items=[read(r) for r in rows], total=total, offset=query.offset, limit=query.limit
        )

    async def grade_distribution(self, principal: Principal, months: int) -> list[GradeCount]:
        """Requests per insurer, month (of filing, Beijing) and latest grade."""
        today = self.clock().astimezone(BUSINESS_TZ).date()
        first = today.replace(day=1)
        for _ in range(months - 1):
            first = (first - timedelta(days=1)).replace(day=1)
        counts: Counter[tuple[str, str, str, str]] = Counter()
        start = datetime.combine(first, time(), BUSINESS_TZ)
        for code, name, at, grade in await self.repo.grades(principal, start):
            month = at.astimezone(BUSINESS_TZ).strftime("%Y-%m")
            counts[(code, name, month, grade or "—")] += 1
        return [
            GradeCount(insurer_code=c, insurer_name=n, month=m, grade=g, count=k)
            for (c, n, m, g), k in sorted(counts.items())
        ]

    async def confirm_payees(self, request_id: uuid.UUID, principal: Principal) -> RequestRead:
        request = await self.locked(request_id, principal)
        if not request.payees:
            raise Unprocessable(
                f"Request {request.request_no} names no payees to confirm.",
                code="no_payees",
                errors=_field("payees", "missing", "no payees"),
            )
        if sum(p.share_bp for p in request.payees) != 10_000:  # guarded at entry; kept true
            raise Unprocessable("Payee shares do not sum to 100 %.", code="shares_not_whole")
        request.payees_confirmed_by = principal.subject
        request.payees_confirmed_at = self.clock()
        request.updated_at = request.payees_confirmed_at
        await self.repo.flush()
        return read(request, trajectory=True)

    async def reassess(self, request_id: uuid.UUID, principal: Principal) -> AssessmentRequest:
        request = await self.locked(request_id, principal)
        from risk.requests import lifecycle

        if not lifecycle.can(request.status, Trigger.assessed_accept):
            lifecycle.next_status(request.status, Trigger.assessed_accept)  # raises 409
        await self.assessments.assess(request, principal.subject)
        await self.repo.flush()
        return request


__all__ = ["RequestService", "read", "record_step"]
