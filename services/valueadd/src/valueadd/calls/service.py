"""拨打记录: the provider's pushes stored once per session id and priced by the insurer's rate
card; rate cards versioned per (maker, insurer)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.db import serialize_writers
from servicekit.errors import Forbidden
from valueadd.calls.errors import BindingUnknown, CallEndsBeforeStart
from valueadd.calls.models import CallRecord, RateCard, billable
from valueadd.calls.repository import CallRepository
from valueadd.calls.schemas import CallPage, CallPush, CallRead, RateCardCreate, RateCardRead
from valueadd.common.money import from_fen, to_fen
from valueadd.common.types import BUSINESS_TZ, business_day
from valueadd.plates.codes import mask_mobile


class CallService:
    def __init__(self, repo: CallRepository, clock: Clock) -> None:
        self.repo = repo
        self.clock = clock

    async def create_card(self, data: RateCardCreate, principal: Principal) -> RateCardRead:
        if principal.org_id is None:
            raise Forbidden("Rate cards belong to an institution.", code="forbidden")
        await serialize_writers(self.repo.session)
        version = await self.repo.last_version(principal.org_id, data.insurer_org_id) + 1
        card = RateCard(
            id=uuid.uuid4(), org_id=principal.org_id, insurer_org_id=data.insurer_org_id,
            version=version, effective_from=data.effective_from, free_seconds=data.free_seconds,
            unit_seconds=data.unit_seconds, unit_price_fen=to_fen(data.unit_price),
            created_by=principal.subject, created_at=self.clock(),
        )  # fmt: skip
        self.repo.add(card)
        await self.repo.flush()
        return _card(card)

    async def cards(
        self, principal: Principal, insurer_org_id: uuid.UUID | None
    ) -> list[RateCardRead]:
        return [_card(c) for c in await self.repo.cards(principal, insurer_org_id)]

    async def push(self, data: CallPush, principal: Principal) -> tuple[CallRead, bool]:
        """(the record, True) when stored now; (the record, False) when pushed before."""
        if data.ended_at < data.started_at:
            raise CallEndsBeforeStart()
        found = await self.repo.binding(data.provider, data.binding_id)
        if found is None or not principal.may_see_org(found[1].org_id):
            raise BindingUnknown()
        binding, plate = found
        duration = int((data.ended_at - data.started_at).total_seconds())
        card = await self.repo.card_in_force(
            plate.org_id, plate.insurer_org_id, business_day(data.started_at)
        )
        seconds, units = (
            billable(duration, card.free_seconds, card.unit_seconds) if card else (0, 0)
        )
        stored = await self.repo.insert_once(
            {
                "id": uuid.uuid4(), "provider": data.provider, "session_id": data.session_id,
                "binding_id": binding.binding_id, "plate_id": plate.id, "org_id": plate.org_id,
                "insurer_org_id": plate.insurer_org_id, "caller_number": data.caller_number,
                "virtual_number": data.virtual_number, "started_at": data.started_at,
                "ended_at": data.ended_at, "duration_seconds": duration,
                "billable_seconds": seconds,
                "fee_fen": units * card.unit_price_fen if card else 0,
                "rate_card_id": card.id if card else None, "received_by": principal.subject,
                "received_at": self.clock(),
            }
        )  # fmt: skip
        record = await self.repo.record(data.provider, data.session_id)
        assert record is not None
        used = (
            await self.repo.session.get(RateCard, record.rate_card_id)
            if record.rate_card_id
            else None
        )
        return _call(record, plate.plate_no, used.version if used else None), stored

    async def calls(
        self, principal: Principal, *, plate_no: str | None, insurer_org_id: uuid.UUID | None,
        date_from: date | None, date_to: date | None, limit: int, offset: int,
    ) -> CallPage:  # fmt: skip
        rows, total, seconds, fee = await self.repo.calls(
            principal, plate_no=plate_no, insurer_org_id=insurer_org_id,
            since=_start(date_from), until=_start(date_to, 1), limit=limit, offset=offset,
        )  # fmt: skip
        return CallPage(
            items=[_call(r, no, version) for r, no, version in rows], total=total,
            billable_seconds=seconds, fee=from_fen(fee),
        )  # fmt: skip


def _start(day: date | None, plus: int = 0) -> datetime | None:
    """The instant a Shanghai day begins (date_to is inclusive: the next day's start)."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=plus), time(), BUSINESS_TZ)


def _card(c: RateCard) -> RateCardRead:
    return RateCardRead(
        id=c.id, insurer_org_id=c.insurer_org_id, version=c.version,
        effective_from=c.effective_from, free_seconds=c.free_seconds,
        unit_seconds=c.unit_seconds, unit_price=from_fen(c.unit_price_fen),
        created_by=c.created_by, created_at=c.created_at,
    )  # fmt: skip


def _call(r: CallRecord, plate_no: str, version: int | None) -> CallRead:
    return CallRead(
        id=r.id, provider=r.provider, session_id=r.session_id, plate_no=plate_no,
        caller_number=mask_mobile(r.caller_number) or "", virtual_number=r.virtual_number,
        started_at=r.started_at, ended_at=r.ended_at, duration_seconds=r.duration_seconds,
        billable_seconds=r.billable_seconds, fee=from_fen(r.fee_fen),
        rate_card_version=version, received_at=r.received_at,
    )  # fmt: skip
