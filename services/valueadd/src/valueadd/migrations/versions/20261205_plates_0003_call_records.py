"""plates: the insurers' rate cards and the provider's call records (once per session id)

Revision ID: valueadd_plates_0003
Revises: valueadd_plates_0002
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from servicekit.db import UtcDateTime

revision = "valueadd_plates_0003"
down_revision = "valueadd_plates_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "va_plate_rate_cards",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("insurer_org_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("free_seconds", sa.Integer(), nullable=False),
        sa.Column("unit_seconds", sa.Integer(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "free_seconds >= 0 AND unit_seconds > 0 AND unit_price_fen >= 0",
            name=op.f("ck_va_plate_rate_cards_terms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_plate_rate_cards")),
        sa.UniqueConstraint(
            "org_id", "insurer_org_id", "version", name="uq_va_plate_rate_cards_version"
        ),
    )
    op.create_index(op.f("ix_va_plate_rate_cards_org_id"), "va_plate_rate_cards", ["org_id"])
    op.create_index(
        op.f("ix_va_plate_rate_cards_insurer_org_id"), "va_plate_rate_cards", ["insurer_org_id"]
    )
    op.create_table(
        "va_plate_call_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=30), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("binding_id", sa.String(length=64), nullable=False),
        sa.Column("plate_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("insurer_org_id", sa.Uuid(), nullable=True),
        sa.Column("caller_number", sa.String(length=20), nullable=False),
        sa.Column("virtual_number", sa.String(length=20), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("billable_seconds", sa.Integer(), nullable=False),
        sa.Column("fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("rate_card_id", sa.Uuid(), nullable=True),
        sa.Column("received_by", sa.String(length=120), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "duration_seconds >= 0 AND billable_seconds >= 0",
            name=op.f("ck_va_plate_call_records_seconds"),
        ),
        sa.CheckConstraint("fee_fen >= 0", name=op.f("ck_va_plate_call_records_fee")),
        sa.ForeignKeyConstraint(
            ["plate_id"], ["va_plates.id"], name=op.f("fk_va_plate_call_records_plate_id_va_plates")
        ),
        sa.ForeignKeyConstraint(
            ["rate_card_id"],
            ["va_plate_rate_cards.id"],
            name=op.f("fk_va_plate_call_records_rate_card_id_va_plate_rate_cards"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_plate_call_records")),
        sa.UniqueConstraint("provider", "session_id", name="uq_va_plate_call_records_session"),
    )
    for column in ("plate_id", "org_id", "insurer_org_id", "started_at"):
        op.create_index(
            op.f(f"ix_va_plate_call_records_{column}"), "va_plate_call_records", [column]
        )


def downgrade() -> None:
    op.drop_table("va_plate_call_records")
    op.drop_table("va_plate_rate_cards")
