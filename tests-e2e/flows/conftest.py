"""The whole platform for the flow scenarios: every service and the gateway as its own process
on PostgreSQL (one throwaway database each), the local broker, `migrate` + `demo-data` as
`make run` prepares them — started once per session. Scenarios call only the gateway, as the
people (demo logins, sso's login page) and partner systems (client credentials) who make each
step, and make their own data (unique plates, policy numbers, references), so they depend
neither on the demo data nor on each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from stdnum.cn import ric, uscc

from gateway.testing import Browser
from servicekit.localbroker import LocalBroker, LocalBrokerError, free_port
from servicekit.testing.plugin import ThrowawayPostgres, test_postgres_url, unavailable
from servicekit.testing.processes import ManagedProcess, ProcessNotReady, stop_all

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("sso", "insurance", "risk", "valueadd", "orders", "finance", "gateway")
ADMIN_PASSWORD = "Demo-Admin-2026"
STAFF_PASSWORD = "Demo-Staff-2026"
PASSWORDS = {"admin": ADMIN_PASSWORD, "finance": ADMIN_PASSWORD, "staff": STAFF_PASSWORD}

_PREPARE = """
import runpy, sys
name = sys.argv[1]
for command in ("migrate", "demo-data"):
    sys.argv = [name, command]
    try:
        runpy.run_module(name, run_name="__main__")
    except SystemExit as exc:
        if exc.code:
            raise
"""

T = TypeVar("T")


@dataclass
class Platform:
    url: str
    logs: Path
    databases: dict[str, str]
    _people: dict[str, Browser] = field(default_factory=dict)

    def tail(self) -> str:
        return "\n".join(
            f"--- {p.name}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-40:])
            for p in sorted(self.logs.glob("*.log"))
        )

    async def person(self, username: str) -> Browser:
        """A signed-in browser session of a demo user (one per user for the session)."""
        if username not in self._people:
            browser = Browser(self.url)
            await browser.login(username, PASSWORDS[username.rsplit(".", 1)[-1]])
            self._people[username] = browser
        return self._people[username]

    async def partner(self, client_id: str, secret: str) -> httpx.AsyncClient:
        """A partner system: a client-credentials token from sso, through the gateway."""
        async with httpx.AsyncClient(base_url=self.url, timeout=20) as http:
            r = await http.post(
                "/auth/token",
                data={"grant_type": "client_credentials"},
                auth=(client_id, secret),
            )
        assert r.status_code == 200, r.text
        return httpx.AsyncClient(
            base_url=self.url,
            timeout=20,
            headers={"Authorization": f"Bearer {r.json()['access_token']}"},
        )

    async def close(self) -> None:
        for browser in self._people.values():
            await browser.close()


async def eventually(
    probe: Callable[[], Awaitable[T | None]], what: str, timeout: float = 60.0
) -> T:
    """Poll `probe` until it returns something truthy (events cross the broker meanwhile)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            got = await probe()
        except AssertionError as exc:  # a probe may assert on an intermediate answer
            got, last = None, exc
        if got:
            return got
        await asyncio.sleep(0.3)
    raise AssertionError(f"{what}: not reached within {timeout}s (last: {last})")


