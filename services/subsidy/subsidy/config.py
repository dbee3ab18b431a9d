from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.webhooks import WebhookSettings


class Settings(WebhookSettings):
    model_config = SettingsConfigDict(env_prefix="SUBSIDY_", extra="ignore")

    service_name: str = "subsidy"

    evidence_page_size: int = Field(
        default=100,
        ge=1,
        le=200,
        description="Employers asked of placement per batch-evidence call while evaluating a year (each call must "
        "answer within the HTTP timeout).",
    )
    evaluation_stale_seconds: int = Field(
        default=120,
        ge=10,
        description="An unfinished evaluation whose process has not reported for this long is marked interrupted.",
    )
