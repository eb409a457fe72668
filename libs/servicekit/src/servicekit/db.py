"""Async SQLAlchemy for PostgreSQL (asyncpg) and SQLite (aiosqlite), and the unit of work.

Services never commit: the request's (or handled event's) unit of work commits once at the end,
so a failure anywhere leaves no half-written record.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Dialect,
    MetaData,
    Table,
    bindparam,
    event,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator

#: Stable constraint names, so Alembic migrations are identical on PostgreSQL and SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC in and out, on SQLite too (which stores a datetime without its zone).

    Binding converts to UTC first, so stored values, comparisons and keyset cursors agree on
    both databases; a naive datetime is a programming error and is refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware (UTC) datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> str:
    """Accept plain `postgresql://` / `sqlite:///` URLs and pick the async driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def is_sqlite_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    url = async_url(url)
    if is_sqlite_url(url):
        for pool_option in ("pool_size", "max_overflow", "pool_pre_ping", "pool_recycle"):
            kwargs.pop(pool_option, None)  # SQLite's pool is the driver's business
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        _tune_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # WAL lets readers run beside the relay's writes; busy_timeout waits instead of failing.
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine.sync_engine, "savepoint")
    def _begin_before_savepoint(conn: Any, _name: Any) -> None:
        # The sqlite3 driver opens its transaction lazily, before the first INSERT/UPDATE/DELETE.
        # A SAVEPOINT sent before that becomes the outermost transaction and RELEASE commits it,
        # so a later rollback of the unit of work would keep the savepoint's writes. Open first.
        if not conn.connection.driver_connection.in_transaction:
            conn.exec_driver_sql("BEGIN")


async def serialize_writers(session: AsyncSession) -> None:
    """Make this unit of work's read-then-write safe against other writers (no lost update).

    PostgreSQL: nothing to do here; the caller's `SELECT … FOR UPDATE` row locks do it. SQLite
    has no row locks and its driver opens the transaction only at the first write, so reads
    before that may be stale by the time we write: take the database's write lock now
    (`BEGIN IMMEDIATE`), so every read that follows stays current until the commit. Call it
    before the reads, in units of work that check a balance or remainder and then change it.
    """
    connection = await session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = await connection.get_raw_connection()
    if not raw.driver_connection.in_transaction:  # type: ignore[union-attr]
        await connection.exec_driver_sql("BEGIN IMMEDIATE")


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Rows (all with the same keys) in one statement, in their order."""
    if not rows:
        return
    statement, params = insert_many(session, table, rows)
    await session.execute(statement, params)


#: The INSERT of the session's dialect (PostgreSQL's or SQLite's: both have on_conflict_*).
DialectInsert = postgresql.Insert | sqlite.Insert


def insert_many(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]
) -> tuple[DialectInsert, list[dict[str, Any]] | None]:
    """The dialect's INSERT of rows (all with the same keys, at least one) and its parameters:
    run `session.execute(statement, params)`, after adding an ON CONFLICT clause if wanted.

    PostgreSQL: `INSERT … SELECT FROM unnest(<one array per column>)` with no parameter list —
    one parameter per column instead of one per value (cheaper to encode than asyncpg's
    executemany of the rows), one execution on the server, and the same statement (one
    prepared plan) whatever the number of rows. SQLite: a plain INSERT and the rows, which
    SQLAlchemy sends as an executemany from one cached compilation.
    """
    if session.get_bind().dialect.name != "postgresql":
        return sqlite.insert(table), list(rows)
    names = list(rows[0])
    given = unnested(rows, {n: table.c[n].type for n in names})
    return postgresql.insert(table).from_select(names, select(*(given.c[n] for n in names))), None


def unnested(rows: Sequence[dict[str, Any]], types: dict[str, Any]) -> Any:
    """PostgreSQL: rows as the derived table `given` of `unnest(<one array per column>)`, its
    columns `types`' keys (each row has them) of those SQL types, in the rows' order — to
    INSERT from or to UPDATE … FROM. The statement's text is the same for any number of rows."""
    arrays = [
        bindparam(f"a_{n}", value=[r[n] for r in rows], type_=postgresql.ARRAY(kind))
        for n, kind in types.items()
    ]
    return func.unnest(*arrays).table_valued(*types).render_derived(name="given")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


async def unit_of_work(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One transaction: commit when the block ends normally, roll back on any error."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
