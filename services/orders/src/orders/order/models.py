"""Orders, their lines, trajectory (流转轨迹), reviews and what finance reported about them.

Money is integer fen, tax rates integer basis points (600 = 6 %), quantities integer
thousandths: exact on SQLite and PostgreSQL alike (ADR 0004).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from orders.db import Base, JsonDocument, UtcDateTime
from shared_schemas import uuid7

#: SQLite auto-increments only an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
_SEQUENCE = BigInteger().with_variant(Integer(), "sqlite")


#: The statuses an order is open in: the partial work-queue index covers only these.
OPEN_STATUSES = "status IN ('created', 'reconciled', 'invoice_applied', 'invoiced')"

#: What the analyses read of an order besides institution and creation time.
ANALYSED_COLUMNS = [
    "category", "status", "amount_fen", "created_by", "first_invoiced_at",
    "first_invoiced_by", "first_settled_at", "first_settled_by",
]  # fmt: skip


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("source_service", "source_ref", name="uq_orders_source"),
        # List pages are keyset-ordered by (created_at, id) descending. Each index ends in those
        # two columns, so a page filtered by its leading column is a short backward index range
        # scan instead of sorting every match (1M+ rows on PostgreSQL). The two over all orders
        # and per institution also carry, on PostgreSQL, the few columns the totals and cycle
        # times read (INCLUDE, migration orders_0010): the analyses run as index-only scans on
        # the same indexes (SQLite has no INCLUDE and ignores it).
        Index(
            "ix_orders_created_at_id",
            "created_at",
            "id",
            postgresql_include=["customer_org_id", *ANALYSED_COLUMNS],
        ),
        Index(
            "ix_orders_customer_org_id_created_at_id",
            "customer_org_id",
            "created_at",
            "id",
            postgresql_include=ANALYSED_COLUMNS,
        ),
        Index("ix_orders_status_created_at_id", "status", "created_at", "id"),
        Index("ix_orders_category_created_at_id", "category", "created_at", "id"),
        # The list page an institution's clerk asks most: one category and one status, newest
        # first — an equality prefix, then the keyset columns (no filtering while scanning).
        Index(
            "ix_orders_org_category_status_created",
            *("customer_org_id", "category", "status", "created_at", "id"),
        ),
        # An operator's work queue over all institutions (one category and status, newest
        # first), partial over the open statuses only (~10 % of the orders; migration
        # orders_0009): a step to settled, closed or cancelled adds no entry.
        Index(
            "ix_orders_open_category_status_created",
            *("category", "status", "created_at", "id"),
            postgresql_where=text(OPEN_STATUSES),
            sqlite_where=text(OPEN_STATUSES),
        ),
        # Date-range filters (and the settlement list's sign-date selection).
        Index("ix_orders_sign_date", "sign_date"),
        Index("ix_orders_invoiced_at", "invoiced_at"),
        Index("ix_orders_settled_at", "settled_at"),
    )

    # Time-ordered (UUIDv7): an order's entries in its primary key and in the order_id indexes
    # of its trajectory, finance records and reviews land beside those of orders created at
    # about the same time, not on a random page each (every finance step adds one to each).
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(16))
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    counterparty_name: Mapped[str | None] = mapped_column(String(200))
    counterparty_id: Mapped[str | None] = mapped_column(String(64))
    seller: Mapped[str | None] = mapped_column(String(24))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    tax_rate_bp: Mapped[int | None] = mapped_column(Integer)
    extension: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    source_service: Mapped[str] = mapped_column(String(40))
    source_ref: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(24))
    sign_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The settlement list (结算清单) that bills this order: set on the list's billing order and
    #: on each deal it lists, when the list is created. Such orders close with the list's money.
    settlement_list_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)
    #: Net of what finance reported: invoices issued minus red-letter reversals.
    invoiced_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    #: Receipts allocated (receivable) or payments made (payable).
    settled_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    #: When the order last became invoiced / settled (cleared if it moves back before that).
    invoiced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: When and by whom the order FIRST reached invoiced / settled (kept when it moves back):
    #: the cycle-time analysis reads these instead of grouping the whole trajectory.
    first_invoiced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_invoiced_by: Mapped[str | None] = mapped_column(String(120))
    first_settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_settled_by: Mapped[str | None] = mapped_column(String(120))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: Optimistic lock: an UPDATE that lost a race changes no row and fails instead of
    #: overwriting (SQLite has no SELECT … FOR UPDATE).
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class OrderLine(Base):
    """One line of an order: what was sold, how many, at what price and tax rate."""

    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no", name="uq_order_lines_line"),)

    id: Mapped[int] = mapped_column(_SEQUENCE, primary_key=True, autoincrement=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(200))
    quantity_milli: Mapped[int] = mapped_column(BigInteger)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    tax_rate_bp: Mapped[int | None] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class OrderStatusChange(Base):
    """One step of an order's trajectory: who moved it from what to what, when and why."""

    __tablename__ = "order_status_changes"

    id: Mapped[int] = mapped_column(_SEQUENCE, primary_key=True, autoincrement=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    by: Mapped[str] = mapped_column(String(120))
    #: The name the caller had when it took the step (from the gateway's token): what people
    #: read in the trajectory. None for steps finance's events caused, and for older rows.
    by_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    cause: Mapped[str | None] = mapped_column(String(200), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class OrderReview(Base):
    """A customer's review of the service behind an order (for product and merchant analysis)."""

    __tablename__ = "order_reviews"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_1_to_5"),
        # The rollup refresh finds the reviews recorded since its watermark (orders_0009).
        Index("ix_order_reviews_created_at", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JsonDocument)
    reviewer: Mapped[str | None] = mapped_column(String(120))
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FinanceRecord(Base):
    """What finance reported about an order (财务回传): one row per order and finance document.

    Unique per (order, event type, document): a document reported twice, even under a new event
    id, counts once. `outcome` says what it did to the order (see lifecycle.Outcome).
    """

    __tablename__ = "order_finance_records"
    __table_args__ = (
        UniqueConstraint(
            "order_id", "event_type", "document_id", name="uq_order_finance_records_doc"
        ),
    )

    id: Mapped[int] = mapped_column(_SEQUENCE, primary_key=True, autoincrement=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"))
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    event_type: Mapped[str] = mapped_column(String(60))
    document_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    document_no: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(String(40))
    by: Mapped[str] = mapped_column(String(120))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class OrderNumberCounter(Base):
    """Per-day counter behind human-readable order numbers (OC + yyyymmdd + 6 digits)."""

    __tablename__ = "order_number_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class RedemptionFact(Base):
    """A value-added redemption's extension data as plain columns (增值服务核销分析), written
    with the order: the usage, review and coupon-target analyses group these narrow rows instead
    of parsing every order's JSON. Hour (0–23) and weekday (1 = Monday) of the coupon use are
    Asia/Shanghai wall-clock."""

    __tablename__ = "order_redemption_facts"
    __table_args__ = (
        Index("ix_order_redemption_facts_org_created", "customer_org_id", "created_at"),
        Index("ix_order_redemption_facts_created", "created_at"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_hour: Mapped[int | None] = mapped_column(SmallInteger)
    used_weekday: Mapped[int | None] = mapped_column(SmallInteger)
    car_model: Mapped[str | None] = mapped_column(String(100))
    city_code: Mapped[str | None] = mapped_column(String(6))
    merchant_id: Mapped[str | None] = mapped_column(String(64))
    merchant_name: Mapped[str | None] = mapped_column(String(200))
    product_id: Mapped[str | None] = mapped_column(String(64))
    product_name: Mapped[str | None] = mapped_column(String(200))


class OrderMonthlyTotal(Base):
    """Counts and amounts per Shanghai month of creation, institution, category and status,
    kept in the transaction of every change (created: +1; each step: −1 old, +1 new status):
    platform-wide totals by month read these instead of every order."""

    __tablename__ = "order_monthly_totals"
    __table_args__ = (Index("ix_order_monthly_totals_org_month", "customer_org_id", "month"),)

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(24), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
