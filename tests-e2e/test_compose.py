"""Static checks of the compose deployment: docker-compose.yml, .env.example, deploy/Dockerfile
and deploy/postgres/init-databases.sh. No Docker engine is needed: the files are parsed and
cross-checked against the platform's conventions (docs/deploy.md).

Each check is a function that returns a list of problems; the ``test_*`` functions assert that
the real files have none, and the ``test_check_catches_*`` functions prove, on mutated copies,
that each check does fail when the deployment is broken.

Run:  uv run pytest tests-e2e/test_compose.py -q -p no:servicekit
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import importlib.util
import os
import re
import shlex
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = ROOT / "deploy" / "Dockerfile.dockerignore"
PG_INIT = ROOT / "deploy" / "postgres" / "init-databases.sh"

# ----------------------------------------------------------------------------- conventions
PORTS = {
    "gateway": 8000,
    "sso": 8101,
    "insurance": 8102,
    "risk": 8103,
    "valueadd": 8104,
    "orders": 8105,
    "finance": 8106,
}
BUSINESS = ("insurance", "risk", "valueadd", "orders", "finance")
WITH_WORKER = ("sso", *BUSINESS)  # the gateway has no worker container (runs inline)
WITH_DATABASE = tuple(PORTS)  # gateway too: gateway.config.Settings requires DATABASE_URL
SERVICE_DIRS = {"sso": "sso", "gateway": "gateway", **{s: f"services/{s}" for s in BUSINESS}}
INFRA = ("postgres", "kafka")
PUBLIC_SERVICE = "gateway"
PUBLIC_PORT = 8000
INTERNAL_JWKS_URL = "http://gateway:8000/.well-known/internal-jwks.json"
ENVIRONMENTS = ("development", "test", "production")
HEALTHY_CONDITIONS = ("service_healthy", "service_completed_successfully")
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|_KEY)$")
NON_ROOT_UID = 10001


def prefix(svc: str) -> str:
    return f"{svc.upper()}_"


def expected_containers() -> dict[str, tuple[str, str]]:
    """compose service name -> (kind, workspace package)."""
    out = {svc: ("api", svc) for svc in PORTS}
    out.update({f"{svc}-worker": ("worker", svc) for svc in WITH_WORKER})
    return out


def fallback_required_env(svc: str) -> list[str]:
    """Documented production requirements, used only while ``<svc>.config.Settings`` (or its
    ``required_env``) does not exist; the code's own list is authoritative once it does."""
    p = prefix(svc)
    names = [f"{p}ENVIRONMENT", f"{p}DATABASE_URL", f"{p}KAFKA_BOOTSTRAP_SERVERS"]
    if svc in BUSINESS:
        names.append(f"{p}INTERNAL_JWKS_URL")
    if svc == "gateway":
        names += [f"GATEWAY_{s.upper()}_URL" for s in ("sso", *BUSINESS)]
        names += ["GATEWAY_SECRET_KEY", "GATEWAY_OIDC_CLIENT_SECRET"]
    if svc == "sso":
        names += ["SSO_ISSUER", "SSO_SECRET_KEY"]
    return names


_REQUIRED_CACHE: dict[str, tuple[list[str], str]] = {}


def required_env(svc: str) -> tuple[list[str], str]:
    """(names, source): ``Settings.required_env()`` when the code has it, else the fallback."""
    if svc not in _REQUIRED_CACHE:
        try:
            settings = importlib.import_module(f"{svc}.config").Settings
            names = list(settings.required_env())
            source = f"{svc}.config.Settings.required_env()"
        except (ImportError, AttributeError) as exc:
            names = fallback_required_env(svc)
            source = f"documented fallback ({type(exc).__name__}: {exc})"
        _REQUIRED_CACHE[svc] = (names, source)
    return _REQUIRED_CACHE[svc]


# ------------------------------------------------------------------ compose interpolation
_DOLLAR = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)
_BRACED = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?", re.S)


class InterpolationError(ValueError):
    pass


