"""analysis rollups: per-month summaries the analyses read instead of every order

Cycle-time histograms and operators, value-added usage, review scores, coupon usage and
totals by status per
Shanghai month of creation and institution (and in `*_all` tables over all institutions), and
the refresh job's state. Created empty: the refresh job (`python -m orders refresh-analysis`, or the
worker's loop) fills them; until it has, every analysis reads the orders as before. An index
on order_reviews.created_at lets the job find new reviews. Also a partial index of the open
orders by category and status for operators' list pages.

Revision ID: orders_0009
Revises: orders_0008
Create Date: 2026-11-25
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "orders_0009"
down_revision = "orders_0008"
branch_labels = None
depends_on = None


OPEN_STATUSES = "status IN ('created', 'reconciled', 'invoice_applied', 'invoiced')"

ROLLUPS = (
    "analysis_cycle_histograms",
    "analysis_cycle_operators",
    "analysis_usage",
    "analysis_review_scores",
)


Columns = list[tuple[str, Any]]


def _rollup(name: str, keys: Columns, values: Columns) -> None:
    """The institution table (month, customer_org_id, keys…) and its `_all` twin (month,
    keys…): same primary key but the institution."""
    for table, org in ((name, True), (f"{name}_all", False)):
        first: Columns = [("month", sa.String(length=7))]
        if org:
            first.append(("customer_org_id", sa.Uuid()))
        key_columns = [sa.Column(n, t, nullable=False) for n, t in [*first, *keys]]
        op.create_table(
            table,
            *key_columns,
            *(sa.Column(n, t, nullable=False) for n, t in values),
            sa.PrimaryKeyConstraint(*(c.name for c in key_columns), name=op.f(f"pk_{table}")),
        )
        if org:
            # Reads take one institution's months: a contiguous index range.
            op.create_index(f"ix_{table}_org_month", table, ["customer_org_id", "month"])


def upgrade() -> None:
    _rollup(
        "analysis_cycle_histograms",
        [
            ("category", sa.String(length=40)),
            ("step", sa.SmallInteger()),
            ("bucket", sa.Integer()),
        ],
        [
            ("count", sa.Integer()),
            ("min_seconds", sa.Float()),
            ("max_seconds", sa.Float()),
        ],
    )
    _rollup(
        "analysis_cycle_operators",
        [
            ("category", sa.String(length=40)),
            ("step", sa.SmallInteger()),
            ("operator", sa.String(length=120)),
        ],
        [("count", sa.Integer())],
    )
    _rollup(
        "analysis_usage",
        [
            ("dimension", sa.SmallInteger()),
            ("key", sa.String(length=100)),
        ],
        [
            ("count", sa.Integer()),
            ("amount_fen", sa.BigInteger()),
        ],
    )
    _rollup(
        "analysis_review_scores",
        [
            ("by", sa.String(length=8)),
            ("ident", sa.String(length=64)),
        ],
        [
            ("name", sa.String(length=200)),
            ("count", sa.Integer()),
            ("rating_sum", sa.BigInteger()),
        ],
    )
    op.create_table(
        "analysis_status_totals",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("customer_org_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "customer_org_id", "status", name=op.f("pk_analysis_status_totals")
        ),
    )
    op.create_table(
        "analysis_coupon_usage",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("customer_org_id", sa.Uuid(), nullable=False),
        sa.Column("used_day", sa.String(length=10), nullable=False),
        sa.Column("redemptions", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "customer_org_id", "used_day", name=op.f("pk_analysis_coupon_usage")
        ),
    )
    # The coupon rule sums a window of days over every institution.
    op.create_index("ix_analysis_coupon_usage_used_day", "analysis_coupon_usage", ["used_day"])
    op.create_table(
        "analysis_rollup_state",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("covered_through", sa.String(length=7), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("step_id_safe", sa.BigInteger(), nullable=False),
        sa.Column("step_id_seen", sa.BigInteger(), nullable=False),
        sa.Column("steps_seen", sa.BigInteger(), nullable=False),
        sa.Column("reviews_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviews_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviews_seen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_rollup_state")),
    )
    op.create_index("ix_order_reviews_created_at", "order_reviews", ["created_at"])
    # A list page over all institutions filtered by category and status (an operator's work
    # queue) walks this instead of one status's orders of every category. Partial: only the
    # open statuses (~10 % of the orders; a step to settled, closed or cancelled adds no
    # entry), so creations and early steps pay one small index insert each.
    op.create_index(
        "ix_orders_open_category_status_created",
        "orders",
        ["category", "status", "created_at", "id"],
        postgresql_where=sa.text(OPEN_STATUSES),
        sqlite_where=sa.text(OPEN_STATUSES),
    )


def downgrade() -> None:
    op.drop_index("ix_orders_open_category_status_created", table_name="orders")
    op.drop_index("ix_order_reviews_created_at", table_name="order_reviews")
    op.drop_table("analysis_rollup_state")
    op.drop_index("ix_analysis_coupon_usage_used_day", table_name="analysis_coupon_usage")
    op.drop_table("analysis_coupon_usage")
    op.drop_table("analysis_status_totals")
    for table in ROLLUPS:
        op.drop_index(f"ix_{table}_org_month", table_name=table)
        op.drop_table(table)
        op.drop_table(f"{table}_all")
