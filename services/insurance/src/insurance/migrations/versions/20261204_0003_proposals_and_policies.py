"""proposals and policies

Revision ID: insurance_0003
Revises: insurance_0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "insurance_0003"
down_revision = "insurance_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "number_counters",
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_number_counters")),
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("proposal_no", sa.String(length=24), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=True),
        sa.Column("insurer_code", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("unconverted_reason", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_no", sa.String(length=64), nullable=True),
        sa.Column("promoter_subject", sa.String(length=64), nullable=True),
        sa.Column("premium_fen", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_proposals_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_proposals_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
        sa.UniqueConstraint("proposal_no", name=op.f("uq_proposals_proposal_no")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposals_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_proposals_org_status_created", ["org_id", "status", "created_at"], unique=False
        )
        batch_op.create_index("ix_proposals_vehicle_id", ["vehicle_id"], unique=False)

    op.create_table(
        "policies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("policy_no", sa.String(length=64), nullable=False),
        sa.Column("insurer_code", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.String(length=16), nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=True),
        sa.Column("proposal_id", sa.Uuid(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("sign_date", sa.Date(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("premium_fen", sa.BigInteger(), nullable=False),
        sa.Column(
            "items",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("promoter_subject", sa.String(length=64), nullable=True),
        sa.Column("renews_policy_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_policies_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_policies_proposal_id_proposals")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_policies_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
        sa.UniqueConstraint("insurer_code", "policy_no", name="uq_policies_insurer_policy_no"),
    )
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policies_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_policies_org_sign_date", ["org_id", "sign_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_policies_policy_no"), ["policy_no"], unique=False)
        batch_op.create_index("ix_policies_vehicle_line", ["vehicle_id", "line"], unique=False)

    op.create_table(
        "proposal_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.String(length=16), nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "items",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("premium_fen", sa.BigInteger(), nullable=True),
        sa.Column("policy_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_proposal_lines_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_lines")),
        sa.UniqueConstraint("proposal_id", "line", name="uq_proposal_lines_line"),
    )
    with op.batch_alter_table("proposal_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_lines_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "proposal_steps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=120), nullable=False),
        sa.Column("by_name", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_proposal_steps_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_steps")),
    )
    with op.batch_alter_table("proposal_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_steps_at"), ["at"], unique=False)
        batch_op.create_index("ix_proposal_steps_proposal_seq", ["proposal_id", "seq"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("proposal_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_steps_proposal_seq")
        batch_op.drop_index(batch_op.f("ix_proposal_steps_at"))

    op.drop_table("proposal_steps")
    with op.batch_alter_table("proposal_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_lines_proposal_id"))

    op.drop_table("proposal_lines")
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_index("ix_policies_vehicle_line")
        batch_op.drop_index(batch_op.f("ix_policies_policy_no"))
        batch_op.drop_index("ix_policies_org_sign_date")
        batch_op.drop_index(batch_op.f("ix_policies_org_id"))

    op.drop_table("policies")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_proposals_vehicle_id")
        batch_op.drop_index("ix_proposals_org_status_created")
        batch_op.drop_index(batch_op.f("ix_proposals_org_id"))
        batch_op.drop_index(batch_op.f("ix_proposals_customer_id"))

    op.drop_table("proposals")
    op.drop_table("number_counters")