def references(value: str) -> Iterator[tuple[str, str | None]]:
    """(variable, operator) for every ${…}/$VAR in a compose string; $$ is an escape."""
    for m in _DOLLAR.finditer(value):
        if m["escaped"]:
            continue
        if m["named"]:
            yield m["named"], None
            continue
        inner = m["braced"]
        b = _BRACED.fullmatch(inner)
        if not b or "${" in inner:
            raise InterpolationError(f"unsupported substitution ${{{inner}}} in {value!r}")
        yield b["name"], b["op"]


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable substitution, with ``env`` standing in for .env."""

    def repl(m: re.Match[str]) -> str:
        if m["escaped"]:
            return "$"
        if m["named"]:
            return env.get(m["named"], "")
        b = _BRACED.fullmatch(m["braced"])
        if not b or "${" in m["braced"]:
            raise InterpolationError(f"unsupported substitution ${{{m['braced']}}}")
        name, op, arg = b["name"], b["op"], b["arg"]
        current = env.get(name)
        if op is None:
            return current or ""
        unset = current is None or (op.startswith(":") and current == "")
        kind = op[-1]
        if kind == "-":
            return arg if unset else current  # type: ignore[return-value]
        if kind == "?":
            if unset:
                raise InterpolationError(f"required variable {name} is missing: {arg}")
            return current  # type: ignore[return-value]
        return "" if unset else arg  # "+"

    return _DOLLAR.sub(repl, value)


def walk_strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk_strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk_strings(v, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def parse_env_file(text: str) -> tuple[dict[str, str], list[str]]:
    """KEY=value lines of a compose .env file -> (values, duplicate keys)."""
    values: dict[str, str] = {}
    dupes: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.removeprefix("export ").strip()
        if not sep:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if key in values:
            dupes.append(key)
        values[key] = value
    return values, dupes


# ------------------------------------------------------------------------- the deployment
@dataclasses.dataclass
class Deployment:
    compose: dict[str, Any]
    env_text: str
    init_text: str
    dockerfile_text: str

    @property
    def env(self) -> dict[str, str]:
        return parse_env_file(self.env_text)[0]

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        return self.compose.get("services") or {}

    def environment(self, name: str, *, resolved: bool = True) -> dict[str, str]:
        raw = self.services[name].get("environment") or {}
        if isinstance(raw, list):
            pairs = dict(item.partition("=")[::2] for item in raw)
        else:
            pairs = {k: _scalar(v) for k, v in raw.items()}
        if not resolved:
            return pairs
        env = self.env
        return {k: interpolate(v, env) for k, v in pairs.items()}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def load() -> Deployment:
    return Deployment(
        compose=yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8")),
        env_text=ENV_EXAMPLE.read_text(encoding="utf-8"),
        init_text=PG_INIT.read_text(encoding="utf-8"),
        dockerfile_text=DOCKERFILE.read_text(encoding="utf-8"),
    )


@pytest.fixture(scope="module")
def deployment() -> Deployment:
    return load()


def as_argv(command: Any) -> list[str]:
    if command is None:
        return []
    if isinstance(command, str):
        return shlex.split(command)
    return [str(c) for c in command]


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)")


def seconds(duration: Any) -> float | None:
    """Compose duration ("1m30s", "500ms", 10) in seconds, None when unparseable."""
    if isinstance(duration, bool):
        return None
    if isinstance(duration, int | float):
        return float(duration)
    if not isinstance(duration, str):
        return None
    text = duration.replace(" ", "")
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    scale = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
    return sum(float(n) * scale[u] for n, u in parts)


# ---------------------------------------------------------------------------------- checks
def check_topology(d: Deployment) -> list[str]:
    expected = set(expected_containers()) | set(INFRA)
    actual = set(d.services)
    problems = [f"missing compose service {s!r}" for s in sorted(expected - actual)]
    problems += [
        f"unexpected compose service {s!r} (add it to the conventions in this test)"
        for s in sorted(actual - expected)
    ]
    return problems


def check_healthchecks(d: Deployment) -> list[str]:
    problems = []
    for name, svc in d.services.items():
        hc = svc.get("healthcheck")
        if not isinstance(hc, dict):
            problems.append(f"{name}: no healthcheck")
            continue
        test = hc.get("test")
        argv = test if isinstance(test, list) else ["CMD-SHELL", test] if test else []
        if hc.get("disable") or not argv or argv[0] == "NONE" or len(argv) < 2:
            problems.append(f"{name}: healthcheck disabled or empty")
            continue
        if argv[0] not in ("CMD", "CMD-SHELL"):
            problems.append(f"{name}: healthcheck test must start with CMD or CMD-SHELL")
        for key in ("interval", "timeout", "retries", "start_period"):
            if key not in hc:
                problems.append(f"{name}: healthcheck has no {key}")
        interval, timeout = seconds(hc.get("interval")), seconds(hc.get("timeout"))
        if interval is not None and timeout is not None and timeout > interval:
            problems.append(f"{name}: healthcheck timeout {timeout}s exceeds interval {interval}s")
        if "interval" in hc and interval is None:
            problems.append(f"{name}: unparseable healthcheck interval {hc['interval']!r}")
    for name, (kind, pkg) in expected_containers().items():
        hc = (d.services.get(name) or {}).get("healthcheck")
        if not isinstance(hc, dict):
            continue
        joined = " ".join(as_argv(hc.get("test")))
        if kind == "api":
            url = f"http://127.0.0.1:{PORTS[pkg]}/readyz"
            if url not in joined or "urllib.request.urlopen" not in joined:
                problems.append(f"{name}: healthcheck must open {url}")
        elif f"-m {pkg}.worker --check" not in joined:
            problems.append(f"{name}: healthcheck must run `python -m {pkg}.worker --check`")
    return problems


def check_depends_on(d: Deployment) -> list[str]:
    problems = []
    for name, svc in d.services.items():
        deps = svc.get("depends_on")
        if deps is None:
            continue
        if not isinstance(deps, dict):
            problems.append(f"{name}: depends_on must be a mapping with conditions (list form)")
            continue
        for dep, spec in deps.items():
            cond = (spec or {}).get("condition", "service_started")
            if cond not in HEALTHY_CONDITIONS:
                problems.append(f"{name}: depends_on {dep} with condition {cond}")
            if dep not in d.services:
                problems.append(f"{name}: depends_on unknown service {dep}")

    def deps_of(name: str) -> set[str]:
        deps = (d.services.get(name) or {}).get("depends_on") or {}
        return set(deps) if isinstance(deps, dict) else set()

    for name, (kind, pkg) in expected_containers().items():
        if name not in d.services:
            continue
        need: set[str] = set()
        if pkg in WITH_DATABASE:
            need |= {"postgres", "kafka"}
        if kind == "worker":
            need.add(pkg)  # the API container ran the migrations
        if pkg == "gateway" and kind == "api":
            need |= {"sso", *BUSINESS}
        for missing in sorted(need - deps_of(name)):
            problems.append(f"{name}: must depend on {missing} being healthy")
    return problems


def check_restart(d: Deployment) -> list[str]:
    return [
        f"{name}: restart is {svc.get('restart')!r}, expected 'unless-stopped'"
        for name, svc in d.services.items()
        if svc.get("restart") != "unless-stopped"
    ]


def check_ports(d: Deployment) -> list[str]:
    problems = []
    for name, svc in d.services.items():
        if svc.get("network_mode") == "host":
            problems.append(f"{name}: network_mode host publishes every port")
        ports = svc.get("ports") or []
        if ports and name != PUBLIC_SERVICE:
            problems.append(f"{name}: publishes ports {ports}; only {PUBLIC_SERVICE} may")
    gw_ports = (d.services.get(PUBLIC_SERVICE) or {}).get("ports") or []
    targets = []
    for p in gw_ports:
        if isinstance(p, dict):
            targets.append(str(p.get("target")))
        else:
            targets.append(str(p).split("/")[0].rsplit(":", 1)[-1])
    if targets != [str(PUBLIC_PORT)]:
        problems.append(f"{PUBLIC_SERVICE}: must publish exactly container port {PUBLIC_PORT}")
    return problems


def check_commands_and_builds(d: Deployment) -> list[str]:
    problems = []
    images: dict[str, set[str]] = defaultdict(set)
    builds: dict[str, list[Any]] = defaultdict(list)
    for name, (kind, pkg) in expected_containers().items():
        svc = d.services.get(name)
        if svc is None:
            continue
        argv = as_argv(svc.get("command"))
        if kind == "api":
            want = ["python", "-m", pkg, "serve", "--host", "0.0.0.0", "--port", str(PORTS[pkg])]
        else:
            want = ["python", "-m", f"{pkg}.worker"]
        if argv != want:
            problems.append(f"{name}: command {argv} != {want}")
        build = svc.get("build")
        if not isinstance(build, dict):
            problems.append(f"{name}: must be built from deploy/Dockerfile")
            continue
        args = build.get("args") or {}
        if build.get("dockerfile") != "deploy/Dockerfile" or build.get("context") not in (
            ".",
            "./",
        ):
            problems.append(f"{name}: build must use context . and dockerfile deploy/Dockerfile")
        if args.get("SERVICE") != pkg or args.get("SERVICE_DIR") != SERVICE_DIRS[pkg]:
            problems.append(f"{name}: build args {args} do not match {pkg}/{SERVICE_DIRS[pkg]}")
        pyproject = ROOT / str(args.get("SERVICE_DIR", "")) / "pyproject.toml"
        if pyproject.is_file():
            project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
            if project.get("name") != args.get("SERVICE"):
                problems.append(f"{name}: {pyproject} is not package {args.get('SERVICE')}")
        else:
            problems.append(f"{name}: {pyproject} does not exist")
        images[pkg].add(str(svc.get("image")))
        builds[pkg].append(build)
        if "env_file" in svc:
            problems.append(f"{name}: env_file would hand every secret in .env to this container")
    for pkg, imgs in images.items():
        if len(imgs) != 1 or any(b != builds[pkg][0] for b in builds[pkg]):
            problems.append(f"{pkg}: API and worker must share one build and image ({imgs})")
    return problems


def check_environment(d: Deployment) -> list[str]:
    problems = []
    try:
        for name, (_kind, pkg) in expected_containers().items():
            if name not in d.services:
                continue
            env = d.environment(name)
            p = prefix(pkg)
            names, source = required_env(pkg)
            for var in names:
                if not env.get(var):
                    problems.append(f"{name}: required {var} missing or empty (from {source})")
            for var in env:
                if not var.startswith(p):
                    problems.append(f"{name}: {var} lacks the {p} prefix (least privilege)")
            if env.get(f"{p}ENVIRONMENT") not in ENVIRONMENTS:
                problems.append(f"{name}: {p}ENVIRONMENT must be one of {ENVIRONMENTS}")
            if f"{p}KAFKA_BOOTSTRAP_SERVERS" in env:
                if env.get(f"{p}KAFKA_ENABLE_IDEMPOTENCE") != "true":
                    problems.append(f"{name}: {p}KAFKA_ENABLE_IDEMPOTENCE must be true")
            inline = env.get(f"{p}RUN_WORKERS_INLINE")
            if pkg in WITH_WORKER and inline != "false":
                problems.append(f"{name}: {p}RUN_WORKERS_INLINE must be false (separate worker)")
            if pkg not in WITH_WORKER and inline == "false":
                problems.append(f"{name}: no worker container, so {p}RUN_WORKERS_INLINE != false")
            jwks = env.get(f"{p}INTERNAL_JWKS_URL")
            if (pkg in BUSINESS or jwks is not None) and jwks != INTERNAL_JWKS_URL:
                problems.append(f"{name}: {p}INTERNAL_JWKS_URL must be {INTERNAL_JWKS_URL}")
        for pkg in WITH_WORKER:
            api, worker = pkg, f"{pkg}-worker"
            if {api, worker} <= set(d.services) and d.environment(api) != d.environment(worker):
                problems.append(f"{pkg}: API and worker environments differ")
        if PUBLIC_SERVICE in d.services:
            gw = d.environment(PUBLIC_SERVICE)
            for svc in ("sso", *BUSINESS):
                want = f"http://{svc}:{PORTS[svc]}"
                got = gw.get(f"GATEWAY_{svc.upper()}_URL", "").rstrip("/")
                if got != want:
                    problems.append(f"gateway: GATEWAY_{svc.upper()}_URL is {got!r}, not {want}")
        if "kafka" in d.services:
            advertised = d.environment("kafka").get("KAFKA_ADVERTISED_LISTENERS", "")
            hosts = {u.split("://", 1)[-1] for u in advertised.split(",") if u}
            for name in expected_containers():
                if name not in d.services:
                    continue
                for var, value in d.environment(name).items():
                    if var.endswith("KAFKA_BOOTSTRAP_SERVERS"):
                        for server in value.split(","):
                            if server not in hosts:
                                problems.append(f"{name}: {var}={server} is not advertised")
    except InterpolationError as exc:
        problems.append(str(exc))
    return problems


def database_urls(d: Deployment) -> dict[str, tuple[str, str, str]]:
    """compose service -> (raw URL, role, database) for every *_DATABASE_URL."""
    out = {}
    for name in d.services:
        raw_env = d.environment(name, resolved=False)
        for var, raw in raw_env.items():
            if var.endswith("_DATABASE_URL"):
                url = urlsplit(interpolate(raw, d.env))
                out[f"{name}:{var}"] = (raw, unquote(url.username or ""), url.path.lstrip("/"))
    return out


def check_databases(d: Deployment) -> list[str]:
    problems = []
    try:
        owners_db: dict[str, set[str]] = defaultdict(set)
        owners_role: dict[str, set[str]] = defaultdict(set)
        for where, (raw, role, db) in database_urls(d).items():
            name, var = where.split(":")
            url = urlsplit(interpolate(raw, d.env))
            if url.scheme != "postgresql":
                problems.append(f"{where}: scheme {url.scheme!r}, expected postgresql")
            if url.hostname != "postgres" or (url.port or 5432) != 5432:
                problems.append(f"{where}: must point at postgres:5432")
            if not role or not url.password or not db:
                problems.append(f"{where}: needs a role, a password and a database")
            if role in ("postgres", "root") or role != db:
                problems.append(f"{where}: role {role!r} must be the service's own ({db!r})")
            if not re.search(r":\$\{[A-Z0-9_]+:\?", raw):
                problems.append(f"{where}: the password must come from ${{VAR:?…}}")
            owner = var.removesuffix("DATABASE_URL")
            owners_db[db].add(owner)
            owners_role[role].add(owner)
        for db, owners in owners_db.items():
            if len(owners) > 1:
                problems.append(f"database {db!r} shared by {sorted(owners)}")
        for role, owners in owners_role.items():
            if len(owners) > 1:
                problems.append(f"role {role!r} shared by {sorted(owners)}")
        for pkg in WITH_DATABASE:
            for name in (pkg, f"{pkg}-worker"):
                if name in d.services and f"{prefix(pkg)}DATABASE_URL" not in d.environment(name):
                    problems.append(f"{name}: has no {prefix(pkg)}DATABASE_URL")
    except InterpolationError as exc:
        problems.append(str(exc))
    return problems


_INIT_LINE = re.compile(
    r'^\s*create_service_db\s+(?P<name>[a-z0-9_]+)\s+"\$\{(?P<var>[A-Z0-9_]+)(?::-)?\}"\s*$', re.M
)


def check_postgres_init(d: Deployment) -> list[str]:
    problems = []
    created = {m["name"]: m["var"] for m in _INIT_LINE.finditer(d.init_text)}
    if not created:
        return ['init-databases.sh: no `create_service_db <name> "${VAR}"` lines found']
    urls = database_urls(d)
    dbs = {db for _, _, db in urls.values()}
    roles = {role for _, role, _ in urls.values()}
    if set(created) != dbs:
        problems.append(f"init creates databases {sorted(created)}, compose uses {sorted(dbs)}")
    if set(created) != roles:
        problems.append(f"init creates roles {sorted(created)}, compose uses {sorted(roles)}")
    if set(created) != set(WITH_DATABASE):
        problems.append(f"init creates {sorted(created)}, expected {sorted(WITH_DATABASE)}")
    for raw, role, _ in urls.values():
        m = re.search(r":\$\{(?P<var>[A-Z0-9_]+)", raw)
        if role in created and (not m or m["var"] != created[role]):
            problems.append(f"{role}: compose URL password is not ${{{created[role]}}}")
    for needle in ("REVOKE CONNECT", "FROM PUBLIC", "OWNER %I", "ON_ERROR_STOP=1"):
        if needle not in d.init_text:
            problems.append(f"init-databases.sh: missing {needle!r}")
    pg = d.services.get("postgres") or {}
    pg_env = pg.get("environment") or {}
    for var in created.values():
        if not str(pg_env.get(var, "")).startswith(f"${{{var}:?"):
            problems.append(f"postgres: must receive {var} as ${{{var}:?…}} for the init script")
    mounts = [str(v) for v in pg.get("volumes") or []]
    if not any(
        m.startswith("./deploy/postgres/init-databases.sh:/docker-entrypoint-initdb.d/")
        for m in mounts
    ):
        problems.append("postgres: init-databases.sh is not mounted in /docker-entrypoint-initdb.d")
    if str(pg.get("image", "")).split(":")[0] != "postgres" or not str(pg.get("image")).startswith(
        "postgres:16"
    ):
        problems.append("postgres: expected the official postgres:16 image")
    if "pg_isready" not in " ".join(as_argv((pg.get("healthcheck") or {}).get("test"))):
        problems.append("postgres: healthcheck must use pg_isready")
    return problems


def check_kafka(d: Deployment) -> list[str]:
    problems = []
    kafka = d.services.get("kafka") or {}
    if not str(kafka.get("image", "")).startswith("apache/kafka:"):
        problems.append("kafka: expected the official apache/kafka image (pinned tag)")
    try:
        env = d.environment("kafka") if "kafka" in d.services else {}
    except InterpolationError as exc:
        return [*problems, str(exc)]
    if set(env.get("KAFKA_PROCESS_ROLES", "").split(",")) != {"broker", "controller"}:
        problems.append("kafka: must run KRaft combined broker,controller")
    if env.get("KAFKA_AUTO_CREATE_TOPICS_ENABLE") != "true":
        problems.append("kafka: auto topic creation must be on")
    if not env.get("CLUSTER_ID"):
        problems.append("kafka: CLUSTER_ID must be set")
    test = " ".join(as_argv((kafka.get("healthcheck") or {}).get("test")))
    if "kafka-broker-api-versions.sh" not in test and "kafka-topics.sh" not in test:
        problems.append("kafka: healthcheck must query the broker with the Kafka CLI")
    return problems


def check_env_example(d: Deployment) -> list[str]:
    problems = []
    values, dupes = parse_env_file(d.env_text)
    problems += [f".env.example: {k} defined twice" for k in dupes]
    referenced: dict[str, set[str | None]] = defaultdict(set)
    try:
        for _, value in walk_strings(d.compose):
            for var, op in references(value):
                referenced[var].add(op)
    except InterpolationError as exc:
        return [*problems, str(exc)]
    for var in sorted(set(referenced) - set(values)):
        problems.append(f"${{{var}}} is used in docker-compose.yml but not in .env.example")
    for var in sorted(set(values) - set(referenced)):
        problems.append(f".env.example defines {var}, which docker-compose.yml never uses")
    for var, ops in sorted(referenced.items()):
        if SECRET_NAME.search(var) and ops != {":?"}:
            problems.append(f"secret {var} must always be referenced as ${{{var}:?message}}")
        if SECRET_NAME.search(var) and var in values and "change-me" not in values[var]:
            problems.append(f".env.example: {var} must hold a change-me-… placeholder")
    return problems


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    buf = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not buf):
            continue
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        if buf.strip():
            word, _, rest = buf.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def check_dockerfile(d: Deployment) -> list[str]:
    problems = []
    instructions = dockerfile_instructions(d.dockerfile_text)
    global_args = {}
    stages: list[list[tuple[str, str]]] = []
    for instr, args in instructions:
        if instr == "FROM":
            stages.append([(instr, args)])
        elif stages:
            stages[-1].append((instr, args))
        elif instr == "ARG":
            key, _, default = args.partition("=")
            global_args[key] = default
    if len(stages) < 2:
        return [f"Dockerfile: must be multi-stage (found {len(stages)} FROM)"]
    final = stages[-1]
    base = interpolate(final[0][1].split()[0], global_args)
    if not base.startswith("python:3.11-slim"):
        problems.append(f"Dockerfile: final stage must be python:3.11-slim, not {base}")
    users = [a for i, a in final if i == "USER"]
    if not users:
        problems.append("Dockerfile: final stage has no USER (would run as root)")
    elif users[-1].split(":")[0] in ("root", "0", ""):
        problems.append(f"Dockerfile: final USER {users[-1]!r} is root")
    elif users[-1].split(":")[0] != str(NON_ROOT_UID):
        problems.append(f"Dockerfile: final USER should be uid {NON_ROOT_UID}")
    env_text = " ".join(a for i, a in final if i == "ENV")
    if "PATH=" not in env_text or "/app/.venv/bin" not in env_text:
        problems.append("Dockerfile: final stage must put /app/.venv/bin on PATH")
    for instr, args in final:
        if instr == "RUN" and re.search(
            r"apt-get install|apk add|pip install|\buv\b|gcc|build-essential", args
        ):
            problems.append(f"Dockerfile: build tooling in the final stage: RUN {args[:60]}")
        if instr in ("COPY", "ADD") and "--from=builder" not in args:
            problems.append(f"Dockerfile: final stage copies from outside the builder: {args}")
    all_args = {a.partition("=")[0] for st in stages for i, a in st if i == "ARG"}
    if not {"SERVICE", "SERVICE_DIR"} <= all_args:
        problems.append("Dockerfile: needs ARG SERVICE and ARG SERVICE_DIR")
    syncs = [a for st in stages[:-1] for i, a in st if i == "RUN" and "uv sync" in a]
    if not any(
        all(f in s for f in ("--frozen", "--no-dev", '--package "${SERVICE}"', "--no-editable"))
        and "--no-install-workspace" not in s
        for s in syncs
    ):
        problems.append(
            "Dockerfile: needs `uv sync --frozen --no-dev --package $SERVICE --no-editable`"
        )
    root = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    members = set(root["tool"]["uv"]["workspace"]["members"])
    for s in syncs:
        if "--no-install-workspace" in s:
            mounted = set(re.findall(r"source=([^,\s]+)/pyproject\.toml", s))
            if mounted != members:
                problems.append(
                    f"Dockerfile: dependency layer mounts {sorted(mounted)}, "
                    f"workspace members are {sorted(members)}"
                )
    return problems


CHECKS: dict[str, Callable[[Deployment], list[str]]] = {
    "topology": check_topology,
    "healthchecks": check_healthchecks,
    "depends_on": check_depends_on,
    "restart": check_restart,
    "ports": check_ports,
    "commands_and_builds": check_commands_and_builds,
    "environment": check_environment,
    "databases": check_databases,
    "postgres_init": check_postgres_init,
    "kafka": check_kafka,
    "env_example": check_env_example,
    "dockerfile": check_dockerfile,
}


# ---------------------------------------------------------------------------------- tests
@pytest.mark.parametrize("check", list(CHECKS))
def test_deployment(deployment: Deployment, check: str) -> None:
    problems = CHECKS[check](deployment)
    assert not problems, "\n".join(problems)


def test_compose_resolves_with_env_example(deployment: Deployment) -> None:
    """Every ${…} resolves from .env.example alone (what `docker compose config` would do)."""
    env = deployment.env
    for _path, value in walk_strings(deployment.compose):
        interpolate(value, env)  # raises on a missing :? variable
    assert env.get("PLATFORM_ENVIRONMENT") == "production"


@pytest.mark.parametrize("svc", list(PORTS))
def test_required_env_is_namespaced(svc: str) -> None:
    names, source = required_env(svc)
    assert names, f"{svc}: empty required_env ({source})"
    assert all(n.startswith(prefix(svc)) for n in names), f"{svc}: {names} ({source})"


def test_init_script_is_executable() -> None:
    # the postgres entrypoint executes +x scripts and *sources* others (with our `set -u`)
    assert os.access(PG_INIT, os.X_OK), f"chmod +x {PG_INIT.relative_to(ROOT)}"
    assert PG_INIT.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash")


def test_dockerignore_keeps_secrets_and_venvs_out_of_the_context() -> None:
    patterns = DOCKERIGNORE.read_text(encoding="utf-8").split()
    for needed in (".env", ".git", "**/.venv"):
        assert needed in patterns, f"{DOCKERIGNORE.name} must exclude {needed}"


def test_generate_env_fills_every_secret() -> None:
    spec = importlib.util.spec_from_file_location(
        "generate_env", ROOT / "deploy" / "generate_env.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text, left = module.generate(ENV_EXAMPLE.read_text(encoding="utf-8"))
    values, _ = parse_env_file(text)
    assert set(values) == set(parse_env_file(ENV_EXAMPLE.read_text(encoding="utf-8"))[0])
    for key, value in values.items():
        if SECRET_NAME.search(key):
            assert re.fullmatch(r"[0-9a-f]{64}", value), key
    assert sorted(left) == ["PLATFORM_PUBLIC_URL", "SSO_ISSUER"]


# ------------------------------------------------- the checks fail on a broken deployment
def mutate(d: Deployment, fn: Callable[[dict[str, Any]], None]) -> Deployment:
    compose = copy.deepcopy(d.compose)
    fn(compose)
    return dataclasses.replace(d, compose=compose)


def _set_env(service: str, var: str, value: str | None) -> Callable[[dict[str, Any]], None]:
    def fn(c: dict[str, Any]) -> None:
        env = dict(c["services"][service]["environment"])
        if value is None:
            env.pop(var, None)
        else:
            env[var] = value
        c["services"][service]["environment"] = env

    return fn


BREAKAGES: dict[str, tuple[str, Callable[[dict[str, Any]], None]]] = {
    "removed healthcheck": (
        "healthchecks",
        lambda c: c["services"]["orders"].pop("healthcheck"),
    ),
    "healthcheck on wrong port": (
        "healthchecks",
        lambda c: c["services"]["risk"]["healthcheck"].update(
            test=["CMD", "python", "-c", "urllib.request.urlopen('http://127.0.0.1:9999/readyz')"]
        ),
    ),
    "depends_on service_started": (
        "depends_on",
        lambda c: c["services"]["gateway"]["depends_on"]["orders"].update(
            condition="service_started"
        ),
    ),
    "depends_on list form": (
        "depends_on",
        lambda c: c["services"]["finance-worker"].update(depends_on=["postgres", "kafka"]),
    ),
    "worker not waiting for migrations": (
        "depends_on",
        lambda c: c["services"]["valueadd-worker"]["depends_on"].pop("valueadd"),
    ),
    "second published port": (
        "ports",
        lambda c: c["services"]["postgres"].update(ports=["5432:5432"]),
    ),
    "shared database": (
        "databases",
        _set_env(
            "risk",
            "RISK_DATABASE_URL",
            "postgresql://orders:${ORDERS_DB_PASSWORD:?x}@postgres:5432/orders",
        ),
    ),
    "superuser in a service URL": (
        "databases",
        _set_env(
            "sso",
            "SSO_DATABASE_URL",
            "postgresql://postgres:${POSTGRES_PASSWORD:?x}@postgres:5432/sso",
        ),
    ),
    "missing required variable": (
        "environment",
        _set_env("insurance-worker", "INSURANCE_INTERNAL_JWKS_URL", None),
    ),
    "foreign secret in a container": (
        "environment",
        _set_env("orders", "FINANCE_DB_PASSWORD", "${FINANCE_DB_PASSWORD:?x}"),
    ),
    "idempotence off": (
        "environment",
        _set_env("finance", "FINANCE_KAFKA_ENABLE_IDEMPOTENCE", "false"),
    ),
    "undefined variable": (
        "env_example",
        lambda c: c["services"]["gateway"].update(image="${NOT_IN_ENV_EXAMPLE}/gateway"),
    ),
    "secret with a default": (
        "env_example",
        _set_env("gateway", "GATEWAY_SECRET_KEY", "${GATEWAY_SECRET_KEY:-insecure}"),
    ),
    "env_file leaking every secret": (
        "commands_and_builds",
        lambda c: c["services"]["sso"].update(env_file=[".env"]),
    ),
    "database not created by init": (
        "postgres_init",
        _set_env(
            "orders",
            "ORDERS_DATABASE_URL",
            "postgresql://orders2:${ORDERS_DB_PASSWORD:?x}@postgres:5432/orders2",
        ),
    ),
    "missing worker": ("topology", lambda c: c["services"].pop("risk-worker")),
    "restart policy": ("restart", lambda c: c["services"]["kafka"].update(restart="no")),
    "auto topic creation off": (
        "kafka",
        lambda c: c["services"]["kafka"]["environment"].update(
            KAFKA_AUTO_CREATE_TOPICS_ENABLE="false"
        ),
    ),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_check_catches(deployment: Deployment, breakage: str) -> None:
    check, fn = BREAKAGES[breakage]
    broken = mutate(deployment, fn)
    assert CHECKS[check](broken), f"check {check!r} did not notice: {breakage}"


@pytest.mark.parametrize(
    ("breakage", "old", "new"),
    [
        ("no USER", "USER 10001:10001", ""),
        ("root USER", "USER 10001:10001", "USER root"),
        ("single stage", "FROM ${UV_IMAGE} AS uv", "# removed"),
        ("build tools in runtime", "RUN groupadd", "RUN apt-get install -y gcc && groupadd"),
        (
            "editable install",
            '--package "${SERVICE}" --no-editable \\\n    &&',
            '--package "${SERVICE}" \\\n    &&',
        ),
    ],
)
def test_check_catches_dockerfile(
    deployment: Deployment, breakage: str, old: str, new: str
) -> None:
    assert old in deployment.dockerfile_text, f"fixture text for {breakage!r} no longer matches"
    broken = dataclasses.replace(
        deployment, dockerfile_text=deployment.dockerfile_text.replace(old, new)
    )
    if breakage == "single stage":
        # collapse to one stage: drop every FROM but the last
        lines = broken.dockerfile_text.splitlines()
        froms = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
        broken.dockerfile_text = "\n".join(
            line for i, line in enumerate(lines) if i not in froms[:-1]
        )
    assert check_dockerfile(broken), f"check_dockerfile did not notice: {breakage}"


def test_check_catches_init_mismatch(deployment: Deployment) -> None:
    broken = dataclasses.replace(
        deployment,
        init_text=deployment.init_text.replace(
            'create_service_db finance   "${FINANCE_DB_PASSWORD:-}"\n', ""
        ),
    )
    assert broken.init_text != deployment.init_text
    assert check_postgres_init(broken)


def test_check_catches_unused_env_example_entry(deployment: Deployment) -> None:
    broken = dataclasses.replace(deployment, env_text=deployment.env_text + "\nSTALE_SETTING=1\n")
    assert check_env_example(broken)
