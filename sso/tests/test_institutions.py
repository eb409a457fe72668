"""Institutions as a tree: creating, moving, subtree queries, and the subtree scope of
institution admins (403 outside_subtree)."""

from __future__ import annotations

from typing import Any

from sso.audit.models import AuditEvent
from sso.organizations.models import Institution


def _codes(nodes: list[dict[str, Any]]) -> list[tuple[str, list[Any]]]:
    return [(n["code"], _codes(n["children"])) for n in nodes]


async def test_tree_move_and_subtree_queries(admin: Any) -> None:
    head = await admin.institution("agency", region={"province_code": "440000"})
    branch = await admin.institution("agency", head)
    sub = await admin.institution("agency", branch)
    other = await admin.institution("agency")
    assert (branch["depth"], sub["depth"], sub["parent_id"]) == (1, 2, branch["id"])

    # The branch's admin sees its own subtree only, nested.
    tree = await admin.call("GET", "/v1/admin/institutions/tree", as_=admin.of(branch["id"]))
    assert _codes(tree) == [(branch["code"], [(sub["code"], [])])]
    flat = await admin.call("GET", "/v1/admin/institutions", as_=admin.of(head["id"]))
    assert [i["code"] for i in flat] == [head["code"], branch["code"], sub["code"]]

    # Moving the branch under another head office takes its sub-branch along.
    moved = await admin.call(
        "POST", f"/v1/admin/institutions/{branch['id']}/move", json={"parent_id": other["id"]}
    )
    assert moved["parent_id"] == other["id"]
    tree = await admin.call("GET", "/v1/admin/institutions/tree", as_=admin.of(other["id"]))
    assert _codes(tree) == [(other["code"], [(branch["code"], [(sub["code"], [])])])]
    flat = await admin.call("GET", "/v1/admin/institutions", as_=admin.of(head["id"]))
    assert [i["code"] for i in flat] == [head["code"]]
    moved_sub = await admin.call("GET", f"/v1/admin/institutions/{sub['id']}")
    assert moved_sub["depth"] == 2

    # Under its own descendant: a cycle. Another type: not a branch.
    cycle = await admin.call(
        "POST",
        f"/v1/admin/institutions/{other['id']}/move",
        json={"parent_id": sub["id"]},
        expect=409,
    )
    assert cycle["code"] == "would_create_cycle"
    assert cycle["errors"][0]["field"] == "body.parent_id"
    mall = await admin.institution("mall")
    wrong = await admin.call(
        "POST",
        f"/v1/admin/institutions/{sub['id']}/move",
        json={"parent_id": mall["id"]},
        expect=422,
    )
    assert wrong["code"] == "type_differs_from_parent"


