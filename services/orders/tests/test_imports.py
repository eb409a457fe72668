"""Bulk import: dry run, commit, idempotent re-import, malformed rows, encodings, XLSX, chunks."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from openpyxl import Workbook

from orders.order.service import OrderService

HEADER = "category,direction,customer_org_id,amount,source_service,source_ref,sign_date,counterparty_name"


def _csv(api: Any, source: str, rows: list[tuple[str, str]], org: uuid.UUID | None = None) -> str:
    """rows: (source_ref, amount)."""
    org = org or api.org_a
    lines = [HEADER] + [
        f"risk_assessment,receivable,{org},{amount},{source},{ref},2026-11-20,某保险公司"
        for ref, amount in rows
    ]
    return "\n".join(lines) + "\n"


async def _upload(
    api: Any, content: bytes, *, dry_run: bool = True, filename: str = "orders.csv"
) -> dict[str, Any]:
    response = await api.client.post(
        "/v1/orders/imports",
        params={"filename": filename, "dry_run": str(dry_run).lower()},
        content=content,
        headers=api.headers(),
    )
    assert response.status_code == 202, response.text
    job = await api.client.get(f"/v1/orders/imports/{response.json()['id']}", headers=api.headers())
    return dict(job.json())


async def _orders(api: Any, source: str) -> list[dict[str, Any]]:
    response = await api.client.get(
        "/v1/orders", params={"source_service": source, "limit": 200}, headers=api.headers()
    )
    return list(response.json()["items"])


def _source() -> str:
    return f"imp-{uuid.uuid4().hex[:8]}"


async def test_dry_run_writes_nothing_and_reports_bad_rows_by_column(api: Any) -> None:
    source = _source()
    text = _csv(api, source, [("r1", "10.00"), ("r2", "1.001"), ("r3", "5")])
    text += f"no_such_category,receivable,{api.org_a},1.00,{source},r4,,\n"
    job = await _upload(api, text.encode())
    assert job["status"] == "succeeded" and job["dry_run"] is True
    assert (job["total"], job["processed"]) == (4, 4)
    assert (job["created"], job["skipped"], job["failed"]) == (2, 0, 2)
    assert await _orders(api, source) == []

    report = await api.client.get(f"/v1/orders/imports/{job['id']}/errors", headers=api.headers())
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "row,column,code,message,value"
    assert lines[1].startswith("3,amount,value_error,") and lines[1].endswith(",1.001")
    assert lines[2].startswith("5,category,enum,")


async def test_a_dry_run_says_what_the_import_would_do_across_chunks(
    api: Any, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same verdicts as the import, row for row, with chunks of two rows: an order that exists
    is skipped, a repeat of an earlier row of the file is skipped (same content) or refused
    (different content, even in a later chunk), another institution's order is refused."""
    monkeypatch.setattr(app.state.settings, "import_chunk_rows", 2)
    source = _source()
    await _upload(api, _csv(api, source, [("old", "1.00")]).encode(), dry_run=False)
    text = _csv(api, source, [("old", "1.00"), ("r1", "2.00"), ("r1", "2.00"), ("r1", "9.99")])
    text += f"risk_assessment,receivable,{api.org_b},3.00,{source},r2,2026-11-20,某保险公司\n"

    job = await _upload(api, text.encode())

    assert (job["created"], job["skipped"], job["failed"]) == (1, 2, 2)
    assert [o["source_ref"] for o in await _orders(api, source)] == ["old"]
    report = await api.client.get(f"/v1/orders/imports/{job['id']}/errors", headers=api.headers())
    rows = report.content.decode("utf-8-sig").splitlines()[1:]
    assert [r.split(",")[:3] for r in rows] == [
        ["5", "source_ref", "source_ref_reused"],
        ["6", "customer_org_id", "org_not_visible"],
    ]
    assert "an earlier row of this file" in rows[0]


async def test_commit_creates_through_the_rest_path_and_reimport_is_idempotent(
    api: Any, db: Any
) -> None:
    source = _source()
    rows = [("r1", "10.00"), ("r2", "0.01")]
    job = await _upload(api, _csv(api, source, rows).encode(), dry_run=False)
    assert (job["created"], job["skipped"], job["failed"]) == (2, 0, 0)
    orders = await _orders(api, source)
    assert sorted(o["amount"] for o in orders) == ["0.01", "10.00"]
    assert orders[0]["counterparty"] == {"name": "某保险公司", "id": None}
    detail = await api.get(orders[0]["id"])
    assert detail["trajectory"][0]["cause"] == f"import-{job['id']}"
    assert await db.steps(orders[0]["id"]) == 1

    again = await _upload(api, _csv(api, source, rows).encode(), dry_run=False)
    assert (again["created"], again["skipped"], again["failed"]) == (0, 2, 0)
    changed = await _upload(
        api, _csv(api, source, [("r1", "10.00"), ("r2", "0.02")]).encode(), dry_run=False
    )
    assert (changed["created"], changed["skipped"], changed["failed"]) == (0, 1, 1)
    report = await api.client.get(
        f"/v1/orders/imports/{changed['id']}/errors", headers=api.headers()
    )
    assert "3,source_ref,source_ref_reused," in report.content.decode("utf-8-sig")
    assert len(await _orders(api, source)) == 2


