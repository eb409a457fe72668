"""Org scoping on real SQLite/PostgreSQL queries: own org + visible orgs; operators see all."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.auth import Principal, scoped
from servicekit.testing.tokens import TestTokenIssuer

ENTRY = "sksample"


def principal(org: uuid.UUID | None, *visible: uuid.UUID, operator: bool = False) -> Principal:
    return Principal(
        subject="u",
        org_id=org,
        org_type="agency",
        functions=frozenset({"sample.note.read"}),
        entry=ENTRY,
        platform_operator=operator,
        visible_org_ids=frozenset(visible),
    )


async def seed(
    sessionmaker: async_sessionmaker[AsyncSession], notes: Table, prefix: str
) -> dict[str, uuid.UUID]:
    orgs = {name: uuid.uuid4() for name in ("parent", "child", "other")}
    rows: list[dict[str, Any]] = [
        {"id": uuid.uuid4(), "text": f"{prefix}-{name}", "org_id": org}
        for name, org in orgs.items()
    ]
    rows.append({"id": uuid.uuid4(), "text": f"{prefix}-nobody", "org_id": None})
    async with sessionmaker() as session, session.begin():
        await session.execute(notes.insert(), rows)
    return orgs


async def visible_texts(
    sessionmaker: async_sessionmaker[AsyncSession], notes: Table, who: Principal, prefix: str
) -> list[str]:
    query = scoped(select(notes.c.text), notes.c.org_id, who)
    query = query.where(notes.c.text.startswith(prefix)).order_by(notes.c.text)
    async with sessionmaker() as session:
        return [t.removeprefix(prefix + "-") for t in (await session.execute(query)).scalars()]


async def test_scoped_queries(
    sessionmaker: async_sessionmaker[AsyncSession], notes_table: Table
) -> None:
    prefix = uuid.uuid4().hex
    orgs = await seed(sessionmaker, notes_table, prefix)

    async def sees(who: Principal) -> list[str]:
        return await visible_texts(sessionmaker, notes_table, who, prefix)

    assert await sees(principal(orgs["parent"], orgs["child"])) == ["child", "parent"]
    assert await sees(principal(orgs["parent"])) == ["parent"]
    assert await sees(principal(orgs["child"])) == ["child"]
    assert await sees(principal(uuid.uuid4())) == []
    # No org and nothing visible: nothing at all, not even rows without an org.
    assert await sees(principal(None)) == []
    assert await sees(principal(None, orgs["other"])) == ["other"]
    assert await sees(principal(orgs["child"], operator=True)) == [
        "child",
        "nobody",
        "other",
        "parent",
    ]


async def test_scoped_endpoint_with_real_tokens(
    client: httpx.AsyncClient,
    token_issuer: TestTokenIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_table: Table,
) -> None:
    prefix = uuid.uuid4().hex
    orgs = await seed(sessionmaker, notes_table, prefix)

    async def texts(**mint: Any) -> list[str]:
        headers = token_issuer.headers(entry=ENTRY, **mint)
        response = await client.get("/notes/visible", headers=headers)
        assert response.status_code == 200, response.text
        return [t.removeprefix(prefix + "-") for t in response.json() if t.startswith(prefix)]

    fns = ["sample.note.read"]
    assert await texts(functions=fns, org_id=orgs["parent"], orgs=[str(orgs["child"])]) == [
        "child",
        "parent",
    ]
    assert await texts(functions=fns, org_id=orgs["other"]) == ["other"]
    assert await texts(functions=fns, org_id=orgs["other"], platform_operator=True) == [
        "child",
        "nobody",
        "other",
        "parent",
    ]
    denied = await client.get(
        "/notes/visible", headers=token_issuer.headers(entry=ENTRY, org_id=orgs["parent"])
    )
    assert denied.status_code == 403 and denied.json()["code"] == "function_not_granted"
    wrong_entry = await client.get(
        "/notes/visible",
        headers=token_issuer.headers(entry="orders", functions=fns, org_id=orgs["parent"]),
    )
    assert wrong_entry.status_code == 401 and wrong_entry.json()["code"] == "token_invalid"
    whoami = await client.get(
        "/notes/whoami",
        headers=token_issuer.headers(entry=ENTRY, subject="s-1", org_id=orgs["child"]),
    )
    assert whoami.json() == {"sub": "s-1", "org": str(orgs["child"]), "entry": ENTRY}
