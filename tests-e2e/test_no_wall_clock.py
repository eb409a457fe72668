"""No test reads the wall clock: a test that passes only in some month is a defect.

Every Python module under a `tests/` folder of the repository and under `tests-e2e/` is parsed
(`ast`, nothing is imported) and each call that reads "now" is reported: `datetime.now`,
`datetime.utcnow`, `datetime.today`, `date.today`, `time.time`, `time.time_ns`, `time.localtime`/
`gmtime`/`ctime` without an argument, and the project's wall-clock helpers (`utc_now`,
`utcnow`), however they were imported or renamed. Code under test takes a clock
(`servicekit.clock`); tests pin it with a `FixedClock` or `time_machine.travel`, or write fixed
instants. Durations are fine: `time.monotonic` and `time.perf_counter` are not the calendar.

A call may stay only inside a helper listed in ALLOWED, with the reason it must read the wall.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".venv", "node_modules", ".git", "var", "web", "__pycache__", ".mypy_cache"}

#: (path relative to the repository, function name) → why it must read the wall clock.
ALLOWED: dict[tuple[str, str], str] = {}

#: Qualified names whose call reads the wall clock.
WALL_CLOCK = {
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
    "datetime.datetime.today",
    "datetime.date.today",
    "time.time",
    "time.time_ns",
}
#: Read "now" only when called without a time to convert.
WALL_CLOCK_WITHOUT_ARGS = {"time.localtime", "time.gmtime", "time.ctime", "time.asctime"}
#: The project's own wall-clock helpers (servicekit.clock.utc_now, sso.db.utcnow, …).
HELPER_NAMES = {"utc_now", "utcnow"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    call: str
    function: str | None

    def __str__(self) -> str:
        where = f" (in {self.function})" if self.function else ""
        return f"{self.path}:{self.line}: {self.call}(){where} reads the wall clock"


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name → qualified name, from every import in the module (functions' too)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _reads_wall_clock(call: ast.Call, aliases: dict[str, str]) -> str | None:
    name = _dotted(call.func, aliases)
    if name is None:
        return None
    if name in WALL_CLOCK:
        return name
    if name in WALL_CLOCK_WITHOUT_ARGS and not call.args:
        return name
    if name.rsplit(".", 1)[-1] in HELPER_NAMES:
        return name
    return None


class _Visitor(ast.NodeVisitor):
    def __init__(self, path: str, aliases: dict[str, str]) -> None:
        self.path, self.aliases = path, aliases
        self.functions: list[str] = []
        self.found: list[Finding] = []

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_Call(self, node: ast.Call) -> None:
        name = _reads_wall_clock(node, self.aliases)
        if name is not None and not any((self.path, f) in ALLOWED for f in self.functions):
            function = self.functions[-1] if self.functions else None
            self.found.append(Finding(self.path, node.lineno, name, function))
        self.generic_visit(node)


def wall_clock_reads(source: str, path: str = "<source>") -> list[Finding]:
    tree = ast.parse(source, filename=path)
    visitor = _Visitor(path, _aliases(tree))
    visitor.visit(tree)
    return visitor.found


def test_modules(root: Path = ROOT) -> list[Path]:
    """Every .py file under a `tests` folder or `tests-e2e` (not in .venv, node_modules, …)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if SKIP_DIRS & set(parts):
            continue
        if "tests" in parts[:-1] or parts[0] == "tests-e2e":
            found.append(path)
    return found


# test_modules is a helper, not a test.
test_modules.__test__ = False  # type: ignore[attr-defined]


def test_no_test_module_reads_the_wall_clock() -> None:
    modules = test_modules()
    assert len(modules) > 50, "the scan found too few test modules: is ROOT right?"
    assert Path(__file__) in modules
    findings = [
        finding
        for path in modules
        for finding in wall_clock_reads(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert not findings, "pin the clock (FixedClock, time_machine.travel or a fixed instant):\n" + (
        "\n".join(map(str, findings))
    )


OFFENDING = """
import time
import datetime as dt
from datetime import date, datetime as DateTime, UTC
from time import time_ns as nanos
from servicekit.clock import utc_now
import sso.db

TODAY = date.today()

def test_a():
    started = DateTime.now(UTC)
    assert dt.datetime.utcnow() and dt.date.today()
    assert time.time() > nanos()
    assert time.localtime() and time.gmtime(0)
    assert utc_now() and sso.db.utcnow()

def allowed_helper():
    return time.time()
"""


def test_the_check_finds_every_spelling_of_now() -> None:
    calls = [(f.line, f.call, f.function) for f in wall_clock_reads(OFFENDING)]
    assert calls == [
        (9, "datetime.date.today", None),
        (12, "datetime.datetime.now", "test_a"),
        (13, "datetime.datetime.utcnow", "test_a"),
        (13, "datetime.date.today", "test_a"),
        (14, "time.time", "test_a"),
        (14, "time.time_ns", "test_a"),
        (15, "time.localtime", "test_a"),  # gmtime(0) converts a given time: fine
        (16, "servicekit.clock.utc_now", "test_a"),
        (16, "sso.db.utcnow", "test_a"),
        (19, "time.time", "allowed_helper"),
    ]


def test_durations_fixed_instants_and_allowed_helpers_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fine = """
import time
from datetime import UTC, datetime
AT = datetime(2026, 10, 20, tzinfo=UTC)
def test_b():
    started = time.monotonic()
    assert time.perf_counter() and datetime.fromtimestamp(0, UTC) < AT
"""
    assert wall_clock_reads(fine) == []
    monkeypatch.setitem(ALLOWED, ("<source>", "allowed_helper"), "the sample's reason")
    assert [f.function for f in wall_clock_reads(OFFENDING)] == [None] + ["test_a"] * 8


def test_the_repository_check_fails_on_an_offending_module(tmp_path: Path) -> None:
    """The scan over a tree holding one offending test module reports it (the real scan is
    the same function over the repository)."""
    (tmp_path / "svc" / "tests").mkdir(parents=True)
    (tmp_path / "svc" / "tests" / "test_x.py").write_text(OFFENDING)
    (tmp_path / "svc" / "src").mkdir()
    (tmp_path / "svc" / "src" / "clock.py").write_text("import time\nNOW = time.time()\n")
    [module] = test_modules(tmp_path)
    assert module.name == "test_x.py"
    assert len(wall_clock_reads(module.read_text(), "svc/tests/test_x.py")) == 10
