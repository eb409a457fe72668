"""invoices: applications, blue and red-letter invoices with their order shares, buyers

Settlement items gain invoice_pending_fen and invoiced_fen: the un-invoiced remainder of an
order (amount − pending − invoiced) is checked under the item's row lock.

Revision ID: finance_inv_0002
Revises: finance_inv_0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "finance_inv_0002"
down_revision = "finance_inv_0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("settlement_items") as batch_op:
        batch_op.add_column(
            sa.Column("invoice_pending_fen", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("invoiced_fen", sa.BigInteger(), server_default="0", nullable=False)
        )
    op.create_table(
        "invoice_buyers",
        sa.Column("customer_org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("tax_id", sa.String(20), nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("bank_account", sa.String(300), nullable=True),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("customer_org_id", name=op.f("pk_invoice_buyers")),
    )
    op.create_table(
        "invoice_number_counters",
        sa.Column("day", sa.String(8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_invoice_number_counters")),
    )
    op.create_table(
        "invoice_applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_no", sa.String(20), nullable=False),
        sa.Column("legal_entity", sa.String(24), nullable=False),
        sa.Column("customer_org_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_type", sa.String(16), nullable=False),
        sa.Column("buyer_name", sa.String(200), nullable=True),
        sa.Column("buyer_tax_id", sa.String(20), nullable=True),
        sa.Column("buyer_address", sa.String(300), nullable=True),
        sa.Column("buyer_bank_account", sa.String(300), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("tax_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.String(300), nullable=True),
        sa.Column("settlement_list_id", sa.Uuid(), nullable=True),
        sa.Column("applied_by", sa.String(120), nullable=False),
        sa.Column("applied_at", _TS, nullable=False),
        sa.Column("decided_by", sa.String(120), nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("decision_reason", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_applications")),
        sa.UniqueConstraint("application_no", name=op.f("uq_invoice_applications_application_no")),
        sa.UniqueConstraint(
            "settlement_list_id", name=op.f("uq_invoice_applications_settlement_list_id")
        ),
    )
    op.create_index(
        "ix_invoice_applications_org_applied",
        "invoice_applications",
        ["customer_org_id", "applied_at"],
    )
    op.create_table(
        "invoice_application_lines",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("tax_code", sa.String(19), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("tax_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["invoice_applications.id"],
            name=op.f("fk_invoice_application_lines_application_id_invoice_applications"),
        ),
        sa.PrimaryKeyConstraint(
            "application_id", "line_no", name=op.f("pk_invoice_application_lines")
        ),
    )
    op.create_index(
        op.f("ix_invoice_application_lines_order_id"), "invoice_application_lines", ["order_id"]
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_no", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("original_invoice_id", sa.Uuid(), nullable=True),
        sa.Column("legal_entity", sa.String(24), nullable=False),
        sa.Column("customer_org_id", sa.Uuid(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("tax_fen", sa.BigInteger(), nullable=False),
        sa.Column("reversed_fen", sa.BigInteger(), nullable=False),
        sa.Column("reversed_tax_fen", sa.BigInteger(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(24), nullable=True),
        sa.Column("note", sa.String(300), nullable=True),
        sa.Column("journal_entry_id", sa.Uuid(), nullable=False),
        sa.Column("issued_by", sa.String(120), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["invoice_applications.id"],
            name=op.f("fk_invoices_application_id_invoice_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["original_invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoices_original_invoice_id_invoices"),
        ),
        sa.CheckConstraint(
            "reversed_fen >= 0 AND reversed_fen <= amount_fen",
            name=op.f("ck_invoices_red_within_blue"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("invoice_no", name=op.f("uq_invoices_invoice_no")),
    )
    op.create_index(op.f("ix_invoices_application_id"), "invoices", ["application_id"])
    op.create_index(op.f("ix_invoices_original_invoice_id"), "invoices", ["original_invoice_id"])
    op.create_index("ix_invoices_org_issue_date", "invoices", ["customer_org_id", "issue_date"])
    op.create_table(
        "invoice_shares",
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("tax_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_shares_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("invoice_id", "order_id", name=op.f("pk_invoice_shares")),
    )
    op.create_index(op.f("ix_invoice_shares_order_id"), "invoice_shares", ["order_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_invoice_shares_order_id"), table_name="invoice_shares")
    op.drop_table("invoice_shares")
    op.drop_index("ix_invoices_org_issue_date", table_name="invoices")
    op.drop_index(op.f("ix_invoices_original_invoice_id"), table_name="invoices")
    op.drop_index(op.f("ix_invoices_application_id"), table_name="invoices")
    op.drop_table("invoices")
    op.drop_index(
        op.f("ix_invoice_application_lines_order_id"), table_name="invoice_application_lines"
    )
    op.drop_table("invoice_application_lines")
    op.drop_index("ix_invoice_applications_org_applied", table_name="invoice_applications")
    op.drop_table("invoice_applications")
    op.drop_table("invoice_number_counters")
    op.drop_table("invoice_buyers")
    with op.batch_alter_table("settlement_items") as batch_op:
        batch_op.drop_column("invoiced_fen")
        batch_op.drop_column("invoice_pending_fen")
