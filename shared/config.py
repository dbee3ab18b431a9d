"""Settings shared by every service; each service subclasses BaseServiceSettings with its own env prefix.

Every variable can also be given as a file: `<NAME>_FILE=/run/secrets/x` reads NAME from that file (the Docker
secrets convention), so docker-compose hands secrets over as files and never as plain environment values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import AliasChoices, AliasPath, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)
from sqlalchemy.engine import make_url

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev-secret", "please-change"}
DEV_CURSOR_KEY = "qihang-development-only-cursor-signing-key"
"""Signs list cursors in development and tests; production refuses it (set `<SVC>_CURSOR_KEY`)."""

SERVICE_PORTS = {"gateway": 8000, "registry": 8001, "placement": 8002, "subsidy": 8003, "reporting": 8004}
"""Default ports for local runs; docker-compose and the Makefile use the same numbers."""


def database_url_for(server_url: str, database: str) -> str:
    """Turn a server URL (any database in its path) into an asyncpg URL for `database` on that server."""
    url = make_url(server_url).set(drivername="postgresql+asyncpg", database=database)
    return url.render_as_string(hide_password=False)


def env_names(settings_cls: type[BaseSettings]) -> set[str]:
    """The environment variables a settings class reads: env_prefix + field name, or the field's validation
    alias(es) instead where it has one. Upper-cased (the classes are not case-sensitive)."""
    prefix = settings_cls.model_config.get("env_prefix", "")
    names: set[str] = set()
    for name, field in settings_cls.model_fields.items():
        alias = field.validation_alias
        if alias is None:
            names.add(f"{prefix}{name}".upper())
        elif isinstance(alias, str):
            names.add(alias.upper())
        elif isinstance(alias, AliasChoices):
            names.update(c.upper() if isinstance(c, str) else str(c.path[0]).upper() for c in alias.choices)
        elif isinstance(alias, AliasPath):
            names.add(str(alias.path[0]).upper())
    return names


class FileEnvSettingsSource(EnvSettingsSource):
    """`<NAME>_FILE=<path>` gives NAME the content of that file (trailing newline dropped), for every NAME the
    settings class reads. A value set directly in the environment wins over the file."""

    def _load_env_vars(self) -> dict[str, str | None]:
        values: dict[str, str | None] = {}
        environ = {key.upper(): value for key, value in os.environ.items()}
        for name in env_names(self.settings_cls):
            path = environ.get(f"{name}_FILE")
            if not path:
                continue
            try:
                values[name.lower()] = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise SettingsError(f"{name}_FILE={path}: cannot read the file ({exc.strerror})") from exc
        return values


class BaseServiceSettings(BaseSettings):
    """Settings every service has. Read from the environment with the service's prefix (REGISTRY_ ...)."""

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    FOLLOWS_GATEWAY_REVOCATIONS: ClassVar[bool] = True
    """The services learn revoked tokens from the gateway (shared.revocation); the gateway reads its own database."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, FileEnvSettingsSource(settings_cls), dotenv_settings, file_secret_settings

    environment: Literal["development", "test", "production"] = "development"
    service_name: str = "service"
    database_url: SecretStr = Field(
        default=SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/qihang"),
        description="SQLAlchemy URL of this service's own database (asyncpg driver).",
    )
    database_password: SecretStr | None = Field(
        default=None,
        description="Password of the database URL's role when the URL carries none (from a secret file: "
        "<SVC>_DATABASE_PASSWORD_FILE).",
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

    revocation_check_enabled: bool | None = Field(
        default=None,
        description="Refuse tokens the gateway has revoked (disabled subjects, changed passwords, roles or secrets), "
        "learnt by polling the gateway with this service's client. Unset: on when the service has a client, "
        "except in tests. Production requires it.",
    )
    revocation_poll_seconds: float = Field(
        default=2.0, gt=0, le=60, description="How often the revocation list is fetched from the gateway."
    )
    revocation_max_age_seconds: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="Oldest revocation list the service still trusts: beyond it (the gateway unreachable) every "
        "token is refused with 503 until a fetch succeeds.",
    )

    http_timeout_seconds: float = 5.0
    http_connect_timeout_seconds: float = 2.0
    http_retries: int = Field(default=2, ge=0, le=5)

    cursor_key: SecretStr = Field(
        default=SecretStr(DEV_CURSOR_KEY),
        min_length=32,
        description="Signs this service's list cursors (HMAC-SHA256), so a made-up or altered cursor is a 400. At "
        "least 32 characters; replicas of a service share it; changing it only restarts lists being paged through.",
    )

    max_body_bytes: int = 1_048_576
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Port of this process's Prometheus metrics listener (/metrics), apart from the API's; unset: "
        "none. Never published: the gateway does not route it.",
    )
    metrics_host: str = Field(default="127.0.0.1", description="Address the metrics listener binds to.")
    log_level: str = "INFO"
    log_json: bool = True

    @property
    def revocation_check_active(self) -> bool:
        if not self.FOLLOWS_GATEWAY_REVOCATIONS:
            return False
        if self.revocation_check_enabled is not None:
            return self.revocation_check_enabled
        return self.environment != "test" and self.has_service_client

    @property
    def has_service_client(self) -> bool:
        return bool(self.service_client_id and self.service_client_secret)

    @model_validator(mode="after")
    def _database_password_into_url(self) -> BaseServiceSettings:
        if self.database_password is None:
            return self
        url = make_url(self.database_url.get_secret_value())
        if url.password is not None:
            raise ValueError("give the database password once: in the database URL or as database_password")
        url = url.set(password=self.database_password.get_secret_value())
        self.database_url = SecretStr(url.render_as_string(hide_password=False))
        return self

    @model_validator(mode="after")
    def _revocation_check(self) -> BaseServiceSettings:
        if self.revocation_max_age_seconds <= self.revocation_poll_seconds:
            raise ValueError("revocation_max_age_seconds must be longer than revocation_poll_seconds")
        if not self.FOLLOWS_GATEWAY_REVOCATIONS:
            return self
        if self.revocation_check_enabled and not self.has_service_client:
            raise ValueError("the revocation check needs this service's client (service_client_id and _secret)")
        if self.environment == "production" and not self.revocation_check_active:
            raise ValueError(
                "production refuses tokens revoked at the gateway: set the service client (service_client_id and "
                "service_client_secret) and leave revocation_check_enabled on"
            )
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> BaseServiceSettings:
        if self.environment != "production":
            return self
        for name, value in self._secret_fields():
            if value is not None and value.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
                raise ValueError(f"{name} must be set to a real secret in production")
        if self.cursor_key.get_secret_value() == DEV_CURSOR_KEY:
            raise ValueError("cursor_key must be set to a real secret in production (32+ random characters)")
        return self

    def _secret_fields(self) -> list[tuple[str, SecretStr | None]]:
        return [
            (name, getattr(self, name))
            for name, field in type(self).model_fields.items()
            if field.annotation in (SecretStr, SecretStr | None) and name != "database_url"
        ]
