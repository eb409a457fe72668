"""Process fixtures for the end-to-end event-backbone tests.

Everything runs as real processes: the local Kafka-protocol broker (tansu, memory storage),
one throwaway PostgreSQL database per service, `python -m orders serve`, `python -m finance
serve` and, where a test wants it, `python -m finance.worker`. Each process logs to a file under
the test's tmp dir; when a test fails, the tail of every log is attached to its report.

`@pytest.mark.broker_proxy` puts a CuttableProxy between every client and the broker (the
broker advertises the proxy's address), so a test can make the network lose what clients send.

The servicekit pytest plugin is loaded too, but its `database_url`/`app` fixtures need a
`service_definition`, which this suite deliberately does not have: nothing here runs in-process.
Under CI=true a missing PostgreSQL or broker fails the run (servicekit's `unavailable`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from servicekit.localbroker import LocalBroker, LocalBrokerError
from servicekit.testing.plugin import ThrowawayPostgres, test_postgres_url, unavailable
from servicekit.testing.processes import ManagedProcess, free_port, log_tail, stop_all
from servicekit.testing.tokens import TestTokenIssuer

ROOT = Path(__file__).resolve().parents[1]
#: One organisation owns every order of the suite.
ORG = uuid.UUID("7d0c3a52-5d8e-4d51-9a43-0a9f0c1e2b01")

_LOGS_KEY = pytest.StashKey[list[Path]]()


#: uvicorn's access-log lines carry no detail worth a failed test's report.
ACCESS_LOG = "servicekit.access: request"


# ------------------------------------------------------------------------------ reporting
@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test's report carries the tail of every process log it started."""
    report = yield
    if report.failed:
        for path in item.stash.get(_LOGS_KEY, []):
            report.sections.append(
                (f"log tail ({report.when}): {path.name}", log_tail(path, skip=[ACCESS_LOG]))
            )
    return report


@pytest.fixture
def log_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    request.node.stash[_LOGS_KEY] = []
    path = tmp_path / "logs"
    path.mkdir()
    return path


def _register_log(request: pytest.FixtureRequest, path: Path) -> None:
    request.node.stash.setdefault(_LOGS_KEY, []).append(path)


# ------------------------------------------------------------------------------ infrastructure
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "broker_proxy: every client reaches the broker through a CuttableProxy"
    )


class CuttableProxy:
    """A TCP proxy in front of the broker (own thread and loop) that can cut client → broker
    traffic: while cut, bytes clients send are dropped (no error, no reply), as if the network
    lost them; `restore()` closes every proxied connection and clients reconnect."""

    def __init__(self, port: int, target_port: int, host: str = "127.0.0.1") -> None:
        self.host, self.port, self.target_port = host, port, target_port
        self.is_cut = False
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def start(self) -> None:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._accept, self.host, self.port), self._loop
        ).result(10)

    def cut(self) -> None:
        self.is_cut = True

    def restore(self) -> None:
        async def reset() -> None:
            self.is_cut = False
            for writer in list(self._writers):
                writer.close()

        asyncio.run_coroutine_threadsafe(reset(), self._loop).result(10)

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._writers):
                writer.close()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.target_port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter, cuttable: bool) -> None:
            try:
                while data := await r.read(65536):
                    if cuttable and self.is_cut:
                        continue  # lost on the way
                    w.write(data)
                    await w.drain()
            except OSError:
                pass
            finally:
                w.close()
                self._writers.discard(w)

        await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))


class ProxiedLocalBroker(LocalBroker):
    """The local broker advertising a CuttableProxy's address: all traffic goes through it."""

    def __init__(self, *, proxy_port: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.proxy = CuttableProxy(proxy_port, self.port, self.host)

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.proxy.port}"

    def command(self) -> list[str]:
        cmd = super().command()
        cmd[cmd.index("--advertised-listener-url") + 1] = f"tcp://{self.host}:{self.proxy.port}"
        return cmd


