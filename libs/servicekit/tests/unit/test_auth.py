"""Internal JWT verification, the JWKS cache, and the permission / org-scope dependencies."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import httpx
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import APIRouter, Depends, FastAPI
from jose import jwt
from sqlalchemy import Column, MetaData, Table, Uuid, select

import servicekit.auth as auth
from servicekit.auth import (
    INTERNAL_ISSUER,
    CurrentPrincipal,
    InternalTokenVerifier,
    JWKSCache,
    Principal,
    org_scope_clause,
    require,
    scoped,
)
from servicekit.errors import Unauthorized, install_error_handlers
from servicekit.testing.tokens import TestTokenIssuer

ENTRY = "skunit"  # the audience the unit-test app verifies (see conftest.py)
ORG = uuid.UUID("00000000-0000-4000-8000-00000000000a")
CHILD = uuid.UUID("00000000-0000-4000-8000-00000000000b")
#: Tokens are minted and verified on this (travelled, ticking) clock, not the day's.
NOW = datetime(2026, 10, 20, 4, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _pinned_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(NOW.timestamp())
    base: dict[str, Any] = {
        "iss": INTERNAL_ISSUER,
        "aud": ENTRY,
        "sub": "user-1",
        "org": str(ORG),
        "org_type": "agency",
        "fns": ["sample.note.read"],
        "op": False,
        "rid": "rid-1",
        "iat": now,
        "exp": now + 300,
    }
    base.update(overrides)
    return base


def unsigned_token(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(payload).encode())
    return f"{head}.{body}.{b64url(signature)}"


@pytest.fixture
def verifier(issuer: TestTokenIssuer) -> InternalTokenVerifier:
    return InternalTokenVerifier(JWKSCache(issuer.jwks), audience=ENTRY)


async def refused(verifier: InternalTokenVerifier, token: str) -> str:
    with pytest.raises(Unauthorized) as info:
        await verifier.verify(token)
    assert info.value.status == 401
    return info.value.code


# --- verification -------------------------------------------------------------------------


async def test_valid_token_gives_the_principal(
    verifier: InternalTokenVerifier, issuer: TestTokenIssuer
) -> None:
    token = issuer.mint(
        entry=ENTRY,
        functions=["sample.note.read", "sample.note.write"],
        subject="clerk-7",
        org_id=ORG,
        org_type="agency",
        rid="req-77",
        orgs=[str(CHILD)],
    )
    principal = await verifier.verify(token)
    assert principal == Principal(
        subject="clerk-7",
        org_id=ORG,
        org_type="agency",
        functions=frozenset({"sample.note.read", "sample.note.write"}),
        entry=ENTRY,
        request_id="req-77",
        platform_operator=False,
        visible_org_ids=frozenset({CHILD}),
    )
    assert principal.can("sample.note.write") and not principal.can("sample.note.delete")
    assert principal.may_see_org(ORG) and principal.may_see_org(CHILD)
    assert not principal.may_see_org(uuid.uuid4())


async def test_operator_token(verifier: InternalTokenVerifier, issuer: TestTokenIssuer) -> None:
    principal = await verifier.verify(issuer.mint(entry=ENTRY, org_id=None, platform_operator=True))
    assert principal.platform_operator and principal.org_id is None
    assert principal.may_see_org(uuid.uuid4())


async def test_expired_token(verifier: InternalTokenVerifier, issuer: TestTokenIssuer) -> None:
    token = issuer.mint(entry=ENTRY, org_id=ORG, ttl=-60)
    assert await refused(verifier, token) == "token_expired"


async def test_expiry_within_the_leeway_is_accepted(
    verifier: InternalTokenVerifier, issuer: TestTokenIssuer
) -> None:
    assert await verifier.verify(issuer.mint(entry=ENTRY, org_id=ORG, ttl=-2))


async def test_wrong_audience(verifier: InternalTokenVerifier, issuer: TestTokenIssuer) -> None:
    assert await refused(verifier, issuer.mint(entry="finance", org_id=ORG)) == "token_invalid"


async def test_wrong_issuer(verifier: InternalTokenVerifier, issuer: TestTokenIssuer) -> None:
    token = issuer.mint(entry=ENTRY, org_id=ORG, iss="someone-else")
    assert await refused(verifier, token) == "token_invalid"


async def test_tampered_payload(verifier: InternalTokenVerifier, issuer: TestTokenIssuer) -> None:
    head, _, sig = issuer.mint(entry=ENTRY, org_id=ORG, op=False).split(".")
    forged = b64url(json.dumps(claims(op=True)).encode())
    assert await refused(verifier, f"{head}.{forged}.{sig}") == "token_invalid"


async def test_alg_none_is_refused(
    verifier: InternalTokenVerifier, issuer: TestTokenIssuer
) -> None:
    token = unsigned_token({"alg": "none", "kid": issuer.kid, "typ": "JWT"}, claims(op=True))
    assert await refused(verifier, token) == "token_algorithm_refused"
    for alg in ("None", "NONE"):
        token = unsigned_token({"alg": alg, "kid": issuer.kid}, claims())
        assert await refused(verifier, token) == "token_algorithm_refused"


async def test_hmac_signed_with_the_public_key_is_refused(
    verifier: InternalTokenVerifier, issuer: TestTokenIssuer
) -> None:
    """Key confusion: HS256 keyed with the (public) RSA key's PEM text."""
    private = serialization.load_pem_private_key(issuer.private_pem.encode(), password=None)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": issuer.kid, "typ": "JWT"}
    signing_input = (
        f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims(op=True)).encode())}"
    )
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{b64url(signature)}"
    assert await refused(verifier, token) == "token_algorithm_refused"


