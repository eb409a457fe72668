"""sso: institutions, function catalogue, packages and entitlements, clients, users and roles,
audit log, import runs.

Revision ID: sso_0002
Revises: sso_0001
Create Date: 2026-11-25

Runs on PostgreSQL and SQLite (batch mode there). The institution path is byte-ordered on
PostgreSQL (COLLATE "C") for its subtree range scans (ADR 0006).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "sso_0002"
down_revision = "sso_0001"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_PATH = sa.String(length=1000).with_variant(sa.String(length=1000, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("actor_institution_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.String(length=120), nullable=False),
        sa.Column("target_label", sa.String(length=200), nullable=True),
        sa.Column("institution_id", sa.Uuid(), nullable=True),
        sa.Column("before", _JSON, nullable=True),
        sa.Column("after", _JSON, nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_events_action_occurred_at", ["action", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_audit_events_actor_occurred_at", ["actor", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_audit_events_institution_id_occurred_at",
            ["institution_id", "occurred_at"],
            unique=False,
        )
        batch_op.create_index("ix_audit_events_occurred_at_id", ["occurred_at", "id"], unique=False)
        batch_op.create_index("ix_audit_events_target", ["target_type", "target_id"], unique=False)

    op.create_table(
        "catalogue_sources",
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_catalogue_sources")),
    )
    op.create_table(
        "entries",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("icon", sa.String(length=60), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_entries")),
    )
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("actor_institution_id", sa.Uuid(), nullable=True),
        sa.Column("columns", _JSON, nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_runs_actor"), ["actor"], unique=False)

    op.create_table(
        "institutions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("path", _PATH, nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=6), nullable=True),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["institutions.id"], name=op.f("fk_institutions_parent_id_institutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institutions")),
        sa.UniqueConstraint("code", name=op.f("uq_institutions_code")),
    )
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_institutions_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index("ix_institutions_path", ["path"], unique=False)

    op.create_table(
        "packages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("default_for_type", sa.String(length=24), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packages")),
        sa.UniqueConstraint("code", name=op.f("uq_packages_code")),
        sa.UniqueConstraint("default_for_type", name=op.f("uq_packages_default_for_type")),
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("redirect_uris", _JSON, nullable=False),
        sa.Column("allowed_origins", _JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_clients_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_clients_client_id")),
    )
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clients_institution_id"), ["institution_id"], unique=False
        )

    op.create_table(
        "functions",
        sa.Column("code", sa.String(length=120), nullable=False),
        sa.Column("entry_code", sa.String(length=40), nullable=False),
        sa.Column("parent_code", sa.String(length=120), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_code"], ["entries.code"], name=op.f("fk_functions_entry_code_entries")
        ),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["functions.code"], name=op.f("fk_functions_parent_code_functions")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_functions")),
    )
    with op.batch_alter_table("functions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_functions_entry_code"), ["entry_code"], unique=False)

    op.create_table(
        "import_rows",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=True),
        sa.Column("target_id", sa.Uuid(), nullable=True),
        sa.Column("values", _JSON, nullable=False),
        sa.Column("errors", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["import_runs.id"], name=op.f("fk_import_rows_run_id_import_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "row_no", name=op.f("pk_import_rows")),
    )
    op.create_table(
        "institution_entitlements",
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("package_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_institution_entitlements_institution_id_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["packages.id"],
            name=op.f("fk_institution_entitlements_package_id_packages"),
        ),
        sa.PrimaryKeyConstraint("institution_id", name=op.f("pk_institution_entitlements")),
    )
    with op.batch_alter_table("institution_entitlements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_institution_entitlements_package_id"), ["package_id"], unique=False
        )

    op.create_table(
        "package_entries",
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("entry_code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_code"], ["entries.code"], name=op.f("fk_package_entries_entry_code_entries")
        ),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_package_entries_package_id_packages")
        ),
        sa.PrimaryKeyConstraint("package_id", "entry_code", name=op.f("pk_package_entries")),
    )
    op.create_table(
        "roles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("platform_operator", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_roles_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint("institution_id", "code", name="uq_roles_institution_code"),
    )
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roles_institution_id"), ["institution_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("username_key", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_ref", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_users_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username_key", name=op.f("uq_users_username_key")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_users_institution_id"), ["institution_id"], unique=False
        )

    op.create_table(
        "institution_entries",
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("entry_code", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("target_url", sa.String(length=500), nullable=True),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_institution_entries_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["entry_code"], ["entries.code"], name=op.f("fk_institution_entries_entry_code_entries")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_institution_entries_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint(
            "institution_id", "entry_code", name=op.f("pk_institution_entries")
        ),
    )
    with op.batch_alter_table("institution_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_institution_entries_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "institution_functions",
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("function_code", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["function_code"],
            ["functions.code"],
            name=op.f("fk_institution_functions_function_code_functions"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_institution_functions_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint(
            "institution_id", "function_code", name=op.f("pk_institution_functions")
        ),
    )
    op.create_table(
        "package_functions",
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("function_code", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["function_code"],
            ["functions.code"],
            name=op.f("fk_package_functions_function_code_functions"),
        ),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_package_functions_package_id_packages")
        ),
        sa.PrimaryKeyConstraint("package_id", "function_code", name=op.f("pk_package_functions")),
    )
    op.create_table(
        "role_functions",
        sa.Column("role_id", sa.Uuid(), nullable=False),
        sa.Column("function_code", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["function_code"],
            ["functions.code"],
            name=op.f("fk_role_functions_function_code_functions"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_role_functions_role_id_roles")
        ),
        sa.PrimaryKeyConstraint("role_id", "function_code", name=op.f("pk_role_functions")),
    )
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_user_roles_role_id_roles")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_roles_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "role_id", name=op.f("pk_user_roles")),
    )
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_roles_role_id"), ["role_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_roles_role_id"))

    op.drop_table("user_roles")
    op.drop_table("role_functions")
    op.drop_table("package_functions")
    op.drop_table("institution_functions")
    with op.batch_alter_table("institution_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_institution_entries_client_id"))

    op.drop_table("institution_entries")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_institution_id"))
        batch_op.drop_index(batch_op.f("ix_users_created_at"))

    op.drop_table("users")
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roles_institution_id"))

    op.drop_table("roles")
    op.drop_table("package_entries")
    with op.batch_alter_table("institution_entitlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_institution_entitlements_package_id"))

    op.drop_table("institution_entitlements")
    op.drop_table("import_rows")
    with op.batch_alter_table("functions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_functions_entry_code"))

    op.drop_table("functions")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clients_institution_id"))

    op.drop_table("clients")
    op.drop_table("packages")
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_index("ix_institutions_path")
        batch_op.drop_index(batch_op.f("ix_institutions_parent_id"))

    op.drop_table("institutions")
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_runs_actor"))

    op.drop_table("import_runs")
    op.drop_table("entries")
    op.drop_table("catalogue_sources")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_target")
        batch_op.drop_index("ix_audit_events_occurred_at_id")
        batch_op.drop_index("ix_audit_events_institution_id_occurred_at")
        batch_op.drop_index("ix_audit_events_actor_occurred_at")
        batch_op.drop_index("ix_audit_events_action_occurred_at")

    op.drop_table("audit_events")