@pytest.fixture(scope="session")
def platform_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    folder = tmp_path_factory.mktemp("flows")
    logs = folder / "logs"
    logs.mkdir()
    dbs = {name: ThrowawayPostgres(f"flow_{name}") for name in SERVICES}
    created: list[ThrowawayPostgres] = []
    loop = asyncio.new_event_loop()
    broker = LocalBroker(port=free_port(), log_path=logs / "broker.log")
    procs: list[ManagedProcess] = []
    try:
        for db in dbs.values():
            try:
                loop.run_until_complete(db.create())
            except Exception as exc:  # refused connection, bad credentials …
                unavailable(f"PostgreSQL at {test_postgres_url()} ({exc!r})")
            created.append(db)
        try:
            broker.start()
        except LocalBrokerError as exc:
            unavailable(f"the local Kafka-protocol broker ({exc})")
        ports = {name: free_port() for name in SERVICES}
        gateway = f"http://127.0.0.1:{ports['gateway']}"
        env = {k: v for k, v in os.environ.items()}
        for name in SERVICES:
            prefix = name.upper()
            env[f"{prefix}_ENVIRONMENT"] = "development"
            env[f"{prefix}_DATABASE_URL"] = dbs[name].url
            env[f"{prefix}_KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap_servers
            env[f"{prefix}_INTERNAL_JWKS_URL"] = f"{gateway}/.well-known/internal-jwks.json"
            env[f"{prefix}_CONSUMER_SESSION_TIMEOUT_MS"] = "2000"
            env[f"{prefix}_CONSUMER_HEARTBEAT_INTERVAL_MS"] = "300"
            env[f"{prefix}_CONSUMER_RETRY_BACKOFF_SECONDS"] = "0.2"
            env[f"{prefix}_RELAY_POLL_INTERVAL_SECONDS"] = "0.1"
            env[f"{prefix}_LOG_JSON"] = "false"
            if name != "gateway":
                env[f"GATEWAY_{prefix}_URL"] = f"http://127.0.0.1:{ports[name]}"
        env["SSO_ISSUER"] = f"{gateway}/auth"
        env["GATEWAY_PUBLIC_URL"] = gateway
        env["GATEWAY_OIDC_ISSUER"] = f"{gateway}/auth"
        env["GATEWAY_ENTITLEMENT_POLL_SECONDS"] = "0.5"
        env["INSURANCE_PUSH_HOUR"] = "-1"  # scenarios run their pushes as of a fixed day
        env["ORDERS_EXPORT_DIR"] = str(folder / "exports")
        env["RISK_EXPORT_DIR"] = str(folder / "risk-exports")
        env["PYTHONUNBUFFERED"] = "1"
        platform = Platform(gateway, logs, {n: db.url for n, db in dbs.items()})
        prepare = [
            ManagedProcess(
                f"{name}-prepare",
                [sys.executable, "-c", _PREPARE, name],
                log=logs / f"{name}-prepare.log",
                env=env,
                cwd=ROOT,
            )
            for name in SERVICES
        ]
        procs.extend(prepare)
        for proc in prepare:
            proc.start()
        for proc in prepare:
            if proc.wait(300) != 0:
                pytest.fail(f"{proc.name}: migrate/demo-data failed:\n{platform.tail()}")
        servers = [
            ManagedProcess(
                name,
                [sys.executable, "-m", name, "serve", "--no-migrate", "--port", str(ports[name])],
                log=logs / f"{name}.log",
                env=env,
                cwd=ROOT,
                port=ports[name],
                ready_timeout=90,
                stop_grace=15,
            )
            for name in SERVICES
        ]
        procs.extend(servers)
        for server in servers:
            server.start()
        for server in servers:
            try:
                server.wait_ready()
            except ProcessNotReady as exc:
                pytest.fail(f"{exc}\n\nevery log:\n{platform.tail()}")
        yield platform
    finally:
        stop_all(reversed(procs))
        broker.stop()
        for db in created:
            with contextlib.suppress(Exception):
                loop.run_until_complete(db.drop())
        loop.close()


@pytest.fixture(scope="session")
async def platform(platform_processes: Platform) -> AsyncIterator[Platform]:
    yield platform_processes
    await platform_processes.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    """A failed scenario's report carries the tail of every process log."""
    report = yield
    if report.failed and "platform_processes" in getattr(item, "fixturenames", ()):
        logs = sorted(Path(item.config._tmp_path_factory.getbasetemp()).glob("flows*/logs"))  # type: ignore[attr-defined]
        for folder in logs:
            for path in sorted(folder.glob("*.log")):
                lines = path.read_text(errors="replace").splitlines()
                lines = [ln for ln in lines if "servicekit.access: request" not in ln]
                report.sections.append((f"log tail: {path.name}", "\n".join(lines[-40:])))
    return report


# ------------------------------------------------------------------------------ shared steps
#: sso's demo institutions (uuid5 of `platform-demo/org/<slug>`, shared by every service's demo).
def demo_org(slug: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"platform-demo/org/{slug}"))


TECH = demo_org("technology-platform")
HUACHENG = demo_org("agency-huacheng")
YUNYING = demo_org("insurtech-yunying")
CHEXIANG = demo_org("mall-chexiang")


