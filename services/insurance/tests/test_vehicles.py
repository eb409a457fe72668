"""Vehicle collection (车辆收集): checks, dedupe/merge with source hits, owner changes, masking."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


async def test_collect_then_recollect_merges_into_one_vehicle(api: Any) -> None:
    first = await api.call("POST", "/v1/vehicles", json=api.vehicle())
    assert first.status_code == 201, first.text
    assert first.json()["outcome"] == "created"
    # The mini program sends the same VIN with a newer commercial expiry: merged, not a copy.
    again = await api.call(
        "POST", "/v1/vehicles",
        json=api.vehicle(source="mini_program", commercial_expiry="2027-12-20"),
    )  # fmt: skip
    assert again.status_code == 200, again.text
    assert again.json()["outcome"] == "merged"
    vehicle_id = first.json()["vehicle"]["id"]
    assert again.json()["vehicle"]["id"] == vehicle_id
    # Without a VIN the plate + region find it too; an older expiry never pulls it back.
    by_plate = await api.collect(vin=None, source="manual", commercial_expiry="2025-12-20")
    assert by_plate["vehicle"]["id"] == vehicle_id
    detail = await api.ok("GET", f"/v1/vehicles/{vehicle_id}")
    assert [s["source"] for s in detail["sources"]] == ["wechat_oa", "mini_program", "manual"]
    assert [s["outcome"] for s in detail["sources"]] == ["created", "merged", "merged"]
    assert detail["commercial_expiry"] == "2027-12-20"
    page = await api.ok("GET", "/v1/vehicles", params={"plate": "B12345"})
    assert page["total"] == 1


async def test_a_vin_fills_in_the_vehicle_first_collected_without_one(api: Any) -> None:
    plain = await api.collect(vin=None, plate_no="粤B66666")
    with_vin = await api.collect(plate_no="粤B66666", vin="1M8GDM9AXKP042788")
    assert with_vin["vehicle"]["id"] == plain["vehicle"]["id"]
    assert with_vin["vehicle"]["vin"] == "1M8GDM9AXKP042788"
    assert with_vin["vehicle"]["vin_checksum_ok"] is True


async def test_a_wrong_check_digit_is_a_warning_not_a_refusal(api: Any) -> None:
    done = await api.collect(vin="LSVAU2180N2183295", plate_no="粤B54321")
    assert done["vehicle"]["vin_checksum_ok"] is False
    assert [w["code"] for w in done["warnings"]] == ["vin_checksum_mismatch"]


async def test_bad_input_names_the_field_and_writes_nothing(api: Any, fields: Any) -> None:
    cases = [
        ({"vin": "LSVAU2180N21832"}, "body.vin", "malformed_vin"),
        ({"vin": "LSVAU2180N218329O"}, "body.vin", "malformed_vin"),
        ({"region_code": "990000"}, "body.region_code", "unknown_region"),
        ({"plate_no": "B12345"}, "body.plate_no", "invalid_plate"),
        ({"commercial_expiry": "1900-01-01"}, "body.commercial_expiry", "date_out_of_range"),
        ({"register_date": "2027-01-01"}, "body.register_date", "date_in_future"),
        (
            {"owner": {"name": "张伟", "mobile": "1381234"}},
            "body.owner.mobile",
            "invalid_mobile",
        ),
        (
            {"owner": {"name": "张伟", "id_number": "110105194912310021"}},
            "body.owner.id_number",
            "invalid_id_number",
        ),
        (
            {"owner": {"kind": "company", "name": "华成", "id_number": "91110000600037341X"}},
            "body.owner.id_number",
            "invalid_id_number",
        ),
        ({"use_nature": "tank"}, "body.use_nature", "enum"),
    ]
    for overrides, field, code in cases:
        response = await api.call("POST", "/v1/vehicles", json=api.vehicle(**overrides))
        assert response.status_code == 422, (overrides, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert fields(response).get(field) == code, (overrides, response.text)
    assert (await api.ok("GET", "/v1/vehicles"))["total"] == 0
    assert (await api.ok("GET", "/v1/customers"))["total"] == 0


async def test_contact_data_is_masked_unless_granted(api: Any) -> None:
    done = await api.collect()
    owner = done["vehicle"]["owner"]
    assert owner["mobile"] == "138****5678"
    assert owner["id_number"] == "110***********002X"
    granted = api.headers(functions=[*api.functions, "insurance.vehicle.contact"])
    full = await api.ok("GET", f"/v1/customers/{owner['id']}", headers=granted)
    assert full["mobile"] == "+8613812345678"
    assert full["id_number"] == "11010519491231002X"
    assert [v["plate_no"] for v in full["vehicles"]] == ["粤B12345"]
    found = await api.ok("GET", "/v1/vehicles", params={"mobile_suffix": "5678"})
    assert found["total"] == 1


async def test_owner_change_keeps_history(api: Any) -> None:
    done = await api.collect()
    vehicle_id = done["vehicle"]["id"]
    # A later collection naming another owner is a transfer (过户)…
    await api.collect(owner={"name": "李娜", "mobile": "13900001111"})
    # …and so is one recorded by hand, with its transfer date.
    detail = await api.ok(
        "POST", f"/v1/vehicles/{vehicle_id}/owner-changes",
        json={"owner": {"name": "王强", "mobile": "13700002222"}, "transfer_date": "2026-10-30"},
    )  # fmt: skip
    assert detail["owner"]["name"] == "王强"
    assert [(c["from_customer"], c["to_customer"]) for c in detail["owner_changes"]] == [
        ("张伟", "李娜"),
        ("李娜", "王强"),
    ]
    assert detail["owner_changes"][1]["transfer_date"] == "2026-10-30"
    assert detail["owner_changes"][1]["changed_by"] == "clerk-a"
    same = await api.call(
        "POST", f"/v1/vehicles/{vehicle_id}/owner-changes",
        json={"owner": {"name": "王强", "mobile": "13700002222"}},
    )  # fmt: skip
    assert same.status_code == 422
    assert same.json()["code"] == "same_owner"


async def test_a_function_gates_every_route(api: Any) -> None:
    none = api.headers(functions=["insurance.policy.query"])
    for method, path in (
        ("GET", "/v1/vehicles"),
        ("POST", "/v1/vehicles"),
        ("GET", "/v1/customers"),
    ):
        response = await api.call(method, path, headers=none, json=api.vehicle())
        assert response.status_code == 403
        assert response.json()["code"] == "function_not_granted"


_VINLESS = st.booleans()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    collections=st.lists(
        st.tuples(
            st.booleans(),  # without the VIN (plate + region only)
            st.sampled_from(["wechat_oa", "mini_program", "manual", "import_file"]),
            st.dates(min_value=__import__("datetime").date(2026, 1, 1),
                     max_value=__import__("datetime").date(2028, 12, 31)),
        ),
        min_size=1,
        max_size=6,
    )
)  # fmt: skip
async def test_collecting_one_vehicle_in_any_order_gives_one_record(
    api: Any, collections: list[tuple[bool, str, Any]]
) -> None:
    import uuid

    org = uuid.uuid4()  # each example its own institution
    for vinless, source, expiry in collections:
        body = api.vehicle(source=source, commercial_expiry=expiry.isoformat())
        if vinless:
            body["vin"] = None
        response = await api.call("POST", "/v1/vehicles", org, json=body)
        assert response.status_code in (200, 201), response.text
    page = await api.ok("GET", "/v1/vehicles", org)
    assert page["total"] == 1
    [vehicle] = page["items"]
    detail = await api.ok("GET", f"/v1/vehicles/{vehicle['id']}", org)
    assert len(detail["sources"]) == len(collections)
    assert [s["outcome"] for s in detail["sources"]].count("created") == 1
    assert vehicle["commercial_expiry"] == max(e for _, _, e in collections).isoformat()
    assert (vehicle["vin"] is None) == all(v for v, _, _ in collections)
