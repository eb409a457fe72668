"""Order requests into orders: each request of a consumer batch is checked against the order
center's rules and the order API's own schema (`OrderCreate`), the acceptable ones are created
together through `OrderService.create_many` — the REST path's rules, rows and events — and
every request is recorded with its outcome. A request that cannot be accepted is recorded as
rejected and answered with `orders.order_request.rejected`; no business reason raises, so none
is retried or dead-lettered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from orders.intake.models import OrderRequest, RequestOutcome
from orders.intake.repository import OrderRequestRepository
from orders.intake.rules import refusal
from orders.order.repository import OrderRepository
from orders.order.schemas import OrderCreate
from orders.order.service import PRODUCER, OrderService, Origin
from servicekit.auth import Principal
from servicekit.clock import Clock, utc_now
from servicekit.errors import ProblemError
from servicekit.messaging import Outbox
from shared_schemas import (
    EventEnvelope,
    OrderRequestRejectedV1,
    OrderRequestSubmittedV1,
    new_event,
)

#: Who creates orders from requests, as far as the order API's visibility rule is concerned:
#: a business service's request is not limited to one caller's institutions (the service
#: scoped its own record); the rules here and in `rules.py` decide instead.
INTAKE = Principal(
    subject="orders-intake",
    org_id=None,
    org_type=None,
    functions=frozenset({"orders.order.create"}),
    entry="orders",
    platform_operator=True,
)

_MAX_REASON = 1000


@dataclass(frozen=True)
class _Refused(Exception):
    code: str
    reason: str


class OrderRequestService:
    def __init__(self, orders: OrderRepository, outbox: Outbox, clock: Clock = utc_now) -> None:
        self.orders = OrderService(orders, outbox, clock)
        self.requests = OrderRequestRepository(orders.session)
        self.outbox = outbox
        self.clock = clock

    async def receive(
        self, events: Sequence[EventEnvelope[OrderRequestSubmittedV1]]
    ) -> list[OrderRequest]:
        """Handle a batch of requests (partition order) in the caller's transaction; returns
        the recorded rows, one per event, in order."""
        now = self.clock()
        outcomes: list[tuple[str, str | None, str | None]] = [("", None, None)] * len(events)
        todo: list[int] = []
        batch: list[OrderCreate] = []
        origins: list[Origin] = []
        for i, event in enumerate(events):
            try:
                batch.append(self._order_create(event))
            except _Refused as refused:
                outcomes[i] = (RequestOutcome.rejected, refused.code, refused.reason)
                continue
            todo.append(i)
            origins.append(_origin(event))
        results = await self.orders.create_many(batch, INTAKE, origins) if batch else []
        for i, result in zip(todo, results, strict=True):
            if result == "created":
                outcomes[i] = (RequestOutcome.created, None, None)
            elif result == "skipped":
                outcomes[i] = (RequestOutcome.repeated, None, None)
            else:
                assert isinstance(result, ProblemError)
                kind = (
                    RequestOutcome.conflict
                    if result.code == "source_ref_reused"
                    else RequestOutcome.rejected
                )
                outcomes[i] = (kind, result.code, result.detail)
        made = await self.orders.repo.by_sources(
            [(events[i].payload.source_service, events[i].payload.source_ref) for i in todo]
        )
        rows = []
        for event, (outcome, code, reason) in zip(events, outcomes, strict=True):
            p = event.payload
            order = made.get((p.source_service, p.source_ref))
            if outcome == RequestOutcome.rejected:
                order = None
            row = OrderRequest(
                event_id=event.event_id,
                event_type=event.event_type,
                source_service=p.source_service,
                source_ref=p.source_ref,
                source_no=p.source_no,
                category=p.category.value,
                direction=p.direction.value,
                customer_org_id=p.customer_org_id,
                amount_fen=p.amount.fen,
                requested_by=p.requested_by,
                requested_at=event.occurred_at,
                received_at=now,
                outcome=outcome,
                order_id=order.id if order else None,
                order_no=order.order_no if order else None,
                code=code,
                reason=reason[:_MAX_REASON] if reason else None,
            )
            rows.append(row)
            if code is not None:
                await self.outbox.add(self.orders.repo.session, self._rejected(event, row))
        self.requests.add(rows)
        await self.requests.save()
        return rows

    @staticmethod
    def _order_create(event: EventEnvelope[OrderRequestSubmittedV1]) -> OrderCreate:
        """The request as the order API's body, validated by the same schema; _Refused with a
        stable code when the order center cannot accept it."""
        p = event.payload
        expected = f"{p.source_service}.order_request.submitted"
        if event.event_type != expected:
            raise _Refused(
                "source_service_mismatch",
                f"a request from {p.source_service} must travel as {expected}, "
                f"not {event.event_type}",
            )
        refused = refusal(p.source_service, p.category, p.direction)
        if refused is not None:
            raise _Refused(*refused)
        body: dict[str, Any] = {
            "category": p.category,
            "direction": p.direction,
            "customer_org_id": p.customer_org_id,
            "amount": p.amount.amount,
            "source_service": p.source_service,
            "source_ref": p.source_ref,
            "sign_date": p.sign_date,
            "counterparty": (
                {"name": p.counterparty.name, "id": p.counterparty.id} if p.counterparty else None
            ),
            "seller": p.seller,
            "tax_rate": p.tax_rate,
            "lines": (
                [
                    {
                        "description": line.description,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price.amount,
                        "amount": line.amount.amount,
                    }
                    for line in p.lines
                ]
                if p.lines
                else None
            ),
            "extension": p.extension,
        }
        try:
            return OrderCreate.model_validate(body)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            code = (
                "extension_invalid"
                if any(e["loc"][:1] == ("extension",) for e in errors)
                else "request_invalid"
            )
            reason = "; ".join(
                f"{'.'.join(str(part) for part in e['loc']) or 'request'}: {e['msg']}"
                for e in errors
            )
            raise _Refused(code, reason) from None

    def _rejected(
        self, event: EventEnvelope[OrderRequestSubmittedV1], row: OrderRequest
    ) -> EventEnvelope[OrderRequestRejectedV1]:
        assert row.code is not None and row.reason is not None
        reason = row.reason
        if row.outcome == RequestOutcome.conflict and row.order_no:
            reason = f"{reason} (order {row.order_no} made first stands)"[:_MAX_REASON]
        return new_event(
            "orders.order_request.rejected",
            OrderRequestRejectedV1(
                source_service=row.source_service,
                source_ref=row.source_ref,
                code=row.code,
                reason=reason,
            ),
            producer=PRODUCER,
            # Keyed by the request's reference, so the answers to one source record stay in
            # order (as its requests are keyed on the producer's topic).
            aggregate_id=row.source_ref,
            org_id=row.customer_org_id,
            correlation_id=event.correlation_id or str(event.event_id),
            causation_id=str(event.event_id),
            occurred_at=row.received_at,
        )


def _origin(event: EventEnvelope[OrderRequestSubmittedV1]) -> Origin:
    p = event.payload
    return Origin(
        by=p.requested_by,
        by_name=None,
        cause=str(event.event_id),
        note=f"order request from {p.source_service} ({p.source_no or p.source_ref})",
        correlation_id=event.correlation_id or str(event.event_id),
        causation_id=str(event.event_id),
    )
