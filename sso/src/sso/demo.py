"""Demo data for `make run` (idempotent: everything is looked up by code or name first).

Institutions share their ids with the other services' demo data (uuid5 of a fixed name), so
an order for 华成 in the order center belongs to 华成 here. The demo passwords are in
sso/README.md — demo only; nothing here logs them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.messaging import Outbox
from servicekit.settings import ServiceSettings
from shared_schemas import OrgType
from sso.actors import Actor
from sso.bootstrap import ensure_institution, ensure_role, prepare
from sso.clients.models import ClientType, GrantType
from sso.clients.schemas import ClientCreate
from sso.clients.service import hash_secret
from sso.composition import Services
from sso.config import Settings
from sso.entitlements.schemas import EntitlementUpdate, EntryGrant
from sso.organizations.models import Institution
from sso.organizations.schemas import InstitutionCreate, Region
from sso.users.models import UserSource
from sso.users.schemas import UserCreate

#: Demo only (documented in sso/README.md): every demo admin / staff user has this password.
DEMO_ADMIN_PASSWORD = "Demo-Admin-2026"
DEMO_STAFF_PASSWORD = "Demo-Staff-2026"
#: Demo only (sso/README.md): the secrets of the demo's confidential OIDC clients.
DEMO_GATEWAY_SECRET = "demo-gateway-bff-secret"
DEMO_PARTNER_SECRET = "demo-huacheng-partner-secret"
#: Demo only: the tenant systems' client secrets (tenantentry/ signs in with them).
DEMO_TENANT_SECRETS = {
    "huacheng-insurance": "demo-huacheng-insurance-secret",
    "yunying-core": "demo-yunying-core-secret",
}

_BUSINESS = {"insurance", "risk", "valueadd", "orders", "finance"}
#: Finance functions whose pages are the platform's own books (its bank accounts and
#: statements, payment-channel bills, fund transfers): finance answers them for platform
#: operators only, so the other institutions' demo roles do not hold them and their menus do
#: not offer pages that would only refuse.
OPERATOR_ONLY_FUNCTIONS = frozenset({
    "finance.bank_statement.query", "finance.bank_statement.import",
    "finance.channel_reconciliation.query", "finance.channel_reconciliation.run",
    "finance.fund_transfer.query",
})  # fmt: skip


def demo_org_id(slug: str) -> uuid.UUID:
    """The same id the other services' demo data use for this institution."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"platform-demo/org/{slug}")


@dataclass(frozen=True)
class DemoInstitution:
    slug: str
    code: str
    name: str
    type: OrgType
    region: tuple[str, str]
    users: str  # username prefix: <users>.admin, <users>.staff
    parent: str | None = None
    #: (client id, client name, its path on the tenant entry system) for its insurance entry
    own_insurance_system: tuple[str, str, str] | None = None


DEMO_INSTITUTIONS = (
    DemoInstitution("technology-platform", "TECH", "科技公司（平台运营）", OrgType.technology,
                    ("110000", "110100"), "platform"),
    DemoInstitution("agency-huacheng", "HUACHENG", "华成保险代理有限公司", OrgType.agency,
                    ("440000", "440100"), "huacheng",
                    own_insurance_system=("huacheng-insurance", "华成保险管理系统", "huacheng/")),
    DemoInstitution("agency-huacheng-shenzhen", "HUACHENG-SZ", "华成保险代理深圳分公司",
                    OrgType.agency, ("440000", "440300"), "huacheng.sz", parent="HUACHENG"),
    DemoInstitution("insurtech-yunying", "YUNYING", "云鹰保险技术服务有限公司",
                    OrgType.insurtech_service, ("330000", "330100"), "yunying",
                    own_insurance_system=("yunying-core", "云鹰核心业务系统", "yunying/")),
    DemoInstitution("mall-chexiang", "CHEXIANG", "车享商城", OrgType.mall, ("310000", "310100"),
                    "chexiang"),
)  # fmt: skip


