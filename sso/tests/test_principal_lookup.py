"""The gateway's principal lookup: who a caller is, and what it may open, as sso knows it now."""

from __future__ import annotations

from typing import Any

from sso.access.endpoints import PRINCIPAL_LOOKUP


def _gateway(admin: Any, functions: list[str] | None = None) -> dict[str, str]:
    return dict(
        admin.issuer.headers(
            entry="sso",
            subject="service:gateway",
            functions=[PRINCIPAL_LOOKUP] if functions is None else functions,
            org_id=None,
            platform_operator=True,
        )
    )


async def test_a_users_lookup_names_institution_subtree_entries_and_effective_functions(
    admin: Any,
) -> None:
    agency = await admin.institution("agency")
    branch = await admin.institution("agency", parent=agency)
    role = await admin.role(agency, ["insurance.policy.query", "finance.invoice.apply"])
    user = await admin.user(agency, roles=[role])

    found = await admin.call("GET", f"/v1/internal/principals/{user['id']}", as_=_gateway(admin))
    assert found["kind"] == "user"
    assert found["active"] is True
    assert found["username"] == user["username"]
    assert found["institution"]["id"] == agency["id"]
    assert found["institution"]["type"] == "agency"
    assert found["platform_operator"] is False
    assert found["visible_org_ids"] == [branch["id"]]
    assert found["functions"] == {
        "finance": ["finance.invoice", "finance.invoice.apply"],
        "insurance": ["insurance.policy", "insurance.policy.query"],
    }
    assert [e["code"] for e in found["entries"]] == ["insurance", "finance"]

    await admin.call("POST", f"/v1/admin/users/{user['id']}/disable")
    again = await admin.call("GET", f"/v1/internal/principals/{user['id']}", as_=_gateway(admin))
    assert again["active"] is False


async def test_a_partner_clients_lookup_covers_only_the_entries_its_scopes_name(
    admin: Any,
) -> None:
    agency = await admin.institution("agency")
    await admin.call(
        "POST",
        "/v1/admin/clients",
        expect=201,
        json={
            "client_id": "partner-lookup-test",
            "name": "合作方",
            "type": "confidential",
            "institution_id": agency["id"],
            "redirect_uris": [],
            "grant_types": ["client_credentials"],
            "scopes": ["insurance.read"],
        },
    )
    found = await admin.call(
        "GET", "/v1/internal/principals/partner-lookup-test", as_=_gateway(admin)
    )
    assert found["kind"] == "client"
    assert found["display_name"] == "合作方"  # the name services show in their trails
    assert found["active"] is True
    assert found["scopes"] == ["insurance.read"]
    assert list(found["functions"]) == ["insurance"]  # finance is held, but not in its scopes
    assert "insurance.policy.query" in found["functions"]["insurance"]
    assert found["visible_org_ids"] == []


async def test_only_the_gateways_lookup_function_may_read_principals(admin: Any) -> None:
    agency = await admin.institution("agency")
    user = await admin.user(agency)
    path = f"/v1/internal/principals/{user['id']}"
    refused = await admin.call("GET", path, as_=admin.headers(), expect=403)
    assert refused["code"] == "function_not_granted"
    missing = await admin.call(
        "GET", "/v1/internal/principals/nobody-here", as_=_gateway(admin), expect=404
    )
    assert missing["code"] == "principal_not_found"
