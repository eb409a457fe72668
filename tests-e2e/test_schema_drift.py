"""Every service's models and its migrations describe the same schema.

Each service's database is migrated with its own Alembic migrations (never `create_all`), so
an index or column declared only in a migration, or only on a model, goes unnoticed until
someone autogenerates the next migration and it proposes to drop or add it. Here each
service's migrations run on a fresh SQLite file and a fresh PostgreSQL database, and Alembic's
autogenerate comparison against the models must find nothing.
"""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.migrations import upgrade_to_head
from servicekit.testing.plugin import ThrowawayPostgres, test_postgres_url, unavailable

SERVICES = ("sso", "gateway", "insurance", "risk", "valueadd", "orders", "finance")


async def _drift(definition: Any, url: str) -> list[Any]:
    await asyncio.to_thread(upgrade_to_head, definition.migrations_dir, url)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return list(
                await connection.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync), definition.metadata
                    )
                )
            )
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("service", SERVICES)
async def test_models_match_migrations(service: str, backend: str, tmp_path: Path) -> None:
    definition = importlib.import_module(f"{service}.main").definition
    if backend == "sqlite":
        assert await _drift(definition, f"sqlite+aiosqlite:///{tmp_path / 'schema.db'}") == []
        return
    db = ThrowawayPostgres(f"drift_{service}")
    try:
        await db.create()
    except Exception as exc:  # refused connection, bad credentials …
        unavailable(f"PostgreSQL at {test_postgres_url()} ({exc!r})")
    try:
        assert await _drift(definition, db.url) == []
    finally:
        await db.drop()
