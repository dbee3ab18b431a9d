from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTING_", extra="ignore")

    service_name: str = "reporting"
    feeds_enabled: bool | None = Field(
        default=None,
        description="Follow the registry's, placement's and subsidy's event feeds in the background. Unset: on, "
        "except in the test environment.",
    )
    feeds: list[str] = Field(
        default=["registry", "placement", "subsidy"], description="Which sources' feeds to follow."
    )
    feed_poll_seconds: float = Field(default=2.0, gt=0, le=300, description="Pause between polls once caught up.")
    feed_batch_size: int = Field(
        default=1000, ge=1, le=1000, description="Events asked for per poll (the feeds serve up to 1,000 a page)."
    )
    feed_max_backoff_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="Longest wait between retries of an unreachable source."
    )
    derive_batch_size: int = Field(default=1000, ge=1, le=20000, description="People re-derived per transaction.")
    follower_derives: bool = Field(
        default=True,
        description="The feed follower re-derives the people whose facts changed itself. Off: it only stores facts, "
        "and derivation workers (`python -m reporting.readmodel.deriver --partition K/N`, one per partition K of N) "
        "run beside the service; without them nobody is derived and the figures stop moving.",
    )
    consolidation_years: int = Field(
        default=3, ge=1, le=10, description="Years abstinent before a person counts as consolidated (rule v2's N)."
    )
    working_age_min: int = Field(default=16, ge=14, le=30, description="Placement eligibility: from this birthday.")
    working_age_max: int = Field(
        default=60, ge=40, le=70, description="Placement eligibility: until the day before this birthday."
    )
    as_known_max_people: int = Field(
        default=50000,
        ge=1,
        description="'As known at' recomputes the people whose records changed since; beyond this many, 422.",
    )
    suppression_threshold: int = Field(
        default=5, ge=1, le=50, description="Published outputs show a numerator or denominator below this as '<N'."
    )

    @property
    def follows_feeds(self) -> bool:
        if self.feeds_enabled is None:
            return self.environment != "test"
        return self.feeds_enabled
