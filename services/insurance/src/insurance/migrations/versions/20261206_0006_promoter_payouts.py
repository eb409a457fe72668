"""promoter payouts: agencies' promoter terms and the payout on the deal

Revision ID: insurance_0006
Revises: insurance_0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "insurance_0006"
down_revision = "insurance_0005"
branch_labels = None
depends_on = None

_DEAL_COLUMNS = (
    ("promoter_subject", sa.String(length=120)),
    ("payout_mode", sa.String(length=16)),
    ("payout_share_bp", sa.Integer()),
    ("payout_fen", sa.BigInteger()),
    ("payout_status", sa.String(length=16)),
    ("payout_order_id", sa.Uuid()),
    ("payout_order_no", sa.String(length=32)),
    ("payout_order_status", sa.String(length=24)),
    ("payout_reject_reason", sa.String(length=500)),
    ("payout_requested_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "promoter_terms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("share_bp", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promoter_terms")),
    )
    with op.batch_alter_table("promoter_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_promoter_terms_org_id"), ["org_id"], unique=False)
    with op.batch_alter_table("deals", schema=None) as batch_op:
        for name, type_ in _DEAL_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.create_index(
            batch_op.f("ix_deals_payout_order_id"), ["payout_order_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deals_payout_order_id"))
        for name, _ in reversed(_DEAL_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("promoter_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_promoter_terms_org_id"))
    op.drop_table("promoter_terms")