@pytest.fixture
def broker(request: pytest.FixtureRequest, log_dir: Path) -> Iterator[LocalBroker]:
    log = log_dir / "broker.log"
    _register_log(request, log)
    if request.node.get_closest_marker("broker_proxy"):
        b: LocalBroker = ProxiedLocalBroker(port=free_port(), proxy_port=free_port(), log_path=log)
        b.proxy.start()
    else:
        b = LocalBroker(port=free_port(), log_path=log)
    try:
        b.start()
    except LocalBrokerError as exc:
        unavailable(f"the local Kafka-protocol broker ({exc})")
    try:
        yield b
    finally:
        b.stop()
        if isinstance(b, ProxiedLocalBroker):
            b.proxy.stop()


@pytest.fixture
async def databases() -> AsyncIterator[dict[str, str]]:
    """A fresh, empty PostgreSQL database per service (each `serve` migrates its own)."""
    dbs = {name: ThrowawayPostgres(f"e2e_{name}") for name in ("orders", "finance")}
    created: list[ThrowawayPostgres] = []
    try:
        for db in dbs.values():
            try:
                await db.create()
            except Exception as exc:  # refused connection, bad credentials …
                unavailable(f"PostgreSQL at {test_postgres_url()} ({exc!r})")
            created.append(db)
        yield {name: db.url for name, db in dbs.items()}
    finally:
        for db in created:
            with contextlib.suppress(Exception):
                await db.drop()


@pytest.fixture(scope="session")
def issuer() -> TestTokenIssuer:
    return TestTokenIssuer()


@pytest.fixture
def jwks_url(issuer: TestTokenIssuer, tmp_path: Path) -> str:
    path = tmp_path / "internal-jwks.json"
    path.write_text(json.dumps(issuer.jwks))
    return f"file://{path}"


