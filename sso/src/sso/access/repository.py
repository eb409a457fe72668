"""All SQL of access: what a user's roles grant."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sso.roles.models import Role, RoleFunction
from sso.users.models import UserRole


class AccessRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def granted_by_roles(self, user_id: uuid.UUID, institution_id: uuid.UUID) -> set[str]:
        """Functions the user's roles grant (roles of its own institution only)."""
        query = (
            select(RoleFunction.function_code)
            .join(UserRole, UserRole.role_id == RoleFunction.role_id)
            .join(Role, Role.id == UserRole.role_id)
            .where(UserRole.user_id == user_id, Role.institution_id == institution_id)
            .distinct()
        )
        return set((await self.session.execute(query)).scalars())

    async def holds_operator_role(self, user_id: uuid.UUID, institution_id: uuid.UUID) -> bool:
        query = (
            select(Role.id)
            .join(UserRole, UserRole.role_id == Role.id)
            .where(
                UserRole.user_id == user_id,
                Role.institution_id == institution_id,
                Role.platform_operator.is_(True),
            )
            .limit(1)
        )
        return (await self.session.execute(query)).first() is not None
