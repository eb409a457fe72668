"""customers and vehicles

Revision ID: insurance_0002
Revises: insurance_0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "insurance_0002"
down_revision = "insurance_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id_number", sa.String(length=32), nullable=True),
        sa.Column("mobile", sa.String(length=20), nullable=True),
        sa.Column("mobile_last4", sa.String(length=4), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customers_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_customers_org_mobile", ["org_id", "mobile"], unique=False)
        batch_op.create_index(
            "ix_customers_org_mobile_last4", ["org_id", "mobile_last4"], unique=False
        )
        batch_op.create_index("uq_customers_org_id_number", ["org_id", "id_number"], unique=True)

    op.create_table(
        "vehicles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=True),
        sa.Column("vin_checksum_ok", sa.Boolean(), nullable=True),
        sa.Column("plate_no", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("engine_no", sa.String(length=40), nullable=True),
        sa.Column("register_date", sa.Date(), nullable=True),
        sa.Column("use_nature", sa.String(length=32), nullable=True),
        sa.Column("brand_model", sa.String(length=120), nullable=True),
        sa.Column("commercial_expiry", sa.Date(), nullable=True),
        sa.Column("compulsory_expiry", sa.Date(), nullable=True),
        sa.Column("inspection_due", sa.Date(), nullable=True),
        sa.Column("maintenance_due", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["customers.id"], name=op.f("fk_vehicles_owner_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
    )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.create_index("ix_vehicles_commercial_expiry", ["commercial_expiry"], unique=False)
        batch_op.create_index("ix_vehicles_compulsory_expiry", ["compulsory_expiry"], unique=False)
        batch_op.create_index(batch_op.f("ix_vehicles_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_vehicles_org_plate_region", ["org_id", "plate_no", "region_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_vehicles_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_vehicles_plate_no", ["plate_no"], unique=False)
        batch_op.create_index(
            "uq_vehicles_org_vin",
            ["org_id", "vin"],
            unique=True,
            postgresql_where=sa.text("vin IS NOT NULL"),
            sqlite_where=sa.text("vin IS NOT NULL"),
        )

    op.create_table(
        "vehicle_owner_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("from_customer_id", sa.Uuid(), nullable=True),
        sa.Column("to_customer_id", sa.Uuid(), nullable=False),
        sa.Column("transfer_date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_customer_id"],
            ["customers.id"],
            name=op.f("fk_vehicle_owner_changes_from_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["to_customer_id"],
            ["customers.id"],
            name=op.f("fk_vehicle_owner_changes_to_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_vehicle_owner_changes_vehicle_id_vehicles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle_owner_changes")),
    )
    with op.batch_alter_table("vehicle_owner_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vehicle_owner_changes_vehicle_id"), ["vehicle_id"], unique=False
        )

    op.create_table(
        "vehicle_sources",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("source_ref", sa.String(length=120), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("collected_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_vehicle_sources_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle_sources")),
    )
    with op.batch_alter_table("vehicle_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vehicle_sources_vehicle_id"), ["vehicle_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("vehicle_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicle_sources_vehicle_id"))

    op.drop_table("vehicle_sources")
    with op.batch_alter_table("vehicle_owner_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicle_owner_changes_vehicle_id"))

    op.drop_table("vehicle_owner_changes")
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_vehicles_org_vin",
            postgresql_where=sa.text("vin IS NOT NULL"),
            sqlite_where=sa.text("vin IS NOT NULL"),
        )
        batch_op.drop_index("ix_vehicles_plate_no")
        batch_op.drop_index(batch_op.f("ix_vehicles_owner_id"))
        batch_op.drop_index("ix_vehicles_org_plate_region")
        batch_op.drop_index(batch_op.f("ix_vehicles_org_id"))
        batch_op.drop_index("ix_vehicles_compulsory_expiry")
        batch_op.drop_index("ix_vehicles_commercial_expiry")

    op.drop_table("vehicles")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("uq_customers_org_id_number")
        batch_op.drop_index("ix_customers_org_mobile_last4")
        batch_op.drop_index("ix_customers_org_mobile")
        batch_op.drop_index(batch_op.f("ix_customers_org_id"))

    op.drop_table("customers")
