"""The demo data loads through the services and is idempotent."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import func, select

from risk.assessments.models import Assessment
from risk.demo import YUNYING, load_demo_risk
from risk.reconciliation.models import ReconciliationBatch
from risk.requests.models import AssessmentRequest
from servicekit.clock import FixedClock
from servicekit.db import unit_of_work


async def test_demo_data_twice_is_once(app: FastAPI, clock: FixedClock) -> None:
    for _ in range(2):
        async for session in unit_of_work(app.state.sessionmaker):
            await load_demo_risk(session, app.state.messaging.outbox, app.state.settings, clock)
    async for session in unit_of_work(app.state.sessionmaker):
        grades = dict((await session.execute(
            select(AssessmentRequest.latest_grade, func.count())
            .where(AssessmentRequest.org_id == YUNYING).group_by(AssessmentRequest.latest_grade)
        )).all())  # fmt: skip
        assessments = (await session.execute(
            select(func.count()).select_from(Assessment).where(Assessment.org_id == YUNYING)
        )).scalar_one()  # fmt: skip
        batches = (await session.execute(
            select(ReconciliationBatch.status).where(ReconciliationBatch.org_id == YUNYING)
        )).scalars().all()  # fmt: skip
    assert sum(grades.values()) == 30 and assessments == 30
    assert set(grades) == {"A", "B", "C", "D", "E"}
    assert batches == ["confirmed"]
