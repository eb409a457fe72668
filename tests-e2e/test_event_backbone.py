"""A write in orders produces an event that finance consumes — as real processes.

orders (`python -m orders serve`) commits an order and its `orders.order.created` event in one
transaction (outbox); its relay publishes to the broker; finance's consumer records a settlement
item in its own database, with an inbox row per event. Each test gets its own broker and
databases. Besides the happy path: the broker down during the writes, the consumer killed between
its DB commit and its offset commit, and a poison event dead-lettered, then replayed after the
fix.

    uv run pytest tests-e2e -q --ignore=tests-e2e/test_compose.py
"""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from typing import TYPE_CHECKING

import asyncpg
import httpx
import pytest

if TYPE_CHECKING:  # conftest is not importable at runtime (importlib mode)
    from conftest import StackFactory

FINANCE_ITEMS = "SELECT count(*) FROM settlement_items"
FINANCE_INBOX = "SELECT count(*) FROM inbox_messages WHERE consumer_group = 'finance'"


async def test_order_created_in_orders_is_recorded_by_finance(start_stack: StackFactory) -> None:
    stack = await start_stack()
    order = await stack.create_order(amount="99.90")
    items = await stack.wait_for_items([order["id"]], timeout=60)
    item = items[order["id"]]
    assert item["order_no"] == order["order_no"]
    assert item["amount"] == "99.90" and item["outstanding"] == "99.90"
    assert item["account_code"] == "1122"  # seeded mapping: receivable → 应收账款
    assert await stack.finance_sql(FINANCE_INBOX) == 1
    assert (
        await stack.orders_sql("SELECT count(*) FROM outbox_messages WHERE published_at IS NULL")
        == 0
    )


async def test_broker_down_during_writes_delivers_each_event_once_when_it_returns(
    start_stack: StackFactory,
) -> None:
    stack = await start_stack()
    # The pipeline is live before the outage (finance's consumer has joined its group).
    warm_up = await stack.create_order()
    await stack.wait_for_items([warm_up["id"]])

    stack.broker.stop()
    orders = [await stack.create_order(amount=f"{i}.00") for i in range(1, 9)]  # outbox: 201s
    ids = [o["id"] for o in orders]
    assert await stack.orders_sql(
        "SELECT count(*) FROM outbox_messages WHERE published_at IS NULL"
    ) == len(orders)
    for order_id in ids:
        assert await stack.settlement_item(order_id) is None
    # Bring the broker back only once the relay has noticed the outage: its in-flight batch
    # failed (request timeout), the row got an attempt and an error, the producer was dropped.
    # Why wait: the local broker keeps topics in memory, and tansu acknowledges a produce to a
    # topic that vanished in its restart (a client with stale metadata) and then drops it —
    # acks=all, and the records are gone. Real Kafka keeps its topics across a restart, so this
    # is an artefact of the test broker, not something the relay can see.
    await stack.wait_for_orders_count(
        "SELECT count(*) FROM outbox_messages WHERE published_at IS NULL AND attempts > 0",
        1,
        timeout=40,
    )
    assert await stack.finance_sql(FINANCE_ITEMS) == 1

    # Same port; memory storage, so the broker comes back empty (topics and offsets gone).
    stack.broker.start()
    items = await stack.wait_for_items(ids, timeout=90)
    assert {items[i]["amount"] for i in ids} == {f"{i}.00" for i in range(1, 9)}

    await asyncio.sleep(2.0)  # anything sent twice would be handled by now
    total = len(orders) + 1
    assert await stack.finance_sql(FINANCE_ITEMS) == total
    assert await stack.finance_sql(FINANCE_INBOX) == total
    rows = await stack.finance_rows("SELECT order_id::text AS id FROM settlement_items")
    assert sorted(r["id"] for r in rows) == sorted([*ids, warm_up["id"]])  # one each, no extras
    assert (
        await stack.orders_sql("SELECT count(*) FROM outbox_messages WHERE published_at IS NULL")
        == 0
    )


