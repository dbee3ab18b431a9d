from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.webhooks import WebhookSettings


class Settings(WebhookSettings):
    model_config = SettingsConfigDict(env_prefix="PLACEMENT_", extra="ignore")

    service_name: str = "placement"

    registry_feed_enabled: bool | None = Field(
        default=None,
        description="Follow the registry's event feed in the background (placement/registry_feed). Unset: on, "
        "except in the test environment, where tests drive the follower step by step.",
    )
    registry_feed_poll_seconds: float = Field(
        default=2.0, gt=0, le=300, description="Pause between two polls once the follower has caught up."
    )
    registry_feed_batch_size: int = Field(default=200, ge=1, le=200, description="Events asked for per poll.")
    registry_feed_max_backoff_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="Longest wait between retries while the registry is unreachable."
    )
    import_max_file_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Largest CSV/XLSX file an employer or placement import accepts (larger: 413).",
    )
    import_max_rows: int = Field(default=20_000, ge=1, description="Most data rows in one import file (more: 413).")
    import_batch_size: int = Field(
        default=50,
        ge=1,
        le=64,
        description="Rows an import job writes per transaction (its progress moves by this much); each row is a "
        "savepoint, and PostgreSQL tracks at most 64 subtransactions of a transaction cheaply (beyond that every "
        "session's snapshots get slower while it runs). A placement batch is also one registry lookup.",
    )
    import_stale_seconds: int = Field(
        default=120,
        ge=10,
        description="An unfinished import job whose process has not reported for this long is marked interrupted.",
    )

    @property
    def follows_registry_feed(self) -> bool:
        if self.registry_feed_enabled is None:
            return self.environment != "test"
        return self.registry_feed_enabled
