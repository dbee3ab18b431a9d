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
    scope: str = Field(examples=["registry:read registry:write"])


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
