"""The services wired from one session (and outbox, settings): used by the endpoints, the CLI
and the demo data, so every caller gets the same collaborators."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cached_property
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.app import DbSession, EventOutbox
from servicekit.messaging import Outbox
from sso.access.repository import AccessRepository
from sso.access.service import AccessService
from sso.audit.repository import AuditRepository
from sso.audit.service import AuditService
from sso.catalogue.repository import CatalogueRepository
from sso.catalogue.service import CatalogueService
from sso.clients.repository import ClientRepository
from sso.clients.service import ClientService
from sso.config import Settings
from sso.entitlements.repository import EntitlementRepository
from sso.entitlements.service import EntitlementService
from sso.imports.repository import ImportRepository
from sso.imports.service import ImportService
from sso.keys.repository import KeyRepository
from sso.keys.service import KeyService
from sso.oidc.repository import OidcRepository
from sso.oidc.service import OidcService
from sso.organizations.repository import InstitutionRepository
from sso.organizations.service import OrganizationService
from sso.roles.repository import RoleRepository
from sso.roles.service import RoleService
from sso.users.repository import UserRepository
from sso.users.service import UserService


class Services:
    """Each service is built on first use: a token request needs the OpenID Connect provider
    and its few collaborators, not all thirteen services of the admin API."""

    def __init__(self, session: AsyncSession, outbox: Outbox, settings: Settings) -> None:
        self.session = session
        self.outbox = outbox
        self.settings = settings

    @cached_property
    def audit(self) -> AuditService:
        return AuditService(AuditRepository(self.session))

    @cached_property
    def _institutions(self) -> InstitutionRepository:
        return InstitutionRepository(self.session)

    @cached_property
    def _client_repo(self) -> ClientRepository:
        return ClientRepository(self.session)

    @cached_property
    def _entitlement_repo(self) -> EntitlementRepository:
        return EntitlementRepository(self.session)

    @cached_property
    def _roles(self) -> RoleRepository:
        return RoleRepository(self.session)

    @cached_property
    def _users(self) -> UserRepository:
        return UserRepository(self.session)

    @cached_property
    def catalogue(self) -> CatalogueService:
        return CatalogueService(CatalogueRepository(self.session), self.audit)

    @cached_property
    def clients(self) -> ClientService:
        return ClientService(
            self._client_repo, self._institutions, self._entitlement_repo, self.audit
        )

    @cached_property
    def entitlements(self) -> EntitlementService:
        return EntitlementService(
            self._entitlement_repo, self._institutions, self.catalogue, self.clients,
            self.audit, self.outbox,
        )  # fmt: skip

    @cached_property
    def organizations(self) -> OrganizationService:
        return OrganizationService(self._institutions, self.entitlements, self.audit)

    @cached_property
    def roles(self) -> RoleService:
        return RoleService(self._roles, self._institutions, self.entitlements, self.audit)

    @cached_property
    def users(self) -> UserService:
        return UserService(self._users, self._institutions, self._roles, self.audit, self.settings)

    @cached_property
    def access(self) -> AccessService:
        return AccessService(
            AccessRepository(self.session), self._users, self._institutions, self.entitlements,
            self.settings, self._client_repo,
        )  # fmt: skip

    @cached_property
    def keys(self) -> KeyService:
        return KeyService(
            KeyRepository(self.session), self.audit, self.settings.secret_key.get_secret_value()
        )

    @cached_property
    def oidc(self) -> OidcService:
        return OidcService(
            OidcRepository(self.session), self.keys, self.users, self._institutions,
            self._entitlement_repo, self.audit, self.settings,
        )  # fmt: skip

    @cached_property
    def imports(self) -> ImportService:
        return ImportService(
            ImportRepository(self.session), self.organizations, self.users, self._roles,
            self.audit, self.settings,
        )  # fmt: skip


# Both dependencies are `async def`: FastAPI runs a plain `def` dependency in a worker thread,
# a hop that costs more than building the services.
async def _settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


AppSettings = Annotated[Settings, Depends(_settings)]


async def _services(session: DbSession, outbox: EventOutbox, settings: AppSettings) -> Services:
    return Services(session, outbox, settings)


#: Endpoint dependency: the request's services (one session, one unit of work).
RequestServices = Annotated[Services, Depends(_services)]


@asynccontextmanager
async def services_for(request: Request) -> AsyncIterator[Services]:
    """The request's services in their own unit of work (committed when the block ends
    normally, rolled back on an error), without FastAPI's dependency resolution, which cost
    about a tenth of a grant's CPU on the OpenID Connect endpoints (`/token`, `/authorize`,
    `/login`). The commit still happens before the response is sent; a request that read and
    wrote nothing (the first `/authorize`, the login page) has nothing to commit."""
    state = request.app.state
    async with state.sessionmaker() as session:
        try:
            yield Services(session, state.messaging.outbox, cast(Settings, state.settings))
            if session.in_transaction() or session.new or session.dirty or session.deleted:
                await session.commit()
        except BaseException:
            await session.rollback()
            raise