async def test_other_institutions_rows_are_refused(api: Any) -> None:
    source = _source()
    job = await _upload(api, _csv(api, source, [("r1", "1.00")], org=api.org_b).encode())
    assert job["failed"] == 1
    report = await api.client.get(f"/v1/orders/imports/{job['id']}/errors", headers=api.headers())
    assert "2,customer_org_id,org_not_visible," in report.content.decode("utf-8-sig")
    other = await api.client.get(
        f"/v1/orders/imports/{job['id']}", headers=api.headers(api.org_b, subject="clerk-b")
    )
    assert other.status_code == 404


async def test_gb18030_csv(api: Any) -> None:
    source = _source()
    job = await _upload(api, _csv(api, source, [("r1", "88.80")]).encode("gb18030"), dry_run=False)
    assert job["created"] == 1, job
    (order,) = await _orders(api, source)
    assert order["counterparty"]["name"] == "某保险公司"


async def test_xlsx_with_extension_columns(api: Any) -> None:
    source = _source()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["category", "direction", "customer_org_id", "amount", "source_service", "source_ref",
         "coupon_used_at", "car_model", "province_code", "city_code", "merchant_id",
         "merchant_name", "product_id", "product_name"]
    )  # fmt: skip
    good = ["value_added_redemption", "receivable", str(api.org_a), 12.5, source, "x1",
            "2026-11-20T10:00:00+08:00", "比亚迪 秦PLUS", "440000", "440300", "m1", "洗车店",
            "p1", "精洗"]  # fmt: skip
    bad = [*good[:5], "x2", *good[6:8], "440000", "450300", *good[10:]]
    sheet.append(good)
    sheet.append(bad)
    buffer = io.BytesIO()
    book.save(buffer)
    job = await _upload(api, buffer.getvalue(), dry_run=False, filename="orders.xlsx")
    assert (job["created"], job["failed"]) == (1, 1), job
    (order,) = await _orders(api, source)
    assert order["amount"] == "12.50"
    detail = await api.get(order["id"])
    assert detail["extension"]["location"]["city_code"] == "440300"
    report = await api.client.get(f"/v1/orders/imports/{job['id']}/errors", headers=api.headers())
    assert "3,city_code,city_not_in_province," in report.content.decode("utf-8-sig")


async def test_unknown_column_fails_the_file(api: Any) -> None:
    job = await _upload(api, b"category,colour\nx,y\n")
    assert job["status"] == "failed" and job["total"] == 0
    report = await api.client.get(f"/v1/orders/imports/{job['id']}/errors", headers=api.headers())
    assert "1,colour,unknown_column," in report.content.decode("utf-8-sig")


async def test_a_failed_chunk_leaves_nothing_half_written_and_resumes(
    api: Any, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "import_chunk_rows", 2)
    real_create = OrderService.create_many

    async def failing(self: OrderService, batch: Any, principal: Any) -> Any:
        results = await real_create(self, batch, principal)  # r3 written, then the failure
        if any(data.source_ref == "r4" for data in batch):
            raise RuntimeError("disk full")
        return results

    monkeypatch.setattr(OrderService, "create_many", failing)
    source = _source()
    rows = [(f"r{i}", "1.00") for i in range(1, 6)]
    job = await _upload(api, _csv(api, source, rows).encode(), dry_run=False)
    assert job["status"] == "failed"
    assert (job["processed"], job["created"]) == (2, 2)
    assert "rows from 4 on" in job["error"]
    assert sorted(o["source_ref"] for o in await _orders(api, source)) == ["r1", "r2"]  # not r3

    monkeypatch.setattr(OrderService, "create_many", real_create)
    resumed = await api.client.post(f"/v1/orders/imports/{job['id']}/resume", headers=api.headers())
    assert resumed.status_code == 202, resumed.text
    done = (await api.client.get(f"/v1/orders/imports/{job['id']}", headers=api.headers())).json()
    assert done["status"] == "succeeded"
    assert (done["processed"], done["created"], done["failed"]) == (5, 5, 0)
    assert len(await _orders(api, source)) == 5