async def test_allowed_alg_that_does_not_fit_the_key_is_a_401_not_a_500(
    verifier: InternalTokenVerifier, issuer: TestTokenIssuer
) -> None:
    """ES256 is allow-listed, but the kid names an RSA key: refused as invalid (was a JWKError)."""
    ec_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    token = jwt.encode(claims(), ec_key.decode(), algorithm="ES256", headers={"kid": issuer.kid})
    assert await refused(verifier, token) == "token_invalid"


async def test_unknown_kid(verifier: InternalTokenVerifier) -> None:
    other = TestTokenIssuer()
    assert await refused(verifier, other.mint(entry=ENTRY, org_id=ORG)) == "token_unknown_key"


async def test_missing_kid(verifier: InternalTokenVerifier, issuer: TestTokenIssuer) -> None:
    token = jwt.encode(claims(), issuer.private_pem, algorithm="RS256")
    assert await refused(verifier, token) == "token_invalid"


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "not-a-jwt.at.all"])
async def test_malformed(verifier: InternalTokenVerifier, token: str) -> None:
    assert await refused(verifier, token) == "token_malformed"


async def test_missing_exp_or_iat_is_refused(
    verifier: InternalTokenVerifier, issuer: TestTokenIssuer
) -> None:
    for claim in ("exp", "iat"):
        payload = claims()
        del payload[claim]
        token = jwt.encode(
            payload, issuer.private_pem, algorithm="RS256", headers={"kid": issuer.kid}
        )
        assert await refused(verifier, token) == "token_invalid"


# --- the JWKS cache -------------------------------------------------------------------------


class FakeJWKSEndpoint:
    def __init__(self, *issuers: TestTokenIssuer) -> None:
        self.keys = [k for i in issuers for k in i.jwks["keys"]]
        self.calls: list[str] = []

    async def __call__(self, url: str) -> dict[str, Any]:
        self.calls.append(url)
        await asyncio.sleep(0.01)  # lets concurrent lookups pile up on the lock
        return {"keys": list(self.keys)}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(auth, "time", SimpleNamespace(monotonic=fake.monotonic))
    return fake


async def test_jwks_url_is_fetched_once_and_cached(issuer: TestTokenIssuer, clock: Clock) -> None:
    endpoint = FakeJWKSEndpoint(issuer)
    cache = JWKSCache("https://gateway.test/.well-known/internal-jwks.json", fetch=endpoint)
    verifier = InternalTokenVerifier(cache, audience=ENTRY)
    for _ in range(3):
        await verifier.verify(issuer.mint(entry=ENTRY, org_id=ORG))
    assert endpoint.calls == ["https://gateway.test/.well-known/internal-jwks.json"]


async def test_unknown_kid_refetches_once_rate_limited(
    issuer: TestTokenIssuer, clock: Clock
) -> None:
    endpoint = FakeJWKSEndpoint(issuer)
    verifier = InternalTokenVerifier(
        JWKSCache("https://gateway.test/jwks", fetch=endpoint), audience=ENTRY
    )
    await verifier.verify(issuer.mint(entry=ENTRY, org_id=ORG))
    assert len(endpoint.calls) == 1

    # The gateway rotates in a new key; a token signed with it arrives.
    rotated = TestTokenIssuer()
    endpoint.keys += rotated.jwks["keys"]
    clock.now += 1  # too soon after the last fetch: no refetch, the kid stays unknown
    assert await refused(verifier, rotated.mint(entry=ENTRY, org_id=ORG)) == "token_unknown_key"
    assert len(endpoint.calls) == 1

    clock.now += auth.REFETCH_MIN_INTERVAL + 1
    principal = await verifier.verify(rotated.mint(entry=ENTRY, org_id=ORG))
    assert principal.org_id == ORG
    assert len(endpoint.calls) == 2
    # The old key still works without another fetch.
    await verifier.verify(issuer.mint(entry=ENTRY, org_id=ORG))
    assert len(endpoint.calls) == 2

    # A burst of tokens with a kid the gateway never published: one refetch for all of them.
    stranger = TestTokenIssuer()
    clock.now += auth.REFETCH_MIN_INTERVAL + 1
    codes = await asyncio.gather(
        *(refused(verifier, stranger.mint(entry=ENTRY, org_id=ORG)) for _ in range(5))
    )
    assert codes == ["token_unknown_key"] * 5
    assert len(endpoint.calls) == 3
    await refused(verifier, stranger.mint(entry=ENTRY, org_id=ORG))
    assert len(endpoint.calls) == 3


