"""Event backbone benchmark: outbox commit (orders) → broker → inbox commit (finance), on PostgreSQL.

    uv run python benchmarks/event_backbone.py --write docs/benchmarks.md      (make bench)

What runs, each as its own process, with the real runtime and nothing mocked:
- the local Kafka-protocol broker (tansu, memory storage; servicekit.localbroker);
- PostgreSQL: one throwaway database per service, migrated with the services' own migrations;
- "orders": this script with `--role orders` — orders' servicekit `Messaging` (OutboxRelay, inline
  as in `python -m orders serve`) plus a producer that commits `orders.order.created` envelopes
  (OrderCreatedV1) through servicekit's `Outbox`, `--tx-size` events per transaction, on
  `--producers` concurrent connections, paced at `--rate` events/s (0: as fast as it can);
- "finance": `python -m finance.worker` unchanged — EventConsumer with finance's real handler,
  recording a SettlementItem and an inbox row per event.

Latency of an event = inbox_messages.processed_at (finance DB) − outbox_messages.created_at
(orders DB), joined on event_id; both are stamped by Python on the same host clock just before
their transaction commits. Lost = outbox events with no inbox row; duplicated = settlement items
or inbox rows beyond one per event. A warm-up (finance's consumer joins its group) is excluded.

`--profile DIR` samples both processes with py-spy during the measured run (if installed) and
prints where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from report import host_speed, write_section

from servicekit.testing.processes import ManagedProcess, stop_all

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]
WARM_UP_EVENTS = 200


# ============================================================================ role: orders
async def run_orders_role(args: argparse.Namespace) -> None:
    """Producer + outbox relay in one process, like `orders serve` with inline workers."""
    from orders.config import Settings
    from orders.main import definition
    from servicekit.db import create_engine, create_sessionmaker
    from servicekit.observability import configure_logging
    from servicekit.runtime import build_messaging
    from shared_schemas import Money, OrderCategory, OrderCreatedV1, OrderDirection, new_event

    settings = Settings()
    configure_logging("orders", "WARNING", False)
    engine = create_engine(settings.database_url, pool_size=args.producers + 4)
    sessionmaker = create_sessionmaker(engine)
    messaging = build_messaging(definition, settings, engine, sessionmaker)
    await messaging.start()
    org = uuid.uuid4()
    run_tag = uuid.uuid4().hex[:6]

    def envelope(i: int) -> Any:
        order_id = uuid.uuid4()
        return new_event(
            "orders.order.created",
            OrderCreatedV1(
                order_id=order_id,
                order_no=f"BM{run_tag}{i:09d}",
                category=OrderCategory.risk_assessment,
                direction=OrderDirection.receivable,
                customer_org_id=org,
                amount=Money.from_fen(128_050 + i % 1000),
                source_service="bench",
                source_ref=f"bench-{run_tag}-{i}",
                created_by="bench",
            ),
            producer="orders",
            aggregate_id=order_id,
            org_id=org,
            correlation_id=f"bench-{i}",
        )

    async def produce(events: list[Any], rate: float) -> dict[str, float]:
        tx_size = args.tx_size
        batches = [events[i : i + tx_size] for i in range(0, len(events), tx_size)]
        interval = tx_size / rate if rate > 0 else 0.0
        next_index = 0
        worst_lag = 0.0
        t0 = time.monotonic()

        async def producer() -> None:
            nonlocal next_index, worst_lag
            while next_index < len(batches):
                k = next_index
                next_index += 1
                due = t0 + k * interval
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                else:
                    worst_lag = max(worst_lag, -delay)
                async with sessionmaker() as session, session.begin():
                    await messaging.outbox.add(session, *batches[k])

        started = datetime.now(UTC).timestamp()
        await asyncio.gather(*[producer() for _ in range(args.producers)])
        return {
            "started": started,
            "ended": datetime.now(UTC).timestamp(),
            "seconds": time.monotonic() - t0,
            "worst_behind_schedule_s": worst_lag if interval else 0.0,
        }

    warm = [envelope(i) for i in range(WARM_UP_EVENTS)]
    measured = [envelope(WARM_UP_EVENTS + i) for i in range(args.events)]
    await produce(warm, rate=2000)
    _say({"warm": len(warm)})
    await asyncio.to_thread(sys.stdin.readline)  # "go"
    _say({"produced": len(measured), **await produce(measured, rate=args.rate)})
    await asyncio.to_thread(sys.stdin.readline)  # "stop" (or EOF)
    await messaging.stop()
    await engine.dispose()


def run_finance_noop_role() -> None:
    """finance's worker (same runtime, same group and inbox) with a handler that does nothing."""
    import dataclasses

    from finance.main import definition
    from servicekit import worker
    from servicekit.messaging import HandlerContext, Subscriptions

    async def nothing(event: Any, ctx: HandlerContext) -> None:
        return None

    subs = Subscriptions().on("orders.order", "orders.order.created", nothing)
    if os.environ.get("BENCH_TRACE"):
        _trace_consumer()
    worker.main(dataclasses.replace(definition, subscriptions=subs), argv=[])


