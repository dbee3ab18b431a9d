from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TokenResponse(BaseModel):
    """OAuth 2.0 token response (RFC 6749 §5.1)."""

    access_token: str = Field(description="RS256 JWT; send as `Authorization: Bearer <token>`.")
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds until the access token expires.", examples=[300])
    refresh_token: str | None = Field(
        default=None,
        description="Staff only. Single use: each refresh returns a new one; reusing an old one "
        "revokes the whole chain.",
    )
    scope: str = Field(
        examples=["registry:read registry:write"],
        description="What the access token may do; empty while the password must be changed.",
    )
    password_change_required: bool = Field(
        default=False,
        description="The password was set by an administrator (or generated): this token may only change it "
        "(POST /api/v1/auth/password); every other call answers 403 password_change_required. Log in again after.",
        examples=[False],
    )


class RevokeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=10, max_length=200, description="The refresh token to revoke (log out).")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=10, max_length=256, description="At least 10 characters.")


class Me(BaseModel):
    subject: str = Field(examples=["8d1f6a0e-6a55-4d2f-9d3c-2f7a1f3b9e10"])
    kind: Literal["user", "client"]
    name: str = Field(examples=["dapu.li"])
    roles: list[str]
    department: str | None = Field(examples=["township"])
    jurisdiction: str | None = Field(examples=["dapu"], description="null means county-wide")
    scopes: list[str]


# Every kind the gateway records (gateway/auth/service.py, users, clients, keys); a filter naming anything else is a
# mistake the caller should hear about (422), not an empty page.
AuthEventKind = Literal[
    "login",
    "login_failed",
    "account_locked",
    "client_token",
    "client_auth_failed",
    "refresh",
    "refresh_failed",
    "refresh_reuse",
    "logout",
    "password_changed",
    "password_reset",
    "user_created",
    "user_updated",
    "user_disabled",
    "user_enabled",
    "client_created",
    "client_disabled",
    "client_enabled",
    "client_secret_rotated",
    "key_rotated",
]


class AuthEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    kind: str = Field(examples=["login_failed"])
    subject: str | None
    username: str | None
    actor: str | None
    client_ip: str | None
    request_id: str | None
    detail: str | None


class ReferenceData(BaseModel):
    departments: dict[str, str]
    roles: dict[str, str]
    jurisdictions: dict[str, str]
    scopes: dict[str, str]


class RevokedSubject(BaseModel):
    subject: str = Field(
        description="The token subject: a user's id, or `client:<client_id>`.",
        examples=["8d1f6a0e-6a55-4d2f-9d3c-2f7a1f3b9e10"],
    )
    token_version: int = Field(description="Tokens whose claim `tv` is lower are revoked.", examples=[3])
    disabled: bool = Field(description="Every token of this subject is refused.", examples=[False])
    revoked_at: datetime = Field(description="When the version was last raised.")


class RevocationList(BaseModel):
    as_of: datetime = Field(description="The gateway's time when the list was read.")
    window_seconds: int = Field(
        description="Subjects revoked longer ago than this are left out: no token they revoked is still alive.",
        examples=[3660],
    )
    subjects: list[RevokedSubject]
