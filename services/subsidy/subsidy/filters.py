"""The query parameters that narrow the lists of decisions and of applications alike, declared once."""

import uuid
from typing import Annotated

from fastapi import Query

from subsidy.types import SubsidyTypeCode

YearQuery = Annotated[int | None, Query(ge=2012, le=2100, description="Only this year.")]
TypeQuery = Annotated[SubsidyTypeCode | None, Query(description="Only this type.")]
BeneficiaryQuery = Annotated[uuid.UUID | None, Query(description="Only this employer or person.")]
JurisdictionQuery = Annotated[str | None, Query(max_length=40, description="Only this jurisdiction.")]
