"""The web console in a real browser (Chromium through Playwright) against the real platform.

The whole platform runs as `make run` runs it — every service and the gateway as its own process
on SQLite files, the local broker, demo data — on free ports, with the console built in web/dist
(`make test` builds it before this suite). Screenshots of the main pages go to
docs/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from servicekit.localbroker import LocalBroker, free_port
from servicekit.testing.plugin import unavailable
from servicekit.testing.processes import ManagedProcess, ProcessNotReady, stop_all

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
SHOTS = ROOT / "docs" / "screenshots"
SERVICES = ("sso", "insurance", "risk", "valueadd", "orders", "finance", "gateway")
ADMIN_PASSWORD = "Demo-Admin-2026"
STAFF_PASSWORD = "Demo-Staff-2026"


def _chromium() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        unavailable("Chromium (apt-get install chromium; .ci/run installs it)")
    assert path
    return path


@dataclass
class RunningPlatform:
    url: str
    ports: dict[str, int]
    logs: Path

    def tail(self) -> str:
        return "\n".join(
            f"--- {p.name}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-30:])
            for p in sorted(self.logs.glob("*.log"))
        )


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


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    if not (DIST / "index.html").is_file():
        pytest.fail("the console is not built: run `make web` (make test builds it first)")
    folder = tmp_path_factory.mktemp("platform")
    ports = {name: free_port() for name in SERVICES}
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    broker = LocalBroker()
    broker.start()
    env = {**os.environ}
    for name in SERVICES:
        prefix = name.upper()
        env[f"{prefix}_ENVIRONMENT"] = "development"
        env[f"{prefix}_DATABASE_URL"] = f"sqlite+aiosqlite:///{folder}/{name}.db"
        env[f"{prefix}_KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap_servers
        env[f"{prefix}_INTERNAL_JWKS_URL"] = f"{gateway}/.well-known/internal-jwks.json"
        env[f"{prefix}_CONSUMER_SESSION_TIMEOUT_MS"] = "2000"
        env[f"{prefix}_CONSUMER_HEARTBEAT_INTERVAL_MS"] = "300"
        env[f"{prefix}_LOG_JSON"] = "false"
        if name != "gateway":
            env[f"GATEWAY_{prefix}_URL"] = f"http://127.0.0.1:{ports[name]}"
    env["SSO_ISSUER"] = f"{gateway}/auth"
    env["GATEWAY_PUBLIC_URL"] = gateway
    env["GATEWAY_OIDC_ISSUER"] = f"{gateway}/auth"
    env["GATEWAY_CONSOLE_DIR"] = str(DIST)
    env["GATEWAY_ENTITLEMENT_POLL_SECONDS"] = "0.5"
    env["ORDERS_EXPORT_DIR"] = str(folder / "exports")
    logs = folder / "logs"
    logs.mkdir()
    running = RunningPlatform(gateway, ports, logs)
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
    # As `make run` prepares them, each service's migrate + demo-data, all at once.
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
    try:
        for proc in prepare:
            proc.start()
        for proc in prepare:
            if proc.wait(300) != 0:
                pytest.fail(f"{proc.name}: migrate/demo-data failed:\n{running.tail()}")
        for server in servers:
            server.start()
        for server in servers:
            try:
                server.wait_ready()
            except ProcessNotReady as exc:
                pytest.fail(f"{exc}\n\nevery log:\n{running.tail()}")
        yield running
    finally:
        stop_all([*servers, *prepare])
        broker.stop()


@pytest.fixture(scope="module")
def browser(platform: RunningPlatform) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=_chromium(), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


def sign_in(browser: Any, platform: RunningPlatform, username: str, password: str) -> Any:
    """A fresh browser context; the console sends it to sso's login page; back on the portal."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{platform.url}/")
    page.wait_for_url(re.compile(r".*/auth/login.*"), timeout=30_000)
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector('[data-test="current-user"]', timeout=30_000)
    return page


def portal_entries(page: Any) -> set[str]:
    page.wait_for_selector('[data-test^="portal-tile-"]', timeout=30_000)
    tiles = page.locator('[data-test^="portal-tile-"]')
    return {
        str(tiles.nth(i).get_attribute("data-test")).removeprefix("portal-tile-")
        for i in range(tiles.count())
    }


