"""Roles grant only what their institution holds; access is role ∩ entitlement, always."""

from __future__ import annotations

from typing import Any

from sso.roles.models import Role


async def test_role_granting_a_function_the_institution_lacks_is_rejected(
    admin: Any, db: Any
) -> None:
    agency = await admin.institution("agency")  # insurance + finance, no risk
    roles = await db.count(Role)
    refused = await admin.call(
        "POST",
        "/v1/admin/roles",
        expect=422,
        json={
            "institution_id": agency["id"],
            "code": "assessor",
            "name": "评估员",
            "functions": [
                "insurance.policy.query",
                "risk.assessment.query",
                "valueadd.plate.assign",
            ],
        },
    )
    assert refused["code"] == "functions_not_entitled"
    assert [(e["field"], e["function"]) for e in refused["errors"]] == [
        ("body.functions[1]", "risk.assessment.query"),
        ("body.functions[2]", "valueadd.plate.assign"),
    ]
    assert await db.count(Role) == roles  # nothing written

    role = await admin.role(agency, ["insurance.policy.query"])
    changed = await admin.call(
        "PUT",
        f"/v1/admin/roles/{role['id']}",
        expect=422,
        json={
            "name": "x",
            "functions": ["insurance.policy.query", "risk.export.create"],
        },
    )
    assert changed["errors"][0]["function"] == "risk.export.create"
    unknown = await admin.call(
        "PUT",
        f"/v1/admin/roles/{role['id']}",
        expect=422,
        json={
            "name": "x",
            "functions": ["insurance.policy.fly"],
        },
    )
    assert unknown["code"] == "unknown_functions"
    assert unknown["errors"][0]["field"] == "body.functions[0]"
    # A button brings its menu.
    assert role["functions"] == ["insurance.policy", "insurance.policy.query"]


async def test_effective_is_role_and_entitlement_after_the_entitlement_shrinks(admin: Any) -> None:
    agency = await admin.institution("agency")
    role = await admin.role(agency, ["insurance.policy.query", "finance.invoice.apply"])
    user = await admin.user(agency, roles=[role])
    me = admin.issuer.headers(entry="sso", subject=user["id"], org_id=None)

    access = await admin.call("GET", f"/v1/admin/users/{user['id']}/access")
    assert access["functions"] == {
        "finance": ["finance.invoice", "finance.invoice.apply"],
        "insurance": ["insurance.policy", "insurance.policy.query"],
    }
    entries = await admin.call("GET", "/v1/me/entries", as_=me)
    assert [(e["code"], e["launch_url"]) for e in entries["entries"]] == [
        ("insurance", "/console/insurance"),
        ("finance", "/console/finance"),
    ]
    assert entries["entitlement_version"] == 1

    # The operator turns finance off for the institution: the role keeps its definition but
    # no longer grants finance.
    current = await admin.entitlement(agency)
    await admin.set_entitlement(
        agency,
        [
            {"entry": e["entry"], "enabled": e["entry"] != "finance", "functions": e["functions"]}
            for e in current["entries"]
            if e["enabled"]
        ],
    )
    access = await admin.call("GET", f"/v1/admin/users/{user['id']}/access")
    assert access["functions"] == {"insurance": ["insurance.policy", "insurance.policy.query"]}
    assert access["entitlement_version"] == 2
    stored = await admin.call("GET", f"/v1/admin/roles/{role['id']}")
    assert "finance.invoice.apply" in stored["functions"]
    assert "finance.invoice.apply" not in stored["effective_functions"]
    entries = await admin.call("GET", "/v1/me/entries", as_=me)
    assert [e["code"] for e in entries["entries"]] == ["insurance"]

    # Taking the function away (not only the entry) works alike; the role still saves only
    # what the institution holds now.
    await admin.set_entitlement(
        agency,
        [
            {"entry": "insurance", "functions": ["insurance.vehicle.query"]},
            {"entry": "sso", "functions": ["sso.admin.user.query"]},
        ],
    )
    access = await admin.call("GET", f"/v1/admin/users/{user['id']}/access")
    assert access["functions"] == {}
    assert (await admin.call("GET", "/v1/me/entries", as_=me))["entries"] == []
    resave = await admin.call(
        "PUT",
        f"/v1/admin/roles/{role['id']}",
        expect=422,
        json={
            "name": "角色",
            "functions": stored["functions"],
        },
    )
    assert {e["function"] for e in resave["errors"]} >= {"insurance.policy.query"}


