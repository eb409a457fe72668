"""All SQL of the role module."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sso.organizations.models import Institution
from sso.organizations.repository import subtree_clause
from sso.roles.models import Role, RoleFunction
from sso.users.models import UserRole


class RoleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, role_id: uuid.UUID) -> Role | None:
        return await self.session.get(Role, role_id)

    async def by_ids(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Role]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Role).where(Role.id.in_(list(ids))))
        return {r.id: r for r in rows.scalars()}

    async def by_code(self, institution_id: uuid.UUID, code: str) -> Role | None:
        query = select(Role).where(Role.institution_id == institution_id, Role.code == code)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def search(self, subtree: str | None, institution_id: uuid.UUID | None) -> Sequence[Role]:
        query = (
            select(Role)
            .join(Institution, Institution.id == Role.institution_id)
            .where(subtree_clause(subtree))
            .order_by(Institution.path, Role.code)
        )
        if institution_id is not None:
            query = query.where(Role.institution_id == institution_id)
        return (await self.session.execute(query)).scalars().all()

    async def functions(self, role_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
        out: dict[uuid.UUID, set[str]] = {r: set() for r in role_ids}
        if role_ids:
            rows = await self.session.execute(
                select(RoleFunction.role_id, RoleFunction.function_code).where(
                    RoleFunction.role_id.in_(list(role_ids))
                )
            )
            for role_id, code in rows.all():
                out[role_id].add(code)
        return out

    async def add_new(self, role: Role) -> bool:
        """Insert; False when the institution already has a role with this code."""
        try:
            async with self.session.begin_nested():
                self.session.add(role)
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def set_functions(self, role_id: uuid.UUID, old: set[str], new: set[str]) -> None:
        removed, added = old - new, new - old
        if removed:
            await self.session.execute(
                delete(RoleFunction).where(
                    RoleFunction.role_id == role_id, RoleFunction.function_code.in_(sorted(removed))
                )
            )
        if added:
            await self.session.execute(
                insert(RoleFunction),
                [{"role_id": role_id, "function_code": code} for code in sorted(added)],
            )

    async def holders(self, role_id: uuid.UUID) -> int:
        query = select(func.count()).where(UserRole.role_id == role_id)
        return int((await self.session.execute(query)).scalar_one())

    async def delete(self, role: Role) -> None:
        await self.session.execute(delete(RoleFunction).where(RoleFunction.role_id == role.id))
        await self.session.execute(delete(Role).where(Role.id == role.id))

    async def flush(self) -> None:
        await self.session.flush()