def api(page: Any, method: str, path: str, body: Any = None) -> Any:
    """Call the API from inside the signed-in page, as the console does (cookie + CSRF header)."""
    base = re.match(r"https?://[^/]+", page.url).group(0)  # type: ignore[union-attr]
    csrf = page.request.get(f"{base}/bff/session").json()["csrf_token"]
    response = page.request.fetch(
        f"{base}{path}", method=method, data=body, headers={"X-CSRF-Token": csrf}
    )
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


# Each institution type sees exactly the entries DOMAIN.md grants its type (its staff's role
# asks for every business entry; the institution's entitlement decides).
EXPECTED = {
    "platform.staff": {"insurance", "risk", "valueadd", "orders", "finance"},
    "huacheng.staff": {"insurance", "finance"},
    "yunying.staff": {"insurance", "risk"},
    "chexiang.staff": {"valueadd"},
}


def test_each_institution_type_sees_exactly_its_entries(
    browser: Any, platform: RunningPlatform
) -> None:
    for username, expected in EXPECTED.items():
        page = sign_in(browser, platform, username, STAFF_PASSWORD)
        assert portal_entries(page) == expected, username
        if username == "platform.staff":
            shot(page, "portal")
        page.context.close()
    admin = sign_in(browser, platform, "platform.admin", ADMIN_PASSWORD)
    assert "sso" in portal_entries(admin) or admin.locator('[data-test="menu-group-sso"]').count()
    admin.context.close()


def test_narrowing_an_entitlement_changes_the_users_portal(
    browser: Any, platform: RunningPlatform
) -> None:
    staff = sign_in(browser, platform, "yunying.staff", STAFF_PASSWORD)
    assert portal_entries(staff) == {"insurance", "risk"}
    admin = sign_in(browser, platform, "platform.admin", ADMIN_PASSWORD)
    institutions = api(admin, "GET", "/api/sso/v1/admin/institutions?q=YUNYING")
    items = institutions["items"] if isinstance(institutions, dict) else institutions
    yunying = next(i for i in items if i["code"] == "YUNYING")
    path = f"/api/sso/v1/admin/institutions/{yunying['id']}/entitlement"
    current = api(admin, "GET", path)
    narrowed = [
        {"entry": e["entry"], "enabled": e["enabled"], "functions": e["functions"],
         "target_url": e.get("target_url")}
        for e in current["entries"] if e["entry"] != "risk" and (e["enabled"] or e["functions"])
    ]  # fmt: skip
    api(admin, "PUT", path, {"entries": narrowed})
    deadline = time.monotonic() + 15
    while True:
        staff.reload()
        if portal_entries(staff) == {"insurance"}:
            break
        assert time.monotonic() < deadline, "the portal did not change within 15 s"
        time.sleep(0.5)
    admin.context.close()
    staff.context.close()


def test_an_orders_trajectory_shows_each_step(browser: Any, platform: RunningPlatform) -> None:
    admin = sign_in(browser, platform, "platform.admin", ADMIN_PASSWORD)
    session = api(admin, "GET", "/bff/session")
    customer = session["institution"]["id"]
    order = api(admin, "POST", "/api/orders/v1/orders", {
        "category": "risk_assessment", "direction": "receivable", "customer_org_id": customer,
        "amount": "1234.56", "source_service": "risk", "source_ref": f"e2e-{uuid.uuid4().hex}",
        "sign_date": "2026-11-20",
    })  # fmt: skip
    api(admin, "POST", f"/api/orders/v1/orders/{order['id']}/transitions",
        {"to": "reconciled", "note": "对账确认 e2e"})  # fmt: skip
    admin.goto(f"{platform.url}/console/orders/orders/{order['id']}")
    admin.wait_for_selector('[data-test^="trajectory-item-"]', timeout=30_000)
    steps = admin.locator('[data-test^="trajectory-item-"]')
    assert [steps.nth(i).get_attribute("data-test") for i in range(steps.count())] == [
        "trajectory-item-created",
        "trajectory-item-reconciled",
    ]
    assert "1,234.56" in admin.locator('[data-test="order-amount"]').inner_text()
    # Each step keeps the name the gateway vouched for beside the id (sso → gateway → orders).
    detail = api(admin, "GET", f"/api/orders/v1/orders/{order['id']}")
    me = session["user"]["display_name"]
    assert me and [s["by_name"] for s in detail["trajectory"]] == [me, me]
    assert me in steps.nth(1).inner_text()
    shot(admin, "order-detail")
    admin.goto(f"{platform.url}/console/orders/orders")
    admin.wait_for_selector(f'[data-test="order-row-{order["order_no"]}"]', timeout=30_000)
    shot(admin, "order-list")
    admin.context.close()


