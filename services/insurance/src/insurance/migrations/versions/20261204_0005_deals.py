"""deals

Revision ID: insurance_0005
Revises: insurance_0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "insurance_0005"
down_revision = "insurance_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_cards",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("insurer_code", sa.String(length=32), nullable=False),
        sa.Column("region_prefix", sa.String(length=6), nullable=False),
        sa.Column("line", sa.String(length=16), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_cards")),
    )
    op.create_table(
        "deals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("deal_no", sa.String(length=24), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("proposal_id", sa.Uuid(), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("sign_date", sa.Date(), nullable=False),
        sa.Column("premium_fen", sa.BigInteger(), nullable=False),
        sa.Column("rate_card_id", sa.Uuid(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("order_no", sa.String(length=32), nullable=True),
        sa.Column("order_status", sa.String(length=24), nullable=True),
        sa.Column("reject_code", sa.String(length=64), nullable=True),
        sa.Column("reject_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["policies.id"], name=op.f("fk_deals_policy_id_policies")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_deals_proposal_id_proposals")
        ),
        sa.ForeignKeyConstraint(
            ["rate_card_id"], ["rate_cards.id"], name=op.f("fk_deals_rate_card_id_rate_cards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deals")),
        sa.UniqueConstraint("deal_no", name=op.f("uq_deals_deal_no")),
        sa.UniqueConstraint("policy_id", name=op.f("uq_deals_policy_id")),
    )
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deals_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deals_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deals_sign_date"), ["sign_date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deals_sign_date"))
        batch_op.drop_index(batch_op.f("ix_deals_org_id"))
        batch_op.drop_index(batch_op.f("ix_deals_order_id"))

    op.drop_table("deals")
    op.drop_table("rate_cards")