async def test_inline_jwks_never_fetches(issuer: TestTokenIssuer) -> None:
    async def no_fetch(url: str) -> dict[str, Any]:
        raise AssertionError("an inline JWKS must not be fetched")

    cache = JWKSCache(issuer.jwks, fetch=no_fetch)
    assert await cache.key(issuer.kid) is not None
    assert await cache.key("other") is None


async def test_file_url_jwks(issuer: TestTokenIssuer, tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(issuer.jwks))
    verifier = InternalTokenVerifier(JWKSCache(f"file://{path}"), audience=ENTRY)
    assert (await verifier.verify(issuer.mint(entry=ENTRY, org_id=ORG))).subject == "user-1"


# --- dependencies over HTTP -----------------------------------------------------------------

router = APIRouter()


@router.get("/me")
async def me(principal: CurrentPrincipal) -> dict[str, Any]:
    return {
        "sub": principal.subject,
        "org": str(principal.org_id),
        "fns": sorted(principal.functions),
    }


@router.get("/notes")
async def notes(
    principal: Annotated[Principal, Depends(require("sample.note.read"))],
) -> dict[str, str]:
    return {"sub": principal.subject}


@pytest.fixture
async def client(
    make_client: Callable[[APIRouter], httpx.AsyncClient],
) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(router) as c:
        yield c


async def test_current_principal_over_http(
    client: httpx.AsyncClient, issuer: TestTokenIssuer
) -> None:
    headers = issuer.headers(entry=ENTRY, functions=["a", "b"], subject="u-9", org_id=ORG)
    response = await client.get("/me", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"sub": "u-9", "org": str(ORG), "fns": ["a", "b"]}


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwdw=="])
async def test_missing_token(client: httpx.AsyncClient, authorization: str | None) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    response = await client.get("/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_bad_token_over_http(client: httpx.AsyncClient, issuer: TestTokenIssuer) -> None:
    expired = issuer.headers(entry=ENTRY, org_id=ORG, ttl=-60)
    response = await client.get("/me", headers=expired)
    assert response.status_code == 401 and response.json()["code"] == "token_expired"
    none_alg = unsigned_token({"alg": "none", "kid": issuer.kid}, claims())
    response = await client.get("/me", headers={"authorization": f"Bearer {none_alg}"})
    assert response.status_code == 401 and response.json()["code"] == "token_algorithm_refused"


async def test_require_grants_and_refuses(
    client: httpx.AsyncClient, issuer: TestTokenIssuer
) -> None:
    granted = issuer.headers(entry=ENTRY, functions=["sample.note.read"], org_id=ORG)
    assert (await client.get("/notes", headers=granted)).status_code == 200
    other = issuer.headers(entry=ENTRY, functions=["sample.note.write"], org_id=ORG)
    response = await client.get("/notes", headers=other)
    assert response.status_code == 403
    assert response.json()["code"] == "function_not_granted"
    assert "sample.note.read" in response.json()["detail"]
    assert (await client.get("/notes")).json()["code"] == "token_missing"


async def test_app_without_verifier_refuses_with_auth_not_configured() -> None:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        response = await c.get("/me", headers={"authorization": "Bearer x.y.z"})
    assert response.status_code == 401
    assert response.json()["code"] == "auth_not_configured"


def test_require_names_its_dependency() -> None:
    assert require("orders.order.query").__name__ == "require_orders_order_query"


# --- org scope (SQL shape; the real queries run in tests/integration/test_auth_scope.py) ----

ROWS = Table("rows", MetaData(), Column("org_id", Uuid))


def principal(**kw: Any) -> Principal:
    base: dict[str, Any] = {
        "subject": "u",
        "org_id": ORG,
        "org_type": "agency",
        "functions": frozenset(),
        "entry": ENTRY,
    }
    base.update(kw)
    return Principal(**base)


def test_operator_has_no_scope_clause() -> None:
    operator = principal(platform_operator=True)
    assert org_scope_clause(ROWS.c.org_id, operator) is None
    query = select(ROWS)
    assert scoped(query, ROWS.c.org_id, operator) is query


def test_scope_clause_lists_own_and_visible_orgs() -> None:
    clause = org_scope_clause(ROWS.c.org_id, principal(visible_org_ids=frozenset({CHILD})))
    assert clause is not None
    compiled = clause.compile(compile_kwargs={"literal_binds": True})
    assert " IN " in str(compiled)
    values = set(clause.right.value)  # type: ignore[attr-defined]
    assert values == {ORG, CHILD}


async def test_unreachable_jwks_is_a_503_problem_and_is_retried() -> None:
    from servicekit.auth import JWKSCache, KeysUnavailable

    calls = 0

    async def failing(_url: str) -> dict[str, object]:
        nonlocal calls
        calls += 1
        raise OSError("connection refused")

    cache = JWKSCache("http://127.0.0.1:9/jwks.json", fetch=failing)
    for expected_calls in (1, 2):
        try:
            await cache.key("some-kid")
        except KeysUnavailable as exc:
            assert exc.status == 503 and exc.code == "verification_keys_unavailable"
        else:
            raise AssertionError("an unreachable JWKS must raise KeysUnavailable")
        assert calls == expected_calls
