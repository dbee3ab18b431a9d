from typing import Literal

from pydantic import BaseModel, Field

from reporting.reports.schemas import SourceFreshness


class FeedsRead(BaseModel):
    sources: list[SourceFreshness] = Field(description="One per source: registry, placement, subsidy.")
    people_waiting: int = Field(
        description="People whose new facts are read but not yet in the figures (derived within seconds).",
        examples=[0],
    )


class RebuildRead(BaseModel):
    status: Literal["rebuilding"] = Field(
        description="Every fact and cursor is forgotten; the follower reads every feed again from its start. Follow "
        "progress at /api/v1/reporting-feeds.",
        examples=["rebuilding"],
    )
