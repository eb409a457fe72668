"""sso's own commands, beside servicekit's serve | migrate | demo-data (`<command> -h`).

python -m sso create-platform-admin --username U [--password P | --password-stdin]
python -m sso register-functions path/to/functions.json
python -m sso sync-catalogue      (also part of migrate, demo-data and every start)
python -m sso rotate-keys         (new current signing key; the current one stays published)
python -m sso register-client --client-id ID --name N --institution-code CODE ...
python -m sso purge-tokens        (expired codes, sessions, refresh tokens, revoked-token rows)
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
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
from sso.clients.models import ClientType, GrantType
from sso.clients.schemas import ClientCreate
from sso.composition import Services
from sso.config import Settings
from sso.main import definition

log = logging.getLogger("sso.cli")
OWN_COMMANDS = (
    "create-platform-admin",
    "register-functions",
    "sync-catalogue",
    "rotate-keys",
    "register-client",
    "purge-tokens",
)
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
    client = sub.add_parser(
        "register-client", help="register an OIDC client; prints a confidential one's secret once"
    )
    client.add_argument("--client-id", required=True)
    client.add_argument("--name", required=True)
    client.add_argument("--institution-code", required=True, help="the institution whose system")
    client.add_argument("--type", choices=[t.value for t in ClientType], default="confidential")
    client.add_argument(
        "--redirect-uri", action="append", default=[], help="exact; repeat for several"
    )
    client.add_argument("--post-logout-redirect-uri", action="append", default=[])
    client.add_argument("--allowed-origin", action="append", default=[])
    client.add_argument(
        "--grant-type",
        action="append",
        choices=[g.value for g in GrantType],
        help="repeat for several (default: authorization_code and refresh_token)",
    )
    client.add_argument(
        "--scope", action="append", help="repeat for several (default: openid profile email phone)"
    )
    purge = sub.add_parser(
        "purge-tokens", help="delete expired codes, sessions, refresh tokens and revoked-token rows"
    )
    purge.add_argument(
        "--keep-days",
        type=int,
        default=1,
        help="keep what expired less than this many days ago (default 1)",
    )
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
        elif args.command == "register-client":
            message = asyncio.run(
                _in_transaction(settings, lambda s, o: _register_client(args, settings, s, o))
            )
        elif args.command == "purge-tokens":

            async def purge(session: AsyncSession, outbox: Outbox) -> str:
                services = Services(session, outbox, settings)
                counts = await services.oidc.purge(timedelta(days=args.keep_days))
                return "purged " + ", ".join(f"{n} {what}" for what, n in counts.items())

            message = asyncio.run(_in_transaction(settings, purge))
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


async def _register_client(
    args: argparse.Namespace, settings: Settings, session: AsyncSession, outbox: Outbox
) -> str:
    """Like `POST /v1/admin/clients` as the platform: the same validation and audit."""
    services = Services(session, outbox, settings)
    institution = await services.organizations.repo.by_code(args.institution_code)
    if institution is None:
        raise ValueError(f"no institution with code {args.institution_code}")
    fields: dict[str, object] = {
        "client_id": args.client_id,
        "name": args.name,
        "type": args.type,
        "institution_id": institution.id,
        "redirect_uris": args.redirect_uri,
        "post_logout_redirect_uris": args.post_logout_redirect_uri,
        "allowed_origins": args.allowed_origin,
    }
    if args.grant_type:
        fields["grant_types"] = args.grant_type
    if args.scope:
        fields["scopes"] = args.scope
    created = await services.clients.create(
        ClientCreate.model_validate(fields), Actor.system("cli")
    )
    lines = [
        f"registered {created.type.value} client {created.client_id} of {institution.code} "
        f"(grants {' '.join(g.value for g in created.grant_types)}; "
        f"scopes {' '.join(created.scopes)})"
    ]
    if created.client_secret:
        lines.append(f"client_secret: {created.client_secret}")
        lines.append("(shown this once; only its hash is kept — store it now)")
    return "\n".join(lines)


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
