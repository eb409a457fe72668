"""Vehicle import (XLSX/CSV): dry run, per-row errors, all-or-nothing, merge with what exists."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

HEADER = (
    "车牌号,车架号,地区代码,使用性质,商业险到期日,交强险到期日,车主类型,车主姓名,证件号码,手机号\n"
)
GOOD = (
    "粤B11111,LSVAU2180N2183294,440300,非营运,2026-12-20,2027-01-10,个人,张伟,11010519491231002X,13812345678\n"
    "粤A22222,,440100,营运货车,2027-02-01,,企业,华成物流,91110000600037341L,13900001111\n"
    # The first vehicle again (same VIN): merges inside the same file.
    "粤B11111,LSVAU2180N2183294,440300,,2027-12-20,,,,,\n"
)
BAD = (
    "粤B33333,LSVAU2180N21832,440300,,2026-12-20,,个人,李娜,,13812345678\n"
    "粤B44444,,990000,,2026-13-01,,个人,王强,,12345\n"
)


def upload(name: str, content: bytes, dry_run: bool, **form: Any) -> dict[str, Any]:
    return {
        "files": {"file": (name, content)},
        "data": {"dry_run": str(dry_run).lower(), **form},
    }


async def test_dry_run_counts_exactly_and_writes_nothing(api: Any) -> None:
    content = (HEADER + GOOD).encode()
    dry = await api.ok("POST", "/v1/vehicles/imports", **upload("v.csv", content, True))
    assert (dry["rows"], dry["created"], dry["merged"], dry["errors"]) == (3, 2, 1, [])
    assert (await api.ok("GET", "/v1/vehicles"))["total"] == 0
    real = await api.ok("POST", "/v1/vehicles/imports", **upload("v.csv", content, False))
    assert (real["created"], real["merged"]) == (2, 1)
    page = await api.ok("GET", "/v1/vehicles", params={"plate": "粤B11111"})
    assert page["items"][0]["commercial_expiry"] == "2027-12-20"
    assert page["items"][0]["use_nature"] == "private"
    # Importing the same file again merges every row.
    again = await api.ok("POST", "/v1/vehicles/imports", **upload("v.csv", content, False))
    assert (again["created"], again["merged"]) == (0, 3)
    assert (await api.ok("GET", "/v1/vehicles"))["total"] == 2


async def test_bad_rows_are_named_by_row_and_field_and_nothing_is_written(
    api: Any, fields: Any
) -> None:
    content = (HEADER + GOOD + BAD).encode()
    dry = await api.ok("POST", "/v1/vehicles/imports", **upload("v.csv", content, True))
    found = {(e["row"], e["field"], e["code"]) for e in dry["errors"]}
    assert found == {
        (5, "vin", "malformed_vin"),
        (6, "region_code", "unknown_region"),
        (6, "commercial_expiry", "date_from_datetime_parsing"),
        (6, "owner.mobile", "invalid_mobile"),
    }
    real = await api.call("POST", "/v1/vehicles/imports", **upload("v.csv", content, False))
    assert real.status_code == 422
    assert real.json()["code"] == "import_rows_invalid"
    assert {(e["row"], e["field"]) for e in real.json()["errors"]} >= {
        (5, "vin"),
        (6, "region_code"),
    }
    assert (await api.ok("GET", "/v1/vehicles"))["total"] == 0
    assert (await api.ok("GET", "/v1/customers"))["total"] == 0


async def test_xlsx_with_typed_cells(api: Any) -> None:
    from datetime import datetime

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["车牌号", "地区代码", "商业险到期日", "车主姓名", "手机号"])
    sheet.append(["浙A12345", 330100, datetime(2026, 12, 1), "陈静", 13600003333])
    out = io.BytesIO()
    book.save(out)
    done = await api.ok("POST", "/v1/vehicles/imports", **upload("v.xlsx", out.getvalue(), False))
    assert (done["created"], done["errors"]) == (1, [])
    page = await api.ok("GET", "/v1/vehicles", params={"mobile_suffix": "3333"})
    assert page["items"][0]["commercial_expiry"] == "2026-12-01"


async def test_unreadable_files_are_refused(api: Any, fields: Any) -> None:
    bad_column = await api.call(
        "POST", "/v1/vehicles/imports", **upload("v.csv", "车牌号,地区代码,颜色\n".encode(), True)
    )
    assert bad_column.status_code == 422
    assert bad_column.json()["code"] == "import_unknown_column"
    no_plate = await api.call(
        "POST", "/v1/vehicles/imports", **upload("v.csv", "地区代码\n440300\n".encode(), True)
    )
    assert no_plate.json()["code"] == "import_missing_column"
    wrong_type = await api.call("POST", "/v1/vehicles/imports", **upload("v.txt", b"x", True))
    assert fields(wrong_type) == {"file": "import_file_type"}
    not_xlsx = await api.call("POST", "/v1/vehicles/imports", **upload("v.xlsx", b"x", True))
    assert not_xlsx.json()["code"] == "import_file_unreadable"


async def test_the_documented_sample_imports_cleanly(api: Any) -> None:
    from pathlib import Path

    sample = Path(__file__).parents[1] / "samples" / "vehicles.csv"
    dry = await api.ok(
        "POST", "/v1/vehicles/imports", **upload("vehicles.csv", sample.read_bytes(), True)
    )
    assert (dry["rows"], dry["created"], dry["errors"]) == (2, 2, [])
