"""How long `make run` takes to be usable: from its start until the banner is printed and every
process's /healthz answers (the gateway's :8000 and each service's port), then it is stopped.

    python scripts/time_make_run.py            # warm: whatever var/, web/dist and node_modules hold
    python scripts/time_make_run.py --cold     # first removes var/, web/dist and web/node_modules

The numbers in README.md ("How long `make run` takes") come from this script.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORTS = [8000, 8101, 8102, 8103, 8104, 8105, 8106, 8108]
BANNER = "<- open this"


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def main() -> None:
    if "--cold" in sys.argv[1:]:
        for path in (ROOT / "var", ROOT / "web" / "dist", ROOT / "web" / "node_modules"):
            shutil.rmtree(path, ignore_errors=True)
    log_path = ROOT / "var" / "time_make_run.log"
    log_path.parent.mkdir(exist_ok=True)
    started = time.perf_counter()
    with log_path.open("wb") as log:
        run = subprocess.Popen(
            ["make", "run"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        banner_at = ready_at = None
        try:
            while ready_at is None:
                if run.poll() is not None:
                    raise SystemExit(f"make run exited ({run.returncode}); see {log_path}")
                if time.perf_counter() - started > 600:
                    raise SystemExit(f"not ready within 600 s; see {log_path}")
                if banner_at is None and BANNER in log_path.read_text(errors="replace"):
                    banner_at = time.perf_counter() - started
                if banner_at is not None and all(_healthy(p) for p in PORTS):
                    ready_at = time.perf_counter() - started
                time.sleep(0.1)
        finally:
            os.killpg(run.pid, signal.SIGINT)  # as Ctrl-C: honcho stops every process
            try:
                run.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)
                run.wait()
    print(f"banner after {banner_at:.1f} s, every /healthz answering after {ready_at:.1f} s")


if __name__ == "__main__":
    main()
