"""Bootstrap: `python -m sso create-platform-admin` (idempotent), demo data (idempotent), and
`python -m sso register-functions`, as real commands against the test database."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sso.demo import DEMO_ADMIN_PASSWORD, DEMO_STAFF_PASSWORD, demo_org_id, load_demo_data
from sso.organizations.models import Institution
from sso.users.models import User


async def _sso(database_url: str, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "SSO_DATABASE_URL": database_url,
        "SSO_LOG_LEVEL": "WARNING",
        "SSO_ENVIRONMENT": "development",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sso",
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(stdin.encode() if stdin else None)
    return process.returncode or 0, out.decode(), err.decode()


async def test_create_platform_admin_is_idempotent(
    database_url: str, admin: Any, db: Any, tmp_path: Path
) -> None:
    username = f"root-{uuid.uuid4().hex[:6]}"
    code = f"PLAT-{uuid.uuid4().hex[:6].upper()}"
    args = (
        "create-platform-admin",
        "--username",
        username,
        "--password-stdin",
        "--institution-code",
        code,
    )
    rc, out, err = await _sso(database_url, *args, stdin="Root-Password-1\n")
    assert rc == 0, err
    assert f"created platform administrator {username} in {code}" in out
    assert "Root-Password-1" not in out + err
    rc, out, err = await _sso(database_url, *args, stdin="Other-Password-2\n")
    assert (rc, out.strip()) == (0, f"platform administrator {username} exists; nothing changed")

    user = await db.scalar(select(User).where(User.username == username))
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    access = await admin.call("GET", f"/v1/admin/users/{user.id}/access")
    assert access["platform_operator"] is True
    assert "sso.admin.package.manage" in access["functions"]["sso"]
    # register-functions: a service's catalogue file (idempotency: test_catalogue.py).
    source = f"svc{uuid.uuid4().hex[:6]}"
    file = tmp_path / "functions.json"
    file.write_text(
        json.dumps(
            {
                "source": source,
                "version": 1,
                "entries": [
                    {
                        "code": "orders",
                        "functions": [
                            {
                                "code": f"orders.{source}",
                                "type": "menu",
                                "name_zh": "新菜单",
                                "name_en": "New menu",
                            }
                        ],
                    }
                ],
            }
        )
    )
    rc, out, err = await _sso(database_url, "register-functions", str(file))
    assert (rc, out.strip()) == (0, f"{source} v1: applied; added 1, updated 0, retired 0"), err
    catalogue = await admin.call("GET", "/v1/admin/catalogue")
    assert source in {s["source"] for s in catalogue["sources"]}


async def test_demo_data_is_idempotent(admin: Any, db: Any) -> None:
    for _ in range(2):
        async with db.services() as services:
            await load_demo_data(services.session, db.app.state.messaging.outbox, services.settings)
    huacheng = await db.scalar(select(Institution).where(Institution.code == "HUACHENG"))
    # The same id as the other services' demo data for 华成.
    assert huacheng.id == demo_org_id("agency-huacheng")
    usernames = {
        f"{p}.{s}"
        for p in ("platform", "huacheng", "huacheng.sz", "yunying", "chexiang")
        for s in ("admin", "staff")
    }
    for username in usernames:
        assert await db.count(User, User.username == username) == 1
    async with db.services() as services:
        admin_login = await services.users.authenticate("huacheng.admin", DEMO_ADMIN_PASSWORD)
        staff_login = await services.users.authenticate("yunying.staff", DEMO_STAFF_PASSWORD)
    assert admin_login.ok and staff_login.ok
    sz_staff = await db.scalar(select(User).where(User.username == "huacheng.sz.staff"))
    entries = await admin.call(
        "GET", "/v1/me/entries", as_=admin.issuer.headers(entry="sso", subject=str(sz_staff.id))
    )
    # The branch opens its head office's own insurance system; finance is the platform's.
    assert {e["code"]: e["launch_url"] for e in entries["entries"]} == {
        "insurance": "http://127.0.0.1:8108/huacheng/",  # the tenant entry system
        "finance": "/console/finance",
    }
    operator = await db.scalar(select(User).where(User.username == "platform.admin"))
    access = await admin.call("GET", f"/v1/admin/users/{operator.id}/access")
    assert access["platform_operator"] is True


async def test_demo_has_two_platform_operators_and_agency_roles_without_operator_books(
    admin: Any, db: Any
) -> None:
    async with db.services() as services:
        await load_demo_data(services.session, db.app.state.messaging.outbox, services.settings)
    # Payment approval needs an approver other than the requester: the demo has a second one.
    for username in ("platform.admin", "platform.finance"):
        user = await db.scalar(select(User).where(User.username == username))
        access = await admin.call("GET", f"/v1/admin/users/{user.id}/access")
        assert access["platform_operator"] is True, username
    staff = await db.scalar(select(User).where(User.username == "huacheng.staff"))
    access = await admin.call("GET", f"/v1/admin/users/{staff.id}/access")
    held = set(access["functions"]["finance"])
    # The platform's own books are answered for operators only: not in an agency's roles.
    assert "finance.invoice.query" in held
    assert not held & {"finance.bank_statement.query", "finance.channel_reconciliation.query",
                       "finance.fund_transfer.query"}  # fmt: skip
    assert access["platform_operator"] is False
