"""Coupon issuing, redemption (核销) and a merchant statement at scale, on PostgreSQL, through
valueadd's own API.

    uv run python benchmarks/valueadd_redemptions.py --write docs/benchmarks.md      (make bench)

What runs (one process, nothing mocked):
- a throwaway PostgreSQL database migrated with valueadd's own migrations (every head);
- through the valueadd ASGI app (servicekit's create_app, httpx's ASGI transport, real internal
  tokens — the service behind the gateway path): an operator's coupon product, a merchant with a
  store, its staff and its price; one 自主发券 batch of `--coupons` coupons, issued with
  `POST /v1/batches/{id}/issue` in steps of 100,000 (the guarded count, secrets-drawn codes);
- `--clients` concurrent clients redeeming `--redemptions` codes drawn at random from the whole
  batch (`POST /v1/redemptions`, each with its Idempotency-Key; every redemption also writes its
  order request to the outbox), latency per request as the client sees it;
- a statement over every redemption (`POST /v1/statements`);
- checked afterwards in SQL: redemptions per coupon (double redemptions), coupons redeemed.
The outbox relay is not running (publishing is the relay's own work, see the event backbone).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from report import write_section

ROOT = Path(__file__).resolve().parents[1]
SECTION = "valueadd-redemptions"
TARGET_RPS, TARGET_P99_MS, TARGET_ISSUE_S, TARGET_STATEMENT_S = 1000.0, 50.0, 60.0, 2.0
FUNCTIONS = [
    "valueadd.coupon.query", "valueadd.coupon.issue", "valueadd.merchant.query",
    "valueadd.merchant.manage", "valueadd.redemption.query", "valueadd.redemption.redeem",
    "valueadd.statement.query", "valueadd.statement.create", "valueadd.merchant.reconcile",
]  # fmt: skip


async def run(args: argparse.Namespace) -> dict[str, Any]:
    import asyncpg
    import httpx

    from servicekit.app import create_app
    from servicekit.auth import InternalTokenVerifier, JWKSCache
    from servicekit.migrations import upgrade_to_head
    from servicekit.observability import configure_logging
    from servicekit.testing.plugin import ThrowawayPostgres
    from servicekit.testing.tokens import TestTokenIssuer
    from valueadd.config import Settings
    from valueadd.main import definition

    rng = random.Random(args.seed)
    db = ThrowawayPostgres("valueadd_redemptions")
    await db.create()
    results: dict[str, Any] = {}
    try:
        await asyncio.to_thread(upgrade_to_head, definition.migrations_dir, db.url)
        dsn = db.url.replace("postgresql+asyncpg://", "postgresql://")
        settings = Settings(
            database_url=db.url, run_workers_inline=False, environment="test",
            log_level="WARNING", log_json=False,
        )  # fmt: skip
        configure_logging("valueadd", "WARNING", False)
        issuer = TestTokenIssuer()
        app = create_app(
            definition, settings,
            token_verifier=InternalTokenVerifier(JWKSCache(issuer.jwks), audience="valueadd"),
        )  # fmt: skip
        tech, mall = uuid.uuid4(), uuid.uuid4()

        def headers(org: uuid.UUID, subject: str, operator: bool) -> dict[str, str]:
            return issuer.headers(
                entry="valueadd", functions=FUNCTIONS, org_id=org, subject=subject,
                platform_operator=operator, org_type="technology" if operator else "mall",
                ttl=3600,
            )  # fmt: skip

        op = headers(tech, "bench-operator", True)
        admin = headers(mall, "bench-merchant-admin", False)
        staff = headers(mall, "bench-staff", False)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", timeout=600
            ) as client:

                async def ok(method: str, url: str, h: dict[str, str], **kw: Any) -> Any:
                    r = await client.request(method, url, headers=h, **kw)
                    assert r.status_code in (200, 201), (url, r.status_code, r.text[:300])
                    return r.json()

                product = await ok("POST", "/v1/coupon-products", op, json={
                    "code": "WASH-BENCH", "name": "标准洗车券", "service": "wash",
                    "face_value": "50.00", "insurer_price": "45.00", "settlement_price": "30.00",
                    "validity_kind": "days_after_issue", "valid_days": 3650,
                    "region_codes": ["310000"]})  # fmt: skip
                merchant = await ok("POST", "/v1/merchants", admin, json={
                    "org_id": str(mall), "name": "车享商城", "region_code": "310100",
                    "services": ["wash"]})  # fmt: skip
                store = await ok("POST", f"/v1/merchants/{merchant['id']}/stores", admin, json={
                    "name": "徐汇店", "address": "上海市徐汇区漕溪北路1号",
                    "region_code": "310104"})  # fmt: skip
                await ok("PUT", f"/v1/merchants/{merchant['id']}/staff/bench-staff", admin,
                         json={"name": "店员", "store_id": store["id"]})  # fmt: skip
                await ok("PUT", f"/v1/merchants/{merchant['id']}/prices/{product['id']}", op,
                         json={"settlement_price": "28.50"})  # fmt: skip
                batch = await ok("POST", "/v1/batches", op, json={
                    "product_id": product["id"], "quantity": args.coupons})  # fmt: skip
                print(f"issuing {args.coupons:,} coupons", file=sys.stderr)
                t0 = time.monotonic()
                left = args.coupons
                while left:
                    step = min(100_000, left)
                    await ok("POST", f"/v1/batches/{batch['id']}/issue", op, json={"count": step})
                    left -= step
                results["issue_s"] = time.monotonic() - t0

                conn = await asyncpg.connect(dsn)
                try:
                    codes = [r["code"] for r in await conn.fetch("SELECT code FROM va_coupons")]
                finally:
                    await conn.close()
                assert len(codes) == args.coupons, len(codes)
                chosen = rng.sample(codes, args.redemptions)
                queue: asyncio.Queue[str] = asyncio.Queue()
                for c in chosen:
                    queue.put_nowait(c)
                latencies: list[float] = []
                statuses: dict[int, int] = {}

                async def worker() -> None:
                    while True:
                        try:
                            code = queue.get_nowait()
                        except asyncio.QueueEmpty:
                            return
                        h = {**staff, "Idempotency-Key": f"bench-{code}"}
                        s0 = time.monotonic()
                        r = await client.post("/v1/redemptions", json={"code": code}, headers=h)
                        latencies.append((time.monotonic() - s0) * 1000)
                        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

                print(
                    f"redeeming {args.redemptions:,} with {args.clients} clients", file=sys.stderr
                )
                t0, load = time.monotonic(), os.getloadavg()[0]
                await asyncio.gather(*(worker() for _ in range(args.clients)))
                wall = time.monotonic() - t0
                latencies.sort()
                results["redeem"] = {
                    "wall": wall, "rps": len(latencies) / wall, "load": load, "statuses": statuses,
                    "p50": statistics.median(latencies),
                    "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
                    "max": latencies[-1],
                }  # fmt: skip
                t0 = time.monotonic()
                today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
                stmt = await ok("POST", "/v1/statements", op, json={
                    "merchant_id": merchant["id"], "period_from": str(today.replace(day=1)),
                    "period_to": str(today)})  # fmt: skip
                results["statement_s"] = time.monotonic() - t0
                results["statement_lines"] = stmt["line_count"]
        conn = await asyncpg.connect(dsn)
        try:
            results["check"] = dict(
                await conn.fetchrow(
                    "SELECT (SELECT count(*) FROM va_redemptions) AS redemptions, "
                    "(SELECT count(*) FROM (SELECT coupon_id FROM va_redemptions GROUP BY "
                    "coupon_id HAVING count(*) > 1) d) AS doubles, "
                    "(SELECT count(*) FROM va_coupons WHERE status = 'redeemed') AS redeemed, "
                    "(SELECT count(*) FROM outbox_messages) AS events, (SELECT version()) AS pg"
                )
            )
        finally:
            await conn.close()
    finally:
        if not args.keep_db:
            await db.drop()
    return results


def markdown(args: argparse.Namespace, r: dict[str, Any], started: datetime) -> str:
    red, check = r["redeem"], r["check"]
    pg = str(check["pg"]).split(" on ")[0]
    rps_met = red["rps"] >= TARGET_RPS and red["p99"] <= TARGET_P99_MS and check["doubles"] == 0
    yes = lambda met: "yes" if met else "**no**"  # noqa: E731
    flags = (args.coupons, args.redemptions, args.clients) != (1_000_000, 20_000, 64)
    return "\n".join([
        "## Valueadd coupons: issue, redeem (核销), statement (PostgreSQL)",
        "",
        "Through valueadd's API in one process (ASGI transport, real internal tokens): the "
        "service the gateway path reaches.",
        "",
        "- Command: `uv run python benchmarks/valueadd_redemptions.py --write docs/benchmarks.md`"
        + (f" (this run: `--coupons {args.coupons} --redemptions {args.redemptions} "
           f"--clients {args.clients}`)" if flags else ""),
        f"- Date: {started:%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} cores (shared, noisy VM: other work ran at the same time), "
        f"{platform.platform()}, Python {platform.python_version()}, {pg} on the same machine.",
        "- Each redemption: the checks, one conditional UPDATE of the coupon, the redemption "
        "row, the trail row, the order link and the order request in the outbox, one commit.",
        "",
        "| measurement | target | measured | met |",
        "|---|---|---|---|",
        f"| issue a batch of {args.coupons:,} coupons | ≤ {TARGET_ISSUE_S:.0f} s | "
        f"**{r['issue_s']:.1f} s** | {yes(r['issue_s'] <= TARGET_ISSUE_S)} |",
        f"| {args.redemptions:,} redemptions, {args.clients} clients, codes spread over "
        f"{args.coupons:,} | ≥ {TARGET_RPS:,.0f}/s, p99 ≤ {TARGET_P99_MS:.0f} ms, 0 doubles | "
        f"**{red['rps']:,.0f}/s**, p50 {red['p50']:.0f} ms, **p99 {red['p99']:.0f} ms**, max "
        f"{red['max']:.0f} ms, answers {red['statuses']}, doubles {check['doubles']} "
        f"(load average {red['load']:.1f}) | {yes(rps_met)} |",
        f"| statement over {r['statement_lines']:,} redemptions | ≤ {TARGET_STATEMENT_S:.0f} s "
        f"(for 100,000) | **{r['statement_s']:.2f} s** | "
        f"{yes(r['statement_s'] <= TARGET_STATEMENT_S) if r['statement_lines'] >= 100_000 else 'not measured at 100,000'} |",
        "",
        f"Checked afterwards: {check['redemptions']:,} redemptions, {check['redeemed']:,} coupons "
        f"redeemed, coupons redeemed twice: {check['doubles']}, {check['events']:,} order "
        "requests in the outbox.",
    ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coupons", type=int, default=1_000_000)
    parser.add_argument("--redemptions", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--write", help="markdown file to write the section into")
    args = parser.parse_args()
    started = datetime.now(UTC)
    results = asyncio.run(run(args))
    text = markdown(args, results, started)
    print(text)
    if args.write:
        write_section(args.write, SECTION, text)


if __name__ == "__main__":
    main()
