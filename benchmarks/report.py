"""One markdown file, several benchmarks: each rewrites only its own section.

A section sits between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; a benchmark that has
never run yet is appended at the end. Everything outside the markers is left as it is, so the
file can carry a hand-written introduction.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

HEADER = (
    "# Benchmarks\n\n"
    "Every section is written by the command it names (`make bench` runs them all). Figures are "
    "from one shared, noisy 2-core machine: compare ratios measured in the same run, not "
    "absolute numbers across runs.\n"
)


def write_section(path: str | Path, name: str, markdown: str) -> None:
    """Replace (or append) the section NAME of the markdown file at PATH."""
    file = Path(path)
    text = file.read_text() if file.exists() else HEADER
    block = f"<!-- bench:{name} -->\n{markdown.strip()}\n<!-- /bench:{name} -->"
    pattern = re.compile(
        rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.DOTALL
    )
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    file.write_text(text)


async def host_speed(conn: Any) -> tuple[float, float]:
    """How fast the shared host is right now: ms for a fixed pure-Python loop, and µs per
    PostgreSQL round trip (`SELECT 1`, prepared, on an asyncpg connection) — syscalls and
    wake-ups slow down first. Runs measured at different speeds compare by these."""
    started = time.perf_counter()
    sum(i * i for i in range(3_000_000))
    loop_ms = (time.perf_counter() - started) * 1000
    statement = await conn.prepare("SELECT 1")
    started = time.perf_counter()
    for _ in range(2000):
        await statement.fetchval()
    return loop_ms, (time.perf_counter() - started) / 2000 * 1e6


#: The server settings that decide how much a write-heavy run costs (shown with its figures).
SERVER_SETTINGS = ("shared_buffers", "max_wal_size", "checkpoint_timeout", "wal_compression")


async def server_settings(conn: Any) -> str:
    """E.g. "shared_buffers 128MB, max_wal_size 1GB, …" of the server on an asyncpg connection."""
    return ", ".join([f"{name} {await conn.fetchval(f'SHOW {name}')}" for name in SERVER_SETTINGS])
