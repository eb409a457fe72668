"""Push runs (车辆推送) and the funnel from recorded steps (flow 10).

Each test works in a year of its own (2031, 2033, …) so vehicles other tests collected never
fall inside its windows, and starts with every earlier test's rules switched off.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from insurance.pushes.handlers import on_entitlement_changed
from insurance.pushes.models import PushRule
from servicekit.messaging import HandlerContext
from shared_schemas import EntitlementChangedV1, Entry, new_event


class Pushes:
    def __init__(self, api: Any, app: FastAPI) -> None:
        self.api, self.app = api, app
        self.operator = api.headers(uuid.uuid4(), operator=True, subject="ops")
        self.collector = uuid.uuid4()  # the institution whose vehicles are pushed
        self.versions: dict[uuid.UUID, int] = {}

    async def entitle(self, org: uuid.UUID, *entries: Entry) -> None:
        """sso's event, handled as the consumer hands it over."""
        self.versions[org] = self.versions.get(org, 0) + 1
        envelope = new_event(
            "sso.entitlement.changed",
            EntitlementChangedV1(org_id=org, entitlement_version=self.versions[org],
                                 entries=list(entries), changed_by="sso-admin"),
            producer="sso", aggregate_id=org,
        )  # fmt: skip
        async with self.app.state.sessionmaker() as session, session.begin():
            context = HandlerContext(session, self.app.state.messaging.outbox, envelope)
            await on_entitlement_changed(envelope, context)

    async def receiver(
        self, name: str, *, active: bool = True, entitled: bool = True, capacity: int | None = None
    ) -> uuid.UUID:
        org = uuid.uuid4()
        await self.api.ok(
            "PUT", f"/v1/push-receivers/{org}", headers=self.operator,
            json={"name": name, "active": active, "capacity_per_run": capacity},
        )  # fmt: skip
        await self.entitle(org, *([Entry.insurance] if entitled else [Entry.risk]))
        return org

    async def rule(self, code: str, prefix: str, receiver: uuid.UUID, **kw: Any) -> dict[str, Any]:
        body = {"rule_code": f"{code}-{uuid.uuid4().hex[:6]}", "name": code,
                "region_prefix": prefix, "line": "car_commercial", "open_days": 90,
                "close_days": 0, "receiver_org_id": str(receiver), **kw}  # fmt: skip
        return dict(await self.api.ok("POST", "/v1/push-rules", headers=self.operator, json=body))

    async def vehicle(self, plate: str, region: str, **kw: Any) -> dict[str, Any]:
        body = self.api.vehicle(plate_no=plate, region_code=region, vin=None, **kw)
        done = await self.api.ok("POST", "/v1/vehicles", self.collector, json=body)
        return dict(done["vehicle"])

    async def run(self, as_of: str) -> dict[str, Any]:
        return dict(
            await self.api.ok(
                "POST", "/v1/push-tasks", headers=self.operator, json={"as_of": as_of}
            )
        )

    async def received(self, org: uuid.UUID, **params: Any) -> list[dict[str, Any]]:
        page = await self.api.ok("GET", "/v1/pushes", org, params={"limit": 200, **params})
        return list(page["items"])


@pytest.fixture
async def pushes(api: Any, app: FastAPI) -> Pushes:
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(update(PushRule).values(active=False))
    return Pushes(api, app)


