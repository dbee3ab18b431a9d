from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from gateway.keys.wrapping import decode_kek
from shared.config import BaseServiceSettings

# Development and test only: production refuses to start with it (below).
DEV_KEY_ENCRYPTION_KEY = "cWloYW5nLWRldi1vbmx5LWtleS1lbmNyeXB0aW9uLWs="


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    FOLLOWS_GATEWAY_REVOCATIONS: ClassVar[bool] = False  # it is the gateway: it reads its own database

    service_name: str = "gateway"

    key_encryption_key: SecretStr = Field(
        default=SecretStr(DEV_KEY_ENCRYPTION_KEY),
        description="32 random bytes, URL-safe base64: wraps the token-signing keys stored in the database "
        "(AES-256-GCM). Production refuses the development default.",
    )
    previous_key_encryption_key: SecretStr | None = Field(
        default=None,
        description="While rotating the key-encryption key: the old one. Keys it wrapped are re-wrapped with the "
        "new one at start-up; remove it afterwards.",
    )

    # The first county administrator. Unprefixed names, as the README documents them.
    admin_username: str = Field(
        default="admin", validation_alias=AliasChoices("ADMIN_USERNAME", "GATEWAY_ADMIN_USERNAME")
    )
    admin_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ADMIN_PASSWORD", "GATEWAY_ADMIN_PASSWORD")
    )

    access_token_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    refresh_token_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    key_overlap_seconds: int = Field(
        default=3600, description="How long a rotated-out signing key still verifies (at least the access TTL)."
    )
    max_failed_logins: int = 5
    lockout_seconds: int = 900
    subject_status_cache_seconds: float = 2.0

    registry_url: str = "http://127.0.0.1:8001"
    placement_url: str = "http://127.0.0.1:8002"
    subsidy_url: str = "http://127.0.0.1:8003"
    reporting_url: str = "http://127.0.0.1:8004"
    upstream_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a proxied call may wait for each read or write of a service."
    )
    upstream_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    max_upload_bytes: int = Field(
        default=16 * 1024 * 1024 + 65_536,
        ge=1024,
        description="Largest request body on the file-upload routes (imports); elsewhere max_body_bytes applies.",
    )
    upload_timeout_seconds: float = Field(
        default=120.0, gt=0, description="How long a proxied upload (an import's dry run) may wait for the service."
    )
    upstream_max_connections: int = Field(default=200, ge=1, description="Pooled connections to all services.")
    upstream_check_timeout_seconds: float = Field(
        default=2.0, gt=0, description="Timeout of the readiness probes and OpenAPI fetches of the services."
    )
    openapi_retry_seconds: float = Field(
        default=10.0, ge=0, description="While a service's OpenAPI is missing, fetch it again at most this often."
    )
    openapi_max_age_seconds: float = Field(
        default=300.0, ge=0, description="Re-fetch the services' OpenAPI documents after this long."
    )

    rate_limit_per_minute: int = Field(
        default=600, ge=1, description="Requests per minute per client (token subject or IP)."
    )
    login_rate_limit_per_minute: int = Field(default=20, ge=1, description="Token requests per minute per IP.")
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed to call the API from a browser.")
    max_header_bytes: int = 16_384

    # Service clients registered at start-up from the same variables the services read.
    registry_service_client_secret: SecretStr | None = Field(
        default=None, validation_alias="REGISTRY_SERVICE_CLIENT_SECRET"
    )
    placement_service_client_secret: SecretStr | None = Field(
        default=None, validation_alias="PLACEMENT_SERVICE_CLIENT_SECRET"
    )
    subsidy_service_client_secret: SecretStr | None = Field(
        default=None, validation_alias="SUBSIDY_SERVICE_CLIENT_SECRET"
    )
    reporting_service_client_secret: SecretStr | None = Field(
        default=None, validation_alias="REPORTING_SERVICE_CLIENT_SECRET"
    )

    @model_validator(mode="after")
    def _key_encryption_keys(self) -> "Settings":
        kek = self.key_encryption_key.get_secret_value()
        if self.environment == "production" and kek == DEV_KEY_ENCRYPTION_KEY:
            raise ValueError("set GATEWAY_KEY_ENCRYPTION_KEY in production (32 random bytes, URL-safe base64)")
        decode_kek(kek)
        if self.previous_key_encryption_key is not None:
            decode_kek(self.previous_key_encryption_key.get_secret_value())
        return self

    def service_urls(self) -> dict[str, str]:
        return {
            "registry": self.registry_url,
            "placement": self.placement_url,
            "subsidy": self.subsidy_url,
            "reporting": self.reporting_url,
        }
