"""Roles: a role grants only functions its institution holds.

Checked when a role is saved (422 `functions_not_entitled`, naming every offending code) and
again whenever access is computed (role ∩ entitlement), so a role keeps working, narrowed,
after its institution's entitlement shrinks.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from servicekit.errors import Conflict, NotFound, Unprocessable
from shared_schemas import OrgType
from sso.actors import Actor
from sso.audit.service import AuditService
from sso.catalogue.service import Catalogue
from sso.db import utcnow
from sso.entitlements.service import EntitlementService
from sso.organizations.errors import UnknownInstitution
from sso.organizations.models import Institution
from sso.organizations.repository import InstitutionRepository
from sso.roles.models import Role
from sso.roles.repository import RoleRepository
from sso.roles.schemas import RoleCreate, RoleRead, RoleUpdate


class RoleNotFound(NotFound):
    code = "role_not_found"

    def __init__(self, role_id: uuid.UUID) -> None:
        super().__init__(f"No role {role_id}.")


class RoleService:
    def __init__(
        self,
        repository: RoleRepository,
        institutions: InstitutionRepository,
        entitlements: EntitlementService,
        audit: AuditService,
    ) -> None:
        self.repo = repository
        self.institutions = institutions
        self.entitlements = entitlements
        self.audit = audit

    async def _visible(self, role_id: uuid.UUID, actor: Actor) -> tuple[Role, Institution]:
        role = await self.repo.get(role_id)
        if role is None:
            raise RoleNotFound(role_id)
        institution = await self.institutions.get(role.institution_id)
        assert institution is not None  # foreign key
        actor.ensure_covers(institution)
        return role, institution

    async def get(self, role_id: uuid.UUID, actor: Actor) -> RoleRead:
        role, _ = await self._visible(role_id, actor)
        return (await self._reads([role]))[0]

    async def search(self, actor: Actor, institution_id: uuid.UUID | None) -> list[RoleRead]:
        return await self._reads(await self.repo.search(actor.subtree, institution_id))

    async def create(self, data: RoleCreate, actor: Actor) -> RoleRead:
        institution = await self.institutions.get(data.institution_id)
        if institution is None:
            raise UnknownInstitution(data.institution_id)
        actor.ensure_covers(institution)
        functions = await self._checked(data, institution, actor, was_operator=False)
        now = utcnow()
        role = Role(
            id=uuid.uuid4(),
            institution_id=institution.id,
            code=data.code,
            name=data.name,
            description=data.description,
            platform_operator=data.platform_operator,
            created_at=now,
            updated_at=now,
        )
        if not await self.repo.add_new(role):
            raise Conflict(
                f"{institution.code} already has a role {data.code}.",
                code="role_code_taken",
                errors=[{"field": "body.code", "code": "taken", "message": "already used here"}],
            )
        await self.repo.set_functions(role.id, set(), functions)
        self._record(actor, "role.created", role, None, functions)
        return (await self._reads([role]))[0]

    async def update(self, role_id: uuid.UUID, data: RoleUpdate, actor: Actor) -> RoleRead:
        role, institution = await self._visible(role_id, actor)
        old_functions = (await self.repo.functions([role.id]))[role.id]
        before = _snapshot(role, old_functions)
        functions = await self._checked(
            data, institution, actor, was_operator=role.platform_operator
        )
        role.name, role.description = data.name, data.description
        role.platform_operator = data.platform_operator
        await self.repo.set_functions(role.id, old_functions, functions)
        if _snapshot(role, functions) != before:
            role.updated_at = utcnow()
            await self.repo.flush()
            self._record(actor, "role.updated", role, before, functions)
        return (await self._reads([role]))[0]

    async def delete(self, role_id: uuid.UUID, actor: Actor) -> None:
        role, _ = await self._visible(role_id, actor)
        if role.platform_operator:
            actor.ensure_operator("delete platform-operator roles")
        holders = await self.repo.holders(role.id)
        if holders:
            raise Conflict(
                f"Role {role.code} is held by {holders} user(s); take it from them first.",
                code="role_in_use",
            )
        functions = (await self.repo.functions([role.id]))[role.id]
        await self.repo.delete(role)
        self.audit.record(
            actor,
            "role.deleted",
            target_type="role",
            target_id=role.id,
            label=role.code,
            institution_id=role.institution_id,
            before=_snapshot(role, functions),
        )

    async def _checked(
        self, data: RoleUpdate, institution: Institution, actor: Actor, *, was_operator: bool
    ) -> set[str]:
        if data.platform_operator or was_operator:
            actor.ensure_operator("create, change or remove platform-operator roles")
        if data.platform_operator and institution.type != OrgType.technology.value:
            raise Unprocessable(
                "Platform-operator roles exist only in technology institutions.",
                code="operator_role_outside_technology",
                errors=[
                    {
                        "field": "body.platform_operator",
                        "code": "not_technology",
                        "message": f"{institution.code} is a {institution.type} institution",
                    }
                ],
            )
        catalogue = await self.entitlements.catalogue.current()
        functions = catalogue.check_grantable(data.functions, "body.functions")
        held = await self.entitlements.effective_functions(institution.id, catalogue)
        self._ensure_held(data.functions, held, institution, catalogue)
        return functions

    @staticmethod
    def _ensure_held(
        requested: list[str], held: set[str], institution: Institution, catalogue: Catalogue
    ) -> None:
        lacking = [
            {
                "field": f"body.functions[{index}]",
                "code": "function_not_entitled",
                "message": f"{institution.code} does not hold {code}",
                "function": code,
            }
            for index, code in enumerate(requested)
            if not catalogue.with_ancestors([code]) <= held
        ]
        if lacking:
            raise Unprocessable(
                f"Institution {institution.code} does not hold: "
                + ", ".join(e["function"] for e in lacking)
                + ". A role grants only functions its institution is entitled to.",
                code="functions_not_entitled",
                errors=lacking,
            )

    async def _reads(self, roles: Sequence[Role]) -> list[RoleRead]:
        functions = await self.repo.functions([r.id for r in roles])
        catalogue = await self.entitlements.catalogue.current()
        held_by: dict[uuid.UUID, set[str]] = {}
        for institution_id in {r.institution_id for r in roles}:
            held_by[institution_id] = await self.entitlements.effective_functions(
                institution_id, catalogue
            )
        return [
            RoleRead(
                id=r.id,
                institution_id=r.institution_id,
                code=r.code,
                name=r.name,
                description=r.description,
                platform_operator=r.platform_operator,
                functions=sorted(functions[r.id]),
                effective_functions=sorted(functions[r.id] & held_by[r.institution_id]),
                created_at=r.created_at,
                updated_at=r.updated_at,
            )
            for r in roles
        ]

    def _record(
        self,
        actor: Actor,
        action: str,
        role: Role,
        before: dict[str, Any] | None,
        functions: set[str],
    ) -> None:
        self.audit.record(
            actor,
            action,
            target_type="role",
            target_id=role.id,
            label=role.code,
            institution_id=role.institution_id,
            before=before,
            after=_snapshot(role, functions),
        )


def _snapshot(role: Role, functions: set[str]) -> dict[str, Any]:
    return {
        "institution_id": str(role.institution_id),
        "code": role.code,
        "name": role.name,
        "description": role.description,
        "platform_operator": role.platform_operator,
        "functions": sorted(functions),
    }
