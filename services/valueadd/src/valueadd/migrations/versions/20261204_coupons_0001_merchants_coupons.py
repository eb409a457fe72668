"""coupons: merchants, products, issue rules, batches, coupons, order links

Revision ID: valueadd_coupons_0001
Revises: valueadd_0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from servicekit.db import UtcDateTime

#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite (as valueadd's models).
_JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")

revision = "valueadd_coupons_0001"
down_revision = "valueadd_0001"
branch_labels = ("valueadd_coupons",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "va_coupon_products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("service", sa.String(length=30), nullable=False),
        sa.Column("face_value_fen", sa.BigInteger(), nullable=False),
        sa.Column("insurer_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("settlement_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("validity_kind", sa.String(length=20), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("valid_days", sa.Integer(), nullable=True),
        sa.Column("region_codes", _JSON, nullable=False),
        sa.Column("car_models", _JSON, nullable=False),
        sa.Column("owner_org_id", sa.Uuid(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "face_value_fen >= 0 AND insurer_price_fen >= 0 AND settlement_price_fen >= 0",
            name=op.f("ck_va_coupon_products_prices_not_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_coupon_products")),
        sa.UniqueConstraint("code", name=op.f("uq_va_coupon_products_code")),
    )
    with op.batch_alter_table("va_coupon_products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_va_coupon_products_owner_org_id"), ["owner_org_id"], unique=False
        )

    op.create_table(
        "va_merchants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("services", _JSON, nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_merchants")),
        sa.UniqueConstraint("org_id", name=op.f("uq_va_merchants_org_id")),
    )
    op.create_table(
        "va_number_counters",
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_va_number_counters")),
    )
    op.create_table(
        "va_order_links",
        sa.Column("source_ref", sa.String(length=120), nullable=False),
        sa.Column("module", sa.String(length=40), nullable=False),
        sa.Column("source_no", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("customer_org_id", sa.Uuid(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("sign_date", sa.Date(), nullable=True),
        sa.Column("request", _JSON, nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("order_no", sa.String(length=32), nullable=True),
        sa.Column("order_status", sa.String(length=20), nullable=True),
        sa.Column("rejected_code", sa.String(length=80), nullable=True),
        sa.Column("rejected_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source_ref", name=op.f("pk_va_order_links")),
        sa.UniqueConstraint("order_id", name=op.f("uq_va_order_links_order_id")),
    )
    with op.batch_alter_table("va_order_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_va_order_links_customer_org_id"), ["customer_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_va_order_links_module"), ["module"], unique=False)

    op.create_table(
        "va_issue_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("insurer_code", sa.String(length=40), nullable=False),
        sa.Column("insurer_name", sa.String(length=100), nullable=True),
        sa.Column("line", sa.String(length=30), nullable=False),
        sa.Column("insurance_product_code", sa.String(length=60), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("quantity_per_policy", sa.Integer(), nullable=False),
        sa.Column("billed_org_id", sa.Uuid(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "quantity_per_policy >= 1", name=op.f("ck_va_issue_rules_quantity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["va_coupon_products.id"],
            name=op.f("fk_va_issue_rules_product_id_va_coupon_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_issue_rules")),
        sa.UniqueConstraint(
            "insurer_code",
            "line",
            "insurance_product_code",
            "product_id",
            name="uq_va_issue_rules_key",
        ),
    )
    with op.batch_alter_table("va_issue_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_va_issue_rules_billed_org_id"), ["billed_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_va_issue_rules_insurer_code"), ["insurer_code"], unique=False
        )

    op.create_table(
        "va_merchant_products",
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("settlement_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["va_merchants.id"],
            name=op.f("fk_va_merchant_products_merchant_id_va_merchants"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["va_coupon_products.id"],
            name=op.f("fk_va_merchant_products_product_id_va_coupon_products"),
        ),
        sa.PrimaryKeyConstraint("merchant_id", "product_id", name=op.f("pk_va_merchant_products")),
    )
    op.create_table(
        "va_merchant_stores",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["va_merchants.id"],
            name=op.f("fk_va_merchant_stores_merchant_id_va_merchants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_merchant_stores")),
        sa.UniqueConstraint("merchant_id", "name", name="uq_va_merchant_stores_name"),
    )
    with op.batch_alter_table("va_merchant_stores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_va_merchant_stores_merchant_id"), ["merchant_id"], unique=False
        )

    op.create_table(
        "va_coupon_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("batch_no", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("rule_id", sa.Uuid(), nullable=True),
        sa.Column("policy_id", sa.String(length=64), nullable=True),
        sa.Column("policy_no", sa.String(length=64), nullable=True),
        sa.Column("source_ref", sa.String(length=160), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("issued_count", sa.Integer(), nullable=False),
        sa.Column("owner_org_id", sa.Uuid(), nullable=False),
        sa.Column("billed_org_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "issued_count >= 0 AND issued_count <= quantity",
            name=op.f("ck_va_coupon_batches_within_quantity"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["va_coupon_products.id"],
            name=op.f("fk_va_coupon_batches_product_id_va_coupon_products"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["va_issue_rules.id"],
            name=op.f("fk_va_coupon_batches_rule_id_va_issue_rules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_coupon_batches")),
        sa.UniqueConstraint("batch_no", name=op.f("uq_va_coupon_batches_batch_no")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_va_coupon_batches_source_ref")),
    )
    with op.batch_alter_table("va_coupon_batches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_va_coupon_batches_owner_created", ["owner_org_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_va_coupon_batches_policy_no"), ["policy_no"], unique=False
        )

    op.create_table(
        "va_merchant_staff",
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["va_merchants.id"],
            name=op.f("fk_va_merchant_staff_merchant_id_va_merchants"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["va_merchant_stores.id"],
            name=op.f("fk_va_merchant_staff_store_id_va_merchant_stores"),
        ),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_va_merchant_staff")),
    )
    with op.batch_alter_table("va_merchant_staff", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_va_merchant_staff_merchant_id"), ["merchant_id"], unique=False
        )

    op.create_table(
        "va_coupons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("batch_kind", sa.String(length=20), nullable=False),
        sa.Column("owner_org_id", sa.Uuid(), nullable=False),
        sa.Column("billed_org_id", sa.Uuid(), nullable=True),
        sa.Column("holder_ref", sa.String(length=80), nullable=True),
        sa.Column("holder_name", sa.String(length=80), nullable=True),
        sa.Column("holder_mobile_masked", sa.String(length=20), nullable=True),
        sa.Column("plate_no", sa.String(length=16), nullable=True),
        sa.Column("vin", sa.String(length=17), nullable=True),
        sa.Column("policy_no", sa.String(length=64), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("redeemed_at", UtcDateTime(), nullable=True),
        sa.Column("settled_at", UtcDateTime(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["va_coupon_batches.id"],
            name=op.f("fk_va_coupons_batch_id_va_coupon_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["va_coupon_products.id"],
            name=op.f("fk_va_coupons_product_id_va_coupon_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_coupons")),
        sa.UniqueConstraint("code", name=op.f("uq_va_coupons_code")),
    )
    with op.batch_alter_table("va_coupons", schema=None) as batch_op:
        batch_op.create_index("ix_va_coupons_batch", ["batch_id"], unique=False)
        batch_op.create_index("ix_va_coupons_holder_ref", ["holder_ref"], unique=False)
        batch_op.create_index(
            "ix_va_coupons_owner_issued", ["owner_org_id", "issued_at"], unique=False
        )
        batch_op.create_index("ix_va_coupons_policy_no", ["policy_no"], unique=False)

    op.create_table(
        "va_coupon_status_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("coupon_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("by", sa.String(length=120), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["coupon_id"],
            ["va_coupons.id"],
            name=op.f("fk_va_coupon_status_changes_coupon_id_va_coupons"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_coupon_status_changes")),
    )
    with op.batch_alter_table("va_coupon_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_va_coupon_status_changes_coupon_id"), ["coupon_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("va_coupon_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_va_coupon_status_changes_coupon_id"))

    op.drop_table("va_coupon_status_changes")
    with op.batch_alter_table("va_coupons", schema=None) as batch_op:
        batch_op.drop_index("ix_va_coupons_policy_no")
        batch_op.drop_index("ix_va_coupons_owner_issued")
        batch_op.drop_index("ix_va_coupons_holder_ref")
        batch_op.drop_index("ix_va_coupons_batch")

    op.drop_table("va_coupons")
    with op.batch_alter_table("va_merchant_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_va_merchant_staff_merchant_id"))

    op.drop_table("va_merchant_staff")
    with op.batch_alter_table("va_coupon_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_va_coupon_batches_policy_no"))
        batch_op.drop_index("ix_va_coupon_batches_owner_created")

    op.drop_table("va_coupon_batches")
    with op.batch_alter_table("va_merchant_stores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_va_merchant_stores_merchant_id"))

    op.drop_table("va_merchant_stores")
    op.drop_table("va_merchant_products")
    with op.batch_alter_table("va_issue_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_va_issue_rules_insurer_code"))
        batch_op.drop_index(batch_op.f("ix_va_issue_rules_billed_org_id"))

    op.drop_table("va_issue_rules")
    with op.batch_alter_table("va_order_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_va_order_links_module"))
        batch_op.drop_index(batch_op.f("ix_va_order_links_customer_org_id"))

    op.drop_table("va_order_links")
    op.drop_table("va_number_counters")
    op.drop_table("va_merchants")
    with op.batch_alter_table("va_coupon_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_va_coupon_products_owner_org_id"))

    op.drop_table("va_coupon_products")
