"""Passwords: argon2id at the OWASP minimum, the policy, lockout, reset, unlock, disable, and
`authenticate`'s failure codes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from argon2 import PasswordHasher
from pydantic import SecretStr, ValidationError
from sqlalchemy import select

from servicekit.settings import Environment
from sso.actors import Actor
from sso.config import Settings
from sso.users.models import User
from sso.users.passwords import PasswordPolicy, Passwords
from sso.users.schemas import UserCreate
from sso.users.service import AuthFailure

RIGHT = "Correct-Horse-9"


async def _hash_of(db: Any, user_id: str) -> str:
    return str(await db.scalar(select(User.password_hash).where(User.id == uuid.UUID(user_id))))


async def _authenticate(db: Any, username: str, password: str) -> Any:
    async with db.services() as services:
        return await services.users.authenticate(username, password)


async def test_argon2id_parameters_actually_used(admin: Any, db: Any) -> None:
    real = Settings(environment=Environment.development)  # the shipped defaults
    assert (real.argon2_memory_kib, real.argon2_time_cost, real.argon2_parallelism) == (19456, 2, 1)
    institution = await admin.institution("agency")
    # A user created by the service with the shipped settings: the stored PHC string shows
    # argon2id, m=19 MiB, t=2, p=1, a 16-byte salt and a 32-byte hash.
    async with db.services(real) as services:
        created = await services.users.create(
            UserCreate(
                username=f"owasp-{uuid.uuid4().hex[:8]}",
                display_name="参数",
                institution_id=uuid.UUID(institution["id"]),
                password=SecretStr(RIGHT),
            ),
            Actor.system("test"),
        )
    stored = await _hash_of(db, str(created.id))
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), stored
    _, _, _, _, salt, digest = stored.split("$")
    assert (len(salt), len(digest)) == (22, 43)  # base64 of 16 and 32 bytes
    assert PasswordHasher().verify(stored, RIGHT)
    async with db.services(real) as services:
        assert (await services.users.authenticate(created.username, RIGHT)).ok

    # Weaker parameters are refused outside the test environment ...
    with pytest.raises(ValidationError, match="OWASP"):
        Settings(
            environment=Environment.production,
            argon2_memory_kib=1024,
            database_url="postgresql://x/y",
            kafka_bootstrap_servers="k:9092",
            internal_jwks_url="https://g/jwks",
            issuer="https://platform.example/auth",
            secret_key="a-real-secret-for-this-check-only",
        )
    with pytest.raises(ValidationError, match="OWASP"):
        Settings(environment=Environment.development, argon2_time_cost=1)
    # ... and the cheap test hashing is still argon2id.
    cheap = await admin.user(institution)
    assert (await _hash_of(db, cheap["id"])).startswith("$argon2id$v=19$m=256,t=1,p=1$")


async def test_password_policy_names_every_unmet_rule(admin: Any, db: Any) -> None:
    institution = await admin.institution("agency")
    username = f"zhang{uuid.uuid4().hex[:6]}"
    users_before = await db.count(User)
    weak = await admin.call(
        "POST",
        "/v1/admin/users",
        expect=422,
        json={
            "username": username,
            "display_name": "张",
            "institution_id": institution["id"],
            "password": f"{username}a",
        },
    )
    assert weak["code"] == "password_policy"
    assert {e["field"] for e in weak["errors"]} == {"body.password"}
    messages = " | ".join(e["message"] for e in weak["errors"])
    assert "at least 3 of" in messages and "must not contain the username" in messages
    short = await admin.call(
        "POST",
        "/v1/admin/users",
        expect=422,
        json={
            "username": username,
            "display_name": "张",
            "institution_id": institution["id"],
            "password": "Ab1!",
        },
    )
    assert any("at least 10 characters" in e["message"] for e in short["errors"])
    assert await db.count(User) == users_before  # nothing half-written

    generated = await admin.user(institution, password=None)
    temporary = generated["temporary_password"]
    assert temporary and not PasswordPolicy(Settings()).problems(temporary, None)
    assert generated["must_change_password"] is True
    result = await _authenticate(db, generated["username"], temporary)
    assert result.ok and result.user.must_change_password

    bad_field = await admin.call(
        "POST",
        "/v1/admin/users",
        expect=422,
        json={
            "username": "x",
            "display_name": "",
            "institution_id": "not-a-uuid",
        },
    )
    assert {e["field"] for e in bad_field["errors"]} == {
        "body.username",
        "body.display_name",
        "body.institution_id",
    }


async def test_lockout_after_n_failures_and_unlock(admin: Any, db: Any) -> None:
    institution = await admin.institution("agency")
    user = await admin.user(institution)
    name = user["username"]
    unknown = await _authenticate(db, f"nobody-{uuid.uuid4().hex[:6]}", RIGHT)
    wrong = await _authenticate(db, name, "Wrong-Horse-9")
    assert unknown.failure is wrong.failure is AuthFailure.invalid_credentials

    for _ in range(3):  # five wrong in a row (the setting) lock the account
        assert (
            await _authenticate(db, name, "Wrong-Horse-9")
        ).failure is AuthFailure.invalid_credentials
    assert (await admin.call("GET", f"/v1/admin/users/{user['id']}"))["locked"] is False
    fifth = await _authenticate(db, name, "Wrong-Horse-9")
    assert fifth.failure is AuthFailure.invalid_credentials
    state = await admin.call("GET", f"/v1/admin/users/{user['id']}")
    assert state["locked"] is True and state["failed_attempts"] == 5

    [locked] = await db.audit("user.locked", user["id"])
    assert locked.actor == user["id"] and locked.detail == "5 consecutive wrong passwords"
    assert len(await db.audit("authentication.failed", user["id"])) == 5

    # Locked: the right password is refused too, without counting.
    assert (await _authenticate(db, name, RIGHT)).failure is AuthFailure.account_locked
    unlocked = await admin.call("POST", f"/v1/admin/users/{user['id']}/unlock")
    assert (unlocked["locked"], unlocked["failed_attempts"]) == (False, 0)
    assert len(await db.audit("user.unlocked", user["id"])) == 1
    ok = await _authenticate(db, name, RIGHT)
    assert ok.ok and ok.user.last_login_at is not None
    # Success resets the count: four more failures do not lock.
    for _ in range(4):
        await _authenticate(db, name, "Wrong-Horse-9")
    assert (await _authenticate(db, name, RIGHT)).ok
    assert (await admin.call("GET", f"/v1/admin/users/{user['id']}"))["failed_attempts"] == 0


async def test_disabled_accounts_and_institutions(admin: Any, db: Any) -> None:
    head = await admin.institution("agency")
    branch = await admin.institution("agency", head)
    user = await admin.user(branch)
    await admin.call("POST", f"/v1/admin/users/{user['id']}/disable")
    # Only the right password learns that the account is disabled.
    assert (
        await _authenticate(db, user["username"], "Wrong-Horse-9")
    ).failure is AuthFailure.invalid_credentials
    assert (
        await _authenticate(db, user["username"], RIGHT)
    ).failure is AuthFailure.account_disabled
    await admin.call("POST", f"/v1/admin/users/{user['id']}/enable")
    assert (await _authenticate(db, user["username"], RIGHT)).ok
    # A disabled head office disables its branches' users.
    await admin.call("POST", f"/v1/admin/institutions/{head['id']}/disable")
    assert (
        await _authenticate(db, user["username"], RIGHT)
    ).failure is AuthFailure.account_disabled


async def test_reset_change_and_case_insensitive_usernames(admin: Any, db: Any) -> None:
    institution = await admin.institution("agency")
    user = await admin.user(institution, must_change_password=False)
    assert user["must_change_password"] is False
    upper = await admin.call(
        "POST",
        "/v1/admin/users",
        expect=409,
        json={
            "username": user["username"].upper(),
            "display_name": "重名",
            "institution_id": institution["id"],
            "password": RIGHT,
        },
    )
    assert upper["code"] == "username_taken"

    reset = await admin.call("POST", f"/v1/admin/users/{user['id']}/reset-password", json={})
    temporary = reset["temporary_password"]
    assert reset["user"]["must_change_password"] is True
    assert (
        await _authenticate(db, user["username"], RIGHT)
    ).failure is AuthFailure.invalid_credentials
    result = await _authenticate(db, user["username"].upper(), temporary)
    assert result.ok and result.user.must_change_password
    [audit] = await db.audit("user.password_reset", user["id"])
    assert temporary not in str(audit.after) and "hash" not in str(audit.after)

    async with db.services() as services:
        await services.users.change_password(uuid.UUID(user["id"]), temporary, "New-Horse-10")
    after = await admin.call("GET", f"/v1/admin/users/{user['id']}")
    assert after["must_change_password"] is False
    assert (await _authenticate(db, user["username"], "New-Horse-10")).ok


def test_cheaper_hashing_is_still_argon2id() -> None:
    settings = Settings(environment=Environment.test, argon2_memory_kib=256, argon2_time_cost=1)
    stored = Passwords(settings).hash_now("x")
    assert stored.startswith("$argon2id$v=19$m=256,t=1,p=1$")
