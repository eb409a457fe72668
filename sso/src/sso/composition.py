"""The services wired from one session (and outbox, settings): used by the endpoints, the CLI
and the demo data, so every caller gets the same collaborators."""

from __future__ import annotations

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
    def __init__(self, session: AsyncSession, outbox: Outbox, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.audit = AuditService(AuditRepository(session))
        self.catalogue = CatalogueService(CatalogueRepository(session), self.audit)
        institutions = InstitutionRepository(session)
        client_repo = ClientRepository(session)
        entitlement_repo = EntitlementRepository(session)
        self.clients = ClientService(client_repo, institutions, entitlement_repo, self.audit)
        self.entitlements = EntitlementService(
            entitlement_repo, institutions, self.catalogue, self.clients, self.audit, outbox
        )
        self.organizations = OrganizationService(institutions, self.entitlements, self.audit)
        roles = RoleRepository(session)
        self.roles = RoleService(roles, institutions, self.entitlements, self.audit)
        users = UserRepository(session)
        self.users = UserService(users, institutions, roles, self.audit, settings)
        self.access = AccessService(
            AccessRepository(session), users, institutions, self.entitlements, settings, client_repo
        )
        self.keys = KeyService(
            KeyRepository(session), self.audit, settings.secret_key.get_secret_value()
        )
        self.oidc = OidcService(
            OidcRepository(session), self.keys, self.users, institutions, entitlement_repo,
            self.audit, settings,
        )  # fmt: skip
        self.imports = ImportService(
            ImportRepository(session), self.organizations, self.users, roles, self.audit, settings
        )


# Both dependencies are `async def`: FastAPI runs a plain `def` dependency in a worker thread,
# a hop that costs more than building the services.
async def _settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


AppSettings = Annotated[Settings, Depends(_settings)]


async def _services(session: DbSession, outbox: EventOutbox, settings: AppSettings) -> Services:
    return Services(session, outbox, settings)


#: Endpoint dependency: the request's services (one session, one unit of work).
RequestServices = Annotated[Services, Depends(_services)]