def _trace_consumer() -> None:
    """Debug aid: time getmany / handle_records / commit of the consumer loop (stderr at exit)."""
    import atexit

    from aiokafka import AIOKafkaConsumer

    from servicekit.messaging.consumer import EventConsumer

    stats: dict[str, list[float]] = {}

    def timed(cls: Any, name: str) -> None:
        original = getattr(cls, name)

        async def wrapper(*a: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            try:
                return await original(*a, **kw)
            finally:
                stats.setdefault(name, []).append(time.perf_counter() - t)

        setattr(cls, name, wrapper)

    timed(AIOKafkaConsumer, "getmany")
    timed(AIOKafkaConsumer, "commit")
    timed(EventConsumer, "handle_records")

    def report() -> None:
        for name, values in stats.items():
            v = sorted(values)
            print(
                f"TRACE {name}: n={len(v)} total={sum(v):.2f}s p50={v[len(v) // 2] * 1000:.1f}ms "
                f"p99={v[int(len(v) * 0.99)] * 1000:.1f}ms",
                file=sys.stderr,
            )

    atexit.register(report)


def _say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


# ============================================================================ orchestrator
@dataclass
class Scenario:
    name: str
    rate: float  # offered events/s; 0 = as fast as the producer can
    events: int
    tx_size: int
    producers: int
    handler: str = "real"  # "real": finance.worker as shipped; "inbox-only": a no-op handler
    about: str = ""


def scenarios_from(args: argparse.Namespace) -> list[Scenario]:
    table = {
        "target": Scenario(
            "target", args.rate, args.events, args.tx_size, args.producers, "real",
            "the target load, offered at a constant rate, finance's real handler",
        ),
        "ceiling": Scenario(
            "ceiling", 0, args.events, args.tx_size, args.producers, "real",
            "written as fast as possible: the most the pipeline drains (latency = backlog)",
        ),
        "backbone": Scenario(
            "backbone", args.rate, args.events, args.tx_size, args.producers, "inbox-only",
            "the target load with a no-op handler: servicekit's outbox/relay/broker/consumer/inbox",
        ),
        "backbone-ceiling": Scenario(
            "backbone-ceiling", 0, args.events, args.tx_size, args.producers, "inbox-only",
            "no-op handler, written as fast as possible: the ceiling of servicekit's path",
        ),
        "light": Scenario(
            "light", args.light_rate, args.light_events, args.tx_size, args.producers, "real",
            "a load finance's real handler keeps up with: latency when not saturated",
        ),
    }  # fmt: skip
    chosen = []
    for name in args.scenarios.split(","):
        if name not in table:
            raise SystemExit(f"unknown scenario {name!r}; choose from {', '.join(table)}")
        chosen.append(table[name])
    return chosen


@dataclass
class Result:
    scenario: Scenario
    produced_seconds: float = 0.0
    behind_schedule_s: float = 0.0
    delivered: int = 0
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    span_seconds: float = 0.0
    events_per_second: float = 0.0
    latency: dict[str, float] = field(default_factory=dict)
    relay_lag: dict[str, float] = field(default_factory=dict)
    consume_lag: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    calibration_ms: float = 0.0
    calibration_rtt_us: float = 0.0
    consumer_transactions: int = 0
    profile: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


def _pct(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    return {
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


def _env(prefix: str, **settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERS_", "FINANCE_"))}
    env.update({f"{prefix}{k}": str(v) for k, v in settings.items()})
    env["PYTHONUNBUFFERED"] = "1"
    return env


async def _readline(child: ManagedProcess, timeout: float) -> dict[str, Any]:
    assert child.popen is not None and child.popen.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(child.popen.stdout.readline), timeout)
    if not line:
        child.wait(10)  # its stdout closed: it is exiting
        raise RuntimeError(
            f"{child.name} exited ({child.returncode}); {child.log} ends:\n{child.tail()}"
        )
    return dict(json.loads(line))


async def run_scenario(scenario: Scenario, workdir: Path, profile_dir: Path | None) -> Result:
    import asyncpg

    from finance.main import definition as finance_definition
    from orders.main import definition as orders_definition
    from servicekit.localbroker import LocalBroker
    from servicekit.migrations import upgrade_to_head
    from servicekit.testing.plugin import ThrowawayPostgres

    logs = workdir / scenario.name
    logs.mkdir(parents=True, exist_ok=True)
    result = Result(scenario)
    broker = LocalBroker(log_path=logs / "broker.log").start()
    dbs = {"orders": ThrowawayPostgres("bench_orders"), "finance": ThrowawayPostgres("bench_fin")}
    children: list[ManagedProcess] = []
    profilers: list[subprocess.Popen[bytes]] = []
    try:
        for db in dbs.values():
            await db.create()
        # One after the other: alembic's `context` is process-global.
        for definition in (orders_definition, finance_definition):
            await asyncio.to_thread(
                upgrade_to_head, definition.migrations_dir, dbs[definition.name].url
            )
        common = {
            "ENVIRONMENT": "test",
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
            "LOG_JSON": "false",
            "LOG_LEVEL": "WARNING",
        }
        finance_cmd = [sys.executable, "-m", "finance.worker"]
        if scenario.handler == "inbox-only":
            finance_cmd = [sys.executable, str(SCRIPT), "--role", "finance-noop"]
        finance = ManagedProcess(
            "finance",
            finance_cmd,
            env=_env(
                "FINANCE_", DATABASE_URL=dbs["finance"].url, **{**common, "LOG_LEVEL": "INFO"}
            ),
            log=logs / "finance.log",
            cwd=ROOT,
            stop_grace=10,
        ).start()
        children.append(finance)
        orders = ManagedProcess(
            "orders",
            [
                sys.executable,
                str(SCRIPT),
                "--role",
                "orders",
                "--events",
                str(scenario.events),
                "--rate",
                str(scenario.rate),
                "--tx-size",
                str(scenario.tx_size),
                "--producers",
                str(scenario.producers),
            ],
            env=_env("ORDERS_", DATABASE_URL=dbs["orders"].url, **common),
            log=logs / "orders.log",  # stderr; stdout is its line protocol with this script
            cwd=ROOT,
            stop_grace=10,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        ).start()
        children.append(orders)

        fin = await asyncpg.connect(dbs["finance"].url)
        ords = await asyncpg.connect(dbs["orders"].url)
        try:
            inbox_count = "SELECT count(*) FROM inbox_messages WHERE consumer_group = 'finance'"
            await _readline(orders, 120)  # warm-up events committed
            await _wait(fin, inbox_count, WARM_UP_EVENTS, timeout=90, what="warm-up")
            warm_max_id = await ords.fetchval("SELECT max(id) FROM outbox_messages")
            if profile_dir is not None:
                profilers = _start_profilers(profile_dir / scenario.name, finance, orders)
            pids = {"finance": finance.pid, "orders": orders.pid}
            if broker.pid is not None:
                pids["broker"] = broker.pid
            calibration = [await host_speed(fin)]
            cpu_before = _cpu_snapshot(pids)
            assert orders.popen is not None and orders.popen.stdin is not None
            orders.popen.stdin.write(b"go\n")
            orders.popen.stdin.flush()
            expected_seconds = scenario.events / scenario.rate if scenario.rate else 30
            done = await _readline(orders, expected_seconds * 4 + 120)
            result.produced_seconds = float(done["seconds"])
            result.behind_schedule_s = float(done["worst_behind_schedule_s"])
            await _wait(
                fin,
                inbox_count,
                WARM_UP_EVENTS + scenario.events,
                timeout=max(120.0, expected_seconds * 4),
                what="delivery",
                stall=30,
            )
            cpu_after = _cpu_snapshot(pids)
            result.cpu_seconds = {k: cpu_after[k] - cpu_before.get(k, 0.0) for k in cpu_after}
            calibration.append(await host_speed(fin))
            result.calibration_ms = statistics.fmean(c[0] for c in calibration)
            result.calibration_rtt_us = statistics.fmean(c[1] for c in calibration)
            await asyncio.sleep(1.0)  # late redeliveries would show up as duplicates
            for p in profilers:
                p.send_signal(signal.SIGINT)
            for p in profilers:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.wait(30)
            produced = {
                r["event_id"]: (r["created_at"], r["published_at"])
                for r in await ords.fetch(
                    "SELECT event_id, created_at, published_at FROM outbox_messages WHERE id > $1",
                    warm_max_id,
                )
            }
            inbox = await fin.fetch(
                "SELECT event_id, processed_at FROM inbox_messages WHERE consumer_group = 'finance'"
            )
            items = await fin.fetch("SELECT source_event_id FROM settlement_items")
            # Rows written by one transaction share xmin: the consumer's batch sizes.
            batches = await fin.fetch(
                "SELECT count(*) AS n FROM inbox_messages WHERE consumer_group = 'finance' "
                "GROUP BY xmin::text"
            )
            sizes = [int(b["n"]) for b in batches]
            result.consumer_transactions = len(sizes)
        finally:
            await fin.close()
            await ords.close()
        _analyse(result, produced, inbox, items if scenario.handler == "real" else None)
        if profile_dir is not None:
            result.profile = _read_profiles(profile_dir / scenario.name)
        return result
    finally:
        for p in profilers:
            if p.poll() is None:
                p.kill()
        for child in children:
            if child.name == "orders" and child.popen and child.popen.stdin:
                with contextlib.suppress(Exception):
                    child.popen.stdin.close()
        stop_all(reversed(children))
        broker.stop()
        for db in dbs.values():
            with contextlib.suppress(Exception):
                await db.drop()


async def _wait(
    conn: Any, sql: str, want: int, *, timeout: float, what: str, stall: float | None = None
) -> None:
    deadline = time.monotonic() + timeout
    last, last_change = -1, time.monotonic()
    while True:
        got = int(await conn.fetchval(sql))
        if got >= want:
            return
        now = time.monotonic()
        if got != last:
            last, last_change = got, now
        if now > deadline or (stall is not None and now - last_change > stall):
            raise RuntimeError(f"{what}: {got}/{want} after {timeout:.0f}s (stalled or too slow)")
        await asyncio.sleep(0.1)


def _analyse(
    result: Result,
    produced: dict[Any, tuple[datetime, datetime | None]],
    inbox: list[Any],
    items: list[Any] | None,
) -> None:
    inbox_ids = Counter(r["event_id"] for r in inbox)
    processed = {r["event_id"]: r["processed_at"] for r in inbox}
    measured = set(produced)
    result.delivered = len(measured & set(processed))
    lost = measured - set(processed)
    item_ids: Counter[Any] = Counter()
    if items is not None:  # the real handler: every event must also have its settlement item
        item_ids = Counter(r["source_event_id"] for r in items)
        lost |= measured - set(item_ids)
    result.lost = len(lost)
    result.duplicated = sum(n - 1 for n in inbox_ids.values() if n > 1) + sum(
        n - 1 for n in item_ids.values() if n > 1
    )
    warm_ids = set(processed) - measured
    result.unexpected = max(0, len(warm_ids) - WARM_UP_EVENTS)
    latencies, relay, consume = [], [], []
    first_created, last_processed = None, None
    for event_id, (created, published) in produced.items():
        done = processed.get(event_id)
        if done is None:
            continue
        latencies.append((done - created).total_seconds())
        if published is not None:
            relay.append((published - created).total_seconds())
            consume.append((done - published).total_seconds())
        first_created = created if first_created is None else min(first_created, created)
        last_processed = done if last_processed is None else max(last_processed, done)
    if first_created and last_processed:
        result.span_seconds = (last_processed - first_created).total_seconds()
        result.events_per_second = result.delivered / result.span_seconds
    result.latency, result.relay_lag, result.consume_lag = (
        _pct(latencies),
        _pct(relay),
        _pct(consume),
    )


# ---------------------------------------------------------------------------- CPU accounting
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu(pid: int) -> float:
    """utime + stime of a process, in seconds (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def _postgres_pids() -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError):
                if (d / "comm").read_text().strip() == "postgres":
                    pids.append(int(d.name))
    return pids


def _cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    snap = {name: _proc_cpu(pid) for name, pid in pids.items()}
    # Every PostgreSQL backend (the server is shared: other users' load would show up here).
    snap["postgres"] = sum(_proc_cpu(pid) for pid in _postgres_pids())
    snap["benchmark"] = _proc_cpu(os.getpid())
    try:
        # user nice system idle iowait irq softirq steal (guest time is already in user)
        t = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
        snap["_busy"] = (t[0] + t[1] + t[2] + t[5] + t[6]) / _TICK
        snap["_steal"] = t[7] / _TICK
        snap["_all"] = sum(t) / _TICK
    except (OSError, ValueError):
        pass
    return snap


# ---------------------------------------------------------------------------- profiling
def _py_spy() -> str | None:
    return shutil.which("py-spy") or (
        str(p) if (p := Path.home() / ".local/bin/py-spy").exists() else None
    )


def _start_profilers(out: Path, *children: ManagedProcess) -> list[subprocess.Popen[bytes]]:
    exe = _py_spy()
    if exe is None:
        print("py-spy not found (uv tool install py-spy); profiling skipped", file=sys.stderr)
        return []
    out.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [exe, "record", "--pid", str(c.pid), "--format", "raw", "--rate", "200",
             "--nonblocking", "-o", str(out / f"{c.name}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for c in children
    ]  # fmt: skip


def _read_profiles(out: Path) -> dict[str, list[tuple[str, float]]]:
    """Share of samples per package area (inclusive) from py-spy's collapsed stacks."""
    areas = {
        "finance handler (ORM)": ("finance/settlement",),
        "sqlalchemy": ("sqlalchemy/",),
        "asyncpg": ("asyncpg/",),
        "aiokafka": ("aiokafka/",),
        "pydantic / envelope parse": ("pydantic", "shared_schemas"),
        "prometheus metrics": ("prometheus_client",),
        "servicekit consumer": ("servicekit/messaging/consumer.py",),
        "servicekit relay": ("servicekit/messaging/relay.py",),
        "servicekit outbox (producer)": ("servicekit/messaging/outbox.py",),
        "asyncio event loop": ("asyncio/", "uvloop"),
    }
    report: dict[str, list[tuple[str, float]]] = {}
    for path in sorted(out.glob("*.txt")):
        total = 0
        hits: Counter[str] = Counter()
        leaf: Counter[str] = Counter()
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            total += n
            for area, needles in areas.items():
                if any(needle in stack for needle in needles):
                    hits[area] += n
            frames = stack.split(";")
            leaf[frames[-1].split(" (")[0] if frames else "?"] += n
        if total:
            rows = [(a, 100.0 * n / total) for a, n in hits.most_common()]
            rows += [(f"self: {f}", 100.0 * n / total) for f, n in leaf.most_common(8)]
            report[path.stem] = rows
    return report


# ---------------------------------------------------------------------------- reporting
def _ms(stats: dict[str, float], key: str) -> str:
    return f"{stats[key] * 1000:,.0f}" if key in stats else "–"


def render(results: list[Result], command: str, notes: str) -> str:
    date = datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    cpu = os.cpu_count()
    lines = [
        "## Event backbone (orders → broker → finance)",
        "",
        "Outbox commit in **orders** → OutboxRelay → broker → EventConsumer in **finance** "
        "(real `orders.order.created` handler: SettlementItem + inbox row), on PostgreSQL.",
        "",
        f"- Command: `{command}`",
        f"- Date: {date}",
        f"- Machine: {cpu} cores (shared, noisy VM), {platform.platform()}, Python "
        f"{platform.python_version()}; PostgreSQL and the local broker (tansu, memory storage) "
        "on the same machine; everything competes for the same 2 cores.",
        "- Processes: broker; PostgreSQL; `orders` (producer + OutboxRelay, as `orders serve` runs "
        "it inline); `python -m finance.worker` (EventConsumer). aiokafka, acks=all, "
        "4 partitions (tansu's default for an auto-created topic).",
        "",
        "| scenario | handler | offered | events | tx size | delivered | lost | dup | "
        "events/s sustained | p50 ms | p95 ms | p99 ms | max ms | host: loop ms / PG rtt µs |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = r.scenario
        offered = f"{s.rate:,.0f}/s" if s.rate else "max"
        lines.append(
            f"| {s.name} | {s.handler} | {offered} | {s.events:,} | {s.tx_size} | "
            f"{r.delivered:,} | {r.lost} | "
            f"{r.duplicated} | **{r.events_per_second:,.0f}** | {_ms(r.latency, 'p50')} | "
            f"{_ms(r.latency, 'p95')} | **{_ms(r.latency, 'p99')}** | {_ms(r.latency, 'max')} | "
            f"{r.calibration_ms:.0f} / {r.calibration_rtt_us:.0f} |"
        )
    lines += [""] + [f"- **{r.scenario.name}**: {r.scenario.about}." for r in results]
    lines += ["", *_verdicts(results)]
    lines += [
        "",
        "Where the latency goes (p50 / p99, ms): outbox → broker ack (relay) and broker ack → "
        "inbox (consumer).",
        "",
        "| scenario | producer wall s | relay p50 | relay p99 | consumer p50 | consumer p99 |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.scenario.name} | {r.produced_seconds:.1f} | {_ms(r.relay_lag, 'p50')} | "
            f"{_ms(r.relay_lag, 'p99')} | {_ms(r.consume_lag, 'p50')} | "
            f"{_ms(r.consume_lag, 'p99')} |"
        )
    lines += ["", "Consumer transactions (inbox rows grouped by `xmin`):", ""]
    for r in results:
        if r.consumer_transactions:
            lines.append(f"- {r.scenario.name}: {_batch_line(r)}")
    lines += [
        "",
        'CPU seconds used during each measured run (from /proc, all cores; "elsewhere" is the '
        "kernel and whatever else the shared machine was running at the time):",
        "",
    ]
    for r in results:
        if r.cpu_seconds:
            lines.append(
                f"- {r.scenario.name}: {_cpu_line(r).removeprefix('CPU during the run: ')}"
            )
    lines += [
        "",
        "## How it is measured",
        "",
        "- Latency per event = `inbox_messages.processed_at` (finance DB) − "
        "`outbox_messages.created_at` (orders DB), joined on `event_id`. Both are stamped by "
        "Python on the same host clock just before their transaction commits (the outbox row when "
        "it is added, the inbox row when the batch's rows are built), so it is commit-to-commit "
        "within a few ms. Relay lag uses `outbox_messages.published_at` (set after the broker "
        "acknowledged the batch).",
        "- Sustained events/s = delivered events / (last inbox `processed_at` − first outbox "
        "`created_at`) over the measured events, i.e. end to end including the drain.",
        "- Lost = measured outbox events without an inbox row or settlement item; dup = inbox "
        "rows or settlement items beyond one per event (sets compared by event id).",
        "- A warm-up of 200 events (finance's consumer joins its group: ~5 s on tansu) runs "
        "first and is excluded. Fresh broker and databases per scenario.",
        "- Paced scenarios offer a constant rate (each transaction is scheduled, on several "
        "producer connections); `ceiling` writes as fast as it can, so its latency is queueing "
        "behind the backlog and its events/s is the most the pipeline drains.",
        "- Host: a fixed pure-Python loop (ms) and a PostgreSQL `SELECT 1` round trip (µs), "
        "timed before and after each measured run. On 2026-11-25 the same VM measured loop "
        "~90–175 ms and round trip ~40–120 µs at different hours: its neighbours change its "
        "speed about 2x. Compare runs by these and by the CPU ms per 1k events below.",
        "- `--profile DIR` adds py-spy sampling of both processes (needs `py-spy`, e.g. "
        "`uv tool install py-spy`); `--scenarios`, `--events`, `--rate`, `--tx-size`, "
        "`--producers` change the load.",
        "- `inbox-only` runs finance's worker runtime (same group, inbox, transactions) with a "
        "handler that does nothing, to separate servicekit's cost from finance's handler.",
    ]
    lines += ["", ANALYSIS.rstrip()]
    if notes:
        lines += ["", notes.rstrip()]
    for r in results:
        if r.profile:
            lines += ["", f"### Profile ({r.scenario.name}, py-spy, share of samples)", ""]
            for proc, rows in r.profile.items():
                lines.append(f"- **{proc}**: " + "; ".join(f"{a} {p:.0f}%" for a, p in rows))
    return "\n".join(lines) + "\n"


TARGET_RATE, TARGET_P99 = 5_000.0, 1.0


def _verdicts(results: list[Result]) -> list[str]:
    out = []
    for r in results:
        if r.scenario.name not in ("target", "backbone"):
            continue
        p99 = r.latency.get("p99", float("inf"))
        met = r.events_per_second >= TARGET_RATE * 0.95 and p99 < TARGET_P99 and not r.lost
        out.append(
            f"- **Target (≥ {TARGET_RATE:,.0f} events/s sustained, p99 < {TARGET_P99:.0f} s) with "
            f"the {r.scenario.handler} handler: {'met' if met else 'MISSED'}** — "
            f"{r.events_per_second:,.0f} events/s, p99 {p99:,.2f} s "
            "(≥ 95 % of the offered rate counts as sustained: the window includes ramp and drain)."
        )
    return out


ANALYSIS = """
## Analysis (profiled on this machine, 2026-11-25)

- **Noise first.** The VM's 2 cores are shared: with other sessions' test runs ("elsewhere"
  CPU above; the PostgreSQL figure counts every backend of the shared server) and, invisibly,
  with the host's other tenants (see the host columns). The same real-handler drain
  (`ceiling`) measured 7.5k and 2.4k events/s within one hour. Read one run as one sample.
- **servicekit's path meets the target.** Outbox → OutboxRelay → broker → EventConsumer → inbox
  with a no-op handler (`backbone`) carries the offered 5,000 events/s with p99 well under 1 s
  and drains ~6–8k events/s (`backbone-ceiling`, bounded by the single producer process). The
  relay's outbox → broker-ack lag stays under ~60 ms p99 in every scenario: it is never the
  bottleneck. Per 1k events: ~100 ms CPU in the orders process (producer + relay), ~60 ms in
  the consumer.
- **With finance's real handler the target holds when the host is fast, not when it is slow.**
  Fast moments (loop ~90 ms, round trip ~60 µs): ~5k events/s sustained at 5k/s offered with
  p99 ~0.3 s, drain ceiling ~7.5k events/s. Slow moments (loop ~170 ms, round trip ~110 µs):
  the same command gave 2.6–2.7k events/s and p99 8–9 s. Where finance's worker spends its
  ~80–100 ms per 1k events (py-spy, burst): SQLAlchemy ORM object construction and flush ~60 %
  (`InstanceState._initialize_instance`, `_collect_insert_commands`), pydantic envelope parsing
  ~20 % (`registry.parse` validates each message twice: the head, then the whole envelope),
  `Decimal` quantising in `Money` ~7 %, socket writes ~11 %.
- **How the consumer side got here today.** At first ~630–740 events/s: a SAVEPOINT around each
  handler, and finance's handler made three ORM round trips per event (SELECT the item, SELECT
  the account mapping — reloaded every time, the identity map holds it weakly — and the INSERT
  autoflush emits before the next SELECT). (1) servicekit, `messaging/consumer.py`: the
  per-handler SAVEPOINT removed. It could never keep anything out — a handler's exception aborts
  the whole batch transaction, which is then retried event by event — but every event paid
  `SAVEPOINT sa_savepoint_N` + `RELEASE`, each a new statement for asyncpg to prepare:
  630 → 1,060 events/s. (2) commit 59a4706 (landed during this work): `HandlerContext.in_batch`;
  inside a batch finance skips its per-event duplicate SELECT (the primary key and the
  one-by-one retry still catch a repeat) and reads account codes once per transaction, so the
  unit of work batches the INSERTs: ~1k → 4–7k events/s.
- **Next, if the target must hold under load (not applied):** (1) consumer `fetch_max_wait_ms`
  500 → 100: tansu does not answer a waiting fetch when data arrives, so records wait for part of
  the long-poll (`backbone` p50 170 → 125 ms; real Kafka answers early). (2) One transaction and
  one offset commit per poll instead of per partition (4 DB commits + 4 offset commits today).
  (3) Parse each message once (route on the head, validate the payload once). (4) uvloop for
  `python -m <svc>.worker` (+7–10 % in-process; `serve` already runs on uvloop). (5) Relay:
  `metrics…labels(topic)` per row is ~7 % of the relay process — count per topic per batch.
  (6) The relay keeps its transaction (and the rows' locks) open while it waits for the acks, up
  to the 10 s request timeout during an outage.
"""


def _cpu_line(r: Result) -> str:
    cpu = r.cpu_seconds
    per_k = 1000 / max(1, r.delivered)
    parts = [
        f"{name} {cpu[name]:.1f}s ({cpu[name] * per_k * 1000:.0f} ms/1k ev)"
        for name in ("finance", "orders", "postgres", "broker")
        if name in cpu
    ]
    if cpu.get("_all"):
        ours = sum(
            cpu.get(k, 0.0) for k in ("finance", "orders", "postgres", "broker", "benchmark")
        )
        parts.append(
            f"machine busy {100 * cpu['_busy'] / cpu['_all']:.0f}% of all cores "
            f"({max(0.0, cpu['_busy'] - ours):.1f}s elsewhere: kernel/softirq, other processes), "
            f"steal {100 * cpu.get('_steal', 0.0) / cpu['_all']:.0f}%"
        )
    return "CPU during the run: " + ", ".join(parts)


def _batch_line(r: Result) -> str:
    per = (r.delivered + WARM_UP_EVENTS) / r.consumer_transactions
    return f"{r.consumer_transactions:,} transactions, {per:.0f} events each on average"


def _print_result(r: Result) -> None:
    lat = r.latency
    print(
        f"{r.scenario.name} ({r.scenario.handler}, offered "
        f"{f'{r.scenario.rate:,.0f}/s' if r.scenario.rate else 'max'}): {r.delivered:,}/{r.scenario.events:,} delivered, lost={r.lost} "
        f"dup={r.duplicated}, {r.events_per_second:,.0f} events/s over {r.span_seconds:.1f}s; "
        f"latency p50={_ms(lat, 'p50')}ms p95={_ms(lat, 'p95')}ms p99={_ms(lat, 'p99')}ms "
        f"max={_ms(lat, 'max')}ms (relay p50/p99={_ms(r.relay_lag, 'p50')}/"
        f"{_ms(r.relay_lag, 'p99')}ms, consumer p50/p99={_ms(r.consume_lag, 'p50')}/"
        f"{_ms(r.consume_lag, 'p99')}ms); producer {r.produced_seconds:.1f}s, "
        f"behind schedule up to {r.behind_schedule_s * 1000:.0f}ms",
        flush=True,
    )
    if r.cpu_seconds:
        print(
            "  " + _cpu_line(r) + f"; host: loop {r.calibration_ms:.0f} ms, "
            f"PG round trip {r.calibration_rtt_us:.0f} µs"
        )
    if r.consumer_transactions:
        print(f"  consumer: {_batch_line(r)}")
    for proc, rows in r.profile.items():
        print(f"  profile {proc}: " + "; ".join(f"{a} {p:.0f}%" for a, p in rows))


async def orchestrate(args: argparse.Namespace) -> list[Result] | None:
    from servicekit.localbroker import LocalBrokerUnavailable, find_broker_binary
    from servicekit.testing.plugin import _pg_admin_execute, test_postgres_url

    try:
        find_broker_binary()
        await _pg_admin_execute("SELECT 1")
    except (LocalBrokerUnavailable, OSError, Exception) as exc:
        print(f"needs PostgreSQL ({test_postgres_url()}) and the local broker: {exc!r}")
        return None
    scenarios = scenarios_from(args)
    workdir = Path(tempfile.mkdtemp(prefix="bench-backbone-"))
    print(f"logs: {workdir}", flush=True)
    profile_dir = Path(args.profile) if args.profile else None
    results = []
    for scenario in scenarios:
        result = await run_scenario(scenario, workdir, profile_dir)
        _print_result(result)
        results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--role", choices=["orchestrator", "orders", "finance-noop"], default="orchestrator"
    )
    parser.add_argument("--events", type=int, default=50_000, help="measured events per scenario")
    parser.add_argument("--rate", type=float, default=5_000, help="offered events/s (paced)")
    parser.add_argument("--tx-size", type=int, default=10, help="events per outbox transaction")
    parser.add_argument("--producers", type=int, default=4, help="concurrent producer sessions")
    parser.add_argument(
        "--scenarios",
        default="target,ceiling,backbone,backbone-ceiling,light",
        help="comma list of: target, ceiling, backbone, backbone-ceiling, light",
    )
    parser.add_argument("--light-rate", type=float, default=600, help="offered events/s (light)")
    parser.add_argument("--light-events", type=int, default=10_000, help="events (light)")
    parser.add_argument("--write", help="write the markdown report to this file")
    parser.add_argument("--notes", help="markdown file appended to the report (analysis)")
    parser.add_argument("--profile", help="directory for py-spy profiles (optional)")
    args = parser.parse_args()
    if args.role == "orders":
        asyncio.run(run_orders_role(args))
        return
    if args.role == "finance-noop":
        run_finance_noop_role()
        return
    results = asyncio.run(orchestrate(args))
    if results is None:
        sys.exit(2)
    if args.write:
        command = "uv run python benchmarks/event_backbone.py " + " ".join(sys.argv[1:])
        notes = Path(args.notes).read_text() if args.notes else ""
        write_section(args.write, "event-backbone", render(results, command, notes))
        print(f"wrote {args.write}")
    sys.exit(0 if all(r.lost == 0 and r.duplicated == 0 for r in results) else 1)


if __name__ == "__main__":
    main()
