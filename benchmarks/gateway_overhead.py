"""Gateway overhead: the same request to the orders service directly and through the gateway.

    uv run python benchmarks/gateway_overhead.py --write docs/benchmarks.md      (make bench)

Real processes on PostgreSQL: sso (demo data), orders (seeded through the gateway) and the
gateway, each `python -m <service> serve` (one uvicorn worker, uvloop + httptools). Load from wrk
(`apt-get install wrk`). The request is `GET /v1/orders?limit=20` (a keyset page of 20 orders
with filters' defaults) as:

- direct: to orders with a valid internal JWT (signed with the gateway's key, as the gateway
  would present it);
- bearer: to `/api/orders/v1/orders` on the gateway with a partner's sso access token (local
  JWKS verification, entitlement check, cached internal JWT, forwarding);
- session: the same with a browser session cookie (session cache, entitlement, token, forwarding).

Throughput at 32 connections and latency at 1 connection (no queueing) are measured in
alternating rounds (direct, bearer, session, direct, …) so a slow moment of this shared machine
hits every mode alike; the medians of the rounds are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from report import write_section
from sqlalchemy.ext.asyncio import async_sessionmaker

from servicekit.testing.processes import ManagedProcess, free_port, stop_all

ROOT = Path(__file__).resolve().parents[1]
GATEWAY_CLIENT = "platform-gateway-bench"
PARTNER_CLIENT = "bench-partner"
SECRET = "bench-gateway-secret-key-0123456789abcdef"


@dataclass
class Ports:
    gateway: int = field(default_factory=free_port)
    sso: int = field(default_factory=free_port)
    orders: int = field(default_factory=free_port)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway}"


def env_for(ports: Ports, urls: dict[str, str]) -> dict[str, str]:
    gw = ports.gateway_url
    env = {**os.environ}
    for prefix in ("SSO", "ORDERS", "GATEWAY"):
        env[f"{prefix}_ENVIRONMENT"] = "development"
        env[f"{prefix}_RUN_WORKERS_INLINE"] = "false"
        env[f"{prefix}_KAFKA_BOOTSTRAP_SERVERS"] = "127.0.0.1:1"  # no events in this benchmark
        env[f"{prefix}_INTERNAL_JWKS_URL"] = f"{gw}/.well-known/internal-jwks.json"
        env[f"{prefix}_DATABASE_URL"] = urls[prefix.lower()]
    env["SSO_ISSUER"] = f"{gw}/auth"
    env["GATEWAY_SSO_URL"] = f"http://127.0.0.1:{ports.sso}"
    env["GATEWAY_ORDERS_URL"] = f"http://127.0.0.1:{ports.orders}"
    env["GATEWAY_PUBLIC_URL"] = gw
    env["GATEWAY_OIDC_ISSUER"] = f"{gw}/auth"
    env["GATEWAY_OIDC_CLIENT_ID"] = GATEWAY_CLIENT
    env["GATEWAY_SECRET_KEY"] = SECRET
    # The benchmark is one client hammering: the limits are not what is measured.
    env["GATEWAY_RATE_LIMIT_IP_PER_SECOND"] = "1000000"
    env["GATEWAY_RATE_LIMIT_IP_BURST"] = "1000000"
    env["GATEWAY_RATE_LIMIT_PRINCIPAL_PER_SECOND"] = "1000000"
    env["GATEWAY_RATE_LIMIT_PRINCIPAL_BURST"] = "1000000"
    return env


async def prepare_databases(urls: dict[str, str], ports: Ports) -> tuple[str, str]:
    """Migrate; sso's demo data; the gateway's OIDC client and a partner client of TECH."""
    from gateway.main import definition as gateway_definition
    from orders.main import definition as orders_definition
    from servicekit.cli import load_demo_data
    from servicekit.db import create_engine, create_sessionmaker, unit_of_work
    from servicekit.events import topic_for_event
    from servicekit.messaging import Outbox
    from servicekit.migrations import upgrade_to_head
    from sso.actors import Actor
    from sso.clients.schemas import ClientCreate, ClientType, GrantType
    from sso.composition import Services
    from sso.config import Settings as SsoSettings
    from sso.demo import demo_org_id
    from sso.main import definition as sso_definition

    for definition, url in (
        (sso_definition, urls["sso"]),
        (orders_definition, urls["orders"]),
        (gateway_definition, urls["gateway"]),
    ):
        await asyncio.to_thread(upgrade_to_head, definition.migrations_dir, url)
    settings = SsoSettings(
        environment="development",
        database_url=urls["sso"],
        issuer=f"{ports.gateway_url}/auth",
        run_workers_inline=False,
    )
    await load_demo_data(sso_definition, settings)
    engine = create_engine(urls["sso"])
    secrets: dict[str, str] = {}
    try:
        outbox = Outbox(sso_definition.messaging_tables, topic_for_event)
        async for session in unit_of_work(create_sessionmaker(engine)):
            services = Services(session, outbox, settings)
            tech = demo_org_id("technology-platform")
            for data in (
                ClientCreate(
                    client_id=GATEWAY_CLIENT, name="gateway (benchmark)",
                    type=ClientType.confidential, institution_id=tech,
                    redirect_uris=[f"{ports.gateway_url}/bff/callback"],
                    post_logout_redirect_uris=[f"{ports.gateway_url}/"],
                ),
                ClientCreate(
                    client_id=PARTNER_CLIENT, name="partner (benchmark)",
                    type=ClientType.confidential, institution_id=tech, redirect_uris=[],
                    grant_types=[GrantType.client_credentials], scopes=["orders.read"],
                ),
            ):  # fmt: skip
                created = await services.clients.create(data, Actor.system("benchmark"))
                assert created.client_secret
                secrets[data.client_id] = created.client_secret
    finally:
        await engine.dispose()
    return secrets[GATEWAY_CLIENT], secrets[PARTNER_CLIENT]


async def direct_token(gateway_db: str, sso_url: str) -> str:
    """An internal JWT exactly as the gateway mints it for the partner, for the direct runs."""
    from gateway.access.directory import Access
    from gateway.door.tokens import InternalTokens
    from gateway.keys.service import Signer
    from gateway.runtime import PRINCIPAL_LOOKUP
    from servicekit.db import create_engine

    engine = create_engine(gateway_db)
    try:
        signer = Signer(async_sessionmaker(engine, expire_on_commit=False), SECRET)
        await signer.reload()
        tokens = InternalTokens(signer, lifetime=3600, margin=60)
        service = tokens.for_service("sso", [PRINCIPAL_LOOKUP])
        async with httpx.AsyncClient() as http:
            found = await http.get(
                f"{sso_url}/v1/internal/principals/{PARTNER_CLIENT}",
                headers={"Authorization": f"Bearer {service}"},
            )
            found.raise_for_status()
        return tokens.for_access(Access.from_sso(found.json()), "orders", None)
    finally:
        await engine.dispose()


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int = 0
    #: CPU time (user + system) each server process spent per request during the run, ms.
    cpu_ms: dict[str, float] = field(default_factory=dict)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(
    url: str,
    headers: dict[str, str],
    connections: int,
    seconds: int,
    pids: dict[str, int] | None = None,
) -> WrkResult:
    args = ["wrk", "-t", "2" if connections > 1 else "1", "-c", str(connections),
            "-d", f"{seconds}s", "--latency"]  # fmt: skip
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    before = {name: cpu_seconds(pid) for name, pid in (pids or {}).items()}
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    spent = {name: cpu_seconds(pid) - before[name] for name, pid in (pids or {}).items()}
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    cpu = {name: seconds_spent * 1000 / max(requests, 1) for name, seconds_spent in spent.items()}
    return WrkResult(rps, p50, p99, requests, cpu)


def profile_gateway(
    folder: str, pid: int, mode: tuple[str, dict[str, str]], args: argparse.Namespace
) -> None:
    """Sample the gateway with py-spy (if installed) during one more bearer run; print where
    its time goes by function (inclusive), the stacks in DIR/gateway.collapsed."""
    if shutil.which("py-spy") is None:
        print("py-spy not installed: no profile")
        return
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    collapsed = out / "gateway.collapsed"
    spy = subprocess.Popen(
        ["py-spy", "record", "-p", str(pid), "-d", str(args.seconds), "-r", "200",
         "--format", "raw", "-o", str(collapsed), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1)
    wrk(*mode, args.connections, args.seconds)
    spy.wait(60)
    inclusive: dict[str, int] = {}
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for frame in set(stack.split(";")):
            name = frame.split(" (")[0] + " " + frame.split("/")[-1].split(":")[0].rstrip(")")
            inclusive[name] = inclusive.get(name, 0) + int(count)
    print(f"gateway profile, {total} samples; inclusive share of the top functions:")
    for name, count in sorted(inclusive.items(), key=lambda kv: -kv[1])[:45]:
        print(f"  {100 * count / total:5.1f}%  {name}")


def host_probe() -> float:
    """ms for a fixed CPU-bound loop: compare runs made at different moments."""
    started = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i * i % 7
    return (time.perf_counter() - started) * 1000


async def run(args: argparse.Namespace) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    from servicekit.testing.plugin import ThrowawayPostgres

    ports = Ports()
    dbs = {name: ThrowawayPostgres(f"bench_{name}") for name in ("sso", "orders", "gateway")}
    for db in dbs.values():
        await db.create()
    urls = {name: db.url for name, db in dbs.items()}
    logs = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
    processes: list[ManagedProcess] = []
    try:
        gateway_secret, partner_secret = await prepare_databases(urls, ports)
        env = env_for(ports, urls)
        env["GATEWAY_OIDC_CLIENT_SECRET"] = gateway_secret
        for name, port in (
            ("sso", ports.sso),
            ("orders", ports.orders),
            ("gateway", ports.gateway),
        ):
            env_one = {**env, f"{name.upper()}_LOG_JSON": "true"}
            argv = [sys.executable, "-m", name, "serve", "--no-migrate", "--port", str(port)]
            processes.append(
                ManagedProcess(name, argv, log=logs / f"{name}.log", env=env_one, cwd=ROOT,
                               port=port, stop_grace=10).start()
            )  # fmt: skip
        for proc in processes:
            await proc.wait_ready_async()

        from gateway.testing import Browser
        from sso.demo import DEMO_ADMIN_PASSWORD, demo_org_id

        browser = Browser(ports.gateway_url)
        await browser.login("platform.admin", DEMO_ADMIN_PASSWORD)
        for i in range(args.orders):
            await browser.call(
                "POST", "/api/orders/v1/orders", expect=201,
                json={"category": "risk_assessment", "direction": "receivable",
                      "customer_org_id": str(demo_org_id("technology-platform")),
                      "amount": f"{100 + i}.00", "source_service": "risk",
                      "source_ref": f"bench-{i}", "sign_date": "2026-11-20"},
            )  # fmt: skip
        cookie = browser.http.cookies.get("platform_session")
        await browser.close()
        async with httpx.AsyncClient(base_url=ports.gateway_url) as http:
            token = await http.post(
                "/auth/token", data={"grant_type": "client_credentials"},
                auth=(PARTNER_CLIENT, partner_secret),
            )  # fmt: skip
            token.raise_for_status()
            bearer = token.json()["access_token"]
        internal = await direct_token(urls["gateway"], f"http://127.0.0.1:{ports.sso}")

        path = "v1/orders?limit=20"
        modes = {
            "direct": (f"http://127.0.0.1:{ports.orders}/{path}",
                       {"Authorization": f"Bearer {internal}"}),
            "bearer": (f"{ports.gateway_url}/api/orders/{path}",
                       {"Authorization": f"Bearer {bearer}"}),
            "session": (f"{ports.gateway_url}/api/orders/{path}",
                        {"Cookie": f"platform_session={cookie}"}),
        }  # fmt: skip
        # Same answer every way (and warm every cache and connection pool).
        async with httpx.AsyncClient() as http:
            bodies = [
                (await http.get(url, headers=headers)).json()["items"]
                for url, headers in modes.values()
            ]
        assert bodies[0] == bodies[1] == bodies[2] and len(bodies[0]) == 20, "answers differ"
        for url, headers in modes.values():
            wrk(url, headers, 8, 2)

        pids = {p.name: p.pid for p in processes if p.name in ("orders", "gateway")}
        throughput: dict[str, list[WrkResult]] = {m: [] for m in modes}
        latency: dict[str, list[WrkResult]] = {m: [] for m in modes}
        probes = [host_probe()]
        for round_no in range(args.rounds):
            for mode, (url, headers) in modes.items():
                throughput[mode].append(wrk(url, headers, args.connections, args.seconds, pids))
                latency[mode].append(wrk(url, headers, 1, args.seconds))
                print(f"round {round_no + 1} {mode}: {throughput[mode][-1].rps:.0f} req/s, "
                      f"p50 {latency[mode][-1].p50_ms:.2f} ms at 1 connection")  # fmt: skip
            probes.append(host_probe())
        if args.profile:
            profile_gateway(args.profile, pids["gateway"], modes["bearer"], args)
        return {"throughput": throughput, "latency": latency, "probes": probes, "args": args}
    finally:
        stop_all(processes)
        for db in dbs.values():
            await db.drop()


def render(result: dict[str, Any], command: str) -> str:
    args = result["args"]
    tp, lat = result["throughput"], result["latency"]

    def med(values: list[float]) -> float:
        return statistics.median(values)

    direct_rps = med([r.rps for r in tp["direct"]])
    direct_p50 = med([r.p50_ms for r in lat["direct"]])
    direct_p99 = med([r.p99_ms for r in lat["direct"]])
    lines = [
        "## Gateway overhead (direct vs through the gateway)",
        "",
        "The same `GET /v1/orders?limit=20` (20 orders, PostgreSQL) to orders directly with an "
        "internal JWT, and through the gateway with a partner's bearer token or a browser "
        "session: authentication, entitlement check, internal JWT, forwarding.",
        "",
        f"- Command: `{command}`",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {os.cpu_count()} cores (shared, noisy VM; load average at the end "
        f"{os.getloadavg()[0]:.1f}), {platform.platform()}, Python "
        f"{platform.python_version()}; wrk, PostgreSQL, sso, orders and the gateway all on the "
        "same cores; one uvicorn worker per service (uvloop, httptools); JSON access logs on.",
        f"- Rounds: {args.rounds} × (direct, bearer, session), each {args.seconds} s at "
        f"{args.connections} connections (throughput) and {args.seconds} s at 1 connection "
        "(latency without queueing); medians of the rounds. Host probe (ms, lower is faster) "
        f"before/between rounds: {', '.join(f'{p:.0f}' for p in result['probes'])}.",
        "",
        "| mode | req/s | × direct | p50 ms (1 conn) | p99 ms (1 conn) | added p50 ms | "
        f"added p99 ms | p50 ms ({args.connections} conn) | p99 ms ({args.connections} conn) | "
        "CPU ms/req orders | CPU ms/req gateway |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for mode in tp:
        rps = med([r.rps for r in tp[mode]])
        p50 = med([r.p50_ms for r in lat[mode]])
        p99 = med([r.p99_ms for r in lat[mode]])
        loaded50 = med([r.p50_ms for r in tp[mode]])
        loaded99 = med([r.p99_ms for r in tp[mode]])
        ratio = rps / direct_rps
        added50, added99 = p50 - direct_p50, p99 - direct_p99
        lines.append(
            f"| {mode} | {rps:,.0f} | {ratio:.2f} | {p50:.2f} | {p99:.2f} | "
            f"{'—' if mode == 'direct' else f'{added50:+.2f}'} | "
            f"{'—' if mode == 'direct' else f'{added99:+.2f}'} | {loaded50:.2f} | {loaded99:.2f} | "
            f"{med([r.cpu_ms.get('orders', 0) for r in tp[mode]]):.2f} | "
            f"{med([r.cpu_ms.get('gateway', 0) for r in tp[mode]]):.2f} |"
        )
        if mode != "direct":
            ok = ratio >= 0.8 and added50 <= 1.0 and added99 <= 5.0
            verdicts.append(
                f"- **{mode}: {'met' if ok else 'NOT met'}** — throughput {ratio:.2f} × direct "
                f"(target ≥ 0.80), added p50 {added50:.2f} ms (≤ 1), added p99 {added99:.2f} ms "
                "(≤ 5)."
            )
    lines += [
        "",
        *verdicts,
        "",
        "CPU ms/req is the CPU time (user + system, from /proc) each server process spent per "
        "request in the throughput runs: unlike req/s and latency it hardly depends on what else "
        "the shared machine is doing, so the gateway's cost against the service's is read there.",
        "",
        "Where the gateway's time goes (py-spy, `--profile DIR`, 2026-11-25): about 60 % in "
        "uvloop's native loop (socket reads and writes on two connections per request), about "
        "12 % writing the response through uvicorn, the rest spread over the request-id/access-"
        "log/metrics middleware, the door's checks and aiohttp's request building; token "
        "verification and minting do not show (both cached). Latency added at one connection "
        "is the gateway's CPU time plus one more process to be scheduled: on an idle machine "
        "that is the CPU figure plus a loopback round trip; on this shared machine (load "
        "average printed above) every extra wake-up can wait for a core, which is what the "
        "p50/p99 deltas mostly measure.",
        "",
    ]
    lines.append(
        "Per-round figures (req/s): "
        + "; ".join(f"{m} {', '.join(f'{r.rps:,.0f}' for r in tp[m])}" for m in tp)
        + "."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--orders", type=int, default=50, help="orders seeded")
    parser.add_argument("--write", help="write the markdown section to this file")
    parser.add_argument("--profile", help="folder for a py-spy profile of the gateway (optional)")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    text = render(result, "uv run python benchmarks/gateway_overhead.py " + " ".join(sys.argv[1:]))
    print(text)
    if args.write:
        write_section(args.write, "gateway-overhead", text)
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
