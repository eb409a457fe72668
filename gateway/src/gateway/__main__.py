"""`python -m gateway serve|migrate|demo-data|rotate-keys`."""

from __future__ import annotations

import asyncio
import sys

from gateway.keys.repository import KeyRepository
from gateway.keys.service import KeyService
from gateway.main import definition
from servicekit import cli
from servicekit.db import create_engine, create_sessionmaker, unit_of_work


async def rotate_keys() -> str:
    """A new current internal signing key; the current one stays published as previous."""
    settings = definition.settings_factory()
    engine = create_engine(settings.database_url)
    try:
        async for session in unit_of_work(create_sessionmaker(engine)):
            secret = settings.secret_key.get_secret_value()  # type: ignore[attr-defined]
            kid = await KeyService(KeyRepository(session), secret).rotate()
        return kid
    finally:
        await engine.dispose()


def main() -> None:
    if sys.argv[1:2] == ["rotate-keys"]:
        print(f"internal signing key rotated; current kid: {asyncio.run(rotate_keys())}")
        return
    cli.main(definition)


if __name__ == "__main__":
    main()
