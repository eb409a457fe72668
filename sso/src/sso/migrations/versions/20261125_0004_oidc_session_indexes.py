"""sso: indexes for logout and purge — the refresh tokens and codes of a browser session
(logout revokes them), and expiry of codes and sessions (purge-tokens deletes the expired).

Revision ID: sso_0004
Revises: sso_0003
Create Date: 2026-11-25

Hand-written; runs on PostgreSQL and SQLite (batch mode there).
"""

from alembic import op

revision = "sso_0004"
down_revision = "sso_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oidc_refresh_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oidc_refresh_tokens_session_id"), ["session_id"], unique=False
        )
    with op.batch_alter_table("oidc_authorization_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oidc_authorization_codes_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_oidc_authorization_codes_expires_at"), ["expires_at"], unique=False
        )
    with op.batch_alter_table("oidc_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oidc_sessions_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("oidc_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_sessions_expires_at"))
    with op.batch_alter_table("oidc_authorization_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_authorization_codes_expires_at"))
        batch_op.drop_index(batch_op.f("ix_oidc_authorization_codes_session_id"))
    with op.batch_alter_table("oidc_refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_refresh_tokens_session_id"))
