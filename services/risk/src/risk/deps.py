"""Services as request dependencies: the request's session and the app's clock."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from risk.assessments.repository import AssessmentRepository
from risk.assessments.service import AssessmentService
from risk.common import AppClock
from risk.requests.repository import RequestRepository
from risk.requests.service import RequestService
from risk.scorecards.repository import ScorecardRepository
from risk.scorecards.service import ScorecardService
from servicekit.app import DbSession


def _assessments(session: DbSession, clock: AppClock, request: Request) -> AssessmentService:
    return AssessmentService(
        AssessmentRepository(session),
        ScorecardRepository(session),
        clock,
        request.app.state.settings.scorecard_code,
    )


def _requests(
    session: DbSession,
    clock: AppClock,
    assessments: Annotated[AssessmentService, Depends(_assessments)],
) -> RequestService:
    return RequestService(RequestRepository(session), assessments, clock)


def _scorecards(session: DbSession, clock: AppClock) -> ScorecardService:
    return ScorecardService(ScorecardRepository(session), AssessmentRepository(session), clock)


Assessments = Annotated[AssessmentService, Depends(_assessments)]
Requests = Annotated[RequestService, Depends(_requests)]
Scorecards = Annotated[ScorecardService, Depends(_scorecards)]
