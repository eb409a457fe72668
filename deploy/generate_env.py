#!/usr/bin/env python3
"""Print a .env for docker-compose.yml with fresh random secrets.

    python3 deploy/generate_env.py > .env        # then edit the values it warns about

Reads .env.example (or the file given as the first argument) and replaces the value of every
variable whose name ends in _PASSWORD, _SECRET or _SECRET_KEY and whose value is a
``change-me-`` placeholder with 64 random hex characters (URL-safe, so the values can go into
postgresql:// URLs). Other ``change-me`` values (such as SSO_ISSUER) are kept and reported on
stderr. Standard library only.
"""

from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

SECRET_NAME = re.compile(r"(_PASSWORD|_SECRET|_SECRET_KEY)$")
ASSIGNMENT = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")


def generate(text: str) -> tuple[str, list[str]]:
    """Return the filled-in file and the names still holding a placeholder."""
    out: list[str] = []
    left: list[str] = []
    for line in text.splitlines():
        match = ASSIGNMENT.match(line)
        if match:
            key, value = match["key"], match["value"]
            if "change-me" in value:
                if SECRET_NAME.search(key):
                    line = f"{key}={secrets.token_hex(32)}"
                else:
                    left.append(key)
        out.append(line)
    return "\n".join(out) + "\n", left


def main(argv: list[str]) -> int:
    source = (
        Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1] / ".env.example"
    )
    text, left = generate(source.read_text(encoding="utf-8"))
    sys.stdout.write(text)
    for key in left:
        print(f"generate_env: set {key} by hand (still a change-me placeholder)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
