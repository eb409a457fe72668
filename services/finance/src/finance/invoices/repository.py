"""All SQL of the invoice module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from finance.invoices.models import (
    BuyerProfile,
    Invoice,
    InvoiceApplication,
    InvoiceApplicationLine,
    InvoiceNumberCounter,
)
from finance.settlement.models import SettlementItem
from servicekit.auth import Principal, scoped
from servicekit.db import serialize_writers


class InvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- orders (settlement items) ------------------------------------------------------------

    async def lock_items(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, SettlementItem]:
        """The orders' settlement items, row-locked in id order until the transaction ends
        (PostgreSQL; on SQLite the database's write lock), so two applications for the same
        order cannot both take its remainder."""
        await serialize_writers(self.session)
        query = (
            select(SettlementItem)
            .where(SettlementItem.order_id.in_(sorted(set(order_ids))))
            .order_by(SettlementItem.order_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {i.order_id: i for i in (await self.session.execute(query)).scalars().all()}

    async def item(self, order_id: uuid.UUID) -> SettlementItem | None:
        return await self.session.get(SettlementItem, order_id)

    # -- buyers -------------------------------------------------------------------------------

    async def buyer(self, customer_org_id: uuid.UUID) -> BuyerProfile | None:
        return await self.session.get(BuyerProfile, customer_org_id)

    async def buyers(self, principal: Principal) -> Sequence[BuyerProfile]:
        query = scoped(select(BuyerProfile), BuyerProfile.customer_org_id, principal)
        return (await self.session.execute(query.order_by(BuyerProfile.name))).scalars().all()

    # -- applications -------------------------------------------------------------------------

    def _application(self) -> Select[Any]:
        return select(InvoiceApplication).options(selectinload(InvoiceApplication.lines))

    async def application(
        self, application_id: uuid.UUID, principal: Principal | None = None, *, lock: bool = False
    ) -> InvoiceApplication | None:
        query = self._application().where(InvoiceApplication.id == application_id)
        if principal is not None:
            query = scoped(query, InvoiceApplication.customer_org_id, principal)
        if lock:
            query = query.with_for_update(of=InvoiceApplication).execution_options(
                populate_existing=True
            )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def application_for_list(
        self, settlement_list_id: uuid.UUID
    ) -> InvoiceApplication | None:
        query = self._application().where(
            InvoiceApplication.settlement_list_id == settlement_list_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def applications(
        self,
        principal: Principal,
        *,
        customer_org_id: uuid.UUID | None,
        status: str | None,
        order_id: uuid.UUID | None,
        limit: int,
        offset: int,
        number: str | None = None,
    ) -> Sequence[InvoiceApplication]:
        query = scoped(self._application(), InvoiceApplication.customer_org_id, principal)
        if customer_org_id is not None:
            query = query.where(InvoiceApplication.customer_org_id == customer_org_id)
        if status is not None:
            query = query.where(InvoiceApplication.status == status)
        if order_id is not None:
            query = query.where(
                InvoiceApplication.id.in_(
                    select(InvoiceApplicationLine.application_id).where(
                        InvoiceApplicationLine.order_id == order_id
                    )
                )
            )
        if number is not None:  # what a clerk types: the application's, an invoice's or an order's
            on_lines = select(InvoiceApplicationLine.application_id).where(
                InvoiceApplicationLine.order_id.in_(
                    select(SettlementItem.order_id).where(SettlementItem.order_no == number)
                )
            )
            invoiced = select(Invoice.application_id).where(Invoice.invoice_no == number)
            query = query.where(
                (InvoiceApplication.application_no == number)
                | InvoiceApplication.id.in_(invoiced)
                | InvoiceApplication.id.in_(on_lines)
            )
        # Newest first; numbers rise within a day, so they order applications made in one instant.
        query = query.order_by(
            InvoiceApplication.applied_at.desc(), InvoiceApplication.application_no.desc()
        )
        return (await self.session.execute(query.limit(limit).offset(offset))).scalars().all()

    async def next_application_number(self, day: str) -> int:
        bump = (
            update(InvoiceNumberCounter)
            .where(InvoiceNumberCounter.day == day)
            .values(last=InvoiceNumberCounter.last + 1)
            .returning(InvoiceNumberCounter.last)
        )
        value = (await self.session.execute(bump)).scalar_one_or_none()
        if value is not None:
            return int(value)
        try:
            async with self.session.begin_nested():
                await self.session.execute(insert(InvoiceNumberCounter).values(day=day, last=1))
            return 1
        except IntegrityError:  # another transaction created today's row first
            return int((await self.session.execute(bump)).scalar_one())

    # -- invoices -----------------------------------------------------------------------------

    def _invoice(self) -> Select[Any]:
        return select(Invoice).options(selectinload(Invoice.shares))

    async def invoices_of(self, application_ids: Sequence[uuid.UUID]) -> Sequence[Invoice]:
        query = (
            self._invoice()
            .where(Invoice.application_id.in_(application_ids))
            .order_by(Invoice.issued_at, Invoice.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def invoice(
        self, invoice_id: uuid.UUID, principal: Principal | None = None, *, lock: bool = False
    ) -> Invoice | None:
        query = self._invoice().where(Invoice.id == invoice_id)
        if principal is not None:
            query = scoped(query, Invoice.customer_org_id, principal)
        if lock:
            query = query.with_for_update(of=Invoice).execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def invoice_by_no(self, invoice_no: str) -> Invoice | None:
        query = self._invoice().where(Invoice.invoice_no == invoice_no)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def red_letters_of(self, invoice_id: uuid.UUID) -> Sequence[Invoice]:
        query = self._invoice().where(Invoice.original_invoice_id == invoice_id)
        return (await self.session.execute(query)).scalars().all()

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)

    async def flush(self) -> None:
        await self.session.flush()
