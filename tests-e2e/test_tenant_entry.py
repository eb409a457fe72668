"""The tenant entry system (tenantentry/) signs users in through sso, as a tenant's own system
would: sso and tenantentry as real processes, sso's demo data (the tenants' OIDC clients and
the entitlements that point 华成's and 云鹰's insurance entry at tenantentry), and a browser
(an httpx client following the redirects by hand) that types its password once."""

from __future__ import annotations

import html
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from servicekit.localbroker import LocalBroker, free_port
from servicekit.testing.processes import ManagedProcess, stop_all

ROOT = Path(__file__).resolve().parents[1]
ADMIN_PASSWORD = "Demo-Admin-2026"


@dataclass
class Running:
    sso: str
    tenant: str


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    folder = tmp_path_factory.mktemp("tenant-entry")
    sso_port, tenant_port = free_port(), free_port()
    sso, tenant = f"http://127.0.0.1:{sso_port}", f"http://127.0.0.1:{tenant_port}"
    broker = LocalBroker()
    broker.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SSO_", "TENANTENTRY_"))}
    env.update(
        SSO_ENVIRONMENT="development",
        SSO_DATABASE_URL=f"sqlite+aiosqlite:///{folder}/sso.db",
        SSO_KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap_servers,
        SSO_LOG_JSON="false",
        SSO_ISSUER=sso,  # no gateway here: browsers and clients talk to sso itself
        SSO_DEMO_TENANT_ENTRY_URL=tenant,
        TENANTENTRY_ISSUER=sso,
        TENANTENTRY_BASE_URL=tenant,
        PYTHONUNBUFFERED="1",
    )
    procs: list[ManagedProcess] = []
    try:
        for command in ("migrate", "demo-data"):
            prepare = ManagedProcess(
                f"sso-{command}", [sys.executable, "-m", "sso", command],
                log=folder / f"sso-{command}.log", env=env, cwd=ROOT,
            )  # fmt: skip
            procs.append(prepare.start())
            assert prepare.wait(180) == 0, prepare.tail()
        for name, argv, port in (
            ("sso", [sys.executable, "-m", "sso", "serve", "--no-migrate", "--port", str(sso_port)], sso_port),
            ("tenantentry", [sys.executable, "tenantentry/app.py", "--port", str(tenant_port)], tenant_port),
        ):  # fmt: skip
            proc = ManagedProcess(
                name, argv, log=folder / f"{name}.log", env=env, cwd=ROOT, port=port,
                ready_timeout=90,
            )  # fmt: skip
            procs.append(proc.start())
        for proc in procs[2:]:
            proc.wait_ready()
        yield Running(sso, tenant)
    finally:
        stop_all(procs)
        broker.stop()


def _login_fields(page: str) -> dict[str, str]:
    fields = dict(re.findall(r'name="(csrf_token|authorize|lang)" value="([^"]*)"', page))
    return {k: html.unescape(v) for k, v in fields.items()}


async def _open(
    browser: httpx.AsyncClient, url: str, password: str | None = None
) -> httpx.Response:
    """Follow redirects as a browser does; on sso's login page, type the password if given."""
    for _ in range(12):
        answer = await browser.get(url)
        if answer.status_code in (302, 303):
            url = str(httpx.URL(url).join(answer.headers["location"]))
            continue
        if urlsplit(url).path == "/login" and answer.status_code == 200:
            assert password is not None, "sso asked for a password: no single sign-on"
            username, typed = password.split(":", 1)
            posted = await browser.post(
                url.split("?")[0],
                data={**_login_fields(answer.text), "username": username, "password": typed},
            )
            assert posted.status_code == 303, posted.text
            url, password = str(httpx.URL(url).join(posted.headers["location"])), None
            continue
        return answer
    raise AssertionError(f"too many redirects, last {url}")


async def test_a_tile_signs_in_to_the_tenants_own_system_once(running: Running) -> None:
    async with httpx.AsyncClient(timeout=20) as browser:
        first = await _open(
            browser, f"{running.tenant}/huacheng/", f"huacheng.admin:{ADMIN_PASSWORD}"
        )
        assert first.status_code == 200, first.text
        assert "华成保险管理系统" in first.text
        assert "您好，华成保险代理有限公司 管理员！" in first.text
        assert "所在机构：华成保险代理有限公司" in first.text

        # Leaving the tenant's system and coming back: sso's session signs in again, no password.
        await browser.get(f"{running.tenant}/huacheng/logout")
        again = await _open(browser, f"{running.tenant}/huacheng/")
        assert "您好，华成保险代理有限公司 管理员！" in again.text

    async with httpx.AsyncClient(timeout=20) as other:
        yunying = await _open(
            other, f"{running.tenant}/yunying/", f"yunying.admin:{ADMIN_PASSWORD}"
        )
        assert "云鹰核心业务系统" in yunying.text
        assert "所在机构：云鹰保险技术服务有限公司" in yunying.text
        # Its session is its own: 华成's page is not open to this browser without signing in.
        assert (await other.get(f"{running.tenant}/huacheng/")).headers[
            "location"
        ] == "/huacheng/login"


async def test_a_forged_callback_is_refused(running: Running) -> None:
    async with httpx.AsyncClient(timeout=20) as browser:
        forged = await browser.get(f"{running.tenant}/huacheng/oidc/callback?code=x&state=made-up")
        assert forged.status_code == 400 and "登录请求无效" in forged.text