async def load_demo_data(session: AsyncSession, outbox: Outbox, settings: ServiceSettings) -> None:
    assert isinstance(settings, Settings)
    services = await prepare(session, outbox, settings)
    actor = Actor.system("demo-data")
    # The gateway as browsers see it: sso sits behind it at /auth (http://127.0.0.1:8000 by default).
    gateway = settings.issuer.removesuffix("/auth").rstrip("/")
    tenant_entry = settings.demo_tenant_entry_url.rstrip("/")
    made: dict[str, Institution] = {}
    for demo in DEMO_INSTITUTIONS:
        parent = made[demo.parent] if demo.parent else None
        institution = await ensure_institution(
            services,
            InstitutionCreate(
                code=demo.code, name=demo.name, type=demo.type,
                parent_id=parent.id if parent else None,
                region=Region(province_code=demo.region[0], city_code=demo.region[1]),
            ),
            actor,
            institution_id=demo_org_id(demo.slug),
        )  # fmt: skip
        made[demo.code] = institution
        if demo.type is OrgType.technology:
            await _demo_client(
                services, institution, actor, DEMO_GATEWAY_SECRET,
                ClientCreate(
                    client_id="platform-gateway", name="平台网关（门户 BFF）",
                    type=ClientType.confidential, institution_id=institution.id,
                    redirect_uris=[f"{gateway}/bff/callback"],
                    post_logout_redirect_uris=[f"{gateway}/"],
                    allowed_origins=[gateway],
                ),
            )  # fmt: skip
        if demo.code == "HUACHENG":
            await _demo_client(
                services, institution, actor, DEMO_PARTNER_SECRET,
                ClientCreate(
                    client_id="huacheng-partner", name="华成合作方接口",
                    type=ClientType.confidential, institution_id=institution.id,
                    grant_types=[GrantType.client_credentials],
                    # Its institution (an agency) holds insurance and finance: a partner reaches
                    # what both its scopes and its institution's entitlement allow.
                    scopes=["insurance.read", "insurance.write", "finance.read"],
                ),
            )  # fmt: skip
        if demo.own_insurance_system is not None:
            client_id, name, path = demo.own_insurance_system
            await _own_insurance_system(
                services, institution, client_id, name, f"{tenant_entry}/{path}", actor
            )
        if parent is not None:  # a branch opens its head office's system
            head = next(d for d in DEMO_INSTITUTIONS if d.code == demo.parent)
            if head.own_insurance_system is not None:
                url = f"{tenant_entry}/{head.own_insurance_system[2]}"
                await _insurance_target(services, institution, url, actor)
        operator = demo.type is OrgType.technology
        kept_back = frozenset() if operator else OPERATOR_ONLY_FUNCTIONS
        admin = await ensure_role(
            services, institution, "admin", "机构管理员", actor,
            platform_operator=operator, exclude=kept_back,
        )  # fmt: skip
        staff = await ensure_role(
            services, institution, "staff", "业务人员", actor, entries=_BUSINESS,
            exclude=kept_back,
        )  # fmt: skip
        users = [
            ("admin", admin.id, DEMO_ADMIN_PASSWORD, f"{demo.name} 管理员"),
            ("staff", staff.id, DEMO_STAFF_PASSWORD, f"{demo.name} 业务员"),
        ]
        if operator:
            # A second platform operator: a payment request needs an approver other than its
            # requester (self-approval is refused), so the demo can take one through.
            users.append(("finance", admin.id, DEMO_ADMIN_PASSWORD, "科技公司 财务复核员"))
        for suffix, role_id, password, name in users:
            username = f"{demo.users}.{suffix}"
            if await services.users.repo.by_username(username) is None:
                await services.users.create(
                    UserCreate(
                        username=username, display_name=name[:100],
                        institution_id=institution.id, password=SecretStr(password),
                        must_change_password=False, role_ids=[role_id],
                    ),
                    actor,
                    source=UserSource.demo,
                )  # fmt: skip


async def _demo_client(
    services: Services, institution: Institution, actor: Actor, secret: str, data: ClientCreate
) -> None:
    if await services.clients.repo.by_client_id(data.client_id) is None:
        created = await services.clients.create(data, actor)
        client = await services.clients.repo.get(created.id)
        assert client is not None
        client.secret_hash = hash_secret(secret)  # a known secret, demo only
        await services.clients.repo.flush()


async def _own_insurance_system(
    services: Services,
    institution: Institution,
    client_id: str,
    name: str,
    url: str,
    actor: Actor,
) -> None:
    secret = DEMO_TENANT_SECRETS[client_id]
    redirect = f"{url}oidc/callback"
    origin = "/".join(url.split("/")[:3])
    existing = await services.clients.repo.by_client_id(client_id)
    if existing is None:
        await _demo_client(
            services, institution, actor, secret,
            ClientCreate(
                client_id=client_id, name=name, type=ClientType.confidential,
                institution_id=institution.id, redirect_uris=[redirect],
                allowed_origins=[origin],
            ),
        )  # fmt: skip
    elif existing.redirect_uris != [redirect]:
        # A demo database from before the tenant entry system (https://….example hosts): the
        # client moves to it (demo only, so written here rather than through the admin API,
        # which refuses to drop an origin an entitlement still targets).
        existing.redirect_uris, existing.allowed_origins = [redirect], [origin]
        existing.secret_hash = hash_secret(secret)
        await services.clients.repo.flush()
        services.clients.repo.forget_cached(client_id)
    await _insurance_target(services, institution, url, actor)


async def _insurance_target(
    services: Services, institution: Institution, url: str, actor: Actor
) -> None:
    """Point the institution's insurance entry at `url`, keeping the rest as it is."""
    current = await services.entitlements.read(institution.id, actor)
    await services.entitlements.replace(
        institution.id,
        EntitlementUpdate(
            entries=[
                EntryGrant(
                    entry=e.entry,
                    enabled=e.enabled,
                    functions=e.functions,
                    target_url=url if e.entry == "insurance" else e.target_url,
                )
                for e in current.entries
                if e.enabled or e.functions or e.target_url
            ]
        ),
        actor,
    )