async def test_order_lines_one_row_each_under_chinese_headers(api: Any) -> None:
    source = _source()
    org = api.org_a
    text = "\n".join(
        [
            "类别,方向,客户机构,来源系统,订单号,签单日期,税率,明细说明,数量,单价",
            f"risk_assessment,receivable,{org},{source},o1,2026-11-20,0.06,现场查勘,2,100.00",
            f",,,{source},o1,,,风险报告,1,0.01",
            f"risk_assessment,receivable,{org},{source},o1,,,复核,0.5,3",
            f"risk_assessment,receivable,{org},{source},o2,2026-11-21,,评估,1,5",
            # o3: a later row contradicts the first: the whole order is refused.
            f"risk_assessment,receivable,{org},{source},o3,,,A,1,1",
            f"technical_service,receivable,{org},{source},o3,,,B,1,1",
            # o4: a bad line: refused, naming the line's row and column.
            f"risk_assessment,receivable,{org},{source},o4,,,A,1,1",
            f",,,{source},o4,,,B,-1,1",
        ]
    )
    job = await _upload(api, text.encode("gb18030"), dry_run=False)
    assert job["status"] == "succeeded", job
    assert (job["total"], job["processed"]) == (8, 8)
    assert (job["created"], job["failed"]) == (2, 2)
    orders = {o["source_ref"]: o for o in await _orders(api, source)}
    assert set(orders) == {"o1", "o2"}
    detail = await api.get(orders["o1"]["id"])
    assert [(line["description"], line["amount"]) for line in detail["lines"]] == [
        ("现场查勘", "200.00"), ("风险报告", "0.01"), ("复核", "1.50"),
    ]  # fmt: skip
    assert (detail["amount"], detail["tax_rate"], detail["sign_date"]) == (
        "201.51", "0.06", "2026-11-20",
    )  # fmt: skip
    report = await api.client.get(f"/v1/orders/imports/{job['id']}/errors", headers=api.headers())
    text = report.content.decode("utf-8-sig")
    assert "7,类别,inconsistent_order_column," in text  # the header as the file wrote it
    assert ",数量," in text and text.count("\n9,") == 1  # o4's second row, the quantity


async def test_english_and_chinese_headers_are_one_vocabulary(api: Any) -> None:
    both = "category,类别\nrisk_assessment,risk_assessment\n"
    job = await _upload(api, both.encode())
    assert job["status"] == "failed"
    report = await api.client.get(f"/v1/orders/imports/{job['id']}/errors", headers=api.headers())
    assert "1,category,duplicate_column," in report.content.decode("utf-8-sig")
    source = _source()
    mixed = (
        "类别,direction,客户机构ID,金额,来源系统,来源单号,交易对方\n"
        f"risk_assessment,receivable,{api.org_a},12.50,{source},c1,某保险公司\n"
    )
    job = await _upload(api, mixed.encode(), dry_run=False)
    assert (job["status"], job["created"]) == ("succeeded", 1)
    (order,) = await _orders(api, source)
    assert (order["amount"], order["counterparty"]["name"]) == ("12.50", "某保险公司")


async def test_labelled_columns_take_their_chinese_labels(api: Any) -> None:
    # As the export writes them and as a clerk types them: 风险评估 / 应收 / 科技公司.
    source = _source()
    labelled = (
        "订单类别,收付方向,客户机构ID,金额,来源系统,来源单号,销售主体\n"
        f"风险评估,应收,{api.org_a},12.50,{source},l1, 科技公司 \n"
        f"风险评估服务,应收,{api.org_a},1.00,{source},l2,科技公司\n"
    )
    job = await _upload(api, labelled.encode(), dry_run=False)
    assert (job["created"], job["failed"]) == (1, 1), job
    (order,) = await _orders(api, source)
    assert (order["category"], order["direction"], order["seller"]) == (
        "risk_assessment", "receivable", "technology_company",
    )  # fmt: skip
    report = await api.client.get(f"/v1/orders/imports/{job['id']}/errors", headers=api.headers())
    # The unknown label, under the header as the file wrote it.
    assert "3,订单类别,enum," in report.content.decode("utf-8-sig")


async def test_a_reference_taken_meanwhile_falls_back_to_one_by_one(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another creator took a reference between the batch's lookup and its insert: the batch's
    inserts roll back (savepoint) and each row goes through `create` — nothing doubled."""
    from orders.order.repository import OrderRepository

    source = _source()
    taken = await api.create(source_service=source, source_ref="r2", amount="2.00")

    async def nothing_found(self: OrderRepository, sources: Any) -> dict[Any, Any]:
        return {}  # as if r2 did not exist yet when the batch looked

    monkeypatch.setattr(OrderRepository, "by_sources", nothing_found)
    rows = [("r1", "1.00"), ("r2", "2.00"), ("r3", "3.00")]
    job = await _upload(api, _csv(api, source, rows).encode(), dry_run=False)
    assert (job["status"], job["created"], job["skipped"], job["failed"]) == (
        "succeeded", 2, 1, 0,
    )  # fmt: skip
    orders = await _orders(api, source)
    assert sorted(o["source_ref"] for o in orders) == ["r1", "r2", "r3"]
    assert next(o for o in orders if o["source_ref"] == "r2")["id"] == taken["id"]


async def test_an_import_unfreezes_the_collector_when_it_ends(api: Any) -> None:
    # The runner keeps old objects out of the collector's full passes while its chunks run;
    # afterwards the process must be back to normal collection (nothing left frozen).
    import gc

    frozen_before = gc.get_freeze_count()
    source = _source()
    job = await _upload(api, _csv(api, source, [("g1", "1.00")]).encode(), dry_run=False)
    assert job["status"] == "succeeded" and job["created"] == 1
    assert gc.get_freeze_count() == frozen_before
