"""Recording orders as settlement items, and the account mapping they post to."""

from __future__ import annotations

import uuid

from finance.settlement.accrual import PLATFORM_BOOKS, accrue_payable, take_back_unpaid
from finance.settlement.models import AccountMapping, SettlementItem
from finance.settlement.repository import SettlementRepository
from finance.settlement.schemas import AccountMappingRead, SettlementItemRead
from servicekit.auth import Principal
from servicekit.clock import Clock, utc_now
from servicekit.errors import Forbidden, NotFound
from shared_schemas import (
    EventEnvelope,
    Money,
    OrderCategory,
    OrderCreatedV1,
    OrderDirection,
    OrderStatus,
    OrderStatusChangedV1,
    SettlementListCreatedV1,
    StaffEarningAccruedV1,
)


class AccountMappingMissing(Exception):
    """No ledger account for an order's category and direction: a configuration gap.

    The consumer retries, then dead-letters the event; after the mapping is added, replaying
    the dead letter records the order.
    """


class OrderNotRecorded(Exception):
    """A status change of an order finance has not recorded (its orders.order.created is in
    the dead letters, e.g. for a missing mapping): retried, then dead-lettered itself; replay
    it after the order's creation."""


class SettlementService:
    def __init__(self, repository: SettlementRepository, clock: Clock = utc_now) -> None:
        self.repo = repository
        self.clock = clock

    async def record_order(
        self, event: EventEnvelope[OrderCreatedV1], *, check_duplicate: bool = True
    ) -> None:
        """Record the order once. Without `check_duplicate` (inside a consumer batch) a repeat
        fails on the primary key and the consumer redoes the event alone, with the check."""
        order = event.payload
        if check_duplicate and await self.repo.item(order.order_id) is not None:
            return  # already recorded (e.g. the same order re-announced)
        account_code = await self.repo.cached_account_code(
            order.category.value, order.direction.value
        )
        if account_code is None:
            raise AccountMappingMissing(
                f"no account mapped for {order.direction.value} {order.category.value} orders"
            )
        self.repo.add(
            SettlementItem(
                order_id=order.order_id,
                order_no=order.order_no,
                customer_org_id=order.customer_org_id,
                category=order.category.value,
                direction=order.direction.value,
                amount_fen=order.amount.fen,
                outstanding_fen=order.amount.fen,
                invoice_pending_fen=0,
                invoiced_fen=0,
                account_code=account_code,
                source_event_id=event.event_id,
                recorded_at=self.clock(),
            )
        )

    async def follow_status(self, event: EventEnvelope[OrderStatusChangedV1]) -> None:
        """A payable order's confirmation accrues it; its cancellation takes back what is
        unpaid (finance.settlement.accrual). Other steps change nothing here."""
        change = event.payload
        if change.to_status not in (OrderStatus.reconciled, OrderStatus.cancelled):
            return
        item = await self.repo.item(change.order_id)
        if item is None:
            raise OrderNotRecorded(f"order {change.order_no} is not recorded in finance")
        if item.direction != OrderDirection.payable.value:
            return
        actor = f"orders:{change.changed_by}"
        if change.to_status == OrderStatus.reconciled:
            await accrue_payable(
                self.repo.session, item, legal_entity=PLATFORM_BOOKS, actor=actor,
                clock=self.clock,
            )  # fmt: skip
        else:
            await take_back_unpaid(self.repo.session, item, actor=actor, clock=self.clock)

    async def record_billing_order(
        self, event: EventEnvelope[SettlementListCreatedV1]
    ) -> SettlementItem:
        """The settlement list's receivable (billing) order: recorded now from the list if its
        orders.order.created has not arrived yet (it then finds the item and is skipped)."""
        listed = event.payload
        item = await self.repo.item(listed.order_id)
        if item is not None:
            return item
        direction = OrderDirection.receivable
        account_code = await self.repo.cached_account_code(listed.category.value, direction.value)
        if account_code is None:
            raise AccountMappingMissing(
                f"no account mapped for {direction.value} {listed.category.value} orders"
            )
        item = SettlementItem(
            order_id=listed.order_id,
            order_no=listed.order_no,
            customer_org_id=listed.customer_org_id,
            category=listed.category.value,
            direction=direction.value,
            amount_fen=listed.amount.fen,
            outstanding_fen=listed.amount.fen,
            invoice_pending_fen=0,
            invoiced_fen=0,
            account_code=account_code,
            source_event_id=event.event_id,
            recorded_at=self.clock(),
        )
        self.repo.add(item)
        await self.repo.session.flush()
        return item

    async def record_staff_order(
        self, event: EventEnvelope[StaffEarningAccruedV1]
    ) -> SettlementItem:
        """A service staff member's payable order named by valueadd: recorded now from the
        event if its orders.order.created has not arrived yet (another topic; it then finds
        the item and is skipped)."""
        earned = event.payload
        item = await self.repo.item(earned.order_id)
        if item is not None:
            return item
        direction = OrderDirection.payable
        account_code = await self.repo.cached_account_code(earned.category.value, direction.value)
        if account_code is None:
            raise AccountMappingMissing(
                f"no account mapped for {direction.value} {earned.category.value} orders"
            )
        item = SettlementItem(
            order_id=earned.order_id,
            order_no=earned.order_no,
            customer_org_id=earned.customer_org_id,
            category=earned.category.value,
            direction=direction.value,
            amount_fen=earned.amount.fen,
            outstanding_fen=earned.amount.fen,
            invoice_pending_fen=0,
            invoiced_fen=0,
            account_code=account_code,
            source_event_id=event.event_id,
            recorded_at=self.clock(),
        )
        self.repo.add(item)
        await self.repo.session.flush()
        return item

    async def get_item(self, order_id: uuid.UUID, principal: Principal) -> SettlementItemRead:
        item = await self.repo.visible_item(order_id, principal)
        if item is None:
            raise NotFound(
                f"Finance has no settlement item for order {order_id} that you may see.",
                code="settlement_item_not_found",
            )
        return SettlementItemRead(
            order_id=item.order_id,
            order_no=item.order_no,
            customer_org_id=item.customer_org_id,
            category=OrderCategory(item.category),
            direction=OrderDirection(item.direction),
            amount=Money.from_fen(item.amount_fen).amount,
            outstanding=Money.from_fen(item.outstanding_fen).amount,
            invoiced=Money.from_fen(item.invoiced_fen).amount,
            invoice_pending=Money.from_fen(item.invoice_pending_fen).amount,
            uninvoiced=Money.from_fen(
                item.amount_fen - item.invoiced_fen - item.invoice_pending_fen
            ).amount,
            account_code=item.account_code,
            recorded_at=item.recorded_at,
        )

    async def list_mappings(self) -> list[AccountMappingRead]:
        return [AccountMappingRead.model_validate(m) for m in await self.repo.mappings()]

    async def set_mapping(
        self,
        category: OrderCategory,
        direction: OrderDirection,
        account_code: str,
        principal: Principal,
    ) -> AccountMappingRead:
        # One mapping serves every institution's orders: an institution's clerk holding
        # finance.ledger.configure must not re-point another's postings.
        if not principal.platform_operator:
            raise Forbidden(
                "Account mappings are kept by the platform's finance staff.",
                code="operators_only",
            )
        now = self.clock()
        mapping = await self.repo.mapping(category.value, direction.value)
        if mapping is None:
            mapping = AccountMapping(category=category.value, direction=direction.value)
            self.repo.add(mapping)
        mapping.account_code = account_code
        mapping.updated_by = principal.subject
        mapping.updated_at = now
        await self.repo.session.flush()
        return AccountMappingRead.model_validate(mapping)
