from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.webhooks import WebhookSettings

# Development and test only: production refuses to start with them (below).
DEV_ID_NUMBER_ENCRYPTION_KEY = "cWloYW5nLWRldi1vbmx5LWlkLWVuY3J5cHRpb24tayE="
DEV_ID_NUMBER_HASH_KEY = "cWloYW5nLWRldi1vbmx5LWlkLWxvb2t1cC1oYXNoLWs="


class Settings(WebhookSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    service_name: str = "registry"
    id_number_encryption_key: SecretStr = Field(
        default=SecretStr(DEV_ID_NUMBER_ENCRYPTION_KEY),
        description="32 bytes, URL-safe base64: encrypts national ID numbers at rest (AES-256-GCM).",
    )
    id_number_hash_key: SecretStr = Field(
        default=SecretStr(DEV_ID_NUMBER_HASH_KEY),
        description="32 bytes, URL-safe base64: keyed hash of ID numbers for lookup and uniqueness.",
    )
    consolidation_years: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Years abstinent after which a person counts as consolidated (戒断巩固); 3 is the national "
        "definition.",
    )
    working_age_min: int = Field(
        default=16, ge=0, le=100, description="Youngest age (whole years on the day) eligible for placement."
    )
    working_age_max: int = Field(
        default=59, ge=0, le=100, description="Oldest age (whole years on the day) eligible for placement."
    )

    import_max_file_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Largest CSV/XLSX file a person import accepts (larger: 413).",
    )
    import_max_rows: int = Field(
        default=50_000, ge=1, description="Most data rows in one person-import file (more: 413)."
    )
    import_batch_size: int = Field(
        default=500,
        ge=1,
        le=2000,
        description="Rows a person-import job registers per transaction (its progress moves by this much).",
    )
    import_stale_seconds: int = Field(
        default=120,
        ge=10,
        description="An unfinished import job whose process has not reported for this long is marked interrupted.",
    )

    @property
    def working_age(self) -> tuple[int, int]:
        return self.working_age_min, self.working_age_max

    @model_validator(mode="after")
    def _working_age_is_a_range(self) -> "Settings":
        if self.working_age_min > self.working_age_max:
            raise ValueError("REGISTRY_WORKING_AGE_MIN must not be above REGISTRY_WORKING_AGE_MAX")
        return self

    @model_validator(mode="after")
    def _no_dev_keys_in_production(self) -> "Settings":
        dev_keys = {DEV_ID_NUMBER_ENCRYPTION_KEY, DEV_ID_NUMBER_HASH_KEY}
        if self.environment == "production" and (
            self.id_number_encryption_key.get_secret_value() in dev_keys
            or self.id_number_hash_key.get_secret_value() in dev_keys
        ):
            raise ValueError("set REGISTRY_ID_NUMBER_ENCRYPTION_KEY and REGISTRY_ID_NUMBER_HASH_KEY in production")
        if self.id_number_encryption_key.get_secret_value() == self.id_number_hash_key.get_secret_value():
            raise ValueError("the ID-number encryption and hash keys must differ")
        return self
