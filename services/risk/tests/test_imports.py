"""The request import: dry run, per-row errors by column, all or nothing, idempotent by the
caller's reference; XLSX as well as CSV."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable

import httpx
from openpyxl import Workbook

from servicekit.clock import FixedClock

Headers = Callable[..., dict[str, str]]
HEADER = ["外部单号", "保险公司代码", "保险公司", "车架号", "车牌号", "初次登记日期", "使用性质",
          "地区代码", "验车人", "验车时间", "验车地点", "表显里程", "损伤项", "照片", "改装",
          "泡水痕迹", "业务员及比例"]  # fmt: skip


def row(ref: str, vin: str, **changes: str) -> list[str]:
    values = {
        "外部单号": ref, "保险公司代码": "PICC", "保险公司": "中国人保财险", "车架号": vin,
        "车牌号": "浙A12345", "初次登记日期": "2023-05-01", "使用性质": "家庭自用",
        "地区代码": "330100", "验车人": "王验车", "验车时间": "2026-10-14T10:00:00+08:00",
        "验车地点": "杭州", "表显里程": "42000", "损伤项": "前保险杠:minor",
        "照片": "oss://a.jpg;oss://b.jpg", "改装": "否", "泡水痕迹": "否",
        "业务员及比例": "promoter-1:张三:100",
    }  # fmt: skip
    values.update(changes)
    return [values[h] for h in HEADER]


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode("utf-8")


async def test_dry_run_errors_then_import_then_again(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, org_a: uuid.UUID,
    vins: tuple[str, ...],
) -> None:  # fmt: skip
    h = headers(org_a)
    bad = as_csv([
        row("r-1", vins[0]),
        row("r-2", "NOT-A-VIN"),
        row("r-3", vins[2], 使用性质="出租"),
        row("r-4", vins[2], 业务员及比例="p1:张三:60;p2:李四:30"),
        row("r-1", vins[1]),
    ])  # fmt: skip
    files = {"file": ("requests.csv", bad, "text/csv")}
    dry = await client.post("/v1/requests/import", params={"dry_run": "true"}, files=files,
                            headers=h)  # fmt: skip
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["rows"] == 5 and report["created"] == 0
    assert [(e["row"], e["field"], e["code"]) for e in report["errors"]] == [
        (3, "vin", "value_error"),
        (4, "use_nature", "enum"),
        (5, "payees", "shares_not_whole"),
        (6, "reference", "reference_repeated"),
    ]
    real = await client.post("/v1/requests/import", params={"dry_run": "false"}, files=files,
                             headers=h)  # fmt: skip
    assert real.status_code == 422 and real.json()["code"] == "import_rejected"
    assert (await client.get("/v1/requests", headers=h)).json()["total"] == 0

    good = {"file": ("requests.csv", as_csv([row("r-1", vins[0]), row("r-2", vins[1])]),
                     "text/csv")}  # fmt: skip
    checked = (await client.post("/v1/requests/import", files=good, headers=h)).json()
    assert (checked["dry_run"], checked["created"], checked["errors"]) == (True, 2, [])
    done = await client.post("/v1/requests/import", params={"dry_run": "false"}, files=good,
                             headers=h)  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["created"] == 2 and len(done.json()["request_nos"]) == 2
    again = await client.post("/v1/requests/import", params={"dry_run": "false"}, files=good,
                              headers=h)  # fmt: skip
    assert (again.json()["created"], again.json()["existing"]) == (0, 2)
    page = (await client.get("/v1/requests", headers=h)).json()
    assert page["total"] == 2
    assert {r["channel"] for r in page["items"]} == {"import"}
    one = page["items"][0]
    assert one["inspection"]["damage_items"] == [
        {"part": "前保险杠", "severity": "minor", "note": None}
    ]


async def test_xlsx_and_unreadable_files(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, org_a: uuid.UUID,
    vins: tuple[str, ...],
) -> None:  # fmt: skip
    h = headers(org_a)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(row("x-1", vins[2], 初次登记日期="2027-01-01"))
    buffer = io.BytesIO()
    book.save(buffer)
    files = {"file": ("requests.xlsx", buffer.getvalue(), "application/octet-stream")}
    report = (await client.post("/v1/requests/import", files=files, headers=h)).json()
    assert [(e["row"], e["field"], e["code"]) for e in report["errors"]] == [
        (2, "register_date", "in_future")
    ]
    broken = {"file": ("requests.xlsx", b"not a workbook", "application/octet-stream")}
    answer = await client.post("/v1/requests/import", files=broken, headers=h)
    assert answer.status_code == 422 and answer.json()["code"] == "file_unreadable"
    assert answer.json()["errors"][0]["field"] == "file"
    missing = {"file": ("r.csv", "车架号\nLSVAM4187C2184847\n".encode(), "text/csv")}
    answer = await client.post("/v1/requests/import", files=missing, headers=h)
    assert answer.status_code == 422 and "missing columns" in answer.json()["detail"]
