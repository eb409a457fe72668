"""智能挪车牌 through the API: batches with unguessable QR tokens, the plate's life as one
transition table (a property test over random step sequences), who/when on every step,
institution scoping, bad input naming the field and writing nothing."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from servicekit.db import unit_of_work
from valueadd.plates.models import SETTABLE, TRANSITIONS, PlateStatus, may_move, sources_of

PLATE_FUNCTIONS = (
    "valueadd.plate.query", "valueadd.plate.manage", "valueadd.plate.assign",
    "valueadd.plate.call_record",
)  # fmt: skip


def _people(caller: Any) -> tuple[Any, Any]:
    """The provider (makes and assigns plates) and an insurer institution."""
    return caller(functions=PLATE_FUNCTIONS), caller(functions=PLATE_FUNCTIONS)


async def _batch(client: httpx.AsyncClient, who: Any, quantity: int = 5) -> dict[str, Any]:
    made = await client.post("/v1/plate-batches", json={"quantity": quantity, "note": "首批"},
                             headers=who.headers)  # fmt: skip
    assert made.status_code == 201, made.text
    return dict(made.json())


async def _nos(client: httpx.AsyncClient, who: Any, batch_no: str) -> list[str]:
    page = await client.get("/v1/plates", params={"batch_no": batch_no, "limit": 500},
                            headers=who.headers)  # fmt: skip
    assert page.status_code == 200, page.text
    return [p["plate_no"] for p in page.json()["items"]]


async def _to_purchased(
    client: httpx.AsyncClient, provider: Any, insurer: Any, nos: list[str]
) -> dict[str, Any]:
    assigned = await client.post(
        "/v1/plates/assign",
        json={"plate_nos": nos, "promoter_subject": "promoter-li", "promoter_name": "业务员李"},
        headers=provider.headers,
    )
    assert assigned.status_code == 200, assigned.text
    bought = await client.post(
        "/v1/plate-purchases",
        json={"insurer_org_id": str(insurer.org_id), "insurer_name": "人保财险上海分公司",
              "plate_nos": nos, "unit_price": "12.50"},
        headers=provider.headers,
    )  # fmt: skip
    assert bought.status_code == 201, bought.text
    return dict(bought.json())


async def test_batch_makes_plates_in_stock_with_unguessable_tokens(
    client: httpx.AsyncClient, caller: Any, clock: Any, app: Any
) -> None:
    provider, _ = _people(caller)
    batch = await _batch(client, provider, 25)
    assert batch["batch_no"].startswith("PB20261120")
    assert batch["by_status"] == {"in_stock": 25}
    nos = await _nos(client, provider, batch["batch_no"])
    assert nos[0] == f"{batch['batch_no']}-00001" and len(nos) == 25
    async for session in unit_of_work(app.state.sessionmaker):
        tokens = (await session.scalars(
            text("SELECT p.qr_token FROM va_plates p JOIN va_plate_batches b ON b.id = p.batch_id "
                 "WHERE b.batch_no = :b"), {"b": batch["batch_no"]})).all()  # fmt: skip
    assert len(set(tokens)) == 25 and all(len(t) == 22 for t in tokens)
    plate = (await client.get(f"/v1/plates/{nos[0]}", headers=provider.headers)).json()
    token = plate["scan_url"].rsplit("/", 1)[1]
    assert token in tokens and nos[0] not in plate["scan_url"]
    assert plate["steps"][0]["to_status"] == "in_stock"
    assert plate["steps"][0]["by"] == provider.subject
    qr = await client.get(f"/v1/plates/{nos[0]}/qr.svg", headers=provider.headers)
    assert qr.status_code == 200 and qr.text.lstrip().startswith("<?xml")


async def test_the_whole_life_records_who_and_when(
    client: httpx.AsyncClient, caller: Any, clock: Any
) -> None:
    provider, insurer = _people(caller)
    nos = await _nos(client, provider, (await _batch(client, provider, 3))["batch_no"])
    purchase = await _to_purchased(client, provider, insurer, nos[:2])
    assert (purchase["quantity"], purchase["amount"], purchase["plate_nos"]) == (
        2,
        "25.00",
        nos[:2],
    )
    clock.advance(hours=1)
    # The insurer sees the plates it bought (not the third) and hands one out.
    seen = (await client.get("/v1/plates", headers=insurer.headers)).json()
    assert sorted(p["plate_no"] for p in seen["items"]) == nos[:2]
    handed = await client.post(f"/v1/plates/{nos[0]}/distribute",
                               json={"customer_ref": "C-001", "customer_name": "张三"},
                               headers=insurer.headers)  # fmt: skip
    assert handed.status_code == 200, handed.text
    bound = await client.post(f"/v1/plates/{nos[0]}/bind",
                              json={"vehicle_plate_no": "沪A12345", "owner_mobile": "+861380013800"},
                              headers=insurer.headers)  # fmt: skip
    assert bound.status_code == 200, bound.text
    assert bound.json()["owner_mobile"] == "+861****3800"
    for target in ("active", "paused", "active", "lost"):
        moved = await client.post(f"/v1/plates/{nos[0]}/status", json={"status": target},
                                  headers=insurer.headers)  # fmt: skip
        assert moved.status_code == 200, moved.text
    plate = moved.json()
    assert [s["to_status"] for s in plate["steps"]] == [
        "in_stock", "assigned", "purchased", "distributed", "bound", "active", "paused",
        "active", "lost",
    ]  # fmt: skip
    assert [s["by"] for s in plate["steps"][3:]] == [insurer.subject] * 6
    assert plate["steps"][1]["by"] == provider.subject
    assert plate["updated_by"] == insurer.subject
    assert plate["steps"][3]["at"] > plate["steps"][2]["at"]
    again = await client.post(f"/v1/plates/{nos[0]}/status", json={"status": "active"},
                              headers=insurer.headers)  # fmt: skip
    assert (again.status_code, again.json()["code"]) == (409, "plate_transition_not_allowed")
    assert again.json()["errors"][0]["field"] == "body.status"


async def test_steps_out_of_order_are_refused_naming_the_plate_and_write_nothing(
    client: httpx.AsyncClient, caller: Any, clock: Any, app: Any
) -> None:
    provider, insurer = _people(caller)
    nos = await _nos(client, provider, (await _batch(client, provider, 3))["batch_no"])
    # Buying plates still in stock (never assigned): the second one named.
    await client.post("/v1/plates/assign", json={"plate_nos": [nos[0]], "promoter_subject": "p",
                      "promoter_name": "业务员"}, headers=provider.headers)  # fmt: skip
    body = {"insurer_org_id": str(insurer.org_id), "insurer_name": "人保", "unit_price": "10.00",
            "plate_nos": [nos[0], nos[1]]}  # fmt: skip
    refused = await client.post("/v1/plate-purchases", json=body, headers=provider.headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "plate_transition_not_allowed")
    assert refused.json()["errors"][0]["field"] == "body.plate_nos.1"
    async for session in unit_of_work(app.state.sessionmaker):
        bought = await session.scalar(
            text("SELECT count(*) FROM va_plate_purchases WHERE insurer_org_id = :o"),
            {"o": insurer.org_id if app.state.settings.database_url.startswith("postgres")
             else insurer.org_id.hex},
        )  # fmt: skip
        status = await session.scalar(text("SELECT status FROM va_plates WHERE plate_no = :n"),
                                      {"n": nos[0]})  # fmt: skip
    assert (bought, status) == (0, "assigned")
    twice = await client.post("/v1/plates/assign", json={"plate_nos": [nos[2], nos[2]],
                              "promoter_subject": "p", "promoter_name": "业务员"},
                              headers=provider.headers)  # fmt: skip
    assert (twice.status_code, twice.json()["errors"][0]["field"]) == (422, "body.plate_nos.1")
    unknown = await client.post("/v1/plates/assign", json={"plate_nos": ["PB20990101000001-00001"],
                                "promoter_subject": "p", "promoter_name": "业务员"},
                                headers=provider.headers)  # fmt: skip
    assert (unknown.status_code, unknown.json()["code"]) == (422, "plate_unknown")
    assert unknown.json()["errors"][0]["field"] == "body.plate_nos.0"
    skip = await client.post(f"/v1/plates/{nos[0]}/status", json={"status": "purchased"},
                             headers=provider.headers)  # fmt: skip
    assert (skip.status_code, skip.json()["errors"][0]["field"]) == (409, "body.status")


async def test_bad_input_answers_422_naming_the_field(
    client: httpx.AsyncClient, caller: Any, clock: Any
) -> None:
    provider, insurer = _people(caller)
    for body, field in (
        ({"quantity": 0}, "body.quantity"),
        ({"quantity": 10_001}, "body.quantity"),
        ({"quantity": 3, "colour": "red"}, "body.colour"),
    ):
        r = await client.post("/v1/plate-batches", json=body, headers=provider.headers)
        assert (r.status_code, r.json()["errors"][0]["field"]) == (422, field), r.text
    nos = await _nos(client, provider, (await _batch(client, provider, 1))["batch_no"])
    await _to_purchased(client, provider, insurer, nos)
    await client.post(f"/v1/plates/{nos[0]}/distribute",
                      json={"customer_ref": "C-1", "customer_name": "王五"},
                      headers=insurer.headers)  # fmt: skip
    for body, field in (
        ({"vehicle_plate_no": "AB123", "owner_mobile": "13800138000"}, "body.vehicle_plate_no"),
        ({"vehicle_plate_no": "沪A12345", "owner_mobile": "1234567890123456"}, "body.owner_mobile"),
        ({"vehicle_plate_no": "沪A12345", "owner_mobile": "138-0013"}, "body.owner_mobile"),
    ):
        r = await client.post(f"/v1/plates/{nos[0]}/bind", json=body, headers=insurer.headers)
        assert (r.status_code, r.json()["errors"][0]["field"]) == (422, field), r.text
    fifteen = await client.post(f"/v1/plates/{nos[0]}/bind",
                                json={"vehicle_plate_no": "沪AD12345", "owner_mobile": "861380013800012"},
                                headers=insurer.headers)  # fmt: skip
    assert fifteen.status_code == 200, fifteen.text
    price = await client.post("/v1/plate-purchases", json={
        "insurer_org_id": str(insurer.org_id), "insurer_name": "人保", "unit_price": "1.005",
        "plate_nos": nos}, headers=provider.headers)  # fmt: skip
    assert (price.status_code, price.json()["errors"][0]["field"]) == (422, "body.unit_price")


async def test_institution_b_never_sees_or_moves_a_plates(
    client: httpx.AsyncClient, caller: Any, clock: Any
) -> None:
    provider, insurer = _people(caller)
    other = caller(functions=PLATE_FUNCTIONS)
    batch = await _batch(client, provider, 2)
    nos = await _nos(client, provider, batch["batch_no"])
    assert (await client.get("/v1/plates", headers=other.headers)).json()["total"] == 0
    assert (await client.get("/v1/plate-batches", headers=other.headers)).json() == []
    for path in (f"/v1/plates/{nos[0]}", f"/v1/plates/{nos[0]}/qr.svg",
                 f"/v1/plate-batches/{batch['batch_no']}"):  # fmt: skip
        r = await client.get(path, headers=other.headers)
        assert r.status_code == 404, path
    stolen = await client.post("/v1/plates/assign", json={"plate_nos": nos,
                               "promoter_subject": "x", "promoter_name": "外人"},
                               headers=other.headers)  # fmt: skip
    assert (stolen.status_code, stolen.json()["code"]) == (422, "plate_unknown")
    await _to_purchased(client, provider, insurer, nos[:1])
    # The insurer sees what it bought but may not re-sell or assign it.
    resold = await client.post("/v1/plate-purchases", json={
        "insurer_org_id": str(other.org_id), "insurer_name": "他司", "unit_price": "1.00",
        "plate_nos": nos[:1]}, headers=insurer.headers)  # fmt: skip
    assert (resold.status_code, resold.json()["code"]) == (422, "plate_not_owned")
    assert (await client.get("/v1/plate-purchases", headers=other.headers)).json() == []
    assert len((await client.get("/v1/plate-purchases", headers=insurer.headers)).json()) == 1
    handed = await client.post(f"/v1/plates/{nos[0]}/distribute",
                               json={"customer_ref": "C-1", "customer_name": "王五"},
                               headers=other.headers)  # fmt: skip
    assert handed.status_code == 404
    no_fn = caller(org_id=provider.org_id, functions=("valueadd.plate.query",))
    r = await client.post("/v1/plate-batches", json={"quantity": 1}, headers=no_fn.headers)
    assert (r.status_code, r.json()["code"]) == (403, "function_not_granted")


# --- the table itself -------------------------------------------------------------------

STEP = {
    "assign": PlateStatus.assigned, "purchase": PlateStatus.purchased,
    "distribute": PlateStatus.distributed, "bind": PlateStatus.bound,
    **{s.value: s for s in SETTABLE},
}  # fmt: skip


def _reachable() -> set[PlateStatus]:
    seen, todo = {PlateStatus.in_stock}, [PlateStatus.in_stock]
    while todo:
        for t in TRANSITIONS[todo.pop()]:
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


def test_the_table_covers_every_state_and_only_lost_is_final() -> None:
    assert set(TRANSITIONS) == set(PlateStatus)
    assert _reachable() == set(PlateStatus)
    assert [s for s, t in TRANSITIONS.items() if not t] == [PlateStatus.lost]
    assert not sources_of(PlateStatus.in_stock)  # nothing goes back to stock
    # Nobody reaches an owner's number before the plate is bound: the scan states come after.
    assert sources_of(PlateStatus.active) == {PlateStatus.bound, PlateStatus.paused}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(sorted(STEP)), max_size=30))
def test_any_sequence_of_steps_follows_the_table(steps: list[str]) -> None:
    """Walk random steps the way the service does (refuse what the table refuses): every
    state reached was allowed from the one before, a lost plate never moves again, and a
    plate is never active without having been bound first."""
    state, trail = PlateStatus.in_stock, [PlateStatus.in_stock]
    for step in steps:
        target = STEP[step]
        if may_move(state, target):
            assert state in sources_of(target)
            state = target
            trail.append(state)
        else:
            assert target not in TRANSITIONS[state]
    for before, after in itertools.pairwise(trail):
        assert after in TRANSITIONS[before]
    if PlateStatus.lost in trail:
        assert trail[-1] is PlateStatus.lost and trail.count(PlateStatus.lost) == 1
    if PlateStatus.active in trail:
        assert PlateStatus.bound in trail[: trail.index(PlateStatus.active)]
    assert len(set(trail)) == len(trail) or PlateStatus.active in trail


async def test_demo_plates_twice_are_the_same(app: Any, clock: Any) -> None:
    from valueadd.plates.demo import NOTE, load_plate_demo

    seen = []
    for _ in range(2):
        async for session in unit_of_work(app.state.sessionmaker):
            await load_plate_demo(session, app.state.messaging.outbox, app.state.settings)
        async for session in unit_of_work(app.state.sessionmaker):
            rows = (await session.execute(text(
                "SELECT p.status, count(*) FROM va_plates p JOIN va_plate_batches b "
                "ON b.id = p.batch_id WHERE b.note = :n GROUP BY p.status"), {"n": NOTE})).all()  # fmt: skip
            seen.append(dict(rows))
    assert seen[0] == seen[1] == {"in_stock": 9, "assigned": 5, "purchased": 5, "active": 1}
    async for session in unit_of_work(app.state.sessionmaker):
        calls = (await session.execute(text(
            "SELECT session_id, billable_seconds, fee_fen FROM va_plate_call_records "
            "WHERE session_id LIKE 'DEMO-CALL-%' ORDER BY session_id"))).all()  # fmt: skip
    assert [tuple(c) for c in calls] == [("DEMO-CALL-1", 120, 40), ("DEMO-CALL-2", 60, 20)]
