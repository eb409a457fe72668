"""Effective access, always computed when read: role ∩ entitlement.

Nothing here is cached or stored, so an institution losing a function (a package change, an
operator's edit) takes it from every role of the institution at once, while the roles keep
their definitions for when it comes back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared_schemas import OrgType
from sso.access.repository import AccessRepository
from sso.access.schemas import PortalEntries, PortalEntry, UserAccess
from sso.actors import Actor
from sso.catalogue.schemas import EntryKind
from sso.config import Settings
from sso.entitlements.service import EntitlementService
from sso.organizations.repository import InstitutionRepository
from sso.users.models import User, UserStatus
from sso.users.repository import UserRepository
from sso.users.service import UserNotFound


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
    ) -> None:
        self.repo = repository
        self.users = users
        self.institutions = institutions
        self.entitlements = entitlements
        self.settings = settings

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
        state = await self.entitlements.repo.state(user.institution_id)
        catalogue = await self.entitlements.catalogue.current()
        entries = []
        for code, entry in catalogue.entries.items():
            held = state.entries.get(code)
            if held is None or not held.enabled or not access.functions.get(code):
                continue
            base = self.settings.console_base_path.rstrip("/")
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
        return PortalEntries(entitlement_version=access.entitlement_version, entries=entries)
