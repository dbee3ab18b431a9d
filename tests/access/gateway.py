"""The gateway's own access policy, operation by operation (checked by tests/access/test_gateway.py): log-in, the
caller's own account, and the admin API. The services' operations it routes are in their own tables.

Rows as in tests/access/registry.py. A token is not enough at the gateway: its subject must be an active user or
client (every matrix caller is one)."""

from tests.access.matrix import ANYONE, CLIENTS, HEALTH_AND_DOCS, PUBLIC, SERVICE, Rule

SIGNED_IN = Rule(who=ANYONE, scope=None)
"""Any active user or client."""
USERS_ONLY = Rule(who=ANYONE, scope=None, refused=dict.fromkeys(CLIENTS, 403))
"""Only staff users have passwords: a client's token is refused."""
ADMIN = Rule(who=ANYONE, scope="admin")
"""The admin scope: admins of any department, a township's too (doubt reported: see tests/access/README.md)."""
AUDIT = Rule(who=ANYONE, scope="audit:read")
SERVICES_ONLY = Rule(who={SERVICE}, scope=None)
"""The platform's own services' clients (role `service`), whatever their scopes."""

U = "/api/v1/admin/users"
C = "/api/v1/admin/clients"

TABLE = {
    **HEALTH_AND_DOCS,
    ("GET", "/.well-known/jwks.json"): PUBLIC,
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("POST", "/api/v1/auth/revoke"): SIGNED_IN,
    ("GET", "/api/v1/auth/me"): SIGNED_IN,
    ("POST", "/api/v1/auth/password"): USERS_ONLY,
    ("GET", "/api/v1/auth/reference"): SIGNED_IN,
    # Who was revoked lately (subject ids and token versions): what each service polls to refuse revoked tokens.
    ("GET", "/api/v1/auth/revocations"): SERVICES_ONLY,
    ("GET", U): ADMIN,
    ("POST", U): ADMIN,
    ("GET", U + "/{user_id}"): ADMIN,
    ("PATCH", U + "/{user_id}"): ADMIN,
    ("POST", U + "/{user_id}/disable"): ADMIN,
    ("POST", U + "/{user_id}/enable"): ADMIN,
    ("POST", U + "/{user_id}/reset-password"): ADMIN,
    ("GET", C): ADMIN,
    ("POST", C): ADMIN,
    ("GET", C + "/{client_uuid}"): ADMIN,
    ("POST", C + "/{client_uuid}/disable"): ADMIN,
    ("POST", C + "/{client_uuid}/enable"): ADMIN,
    ("POST", C + "/{client_uuid}/rotate-secret"): ADMIN,
    ("GET", "/api/v1/admin/keys"): ADMIN,
    ("POST", "/api/v1/admin/keys/rotate"): ADMIN,
    ("GET", "/api/v1/admin/auth-events"): AUDIT,
}
