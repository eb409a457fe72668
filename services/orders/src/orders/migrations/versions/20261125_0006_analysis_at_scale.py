"""analysis at scale: first milestones on orders, redemption facts, indexes, export expiry

- orders: first_invoiced_at/_by and first_settled_at/_by — when and by whom the order first
  reached invoiced / settled (kept by every step; cycle times read them instead of grouping
  the trajectory). Back-filled from order_status_changes.
- order_redemption_facts: one narrow row per value-added redemption with the extension fields
  the usage, review and coupon-targeting analyses group by (hour and weekday of the coupon use
  in Asia/Shanghai precomputed). Written with the order; back-filled from orders.extension.
- indexes: the list's institution + category + status keyset; redemption facts by institution
  and time.
- order_export_jobs.expired_at: when the retention sweep removed the file.

Revision ID: orders_0006
Revises: orders_0005
Create Date: 2026-11-25
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from servicekit.db import UtcDateTime

revision = "orders_0006"
down_revision = "orders_0005"
branch_labels = None
depends_on = None

_SHANGHAI = ZoneInfo("Asia/Shanghai")


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("first_invoiced_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("first_invoiced_by", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("first_settled_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("first_settled_by", sa.String(length=120), nullable=True))
    op.create_index(
        "ix_orders_org_category_status_created",
        "orders",
        ["customer_org_id", "category", "status", "created_at", "id"],
    )
    for status in ("invoiced", "settled"):
        at, by = "c.at", 'c."by"'
        first = (
            "SELECT {col} FROM order_status_changes c WHERE c.order_id = orders.id "
            f"AND c.to_status = '{status}' ORDER BY c.id LIMIT 1"
        )
        op.execute(
            f"UPDATE orders SET first_{status}_at = ({first.format(col=at)}), "
            f"first_{status}_by = ({first.format(col=by)}) "
            f"WHERE EXISTS (SELECT 1 FROM order_status_changes c WHERE c.order_id = orders.id "
            f"AND c.to_status = '{status}')"
        )

    facts = op.create_table(
        "order_redemption_facts",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("customer_org_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.Column("used_hour", sa.SmallInteger(), nullable=True),
        sa.Column("used_weekday", sa.SmallInteger(), nullable=True),
        sa.Column("car_model", sa.String(length=100), nullable=True),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("merchant_id", sa.String(length=64), nullable=True),
        sa.Column("merchant_name", sa.String(length=200), nullable=True),
        sa.Column("product_id", sa.String(length=64), nullable=True),
        sa.Column("product_name", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_redemption_facts_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_redemption_facts")),
    )
    op.create_index(
        "ix_order_redemption_facts_org_created",
        "order_redemption_facts",
        ["customer_org_id", "created_at"],
    )
    op.create_index("ix_order_redemption_facts_created", "order_redemption_facts", ["created_at"])
    _backfill_facts(facts)

    with op.batch_alter_table("order_export_jobs") as batch:
        batch.add_column(sa.Column("expired_at", UtcDateTime(), nullable=True))


def _backfill_facts(facts: sa.Table) -> None:
    bind = op.get_bind()
    orders = sa.table(
        "orders",
        sa.column("id", sa.Uuid()),
        sa.column("customer_org_id", sa.Uuid()),
        sa.column("created_at", UtcDateTime()),
        sa.column("amount_fen", sa.BigInteger()),
        sa.column("category", sa.String()),
        sa.column("extension", sa.JSON()),
    )
    query = sa.select(orders).where(
        orders.c.category == "value_added_redemption", orders.c.extension.is_not(None)
    )
    rows = []
    for row in bind.execute(query):
        ext = row.extension or {}
        used = ext.get("coupon_used_at")
        local = datetime.fromisoformat(used).astimezone(_SHANGHAI) if used else None
        rows.append(
            {
                "order_id": row.id,
                "customer_org_id": row.customer_org_id,
                "created_at": row.created_at,
                "amount_fen": row.amount_fen,
                "used_at": local,
                "used_hour": local.hour if local else None,
                "used_weekday": local.isoweekday() if local else None,
                "car_model": ext.get("car_model"),
                "city_code": (ext.get("location") or {}).get("city_code"),
                "merchant_id": (ext.get("merchant") or {}).get("id"),
                "merchant_name": (ext.get("merchant") or {}).get("name"),
                "product_id": (ext.get("product") or {}).get("id"),
                "product_name": (ext.get("product") or {}).get("name"),
            }
        )
    if rows:
        op.bulk_insert(facts, rows)


def downgrade() -> None:
    with op.batch_alter_table("order_export_jobs") as batch:
        batch.drop_column("expired_at")
    op.drop_index("ix_order_redemption_facts_created", table_name="order_redemption_facts")
    op.drop_index("ix_order_redemption_facts_org_created", table_name="order_redemption_facts")
    op.drop_table("order_redemption_facts")
    op.drop_index("ix_orders_org_category_status_created", table_name="orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("first_settled_by")
        batch.drop_column("first_settled_at")
        batch.drop_column("first_invoiced_by")
        batch.drop_column("first_invoiced_at")
