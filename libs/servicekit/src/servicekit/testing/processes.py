"""Real processes for end-to-end tests and benchmarks: start, wait until healthy, stop.

    with ManagedProcess("orders", [sys.executable, "-m", "orders", "serve", "--port", str(port)],
                        log=tmp / "orders.log", env=env, port=port) as orders:
        httpx.get(f"{orders.base_url}/v1/orders")

or ``launch(...)`` (started and healthy, or stopped and raised) when the caller owns the stop.
Output (stdout and stderr) is appended to ``log``, one header line per start, so a restarted
process keeps its history in one file. Readiness is a 2xx from ``http://host:port`` +
``health_path``; a process that exits first, or is not healthy within the timeout, raises
:class:`ProcessNotReady` carrying the tail of its log. :meth:`ManagedProcess.stop` sends SIGTERM
to the process's group, then SIGKILL after ``stop_grace`` seconds. On Linux the kernel kills the
process if the one that started it dies, so a crashed test run leaves no server holding a port.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import httpx

from servicekit.localbroker import free_port

__all__ = ["ManagedProcess", "ProcessNotReady", "free_port", "launch", "log_tail", "stop_all"]

READY_TIMEOUT = 60.0
STOP_GRACE = 8.0


class ProcessNotReady(RuntimeError):
    """The process exited, or did not answer its health URL in time; the message ends with
    the tail of its log."""

    def __init__(self, message: str, tail: str) -> None:
        super().__init__(f"{message}; log tail:\n{tail}")
        self.tail = tail


def log_tail(path: Path, lines: int = 60, skip: Iterable[str] = ()) -> str:
    """The last `lines` lines of a log, leaving out lines that contain any of `skip`."""
    noise = tuple(skip)
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            kept = (line for line in fh if not any(n in line for n in noise))
            return "".join(deque(kept, maxlen=lines))
    except OSError:
        return "<no log>"


def _die_with_parent() -> Callable[[], None] | None:
    """Linux: the child gets SIGKILL when its parent dies. The signal follows the thread that
    forked, so only from the main thread (a worker thread may end long before the test)."""
    if (
        not sys.platform.startswith("linux")
        or threading.current_thread() is not threading.main_thread()
    ):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def set_pdeathsig() -> None:
        prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG

    return set_pdeathsig


class ManagedProcess:
    """One process with its log file; startable again after a stop (the log is appended)."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log: Path,
        env: dict[str, str] | None = None,
        cwd: Path | str | None = None,
        port: int | None = None,
        host: str = "127.0.0.1",
        health_path: str | None = "/healthz",
        ready_timeout: float = READY_TIMEOUT,
        stop_grace: float = STOP_GRACE,
        log_noise: Iterable[str] = (),
        stdin: int | IO[Any] | None = subprocess.DEVNULL,
        stdout: int | IO[Any] | None = None,
    ) -> None:
        """`port` + `health_path` make the health URL (none without a port, or with
        `health_path=None`); `log_noise`: substrings of lines left out of log tails;
        `stdin`/`stdout` as for Popen (`stdout` defaults to the log; stderr always goes there)."""
        self.name = name
        self.argv = list(argv)
        self.log = log
        self.env = env
        self.cwd = cwd
        self.port = port
        self.host = host
        self.health_path = health_path
        self.ready_timeout = ready_timeout
        self.stop_grace = stop_grace
        self.log_noise = tuple(log_noise)
        self._stdin = stdin
        self._stdout = stdout
        self.popen: subprocess.Popen[bytes] | None = None
        self._terminated = False  # SIGTERM sent already (stop_all): stop() only waits

    # -- state ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self.port is None:
            raise ValueError(f"{self.name} has no port")
        return f"http://{self.host}:{self.port}"

    @property
    def health_url(self) -> str | None:
        if self.port is None or self.health_path is None:
            return None
        return f"{self.base_url}{self.health_path}"

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def pid(self) -> int:
        if self.popen is None:
            raise RuntimeError(f"{self.name} was never started")
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    def tail(self, lines: int = 60) -> str:
        return log_tail(self.log, lines, self.log_noise)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> Self:
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        self._close_pipes()
        self._terminated = False
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as fh:  # the child keeps its own copy of the descriptor
            fh.write(f"\n===== start {self.name}: {' '.join(self.argv)}\n".encode())
            fh.flush()
            self.popen = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=self._stdin,
                stdout=fh if self._stdout is None else self._stdout,
                stderr=fh,
                # Its own group: a terminal's Ctrl-C does not reach it half-way, and stop()
                # signals whatever it started as well.
                start_new_session=True,
                preexec_fn=_die_with_parent(),
            )
        return self

    def wait_ready(self, timeout: float | None = None) -> Self:
        """Poll the health URL until it answers 2xx (at once if there is none)."""
        url = self.health_url
        if url is None:
            return self
        timeout = self.ready_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        last = "no answer"
        with httpx.Client(timeout=2.0) as http:
            while True:
                if self.popen is None:
                    raise RuntimeError(f"{self.name} was never started")
                if (code := self.popen.poll()) is not None:
                    raise ProcessNotReady(
                        f"{self.name} exited with {code} before it was ready", self.tail()
                    )
                try:
                    answer = http.get(url)
                    if answer.is_success:
                        return self
                    last = f"{answer.status_code} {answer.text[:200]}"
                except httpx.HTTPError as exc:
                    last = repr(exc)
                if time.monotonic() >= deadline:
                    raise ProcessNotReady(
                        f"{self.name} not ready within {timeout:g}s at {url} (last: {last})",
                        self.tail(),
                    )
                time.sleep(0.1)

    async def wait_ready_async(self, timeout: float | None = None) -> Self:
        """`wait_ready` off the event loop (several processes can be awaited together)."""
        return await asyncio.to_thread(self.wait_ready, timeout)

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the process to exit by itself; its exit code."""
        if self.popen is None:
            raise RuntimeError(f"{self.name} was never started")
        return self.popen.wait(timeout)

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after `stop_grace`. Idempotent; the exit code."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            if not self._terminated:  # a second SIGTERM makes some servers skip their clean-up
                self._terminate()
            try:
                self.popen.wait(self.stop_grace)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.popen.wait(self.stop_grace)
        self._close_pipes()
        self._terminated = False
        return self.popen.returncode

    def _terminate(self) -> None:
        self._signal(signal.SIGTERM)
        self._terminated = True

    def kill(self) -> int:
        """SIGKILL at once (a crash: no clean-up); the exit code."""
        if self.popen is None:
            raise RuntimeError(f"{self.name} was never started")
        self._signal(signal.SIGKILL)
        return self.popen.wait(self.stop_grace)

    def _signal(self, sig: signal.Signals) -> None:
        assert self.popen is not None
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass  # already gone
        except OSError:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(sig)

    def _close_pipes(self) -> None:
        if self.popen is not None:
            for pipe in (self.popen.stdin, self.popen.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()

    # -- context managers: started and ready inside, stopped after ------------------------
    def __enter__(self) -> Self:
        if not self.running:
            self.start()
        try:
            return self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        if not self.running:
            self.start()
        try:
            return await self.wait_ready_async()
        except BaseException:
            await asyncio.to_thread(self.stop)
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)


def launch(name: str, argv: Sequence[str], **options: Any) -> ManagedProcess:
    """Start a process and wait until it is healthy; if it is not, it is stopped and
    :class:`ProcessNotReady` raised. The caller stops it (or uses it as a context manager)."""
    return ManagedProcess(name, argv, **options).__enter__()


def stop_all(processes: Iterable[ManagedProcess]) -> None:
    """Stop several processes at once: SIGTERM to every one, then each waited for (SIGKILL
    after its grace), so their shutdowns overlap instead of adding up."""
    chosen = list(processes)
    for proc in chosen:
        if proc.running:
            proc._terminate()
    for proc in chosen:
        proc.stop()