async def test_a_customers_vehicles_go_by_their_own_region_and_a_rerun_pushes_nothing(
    pushes: Pushes, api: Any
) -> None:
    chengdu = await pushes.receiver("成都代理")
    mianyang = await pushes.receiver("绵阳代理")
    await pushes.rule("CD", "5101", chengdu)
    await pushes.rule("CD-CTPL", "5101", chengdu, line="car_compulsory")
    await pushes.rule("MY", "5107", mianyang)
    # One customer, three vehicles in two regions; the third expires outside every window.
    v1 = await pushes.vehicle("川A10001", "510100", commercial_expiry="2031-12-20",
                              compulsory_expiry="2031-12-25")  # fmt: skip
    v2 = await pushes.vehicle("川B10002", "510700", commercial_expiry="2031-12-10",
                              compulsory_expiry=None)  # fmt: skip
    await pushes.vehicle("川A10003", "510100", commercial_expiry="2032-06-01",
                         compulsory_expiry=None)  # fmt: skip
    assert v1["owner"]["id"] == v2["owner"]["id"]
    task = await pushes.run("2031-11-02")
    assert (task["selected"], task["pushed"], task["proposals"]) == (3, 3, 2)
    assert task["task_no"].startswith("TS")
    to_chengdu = await pushes.received(chengdu)
    assert {(p["plate_no"], p["line"]) for p in to_chengdu} == {
        ("川A10001", "car_commercial"), ("川A10001", "car_compulsory"),
    }  # fmt: skip
    assert len({p["proposal_no"] for p in to_chengdu}) == 1  # both lines, one proposal
    [to_mianyang] = await pushes.received(mianyang)
    assert (to_mianyang["plate_no"], to_mianyang["status"]) == ("川B10002", "awaiting_quote")
    assert to_mianyang["rule_version"] == 1
    # The proposal awaits a quote in the receiving institution, for the next period.
    proposal = await api.ok("GET", f"/v1/proposals/{to_mianyang['proposal_id']}", mianyang)
    assert proposal["source"] == "push"
    assert [(ln["starts_on"], ln["ends_on"]) for ln in proposal["lines"]] == [
        ("2031-12-11", "2032-12-10")
    ]
    again = await pushes.run("2031-11-02")
    assert (again["selected"], again["pushed"], again["already_pushed"]) == (3, 0, 3)
    # The next day too: still inside the windows, still pushed once.
    later = await pushes.run("2031-11-03")
    assert later["pushed"] == 0
    assert len(await pushes.received(chengdu)) == 2
    # Receivers never see each other's pushes, proposals or funnel.
    assert (
        await api.call("GET", f"/v1/proposals/{to_mianyang['proposal_id']}", chengdu)
    ).status_code == 404
    funnel = await api.ok("GET", "/v1/pushes/funnel", chengdu)
    assert [r["key"] for r in funnel["rows"]] == [str(chengdu)]
    assert funnel["total"]["pushed"] == 1


async def test_a_run_after_a_missed_day_catches_up(pushes: Pushes) -> None:
    receiver = await pushes.receiver("成都代理")
    await pushes.rule("CD30", "5101", receiver, open_days=30, close_days=0)
    await pushes.vehicle("川A20001", "510100", commercial_expiry="2033-12-01",
                         compulsory_expiry=None)  # fmt: skip
    await pushes.vehicle("川A20002", "510100", commercial_expiry="2033-11-01",
                         compulsory_expiry=None)  # fmt: skip
    before = await pushes.run("2033-10-31")  # the first window opens on 11-01
    assert before["selected"] == 1  # 川A20002's window (10-02 … 11-01) is open
    # No run on 11-01 or 11-02 (the scheduler was down); the run on 11-03 catches up.
    caught = await pushes.run("2033-11-03")
    assert caught["pushed"] == 1
    assert {p["plate_no"] for p in await pushes.received(receiver)} == {"川A20001", "川A20002"}


async def test_an_inactive_or_unentitled_institution_never_receives(pushes: Pushes) -> None:
    inactive = await pushes.receiver("停用机构", active=False)
    unentitled = await pushes.receiver("未开通保险", entitled=True)
    fallback = await pushes.receiver("四川总部")
    await pushes.entitle(unentitled, Entry.risk)  # sso took the insurance entry away
    await pushes.rule("CD-A", "510100", inactive)
    await pushes.rule("CD-B", "5101", unentitled)
    await pushes.rule("SC", "51", fallback)
    await pushes.vehicle("川A30001", "510100", commercial_expiry="2035-12-20",
                         compulsory_expiry=None)  # fmt: skip
    task = await pushes.run("2035-11-02")
    assert task["pushed"] == 1
    assert await pushes.received(inactive) == [] and await pushes.received(unentitled) == []
    assert [p["rule_code"][:2] for p in await pushes.received(fallback)] == ["SC"]
    # With no institution left able to receive, each line inside a window is counted, not
    # pushed (the first vehicle's too: its push stays with the institution that got it).
    await pushes.vehicle("川B30002", "510700", commercial_expiry="2035-12-20",
                         compulsory_expiry=None)  # fmt: skip
    await pushes.api.ok("PUT", f"/v1/push-receivers/{fallback}", headers=pushes.operator,
                        json={"name": "四川总部", "active": False})  # fmt: skip
    nobody = await pushes.run("2035-11-02")
    assert (nobody["pushed"], nobody["no_receiver"]) == (0, 2)


