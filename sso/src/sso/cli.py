"""sso's own commands, beside servicekit's serve | migrate | demo-data (`<command> -h`).

python -m sso create-platform-admin --username U [--password P | --password-stdin]
python -m sso register-functions path/to/functions.json
python -m sso sync-catalogue      (also part of migrate, demo-data and every start)
python -m sso rotate-keys         (new current signing key; the current one stays published)
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit import cli as servicekit_cli
from servicekit.db import create_engine, create_sessionmaker, unit_of_work
from servicekit.errors import ProblemError
from servicekit.events import topic_for_event
from servicekit.messaging import Outbox
from servicekit.migrations import upgrade_to_head
from servicekit.observability import configure_logging
from sso.actors import Actor
from sso.bootstrap import create_platform_admin, prepare
from sso.catalogue.service import load_file
from sso.config import Settings
from sso.main import definition

log = logging.getLogger("sso.cli")
OWN_COMMANDS = ("create-platform-admin", "register-functions", "sync-catalogue", "rotate-keys")
T = TypeVar("T")


async def _in_transaction(
    settings: Settings, work: Callable[[AsyncSession, Outbox], Awaitable[T]]
) -> T:
    """One unit of work against the configured database (events go to the outbox; the
    service's relay publishes them)."""
    engine = create_engine(settings.database_url)
    try:
        outbox = Outbox(definition.messaging_tables, topic_for_event)
        async for session in unit_of_work(create_sessionmaker(engine)):
            result = await work(session, outbox)
        return result
    finally:
        await engine.dispose()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sso")
    sub = parser.add_subparsers(dest="command", required=True)
    admin = sub.add_parser("create-platform-admin", help="the first platform operator (idempotent)")
    admin.add_argument("--username", required=True)
    secret = admin.add_mutually_exclusive_group()
    secret.add_argument("--password", help="visible in the process list; prefer --password-stdin")
    secret.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    admin.add_argument("--display-name", default="平台管理员")
    admin.add_argument("--institution-code", default="TECH")
    admin.add_argument("--institution-name", default="科技公司（平台运营）")
    register = sub.add_parser("register-functions", help="sync a service's catalogue file")
    register.add_argument("file", type=Path)
    sub.add_parser("sync-catalogue", help="sync sso's own catalogue and default packages")
    sub.add_parser("rotate-keys", help="a new signing key; current → previous, previous retired")
    return parser


def _password(args: argparse.Namespace) -> str:
    if args.password is not None:
        return str(args.password)
    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("the passwords differ")
    return first


def run_own(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    upgrade_to_head(definition.migrations_dir, settings.database_url)
    try:
        if args.command == "create-platform-admin":
            password = _password(args)
            message = asyncio.run(
                _in_transaction(
                    settings,
                    lambda s, o: create_platform_admin(
                        s,
                        o,
                        settings,
                        username=args.username,
                        password=password,
                        display_name=args.display_name,
                        institution_code=args.institution_code,
                        institution_name=args.institution_name,
                    ),
                )
            )
        elif args.command == "register-functions":
            file = load_file(args.file.read_text("utf-8"))

            async def register(session: AsyncSession, outbox: Outbox) -> str:
                services = await prepare(session, outbox, settings)
                result = await services.catalogue.sync(file, Actor.system("cli"))
                return (
                    f"{result.source} v{result.version}: {result.status.value}; "
                    f"added {len(result.added)}, updated {len(result.updated)}, "
                    f"retired {len(result.retired)}"
                )

            message = asyncio.run(_in_transaction(settings, register))
        elif args.command == "rotate-keys":

            async def rotate(session: AsyncSession, outbox: Outbox) -> str:
                services = await prepare(session, outbox, settings)
                kid = await services.keys.rotate(Actor.system("cli"))
                return f"new signing key {kid}; the previous one stays published until the next rotation"

            message = asyncio.run(_in_transaction(settings, rotate))
        else:
            message = asyncio.run(_in_transaction(settings, _sync))
    except ProblemError as exc:
        print(f"error ({exc.code}): {exc.detail}", file=sys.stderr)
        for error in exc.errors or []:
            print(f"  {error.get('field', '')}: {error.get('message', '')}", file=sys.stderr)
        return 1
    except (ValidationError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(message)
    return 0


async def _sync(session: AsyncSession, outbox: Outbox) -> str:
    await prepare(session, outbox, Settings())
    return "catalogue and default packages are up to date"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m sso {serve,migrate,demo-data," + ",".join(OWN_COMMANDS) + "} ...")
        print(__doc__)
        raise SystemExit(0 if argv else 2)
    if argv[0] in OWN_COMMANDS:
        raise SystemExit(run_own(argv))
    servicekit_cli.main(definition, argv)
    if argv and argv[0] == "migrate":
        # The catalogue and default packages belong to a migrated database.
        raise SystemExit(run_own(["sync-catalogue"]))
