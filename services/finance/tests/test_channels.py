"""Payment-channel reconciliation: real WeChat Pay and Alipay bill formats, idempotent import,
findings by merchant order number, fees posted once."""

from __future__ import annotations

import importlib.util
import sys
import uuid
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from finance.channels.parsing import BillProblem, parse_alipay, parse_wechat
from servicekit.testing.tokens import TestTokenIssuer


def load_support() -> ModuleType:
    name, path = "cash_support", Path(__file__).parent / "samples" / "cash_support.py"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


C = load_support()
S = C.samples()
SAMPLES, add_order, headers, account_lines = C.SAMPLES, C.add_order, C.headers, C.account_lines
outstanding = C.outstanding


def test_sample_bills_read_to_the_fen() -> None:
    wechat = parse_wechat((SAMPLES / "wechat_bill_20261124.csv").read_bytes())
    alipay = parse_alipay((SAMPLES / "alipay_bill_20261124.zip").read_bytes())
    for bill in (wechat, alipay):
        assert str(bill.bill_date) == "2026-11-24"
        assert (bill.total_amount_fen, bill.refund_amount_fen, bill.fee_fen) == (40_700, 25_800, 89)
        assert [(x.merchant_order_no, x.kind, x.amount_fen, x.fee_fen) for x in bill.lines] == [
            ("OC20261124000101", "payment", 10_000, 60),
            ("OC20261124000102", "payment", 25_800, 155),
            ("OC20261124000103", "payment", 4_900, 29),
            ("OC20261124000102", "refund", 25_800, -155),
        ]
    assert wechat.merchant_id == "1900000109" and alipay.merchant_id == "20881234567890120156"
    assert wechat.lines[0].occurred_at.isoformat() == "2026-11-24T02:00:01+00:00"
    with zipfile.ZipFile(SAMPLES / "alipay_bill_20261124.zip") as archive:
        detail = next(n for n in archive.namelist() if "汇总" not in n)
        raw = archive.read(detail)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the real thing: GBK bytes
    assert "支付宝交易号" in raw.decode("gbk")


def test_a_bill_whose_lines_disagree_with_its_summary_is_refused() -> None:
    text = (SAMPLES / "wechat_bill_20261124.csv").read_text("utf-8")
    with pytest.raises(BillProblem) as truncated:
        parse_wechat(
            "\r\n".join(row for row in text.splitlines() if "OC20261124000103" not in row).encode()
        )
    assert (truncated.value.field, truncated.value.code) == (
        "summary.总交易单数",
        "summary_mismatch",
    )
    with pytest.raises(BillProblem) as bad:
        parse_wechat(text.replace("`100.00", "`1OO.00", 1).encode())
    assert bad.value.field == "rows[2].应结订单金额"
    with pytest.raises(BillProblem) as not_zip:
        parse_alipay(b"not a zip")
    assert not_zip.value.code == "bad_zip"


