"""techservices: technical-service contracts (versioned) with their payees and rates, the
imported service orders they cover, and the payees' payable orders asked for them

Revision ID: valueadd_techservices_0001
Revises: valueadd_0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from servicekit.db import UtcDateTime

revision = "valueadd_techservices_0001"
down_revision = "valueadd_0001"
branch_labels = ("valueadd_techservices",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "va_tech_contracts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("contract_no", sa.String(length=30), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("customer_org_id", sa.Uuid(), nullable=False),
        sa.Column("customer_name", sa.String(length=100), nullable=False),
        sa.Column("service_type", sa.String(length=20), nullable=False),
        sa.Column("order_source", sa.String(length=40), nullable=False),
        sa.Column("payout_mode", sa.String(length=20), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_tech_contracts")),
        sa.UniqueConstraint(
            "org_id", "contract_no", "version", name="uq_va_tech_contracts_version"
        ),
    )
    op.create_index(op.f("ix_va_tech_contracts_org_id"), "va_tech_contracts", ["org_id"])
    op.create_index(
        op.f("ix_va_tech_contracts_customer_org_id"), "va_tech_contracts", ["customer_org_id"]
    )
    op.create_table(
        "va_tech_contract_payees",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("rate_kind", sa.String(length=10), nullable=False),
        sa.Column("share_bp", sa.Integer(), nullable=True),
        sa.Column("fixed_fen", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["va_tech_contracts.id"],
            ondelete="CASCADE",
            name=op.f("fk_va_tech_contract_payees_contract_id_va_tech_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_tech_contract_payees")),
        sa.UniqueConstraint("contract_id", "subject", name="uq_va_tech_contract_payees_subject"),
    )
    op.create_index(
        op.f("ix_va_tech_contract_payees_contract_id"), "va_tech_contract_payees", ["contract_id"]
    )
    op.create_table(
        "va_tech_service_orders",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("contract_no", sa.String(length=30), nullable=False),
        sa.Column("customer_org_id", sa.Uuid(), nullable=False),
        sa.Column("source_service", sa.String(length=40), nullable=False),
        sa.Column("source_ref", sa.String(length=120), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("sign_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("payouts_requested_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["va_tech_contracts.id"],
            name=op.f("fk_va_tech_service_orders_contract_id_va_tech_contracts"),
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_va_tech_service_orders")),
        sa.UniqueConstraint("order_no", name=op.f("uq_va_tech_service_orders_order_no")),
    )
    op.create_index(op.f("ix_va_tech_service_orders_org_id"), "va_tech_service_orders", ["org_id"])
    op.create_index(
        op.f("ix_va_tech_service_orders_customer_org_id"),
        "va_tech_service_orders",
        ["customer_org_id"],
    )
    op.create_table(
        "va_tech_payouts",
        sa.Column("source_ref", sa.String(length=120), nullable=False),
        sa.Column("service_order_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("payee_kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("payout_mode", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("credited_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_order_id"],
            ["va_tech_service_orders.order_id"],
            name=op.f("fk_va_tech_payouts_service_order_id_va_tech_service_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["va_tech_contracts.id"],
            name=op.f("fk_va_tech_payouts_contract_id_va_tech_contracts"),
        ),
        sa.PrimaryKeyConstraint("source_ref", name=op.f("pk_va_tech_payouts")),
    )
    op.create_index(
        op.f("ix_va_tech_payouts_service_order_id"), "va_tech_payouts", ["service_order_id"]
    )
    op.create_index(op.f("ix_va_tech_payouts_org_id"), "va_tech_payouts", ["org_id"])
    op.create_index(op.f("ix_va_tech_payouts_subject"), "va_tech_payouts", ["subject"])


def downgrade() -> None:
    op.drop_table("va_tech_payouts")
    op.drop_table("va_tech_service_orders")
    op.drop_table("va_tech_contract_payees")
    op.drop_table("va_tech_contracts")
