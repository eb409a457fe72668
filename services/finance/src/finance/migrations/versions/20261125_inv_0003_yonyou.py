"""yonyou: voucher export batches and exported entries, partner codes, imported settlements

Revision ID: finance_inv_0003
Revises: finance_inv_0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "finance_inv_0003"
down_revision = "finance_inv_0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "yonyou_export_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("legal_entity", sa.String(24), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=True),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("voucher_types", sa.String(8), nullable=False),
        sa.Column("voucher_count", sa.Integer(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("debit_total_fen", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_yonyou_export_batches")),
    )
    op.create_table(
        "yonyou_exported_entries",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("voucher_type", sa.String(2), nullable=False),
        sa.Column("voucher_no", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_yonyou_exported_entries_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["yonyou_export_batches.id"],
            name=op.f("fk_yonyou_exported_entries_batch_id_yonyou_export_batches"),
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_yonyou_exported_entries")),
    )
    op.create_index(
        op.f("ix_yonyou_exported_entries_batch_id"), "yonyou_exported_entries", ["batch_id"]
    )
    op.create_table(
        "yonyou_partner_codes",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(20), nullable=True),
        sa.Column("supplier_code", sa.String(20), nullable=True),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_yonyou_partner_codes")),
    )
    op.create_index(
        op.f("ix_yonyou_partner_codes_customer_code"), "yonyou_partner_codes", ["customer_code"]
    )
    op.create_index(
        op.f("ix_yonyou_partner_codes_supplier_code"), "yonyou_partner_codes", ["supplier_code"]
    )
    op.create_table(
        "yonyou_settlements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("legal_entity", sa.String(24), nullable=False),
        sa.Column("side", sa.String(12), nullable=False),
        sa.Column("doc_no", sa.String(40), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=False),
        sa.Column("partner_code", sa.String(20), nullable=False),
        sa.Column("counterparty_org_id", sa.Uuid(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("memo", sa.String(200), nullable=True),
        sa.Column("imported_by", sa.String(120), nullable=False),
        sa.Column("imported_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_yonyou_settlements")),
        sa.UniqueConstraint("legal_entity", "side", "doc_no", name="uq_yonyou_settlements_doc"),
    )
    op.create_index(
        op.f("ix_yonyou_settlements_counterparty_org_id"),
        "yonyou_settlements",
        ["counterparty_org_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_yonyou_settlements_counterparty_org_id"), table_name="yonyou_settlements"
    )
    op.drop_table("yonyou_settlements")
    op.drop_index(op.f("ix_yonyou_partner_codes_supplier_code"), table_name="yonyou_partner_codes")
    op.drop_index(op.f("ix_yonyou_partner_codes_customer_code"), table_name="yonyou_partner_codes")
    op.drop_table("yonyou_partner_codes")
    op.drop_index(op.f("ix_yonyou_exported_entries_batch_id"), table_name="yonyou_exported_entries")
    op.drop_table("yonyou_exported_entries")
    op.drop_table("yonyou_export_batches")
