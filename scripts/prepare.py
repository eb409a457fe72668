"""`make run`'s prestart in one process: migrate every service and load its demo data, but only
for a service whose code or settings changed since it was last prepared.

    python scripts/prepare.py sso gateway orders ...    # what `make run` does
    python scripts/prepare.py --force orders            # migrate and load regardless

Each service is prepared exactly as `python -m <svc> migrate` then `python -m <svc> demo-data`
(its own `__main__`, run in this process: sso's catalogue sync included), so both stay the one
way to do it. A stamp in var/prepared/<svc> records what was prepared: a hash of the service's
package, servicekit and shared-schemas sources, uv.lock, and the service's environment variables
(`ORDERS_…`). A warm start with nothing changed imports nothing and takes well under a second;
`make clean` (or deleting the service's SQLite file) prepares it again.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import runpy
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"
STAMPS = VAR / "prepared"
#: Code every service's migrations and demo data go through besides its own package.
SHARED = ["servicekit", "shared_schemas"]
SUFFIXES = {".py", ".json", ".toml", ".ini", ".mako", ".yaml", ".yml", ".csv", ".txt"}


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"prepare: no package named {name!r} (uv sync --all-packages?)")
    return Path(next(iter(spec.submodule_search_locations)))


def code_version(service: str) -> str:
    digest = hashlib.sha256((ROOT / "uv.lock").read_bytes())  # the libraries' versions
    for package in [service, *SHARED]:
        base = _package_dir(package)
        for path in sorted(base.rglob("*")):
            if path.suffix in SUFFIXES and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    prefix = f"{service.upper()}_"
    for key in sorted(k for k in os.environ if k.startswith(prefix)):
        digest.update(f"{key}={os.environ[key]}".encode())
    return digest.hexdigest()


def _database_missing(service: str) -> bool:
    """The default SQLite file is gone (an explicit DATABASE_URL is covered by the stamp)."""
    if f"{service.upper()}_DATABASE_URL" in os.environ:
        return False
    return not (VAR / f"{service}.db").exists()


def _run_module(service: str, command: str) -> None:
    """`python -m <service> <command>`, in this process."""
    saved = sys.argv
    sys.argv = [f"python -m {service}", command]
    try:
        runpy.run_module(service, run_name="__main__", alter_sys=False)
    except SystemExit as exit_:
        if exit_.code not in (None, 0):
            raise SystemExit(
                f"prepare: python -m {service} {command} failed ({exit_.code})"
            ) from exit_
    finally:
        sys.argv = saved


def prepare(service: str, *, force: bool) -> bool:
    """Migrate and load demo data when needed; True when it did."""
    stamp = STAMPS / service
    version = code_version(service)
    if (
        not force
        and not _database_missing(service)
        and stamp.exists()
        and stamp.read_text() == version
    ):
        return False
    _run_module(service, "migrate")
    _run_module(service, "demo-data")
    STAMPS.mkdir(parents=True, exist_ok=True)
    stamp.write_text(version)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("services", nargs="+")
    parser.add_argument("--force", action="store_true", help="ignore the stamps")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    done = [s for s in args.services if prepare(s, force=args.force)]
    seconds = time.perf_counter() - started
    skipped = [s for s in args.services if s not in done]
    print(
        f"prepared (migrated, demo data loaded): {', '.join(done) or 'none'}; "
        f"up to date: {', '.join(skipped) or 'none'} ({seconds:.1f} s)"
    )


if __name__ == "__main__":
    main()
