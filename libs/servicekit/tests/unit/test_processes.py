"""servicekit.testing.processes with real (tiny) processes: health wait, readiness failures with
the log tail, stop escalating to SIGKILL, restart keeping one log."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest

from servicekit.testing.processes import (
    ManagedProcess,
    ProcessNotReady,
    free_port,
    launch,
    stop_all,
)

# A health endpoint that answers 503 until `ready_after` seconds have passed, then 200.
SERVER = """
import http.server, sys, time
port, ready_after = int(sys.argv[1]), float(sys.argv[2])
started = time.monotonic()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = time.monotonic() - started >= ready_after
        self.send_response(200 if ok else 503)
        self.end_headers()
        self.wfile.write(b"ok" if ok else b"warming up")
    def log_message(self, *args):
        pass
print("serving on", port, flush=True)
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""


def server(tmp_path: Path, ready_after: float = 0.0, **options: object) -> ManagedProcess:
    port = free_port()
    return ManagedProcess(
        "tiny",
        [sys.executable, "-c", SERVER, str(port), str(ready_after)],
        log=tmp_path / "tiny.log",
        port=port,
        **options,  # type: ignore[arg-type]
    )


def test_launch_waits_until_the_health_url_answers_and_stop_ends_it(tmp_path: Path) -> None:
    proc = launch(
        "tiny",
        [sys.executable, "-c", SERVER, str(port := free_port()), "0.8"],
        log=tmp_path / "tiny.log",
        port=port,
    )
    try:
        # 503 for the first 0.8 s: being back means the 200 was waited for.
        assert httpx.get(f"{proc.base_url}/healthz").status_code == 200
        assert proc.running
    finally:
        code = proc.stop()
    assert code == -signal.SIGTERM
    assert not proc.running
    assert f"\nserving on {port}\n" in proc.log.read_text()
    assert proc.stop() == code  # idempotent


def test_a_process_that_exits_before_it_is_ready_fails_at_once_with_its_log_tail(
    tmp_path: Path,
) -> None:
    script = "import sys; print('line one'); print('cannot bind: boom', flush=True); sys.exit(3)"
    started = time.monotonic()
    with pytest.raises(ProcessNotReady) as caught:
        launch(
            "broken",
            [sys.executable, "-c", script],
            log=tmp_path / "broken.log",
            port=free_port(),
            ready_timeout=30,
        )
    assert time.monotonic() - started < 10  # did not sit out the timeout
    message = str(caught.value)
    assert "broken exited with 3 before it was ready" in message
    assert "cannot bind: boom" in message and "line one" in caught.value.tail


def test_a_process_never_healthy_times_out_with_the_last_answer_and_is_stopped(
    tmp_path: Path,
) -> None:
    proc = server(tmp_path, ready_after=3600, ready_timeout=1.0)
    with pytest.raises(ProcessNotReady) as caught:
        with proc:
            pytest.fail("entered although never healthy")
    message = str(caught.value)
    assert "tiny not ready within 1s" in message
    assert "503 warming up" in message  # what the health URL last said
    assert f"serving on {proc.port}" in caught.value.tail
    assert not proc.running  # nothing left holding the port


def test_log_noise_is_left_out_of_the_tail(tmp_path: Path) -> None:
    script = "print('access: GET /x'); print('real problem'); print('access: GET /y')"
    proc = ManagedProcess("noisy", [sys.executable, "-c", script], log=tmp_path / "n.log")
    proc.log_noise = ("access:",)
    assert proc.start().wait(10) == 0
    tail = proc.tail()
    assert "real problem" in tail and "access:" not in tail


def test_stop_kills_a_process_that_ignores_sigterm(tmp_path: Path) -> None:
    script = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ignoring SIGTERM', flush=True); time.sleep(600)"
    )
    proc = ManagedProcess(
        "stubborn", [sys.executable, "-c", script], log=tmp_path / "s.log", stop_grace=0.5
    )
    with proc:  # no port: ready once started
        deadline = time.monotonic() + 10
        while "\nignoring SIGTERM" not in proc.log.read_text():  # the output, not the header
            assert time.monotonic() < deadline, proc.tail()
            time.sleep(0.05)
        started = time.monotonic()
        assert proc.stop() == -signal.SIGKILL
        assert time.monotonic() - started >= 0.5
    assert not proc.running


def test_stop_all_overlaps_the_shutdowns(tmp_path: Path) -> None:
    # Each takes 2 s to shut down after SIGTERM: one after the other would take 4 s.
    script = (
        "import signal, sys, time\n"
        "def bye(*_):\n    time.sleep(2); sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, bye)\n"
        "print('up', flush=True)\n"
        "while True: time.sleep(1)\n"
    )
    procs = [
        ManagedProcess(f"slow{i}", [sys.executable, "-c", script], log=tmp_path / f"{i}.log")
        for i in range(2)
    ]
    for proc in procs:
        proc.start()
    deadline = time.monotonic() + 10
    while not all("\nup" in proc.log.read_text() for proc in procs):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    started = time.monotonic()
    stop_all(procs)
    took = time.monotonic() - started
    assert [proc.returncode for proc in procs] == [0, 0]  # clean exits: one SIGTERM each
    assert 2.0 <= took < 3.5, took


def test_stop_ends_what_the_process_started_too(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
        f"open({str(pid_file)!r}, 'w').write(str(p.pid)); time.sleep(600)"
    )
    proc = ManagedProcess("parent", [sys.executable, "-c", script], log=tmp_path / "p.log")
    proc.start()
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, proc.tail()
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    proc.stop()
    deadline = time.monotonic() + 5
    while _alive(grandchild):
        assert time.monotonic() < deadline, "the grandchild outlived stop()"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not reaped by its dead parent yet) counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def test_kill_is_a_crash_and_a_restart_appends_to_the_same_log(tmp_path: Path) -> None:
    proc = server(tmp_path)
    with proc:
        first = proc.pid
        assert proc.kill() == -signal.SIGKILL
        assert not proc.running
        proc.start().wait_ready()
        assert proc.pid != first
        assert httpx.get(f"{proc.base_url}/healthz").status_code == 200
    log = proc.log.read_text()
    assert log.count("===== start tiny:") == 2 and log.count("\nserving on") == 2


async def test_async_use_waits_off_the_event_loop(tmp_path: Path) -> None:
    a, b = server(tmp_path / "a", ready_after=0.5), server(tmp_path / "b", ready_after=0.5)
    async with a, b:
        async with httpx.AsyncClient() as http:
            for proc in (a, b):
                assert (await http.get(f"{proc.base_url}/healthz")).status_code == 200
    assert not a.running and not b.running
