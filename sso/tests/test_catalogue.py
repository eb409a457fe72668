"""The function catalogue: seeded from DOMAIN.md, and the registration path for services."""

from __future__ import annotations

import uuid
from typing import Any

from sso.catalogue import admin_functions


def _codes(nodes: list[dict[str, Any]]) -> set[str]:
    return {n["code"] for n in nodes} | {c for n in nodes for c in _codes(n["children"])}


async def test_seeded_entries_and_functions(admin: Any) -> None:
    catalogue = await admin.call("GET", "/v1/admin/catalogue")
    entries = {e["code"]: e for e in catalogue["entries"]}
    assert [e["code"] for e in catalogue["entries"] if e["kind"] == "business"] == [
        "insurance",
        "risk",
        "valueadd",
        "orders",
        "finance",
    ]
    assert (entries["finance"]["name_zh"], entries["finance"]["name_en"]) == ("财务中心", "Finance")
    finance = _codes(entries["finance"]["functions"])
    assert {
        "finance.payment_request",
        "finance.fund_transfer",
        "finance.allocation",
        "finance.bank_statement",
        "finance.channel_reconciliation",
        "finance.settlement.query",
        "finance.ledger.configure",
    } <= finance
    menus = {n["code"]: n["name_zh"] for n in entries["finance"]["functions"]}
    assert menus["finance.payment_request"] == "付款申请管理"
    assert menus["finance.channel_reconciliation"] == "支付渠道对账"
    assert {
        f"orders.order.{a}" for a in ("query", "create", "reconcile", "cancel", "close", "review")
    } <= _codes(entries["orders"]["functions"])
    assert {"valueadd.mall", "valueadd.plate", "valueadd.tech_service"} <= _codes(
        entries["valueadd"]["functions"]
    )
    assert {
        "insurance.policy",
        "insurance.proposal",
        "insurance.vehicle",
        "insurance.push_task",
    } <= _codes(entries["insurance"]["functions"])
    assert set(admin_functions.ALL) <= _codes(entries["sso"]["functions"])
    assert catalogue["sources"][0]["source"] == "platform"


async def test_services_register_their_functions(admin: Any, db: Any) -> None:
    source = f"svc{uuid.uuid4().hex[:8]}"
    menu = f"finance.invoice.{source}"
    file: dict[str, Any] = {
        "source": source,
        "version": 1,
        "entries": [
            {
                "code": "finance",
                "functions": [
                    {
                        "code": menu,
                        "type": "menu",
                        "name_zh": "发票导出",
                        "name_en": "Invoice export",
                        "parent": "finance.invoice",
                        "children": [
                            {
                                "code": f"{menu}.run",
                                "type": "button",
                                "name_zh": "导出",
                                "name_en": "Export",
                            }
                        ],
                    },
                ],
            }
        ],
    }
    path = f"/v1/admin/catalogue/sources/{source}"
    first = await admin.call("PUT", path, json=file)
    assert (first["status"], first["added"]) == ("applied", [menu, f"{menu}.run"])
    again = await admin.call("PUT", path, json=file)
    assert again["status"] == "unchanged"
    changed = {
        **file,
        "entries": [
            {
                "code": "finance",
                "functions": [
                    {**file["entries"][0]["functions"][0], "name_en": "Invoice export (renamed)"}
                ],
            }
        ],
    }
    same_version = await admin.call("PUT", path, json=changed, expect=409)
    assert same_version["code"] == "catalogue_version_not_increased"
    without_button = {**changed, "version": 2}
    without_button["entries"][0]["functions"][0]["children"] = []
    second = await admin.call("PUT", path, json=without_button)
    assert (second["updated"], second["retired"]) == ([menu], [f"{menu}.run"])

    # A retired function can no longer be granted; the registered menu can.
    technology = await admin.institution("technology")
    await admin.set_entitlement(technology, [{"entry": "finance", "functions": [menu]}])
    refused = await admin.set_entitlement(
        technology, [{"entry": "finance", "functions": [f"{menu}.run"]}], expect=422
    )
    assert refused["code"] == "unknown_functions"

    # Another source's functions are not yours to redeclare; codes stay inside their entry.
    theirs = {
        "source": source,
        "version": 3,
        "entries": [
            {
                "code": "finance",
                "functions": [
                    {
                        "code": "finance.invoice.query",
                        "type": "button",
                        "name_zh": "x",
                        "name_en": "x",
                        "parent": "finance.invoice",
                    }
                ],
            }
        ],
    }
    taken = await admin.call("PUT", path, json=theirs, expect=422)
    assert taken["code"] == "catalogue_invalid" and "platform" in taken["detail"]
    outside = await admin.call(
        "PUT",
        path,
        expect=422,
        json={
            "source": source,
            "version": 3,
            "entries": [
                {
                    "code": "finance",
                    "functions": [
                        {
                            "code": "orders.order.export",
                            "type": "button",
                            "name_zh": "x",
                            "name_en": "x",
                        }
                    ],
                }
            ],
        },
    )
    assert outside["errors"][0]["field"] == "body.entries.0.functions.0.code"
    mismatch = await admin.call("PUT", "/v1/admin/catalogue/sources/other", json=file, expect=422)
    assert mismatch["errors"][0]["field"] == "body.source"
    # Operators only.
    refused = await admin.client.put(
        path,
        json={**file, "version": 9},
        headers=admin.headers(technology["id"], ["sso.admin.catalogue.manage"], operator=False),
    )
    assert refused.json()["code"] == "platform_operator_required"