def test_an_invoice_issued_in_finance_appears_on_the_order(
    browser: Any, platform: RunningPlatform
) -> None:
    admin = sign_in(browser, platform, "platform.admin", ADMIN_PASSWORD)
    customer = api(admin, "GET", "/bff/session")["institution"]["id"]
    order = api(admin, "POST", "/api/orders/v1/orders", {
        "category": "risk_assessment", "direction": "receivable", "customer_org_id": customer,
        "amount": "318.00", "source_service": "risk", "source_ref": f"e2e-inv-{uuid.uuid4().hex}",
        "sign_date": "2026-11-21",
    })  # fmt: skip
    api(admin, "POST", f"/api/orders/v1/orders/{order['id']}/transitions", {"to": "reconciled"})
    # finance records the order from orders.order.created (over the broker) before it can bill it
    deadline = time.monotonic() + 30
    while True:
        base = re.match(r"https?://[^/]+", admin.url).group(0)  # type: ignore[union-attr]
        found = admin.request.get(f"{base}/api/finance/v1/settlement-items/{order['id']}")
        if found.ok:
            break
        assert time.monotonic() < deadline, "finance did not record the order within 30 s"
        time.sleep(0.5)
    application = api(admin, "POST", "/api/finance/v1/invoices/applications", {
        "legal_entity": "technology_company",
        "buyer": {"name": "科技公司（平台运营）", "tax_id": "91110000MA01ABCDEX"},
        "lines": [{"order_id": order["id"], "description": "风险评估服务费",
                   "tax_code": "3040201990000000000", "tax_rate": "0.06", "amount": "318.00"}],
    })  # fmt: skip
    # Finance issues it on the console's invoices page.
    admin.goto(f"{platform.url}/console/finance/invoices")
    row = f'[data-test="invoice-status-{application["application_no"]}"]'
    admin.wait_for_selector(row, timeout=30_000)
    admin.locator(row).click()
    admin.locator('[data-test="invoice-issue"]').click()
    invoice_no = f"2644{uuid.uuid4().int % 10**16:016d}"
    admin.locator(
        'input[data-test="invoice-no-input"], [data-test="invoice-no-input"] input'
    ).first.fill(invoice_no)
    admin.locator('[data-test="invoice-issue-confirm"]').click()
    admin.wait_for_selector('[data-test="invoice-status"]:has-text("已开票")', timeout=30_000)
    shot(admin, "finance-invoices")
    # finance.invoice.issued reaches orders over the broker; the order page shows it.
    deadline = time.monotonic() + 30
    while True:
        admin.goto(f"{platform.url}/console/orders/orders/{order['id']}")
        admin.wait_for_selector('[data-test="order-status"]', timeout=30_000)
        if admin.locator(f'[data-test="invoice-status-{invoice_no}"]').count() and (
            admin.locator('[data-test="trajectory-item-invoiced"]').count()
        ):
            break
        assert time.monotonic() < deadline, "the issued invoice did not reach the order in 30 s"
        time.sleep(1)
    assert "已开票" in admin.locator(f'[data-test="invoice-status-{invoice_no}"]').inner_text()
    assert "318.00" in admin.locator('[data-test="order-invoiced-amount"]').inner_text()
    steps = admin.locator('[data-test^="trajectory-item-"]')
    names = [steps.nth(i).get_attribute("data-test") for i in range(steps.count())]
    assert names[-1] == "trajectory-item-invoiced", names
    shot(admin, "order-invoiced")
    admin.context.close()


