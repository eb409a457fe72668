"""Registering clients, and which client a per-institution target URL belongs to."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from servicekit.errors import Conflict, NotFound
from sso.actors import Actor
from sso.audit.service import AuditService
from sso.clients.cache import ClientRecord
from sso.clients.models import Client, ClientStatus, ClientType
from sso.clients.repository import ClientRepository
from sso.clients.schemas import ClientCreate, ClientCreated, ClientRead, ClientUpdate
from sso.db import utcnow
from sso.entitlements.repository import EntitlementRepository
from sso.organizations.errors import UnknownInstitution
from sso.organizations.models import Institution
from sso.organizations.repository import InstitutionRepository
from sso.urls import origin_of


class ClientNotFound(NotFound):
    code = "client_not_found"

    def __init__(self, client_pk: uuid.UUID) -> None:
        super().__init__(f"No client {client_pk}.")


def origins(redirect_uris: Iterable[str], allowed_origins: Iterable[str]) -> set[str]:
    """Where a client's system lives: the origins of its redirect URIs and its allowed origins."""
    return {origin_of(u) for u in redirect_uris} | {origin_of(o) for o in allowed_origins}


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(client: Client | ClientRecord, secret: str) -> bool:
    return client.secret_hash is not None and hmac.compare_digest(
        client.secret_hash, hash_secret(secret)
    )


def _snapshot(client: Client) -> dict[str, Any]:
    return ClientRead.model_validate(client).model_dump(
        mode="json", exclude={"created_at", "updated_at"}
    )


class ClientService:
    def __init__(
        self,
        repository: ClientRepository,
        institutions: InstitutionRepository,
        entitlements: EntitlementRepository,
        audit: AuditService,
    ) -> None:
        self.repo = repository
        self.institutions = institutions
        self.entitlements = entitlements
        self.audit = audit

    async def _visible(self, client_pk: uuid.UUID, actor: Actor) -> tuple[Client, Institution]:
        client = await self.repo.get(client_pk)
        if client is None:
            raise ClientNotFound(client_pk)
        institution = await self.institutions.get(client.institution_id)
        assert institution is not None  # foreign key
        actor.ensure_covers(institution)
        return client, institution

    async def get(self, client_pk: uuid.UUID, actor: Actor) -> ClientRead:
        client, _ = await self._visible(client_pk, actor)
        return ClientRead.model_validate(client)

    async def search(self, actor: Actor, institution_id: uuid.UUID | None) -> list[ClientRead]:
        rows = await self.repo.search(actor.subtree, institution_id)
        return [ClientRead.model_validate(c) for c in rows]

    async def create(self, data: ClientCreate, actor: Actor) -> ClientCreated:
        actor.ensure_operator("register clients")
        institution = await self.institutions.get(data.institution_id)
        if institution is None:
            raise UnknownInstitution(data.institution_id)
        if await self.repo.by_client_id(data.client_id) is not None:
            raise Conflict(
                f"Client id {data.client_id} is taken.",
                code="client_id_taken",
                errors=[
                    {"field": "body.client_id", "code": "taken", "message": "already registered"}
                ],
            )
        now = utcnow()
        secret = secrets.token_urlsafe(32) if data.type is ClientType.confidential else None
        client = Client(
            id=uuid.uuid4(),
            client_id=data.client_id,
            name=data.name,
            type=data.type.value,
            institution_id=institution.id,
            redirect_uris=list(data.redirect_uris),
            allowed_origins=list(data.allowed_origins),
            status=data.status.value,
            secret_hash=hash_secret(secret) if secret else None,
            grant_types=[g.value for g in data.grant_types],
            post_logout_redirect_uris=list(data.post_logout_redirect_uris),
            scopes=list(data.scopes),
            created_at=now,
            updated_at=now,
        )
        self.repo.add(client)
        await self.repo.flush()
        self._record(actor, "client.created", client, None)
        read = ClientRead.model_validate(client)
        return ClientCreated(**read.model_dump(), client_secret=secret)

    async def new_secret(self, client_pk: uuid.UUID, actor: Actor) -> ClientCreated:
        """A new secret for a confidential client (the old one stops working at once)."""
        actor.ensure_operator("change clients")
        client, _ = await self._visible(client_pk, actor)
        if client.type != ClientType.confidential.value:
            raise Conflict("A public client has no secret.", code="public_client")
        secret = secrets.token_urlsafe(32)
        client.secret_hash = hash_secret(secret)
        client.updated_at = utcnow()
        await self.repo.flush()
        self.repo.forget_cached(client.client_id)
        self._record(actor, "client.secret_changed", client, None)
        return ClientCreated(**ClientRead.model_validate(client).model_dump(), client_secret=secret)

    async def update(self, client_pk: uuid.UUID, data: ClientUpdate, actor: Actor) -> ClientRead:
        actor.ensure_operator("change clients")
        client, _ = await self._visible(client_pk, actor)
        before = _snapshot(client)
        remaining = (
            origins(data.redirect_uris, data.allowed_origins)
            if data.status is ClientStatus.active
            else set()
        )
        await self._ensure_unused(client, remaining)
        client.name, client.type, client.status = data.name, data.type.value, data.status.value
        client.redirect_uris = list(data.redirect_uris)
        client.allowed_origins = list(data.allowed_origins)
        client.grant_types = [g.value for g in data.grant_types]
        client.post_logout_redirect_uris = list(data.post_logout_redirect_uris)
        client.scopes = list(data.scopes)
        if client.type == ClientType.public.value:
            client.secret_hash = None
        elif client.secret_hash is None:
            client.secret_hash = hash_secret(secrets.token_urlsafe(32))  # set one: new_secret
        client.updated_at = utcnow()
        await self.repo.flush()
        self.repo.forget_cached(client.client_id)
        if _snapshot(client) != before:
            self._record(actor, "client.updated", client, before)
        return ClientRead.model_validate(client)

    async def delete(self, client_pk: uuid.UUID, actor: Actor) -> None:
        actor.ensure_operator("delete clients")
        client, _ = await self._visible(client_pk, actor)
        await self._ensure_unused(client, set())
        before = _snapshot(client)
        await self.repo.delete(client)
        self.repo.forget_cached(client.client_id)
        self.audit.record(
            actor,
            "client.deleted",
            target_type="client",
            target_id=client.id,
            label=client.client_id,
            institution_id=client.institution_id,
            before=before,
        )

    async def _ensure_unused(self, client: Client, remaining_origins: set[str]) -> None:
        """Entries' target URLs that would no longer belong to the client → 409 naming them."""
        stranded = [
            f"{institution.code}/{entry.entry_code}"
            for entry, institution in await self.entitlements.entries_using_client(client.id)
            if entry.target_url is None or origin_of(entry.target_url) not in remaining_origins
        ]
        if stranded:
            raise Conflict(
                f"Client {client.client_id} serves target URLs of {', '.join(stranded)}; change "
                "those entitlements first.",
                code="client_in_use",
            )

    async def client_for_target(self, institution: Institution, url: str) -> Client | None:
        """The registered client a target URL of `institution` belongs to, if any."""
        wanted = origin_of(url)
        candidates = await self.repo.serving([*institution.ancestor_ids, institution.id])
        for client in candidates:
            if wanted in origins(client.redirect_uris, client.allowed_origins):
                return client
        return None

    def _record(
        self, actor: Actor, action: str, client: Client, before: dict[str, Any] | None
    ) -> None:
        self.audit.record(
            actor,
            action,
            target_type="client",
            target_id=client.id,
            label=client.client_id,
            institution_id=client.institution_id,
            before=before,
            after=_snapshot(client),
        )
