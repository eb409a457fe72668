"""All SQL of the user module."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, literal, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

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


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