@pytest.mark.broker_proxy
async def test_consumer_killed_mid_batch_and_restarted_records_each_order_once(
    start_stack: StackFactory,
) -> None:
    total = 300
    # finance's consumer runs in its own process (finance.worker), started once there is a
    # backlog, so it works through it in full batches (up to 500 records per poll, one
    # transaction per partition) and the kill surely lands while it is consuming.
    stack = await start_stack(finance_inline=False, start_worker=False)
    worker = stack.finance_worker
    assert worker is not None
    created: list[str] = []
    async with httpx.AsyncClient(base_url=stack.orders.base_url, timeout=30.0) as client:

        async def creator(n: int) -> None:
            for _ in range(n):
                created.append((await stack.create_order(client))["id"])

        await asyncio.gather(*[creator(total // 6) for _ in range(6)])
    assert len(set(created)) == total
    await stack.wait_for_orders_count(
        "SELECT count(*) FROM outbox_messages WHERE published_at IS NOT NULL", total, timeout=30
    )
    # Make the kill land in the window the inbox exists for — after the worker committed a
    # batch to its DB, before the broker got the offset commit that follows — deterministically:
    # 1. a table lock holds the worker's first batch just before its inbox insert;
    inbox_lock = await asyncpg.connect(stack.databases["finance"], timeout=5)
    lock = inbox_lock.transaction()
    await lock.start()
    await inbox_lock.execute("LOCK TABLE inbox_messages IN SHARE ROW EXCLUSIVE MODE")
    proxy = stack.broker.proxy  # type: ignore[attr-defined]  # ProxiedLocalBroker
    try:
        worker.start()
        await stack.poll_finance_until(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'",
            lambda n: n > 0,
            timeout=60,
            interval=0.05,
        )
        # 2. what clients send to the broker is lost from now on (the offset commit too);
        proxy.cut()
    finally:
        await lock.rollback()  # 3. the batch goes on and commits to finance's DB
        await inbox_lock.close()
    try:
        at_kill = await stack.poll_finance_until(
            FINANCE_ITEMS, lambda n: n > 0, timeout=15, interval=0.02
        )
        await asyncio.sleep(0.5)  # it waits for the offset commit's answer now
        assert worker.kill() == -signal.SIGKILL  # 4. the crash
    finally:
        proxy.restore()
    assert await stack.finance_sql(FINANCE_ITEMS) == at_kill
    assert 0 < at_kill < total, at_kill

    # Records the dead worker committed to its DB but whose offsets it never committed: the
    # restarted worker receives them again and its inbox must drop them.
    committed = await stack.committed_offsets("finance", "orders.order")
    inbox_next = {
        r["partition"]: r["next"]
        for r in await stack.finance_rows(
            'SELECT "partition", max("offset") + 1 AS next FROM inbox_messages '
            "WHERE consumer_group = 'finance' GROUP BY 1"
        )
    }
    redelivered = sum(max(0, n - committed.get(p, 0)) for p, n in inbox_next.items())
    assert redelivered > 0, (committed, inbox_next)

    worker.start()
    await stack.wait_for_finance_count(FINANCE_ITEMS, total, timeout=90)
    await asyncio.sleep(2.0)  # anything still being redelivered is handled by now

    assert await stack.finance_sql(FINANCE_ITEMS) == total
    assert await stack.finance_sql(FINANCE_INBOX) == total
    assert (
        await stack.finance_sql(
            "SELECT count(*) FROM settlement_items s JOIN inbox_messages i "
            "ON i.event_id = s.source_event_id AND i.consumer_group = 'finance'"
        )
        == total
    )
    rows = await stack.finance_rows("SELECT order_id::text AS id FROM settlement_items")
    assert {r["id"] for r in rows} == set(created)
    log = worker.log.read_text()
    assert "dead-lettered" not in log and "Traceback" not in log
    # The redelivered records reached the restarted worker and were dropped as duplicates:
    # every partition's group offset is now past everything in the inbox.
    committed = await stack.committed_offsets("finance", "orders.order")
    assert all(committed.get(p, 0) >= n for p, n in inbox_next.items()), (committed, inbox_next)


async def test_poison_event_is_dead_lettered_then_replayed_after_the_fix(
    start_stack: StackFactory,
) -> None:
    attempts = 3
    stack = await start_stack(CONSUMER_MAX_ATTEMPTS=attempts)
    warm_up = await stack.create_order()
    await stack.wait_for_items([warm_up["id"]])

    # Simulate a misconfigured chart of accounts: finance has no account for receivable
    # technical-service orders. (There is no API to delete a mapping, so straight in its DB.)
    deleted = await stack.finance_sql(
        "WITH d AS (DELETE FROM account_mappings "
        "WHERE category = 'technical_service' AND direction = 'receivable' RETURNING 1) "
        "SELECT count(*) FROM d"
    )
    assert deleted == 1

    poison = await stack.create_order(category="technical_service", amount="5000.00")
    later = [await stack.create_order(amount=f"{i}.10") for i in range(1, 6)]
    # The consumer is not stuck behind the poison event: later orders are recorded.
    await stack.wait_for_items([o["id"] for o in later], timeout=60)

    letters = await stack.read_topic("orders.order.dlq", want=1, timeout=30)
    assert len(letters) == 1, letters
    letter = letters[0]
    headers = {k: v.decode() for k, v in letter.headers}
    assert headers["dlq.attempts"] == str(attempts)
    assert headers["dlq.consumer.group"] == "finance"
    assert headers["dlq.error.type"] == "AccountMappingMissing"
    assert headers["dlq.original.topic"] == "orders.order"
    event = json.loads(letter.value)
    assert event["event_type"] == "orders.order.created"
    assert event["payload"]["order_id"] == poison["id"]
    assert await stack.settlement_item(poison["id"]) is None
    assert await stack.finance_sql(FINANCE_INBOX) == 1 + len(later)  # no inbox row: not handled

    # The fix: the accountant maps the account through finance's API …
    async with httpx.AsyncClient(base_url=stack.finance.base_url, timeout=10.0) as client:
        r = await client.put(
            "/v1/account-mappings/receivable/technical_service",
            json={"account_code": "112201"},
            headers=stack.finance_operator_headers(),
        )
    assert r.status_code == 200, r.text
    # … and an operator replays finance's dead letters of the topic.
    output = await stack.run_finance_worker_command("replay-dlq", "--topic", "orders.order")
    assert "replayed 1 dead letter(s) of orders.order for finance" in output, output

    item = (await stack.wait_for_items([poison["id"]], timeout=60))[poison["id"]]
    assert item["account_code"] == "112201"
    assert item["amount"] == "5000.00"

    # Replaying again replays nothing (the replay group's progress is committed).
    output = await stack.run_finance_worker_command("replay-dlq", "--topic", "orders.order")
    assert "replayed 0 dead letter(s)" in output, output
    await asyncio.sleep(1.0)
    order_id = uuid.UUID(poison["id"])
    assert (
        await stack.finance_sql(
            "SELECT count(*) FROM settlement_items WHERE order_id = $1", order_id
        )
        == 1
    )
    assert (
        await stack.finance_sql(
            "SELECT count(*) FROM inbox_messages WHERE event_id = $1", uuid.UUID(event["event_id"])
        )
        == 1
    )
    assert await stack.finance_sql(FINANCE_ITEMS) == 2 + len(later)
