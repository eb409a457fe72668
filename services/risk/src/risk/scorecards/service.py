"""Scorecard versions: drafts edited, compared with the live version on past requests
(what-if), published. Writes are the platform's (operators); everyone entitled may read."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from risk.assessments.repository import AssessmentRepository
from risk.common import BUSINESS_TZ
from risk.scorecards.definition import ScorecardDefinition
from risk.scorecards.engine import evaluate
from risk.scorecards.models import Scorecard, ScorecardStatus
from risk.scorecards.repository import ScorecardRepository
from risk.scorecards.schemas import (
    GradeShift,
    ScorecardCreate,
    ScorecardRead,
    ScorecardUpdate,
    WhatIfRead,
)
from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.errors import Conflict, Forbidden, NotFound

STATUS_ZH = {ScorecardStatus.draft: "草稿", ScorecardStatus.published: "已发布"}


class ScorecardNotFound(NotFound):
    code = "scorecard_not_found"


class ScorecardPublished(Conflict):
    code = "scorecard_published"


class WhatIfRequired(Conflict):
    code = "what_if_required"


def _operator_only(principal: Principal) -> None:
    if not principal.platform_operator:
        raise Forbidden(
            "Scorecards are maintained by the platform's operators.", code="platform_operator_only"
        )


def definition_of(card: Scorecard) -> ScorecardDefinition:
    return ScorecardDefinition.model_validate(card.definition)


def read(card: Scorecard, live_id: uuid.UUID | None = None) -> ScorecardRead:
    out = ScorecardRead.model_validate(card)
    out.status_label = STATUS_ZH[ScorecardStatus(card.status)]
    out.live = card.id == live_id
    return out


class ScorecardService:
    def __init__(
        self, repo: ScorecardRepository, assessments: AssessmentRepository, clock: Clock
    ) -> None:
        self.repo = repo
        self.assessments = assessments
        self.clock = clock

    def today(self) -> date:
        return self.clock().astimezone(BUSINESS_TZ).date()

    async def live(self, code: str) -> Scorecard | None:
        return await self.repo.live(code, self.today())

    async def list(self, code: str | None) -> list[ScorecardRead]:
        cards = await self.repo.all(code)
        live_ids = {}
        for c in {c.code for c in cards}:
            live = await self.live(c)
            live_ids[c] = live.id if live else None
        return [read(c, live_ids.get(c.code)) for c in cards]

    async def get(self, card_id: uuid.UUID) -> Scorecard:
        card = await self.repo.get(card_id)
        if card is None:
            raise ScorecardNotFound(f"No scorecard {card_id}.")
        return card

    async def read_one(self, card_id: uuid.UUID) -> ScorecardRead:
        card = await self.get(card_id)
        live = await self.live(card.code)
        return read(card, live.id if live else None)

    async def create(self, data: ScorecardCreate, principal: Principal) -> ScorecardRead:
        _operator_only(principal)
        if data.definition is not None:
            definition = data.definition.model_dump(mode="json")
        elif data.based_on is not None:
            definition = (await self.get(data.based_on)).definition
        else:
            from servicekit.errors import Unprocessable

            raise Unprocessable(
                "Give the definition or the version it is based on.",
                code="definition_required",
                errors=[{"field": "body.definition", "code": "missing", "message": "required"}],
            )
        now = self.clock()
        card = Scorecard(
            id=uuid.uuid4(),
            code=data.code,
            version=await self.repo.next_version(data.code),
            name=data.name,
            status=ScorecardStatus.draft.value,
            effective_from=data.effective_from,
            definition=definition,
            note=data.note,
            created_by=principal.subject,
            created_at=now,
            updated_by=principal.subject,
            updated_at=now,
        )
        self.repo.add(card)
        await self.repo.flush()
        return read(card)

    async def update(
        self, card_id: uuid.UUID, data: ScorecardUpdate, principal: Principal
    ) -> ScorecardRead:
        _operator_only(principal)
        card = await self._draft(card_id)
        if data.name is not None:
            card.name = data.name
        if data.effective_from is not None:
            card.effective_from = data.effective_from
        if data.note is not None:
            card.note = data.note
        if data.definition is not None:
            card.definition = data.definition.model_dump(mode="json")
            card.what_if = None  # compared against the old text: compare again
        card.updated_by = principal.subject
        card.updated_at = self.clock()
        await self.repo.flush()
        return read(card)

    async def what_if(
        self, card_id: uuid.UUID, principal: Principal, limit: int, org_id: uuid.UUID | None
    ) -> WhatIfRead:
        card = await self.get(card_id)
        live = await self.live(card.code)
        snapshots = await self.assessments.latest_snapshots(principal, limit, org_id)
        result = compare(definition_of(card), definition_of(live) if live else None, snapshots)
        out = WhatIfRead(
            draft_version=card.version,
            live_version=live.version if live else None,
            at=self.clock(),
            by=principal.subject,
            org_id=org_id,
            **result,
        )
        if card.status == ScorecardStatus.draft.value:
            card.what_if = out.model_dump(mode="json")
            await self.repo.flush()
        return out

    async def publish(self, card_id: uuid.UUID, principal: Principal) -> ScorecardRead:
        _operator_only(principal)
        card = await self._draft(card_id)
        if card.what_if is None:
            raise WhatIfRequired(
                f"Compare version {card.version} with the live version on past requests "
                "(POST …/what-if) before publishing it."
            )
        if card.effective_from < self.today():
            from servicekit.errors import Unprocessable

            raise Unprocessable(
                "A version cannot take effect in the past: stored assessments keep theirs.",
                code="effective_in_past",
                errors=[{"field": "effective_from", "code": "in_past",
                         "message": str(card.effective_from)}],
            )  # fmt: skip
        now = self.clock()
        card.status = ScorecardStatus.published.value
        card.published_by = principal.subject
        card.published_at = now
        card.updated_by = principal.subject
        card.updated_at = now
        await self.repo.flush()
        live = await self.live(card.code)
        return read(card, live.id if live else None)

    async def _draft(self, card_id: uuid.UUID) -> Scorecard:
        card = await self.repo.get_for_update(card_id)
        if card is None:
            raise ScorecardNotFound(f"No scorecard {card_id}.")
        if card.status != ScorecardStatus.draft.value:
            raise ScorecardPublished(
                f"Version {card.version} is published and never changes; make a new version."
            )
        return card


def compare(
    draft: ScorecardDefinition,
    live: ScorecardDefinition | None,
    snapshots: Sequence[tuple[str, dict[str, Any]]],
) -> dict[str, Any]:
    """How many past requests would change grade or decision under the draft."""
    shifts: Counter[tuple[str | None, str]] = Counter()
    grade_changed = decision_changed = 0
    examples: list[str] = []
    for request_no, facts in snapshots:
        new = evaluate(draft, facts)
        old = evaluate(live, facts) if live else None
        shifts[(old.grade if old else None, new.grade)] += 1
        if old is None or old.grade != new.grade:
            grade_changed += 1
            if len(examples) < 20:
                examples.append(request_no)
        if old is None or old.decision != new.decision:
            decision_changed += 1
    return {
        "compared": len(snapshots),
        "grade_changed": grade_changed,
        "decision_changed": decision_changed,
        "shifts": [
            GradeShift(from_grade=f, to_grade=t, count=n)
            for (f, t), n in sorted(shifts.items(), key=lambda kv: (kv[0][0] or "", kv[0][1]))
        ],
        "examples": examples,
    }
