"""Alembic env of the throwaway sample service used by servicekit's integration tests.

The revisions are written by hand (no autogenerate), so an empty MetaData is enough here; the
URL always comes from `servicekit.migrations.upgrade_to_head` (config attribute).
"""

from sqlalchemy import MetaData

from servicekit.migrations import run_env

run_env(MetaData(), "sqlite+aiosqlite:///:memory:")
