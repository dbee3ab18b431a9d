from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings


class Settings(BaseServiceSettings):
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

    @property
    def follows_registry_feed(self) -> bool:
        if self.registry_feed_enabled is None:
            return self.environment != "test"
        return self.registry_feed_enabled
