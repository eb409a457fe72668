"""`python -m sso register-client` and `python -m sso purge-tokens`, as real commands against
the test database; the registered client then signs on with the app."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from sso.clients.models import Client
from sso.oidc.models import RevokedToken


async def _sso(database_url: str, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "SSO_DATABASE_URL": database_url,
        "SSO_LOG_LEVEL": "WARNING",
        "SSO_ENVIRONMENT": "development",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sso", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_register_client_prints_the_secret_once_and_the_client_signs_on(
    database_url: str, admin: Any, client: httpx.AsyncClient, db: Any
) -> None:
    org = await admin.institution("agency")
    partner_id = f"cli-partner-{uuid.uuid4().hex[:6]}"
    rc, out, err = await _sso(
        database_url, "register-client", "--client-id", partner_id, "--name", "合作方系统",
        "--institution-code", org["code"], "--grant-type", "client_credentials",
        "--scope", "orders.read", "--scope", "orders.write",
    )  # fmt: skip
    assert rc == 0, err
    secret = next(
        line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("client_secret: ")
    )
    assert len(secret) >= 40 and out.count(secret) == 1
    stored = await db.scalar(select(Client).where(Client.client_id == partner_id))
    assert stored.secret_hash and secret not in stored.secret_hash
    assert stored.institution_id == uuid.UUID(org["id"])
    assert stored.grant_types == ["client_credentials"]
    token = await client.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(partner_id, secret)
    )
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "orders.read orders.write"
    wrong = await client.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(partner_id, secret + "x")
    )
    assert wrong.status_code == 401
    created = await db.audit("client.created", str(stored.id))
    assert [e.actor for e in created] == ["cli"]

    # a public client with redirect URIs: no secret printed; defaults for grants and scopes
    spa_id = f"cli-spa-{uuid.uuid4().hex[:6]}"
    rc, out, err = await _sso(
        database_url, "register-client", "--client-id", spa_id, "--name", "门户前端",
        "--institution-code", org["code"], "--type", "public",
        "--redirect-uri", "https://spa.example/cb",
        "--post-logout-redirect-uri", "https://spa.example/",
    )  # fmt: skip
    assert rc == 0, err
    assert "client_secret" not in out and "authorization_code refresh_token" in out
    listed = await admin.call("GET", "/v1/admin/clients", params={"institution_id": org["id"]})
    spa = next(c for c in listed if c["client_id"] == spa_id)
    assert spa["type"] == "public" and spa["redirect_uris"] == ["https://spa.example/cb"]
    assert spa["post_logout_redirect_uris"] == ["https://spa.example/"]


async def test_register_client_refusals_write_nothing(
    database_url: str, admin: Any, db: Any
) -> None:
    org = await admin.institution("agency")
    before = await db.count(Client)
    cases = [
        (["--institution-code", "NO-SUCH-ORG"], "no institution with code NO-SUCH-ORG"),
        (
            [
                "--institution-code",
                org["code"],
                "--type",
                "public",
                "--grant-type",
                "client_credentials",
            ],
            "grant_types",
        ),
        (["--institution-code", org["code"], "--redirect-uri", "not a url"], "redirect_uris"),
        (["--institution-code", org["code"], "--scope", "Bad Scope"], "scopes"),
    ]
    for extra, message in cases:
        rc, out, err = await _sso(
            database_url, "register-client", "--client-id", f"x-{uuid.uuid4().hex[:6]}",
            "--name", "x", *extra,
        )  # fmt: skip
        assert rc != 0 and message in err, (extra, out, err)
        assert "client_secret" not in out
    taken = f"taken-{uuid.uuid4().hex[:6]}"
    args = ("register-client", "--client-id", taken, "--name", "x",
            "--institution-code", org["code"])  # fmt: skip
    assert (await _sso(database_url, *args))[0] == 0
    rc, out, err = await _sso(database_url, *args)
    assert rc == 1 and "client_id_taken" in err and "client_secret" not in out
    assert await db.count(Client) == before + 1


async def test_purge_tokens_command(database_url: str, db: Any) -> None:
    long_ago = datetime(2026, 9, 1, tzinfo=UTC)  # before any run, so past the 1-day keep
    async with db.sessionmaker() as session:
        session.add(RevokedToken(jti=f"gone-{uuid.uuid4().hex}", expires_at=long_ago,
                                 revoked_at=long_ago, reason="revoked"))  # fmt: skip
        await session.commit()
    rc, out, err = await _sso(database_url, "purge-tokens", "--keep-days", "1")
    assert rc == 0, err
    assert out.startswith("purged ") and "revoked access tokens" in out
    assert await db.count(RevokedToken, RevokedToken.jti.like("gone-%")) == 0
