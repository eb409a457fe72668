"""Institutions: creating (with their entitlement), changing, moving within the tree,
disabling. Every change is audited with before and after."""

from __future__ import annotations

import uuid
from typing import Any

from servicekit.errors import Forbidden, Unprocessable
from shared_schemas import OrgType
from sso.actors import Actor
from sso.audit.service import AuditService
from sso.db import utcnow
from sso.entitlements.service import EntitlementService
from sso.organizations.errors import InstitutionNotFound
from sso.organizations.models import Institution, InstitutionStatus, path_segment
from sso.organizations.repository import InstitutionFilter, InstitutionRepository
from sso.organizations.schemas import (
    InstitutionCreate,
    InstitutionMove,
    InstitutionNode,
    InstitutionRead,
    InstitutionUpdate,
    Region,
)

#: Head office → branch → sub-branch …: far deeper than real organisations, and it bounds the
#: path column (33 characters a level).
MAX_DEPTH = 20


def institution_read(institution: Institution) -> InstitutionRead:
    return InstitutionRead(
        id=institution.id,
        code=institution.code,
        name=institution.name,
        type=OrgType(institution.type),
        parent_id=institution.parent_id,
        depth=institution.depth,
        region=(
            Region(province_code=institution.province_code, city_code=institution.city_code)
            if institution.province_code
            else None
        ),
        status=InstitutionStatus(institution.status),
        created_at=institution.created_at,
        updated_at=institution.updated_at,
    )


def _snapshot(institution: Institution) -> dict[str, Any]:
    return institution_read(institution).model_dump(
        mode="json", exclude={"created_at", "updated_at"}
    )


def _field_problem(status: int, code: str, field: str, message: str) -> Unprocessable:
    return Unprocessable(
        message,
        code=code,
        status=status,
        errors=[{"field": field, "code": code, "message": message}],
    )


