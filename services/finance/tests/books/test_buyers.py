"""Invoicing details (开票信息) per institution: validated, scoped, who/when, the default buyer
of every application to the institution (saved later: used when issuing), overridable per
application and per invoice; a missing buyer is a 422 with a stable code."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from servicekit.testing.tokens import TestTokenIssuer

DETAILS = {
    "name": "华成保险代理有限公司",
    "tax_id": "91310000MA1FL0XX1C",
    "address": "上海市浦东新区世纪大道 100 号 021-55550000",
    "bank_account": "招商银行上海分行 1219 0000 0000 001",
}


def _bare(lines: list[tuple[str, str]], books: Any) -> dict[str, Any]:
    body = books.application_body(lines)
    del body["buyer"]
    return body


async def test_saved_details_are_every_applications_buyer_and_can_be_overridden(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, books: Any
) -> None:
    org = uuid.uuid4()
    h = books.headers(token_issuer, org, subject="clerk-hc")
    first, second, third = await books.record_orders(app, org, 100_00, 200_00, 300_00)

    missing = await client.get(f"/v1/invoices/buyers/{org}", headers=h)
    assert (missing.status_code, missing.json()["code"]) == (404, "buyer_not_found")
    # Applied before the details exist: no buyer, and issuing without one is refused.
    early = (await client.post("/v1/invoices/applications",
                               json=_bare([(first, "100.00")], books), headers=h)).json()  # fmt: skip
    assert early["buyer"] is None
    refused = await client.post(
        f"/v1/invoices/applications/{early['id']}/issue",
        json={"invoice_no": books.invoice_no(), "issue_date": "2026-11-25"},
        headers=h,
    )
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "buyer_missing"
    assert body["errors"][0]["field"] == "body.buyer"
    assert body["errors"][0]["code"] == "buyer_missing"

    bad = await client.put(
        f"/v1/invoices/buyers/{org}", json={**DETAILS, "tax_id": "91310000MA1FL0XX1X"}, headers=h
    )
    assert bad.status_code == 422
    assert (bad.json()["errors"][0]["field"], bad.json()["errors"][0]["code"]) == (
        "body.tax_id", "tax_id_invalid",
    )  # fmt: skip
    saved = await client.put(f"/v1/invoices/buyers/{org}", json=DETAILS, headers=h)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["updated_by"], saved.json()["tax_id"]) == ("clerk-hc", DETAILS["tax_id"])
    assert (await client.get(f"/v1/invoices/buyers/{org}", headers=h)).json()["name"] == DETAILS[
        "name"
    ]

    # Saved later: the earlier application is issued with them.
    issued = await client.post(
        f"/v1/invoices/applications/{early['id']}/issue",
        json={"invoice_no": books.invoice_no(), "issue_date": "2026-11-25"},
        headers=h,
    )
    assert issued.status_code == 200, issued.text
    assert issued.json()["buyer"]["tax_id"] == DETAILS["tax_id"]
    # A new application takes them by default ...
    later = (await client.post("/v1/invoices/applications",
                               json=_bare([(second, "200.00")], books), headers=h)).json()  # fmt: skip
    assert later["buyer"] == {k: DETAILS[k] for k in ("name", "tax_id", "address", "bank_account")}
    # ... and the clerk may correct the buyer for one invoice, or one application.
    other = {"name": "华成保险代理有限公司深圳分公司", "tax_id": "91440300MA5EXAMPLA"}
    corrected = await client.post(
        f"/v1/invoices/applications/{later['id']}/issue",
        json={"invoice_no": books.invoice_no(), "issue_date": "2026-11-25", "buyer": other},
        headers=h,
    )
    assert corrected.json()["buyer"]["name"] == other["name"]
    own = await client.post(
        "/v1/invoices/applications",
        json={**_bare([(third, "300.00")], books), "buyer": other},
        headers=h,
    )
    assert own.json()["buyer"]["tax_id"] == other["tax_id"]
    assert (await client.get(f"/v1/invoices/buyers/{org}", headers=h)).json()["tax_id"] == (
        DETAILS["tax_id"]
    )


async def test_invoicing_details_are_scoped_to_the_institution(
    client: httpx.AsyncClient, token_issuer: TestTokenIssuer, books: Any
) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    ha, hb = books.headers(token_issuer, a), books.headers(token_issuer, b)
    assert (
        await client.put(f"/v1/invoices/buyers/{a}", json=DETAILS, headers=ha)
    ).status_code == 200
    for path in (f"/v1/invoices/buyers/{a}",):
        seen = await client.get(path, headers=hb)
        assert (seen.status_code, seen.json()["code"]) == (404, "org_not_visible")
    written = await client.put(f"/v1/invoices/buyers/{a}", json=DETAILS, headers=hb)
    assert written.status_code == 404
    listed = (await client.get("/v1/invoices/buyers", headers=hb)).json()
    assert all(row["customer_org_id"] != str(a) for row in listed)
    assert [row["customer_org_id"] for row in (await client.get(
        "/v1/invoices/buyers", headers=ha)).json()] == [str(a)]  # fmt: skip
