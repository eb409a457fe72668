"""Reference data every database needs, and the first platform administrator.

`prepare` syncs sso's own function catalogue, creates missing default packages and the first
signing key; it runs on
`migrate`, `demo-data`, `create-platform-admin` and at every start (idempotent, cheap when
nothing changed).
"""

from __future__ import annotations

import uuid

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.errors import Conflict
from servicekit.messaging import Outbox
from shared_schemas import OrgType
from sso.actors import Actor
from sso.catalogue.service import builtin_catalogue
from sso.composition import Services
from sso.config import Settings
from sso.organizations.models import Institution
from sso.organizations.schemas import InstitutionCreate
from sso.roles.models import Role
from sso.roles.schemas import RoleCreate
from sso.users.models import UserSource
from sso.users.schemas import UserCreate

PLATFORM_ADMIN_ROLE = "platform-admin"


async def prepare(session: AsyncSession, outbox: Outbox, settings: Settings) -> Services:
    services = Services(session, outbox, settings)
    actor = Actor.system("sso")
    await services.catalogue.sync(builtin_catalogue(), actor, tolerate_older=True)
    await services.entitlements.ensure_default_packages(actor)
    await services.keys.ensure_current()  # the first signing key
    return services


async def ensure_institution(
    services: Services,
    data: InstitutionCreate,
    actor: Actor,
    *,
    institution_id: uuid.UUID | None = None,
) -> Institution:
    """The institution with this code, created if missing."""
    repo = services.organizations.repo
    existing = await repo.by_code(data.code)
    if existing is None:
        await services.organizations.create(data, actor, institution_id=institution_id)
        existing = await repo.by_code(data.code)
    assert existing is not None
    return existing


async def ensure_role(
    services: Services,
    institution: Institution,
    code: str,
    name: str,
    actor: Actor,
    *,
    platform_operator: bool = False,
    entries: set[str] | None = None,
    exclude: frozenset[str] = frozenset(),
) -> Role:
    """The institution's role with this code, created if missing with every function the
    institution holds (of `entries` only, if given; never those in `exclude`)."""
    existing = await services.roles.repo.by_code(institution.id, code)
    if existing is not None:
        return existing
    catalogue = await services.catalogue.current()
    held = await services.entitlements.effective_functions(institution.id, catalogue)
    functions = sorted(
        f
        for f in held
        if (entries is None or catalogue.entry_of(f) in entries) and f not in exclude
    )
    made = await services.roles.create(
        RoleCreate(
            institution_id=institution.id,
            code=code,
            name=name,
            functions=functions,
            platform_operator=platform_operator,
        ),
        actor,
    )
    role = await services.roles.repo.get(made.id)
    assert role is not None
    return role


async def create_platform_admin(
    session: AsyncSession,
    outbox: Outbox,
    settings: Settings,
    *,
    username: str,
    password: str,
    display_name: str,
    institution_code: str,
    institution_name: str,
) -> str:
    """Idempotent: the technology institution, its platform-operator role and the user, each
    created only if missing. An existing user keeps its password. Returns what happened."""
    services = await prepare(session, outbox, settings)
    actor = Actor.system("cli")
    institution = await ensure_institution(
        services,
        InstitutionCreate(code=institution_code, name=institution_name, type=OrgType.technology),
        actor,
    )
    if institution.type != OrgType.technology.value:
        raise Conflict(
            f"Institution {institution_code} is a {institution.type} institution; platform "
            "operators belong to a technology one.",
            code="not_technology",
        )
    role = await ensure_role(
        services,
        institution,
        PLATFORM_ADMIN_ROLE,
        "平台管理员 Platform administrator",
        actor,
        platform_operator=True,
    )
    user = await services.users.repo.by_username(username)
    if user is None:
        await services.users.create(
            UserCreate(
                username=username,
                display_name=display_name,
                institution_id=institution.id,
                password=SecretStr(password),
                must_change_password=False,
                role_ids=[role.id],
            ),
            actor,
            source=UserSource.bootstrap,
        )
        return f"created platform administrator {username} in {institution.code}"
    if user.institution_id != institution.id:
        raise Conflict(f"User {username} exists in another institution.", code="username_taken")
    held = {r.id for r in (await services.users.repo.roles_of([user.id]))[user.id]}
    if role.id in held:
        return f"platform administrator {username} exists; nothing changed"
    await services.users.assign_roles(user.id, sorted(held | {role.id}), actor)
    return f"user {username} exists; granted role {PLATFORM_ADMIN_ROLE}"
