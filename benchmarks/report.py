"""One markdown file, several benchmarks: each rewrites only its own section.

A section sits between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; a benchmark that has
never run yet is appended at the end. Everything outside the markers is left as it is, so the
file can carry a hand-written introduction.
"""

from __future__ import annotations

import re
from pathlib import Path

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