MAIN_PAGES = (
    ("admin-institutions", "/console/sso/institutions"),
    ("admin-users", "/console/sso/users"),
    ("admin-entitlements", "/console/sso/entitlements"),
    ("admin-audit", "/console/sso/audit"),
    ("orders-analysis", "/console/orders/analysis"),
    ("orders-settlement", "/console/orders/settlement-lists"),
    ("finance-matching", "/console/finance/matching"),
    ("finance-payments", "/console/finance/payment-requests"),
    ("finance-funds", "/console/finance/funds"),
    ("finance-reports", "/console/finance/reports"),
)


def test_main_pages_open_without_errors(browser: Any, platform: RunningPlatform) -> None:
    """Every main page as the platform operator: no server error, no script error; a
    screenshot of each for docs/screenshots/ (looked at when they change)."""
    admin = sign_in(browser, platform, "platform.admin", ADMIN_PASSWORD)
    failures: list[str] = []
    admin.on("pageerror", lambda exc: failures.append(f"script error: {exc}"))
    admin.on(
        "response",
        lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 500 else None,
    )
    for name, path in MAIN_PAGES:
        admin.goto(f"{platform.url}{path}")
        admin.wait_for_selector('[data-test="current-user"]', timeout=30_000)
        assert "/forbidden" not in admin.url, name
        shot(admin, name)
    assert failures == []
    admin.context.close()


HUACHENG = uuid.uuid5(uuid.NAMESPACE_URL, "platform-demo/org/agency-huacheng")


def _until(what: str, probe: Any, seconds: float = 45) -> Any:
    """Poll `probe` until it returns something truthy (events cross the broker)."""
    deadline = time.monotonic() + seconds
    while not (found := probe()):
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds:.0f} s"
        time.sleep(0.5)
    return found


