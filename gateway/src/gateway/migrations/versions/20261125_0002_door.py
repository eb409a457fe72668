"""gateway: internal signing keys, browser sessions, login requests, entitlement versions.

Revision ID: gateway_0002
Revises: gateway_0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from servicekit.db import UtcDateTime

revision = "gateway_0002"
down_revision = "gateway_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "internal_signing_keys",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("private_key_encrypted", sa.Text(), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("rotated_at", UtcDateTime(), nullable=True),
        sa.UniqueConstraint("kid", name="uq_internal_signing_keys_kid"),
    )
    op.create_index("ix_internal_signing_keys_status", "internal_signing_keys", ["status"])
    op.create_table(
        "login_requests",
        sa.Column("state", sa.String(64), primary_key=True),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("return_to", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_login_requests_expires_at", "login_requests", ["expires_at"])
    op.create_table(
        "browser_sessions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("sso_session_id", sa.String(64), nullable=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("refresh_token_encrypted", sa.Text(), nullable=True),
        sa.Column("id_token_encrypted", sa.Text(), nullable=True),
        sa.Column("user_agent", sa.String(300), nullable=True),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_browser_sessions_token_hash"),
    )
    op.create_index("ix_browser_sessions_subject", "browser_sessions", ["subject"])
    op.create_index("ix_browser_sessions_expires_at", "browser_sessions", ["expires_at"])
    op.create_table(
        "entitlement_versions",
        sa.Column("org_id", sa.Uuid(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("entries", sa.String(200), nullable=False),
        sa.Column("changed_by", sa.String(120), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_entitlement_versions_recorded_at", "entitlement_versions", ["recorded_at"])


def downgrade() -> None:
    op.drop_table("entitlement_versions")
    op.drop_table("browser_sessions")
    op.drop_table("login_requests")
    op.drop_table("internal_signing_keys")
