"""The internal JWT the gateway mints, read back by servicekit's verifier as a service reads it."""

from __future__ import annotations

import uuid

from gateway.access.directory import Access
from gateway.door.tokens import InternalTokens
from servicekit.auth import InternalTokenVerifier, JWKSCache
from servicekit.signing import KeyCache, fernet_for, generate_key


def _access(kind: str, **names: str | None) -> Access:
    return Access(
        subject=str(uuid.uuid4()) if kind == "user" else "partner-a",
        kind=kind,
        active=True,
        org_id=uuid.uuid4(),
        org_code="HC",
        org_name="华成保险代理",
        org_type="agency",
        platform_operator=False,
        visible_org_ids=(),
        entitlement_version=3,
        functions={"orders": ("orders.order.query",), "finance": ("finance.report.query",)},
        entries=(),
        **names,  # type: ignore[arg-type]
    )


async def test_a_service_reads_who_called_with_the_name_to_show() -> None:
    fernet = fernet_for("test-secret")
    key = generate_key(fernet)
    tokens = InternalTokens(
        KeyCache(fernet).load(key.kid, key.private_key_encrypted),  # type: ignore[arg-type]
        lifetime=300,
        margin=60,
    )
    verifier = InternalTokenVerifier(JWKSCache({"keys": [key.public_jwk]}), audience="orders")

    clerk = _access("user", username="hc_clerk", display_name="张三")
    principal = await verifier.verify(tokens.for_access(clerk, "orders", "req-1"))
    assert (principal.subject, principal.name) == (clerk.subject, "张三")
    assert principal.functions == frozenset({"orders.order.query"})  # not finance's
    assert principal.org_type == "agency"

    unnamed = _access("user", username="hc_admin", display_name=None)
    assert (await verifier.verify(tokens.for_access(unnamed, "orders", None))).name == "hc_admin"

    partner = _access("client", display_name="华成核心系统")
    assert (
        await verifier.verify(tokens.for_access(partner, "orders", None))
    ).name == "华成核心系统"

    nameless = _access("client")
    assert (await verifier.verify(tokens.for_access(nameless, "orders", None))).name is None
