"""Institution B's customers and vehicles never reach A: not by any route, filter or import."""

from __future__ import annotations

from typing import Any


async def test_b_never_reaches_a(api: Any) -> None:
    b = await api.collect(api.org_b, plate_no="粤B99999", vin="1M8GDM9AXKP042788")
    b_vehicle, b_owner = b["vehicle"]["id"], b["vehicle"]["owner"]["id"]
    a = await api.collect(api.org_a, plate_no="粤B88888", vin="LSVAU2180N2183294")
    a_ids = {a["vehicle"]["id"]}

    # Lists and every filter, including naming B outright.
    for params in (
        {}, {"plate": "粤B99999"}, {"vin": "1M8GDM9AXKP042788"}, {"mobile_suffix": "5678"},
        {"region_code": "44"}, {"org_id": str(api.org_b)}, {"owner_id": b_owner},
    ):  # fmt: skip
        page = await api.ok("GET", "/v1/vehicles", api.org_a, params=params)
        assert {v["id"] for v in page["items"]} <= a_ids, params
    customers = await api.ok("GET", "/v1/customers", api.org_a, params={"mobile_suffix": "5678"})
    assert {c["id"] for c in customers["items"]} == {a["vehicle"]["owner"]["id"]}
    # Details and writes by id.
    assert (await api.call("GET", f"/v1/vehicles/{b_vehicle}", api.org_a)).status_code == 404
    assert (await api.call("GET", f"/v1/customers/{b_owner}", api.org_a)).status_code == 404
    moved = await api.call(
        "POST", f"/v1/vehicles/{b_vehicle}/owner-changes", api.org_a,
        json={"owner": {"name": "李娜"}},
    )  # fmt: skip
    assert moved.status_code == 404
    # Writing into B's institution, by REST or import, is refused.
    into_b = await api.call(
        "POST", "/v1/vehicles", api.org_a, json=api.vehicle(org_id=str(api.org_b))
    )
    assert into_b.status_code == 403
    imported = await api.call(
        "POST", "/v1/vehicles/imports", api.org_a,
        files={"file": ("v.csv", "车牌号,地区代码\n粤B99999,440300\n".encode())},
        data={"dry_run": "false", "org_id": str(api.org_b)},
    )  # fmt: skip
    assert imported.status_code == 403
    # The same vehicle collected by A is A's own record; B's stays untouched.
    mine = await api.collect(api.org_a, plate_no="粤B99999", vin="1M8GDM9AXKP042788")
    assert mine["outcome"] == "created" and mine["vehicle"]["id"] != b_vehicle
    b_detail = await api.ok("GET", f"/v1/vehicles/{b_vehicle}", api.org_b)
    assert len(b_detail["sources"]) == 1


async def test_an_operator_sees_every_institution(api: Any) -> None:
    await api.collect(api.org_a, plate_no="粤B10001", vin="LSVAU2180N2183294")
    await api.collect(api.org_b, plate_no="粤B10002", vin="1M8GDM9AXKP042788")
    operator = api.headers(api.org_a, operator=True)
    for org in (api.org_a, api.org_b):
        page = await api.ok("GET", "/v1/vehicles", headers=operator, params={"org_id": str(org)})
        assert page["total"] == 1