async def test_platform_operator_roles(admin: Any) -> None:
    tech = await admin.institution("technology")
    agency = await admin.institution("agency")
    outside = await admin.call(
        "POST",
        "/v1/admin/roles",
        expect=422,
        json={
            "institution_id": agency["id"],
            "code": "op",
            "name": "运营",
            "platform_operator": True,
        },
    )
    assert outside["errors"][0]["field"] == "body.platform_operator"
    # The technology company's own (non-operator) admin cannot make operators.
    refused = await admin.call(
        "POST",
        "/v1/admin/roles",
        as_=admin.of(tech["id"]),
        expect=403,
        json={
            "institution_id": tech["id"],
            "code": "op",
            "name": "运营",
            "platform_operator": True,
        },
    )
    assert refused["code"] == "platform_operator_required"
    operator_role = await admin.role(tech, ["orders.order.query"], platform_operator=True)
    operator = await admin.user(tech, roles=[operator_role])
    access = await admin.call("GET", f"/v1/admin/users/{operator['id']}/access")
    assert access["platform_operator"] is True
    # ... nor take over an operator's account.
    takeover = await admin.call(
        "POST",
        f"/v1/admin/users/{operator['id']}/reset-password",
        as_=admin.of(tech["id"]),
        json={},
        expect=403,
    )
    assert takeover["code"] == "platform_operator_required"


async def test_roles_are_assigned_within_the_users_institution(admin: Any) -> None:
    head = await admin.institution("agency")
    branch = await admin.institution("agency", head)
    head_role = await admin.role(head, ["insurance.policy.query"])
    user = await admin.user(branch)
    refused = await admin.call(
        "PUT",
        f"/v1/admin/users/{user['id']}/roles",
        expect=422,
        json={"role_ids": [head_role["id"]]},
    )
    assert refused["errors"][0] == {
        "field": "body.role_ids[0]",
        "code": "role_of_other_institution",
        "message": f"role {head_role['code']} belongs to another institution",
    }
    branch_role = await admin.role(branch, ["insurance.policy.query"])
    assigned = await admin.call(
        "PUT", f"/v1/admin/users/{user['id']}/roles", json={"role_ids": [branch_role["id"]]}
    )
    assert [r["code"] for r in assigned["roles"]] == [branch_role["code"]]
    in_use = await admin.call("DELETE", f"/v1/admin/roles/{branch_role['id']}", expect=409)
    assert in_use["code"] == "role_in_use"


async def test_portal_launches_the_institutions_own_system(admin: Any) -> None:
    agency = await admin.institution("insurtech_service")
    url = f"https://core-{agency['code'].lower()}.example/"
    await admin.call(
        "POST",
        "/v1/admin/clients",
        expect=201,
        json={
            "client_id": f"core-{agency['code'].lower()}",
            "name": "核心系统",
            "type": "public",
            "institution_id": agency["id"],
            "redirect_uris": [f"{url}callback"],
        },
    )
    current = await admin.entitlement(agency)
    await admin.set_entitlement(
        agency,
        [
            {
                "entry": e["entry"],
                "functions": e["functions"],
                "target_url": url if e["entry"] == "insurance" else None,
            }
            for e in current["entries"]
            if e["enabled"]
        ],
    )
    role = await admin.role(
        agency, ["insurance.policy.query", "risk.assessment.query", "sso.admin.user.query"]
    )
    user = await admin.user(agency, roles=[role])
    entries = await admin.call(
        "GET", "/v1/me/entries", as_=admin.issuer.headers(entry="sso", subject=user["id"])
    )
    launch = {
        e["code"]: (e["launch_url"], e["tenant_system"], e["name_zh"]) for e in entries["entries"]
    }
    assert launch == {
        "insurance": (url, True, "保险管理"),
        "risk": ("/console/risk", False, "风险评估"),
        "sso": ("/console/sso", False, "平台管理"),
    }
    missing = await admin.call(
        "GET", "/v1/me/entries", expect=404, as_=admin.issuer.headers(entry="sso", subject="nobody")
    )
    assert missing["code"] == "user_not_found"
