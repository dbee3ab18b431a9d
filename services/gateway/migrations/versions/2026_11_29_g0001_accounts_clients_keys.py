"""accounts, integration clients, refresh tokens, signing keys and auth events

Revision ID: g0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared import migration_kit_v3 as kit3

revision = "g0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_account",
        *kit3.uuid_key("user_account"),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("roles", postgresql.ARRAY(sa.String(32)), nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("jurisdiction", sa.String(40), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
        *kit3.versioned("1"),
        sa.UniqueConstraint("username", name="uq_user_account_username"),
        sa.CheckConstraint(
            "(department = 'township') = (jurisdiction IS NOT NULL)", name="ck_user_account_township_has_jurisdiction"
        ),
    )
    op.create_table(
        "integration_client",
        *kit3.uuid_key("integration_client"),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("secret_hash", sa.String(255), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(40)), nullable=False),
        sa.Column("department", sa.String(40), nullable=True),
        sa.Column("jurisdiction", sa.String(40), nullable=True),
        sa.Column("is_service", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        *kit3.versioned("1"),
        sa.UniqueConstraint("client_id", name="uq_integration_client_client_id"),
    )
    op.create_table(
        "refresh_token",
        *kit3.uuid_key("refresh_token"),
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_refresh_token_user_id_user_account", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("token_digest", name="uq_refresh_token_token_digest"),
    )
    kit3.create_column_indexes("refresh_token", "family_id", "user_id")
    op.create_table(
        "signing_key",
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name="pk_signing_key"),
    )
    op.create_table(
        "auth_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(80), nullable=True),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("actor", sa.String(80), nullable=True),
        sa.Column("client_ip", sa.String(64), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("detail", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_auth_event"),
    )
    kit3.create_column_indexes("auth_event", "at", "kind", "subject")
    # The log of log-ins is evidence: the database itself refuses to change or delete it.
    op.execute(
        """
        CREATE FUNCTION auth_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'auth_event is append-only';
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER auth_event_no_update_delete BEFORE UPDATE OR DELETE ON auth_event
            FOR EACH ROW EXECUTE FUNCTION auth_event_append_only()
        """
    )


def downgrade() -> None:
    kit3.drop_tables("auth_event", "signing_key", "refresh_token", "integration_client", "user_account")
    kit3.drop_functions("auth_event_append_only")
