"""security: token versions for revocation everywhere, and signing keys stored wrapped

Users and clients get `token_version` (every access token carries it as claim `tv`; a token with a lower `tv` is
revoked) and `tokens_revoked_at` (when it was last raised: the gateway publishes the subjects revoked within the
longest token lifetime to the services, GET /api/v1/auth/revocations). Existing rows: version 0, which the tokens
issued before this revision (no `tv`) count as; a user or client already disabled gets version 1 and its
disabled time as `tokens_revoked_at`, so its live tokens are refused everywhere from the first poll on.

Signing keys: `wrapped_private_key` holds the private key encrypted with the key-encryption key from configuration
(GATEWAY_KEY_ENCRYPTION_KEY, AES-256-GCM, the kid as associated data); `private_key_pem` becomes nullable and a
check keeps exactly one of the two set. This migration needs no secret: the gateway wraps any key still in plain
PEM at start-up (gateway.keys.service.KeyStore.ensure_and_load), in one transaction, and clears the PEM.

Downgrade: the older code reads only plain PEM and this migration has no key-encryption key to unwrap with, so
wrapped keys are deleted; the older gateway makes a new signing key when it starts and tokens signed by the
deleted keys stop verifying (users log in again).

Revision ID: g0003
Revises: g0002
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "g0003"
down_revision = "g0002"
branch_labels = None
depends_on = None

ACCOUNT_TABLES = ("user_account", "integration_client")


def upgrade() -> None:
    for table in ACCOUNT_TABLES:
        op.add_column(
            table,
            sa.Column(
                "token_version",
                sa.Integer(),
                nullable=False,
                server_default="0",
                comment="access tokens with a lower claim tv are revoked",
            ),
        )
        op.add_column(
            table,
            sa.Column(
                "tokens_revoked_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="when token_version was last raised",
            ),
        )
        accounts = sa.table(
            table,
            sa.column("token_version", sa.Integer()),
            sa.column("tokens_revoked_at", sa.DateTime(timezone=True)),
            sa.column("disabled_at", sa.DateTime(timezone=True)),
        )
        op.execute(
            accounts.update()
            .where(accounts.c.disabled_at.is_not(None))
            .values(token_version=1, tokens_revoked_at=accounts.c.disabled_at)
        )
        op.create_index(f"ix_{table}_tokens_revoked_at", table, ["tokens_revoked_at"])
    op.add_column(
        "signing_key",
        sa.Column(
            "wrapped_private_key",
            sa.Text(),
            nullable=True,
            comment="private key encrypted with the key-encryption key (AES-256-GCM, kid as associated data)",
        ),
    )
    op.alter_column("signing_key", "private_key_pem", existing_type=sa.Text(), nullable=True)
    op.create_check_constraint(
        op.f("ck_signing_key_one_private_key_form"),
        "signing_key",
        "num_nonnulls(private_key_pem, wrapped_private_key) = 1",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_signing_key_one_private_key_form"), "signing_key", type_="check")
    op.execute("DELETE FROM signing_key WHERE private_key_pem IS NULL")
    op.alter_column("signing_key", "private_key_pem", existing_type=sa.Text(), nullable=False)
    op.drop_column("signing_key", "wrapped_private_key")
    for table in reversed(ACCOUNT_TABLES):
        op.drop_index(f"ix_{table}_tokens_revoked_at", table_name=table)
        op.drop_column(table, "tokens_revoked_at")
        op.drop_column(table, "token_version")