async def test_conversion_comes_from_the_recorded_steps(pushes: Pushes, api: Any) -> None:
    receiver = await pushes.receiver("成都代理")
    await pushes.rule("CD", "5101", receiver)
    plates = ["川A40001", "川A40002", "川A40003", "川A40004", "川A40005"]
    vehicles = [
        await pushes.vehicle(p, "510100", commercial_expiry="2037-12-20", compulsory_expiry=None)
        for p in plates
    ]
    await pushes.run("2037-11-02")
    by_plate = {p["plate_no"]: p for p in await pushes.received(receiver)}
    path = {p: f"/v1/proposals/{by_plate[p]['proposal_id']}" for p in plates}
    quote = {"insurer_code": "CPIC", "lines": [{"line": "car_commercial",
             "items": [{"cover_code": "VEH_DAMAGE", "premium": "3000.00"}]}]}  # fmt: skip
    # 1: quoted, underwritten, issued (成交).
    await api.ok("POST", f"{path['川A40001']}/quote", receiver, json=quote)
    await api.ok("POST", f"{path['川A40001']}/submit", receiver, json={})
    await api.ok("POST", f"{path['川A40001']}/issue", receiver, json={"sign_date": "2026-11-01"})
    # 2: quoted, then lost on price; 3: nobody answers.
    await api.ok("POST", f"{path['川A40002']}/quote", receiver, json=quote)
    await api.ok("POST", f"{path['川A40002']}/unconverted", receiver, json={"reason": "price"})
    await api.ok("POST", f"{path['川A40003']}/unconverted", receiver, json={"reason": "no_answer"})
    # 4: the collecting institution records a policy bought elsewhere → 已在其他渠道购买.
    await api.ok(
        "POST", "/v1/policies", pushes.collector,
        json={"policy_no": "PA40004", "insurer_code": "PINGAN", "line": "car_commercial",
              "vehicle_id": vehicles[3]["id"], "sign_date": "2026-11-01",
              "starts_on": "2037-12-21", "ends_on": "2038-12-20",
              "items": [{"cover_code": "VEH_DAMAGE", "premium": "2800"}]},
    )  # fmt: skip
    # 5: still awaiting a quote.
    funnel = await api.ok("GET", "/v1/pushes/funnel", receiver, params={"group_by": "rule"})
    [row] = funnel["rows"]
    assert (row["pushed"], row["quoted"], row["issued"], row["unconverted"], row["open"]) == (
        5, 2, 1, 3, 1,
    )  # fmt: skip
    assert row["unconverted_by_reason"] == {"price": 1, "no_answer": 1, "bought_elsewhere": 1}
    assert row["conversion_rate"] == "0.2000"
    elsewhere = await api.ok("GET", path["川A40004"], receiver)
    assert (elsewhere["status"], elsewhere["steps"][-1]["by"]) == ("unconverted", "insurance")
    assert "PA40004" in elsewhere["steps"][-1]["note"]
    by_month = await api.ok("GET", "/v1/pushes/funnel", receiver, params={"group_by": "month"})
    assert [r["key"] for r in by_month["rows"]] == ["2026-11"]


async def test_rules_are_versioned_and_the_operators(pushes: Pushes, api: Any, fields: Any) -> None:
    receiver = await pushes.receiver("成都代理")
    rule = await pushes.rule("CD", "5101", receiver)
    changed = await api.ok(
        "PUT", f"/v1/push-rules/{rule['rule_code']}", headers=pushes.operator,
        json={"name": "成都 60 天", "region_prefix": "5101", "line": "car_commercial",
              "open_days": 60, "close_days": 5, "receiver_org_id": str(receiver)},
    )  # fmt: skip
    assert (changed["version"], changed["open_days"]) == (2, 60)
    history = await api.ok("GET", "/v1/push-rules", headers=pushes.operator,
                           params={"history_of": rule["rule_code"]})  # fmt: skip
    assert [r["version"] for r in history] == [1, 2]
    for prefix, days, field, code in (
        ("9901", 5, "body.region_prefix", "unknown_region"),
        ("5101", 10, "body.close_days", "window_empty"),
    ):
        bad = await api.call(
            "POST", "/v1/push-rules", headers=pushes.operator,
            json={"rule_code": "X1", "name": "x", "region_prefix": prefix,
                  "line": "car_commercial", "open_days": 10, "close_days": days,
                  "receiver_org_id": str(receiver)},
        )  # fmt: skip
        assert fields(bad) == {field: code}
    clerk = await api.call("POST", "/v1/push-tasks", json={"as_of": "2031-01-01"})
    assert clerk.status_code == 403 and clerk.json()["code"] == "operator_only"