def _statement_csv(account: str, amount: str, memo: str, serial: str) -> bytes:
    """A bank's statement export (GBK, header block, then the lines), as a clerk downloads it."""
    lines = [
        f"账号：,{account}", "户名：,科技公司（平台运营）", "币种：,人民币",
        "查询区间：,2025-04-10 至 2025-04-10",
        "交易日期,交易时间,收入金额,支出金额,对方户名,对方账号,摘要,流水号,余额",
        f'2025-04-10,10:20:30,"{amount}",,华成保险代理有限公司,755900000010001,{memo},{serial},"{amount}"',
    ]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def test_flow11_a_clerk_bills_a_settlement_list_to_closed_typing_no_uuid(
    browser: Any, platform: RunningPlatform
) -> None:
    """Flow 11 as a finance clerk runs it in the console: a settlement list by sign date, its
    invoice issued with 华成's saved invoicing details, a bank statement whose memo names the
    application, the match, and the billing order and its deals following finance to the end."""
    admin = sign_in(browser, platform, "platform.admin", ADMIN_PASSWORD)
    base = platform.url
    # The business (as insurance's deals would): two fee orders of 华成, signed in March 2025.
    deals = []
    for amount, day in (("12000.00", "2025-03-10"), ("800.00", "2025-03-21")):
        deals.append(api(admin, "POST", "/api/orders/v1/orders", {
            "category": "channel_promotion_fee", "direction": "receivable",
            "customer_org_id": str(HUACHENG), "amount": amount, "source_service": "console",
            "source_ref": f"e2e-flow11-{uuid.uuid4().hex}", "sign_date": day,
        }))  # fmt: skip
    account = f"6222{uuid.uuid4().int % 10**15:015d}"
    api(admin, "POST", "/api/finance/v1/bank-accounts", {
        "account_no": account, "name": "科技公司基本户", "bank_name": "招商银行",
        "legal_entity": "technology_company",
    })  # fmt: skip

    # 1. The settlement list: customer by name, category, sign-date range; preview, create.
    admin.goto(f"{base}/console/orders/settlement-lists")
    admin.locator('div.el-select[data-test="settlement-customer"]').click()
    admin.locator(
        '.el-select-dropdown .el-tree-node__content:has-text("华成保险代理有限公司 (HUACHENG)")'
    ).first.click()
    inputs = admin.locator('[data-test="settlement-range"] input, input.el-range-input')
    inputs.nth(0).fill("2025-03-01")
    inputs.nth(1).fill("2025-03-31")
    inputs.nth(1).press("Enter")
    admin.locator('[data-test="settlement-preview"]').click()
    admin.wait_for_selector('[data-test="settlement-count"]:text-is("2")', timeout=30_000)
    assert "12,800.00" in admin.locator('[data-test="settlement-total"]').inner_text()
    shot(admin, "flow11-settlement-preview")
    admin.locator('[data-test="settlement-create"]').click()
    admin.wait_for_selector('[data-test="settlement-created"]', timeout=30_000)
    href = admin.locator('[data-test="settlement-billing-order"]').get_attribute("href")
    billing_id = str(href).rstrip("/").rsplit("/", 1)[-1]
    billing = api(admin, "GET", f"/api/orders/v1/orders/{billing_id}")

    # 2. finance made the application from orders.settlement_list.created; the clerk finds it
    # by the billing order's number and issues it, the buyer filled from 华成's 开票信息.
    def application() -> Any:
        found = admin.request.get(
            f"{base}/api/finance/v1/invoices/applications", params={"number": billing["order_no"]}
        ).json()
        return found[0] if found else None

    app_row = _until("finance's invoice application", application)
    admin.goto(f"{base}/console/finance/invoices")
    number = admin.locator(
        'input[data-test="application-number-filter"], [data-test="application-number-filter"] input'
    ).first
    number.fill(billing["order_no"])
    number.press("Enter")
    row = f'[data-test="invoice-status-{app_row["application_no"]}"]'
    admin.wait_for_selector(row, timeout=30_000)
    admin.locator(row).click()
    admin.locator('[data-test="invoice-issue"]').click()
    buyer = admin.locator('input[data-test="issue-buyer-name"], [data-test="issue-buyer-name"] input')
    assert buyer.first.input_value() == "华成保险代理有限公司"
    invoice_no = f"2644{uuid.uuid4().int % 10**16:016d}"
    admin.locator(
        'input[data-test="invoice-no-input"], [data-test="invoice-no-input"] input'
    ).first.fill(invoice_no)
    admin.locator('[data-test="invoice-issue-confirm"]').click()
    admin.wait_for_selector('[data-test="invoice-status"]:has-text("已开票")', timeout=30_000)

    # 3. The bank statement: 华成 paid the whole list, the memo naming the application.
    statement = Path(platform.logs.parent / "flow11-statement.csv")
    statement.write_bytes(
        _statement_csv(account, "12,800.00", f"结算款 {app_row['application_no']}", "FL11000001")
    )
    admin.goto(f"{base}/console/finance/bank-statements")
    admin.locator("#tab-import").click()
    admin.locator('[data-test="import-account"]').click()
    admin.locator(f'.el-select-dropdown__item:visible:has-text("{account}")').first.click()
    admin.locator('[data-test="import-file"] input[type=file]').set_input_files(str(statement))
    admin.locator('[data-test="import-dry-run"]').click()  # a real import, not a trial
    admin.locator('[data-test="import-run"]').click()
    admin.wait_for_selector('[data-test="import-was-dry-run"]:text-is("否")', timeout=30_000)
    assert admin.locator('[data-test="import-matched"]').inner_text() == "1"
    shot(admin, "flow11-statement-matched")

    # 4. The billing order follows finance's events alone to 已关闭, each step in its
    # trajectory; the deals it bills show they are billed and paid too.
    def closed(order_id: str) -> bool:
        admin.goto(f"{base}/console/orders/orders/{order_id}")
        admin.wait_for_selector('[data-test="order-status"]', timeout=30_000)
        return "已关闭" in admin.locator('[data-test="order-status"]').inner_text()

    _until("the billing order closing", lambda: closed(billing_id))
    steps = admin.locator('[data-test^="trajectory-item-"]')
    names = [str(steps.nth(i).get_attribute("data-test")) for i in range(steps.count())]
    assert names == [f"trajectory-item-{s}" for s in (
        "created", "reconciled", "invoice_applied", "invoiced", "settled", "closed")], names  # fmt: skip
    shot(admin, "flow11-billing-order-closed")
    for deal in deals:
        _until(f"deal order {deal['order_no']} closing", lambda d=deal: closed(d["id"]))
    admin.context.close()