async def _channel_receipt(
    client: httpx.AsyncClient,
    h: dict[str, str],
    channel: str,
    number: str,
    amount: str,
    at: str = "2026-11-24T10:00:01+08:00",
    memo: str = "",
) -> dict[str, Any]:
    response = await client.post(
        "/v1/receipts",
        json={
            "source": channel,
            "merchant_order_no": number,
            "legal_entity": "technology_company",
            "amount": amount,
            "received_at": at,
            "memo": memo,
        },
        headers=h,
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
async def test_bill_reconciled_by_merchant_order_number_and_fees_posted_once(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, channel: str
) -> None:
    h = headers(token_issuer)
    await _channel_receipt(client, h, channel, "OC20261124000101", "100.00")
    await _channel_receipt(client, h, channel, "OC20261124000102", "250.00")  # bill says 258
    await _channel_receipt(
        client,
        h,
        channel,
        f"OC99{uuid.uuid4().int % 10**12:012d}",
        "12.00",
        at="2026-11-24T21:00:00+08:00",
    )  # ours, not in the bill
    await _channel_receipt(
        client,
        h,
        channel,
        f"OC98{uuid.uuid4().int % 10**12:012d}",
        "13.00",
        at="2026-11-25T00:30:00+08:00",
    )  # the next day: not this bill's
    name = "wechat_bill_20261124.csv" if channel == "wechat" else "alipay_bill_20261124.zip"
    content = (SAMPLES / name).read_bytes()
    url = f"/v1/channel-bills?channel={channel}&legal_entity=technology_company&filename={name}"
    imported = await client.post(url, content=content, headers=h)
    assert imported.status_code == 201, imported.text
    bill = imported.json()
    assert (bill["line_count"], bill["fee"], bill["already_imported"]) == (4, "0.89", False)
    again = await client.post(url, content=content, headers=h)
    assert (again.json()["id"], again.json()["already_imported"]) == (bill["id"], True)
    listed = await client.get(f"/v1/channel-bills?channel={channel}", headers=h)
    assert [b["id"] for b in listed.json()] == [bill["id"]]

    run = await client.post(f"/v1/channel-bills/{bill['id']}/reconciliation", headers=h)
    assert run.status_code == 200, run.text
    result = run.json()
    assert result["counts"] == {
        "matched": 1,
        "amount_mismatch": 1,
        "missing_in_books": 2,
        "missing_in_bill": 1,
    }
    found = {(i["merchant_order_no"], i["kind"]): i for i in result["items"]}
    assert found[("OC20261124000102", "payment")]["outcome"] == "amount_mismatch"
    assert (
        found[("OC20261124000102", "payment")]["bill_amount"],
        found[("OC20261124000102", "payment")]["book_amount"],
    ) == ("258.00", "250.00")
    assert found[("OC20261124000103", "payment")]["outcome"] == "missing_in_books"
    assert found[("OC20261124000102", "payout")]["outcome"] == "missing_in_books"  # the refund
    assert found[("OC20261124000101", "payment")]["fee"] == "0.60"
    assert [i["book_amount"] for i in result["items"] if i["outcome"] == "missing_in_bill"] == [
        "12.00"
    ]

    # Recorded later, then re-run: the finding moves; the fees are still posted once.
    await _channel_receipt(client, h, channel, "OC20261124000103", "49.00")
    rerun = (await client.post(f"/v1/channel-bills/{bill['id']}/reconciliation", headers=h)).json()
    assert rerun["counts"]["matched"] == 2 and rerun["counts"]["missing_in_books"] == 1
    assert await account_lines(app, "channel_fees", bill["id"]) == [
        ("6603", 89, 0),
        ("1012", 0, 89),
    ]
    only = await client.get(
        f"/v1/channel-bills/{bill['id']}/reconciliation?outcome=amount_mismatch", headers=h
    )
    assert [i["merchant_order_no"] for i in only.json()["items"]] == ["OC20261124000102"]


async def test_another_bill_for_the_same_day_and_bad_bills_are_refused(
    client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    h = headers(token_issuer)
    txn = S.ChannelTxn(
        "OC20261120000001", "4200002341202611200000000001", 1_000, 6, "2026-11-20 09:00:00"
    )
    first = S.wechat_bill([txn], merchant_id="1900000999")
    url = "/v1/channel-bills?channel=wechat&legal_entity=technology_company"
    assert (await client.post(url, content=first, headers=h)).status_code == 201
    other = S.wechat_bill(
        [
            txn,
            S.ChannelTxn(
                "OC20261120000002", "4200002341202611200000000002", 500, 3, "2026-11-20 10:00:00"
            ),
        ],
        merchant_id="1900000999",
    )
    conflict = await client.post(url, content=other, headers=h)
    assert conflict.status_code == 409 and conflict.json()["code"] == "bill_differs"
    bad = first.decode().replace("`10.00", "`10.001", 1).encode()
    refused = await client.post(url, content=bad, headers=h)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "rows[2].应结订单金额"
    wrong_kind = await client.post(url.replace("wechat", "alipay"), content=first, headers=h)
    assert wrong_kind.status_code == 422 and wrong_kind.json()["code"] == "bad_zip"
    outsider = headers(token_issuer, operator=False)
    assert (await client.get("/v1/channel-bills", headers=outsider)).status_code == 403


async def test_a_channel_receipt_quoting_an_order_is_allocated_on_the_channel_balance(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    h = headers(token_issuer)
    order = await add_order(app, uuid.uuid4(), 4_900)
    receipt = await _channel_receipt(
        client,
        h,
        "wechat",
        order.order_no,
        "49.00",
        at="2026-11-23T10:00:00+08:00",
        memo=order.order_no,
    )
    assert receipt["status"] == "allocated"
    assert await outstanding(app, order.order_id) == 0
    batch = receipt["allocations"][0]["batch_id"]
    assert batch
    duplicate = await client.post(
        "/v1/receipts",
        json={
            "source": "wechat",
            "merchant_order_no": order.order_no,
            "legal_entity": "technology_company",
            "amount": "49.00",
            "received_at": "2026-11-23T10:00:00+08:00",
        },
        headers=h,
    )
    assert duplicate.status_code == 409
