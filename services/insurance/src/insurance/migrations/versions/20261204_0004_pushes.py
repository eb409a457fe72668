"""pushes

Revision ID: insurance_0004
Revises: insurance_0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "insurance_0004"
down_revision = "insurance_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_receivers",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("entitled", sa.Boolean(), nullable=False),
        sa.Column("entitlement_version", sa.Integer(), nullable=False),
        sa.Column("capacity_per_run", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_push_receivers")),
    )
    op.create_table(
        "push_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("rule_code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_prefix", sa.String(length=6), nullable=False),
        sa.Column("insurer_code", sa.String(length=32), nullable=True),
        sa.Column("line", sa.String(length=16), nullable=False),
        sa.Column("open_days", sa.Integer(), nullable=False),
        sa.Column("close_days", sa.Integer(), nullable=False),
        sa.Column("receiver_org_id", sa.Uuid(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_rules")),
        sa.UniqueConstraint("rule_code", "version", name="uq_push_rules_code_version"),
    )
    with op.batch_alter_table("push_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_push_rules_rule_code"), ["rule_code"], unique=False)

    op.create_table(
        "push_tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_no", sa.String(length=24), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("selected", sa.Integer(), nullable=False),
        sa.Column("pushed", sa.Integer(), nullable=False),
        sa.Column("already_pushed", sa.Integer(), nullable=False),
        sa.Column("no_receiver", sa.Integer(), nullable=False),
        sa.Column("proposals", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_tasks")),
        sa.UniqueConstraint("task_no", name=op.f("uq_push_tasks_task_no")),
    )
    with op.batch_alter_table("push_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_push_tasks_as_of"), ["as_of"], unique=False)

    op.create_table(
        "push_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("bundle_key", sa.String(length=120), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("source_org_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.String(length=16), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("insurer_code", sa.String(length=32), nullable=True),
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("rule_code", sa.String(length=40), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("receiver_org_id", sa.Uuid(), nullable=False),
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_push_records_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_push_records_proposal_id_proposals")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["push_rules.id"], name=op.f("fk_push_records_rule_id_push_rules")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["push_tasks.id"], name=op.f("fk_push_records_task_id_push_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_push_records_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_records")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_push_records_idempotency_key")),
    )
    with op.batch_alter_table("push_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_push_records_bundle_key"), ["bundle_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_push_records_proposal_id"), ["proposal_id"], unique=False
        )
        batch_op.create_index(
            "ix_push_records_receiver_pushed_at", ["receiver_org_id", "pushed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_push_records_task_id"), ["task_id"], unique=False)
        batch_op.create_index("ix_push_records_vehicle_line", ["vehicle_id", "line"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("push_records", schema=None) as batch_op:
        batch_op.drop_index("ix_push_records_vehicle_line")
        batch_op.drop_index(batch_op.f("ix_push_records_task_id"))
        batch_op.drop_index("ix_push_records_receiver_pushed_at")
        batch_op.drop_index(batch_op.f("ix_push_records_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_push_records_bundle_key"))

    op.drop_table("push_records")
    with op.batch_alter_table("push_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_tasks_as_of"))

    op.drop_table("push_tasks")
    with op.batch_alter_table("push_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_rules_rule_code"))

    op.drop_table("push_rules")
    op.drop_table("push_receivers")
