"""`make web`: build the console into web/dist only when its sources changed.

`npm ci` runs only when package-lock.json or package.json changed since node_modules was
installed (stamp: web/node_modules/.platform-lock-hash); the type-checked build
(`npm run build`) only when a file of web/ outside node_modules and dist changed since
web/dist was built (stamp: var/prepared/web). `--force` does both. Without
Node.js/npm nothing is built and the gateway answers `/` with a JSON index of the doors.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parents[1] / "web"
NOT_SOURCES = {"node_modules", "dist", "README.md"}
LOCK_STAMP = WEB / "node_modules" / ".platform-lock-hash"
BUILD_STAMP = WEB.parent / "var" / "prepared" / "web"  # not in dist: the gateway serves that


def _hash(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(WEB)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def lock_hash() -> str:
    return _hash([WEB / "package-lock.json", WEB / "package.json"])


def sources_hash() -> str:
    files = [
        p
        for p in sorted(WEB.rglob("*"))
        if p.is_file() and p.relative_to(WEB).parts[0] not in NOT_SOURCES
    ]
    return _hash(files)


def _stale(stamp: Path, value: str) -> bool:
    return not stamp.exists() or stamp.read_text() != value


def _npm(*args: str) -> None:
    subprocess.run(["npm", *args], cwd=WEB, check=True)


def main() -> None:
    force = "--force" in sys.argv[1:]
    if shutil.which("npm") is None:
        print("Node.js/npm not found: the web console is not built (/ serves a JSON index)")
        return
    lock = lock_hash()
    if force or _stale(LOCK_STAMP, lock):
        _npm("ci", "--no-audit", "--no-fund", "--loglevel=error")
        LOCK_STAMP.write_text(lock)
    sources = sources_hash()
    if force or _stale(BUILD_STAMP, sources) or not (WEB / "dist" / "index.html").exists():
        _npm("run", "build")
        BUILD_STAMP.parent.mkdir(parents=True, exist_ok=True)
        BUILD_STAMP.write_text(sources)
    else:
        print("web console up to date (web/dist)")


if __name__ == "__main__":
    main()
