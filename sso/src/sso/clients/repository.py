"""All SQL of the client module."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import delete, event, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared_schemas import OrgType
from sso.clients import cache
from sso.clients.models import Client, ClientStatus
from sso.organizations.models import Institution
from sso.organizations.repository import subtree_clause


class ClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def forget_cached(self, client_id: str) -> None:
        """The OpenID Connect provider's cached copy goes now and again at commit (a token
        request between the two would otherwise cache the row as it was before)."""
        cache.forget(client_id)
        event.listen(
            self.session.sync_session, "after_commit", lambda _s: cache.forget(client_id),
            once=True,
        )  # fmt: skip

    async def get(self, client_pk: uuid.UUID) -> Client | None:
        return await self.session.get(Client, client_pk)

    async def by_ids(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Client]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Client).where(Client.id.in_(list(ids))))
        return {c.id: c for c in rows.scalars()}

    async def by_client_id(self, client_id: str) -> Client | None:
        query = select(Client).where(Client.client_id == client_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def search(
        self, subtree: str | None, institution_id: uuid.UUID | None
    ) -> Sequence[Client]:
        query = (
            select(Client)
            .join(Institution, Institution.id == Client.institution_id)
            .where(subtree_clause(subtree))
            .order_by(Client.client_id)
        )
        if institution_id is not None:
            query = query.where(Client.institution_id == institution_id)
        return (await self.session.execute(query)).scalars().all()

    async def serving(self, institution_ids: Collection[uuid.UUID]) -> Sequence[Client]:
        """Active clients an institution's entry may point at: its own, its head offices',
        and the platform's (those of technology-company institutions)."""
        query = (
            select(Client)
            .join(Institution, Institution.id == Client.institution_id)
            .where(
                Client.status == ClientStatus.active.value,
                or_(
                    Client.institution_id.in_(list(institution_ids)),
                    Institution.type == OrgType.technology.value,
                ),
            )
            .order_by(Client.client_id)
        )
        return (await self.session.execute(query)).scalars().all()

    def add(self, client: Client) -> None:
        self.session.add(client)

    async def flush(self) -> None:
        await self.session.flush()

    async def delete(self, client: Client) -> None:
        await self.session.execute(delete(Client).where(Client.id == client.id))
