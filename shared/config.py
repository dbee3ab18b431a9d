"""Settings shared by every service; each service subclasses BaseServiceSettings with its own env prefix."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev-secret", "please-change"}

SERVICE_PORTS = {"gateway": 8000, "registry": 8001, "placement": 8002, "subsidy": 8003, "reporting": 8004}
"""Default ports for local runs; docker-compose and the Makefile use the same numbers."""


def database_url_for(server_url: str, database: str) -> str:
    """Turn a server URL (any database in its path) into an asyncpg URL for `database` on that server."""
    url = make_url(server_url).set(drivername="postgresql+asyncpg", database=database)
    return url.render_as_string(hide_password=False)


class BaseServiceSettings(BaseSettings):
    """Settings every service has. Read from the environment with the service's prefix (REGISTRY_ ...)."""

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    environment: Literal["development", "test", "production"] = "development"
    service_name: str = "service"
    database_url: SecretStr = Field(
        default=SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/qihang"),
        description="SQLAlchemy URL of this service's own database (asyncpg driver).",
    )
    db_pool_size: int = 10
    db_max_overflow: int = 10

    jwt_issuer: str = "qihang-gateway"
    jwt_audience: str = "qihang-api"
    jwt_leeway_seconds: int = Field(default=10, ge=0, le=30)
    jwks_url: str = "http://127.0.0.1:8000/.well-known/jwks.json"
    jwks_min_refresh_seconds: float = 5.0

    gateway_url: str = "http://127.0.0.1:8000"
    service_client_id: str | None = None
    service_client_secret: SecretStr | None = None

    http_timeout_seconds: float = 5.0
    http_connect_timeout_seconds: float = 2.0
    http_retries: int = Field(default=2, ge=0, le=5)

    max_body_bytes: int = 1_048_576
    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> BaseServiceSettings:
        if self.environment != "production":
            return self
        for name, value in self._secret_fields():
            if value is not None and value.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
                raise ValueError(f"{name} must be set to a real secret in production")
        return self

    def _secret_fields(self) -> list[tuple[str, SecretStr | None]]:
        return [
            (name, getattr(self, name))
            for name, field in type(self).model_fields.items()
            if field.annotation in (SecretStr, SecretStr | None) and name != "database_url"
        ]