async def test_institution_admin_is_refused_outside_its_subtree(admin: Any) -> None:
    head = await admin.institution("agency")
    mine = await admin.institution("agency", head)
    sibling = await admin.institution("agency", head)
    sibling_role = await admin.role(sibling, ["insurance.policy.query"])
    sibling_user = await admin.user(sibling)
    me = admin.of(mine["id"])

    # Inside the subtree: allowed.
    await admin.call(
        "POST",
        "/v1/admin/institutions",
        as_=me,
        expect=201,
        json={
            "code": "IN-" + mine["code"],
            "name": "支公司",
            "type": "agency",
            "parent_id": mine["id"],
        },
    )
    ok = await admin.client.post(
        "/v1/admin/users",
        headers=me,
        json={
            "username": "in-" + mine["code"].lower(),
            "display_name": "内部",
            "institution_id": mine["id"],
            "password": "Correct-Horse-9",
        },
    )
    assert ok.status_code == 201, ok.text

    refused = [
        (
            "POST",
            "/v1/admin/users",
            {
                "username": "out-" + mine["code"].lower(),
                "display_name": "外部",
                "institution_id": sibling["id"],
            },
        ),
        ("PATCH", f"/v1/admin/institutions/{sibling['id']}", {"name": "改名"}),
        ("POST", f"/v1/admin/institutions/{sibling['id']}/disable", None),
        ("GET", f"/v1/admin/institutions/{head['id']}", None),
        ("GET", f"/v1/admin/roles/{sibling_role['id']}", None),
        ("PUT", f"/v1/admin/users/{sibling_user['id']}/roles", {"role_ids": []}),
        ("POST", f"/v1/admin/users/{sibling_user['id']}/reset-password", {}),
        (
            "POST",
            "/v1/admin/institutions",
            {
                "code": "X-" + mine["code"],
                "name": "x",
                "type": "agency",
                "parent_id": sibling["id"],
            },
        ),
    ]
    for method, path, body in refused:
        response = await admin.client.request(method, path, headers=me, json=body)
        assert response.status_code == 403, f"{method} {path}: {response.text}"
        assert response.json()["code"] == "outside_subtree"

    # Lists are scoped, not refused.
    users = await admin.call("GET", "/v1/admin/users", as_=me)
    assert sibling_user["id"] not in {u["id"] for u in users["items"]}
    assert {u["institution_id"] for u in users["items"]} == {mine["id"]}
    # A top-level institution is a platform operator's to create.
    top = await admin.call(
        "POST",
        "/v1/admin/institutions",
        as_=me,
        expect=403,
        json={"code": "TOP-" + mine["code"], "name": "x", "type": "agency"},
    )
    assert top["code"] == "platform_operator_required"


async def test_missing_function_and_bad_input(admin: Any, db: Any) -> None:
    head = await admin.institution("agency")
    reader = admin.headers(head["id"], ["sso.admin.institution.query"], operator=False)
    denied = await admin.call(
        "POST",
        "/v1/admin/institutions",
        as_=reader,
        expect=403,
        json={"code": "NOPE-1", "name": "x", "type": "agency"},
    )
    assert denied["code"] == "function_not_granted"

    institutions = await db.count(Institution)
    audits = await db.count(AuditEvent)
    bad = await admin.client.post(
        "/v1/admin/institutions",
        headers=admin.headers(),
        json={
            "code": "BAD-REGION",
            "name": "x",
            "type": "agency",
            "region": {"province_code": "440000", "city_code": "110100"},
        },
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in bad.json()["errors"]] == ["body.region.city_code"]
    unknown_type = await admin.client.post(
        "/v1/admin/institutions",
        headers=admin.headers(),
        json={"code": "BAD-TYPE", "name": "x", "type": "bank"},
    )
    assert [e["field"] for e in unknown_type.json()["errors"]] == ["body.type"]
    taken = await admin.call(
        "POST",
        "/v1/admin/institutions",
        expect=409,
        json={"code": head["code"], "name": "x", "type": "agency"},
    )
    assert taken["code"] == "institution_code_taken"
    assert taken["errors"][0]["field"] == "body.code"
    # Nothing half-written: no institution, no audit record.
    assert await db.count(Institution) == institutions
    assert await db.count(AuditEvent) == audits


async def test_changes_are_audited_with_before_and_after(admin: Any, db: Any) -> None:
    institution = await admin.institution("mall")
    await admin.call(
        "PATCH",
        f"/v1/admin/institutions/{institution['id']}",
        json={"name": "新名字", "region": {"province_code": "310000"}},
    )
    disabled = await admin.call("POST", f"/v1/admin/institutions/{institution['id']}/disable")
    assert disabled["status"] == "disabled"
    [updated] = await db.audit("institution.updated", institution["id"])
    assert updated.actor == "operator-1"
    assert (updated.before["name"], updated.after["name"]) == ("mall 机构", "新名字")
    assert updated.after["region"] == {"province_code": "310000", "city_code": None}
    [off] = await db.audit("institution.disabled", institution["id"])
    assert (off.before["status"], off.after["status"]) == ("active", "disabled")
