"""The registry's event feed as this service reads it (GET /api/v1/registry-events). Only the fields used here are
declared; anything else the registry adds is ignored, so it may grow without breaking this follower."""

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from shared import feed_page
from shared.feed_page import FeedEvent


class FeedPage(feed_page.FeedPage[FeedEvent]):
    """A page of the registry's feed: of each event, its id, kind, aggregate and data."""


class PersonData(BaseModel):
    """person.created / person.updated / person.archived (and any later person.* event of the same shape)."""

    model_config = ConfigDict(extra="ignore")

    jurisdiction_code: str = Field(min_length=1, max_length=40)
    status: str = Field(pattern=r"^(active|archived)$")
    work_ability: str | None = Field(default=None, max_length=20)
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    version: int | None = Field(default=None, ge=1)


class MeasureData(BaseModel):
    """measure.created / measure.corrected / measure.ended."""

    model_config = ConfigDict(extra="ignore")

    measure_id: uuid.UUID
    kind: str = Field(min_length=1, max_length=30)
    start_on: date
    planned_end_on: date | None = None
    actual_end_on: date | None = None
    end_reason: str | None = Field(default=None, max_length=30)
    corrects_id: uuid.UUID | None = None
