"""Statement batches with the insurer, the insurer's decisions (file or console), the
receivable order request of a confirmed batch, following the order center's answers, and the
promoters' payout order requests once the batch's order is settled.

A batch is billed once: its order request's source ref is the batch's id, the order center
creates one order per ref, and every answer is applied only from the status the table allows
(a redelivered or repeated event finds the batch past that step and changes nothing)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from risk.assessments.service import record_step
from risk.common import BUSINESS_TZ, next_number
from risk.reconciliation import lifecycle
from risk.reconciliation.lifecycle import LABELS_ZH, PAYOUT_ZH, RESULT_ZH, BatchStatus, BatchTrigger
from risk.reconciliation.models import PromoterPayout, ReconciliationBatch, ReconciliationItem
from risk.reconciliation.schemas import (
    BatchCreate,
    BatchRead,
    ItemDecision,
    ItemRead,
    PayoutRead,
    StatementLineIssue,
    StatementReport,
)
from risk.reconciliation.split import split_fen
from risk.requests.lifecycle import RequestStatus, Trigger
from risk.requests.models import AssessmentRequest
from servicekit.auth import Principal, scoped
from servicekit.clock import Clock
from servicekit.errors import Conflict, Forbidden, NotFound, Unprocessable
from servicekit.messaging import Outbox
from shared_schemas import Money, OrderCategory, OrderDirection, SellingEntity, new_event
from shared_schemas.events.order_request.v1 import (
    OrderRequestCounterparty,
    OrderRequestLine,
    OrderRequestSubmittedV1,
)

EVENT = "risk.order_request.submitted"
TAX_RATE = Decimal("0.06")  # 技术服务 VAT
_RESULT_TRIGGER = {
    "accepted": Trigger.insurer_accept,
    "rejected": Trigger.insurer_reject,
    "disputed": Trigger.insurer_dispute,
}


class BatchNotFound(NotFound):
    code = "batch_not_found"


def yuan(fen: int) -> str:
    return f"{Money.from_fen(fen).amount:.2f}"


def batch_ref(batch_id: uuid.UUID) -> str:
    return f"batch:{batch_id}"


def payout_ref(payout_id: uuid.UUID) -> str:
    return f"payout:{payout_id}"


def read(b: ReconciliationBatch, *, detail: bool = True) -> BatchRead:
    counts: dict[str, int] = defaultdict(int)
    for i in b.items:
        counts[i.result] += 1
    return BatchRead(
        id=b.id, batch_no=b.batch_no, org_id=b.org_id, org_name=b.org_name,
        insurer_code=b.insurer_code, insurer_name=b.insurer_name, period_from=b.period_from,
        period_to=b.period_to, unit_fee=yuan(b.unit_fee_fen), promoter_fee=yuan(b.promoter_fee_fen),
        status=b.status, status_label=LABELS_ZH[BatchStatus(b.status)],
        amount=None if b.amount_fen is None else yuan(b.amount_fen), order_no=b.order_no,
        order_status=b.order_status, rejected_code=b.rejected_code,
        rejected_reason=b.rejected_reason, counts=dict(counts), created_by=b.created_by,
        created_at=b.created_at, confirmed_by=b.confirmed_by, confirmed_at=b.confirmed_at,
        items=[
            ItemRead(
                id=i.id, request_id=i.request_id, request_no=i.request_no,
                assessment_no=i.assessment_no, vin=i.vin, grade=i.grade, result=i.result,
                result_label=RESULT_ZH[i.result], note=i.note, decided_by=i.decided_by,
                decided_at=i.decided_at, decided_via=i.decided_via,
            )
            for i in b.items
        ] if detail else [],
        payouts=[
            PayoutRead(
                subject=p.subject, name=p.name, amount=yuan(p.amount_fen), lines=p.lines,
                status=p.status, status_label=PAYOUT_ZH[p.status], order_no=p.order_no,
                rejected_reason=p.rejected_reason,
            )
            for p in b.payouts
        ] if detail else [],
    )  # fmt: skip


class ReconciliationService:
    def __init__(self, session: AsyncSession, outbox: Outbox, clock: Clock) -> None:
        self.session = session
        self.outbox = outbox
        self.clock = clock

    # -- reads ----------------------------------------------------------------------------

    async def get(self, batch_id: uuid.UUID, principal: Principal) -> ReconciliationBatch:
        query = scoped(
            select(ReconciliationBatch).where(ReconciliationBatch.id == batch_id),
            ReconciliationBatch.org_id,
            principal,
        )
        batch = (await self.session.execute(query)).scalar_one_or_none()
        if batch is None:
            raise BatchNotFound(f"No reconciliation batch {batch_id} that you may see.")
        return batch

    async def batches(self, principal: Principal, insurer_code: str | None) -> list[BatchRead]:
        query = scoped(select(ReconciliationBatch), ReconciliationBatch.org_id, principal)
        if insurer_code:
            query = query.where(ReconciliationBatch.insurer_code == insurer_code.upper())
        query = query.order_by(ReconciliationBatch.created_at.desc()).limit(200)
        return [read(b, detail=False) for b in (await self.session.execute(query)).scalars()]

    # -- the clerk's steps ------------------------------------------------------------------

    async def create(self, data: BatchCreate, principal: Principal, org_name: str | None = None
                     ) -> ReconciliationBatch:  # fmt: skip
        org = data.applicant_org_id or principal.org_id
        if org is None:
            raise Unprocessable(
                "Name the applicant institution.",
                errors=[{"field": "body.applicant_org_id", "code": "missing",
                         "message": "required for operators"}],
            )  # fmt: skip
        if not principal.may_see_org(org):
            raise Forbidden(
                "You may not reconcile that institution's requests.", code="org_not_visible"
            )
        start = _day_start(data.period_from)
        end = _day_start(date.fromordinal(data.period_to.toordinal() + 1))
        query = (
            select(AssessmentRequest)
            .where(
                AssessmentRequest.org_id == org,
                AssessmentRequest.insurer_code == data.insurer_code.upper(),
                AssessmentRequest.status == RequestStatus.assessed.value,
                AssessmentRequest.created_at >= start,
                AssessmentRequest.created_at < end,
            )
            .order_by(AssessmentRequest.request_no)
            .with_for_update()
        )
        requests = list((await self.session.execute(query)).scalars())
        if not requests:
            raise Unprocessable(
                "No assessed request of that insurer in that period is waiting for a statement.",
                code="nothing_to_reconcile",
                errors=[{"field": "body.period_from", "code": "nothing_to_reconcile",
                         "message": "no assessed requests"}],
            )  # fmt: skip
        now = self.clock()
        assessments = {
            a.id: a
            for a in (
                await self.session.execute(
                    select(_assessment_model()).where(
                        _assessment_model().id.in_([r.latest_assessment_id for r in requests])
                    )
                )
            ).scalars()
        }
        batch = ReconciliationBatch(
            id=uuid.uuid4(), batch_no=await next_number(self.session, "DZ", now), org_id=org,
            org_name=requests[0].org_name, insurer_code=requests[0].insurer_code,
            insurer_name=requests[0].insurer_name, period_from=data.period_from,
            period_to=data.period_to, unit_fee_fen=Money(amount=data.unit_fee).fen,
            promoter_fee_fen=Money(amount=data.promoter_fee).fen,
            status=BatchStatus.open.value, created_by=principal.subject, created_at=now,
            updated_at=now,
            payouts=[],
            items=[
                ReconciliationItem(
                    id=uuid.uuid4(), request_id=r.id, request_no=r.request_no,
                    assessment_no=assessments[r.latest_assessment_id].assessment_no,  # type: ignore[index]
                    vin=r.vin, grade=r.latest_grade or "", result="pending",
                )
                for r in requests
            ],
        )  # fmt: skip
        for r in requests:
            record_step(r, Trigger.add_to_statement, principal.subject, now, "加入对账批次")
        self.session.add(batch)
        await self.session.flush()
        return batch

    async def decide(
        self, batch: ReconciliationBatch, item_id: uuid.UUID, data: ItemDecision, by: str,
        via: str = "console",
    ) -> None:  # fmt: skip
        item = next((i for i in batch.items if i.id == item_id), None)
        if item is None:
            raise NotFound(f"Batch {batch.batch_no} has no item {item_id}.", code="item_not_found")
        await self._decide(batch, item, data.result, data.note, by, via)
        await self.session.flush()

    async def _decide(
        self, batch: ReconciliationBatch, item: ReconciliationItem, result: str,
        note: str | None, by: str, via: str,
    ) -> None:  # fmt: skip
        if batch.status != BatchStatus.open.value:
            raise Conflict(
                f"Batch {batch.batch_no} is {LABELS_ZH[BatchStatus(batch.status)]}; "
                "its items no longer change.",
                code="batch_not_open",
            )
        if item.result == result:
            return
        request = await self._request(item.request_id)
        now = self.clock()
        record_step(request, _RESULT_TRIGGER[result], by, now, note or RESULT_ZH[result])
        item.result, item.note, item.decided_by, item.decided_at, item.decided_via = (
            result, note, by, now, via,
        )  # fmt: skip
        batch.updated_at = now

    async def apply_statement(
        self, batch: ReconciliationBatch, lines: list[dict[str, str]], by: str
    ) -> StatementReport:
        by_no = {i.assessment_no: i for i in batch.items}
        by_vin: dict[str, list[ReconciliationItem]] = defaultdict(list)
        for i in batch.items:
            by_vin[i.vin].append(i)
        unmatched: list[StatementLineIssue] = []
        decided: list[tuple[ReconciliationItem, str, str | None]] = []
        for n, line in enumerate(lines, start=2):
            no, vin = line.get("assessment_no") or None, (line.get("vin") or "").upper() or None
            item = by_no.get(no) if no else None
            if item is None and vin:
                found = by_vin.get(vin, [])
                item = found[0] if len(found) == 1 else None
                if len(found) > 1:
                    unmatched.append(
                        StatementLineIssue(
                            row=n,
                            assessment_no=no,
                            vin=vin,
                            reason="该车架号在批次中有多条，请填写评估编号",
                        )
                    )
                    continue
            if item is None:
                unmatched.append(
                    StatementLineIssue(row=n, assessment_no=no, vin=vin, reason="批次中无此评估")
                )
                continue
            decided.append((item, line["result"], line.get("note") or None))
        for item, result, note in decided:
            await self._decide(batch, item, result, note, by, "statement")
        await self.session.flush()
        results = [r for _, r, _ in decided]
        return StatementReport(
            rows=len(lines), matched=len(decided), accepted=results.count("accepted"),
            rejected=results.count("rejected"), disputed=results.count("disputed"),
            unmatched=unmatched,
        )  # fmt: skip

    async def confirm(self, batch: ReconciliationBatch, principal: Principal) -> None:
        lifecycle.next_status(batch.status, BatchTrigger.confirm)
        open_items = [i.request_no for i in batch.items if i.result in ("pending", "disputed")]
        if open_items:
            raise Conflict(
                f"Items still pending or disputed: {', '.join(open_items[:10])}.",
                code="items_undecided",
            )
        accepted = [i for i in batch.items if i.result == "accepted"]
        if not accepted:
            raise Conflict(
                "The insurer accepted no assessment: nothing to bill.", code="nothing_accepted"
            )
        requests = {i.request_id: await self._request(i.request_id) for i in accepted}
        unconfirmed = [r.request_no for r in requests.values()
                       if r.payees and r.payees_confirmed_at is None]  # fmt: skip
        if unconfirmed:
            raise Conflict(
                "Confirm the promoters' split of these requests first: "
                + ", ".join(unconfirmed[:10]),
                code="payees_unconfirmed",
            )
        now = self.clock()
        unit = Money.from_fen(batch.unit_fee_fen)
        batch.amount_fen = batch.unit_fee_fen * len(accepted)
        payload = OrderRequestSubmittedV1(
            source_service="risk", source_ref=batch_ref(batch.id), source_no=batch.batch_no,
            category=OrderCategory.risk_assessment, direction=OrderDirection.receivable,
            customer_org_id=batch.org_id, seller=SellingEntity.technology_company,
            tax_rate=TAX_RATE, amount=Money.from_fen(batch.amount_fen),
            lines=[
                OrderRequestLine(
                    description=f"风险评估服务费 {i.assessment_no}（{i.vin}，{batch.insurer_name}）",
                    quantity=Decimal(1), unit_price=unit, amount=unit, ref=i.assessment_no,
                )
                for i in accepted
            ],
            sign_date=now.astimezone(BUSINESS_TZ).date(), requested_by=principal.subject,
        )  # fmt: skip
        await self._publish(payload, batch.org_id, now)
        batch.status = lifecycle.next_status(batch.status, BatchTrigger.confirm).value
        batch.confirmed_by, batch.confirmed_at, batch.updated_at = principal.subject, now, now
        await self.session.flush()

    # -- the order center's answers ---------------------------------------------------------

    async def order_created(self, source_ref: str, order_id: uuid.UUID, order_no: str) -> None:
        now = self.clock()
        if source_ref.startswith("batch:"):
            batch = await self._batch(uuid.UUID(source_ref.removeprefix("batch:")))
            if batch is None or not lifecycle.can(batch.status, BatchTrigger.order_created):
                return  # unknown, or already billed (a redelivery): nothing to do
            batch.status = lifecycle.next_status(batch.status, BatchTrigger.order_created).value
            batch.order_id, batch.order_no, batch.order_status = order_id, order_no, "created"
            batch.updated_at = now
            for item in batch.items:
                if item.result == "accepted":
                    request = await self._request(item.request_id)
                    record_step(request, Trigger.order_created, "orders", now, f"订单 {order_no}")
        elif source_ref.startswith("payout:"):
            payout = await self.session.get(
                PromoterPayout, uuid.UUID(source_ref.removeprefix("payout:"))
            )
            if payout is not None and payout.status == "requested":
                payout.status, payout.order_id, payout.order_no = "ordered", order_id, order_no
                payout.updated_at = now
        await self.session.flush()

    async def order_status_changed(self, order_id: uuid.UUID, to_status: str) -> None:
        now = self.clock()
        batch = (
            await self.session.execute(
                select(ReconciliationBatch).where(ReconciliationBatch.order_id == order_id)
            )
        ).scalar_one_or_none()
        if batch is not None:
            batch.order_status, batch.updated_at = to_status, now
            if to_status == "settled" and lifecycle.can(batch.status, BatchTrigger.order_settled):
                batch.status = lifecycle.next_status(batch.status, BatchTrigger.order_settled).value
                for item in batch.items:
                    if item.result == "accepted":
                        request = await self._request(item.request_id)
                        record_step(request, Trigger.order_settled, "orders", now, "保司已结算")
                await self._request_payouts(batch)
            await self.session.flush()
            return
        payout = (
            await self.session.execute(
                select(PromoterPayout).where(PromoterPayout.order_id == order_id)
            )
        ).scalar_one_or_none()
        if payout is not None and to_status == "settled" and payout.status == "ordered":
            payout.status, payout.updated_at = "paid", now
            await self.session.flush()

    async def order_rejected(self, source_ref: str, code: str, reason: str) -> None:
        now = self.clock()
        if source_ref.startswith("batch:"):
            batch = await self._batch(uuid.UUID(source_ref.removeprefix("batch:")))
            if batch is not None and lifecycle.can(batch.status, BatchTrigger.order_rejected):
                batch.status = lifecycle.next_status(
                    batch.status, BatchTrigger.order_rejected
                ).value
                batch.rejected_code, batch.rejected_reason, batch.updated_at = code, reason, now
        elif source_ref.startswith("payout:"):
            payout = await self.session.get(
                PromoterPayout, uuid.UUID(source_ref.removeprefix("payout:"))
            )
            if payout is not None and payout.status == "requested":
                payout.status, payout.rejected_reason, payout.updated_at = "rejected", reason, now
        await self.session.flush()

    async def _request_payouts(self, batch: ReconciliationBatch) -> None:
        """One payable order request per promoter, lines per request, by the explicit shares."""
        if batch.promoter_fee_fen == 0:
            return
        now = self.clock()
        per: dict[str, dict[str, Any]] = {}
        for item in batch.items:
            if item.result != "accepted":
                continue
            request = await self._request(item.request_id)
            if not request.payees:
                continue
            parts = split_fen(batch.promoter_fee_fen, [p.share_bp for p in request.payees])
            for payee, fen in zip(request.payees, parts, strict=True):
                entry = per.setdefault(payee.subject, {"name": payee.name, "lines": []})
                if fen:
                    entry["lines"].append(
                        {
                            "request_no": request.request_no,
                            "share_bp": payee.share_bp,
                            "amount_fen": fen,
                        }
                    )
        for subject, entry in sorted(per.items()):
            total = sum(line["amount_fen"] for line in entry["lines"])
            if total == 0:
                continue
            payout = PromoterPayout(
                id=uuid.uuid4(), batch_id=batch.id, subject=subject, name=entry["name"],
                amount_fen=total, lines=entry["lines"], source_ref="", status="requested",
                requested_at=now, updated_at=now,
            )  # fmt: skip
            payout.source_ref = payout_ref(payout.id)
            batch.payouts.append(payout)
            payload = OrderRequestSubmittedV1(
                source_service="risk", source_ref=payout.source_ref,
                source_no=f"{batch.batch_no}-{subject}"[:64],
                category=OrderCategory.promoter_payout, direction=OrderDirection.payable,
                customer_org_id=batch.org_id,
                counterparty=OrderRequestCounterparty(kind="person", id=subject, name=entry["name"]),
                seller=SellingEntity.technology_company, amount=Money.from_fen(total),
                lines=[
                    OrderRequestLine(
                        description=f"推广服务费 {line['request_no']}（份额 {line['share_bp'] / 100:.2f}%）",
                        quantity=Decimal(1), unit_price=Money.from_fen(line["amount_fen"]),
                        amount=Money.from_fen(line["amount_fen"]), ref=line["request_no"],
                    )
                    for line in entry["lines"]
                ],
                sign_date=now.astimezone(BUSINESS_TZ).date(), requested_by="risk",
            )  # fmt: skip
            await self._publish(payload, batch.org_id, now)
        if batch.payouts:
            batch.status = lifecycle.next_status(batch.status, BatchTrigger.payouts_requested).value

    async def _publish(self, payload: OrderRequestSubmittedV1, org: uuid.UUID, now: Any) -> None:
        event = new_event(EVENT, payload, producer="risk", aggregate_id=payload.source_ref,
                          org_id=org, occurred_at=now)  # fmt: skip
        await self.outbox.add(self.session, event)

    async def _batch(self, batch_id: uuid.UUID) -> ReconciliationBatch | None:
        query = select(ReconciliationBatch).where(ReconciliationBatch.id == batch_id)
        return (await self.session.execute(query.with_for_update())).scalar_one_or_none()

    async def _request(self, request_id: uuid.UUID) -> AssessmentRequest:
        request = await self.session.get(AssessmentRequest, request_id)
        assert request is not None
        return request


def _day_start(d: date) -> Any:
    from datetime import datetime, time

    return datetime.combine(d, time(), BUSINESS_TZ)


def _assessment_model() -> Any:
    from risk.assessments.models import Assessment

    return Assessment