def fresh_digits(n: int) -> str:
    return f"{uuid.uuid4().int % 10**n:0{n}d}"


def fresh_plate() -> str:
    return f"粤A{fresh_digits(5)}"


def person_id_number() -> str:
    """A valid resident ID number (python-stdnum's check digit), unique per call."""
    body = f"110105198{fresh_digits(1)}0101{fresh_digits(3)}"
    return body + ric.calc_check_digit(body + "0")


def credit_code() -> str:
    """A valid unified social credit code (统一社会信用代码), unique per call."""
    body = f"91440101MA{fresh_digits(7)}"
    return body + uscc.calc_check_digit(body)


def money(value: str | Decimal) -> Decimal:
    return Decimal(str(value))


@dataclass
class Steps:
    """Steps several flows share, each through the gateway as the person who takes it."""

    platform: Platform
    tech: str = TECH
    huacheng: str = HUACHENG
    yunying: str = YUNYING
    chexiang: str = CHEXIANG

    fresh_digits = staticmethod(fresh_digits)
    fresh_plate = staticmethod(fresh_plate)
    person_id_number = staticmethod(person_id_number)
    credit_code = staticmethod(credit_code)
    eventually = staticmethod(eventually)
    money = staticmethod(money)

    async def deals(
        self,
        *,
        region: str,
        rule_code: str,
        rate: str,
        push_day: str,
        vehicles: list[dict[str, str]],
    ) -> list[dict[str, Any]]:
        """Flow 10's road to deals: the operator sets 华成 as receiver, a renewal rule for the
        district and a rate card; 云鹰 collects the vehicles; the push runs as of `push_day`;
        华成's staff quotes, submits and issues each proposal on its `sign_date` (a deal)."""
        ops = await self.platform.person("platform.admin")
        collector = await self.platform.person("yunying.staff")
        clerk = await self.platform.person("huacheng.staff")
        await ops.call("PUT", f"/api/insurance/v1/push-receivers/{HUACHENG}",
                       json={"name": "华成保险代理有限公司", "capacity_per_run": 500})  # fmt: skip
        await ops.call("POST", "/api/insurance/v1/push-rules", expect=201, json={
            "rule_code": rule_code, "name": f"{region} 续保推送（商业险）", "region_prefix": region,
            "line": "car_commercial", "open_days": 90, "close_days": 0,
            "receiver_org_id": HUACHENG,
        })  # fmt: skip
        await ops.call("POST", "/api/insurance/v1/rate-cards", expect=201, json={
            "insurer_code": "PICC", "region_prefix": region, "line": "car_commercial",
            "rate": rate, "valid_from": "2026-01-01",
        })  # fmt: skip
        for v in vehicles:
            owner = {"name": v["owner"], "id_number": person_id_number(),
                     "mobile": f"139{fresh_digits(8)}"}  # fmt: skip
            await collector.call("POST", "/api/insurance/v1/vehicles", expect=201, json={
                "source": "wechat_oa", "plate_no": v["plate"], "region_code": region,
                "commercial_expiry": v["expiry"], "compulsory_expiry": v["expiry"],
                "brand_model": "大众迈腾", "use_nature": "private", "owner": owner,
            })  # fmt: skip
        task = await ops.call("POST", "/api/insurance/v1/push-tasks", expect=201,
                              json={"as_of": push_day})  # fmt: skip
        assert task["pushed"] >= len(vehicles), task
        made = []
        for v in vehicles:
            pushes = await clerk.call("GET", "/api/insurance/v1/pushes",
                                      params={"plate": v["plate"]})  # fmt: skip
            [push] = pushes["items"]
            assert push["rule_code"] == rule_code and push["receiver_org_id"] == HUACHENG
            assert push["status"] == "awaiting_quote"
            proposal = push["proposal_id"]
            await clerk.call("POST", f"/api/insurance/v1/proposals/{proposal}/quote", json={
                "insurer_code": "PICC", "lines": [{"line": "car_commercial", "items": [
                    {"cover_code": "VEH_DAMAGE", "cover_name": "机动车损失保险",
                     "sum_insured": "150000.00", "premium": v["premium"]}]}],
            })  # fmt: skip
            await clerk.call("POST", f"/api/insurance/v1/proposals/{proposal}/submit",
                             json={"note": "客户确认报价"})  # fmt: skip
            policy_no = f"PDAA{fresh_digits(16)}"
            issued = await clerk.call("POST", f"/api/insurance/v1/proposals/{proposal}/issue",
                json={"sign_date": v["sign_date"],
                      "policy_nos": [{"line": "car_commercial", "policy_no": policy_no}]})  # fmt: skip
            assert issued["status"] == "issued"
            made.append({"proposal": issued, "policy_no": policy_no, **v})
        return made

    async def deal_of(self, policy_no: str) -> dict[str, Any]:
        """The deal of a policy once the order center has linked its order."""
        clerk = await self.platform.person("huacheng.staff")

        async def linked() -> dict[str, Any] | None:
            deals = await clerk.call("GET", "/api/insurance/v1/deals")
            found = [d for d in deals if d["policy_no"] == policy_no]
            return found[0] if found and found[0]["order_no"] else None

        return await eventually(linked, f"deal of {policy_no} linked to its order")

    async def order_by_no(self, who: Browser, order_no: str, **filters: Any) -> dict[str, Any]:
        page = await who.call("GET", "/api/orders/v1/orders", params={"limit": 200, **filters})
        [summary] = [o for o in page["items"] if o["order_no"] == order_no]
        return dict(await who.call("GET", f"/api/orders/v1/orders/{summary['id']}"))

    async def order_reaches(
        self, who: Browser, order_id: str, status: str, timeout: float = 60.0
    ) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            order = await who.call("GET", f"/api/orders/v1/orders/{order_id}")
            return order if order["status"] == status else None

        return await eventually(reached, f"order {order_id} {status}", timeout)

    async def bank_account(self, legal_entity: str = "technology_company") -> str:
        ops = await self.platform.person("platform.admin")
        account_no = f"31000{fresh_digits(14)}"
        await ops.call("POST", "/api/finance/v1/bank-accounts", expect=201, json={
            "account_no": account_no, "name": "科技公司（平台运营）", "bank_name": "招商银行上海分行",
            "legal_entity": legal_entity,
        })  # fmt: skip
        return account_no

    async def import_statement(
        self, account_no: str, lines: list[dict[str, str]]
    ) -> dict[str, Any]:
        """The operator imports the bank's 账户明细 (CSV) for our account, for real."""
        ops = await self.platform.person("platform.admin")
        rows = ["交易日期,交易时间,收入金额,支出金额,对方户名,对方账号,摘要,流水号,余额"]
        for ln in lines:
            rows.append(",".join([
                ln["date"], ln.get("time", "10:00:00"), ln.get("income", ""), ln.get("expense", ""),
                ln["party"], ln.get("party_account", ""), ln.get("memo", ""),
                ln.get("serial", f"SN{fresh_digits(12)}"), "",
            ]))  # fmt: skip
        body = ("\n".join(rows) + "\n").encode()
        return dict(await ops.call(
            "POST", "/api/finance/v1/bank-statements/imports",
            params={"bank_account": account_no, "format": "csv", "dry_run": "false"},
            content=body, headers={"Content-Type": "text/csv"},
        ))  # fmt: skip

    async def summary(
        self, who: Browser, *, legal_entity: str, date_from: str, date_to: str, customer: str
    ) -> dict[str, Decimal]:
        report = await who.call("GET", "/api/finance/v1/reports/summary", params={
            "legal_entity": legal_entity, "date_from": date_from, "date_to": date_to,
            "customer_org_id": customer,
        })  # fmt: skip
        return {k: money(v) for k, v in report["total"].items() if k != "customer_org_id"}

    async def entries(
        self, who: Browser, *, legal_entity: str, date_from: str, date_to: str
    ) -> list[dict[str, Any]]:
        page = await who.call("GET", "/api/finance/v1/ledger/entries", params={
            "legal_entity": legal_entity, "date_from": date_from, "date_to": date_to,
            "limit": 500,
        })  # fmt: skip
        return list(page["items"] if isinstance(page, dict) else page)


@pytest.fixture
def steps(platform: Platform) -> Steps:
    return Steps(platform)
