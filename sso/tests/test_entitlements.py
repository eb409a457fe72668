"""Entitlements: defaults per institution type, target URLs that must belong to a registered
client, versions and sso.entitlement.changed, and package preview/apply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sso.entitlements.models import InstitutionEntitlement


def _enabled(entitlement: dict[str, Any]) -> set[str]:
    return {e["entry"] for e in entitlement["entries"] if e["enabled"]}


def _grant(entitlement: dict[str, Any], **changes: dict[str, Any]) -> list[dict[str, Any]]:
    """The entitlement as a PUT body, with some entries changed."""
    return [
        {
            "entry": e["entry"],
            "enabled": e["enabled"],
            "functions": e["functions"],
            "target_url": e["target_url"],
            **changes.get(e["entry"], {}),
        }
        for e in entitlement["entries"]
        if e["enabled"] or e["functions"] or e["entry"] in changes
    ]


async def test_defaults_by_institution_type(admin: Any, db: Any) -> None:
    expected = {
        "technology": {"insurance", "risk", "valueadd", "orders", "finance", "sso"},
        "agency": {"insurance", "finance", "sso"},
        "insurtech_service": {"insurance", "risk", "sso"},
        "mall": {"valueadd", "sso"},
    }
    for org_type, entries in expected.items():
        institution = await admin.institution(org_type)
        entitlement = await admin.entitlement(institution)
        assert _enabled(entitlement) == entries, org_type
        assert entitlement["version"] == 1
        [event] = await db.outbox_events(institution["id"])
        assert event["event_type"] == "sso.entitlement.changed"
        # The contract's entries are the portal's five; sso's console is not one of them.
        assert set(event["payload"]["entries"]) == entries - {"sso"}
        assert event["payload"]["entitlement_version"] == 1
    mall = await admin.institution("mall")
    functions = {f for e in (await admin.entitlement(mall))["entries"] for f in e["functions"]}
    assert {
        "valueadd.mall.miniprogram",
        "valueadd.plate.assign",
        "valueadd.tech_service.import",
    } <= functions
    assert "valueadd.coupon.issue" not in functions
    agency = await admin.entitlement(await admin.institution("agency"))
    sso_functions = next(e["functions"] for e in agency["entries"] if e["entry"] == "sso")
    assert "sso.admin.user.manage" in sso_functions
    assert "sso.admin.package.manage" not in sso_functions  # platform-wide: operators only


async def test_target_url_must_belong_to_a_registered_client(admin: Any, db: Any) -> None:
    head = await admin.institution("agency")
    branch = await admin.institution("agency", head)
    current = await admin.entitlement(branch)
    url = f"https://bs-{head['code'].lower()}.example/"
    body = _grant(current, insurance={"target_url": url})
    refused = await admin.set_entitlement(branch, body, expect=422)
    assert refused["code"] == "target_url_not_registered"
    index = [g["entry"] for g in body].index("insurance")
    assert refused["errors"][0]["field"] == f"body.entries[{index}].target_url"
    assert (await admin.entitlement(branch))["version"] == 1  # nothing written

    client = await admin.call(
        "POST",
        "/v1/admin/clients",
        expect=201,
        json={
            "client_id": f"bs-{head['code'].lower()}",
            "name": "华成保险管理系统",
            "type": "confidential",
            "institution_id": head["id"],
            "redirect_uris": [f"{url}oidc/callback"],
        },
    )
    changed = await admin.set_entitlement(branch, body)  # the head office's client serves it
    insurance = next(e for e in changed["entries"] if e["entry"] == "insurance")
    assert (insurance["target_url"], insurance["client_id"]) == (url, client["client_id"])
    assert changed["version"] == 2
    same = await admin.set_entitlement(branch, body)  # nothing differs: no new version
    assert same["version"] == 2
    events = await db.outbox_events(branch["id"])
    assert [e["payload"]["entitlement_version"] for e in events] == [1, 2]
    audit = (await db.audit("entitlement.changed", branch["id"]))[-1]
    assert audit.before["entries"]["insurance"]["target_url"] is None
    assert audit.after["entries"]["insurance"]["target_url"] == url

    # The client cannot go while the target URL uses it.
    in_use = await admin.call("DELETE", f"/v1/admin/clients/{client['id']}", expect=409)
    assert in_use["code"] == "client_in_use" and branch["code"] in in_use["detail"]

    # Only platform operators change entitlements.
    response = await admin.client.put(
        f"/v1/admin/institutions/{branch['id']}/entitlement",
        headers=admin.headers(head["id"], ["sso.admin.entitlement.manage"], operator=False),
        json={"entries": body},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "platform_operator_required"


async def test_wrong_functions_are_named(admin: Any) -> None:
    institution = await admin.institution("agency")
    bad = await admin.set_entitlement(
        institution,
        [
            {
                "entry": "insurance",
                "functions": ["insurance.policy.query", "finance.invoice.query"],
            },
            {"entry": "finance", "functions": ["finance.no_such.thing"]},
        ],
        expect=422,
    )
    # Unknown codes first (the second entry), then the misplaced one would follow.
    assert bad["code"] in ("unknown_functions", "function_outside_entry")
    misplaced = await admin.set_entitlement(
        institution,
        [
            {
                "entry": "insurance",
                "functions": ["insurance.policy.query", "finance.invoice.query"],
            },
        ],
        expect=422,
    )
    assert misplaced["code"] == "function_outside_entry"
    assert misplaced["errors"][0]["field"] == "body.entries[0].functions[1]"


async def test_package_preview_and_apply(
    admin: Any, db: Any, read_topic: Callable[..., Awaitable[list[Any]]]
) -> None:
    code = f"pkg-{admin.issuer.kid[:6]}-{(await admin.institution('agency'))['code'][-8:]}".lower()
    package = await admin.call(
        "POST",
        "/v1/admin/packages",
        expect=201,
        json={
            "code": code,
            "name_zh": "测试版",
            "name_en": "Test",
            "entries": ["insurance"],
            "functions": ["insurance.policy.query", "insurance.vehicle.query"],
        },
    )
    assert package["functions"] == sorted(
        [
            "insurance.policy",
            "insurance.policy.query",
            "insurance.vehicle",
            "insurance.vehicle.query",
        ]
    )
    plain = await admin.institution("agency", package_code=code)
    custom = await admin.institution("agency", package_code=code)
    # `custom` was given risk on top of its package, and lost the vehicle query.
    await admin.set_entitlement(
        custom,
        [
            {"entry": "insurance", "functions": ["insurance.policy.query"]},
            {"entry": "risk", "functions": ["risk.assessment.query"]},
        ],
    )
    versions = {i["id"]: (await admin.entitlement(i))["version"] for i in (plain, custom)}
    assert versions == {plain["id"]: 1, custom["id"]: 2}

    change = {
        "entries": ["insurance", "finance"],
        "functions": ["insurance.policy.query", "finance.invoice.query"],
    }
    preview = await admin.call("POST", f"/v1/admin/packages/{code}/preview", json=change)
    assert preview["applied"] is False
    assert (preview["version_before"], preview["version_after"]) == (1, 2)
    assert preview["entries_added"] == ["finance"]
    assert preview["functions_removed"] == ["insurance.vehicle", "insurance.vehicle.query"]
    by_code = {i["code"]: i for i in preview["institutions"]}
    assert by_code[plain["code"]]["functions_removed"] == [
        "insurance.vehicle",
        "insurance.vehicle.query",
    ]
    assert by_code[plain["code"]]["entries_enabled"] == ["finance"]
    # `custom` no longer had the vehicle query: only finance arrives; its risk stays.
    assert by_code[custom["code"]]["functions_removed"] == []
    assert by_code[custom["code"]]["functions_added"] == [
        "finance.invoice",
        "finance.invoice.query",
    ]
    assert (
        by_code[custom["code"]]["version_before"],
        by_code[custom["code"]]["version_after"],
    ) == (2, 3)
    # A preview writes nothing.
    assert (await admin.entitlement(plain))["version"] == 1
    assert (await admin.call("GET", f"/v1/admin/packages/{code}"))["version"] == 1

    applied = await admin.call(
        "PUT", f"/v1/admin/packages/{code}", json={**change, "based_on_version": 1}
    )
    assert applied["applied"] is True
    assert applied["institutions"] == preview["institutions"]
    after_plain, after_custom = await admin.entitlement(plain), await admin.entitlement(custom)
    assert after_plain["version"] == 2 and after_custom["version"] == 3
    assert _enabled(after_custom) == {"insurance", "finance", "risk"}
    stale = await admin.call(
        "PUT", f"/v1/admin/packages/{code}", json={**change, "based_on_version": 1}, expect=409
    )
    assert stale["code"] == "package_changed_meanwhile"

    # Published through the outbox to the real broker, keyed by institution.
    wanted = {(plain["id"], 2), (custom["id"], 3)}
    found = await read_topic(
        "sso.entitlement",
        lambda e: (e["payload"]["org_id"], e["payload"]["entitlement_version"]) in wanted,
        want=2,
    )
    assert {(key, e["payload"]["entitlement_version"]) for key, e in found} == wanted
    custom_event = next(e for key, e in found if key == custom["id"])
    assert sorted(custom_event["payload"]["entries"]) == ["finance", "insurance", "risk"]
    assert custom_event["payload"]["changed_by"] == "operator-1"
    assert await db.count(InstitutionEntitlement) > 0

    # Packages are platform-wide: an institution admin may not even preview.
    refused = await admin.client.post(
        f"/v1/admin/packages/{code}/preview",
        json=change,
        headers=admin.headers(plain["id"], ["sso.admin.package.manage"], operator=False),
    )
    assert refused.json()["code"] == "platform_operator_required"