class OrganizationService:
    def __init__(
        self,
        repository: InstitutionRepository,
        entitlements: EntitlementService,
        audit: AuditService,
    ) -> None:
        self.repo = repository
        self.entitlements = entitlements
        self.audit = audit

    async def _get(self, institution_id: uuid.UUID, actor: Actor) -> Institution:
        institution = await self.repo.get(institution_id)
        if institution is None:
            raise InstitutionNotFound(institution_id)
        actor.ensure_covers(institution)
        return institution

    async def _parent(
        self, parent_id: uuid.UUID, org_type: str, actor: Actor, type_field: str
    ) -> Institution:
        parent = await self.repo.get(parent_id)
        if parent is None:
            raise _field_problem(
                422, "unknown_parent", "body.parent_id", f"No institution {parent_id}."
            )
        actor.ensure_covers(parent)
        if parent.type != org_type:
            raise _field_problem(
                422,
                "type_differs_from_parent",
                type_field,
                f"A branch has its head office's type ({parent.type}), not {org_type}.",
            )
        return parent

    # -- reading ------------------------------------------------------------------------------

    async def get(self, institution_id: uuid.UUID, actor: Actor) -> InstitutionRead:
        return institution_read(await self._get(institution_id, actor))

    async def search(self, f: InstitutionFilter, actor: Actor) -> list[InstitutionRead]:
        f = InstitutionFilter(actor.subtree, f.type, f.status, f.parent_id, f.text)
        return [institution_read(i) for i in await self.repo.search(f)]

    async def tree(self, actor: Actor) -> list[InstitutionNode]:
        """The institutions you administer as a forest (operators: every root)."""
        nodes: dict[uuid.UUID, InstitutionNode] = {}
        roots: list[InstitutionNode] = []
        for institution in await self.repo.search(InstitutionFilter(subtree=actor.subtree)):
            node = InstitutionNode(**institution_read(institution).model_dump())
            nodes[institution.id] = node
            parent = nodes.get(institution.parent_id) if institution.parent_id else None
            # Ordered by path, so a visible parent always comes before its children.
            (parent.children if parent else roots).append(node)
        return roots

    # -- changing -----------------------------------------------------------------------------

    async def create(
        self, data: InstitutionCreate, actor: Actor, *, institution_id: uuid.UUID | None = None
    ) -> InstitutionRead:
        """`institution_id`: a fixed id (demo data shares its ids with other services' demos)."""
        parent = None
        if data.parent_id is not None:
            parent = await self._parent(data.parent_id, data.type.value, actor, "body.type")
            if parent.depth + 1 > MAX_DEPTH:
                raise _field_problem(
                    409,
                    "tree_too_deep",
                    "body.parent_id",
                    f"Institutions nest at most {MAX_DEPTH} levels deep.",
                )
        else:
            actor.ensure_operator("create top-level institutions")
        now = utcnow()
        institution_id = institution_id or uuid.uuid4()
        institution = Institution(
            id=institution_id,
            code=data.code,
            name=data.name,
            type=data.type.value,
            parent_id=parent.id if parent else None,
            path=(parent.path if parent else "/") + path_segment(institution_id),
            depth=parent.depth + 1 if parent else 0,
            province_code=data.region.province_code if data.region else None,
            city_code=data.region.city_code if data.region else None,
            status=InstitutionStatus.active.value,
            created_at=now,
            updated_at=now,
        )
        if not await self.repo.add_new(institution):
            raise _field_problem(
                409,
                "institution_code_taken",
                "body.code",
                f"Institution code {data.code} is taken.",
            )
        self.audit.record(
            actor,
            "institution.created",
            target_type="institution",
            target_id=institution.id,
            label=institution.code,
            institution_id=institution.id,
            after=_snapshot(institution),
        )
        await self.entitlements.initialise(institution, data.package_code, parent, actor)
        return institution_read(institution)

    async def update(
        self, institution_id: uuid.UUID, data: InstitutionUpdate, actor: Actor
    ) -> InstitutionRead:
        institution = await self._get(institution_id, actor)
        before = _snapshot(institution)
        if "name" in data.model_fields_set and data.name is not None:
            institution.name = data.name
        if "region" in data.model_fields_set:
            institution.province_code = data.region.province_code if data.region else None
            institution.city_code = data.region.city_code if data.region else None
        return await self._changed(institution, before, "institution.updated", actor)

    async def move(
        self, institution_id: uuid.UUID, data: InstitutionMove, actor: Actor
    ) -> InstitutionRead:
        """Under another head office (or to the top): the whole subtree moves along. Its
        entitlements stay as they are."""
        institution = await self._get(institution_id, actor)
        if data.parent_id == institution.parent_id:
            return institution_read(institution)
        before = _snapshot(institution)
        parent = None
        if data.parent_id is not None:
            parent = await self._parent(data.parent_id, institution.type, actor, "body.parent_id")
            if parent.path.startswith(institution.path):
                raise _field_problem(
                    409,
                    "would_create_cycle",
                    "body.parent_id",
                    f"{parent.code} is inside {institution.code}'s own subtree.",
                )
        else:
            actor.ensure_operator("make an institution top-level")
        new_depth = parent.depth + 1 if parent else 0
        deepest = await self.repo.max_depth(institution.path)
        if new_depth + deepest - institution.depth > MAX_DEPTH:
            raise _field_problem(
                409,
                "tree_too_deep",
                "body.parent_id",
                f"Institutions nest at most {MAX_DEPTH} levels deep.",
            )
        new_path = (parent.path if parent else "/") + path_segment(institution.id)
        await self.repo.move_subtree(institution.path, new_path, new_depth - institution.depth)
        institution.parent_id = parent.id if parent else None
        return await self._changed(institution, before, "institution.moved", actor)

    async def set_status(
        self, institution_id: uuid.UUID, status: InstitutionStatus, actor: Actor
    ) -> InstitutionRead:
        """A disabled institution's users (and its branches' users) cannot sign in."""
        institution = await self._get(institution_id, actor)
        if institution.id == actor.institution_id and not actor.platform_operator:
            raise Forbidden(
                "Your own institution is enabled or disabled by a platform operator.",
                code="own_institution",
            )
        if institution.status == status.value:
            return institution_read(institution)
        before = _snapshot(institution)
        institution.status = status.value
        action = (
            "institution.disabled"
            if status is InstitutionStatus.disabled
            else "institution.enabled"
        )
        return await self._changed(institution, before, action, actor)

    async def _changed(
        self, institution: Institution, before: dict[str, Any], action: str, actor: Actor
    ) -> InstitutionRead:
        after = _snapshot(institution)
        if after != before:
            institution.updated_at = utcnow()
            await self.repo.flush()
            self.audit.record(
                actor,
                action,
                target_type="institution",
                target_id=institution.id,
                label=institution.code,
                institution_id=institution.id,
                before=before,
                after=after,
            )
        return institution_read(institution)