# ------------------------------------------------------------------------------ processes
def service_env(
    prefix: str, *, database_url: str, bootstrap: str, jwks_url: str, **extra: Any
) -> dict[str, str]:
    """The parent's environment without any ORDERS_/FINANCE_ leftovers, plus this service's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERS_", "FINANCE_"))}
    settings: dict[str, Any] = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "INTERNAL_JWKS_URL": jwks_url,
        "LOG_JSON": "false",
        "CONSUMER_MAX_ATTEMPTS": 3,
        "CONSUMER_RETRY_BACKOFF_SECONDS": 0.1,
        **extra,
    }
    env.update({f"{prefix}{k}": str(v) for k, v in settings.items()})
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Stack:
    """orders and finance (and optionally a separate finance worker) on one broker."""

    broker: LocalBroker
    databases: dict[str, str]
    issuer: TestTokenIssuer
    orders: ManagedProcess
    finance: ManagedProcess
    finance_worker: ManagedProcess | None
    procs: list[ManagedProcess] = field(default_factory=list)

    _tokens: dict[str, tuple[float, dict[str, str]]] = field(default_factory=dict)

    # -- HTTP ---------------------------------------------------------------------------
    def _headers(self, entry: str, functions: list[str], subject: str) -> dict[str, str]:
        # Signing costs ~25 ms: reuse a token for a minute (they live 5).
        minted_at, headers = self._tokens.get(entry, (0.0, {}))
        if time.monotonic() - minted_at > 60:
            headers = self.issuer.headers(
                entry=entry, functions=functions, org_id=ORG, subject=subject
            )
            self._tokens[entry] = (time.monotonic(), headers)
        return headers

    def orders_headers(self) -> dict[str, str]:
        return self._headers("orders", ["orders.order.create", "orders.order.query"], "e2e-clerk")

    def finance_headers(self) -> dict[str, str]:
        return self._headers(
            "finance", ["finance.settlement.query", "finance.ledger.configure"], "e2e-accountant"
        )

    def finance_operator_headers(self) -> dict[str, str]:
        """The platform's finance staff (account mappings are theirs to set)."""
        return self.issuer.headers(
            entry="finance",
            functions=["finance.settlement.query", "finance.ledger.configure"],
            org_id=ORG,
            subject="e2e-accountant",
            platform_operator=True,
        )

    async def create_order(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        category: str = "risk_assessment",
        direction: str = "receivable",
        amount: str = "1280.50",
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        body = {
            "category": category,
            "direction": direction,
            "customer_org_id": str(ORG),
            "amount": amount,
            "source_service": "e2e",
            "source_ref": f"e2e-{uuid.uuid4().hex}",
        }
        async with contextlib.AsyncExitStack() as stack:
            if client is None:
                client = await stack.enter_async_context(
                    httpx.AsyncClient(base_url=self.orders.base_url, timeout=15.0)
                )
            r = await client.post("/v1/orders", json=body, headers=headers or self.orders_headers())
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def settlement_item(self, order_id: str) -> dict[str, Any] | None:
        async with httpx.AsyncClient(base_url=self.finance.base_url, timeout=10.0) as client:
            r = await client.get(f"/v1/settlement-items/{order_id}", headers=self.finance_headers())
        if r.status_code == 404:
            return None
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def wait_for_items(
        self, order_ids: list[str], timeout: float = 60.0
    ) -> dict[str, dict[str, Any]]:
        """Poll finance's API until it holds a settlement item for every order."""
        found: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for order_id in order_ids:
                if order_id not in found and (item := await self.settlement_item(order_id)):
                    found[order_id] = item
            if len(found) == len(order_ids):
                return found
            await asyncio.sleep(0.3)
        missing = sorted(set(order_ids) - set(found))
        raise AssertionError(
            f"finance recorded {len(found)}/{len(order_ids)} orders within {timeout}s; "
            f"missing e.g. {missing[:5]}"
        )

    # -- databases ------------------------------------------------------------------------
    async def finance_sql(self, sql: str, *args: Any) -> Any:
        return await _fetchval(self.databases["finance"], sql, *args)

    async def finance_rows(self, sql: str, *args: Any) -> list[Any]:
        conn = await asyncpg.connect(self.databases["finance"], timeout=5)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    async def orders_sql(self, sql: str, *args: Any) -> Any:
        return await _fetchval(self.databases["orders"], sql, *args)

    async def poll_finance_until(
        self, sql: str, condition: Callable[[int], bool], timeout: float, interval: float
    ) -> int:
        """Poll a count on one connection until `condition(count)`; returns that count."""
        conn = await asyncpg.connect(self.databases["finance"], timeout=5)
        try:
            deadline = time.monotonic() + timeout
            got = int(await conn.fetchval(sql))
            while not condition(got):
                if time.monotonic() > deadline:
                    raise AssertionError(f"{sql!r} = {got}: condition not met in {timeout}s")
                await asyncio.sleep(interval)
                got = int(await conn.fetchval(sql))
            return got
        finally:
            await conn.close()

    async def poll_finance_stable(self, sql: str, *, quiet: float, timeout: float) -> int:
        """Poll a count until it has not changed for `quiet` seconds; returns it."""
        conn = await asyncpg.connect(self.databases["finance"], timeout=5)
        try:
            deadline = time.monotonic() + timeout
            got = int(await conn.fetchval(sql))
            since = time.monotonic()
            while time.monotonic() - since < quiet:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{sql!r} still changing after {timeout}s")
                await asyncio.sleep(0.05)
                now = int(await conn.fetchval(sql))
                if now != got:
                    got, since = now, time.monotonic()
            return got
        finally:
            await conn.close()

    async def wait_for_finance_count(self, sql: str, want: int, timeout: float = 60.0) -> int:
        return await _wait_for_count(self.databases["finance"], sql, want, timeout)

    async def wait_for_orders_count(self, sql: str, want: int, timeout: float = 60.0) -> int:
        return await _wait_for_count(self.databases["orders"], sql, want, timeout)

    async def run_finance_worker_command(self, *args: str, timeout: float = 90.0) -> str:
        """`python -m finance.worker <args>` with finance's env (bounded); returns its output."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "finance.worker",
            *args,
            cwd=ROOT,
            env=self.finance.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
        output = out.decode(errors="replace")
        with self.finance.log.open("a") as fh:
            fh.write(f"\n===== finance.worker {' '.join(args)} (rc={proc.returncode})\n{output}")
        assert proc.returncode == 0, output
        return output

    async def committed_offsets(self, group: str, topic: str) -> dict[int, int]:
        """The group's committed offset per partition (without joining the group)."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.broker.bootstrap_servers,
            group_id=group,
            enable_auto_commit=False,
            request_timeout_ms=5000,
        )
        await asyncio.wait_for(consumer.start(), 10)
        try:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
            offsets = {}
            for p in partitions:
                offset = await consumer.committed(TopicPartition(topic, p))
                offsets[p] = offset if offset is not None and offset >= 0 else 0
            return offsets
        finally:
            await consumer.stop()

    async def read_topic(self, topic: str, *, want: int, timeout: float = 30.0) -> list[Any]:
        """Records of `topic` from the beginning (group-less), until `want` arrived or timeout."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.broker.bootstrap_servers,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            request_timeout_ms=5000,
        )
        await asyncio.wait_for(consumer.start(), 10)
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        try:
            partitions: set[int] | None = None
            while not partitions and time.monotonic() < deadline:
                await consumer._client.force_metadata_update()
                partitions = consumer.partitions_for_topic(topic)
                if not partitions:
                    await asyncio.sleep(0.3)
            assert partitions, f"topic {topic} does not exist after {timeout}s"
            consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
            await consumer.seek_to_beginning()
            while len(records) < want and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=300)
                for part_records in batch.values():
                    records.extend(part_records)
        finally:
            await consumer.stop()
        return records


async def _fetchval(url: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(url, timeout=5)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def _wait_for_count(url: str, sql: str, want: int, timeout: float) -> int:
    """Poll a count query until it reaches `want` (bounded)."""
    deadline = time.monotonic() + timeout
    got = -1
    while time.monotonic() < deadline:
        got = int(await _fetchval(url, sql))
        if got >= want:
            return got
        await asyncio.sleep(0.2)
    raise AssertionError(f"{sql!r} = {got} after {timeout}s, expected >= {want}")


StackFactory = Callable[..., Awaitable[Stack]]


@pytest.fixture
async def start_stack(
    request: pytest.FixtureRequest,
    broker: LocalBroker,
    databases: dict[str, str],
    issuer: TestTokenIssuer,
    jwks_url: str,
    log_dir: Path,
) -> AsyncIterator[StackFactory]:
    """`await start_stack(finance_inline=..., start_worker=..., **FINANCE_settings)`.

    orders and finance are up (/readyz) when it returns; every process is stopped afterwards.
    """
    procs: list[ManagedProcess] = []

    def service(
        name: str, argv: list[str], env: dict[str, str], port: int | None
    ) -> ManagedProcess:
        return ManagedProcess(
            name,
            [sys.executable, *argv],
            log=log_dir / f"{name}.log",
            env=env,
            cwd=ROOT,
            port=port,
            health_path="/readyz",  # database and broker reachable
            log_noise=[ACCESS_LOG],
        )

    async def start(
        *, finance_inline: bool = True, start_worker: bool = True, **finance_settings: Any
    ) -> Stack:
        common = {"bootstrap": broker.bootstrap_servers, "jwks_url": jwks_url}
        orders = service(
            "orders",
            ["-m", "orders", "serve", "--port", str(port := free_port())],
            service_env("ORDERS_", database_url=databases["orders"], **common),
            port,
        )
        finance = service(
            "finance",
            ["-m", "finance", "serve", "--port", str(port := free_port())],
            service_env(
                "FINANCE_",
                database_url=databases["finance"],
                RUN_WORKERS_INLINE=str(finance_inline).lower(),
                **common,
                **finance_settings,
            ),
            port,
        )
        worker = None
        if not finance_inline:
            assert finance.env is not None
            worker = service("finance-worker", ["-m", "finance.worker"], finance.env, None)
        for p in (orders, finance, worker):
            if p is not None:
                _register_log(request, p.log)
                procs.append(p)  # stopped at teardown, whoever started it
        orders.start()
        finance.start()
        await asyncio.gather(orders.wait_ready_async(), finance.wait_ready_async())
        if worker is not None and start_worker:  # after `serve` migrated the database
            worker.start()
        return Stack(broker, databases, issuer, orders, finance, worker, procs)

    try:
        yield start
    finally:
        stop_all(reversed(procs))
