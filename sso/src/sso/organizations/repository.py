"""All SQL of the institution module, and the subtree clause other repositories scope with."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, literal, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sso.organizations.models import Institution, PathString


def subtree_clause(prefix: str | None) -> ColumnElement[bool]:
    """Institutions whose path starts with `prefix` (None: all), as an index range scan.

    A path is `/hex/…/hex/`: its characters are hex digits and '/', and '0' follows '/' in
    byte order, so the subtree is exactly [prefix, prefix with its last '/' as '0').
    """
    if prefix is None:
        return true()
    return and_(Institution.path >= prefix, Institution.path < prefix[:-1] + "0")


@dataclass(frozen=True)
class InstitutionFilter:
    subtree: str | None = None
    type: str | None = None
    status: str | None = None
    parent_id: uuid.UUID | None = None
    #: Code or name contains.
    text: str | None = None


class InstitutionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, institution_id: uuid.UUID) -> Institution | None:
        return await self.session.get(Institution, institution_id)

    async def lock(self, institution_id: uuid.UUID) -> Institution | None:
        query = (
            select(Institution)
            .where(Institution.id == institution_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_code(self, code: str) -> Institution | None:
        query = select(Institution).where(Institution.code == code)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_codes(self, codes: Collection[str]) -> dict[str, Institution]:
        if not codes:
            return {}
        query = select(Institution).where(Institution.code.in_(list(codes)))
        return {i.code: i for i in (await self.session.execute(query)).scalars()}

    async def by_ids(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Institution]:
        if not ids:
            return {}
        query = select(Institution).where(Institution.id.in_(list(ids)))
        return {i.id: i for i in (await self.session.execute(query)).scalars()}

    async def search(self, f: InstitutionFilter) -> Sequence[Institution]:
        """Ordered by path: parents before their children, siblings by id (stable)."""
        query = select(Institution).where(subtree_clause(f.subtree))
        if f.type is not None:
            query = query.where(Institution.type == f.type)
        if f.status is not None:
            query = query.where(Institution.status == f.status)
        if f.parent_id is not None:
            query = query.where(Institution.parent_id == f.parent_id)
        if f.text:
            pattern = f"%{f.text.lower()}%"
            query = query.where(
                func.lower(Institution.code).like(pattern)
                | func.lower(Institution.name).like(pattern)
            )
        return (await self.session.execute(query.order_by(Institution.path))).scalars().all()

    async def disabled_here_or_above(self, institution: Institution) -> bool:
        """The institution or a head office above it is disabled. Its own status is on the
        row already; only a branch asks the database about its head offices."""
        if institution.status != "active":
            return True
        return await self.any_disabled(institution.ancestor_ids)

    async def any_disabled(self, ids: Collection[uuid.UUID]) -> bool:
        if not ids:
            return False
        query = select(func.count()).where(
            Institution.id.in_(list(ids)), Institution.status != "active"
        )
        return bool((await self.session.execute(query)).scalar_one())

    async def add_new(self, institution: Institution) -> bool:
        """Insert; False when the code is taken (also by a concurrent request)."""
        try:
            async with self.session.begin_nested():
                self.session.add(institution)
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def max_depth(self, prefix: str) -> int:
        query = select(func.max(Institution.depth)).where(subtree_clause(prefix))
        return int((await self.session.execute(query)).scalar_one())

    async def flush(self) -> None:
        await self.session.flush()

    async def move_subtree(self, old_prefix: str, new_prefix: str, depth_delta: int) -> None:
        """Re-root every path under `old_prefix` (the moved institution included) in one
        statement."""
        tail = func.substr(Institution.path, len(old_prefix) + 1)
        statement = (
            update(Institution)
            .where(subtree_clause(old_prefix))
            .values(
                path=literal(new_prefix, PathString).concat(tail),
                depth=Institution.depth + depth_delta,
            )
            .execution_options(synchronize_session="fetch")
        )
        await self.session.execute(statement)
