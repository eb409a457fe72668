"""The audit log: filters, keyset pages, the CSV export, and its subtree scope."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine

#: The audit log's clock in this test (travelled, ticking): "since"/"until" are around it.
AT = datetime(2026, 10, 20, 4, tzinfo=UTC)


@time_machine.travel(AT, tick=True)
async def test_filters_pages_and_export(admin: Any) -> None:
    started = AT - timedelta(seconds=1)
    head = await admin.institution("agency")
    branch = await admin.institution("agency", head)
    other = await admin.institution("agency")
    user = await admin.user(branch)
    await admin.call(
        "POST",
        f"/v1/admin/users/{user['id']}/disable",
        as_=admin.headers(
            head["id"], ["sso.admin.user.manage"], operator=False, subject="head-admin"
        ),
    )

    by_actor = await admin.call("GET", "/v1/admin/audit-events", params={"actor": "head-admin"})
    [disabled] = by_actor["items"]
    assert (disabled["action"], disabled["target_id"], disabled["institution_id"]) == (
        "user.disabled",
        user["id"],
        branch["id"],
    )
    assert (disabled["before"]["status"], disabled["after"]["status"]) == ("active", "disabled")
    assert disabled["actor_institution_id"] == head["id"]

    for_user = await admin.call(
        "GET",
        "/v1/admin/audit-events",
        params={
            "target_type": "user",
            "target_id": user["id"],
            "since": started.isoformat(),
        },
    )
    assert [e["action"] for e in for_user["items"]] == ["user.disabled", "user.created"]
    none_yet = await admin.call(
        "GET",
        "/v1/admin/audit-events",
        params={
            "target_id": user["id"],
            "until": started.isoformat(),
        },
    )
    assert none_yet["items"] == []

    # Keyset pages: one event per page, newest first, no repeats.
    seen, cursor = [], None
    while True:
        params = {
            "institution_id": branch["id"],
            "limit": 1,
            **({"cursor": cursor} if cursor else {}),
        }
        page = await admin.call("GET", "/v1/admin/audit-events", params=params)
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 4  # created, entitlement, user created, disabled
    bad_cursor = await admin.call(
        "GET", "/v1/admin/audit-events", params={"cursor": "x"}, expect=422
    )
    assert bad_cursor["errors"][0]["field"] == "query.cursor"

    # An institution admin sees its subtree's events only.
    scoped = await admin.call(
        "GET",
        "/v1/admin/audit-events",
        as_=admin.of(head["id"]),
        params={"since": started.isoformat(), "limit": 200},
    )
    assert {e["institution_id"] for e in scoped["items"]} == {head["id"], branch["id"]}
    assert other["id"] not in {e["target_id"] for e in scoped["items"]}

    export = await admin.call(
        "GET", "/v1/admin/audit-events/export.csv", params={"institution_id": branch["id"]}
    )
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8").lstrip("\ufeff"))))
    assert {r["action"] for r in rows} >= {"institution.created", "user.created", "user.disabled"}
    disabled_row = next(r for r in rows if r["action"] == "user.disabled")
    assert '"status": "disabled"' in disabled_row["after"] and disabled_row["actor"] == "head-admin"
