"""All SQL of the user module."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, delete, func, insert, literal, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sso.audit.models import AuditEvent
from sso.db import UtcDateTime
from sso.organizations.models import Institution
from sso.organizations.repository import subtree_clause
from sso.roles.models import Role
from sso.users.models import User, UserRole


@dataclass(frozen=True)
class UserFilter:
    #: Users of institutions in this subtree (None: everywhere).
    subtree: str | None = None
    #: A second subtree to narrow to (an institution and its branches).
    under: str | None = None
    institution_id: uuid.UUID | None = None
    status: str | None = None
    #: Username or display name contains.
    text: str | None = None
    after: tuple[datetime, uuid.UUID] | None = None
    limit: int = 50


_users_t = cast(Table, User.__table__)
_inst_t = cast(Table, Institution.__table__)
_audit_t = cast(Table, AuditEvent.__table__)
_u, _i = _users_t.c, _inst_t.c
# The login's statements, built once on the tables (no ORM object, no compile per request).
_SIGN_IN_COLUMNS = (
    *(_u[name] for name in (
        "id", "username", "display_name", "institution_id", "status", "password_hash",
        "must_change_password", "failed_attempts", "locked_until", "last_login_at",
    )),
    _i.status.label("institution_status"),
    _i.path.label("institution_path"),
)  # fmt: skip
_SIGN_IN_CANDIDATE = (
    select(*_SIGN_IN_COLUMNS)
    .select_from(_users_t.join(_inst_t, _i.id == _u.institution_id))
    .where(_u.username_key == bindparam("key"))
)
_INSERT_AUDIT = insert(_audit_t)
# PostgreSQL: the user's sign-in and its audit row in one statement (a data-modifying WITH).
_AUDIT_CTE = (
    insert(_audit_t)
    .values({c.name: bindparam(f"a_{c.name}", type_=c.type) for c in _audit_t.c})
    .cte("audited")
)


def _signed_in_statement(clear_failures: bool, new_hash: bool, audited: bool) -> Any:
    values: dict[str, Any] = {"last_login_at": bindparam("u_now", type_=_u.last_login_at.type)}
    if clear_failures:
        values.update(failed_attempts=0, locked_until=None)
    if new_hash:
        values["password_hash"] = bindparam("u_hash", type_=_u.password_hash.type)
    statement = update(_users_t).where(_u.id == bindparam("u_id")).values(values)
    return statement.add_cte(_AUDIT_CTE) if audited else statement


#: (clear failures, new hash, with the audit row) → the statement
_SIGNED_IN = {
    (c, h, a): _signed_in_statement(c, h, a)
    for c in (False, True)
    for h in (False, True)
    for a in (False, True)
}


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sign_in_candidate(self, username: str) -> Row[*tuple[Any, ...]] | None:
        """The user a login names (its columns, without roles) with its institution's `status`
        and `path`, as plain columns in one statement."""
        rows = await self.session.execute(_SIGN_IN_CANDIDATE, {"key": username.casefold()})
        return rows.one_or_none()

    async def signed_in(
        self,
        user_id: uuid.UUID,
        now: datetime,
        audit: dict[str, Any],
        *,
        clear_failures: bool,
        new_hash: str | None,
    ) -> None:
        """A successful sign-in: `last_login_at`, the failure count and lock cleared when there
        were any, an upgraded hash when given — and the sign-in's audit row; one statement on
        PostgreSQL, two elsewhere."""
        params: dict[str, Any] = {"u_id": user_id, "u_now": now}
        if new_hash is not None:
            params["u_hash"] = new_hash
        bind = self.session.bind
        rehashed = new_hash is not None
        if bind is not None and bind.dialect.name == "postgresql":
            params.update({f"a_{c.name}": None for c in _audit_t.c})
            params.update({f"a_{k}": v for k, v in audit.items()})
            await self.session.execute(_SIGNED_IN[clear_failures, rehashed, True], params)
            return
        await self.session.execute(_SIGNED_IN[clear_failures, rehashed, False], params)
        await self.session.execute(_INSERT_AUDIT, audit)

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id, populate_existing=True)

    async def by_username(self, username: str) -> User | None:
        query = select(User).where(User.username_key == username.casefold())
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_usernames(self, usernames: Collection[str]) -> dict[str, User]:
        """By username key (case-folded)."""
        keys = sorted({u.casefold() for u in usernames})
        out: dict[str, User] = {}
        for start in range(0, len(keys), 500):
            query = select(User).where(User.username_key.in_(keys[start : start + 500]))
            out.update({u.username_key: u for u in (await self.session.execute(query)).scalars()})
        return out

    async def search(self, f: UserFilter) -> Sequence[User]:
        """One page, newest first; `limit + 1` rows so the caller knows whether more follow."""
        query = (
            select(User)
            .join(Institution, Institution.id == User.institution_id)
            .where(subtree_clause(f.subtree), subtree_clause(f.under))
        )
        if f.institution_id is not None:
            query = query.where(User.institution_id == f.institution_id)
        if f.status is not None:
            query = query.where(User.status == f.status)
        if f.text:
            pattern = f"%{f.text.casefold()}%"
            query = query.where(
                User.username_key.like(pattern) | func.lower(User.display_name).like(pattern)
            )
        if f.after is not None:
            at, ident = f.after
            query = query.where(
                tuple_(User.created_at, User.id)
                < tuple_(literal(at, UtcDateTime()), literal(ident, User.id.type))
            )
        query = query.order_by(User.created_at.desc(), User.id.desc()).limit(f.limit + 1)
        return (await self.session.execute(query)).scalars().all()

    async def add_new(self, user: User) -> bool:
        """Insert; False when the username is taken (also by a concurrent request)."""
        try:
            async with self.session.begin_nested():
                self.session.add(user)
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def flush(self) -> None:
        await self.session.flush()

    # -- sign-in bookkeeping: single statements, so concurrent guesses all count ---------------

    async def count_failure(self, user_id: uuid.UUID) -> int:
        statement = (
            update(User)
            .where(User.id == user_id)
            .values(failed_attempts=User.failed_attempts + 1)
            .returning(User.failed_attempts)
            .execution_options(synchronize_session=False)
        )
        return int((await self.session.execute(statement)).scalar_one())

    async def lock(self, user_id: uuid.UUID, until: datetime) -> None:
        await self.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(locked_until=until)
            .execution_options(synchronize_session=False)
        )

    async def clear_failures(self, user_id: uuid.UUID) -> None:
        await self.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(failed_attempts=0, locked_until=None)
            .execution_options(synchronize_session=False)
        )

    # -- roles --------------------------------------------------------------------------------

    async def roles_of(self, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[Role]]:
        out: dict[uuid.UUID, list[Role]] = {u: [] for u in user_ids}
        if user_ids:
            query = (
                select(UserRole.user_id, Role)
                .join(Role, Role.id == UserRole.role_id)
                .where(UserRole.user_id.in_(list(user_ids)))
                .order_by(Role.code)
            )
            for user_id, role in (await self.session.execute(query)).all():
                out[user_id].append(role)
        return out

    async def set_roles(self, user_id: uuid.UUID, old: set[uuid.UUID], new: set[uuid.UUID]) -> None:
        removed, added = old - new, new - old
        if removed:
            await self.session.execute(
                delete(UserRole).where(UserRole.user_id == user_id, UserRole.role_id.in_(removed))
            )
        if added:
            await self.session.execute(
                insert(UserRole), [{"user_id": user_id, "role_id": r} for r in sorted(added)]
            )
