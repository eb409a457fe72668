"""`python -m insurance demo-data` tells the story and a second run changes nothing."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from insurance.demo import HUACHENG, HUACHENG_SZ, load_demo_data

TABLES = ("vehicles", "vehicle_sources", "proposals", "proposal_steps", "policies",
          "push_records", "deals", "outbox_messages")  # fmt: skip


async def counts(app: FastAPI) -> dict[str, int]:
    async with app.state.sessionmaker() as session:
        return {t: (await session.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one()
                for t in TABLES}  # fmt: skip


async def test_demo_data_is_the_story_and_idempotent(app: FastAPI, api: Any) -> None:
    for _ in range(2):
        async with app.state.sessionmaker() as session, session.begin():
            await load_demo_data(session, app.state.messaging.outbox, app.state.settings)
        if _ == 0:
            first = await counts(app)
    assert await counts(app) == first
    huacheng = {p["plate_no"]: p for p in (await api.ok("GET", "/v1/pushes", HUACHENG))["items"]}
    assert huacheng["粤A12345"]["status"] == "issued"
    assert (huacheng["粤A67890"]["status"], huacheng["粤A67890"]["unconverted_reason"]) == (
        "unconverted", "bought_elsewhere",
    )  # fmt: skip
    [shenzhen] = (await api.ok("GET", "/v1/pushes", HUACHENG_SZ))["items"]
    assert (shenzhen["plate_no"], shenzhen["status"]) == ("粤B54321", "awaiting_quote")
    [deal] = await api.ok("GET", "/v1/deals", HUACHENG)
    assert (deal["premium"], deal["fee"]) == ("3800.00", "570.00")
