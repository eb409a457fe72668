"""Legacy import of the risk-assessment system's institutions and users (CSV and XLSX): dry
run, per-row error report, conflict rules, idempotent re-import."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from openpyxl import Workbook

from sso.organizations.models import Institution
from sso.users.models import User
from sso.users.service import AuthFailure

CSV = {"content-type": "text/csv"}


def _csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def _xlsx(rows: list[list[Any]], sheet: str = "users") -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def _import(admin: Any, kind: str, content: bytes, *, dry_run: bool, **kw: Any) -> Any:
    return await admin.call(
        "POST",
        f"/v1/admin/imports/{kind}",
        content=content,
        params={"dry_run": str(dry_run).lower(), "filename": f"legacy-{kind}"},
        **kw,
    )


def _report_rows(response: Any) -> list[dict[str, str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(text[1:])))


async def test_csv_dry_run_report_and_idempotent_reimport(admin: Any, db: Any) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    other = await admin.institution("agency")
    elsewhere = await admin.user(other)
    institutions = _csv(
        [
            ["机构编码", "机构名称", "机构类型", "上级机构编码", "省份代码", "城市代码"],
            # A branch before its head office: imported after it all the same.
            [f"RK-{tag}-HZ", "杭州分部", "insurtech_service", f"RK-{tag}", "330000", "330100"],
            [f"RK-{tag}", "风控总部", "保险技术服务", "", "330000", "330100"],
            [f"RK-{tag}-X", "坏类型", "bank", "", "", ""],
            [f"RK-{tag}-Y", "无上级", "insurtech_service", "NO-SUCH-PARENT", "", ""],
        ],
        encoding="gb18030",
    )
    counts = (await db.count(Institution), await db.count(User))

    dry = await _import(admin, "institutions", institutions, dry_run=True, headers=CSV)
    assert (dry["dry_run"], dry["rows"], dry["created"], dry["failed"]) == (True, 4, 2, 2)
    assert {
        (r["row"], r["errors"][0]["field"], r["errors"][0]["code"]) for r in dry["error_rows"]
    } == {
        (4, "institution_type", "enum"),
        (5, "parent_code", "unknown_parent"),
    }
    assert (await db.count(Institution), await db.count(User)) == counts  # a dry run writes nothing

    report = await admin.call("GET", f"/v1/admin/imports/{dry['id']}/report.csv")
    rows = _report_rows(report)
    assert [(r["row"], r["outcome"]) for r in rows] == [
        ("2", "would_create"),
        ("3", "would_create"),
        ("4", "error"),
        ("5", "error"),
    ]
    assert rows[3]["error_columns"] == "parent_code"
    assert rows[3]["institution_name"] == "无上级"  # the row's own cells, to fix and re-import

    real = await _import(admin, "institutions", institutions, dry_run=False, headers=CSV)
    assert (real["created"], real["failed"]) == (2, 2)
    again = await _import(admin, "institutions", institutions, dry_run=False, headers=CSV)
    assert (again["created"], again["skipped"], again["failed"]) == (0, 2, 2)
    tree = await admin.call("GET", "/v1/admin/institutions", params={"q": f"rk-{tag}"})
    head, branch = tree
    assert (branch["parent_id"], branch["region"]["city_code"]) == (head["id"], "330100")

    users = _csv(
        [
            [
                "username",
                "display_name",
                "institution_code",
                "phone",
                "email",
                "status",
                "legacy_id",
            ],
            [f"risk.{tag}.a", "李雷", f"RK-{tag}", "13800138000", "", "启用", "1001"],
            [f"risk.{tag}.b", "韩梅梅", f"RK-{tag}-HZ", "", "hmm@example.com", "停用", "1002"],
            [f"risk.{tag}.c", "无机构", "NO-SUCH-ORG", "", "", "", "1003"],
            [elsewhere["username"].upper(), "别处的人", f"RK-{tag}", "", "", "", "1004"],
            [f"RISK.{tag}.A", "重复", f"RK-{tag}", "", "", "", "1005"],
        ]
    )
    first = await _import(admin, "users", users, dry_run=False, headers=CSV)
    assert (first["created"], first["skipped"], first["failed"]) == (2, 0, 3)
    assert {(r["row"], r["errors"][0]["code"]) for r in first["error_rows"]} == {
        (4, "unknown_institution"),
        (5, "username_in_other_institution"),
        (6, "duplicate_in_file"),
    }
    again = await _import(admin, "users", users, dry_run=False, headers=CSV)
    assert (again["created"], again["skipped"], again["failed"]) == (0, 2, 3)
    assert await db.count(User) == counts[1] + 2

    page = await admin.call("GET", "/v1/admin/users", params={"q": f"risk.{tag}"})
    imported = {u["username"]: u for u in page["items"]}
    lei = imported[f"risk.{tag}.a"]
    assert (lei["has_password"], lei["must_change_password"], lei["source"]) == (
        False,
        True,
        "import",
    )
    assert (lei["phone"], lei["external_ref"]) == ("13800138000", "1001")
    assert imported[f"risk.{tag}.b"]["status"] == "disabled"
    async with db.services() as services:
        refused = await services.users.authenticate(lei["username"], "")
    assert refused.failure is AuthFailure.invalid_credentials  # no usable password until a reset

    changed = _csv(
        [["username", "display_name", "institution_code"], [f"risk.{tag}.a", "李雷雷", f"RK-{tag}"]]
    )
    differs = await _import(admin, "users", changed, dry_run=True, headers=CSV)
    assert differs["error_rows"][0]["errors"][0]["code"] == "differs_from_existing"
    assert differs["error_rows"][0]["errors"][0]["field"] == "display_name"


async def test_xlsx_import(admin: Any, db: Any) -> None:
    tag = uuid.uuid4().hex[:6]
    institution = await admin.institution("insurtech_service")
    role = await admin.role(institution, ["risk.assessment.query"])
    workbook = _xlsx(
        [
            ["用户名", "姓名", "机构编码", "手机号", "角色编码", "原系统ID"],
            [f"x.{tag}.1", "王五", institution["code"], 13900139000, role["code"], 2001],
            [f"x.{tag}.2", "赵六", institution["code"], None, "no-such-role", 2002],
            [f"x.{tag}.3", "", institution["code"], None, None, 2003],
        ]
    )
    dry = await _import(
        admin, "users", workbook, dry_run=True, headers={"content-type": "application/octet-stream"}
    )
    assert (dry["format"], dry["created"], dry["failed"]) == ("xlsx", 1, 2)
    assert {(r["row"], r["errors"][0]["field"]) for r in dry["error_rows"]} == {
        (3, "role_codes"),
        (4, "display_name"),
    }
    real = await _import(admin, "users", workbook, dry_run=False)
    assert (real["created"], real["failed"]) == (1, 2)
    again = await _import(admin, "users", workbook, dry_run=False)
    assert (again["created"], again["skipped"]) == (0, 1)
    page = await admin.call("GET", "/v1/admin/users", params={"q": f"x.{tag}"})
    [wang] = page["items"]
    assert (wang["phone"], wang["external_ref"]) == ("13900139000", "2001")
    assert [r["code"] for r in wang["roles"]] == [role["code"]]
    # Imported users are audited like any other creation.
    assert len(await db.audit("user.created", wang["id"])) == 1


async def test_bad_files_are_refused_whole(admin: Any) -> None:
    missing = await admin.call(
        "POST",
        "/v1/admin/imports/users",
        expect=422,
        content=_csv([["username", "phone"], ["a", "1"]]),
    )
    assert missing["code"] == "missing_columns"
    assert "display_name" in missing["detail"] and "institution_code" in missing["detail"]
    empty = await admin.call("POST", "/v1/admin/imports/users", expect=422, content=b"")
    assert empty["code"] == "empty_file"
    broken = await admin.call(
        "POST", "/v1/admin/imports/users", expect=422, content=b"PK\x03\x04 not really a workbook"
    )
    assert broken["code"] == "unreadable_file"
    kind = await admin.call("POST", "/v1/admin/imports/roles", expect=422, content=b"a,b")
    assert kind["errors"][0]["field"] == "path.kind"
    template = await admin.call("GET", "/v1/admin/imports/templates/users.csv")
    assert template.text.lstrip("\ufeff").startswith("username,display_name,institution_code")
    # Someone else's import is not yours to read.
    run = await _import(
        admin, "users", _csv([["username", "display_name", "institution_code"]]), dry_run=True
    )
    institution = await admin.institution("agency")
    hidden = await admin.client.get(
        f"/v1/admin/imports/{run['id']}", headers=admin.of(institution["id"])
    )
    assert (hidden.status_code, hidden.json()["code"]) == (404, "import_not_found")
