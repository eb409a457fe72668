"""Effective access, always computed when read: role ∩ entitlement.

Nothing here is cached or stored, so an institution losing a function (a package change, an
operator's edit) takes it from every role of the institution at once, while the roles keep
their definitions for when it comes back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from servicekit.errors import NotFound
from shared_schemas import OrgType
from sso.access.repository import AccessRepository
from sso.access.schemas import (
    PortalEntries,
    PortalEntry,
    PrincipalAccess,
    PrincipalInstitution,
    UserAccess,
)
from sso.actors import Actor
from sso.catalogue.schemas import EntryKind
from sso.clients.models import Client, ClientStatus
from sso.clients.repository import ClientRepository
from sso.config import Settings
from sso.entitlements.service import EntitlementService
from sso.organizations.models import Institution
from sso.organizations.repository import InstitutionFilter, InstitutionRepository
from sso.users.models import User, UserStatus
from sso.users.repository import UserRepository
from sso.users.service import UserNotFound


class PrincipalNotFound(NotFound):
    code = "principal_not_found"

    def __init__(self, subject: str) -> None:
        super().__init__(f"No user or client '{subject}' is known to sso.")


def _institution(institution: Institution) -> PrincipalInstitution:
    return PrincipalInstitution(
        id=institution.id, code=institution.code, name=institution.name, type=institution.type
    )


@dataclass(frozen=True)
class EffectiveAccess:
    user: User
    entitlement_version: int
    platform_operator: bool
    #: entry → functions
    functions: dict[str, set[str]]


class AccessService:
    def __init__(
        self,
        repository: AccessRepository,
        users: UserRepository,
        institutions: InstitutionRepository,
        entitlements: EntitlementService,
        settings: Settings,
        clients: ClientRepository,
    ) -> None:
        self.repo = repository
        self.users = users
        self.institutions = institutions
        self.entitlements = entitlements
        self.settings = settings
        self.clients = clients

    async def effective(self, user: User) -> EffectiveAccess:
        institution = await self.institutions.get(user.institution_id)
        assert institution is not None  # foreign key
        catalogue = await self.entitlements.catalogue.current()
        held = await self.entitlements.effective_functions(institution.id, catalogue)
        granted = await self.repo.granted_by_roles(user.id, institution.id)
        functions: dict[str, set[str]] = {}
        for code in granted & held:
            functions.setdefault(catalogue.entry_of(code), set()).add(code)
        entitlement = await self.entitlements.repo.entitlement(institution.id)
        operator = (
            user.status == UserStatus.active.value
            and institution.type == OrgType.technology.value
            and await self.repo.holds_operator_role(user.id, institution.id)
        )
        return EffectiveAccess(
            user=user,
            entitlement_version=entitlement.version if entitlement else 0,
            platform_operator=operator,
            functions=functions,
        )

    async def user_access(self, user_id: uuid.UUID, actor: Actor) -> UserAccess:
        user = await self.users.get(user_id)
        if user is None:
            raise UserNotFound(user_id)
        institution = await self.institutions.get(user.institution_id)
        assert institution is not None
        actor.ensure_covers(institution)
        access = await self.effective(user)
        return UserAccess(
            user_id=user.id,
            institution_id=user.institution_id,
            entitlement_version=access.entitlement_version,
            platform_operator=access.platform_operator,
            functions={e: sorted(f) for e, f in sorted(access.functions.items())},
        )

    async def portal_entries(self, subject: str) -> PortalEntries:
        """The entries the user may open: on for its institution, and at least one function
        of it granted to the user."""
        try:
            user = await self.users.get(uuid.UUID(subject))
        except ValueError:
            user = None
        if user is None:
            raise UserNotFound(subject)
        access = await self.effective(user)
        entries = await self._entries(user.institution_id, access.functions)
        return PortalEntries(entitlement_version=access.entitlement_version, entries=entries)

    async def _entries(
        self, institution_id: uuid.UUID, functions: dict[str, set[str]]
    ) -> list[PortalEntry]:
        state = await self.entitlements.repo.state(institution_id)
        catalogue = await self.entitlements.catalogue.current()
        base = self.settings.console_base_path.rstrip("/")
        entries = []
        for code, entry in catalogue.entries.items():
            held = state.entries.get(code)
            if held is None or not held.enabled or not functions.get(code):
                continue
            entries.append(
                PortalEntry(
                    code=code,
                    kind=EntryKind(entry.kind),
                    name_zh=entry.name_zh,
                    name_en=entry.name_en,
                    icon=entry.icon,
                    launch_url=held.target_url or f"{base}/{code}",
                    tenant_system=held.target_url is not None,
                )
            )
        return entries

    async def principal_access(self, subject: str) -> PrincipalAccess:
        """Everything the gateway needs to vouch for `subject` (a user id or a client_id)."""
        user = None
        try:
            user = await self.users.get(uuid.UUID(subject))
        except ValueError:
            pass
        if user is not None:
            return await self._user_principal(user)
        client = await self.clients.by_client_id(subject)
        if client is None:
            raise PrincipalNotFound(subject)
        return await self._client_principal(client)

    async def _user_principal(self, user: User) -> PrincipalAccess:
        institution = await self.institutions.get(user.institution_id)
        assert institution is not None  # foreign key
        access = await self.effective(user)
        active = user.status == UserStatus.active.value and not await self._institution_disabled(
            institution
        )
        return PrincipalAccess(
            subject=str(user.id),
            kind="user",
            active=active,
            username=user.username,
            display_name=user.display_name,
            institution=_institution(institution),
            platform_operator=access.platform_operator,
            visible_org_ids=await self._below(institution),
            entitlement_version=access.entitlement_version,
            functions={e: sorted(f) for e, f in sorted(access.functions.items())},
            entries=await self._entries(institution.id, access.functions),
        )

    async def _client_principal(self, client: Client) -> PrincipalAccess:
        """A partner system acts for its institution, in the entries its scopes name
        (`orders.read` → entry `orders`), with the institution's functions there."""
        institution = await self.institutions.get(client.institution_id)
        assert institution is not None  # foreign key
        catalogue = await self.entitlements.catalogue.current()
        held = await self.entitlements.effective_functions(institution.id, catalogue)
        scoped_entries = {scope.split(".", 1)[0] for scope in client.scopes}
        functions: dict[str, set[str]] = {}
        for code in held:
            entry = catalogue.entry_of(code)
            if entry in scoped_entries:
                functions.setdefault(entry, set()).add(code)
        entitlement = await self.entitlements.repo.entitlement(institution.id)
        active = (
            client.status == ClientStatus.active.value
            and not await self._institution_disabled(institution)
        )
        return PrincipalAccess(
            subject=client.client_id,
            kind="client",
            active=active,
            display_name=client.name,
            scopes=list(client.scopes),
            institution=_institution(institution),
            platform_operator=False,
            visible_org_ids=[],
            entitlement_version=entitlement.version if entitlement else 0,
            functions={e: sorted(f) for e, f in sorted(functions.items())},
            entries=await self._entries(institution.id, functions),
        )

    async def _institution_disabled(self, institution: Institution) -> bool:
        return await self.institutions.any_disabled([*institution.ancestor_ids, institution.id])

    async def _below(self, institution: Institution) -> list[uuid.UUID]:
        subtree = await self.institutions.search(InstitutionFilter(subtree=institution.path))
        return [i.id for i in subtree if i.id != institution.id]
