"""Automatic assessment and manual override. Every assessment is a new row; the request
follows its latest one through the life cycle's table."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from risk.assessments.facts import snapshot
from risk.assessments.models import Assessment
from risk.assessments.repository import AssessmentRepository
from risk.assessments.schemas import AssessmentRead, OverrideCreate
from risk.common import BUSINESS_TZ
from risk.requests import lifecycle
from risk.requests.lifecycle import Trigger
from risk.requests.models import AssessmentRequest
from risk.scorecards.definition import DECISION_ZH, Decision, ScorecardDefinition
from risk.scorecards.engine import evaluate
from risk.scorecards.repository import ScorecardRepository
from risk.scorecards.schemas import DEFAULT_CODE
from servicekit.clock import Clock
from servicekit.errors import Conflict, NotFound

KIND_ZH = {"automatic": "自动评估", "override": "人工改判"}
_BY_DECISION = {
    Decision.accept: Trigger.assessed_accept,
    Decision.review: Trigger.assessed_review,
    Decision.decline: Trigger.assessed_decline,
}


class NoLiveScorecard(Conflict):
    code = "no_live_scorecard"


class AssessmentNotFound(NotFound):
    code = "assessment_not_found"


def read(a: Assessment) -> AssessmentRead:
    out = AssessmentRead.model_validate(a)
    out.kind_label = KIND_ZH[a.kind]
    out.decision_label = DECISION_ZH[Decision(a.decision)]
    return out


def record_step(
    request: AssessmentRequest, trigger: Trigger, by: str, at: object, note: str | None = None
) -> None:
    """Moves the request by the transition table and writes the step to its trajectory."""
    from risk.requests.models import RequestStatusChange

    target = lifecycle.next_status(request.status, trigger)
    request.changes.append(
        RequestStatusChange(
            seq=len(request.changes) + 1,
            from_status=request.status,
            to_status=target.value,
            trigger=trigger.value,
            by=by,
            at=at,
            note=note,
        )
    )
    request.status = target.value
    request.updated_at = at  # type: ignore[assignment]


class AssessmentService:
    def __init__(
        self,
        repo: AssessmentRepository,
        scorecards: ScorecardRepository,
        clock: Clock,
        scorecard_code: str = DEFAULT_CODE,
    ) -> None:
        self.repo = repo
        self.scorecards = scorecards
        self.clock = clock
        self.scorecard_code = scorecard_code

    async def assess(
        self, request: AssessmentRequest, by: str, *, required: bool = True
    ) -> Assessment | None:
        """Assesses with the version live today; None (or 409 when required) without one."""
        now = self.clock()
        today = now.astimezone(BUSINESS_TZ).date()
        card = await self.scorecards.live(self.scorecard_code, today)
        if card is None:
            if required:
                raise NoLiveScorecard("No scorecard version is published and in force today.")
            return None
        facts = snapshot(request, today)
        result = evaluate(ScorecardDefinition.model_validate(card.definition), facts)
        seq = await self.repo.next_seq(request.id)
        assessment = Assessment(
            id=uuid.uuid4(),
            assessment_no=f"{request.request_no}-{seq:02d}",
            request_id=request.id,
            seq=seq,
            org_id=request.org_id,
            insurer_code=request.insurer_code,
            kind="automatic",
            scorecard_id=card.id,
            scorecard_code=card.code,
            scorecard_version=card.version,
            input_snapshot=facts,
            contributions=[c.as_json() for c in result.contributions],
            hard_stops=list(result.hard_stops),
            review_triggers=list(result.review_triggers),
            total_points=str(result.total),
            grade=result.grade,
            decision=result.decision.value,
            assessed_by=by,
            assessed_at=now,
        )
        self._follow(request, assessment, by, f"评分卡 {card.code} v{card.version}")
        return assessment

    async def override(
        self, request: AssessmentRequest, data: OverrideCreate, by: str
    ) -> Assessment:
        latest = (
            (await self.repo.by_ids([request.latest_assessment_id])).get(
                request.latest_assessment_id
            )
            if request.latest_assessment_id
            else None
        )
        if latest is None:
            raise Conflict(
                f"Request {request.request_no} has no assessment to override yet.",
                code="nothing_to_override",
            )
        now = self.clock()
        seq = await self.repo.next_seq(request.id)
        assessment = Assessment(
            id=uuid.uuid4(),
            assessment_no=f"{request.request_no}-{seq:02d}",
            request_id=request.id,
            seq=seq,
            org_id=request.org_id,
            insurer_code=request.insurer_code,
            kind="override",
            scorecard_id=latest.scorecard_id,
            scorecard_code=latest.scorecard_code,
            scorecard_version=latest.scorecard_version,
            input_snapshot=latest.input_snapshot,
            contributions=latest.contributions,
            hard_stops=latest.hard_stops,
            review_triggers=latest.review_triggers,
            total_points=latest.total_points,
            grade=data.grade,
            decision=data.decision.value,
            overrides_id=latest.id,
            reason=data.reason,
            grade_before=latest.grade,
            decision_before=latest.decision,
            assessed_by=by,
            assessed_at=now,
        )
        self._follow(request, assessment, by, f"人工改判：{data.reason}")
        return assessment

    def _follow(self, request: AssessmentRequest, a: Assessment, by: str, note: str) -> None:
        record_step(request, _BY_DECISION[Decision(a.decision)], by, a.assessed_at, note)
        self.repo.add(a)
        request.latest_assessment_id = a.id
        request.latest_grade = a.grade
        request.latest_decision = a.decision

    async def history(self, request_id: uuid.UUID) -> Sequence[Assessment]:
        return await self.repo.of_request(request_id)
